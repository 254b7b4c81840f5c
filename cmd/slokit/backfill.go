//go:build !noengine

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/backfill"
	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/history"
	"github.com/slokit/slokit/internal/scratch"
)

const backfillSynopsis = `backfill --prometheus-url URL [--since 30d] [--until TIME] (-o DIR | --remote-write URL) PATH...

Computes the SLOs' recorded series over the past from the raw series
they are recorded from (read from the backend as stored) and writes them
as TSDB blocks into DIR, a new folder: move the blocks into a
Prometheus's data folder (or upload them, as for promtool's), and a new or
edited SLO has its budget, burn rates and dashboards over the past at
once. With --remote-write instead of -o, the samples are sent through
Prometheus's remote write protocol to a backend that takes samples from
the past (VictoriaMetrics, Mimir, a Prometheus with an
out_of_order_time_window). Alerts are not backfilled; maintenance windows made through slokit
serve are not known to it.`

// historySource is where the history commands read raw series: the
// backend's query API, or its remote read endpoint (--remote-read). The
// querier names the backend in messages.
func historySource(b *backendFlags) (history.Source, *budget.HTTPQuerier, error) {
	q, err := b.querier()
	if err != nil || !*b.remoteRead {
		return q, q, err
	}
	return history.RemoteReader{Backend: q}, q, nil
}

// pastFlags are --since and --until: the stretch of a backend's past a
// command reads.
type pastFlags struct{ since, until *string }

func addPastFlags(fs *flag.FlagSet, since, sinceUsage string) *pastFlags {
	return &pastFlags{
		since: fs.String("since", since, sinceUsage+" (at most 366d)"),
		until: fs.String("until", "", "with --since: where the stretch ends, an RFC 3339 time such as 2026-11-10T00:00:00Z (default now)"),
	}
}

// window is the stretch (from, to], to the minute.
func (p *pastFlags) window(now time.Time) (from, to time.Time, err error) {
	span, err := model.ParseDuration(*p.since)
	switch {
	case err != nil:
		return from, to, fmt.Errorf("--since %q: %v", *p.since, err)
	case time.Duration(span) < time.Hour || time.Duration(span) > history.MaxRange:
		return from, to, fmt.Errorf("--since %s: give an hour or more, at most %s", *p.since, model.Duration(history.MaxRange))
	}
	to = now
	if *p.until != "" {
		if to, err = time.Parse(time.RFC3339, *p.until); err != nil {
			return from, to, fmt.Errorf("--until %q: give an RFC 3339 time such as 2026-11-10T00:00:00Z", *p.until)
		}
		if to.After(now) {
			return from, to, fmt.Errorf("--until %s is in the future", *p.until)
		}
	}
	to = to.UTC().Truncate(time.Minute)
	return to.Add(-time.Duration(span)), to, nil
}

func runBackfill(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("backfill", backfillSynopsis, stderr)
	maxBytes := maxFileBytesFlag(fs)
	backend := addBackendFlags(fs, "Prometheus-compatible HTTP API to read the raw series from").addRemoteRead(fs)
	past := addPastFlags(fs, "30d", "how far back to backfill, such as 7d")
	out := fs.String("o", "", "folder to write the blocks into: new or empty")
	remoteWrite := fs.String("remote-write", "", "send the samples to this remote write URL instead of writing blocks, such as http://victoriametrics:8428/api/v1/write")
	var rwHeaders headerFlags = headerFlags{}
	fs.Var(rwHeaders, "remote-write-header", "'Name: value' header on every remote write request, such as a tenant (repeatable)")
	maxSamples := fs.Int64("max-samples", history.DefaultMaxSamples, "most raw samples read, which the engine holds in memory")
	specs, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(err)
	}
	from, to, err := past.window(time.Now())
	switch {
	case *backend.url == "":
		err = fmt.Errorf("--prometheus-url is required: the backend holding the raw series")
	case (*out == "") == (*remoteWrite == ""):
		err = fmt.Errorf("give -o DIR (the folder to write the blocks into) or --remote-write URL, one of them")
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
	source, q, err := historySource(backend)
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
	o := backfill.Options{Services: services, Source: source, From: from, To: to, Dir: dir, Out: *out, MaxSamples: *maxSamples}
	dest := *out
	if *remoteWrite != "" {
		if o.RemoteWrite, err = backfill.NewRemoteWriter(*remoteWrite, http.Header(rwHeaders), 0); err != nil {
			fmt.Fprintf(stderr, "slokit backfill: %v\n", err)
			return exitUsage
		}
		dest = o.RemoteWrite.URL()
	}
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
	if o.RemoteWrite != nil {
		fmt.Fprintf(stdout, "read %d raw series (%d samples) from %s; sent %d recorded series (%d samples) from %s to %s to %s\n",
			res.Read.Series, res.Read.Samples, q.URL(), res.Series, res.Samples, o.From.Format(time.RFC3339), o.To.Format(time.RFC3339), dest)
		return exitOK
	}
	fmt.Fprintf(stdout, "read %d raw series (%d samples) from %s; wrote %d recorded series (%d samples) from %s to %s into %d blocks in %s\n",
		res.Read.Series, res.Read.Samples, q.URL(), res.Series, res.Samples, o.From.Format(time.RFC3339), o.To.Format(time.RFC3339), len(res.Blocks), dest)
	return exitOK
}
