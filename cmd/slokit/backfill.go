//go:build !noengine

package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/backfill"
	"github.com/slokit/slokit/history"
	"github.com/slokit/slokit/internal/scratch"
)

const backfillSynopsis = `backfill --prometheus-url URL [--since 30d] -o DIR PATH...

Computes the SLOs' recorded series over the past from the raw series
they are recorded from (read from the backend as stored) and writes them
as TSDB blocks into DIR, a new folder: move the blocks into a
Prometheus's data folder (or upload them, as for promtool's), and a new or
edited SLO has its budget, burn rates and dashboards over the past at
once. Alerts are not backfilled; maintenance windows made through slokit
serve are not known to it.`

// pastSpan reads --since: how far back a read of the past reaches.
func pastSpan(since string) (time.Duration, error) {
	span, err := model.ParseDuration(since)
	switch {
	case err != nil:
		return 0, fmt.Errorf("--since %q: %v", since, err)
	case time.Duration(span) < time.Hour || time.Duration(span) > history.MaxRange:
		return 0, fmt.Errorf("--since %s: give an hour or more, at most %s", since, model.Duration(history.MaxRange))
	}
	return time.Duration(span), nil
}

func runBackfill(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("backfill", backfillSynopsis, stderr)
	maxBytes := maxFileBytesFlag(fs)
	backend := addBackendFlags(fs, "Prometheus-compatible HTTP API to read the raw series from")
	since := fs.String("since", "30d", "how far back to backfill, such as 7d (at most 366d)")
	out := fs.String("o", "", "folder to write the blocks into: new or empty")
	maxSamples := fs.Int64("max-samples", history.DefaultMaxSamples, "most raw samples read, which the engine holds in memory")
	specs, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(err)
	}
	span, err := pastSpan(*since)
	switch {
	case *backend.url == "":
		err = fmt.Errorf("--prometheus-url is required: the backend holding the raw series")
	case *out == "":
		err = fmt.Errorf("-o DIR is required: the folder to write the blocks into")
	case err != nil:
	case len(specs) == 0:
		err = fmt.Errorf("give the spec PATHs to backfill")
	}
	if err != nil {
		fmt.Fprintf(stderr, "slokit backfill: %v\n", err)
		return exitUsage
	}
	services, ok := load(specs, specReading{maxFileBytes: *maxBytes}, stderr)
	if !ok {
		return exitInvalid
	}
	q, err := backend.querier()
	if err != nil {
		fmt.Fprintf(stderr, "slokit backfill: %v\n", err)
		return exitUsage
	}
	dir, remove, err := scratch.New("slokit-backfill")
	if err != nil {
		fmt.Fprintf(stderr, "slokit backfill: %v\n", err)
		return exitInvalid
	}
	defer remove()
	to := time.Now().UTC().Truncate(time.Minute)
	o := backfill.Options{Services: services, Source: q, From: to.Add(-span), To: to, Dir: dir, Out: *out, MaxSamples: *maxSamples}
	if isTerminal(stderr) {
		o.Progress = func(step string) { fmt.Fprintf(stderr, "slokit backfill: %s\n", step) }
	}
	res, err := backfill.Run(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "slokit backfill: %v\n", err)
		return exitInvalid
	}
	for _, w := range res.Read.Warnings(o.From) {
		fmt.Fprintf(stderr, "slokit backfill: warning: %s\n", w)
	}
	fmt.Fprintf(stdout, "read %d raw series (%d samples) from %s; wrote %d recorded series (%d samples) from %s to %s into %d blocks in %s\n",
		res.Read.Series, res.Read.Samples, q.URL(), res.Series, res.Samples, o.From.Format(time.RFC3339), o.To.Format(time.RFC3339), len(res.Blocks), *out)
	return exitOK
}
