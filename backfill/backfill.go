// Package backfill computes an SLO's recorded series over the past from
// the raw series they are recorded from, and writes them as TSDB blocks a
// Prometheus loads: a new or edited SLO then has its budget, burn rates
// and dashboards over its whole period at once, rather than a full budget
// for the period its series take to fill.
package backfill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/history"
	"github.com/slokit/slokit/slo"
)

// BlockSize is the span of each block written: a day, as a Prometheus
// compacts its own after a while.
const BlockSize = 24 * time.Hour

// Options say what to backfill.
type Options struct {
	Services []*slo.Service
	Source   history.Source
	// From and To are the stretch: recorded series in (From, To].
	From, To time.Time
	// Dir is where the engine works; it must exist and be empty.
	Dir string
	// Out is the folder the blocks are written to: it must not exist or
	// be empty, so that a second run does not add the same samples twice.
	Out string
	// RemoteWrite, when set, receives the samples instead of blocks.
	RemoteWrite *RemoteWriter
	MaxSamples  int64
	Progress    func(step string)
}

// Result says what was read and written.
type Result struct {
	Read    *history.Report
	Blocks  []string // the blocks' ULIDs, oldest first
	Series  int
	Samples int64
}

// Run reads the raw series, computes the recording rules over them on
// the embedded engine, and writes what they record as blocks into Out.
func Run(ctx context.Context, o Options) (*Result, error) {
	if entries, err := os.ReadDir(o.Out); o.RemoteWrite == nil && err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("backfill: %s is not empty: write the blocks into a new folder (a second run into the same one would add every sample again)", o.Out)
	}
	progress := func(step string) {
		if o.Progress != nil {
			o.Progress(step)
		}
	}
	selectors, err := history.Selectors(o.Services)
	if err != nil {
		return nil, err
	}
	e, err := engine.Open(o.Dir)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	// Journeys after their members, whose recorded series they read.
	var groups []engine.Group
	var names []string
	for _, s := range slo.InEvaluationOrder(o.Services) {
		g := promrules.Group(s)
		groups = append(groups, engine.Group{File: promrules.FileName(s.Service), RuleGroup: g})
		for _, r := range g.Rules {
			if r.Record != "" && !slices.Contains(names, r.Record) {
				names = append(names, r.Record)
			}
		}
	}
	if err := e.LoadGroups(groups...); err != nil {
		return nil, err
	}
	from, to := o.From.Truncate(time.Minute), o.To.Truncate(time.Minute)
	progress("reading the raw series")
	read, err := history.Load(ctx, o.Source, selectors, e, history.Options{From: from, To: to, MaxSamples: o.MaxSamples})
	if err != nil {
		return nil, err
	}
	progress("computing the recording rules")
	if err := e.Backfill(ctx, from, to); err != nil {
		return nil, err
	}
	if o.RemoteWrite == nil {
		if err := os.MkdirAll(o.Out, 0o755); err != nil {
			return nil, err
		}
	}
	res := &Result{Read: read}
	recorded := labels.MustNewMatcher(labels.MatchRegexp, labels.MetricName, strings.Join(quoteAll(names), "|"))
	seen := map[string]bool{}
	for start := from; start.Before(to); start = start.Add(BlockSize) {
		end := start.Add(BlockSize)
		if end.After(to) {
			end = to
		}
		if o.RemoteWrite != nil {
			progress("sending the day from " + start.UTC().Format(time.RFC3339))
			if err := sendDay(ctx, e, recorded, start, end, o.RemoteWrite, res, seen); err != nil {
				return nil, err
			}
			continue
		}
		progress("writing the block from " + start.UTC().Format(time.RFC3339))
		id, err := writeBlock(ctx, e, recorded, start, end, o.Out, res, seen)
		if err != nil {
			return nil, err
		}
		if id != "" {
			res.Blocks = append(res.Blocks, id)
		}
	}
	return res, nil
}

// writeBlock writes the recorded series' samples in (start, end] as one
// block; no block when there are none.
func writeBlock(ctx context.Context, e *engine.Engine, recorded *labels.Matcher, start, end time.Time, out string, res *Result, seen map[string]bool) (string, error) {
	w, err := tsdb.NewBlockWriter(slog.New(slog.DiscardHandler), out, BlockSize.Milliseconds()+1)
	if err != nil {
		return "", err
	}
	defer w.Close()
	app := w.Appender(ctx)
	n := 0
	err = eachSeries(ctx, e, recorded, start, end, res, seen, func(ls labels.Labels, it chunkenc.Iterator) error {
		var ref storage.SeriesRef
		for it.Next() != chunkenc.ValNone {
			t, v := it.At()
			var err error
			if ref, err = app.Append(ref, ls, t, v); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return "", errors.Join(err, app.Rollback())
	}
	if err := app.Commit(); err != nil {
		return "", err
	}
	if n == 0 {
		return "", nil
	}
	res.Samples += int64(n)
	id, err := w.Flush(ctx)
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// sendDay sends the recorded series' samples in (start, end] through
// remote write, MaxSamplesPerRequest at most per request.
func sendDay(ctx context.Context, e *engine.Engine, recorded *labels.Matcher, start, end time.Time, w *RemoteWriter, res *Result, seen map[string]bool) error {
	var batch []prompb.TimeSeries
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		err := w.send(ctx, batch)
		res.Samples += int64(n)
		batch, n = nil, 0
		return err
	}
	err := eachSeries(ctx, e, recorded, start, end, res, seen, func(ls labels.Labels, it chunkenc.Iterator) error {
		ts := prompb.TimeSeries{}
		ls.Range(func(l labels.Label) { ts.Labels = append(ts.Labels, prompb.Label{Name: l.Name, Value: l.Value}) })
		for it.Next() != chunkenc.ValNone {
			t, v := it.At()
			ts.Samples = append(ts.Samples, prompb.Sample{Timestamp: t, Value: v})
			if n++; n >= MaxSamplesPerRequest {
				batch = append(batch, ts)
				if err := flush(); err != nil {
					return err
				}
				ts.Samples = nil
			}
		}
		if len(ts.Samples) > 0 {
			batch = append(batch, ts)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// eachSeries hands every recorded series with samples in (start, end]
// to each, with an iterator over them, and counts each series once over
// the run in res (seen holds those counted): what a block and a remote
// write both go through.
func eachSeries(ctx context.Context, e *engine.Engine, recorded *labels.Matcher, start, end time.Time, res *Result, seen map[string]bool, each func(labels.Labels, chunkenc.Iterator) error) error {
	q, err := e.Storage().Querier(start.UnixMilli()+1, end.UnixMilli())
	if err != nil {
		return err
	}
	defer q.Close()
	set := q.Select(ctx, false, nil, recorded)
	for set.Next() {
		ls := set.At().Labels()
		if !seen[ls.String()] {
			seen[ls.String()] = true
			res.Series++
		}
		if err := each(ls, set.At().Iterator(nil)); err != nil {
			return err
		}
	}
	return set.Err()
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = regexp.QuoteMeta(n)
	}
	return out
}
