// Package history reads the past of the raw series an SLO's rules read
// from a Prometheus-compatible API into the embedded engine, so that
// rules can be replayed, backfilled and judged over a team's real traffic
// rather than a synthetic scenario. It reads raw samples as stored (a
// range selector asked at an instant), an hour at a time, bounded in
// samples, and says what it found: series, samples, selectors that
// matched nothing, where the backend's data begins, and gaps.
package history

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/slo"
)

// Source reads raw samples: those of the series selector matches in
// (end-rng, end], as stored. budget.HTTPQuerier is one.
type Source interface {
	RawSamples(ctx context.Context, selector string, end time.Time, rng time.Duration) (model.Matrix, error)
}

// Options bound a read.
type Options struct {
	// From and To are the stretch read: samples in (From, To].
	From, To time.Time
	// Chunk is how much of the stretch one query reads; default an hour.
	Chunk time.Duration
	// MaxSamples bounds the samples read, which the engine holds in
	// memory; default DefaultMaxSamples.
	MaxSamples int64
	// Progress, when set, is told how far the read has come.
	Progress func(read, total time.Duration)
}

// Defaults of Options.
const (
	DefaultChunk      = time.Hour
	DefaultMaxSamples = 250e6
	// MaxRange bounds the stretch: a year.
	MaxRange = 366 * 24 * time.Hour
)

// Report is what a read found.
type Report struct {
	Series  int
	Samples int64
	// Empty are the selectors that matched no series in the stretch.
	Empty []string
	// Earliest is the time of the first sample read.
	Earliest time.Time
	// Gaps are stretches of a series with no sample for longer than
	// GapFactor times its usual interval: a scrape target down, or
	// Prometheus itself.
	Gaps []Gap
}

// Gap is a stretch with no sample of a series.
type Gap struct {
	Series     string
	From, To   time.Time
	Multiplier float64 // the gap over the series' usual interval
}

// Warnings say what a read from from found that figures computed over it
// depend on: a selector matching nothing, data that begins late, gaps.
func (rep *Report) Warnings(from time.Time) []string {
	var out []string
	for _, sel := range rep.Empty {
		out = append(out, fmt.Sprintf("history: %s matched no series: the SLOs that read it replay without it", sel))
	}
	if late := rep.Earliest.Sub(from); late > time.Hour {
		out = append(out, fmt.Sprintf("history: the backend's data begins at %s, %s after the stretch asked for: the figures cover less (past its retention? Prometheus keeps 15d unless --storage.tsdb.retention.time says more)", rep.Earliest.UTC().Format(time.RFC3339), model.Duration(late.Truncate(time.Minute))))
	}
	if len(rep.Gaps) > 0 {
		longest := slices.MaxFunc(rep.Gaps, func(a, b Gap) int { return int(a.To.Sub(a.From) - b.To.Sub(b.From)) })
		out = append(out, fmt.Sprintf("history: %d gaps in the raw series (no sample for %d scrape intervals or more), the longest %s from %s in %s: the rules read what the series hold",
			len(rep.Gaps), GapFactor, model.Duration(longest.To.Sub(longest.From).Truncate(time.Second)), longest.From.UTC().Format(time.RFC3339), longest.Series))
	}
	return out
}

// GapFactor is how many usual intervals without a sample make a gap.
const GapFactor = 5

// Selectors are the raw series selectors the SLOs' rules read, each once,
// in order: a ratio SLI's total, errors and good; a histogram; a bool
// gauge; and every selector of a raw SLI's expression. Journeys read their
// members' recorded series, none of their own.
func Selectors(services []*slo.Service) ([]string, error) {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, svc := range services {
		for _, s := range svc.SLOs {
			for _, sel := range []*slo.Selector{s.SLI.Total, s.SLI.Errors, s.SLI.Good, s.SLI.Histogram, s.SLI.Gauge} {
				if sel != nil {
					add(selectorText(sel.Matchers))
				}
			}
			if s.SLI.ErrorRatio != "" {
				expr, err := parser.NewParser(parser.Options{}).ParseExpr(strings.ReplaceAll(s.SLI.ErrorRatio, slo.WindowPlaceholder, "1m"))
				if err != nil {
					return nil, fmt.Errorf("%s/%s: %w", s.Service, s.Name, err)
				}
				for _, ms := range parser.ExtractSelectors(expr) {
					add(selectorText(ms))
				}
			}
		}
	}
	return out, nil
}

// Load reads the samples of every selector over the stretch into the
// engine, a chunk at a time. It fails on a backend's error (naming it),
// on more samples than the bound, and when no selector matches anything;
// the rest it reports.
func Load(ctx context.Context, src Source, selectors []string, dst *engine.Engine, o Options) (*Report, error) {
	if o.Chunk <= 0 {
		o.Chunk = DefaultChunk
	}
	if o.MaxSamples <= 0 {
		o.MaxSamples = DefaultMaxSamples
	}
	total := o.To.Sub(o.From)
	switch {
	case total <= 0:
		return nil, fmt.Errorf("history: the stretch's end %s is not after its start %s", o.To.Format(time.RFC3339), o.From.Format(time.RFC3339))
	case total > MaxRange:
		return nil, fmt.Errorf("history: a read covers at most %s, not %s", model.Duration(MaxRange), model.Duration(total))
	}
	rd := &reader{o: o, r: &Report{}, last: map[string]time.Time{}, intervals: map[string][]int64{}, refs: map[string]storage.SeriesRef{}}
	matched := make([]bool, len(selectors))
	for from := o.From; from.Before(o.To); from = from.Add(o.Chunk) {
		to := from.Add(o.Chunk)
		if to.After(o.To) {
			to = o.To
		}
		app := dst.Appender(ctx)
		for i, sel := range selectors {
			m, err := src.RawSamples(ctx, sel, to, to.Sub(from))
			if err != nil {
				return nil, errors.Join(err, app.Rollback())
			}
			for _, ss := range m {
				matched[i] = matched[i] || len(ss.Values) > 0
				if err := rd.add(app, ss); err != nil {
					return nil, errors.Join(err, app.Rollback())
				}
			}
		}
		if err := app.Commit(); err != nil {
			return nil, err
		}
		if o.Progress != nil {
			o.Progress(to.Sub(o.From), total)
		}
	}
	r := rd.r
	for i, sel := range selectors {
		if !matched[i] {
			r.Empty = append(r.Empty, sel)
		}
	}
	if r.Series == 0 {
		return nil, fmt.Errorf("history: none of the selectors matched a series from %s to %s: %v", o.From.Format(time.RFC3339), o.To.Format(time.RFC3339), selectors)
	}
	return r, nil
}

// selectorText writes matchers as PromQL does, the metric name first:
// the same selector reads the same whoever wrote it.
func selectorText(ms []*labels.Matcher) string {
	vs := &parser.VectorSelector{LabelMatchers: ms}
	for _, m := range ms {
		if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
			vs.Name = m.Value
		}
	}
	return vs.String()
}

// reader writes what a Load reads and keeps its report.
type reader struct {
	o         Options
	r         *Report
	last      map[string]time.Time         // by series: its latest sample
	intervals map[string][]int64           // by series: a few intervals between its samples, to know its usual one
	refs      map[string]storage.SeriesRef // by series
}

// add writes a series' samples not read before and within the stretch,
// noting gaps.
func (rd *reader) add(app *engine.Appender, ss *model.SampleStream) error {
	ls := labelsOf(ss.Metric)
	key := ls.String()
	if _, seen := rd.last[key]; !seen {
		rd.r.Series++
	}
	for _, v := range ss.Values {
		t := v.Timestamp.Time()
		prev, ok := rd.last[key]
		if !t.After(rd.o.From) || ok && !t.After(prev) {
			continue // read by the chunk before: backends before Prometheus 3 close ranges on both ends
		}
		if ok {
			if n := len(rd.intervals[key]); n < 16 {
				rd.intervals[key] = append(rd.intervals[key], t.Sub(prev).Milliseconds())
			}
			if usual := median(rd.intervals[key]); usual > 0 && t.Sub(prev).Milliseconds() > GapFactor*usual {
				rd.r.Gaps = append(rd.r.Gaps, Gap{Series: key, From: prev, To: t, Multiplier: float64(t.Sub(prev).Milliseconds()) / float64(usual)})
			}
		}
		rd.last[key] = t
		if rd.r.Earliest.IsZero() || t.Before(rd.r.Earliest) {
			rd.r.Earliest = t
		}
		if rd.r.Samples++; rd.r.Samples > rd.o.MaxSamples {
			return fmt.Errorf("history: more than %d samples from %s over %s: read a shorter stretch or raise the bound", rd.o.MaxSamples, rd.o.From.Format(time.RFC3339), model.Duration(rd.o.To.Sub(rd.o.From)))
		}
		ref, err := app.AddRef(rd.refs[key], ls, int64(v.Timestamp), float64(v.Value))
		if err != nil {
			return fmt.Errorf("history: write %s: %w", key, err)
		}
		rd.refs[key] = ref
	}
	return nil
}

func labelsOf(m model.Metric) labels.Labels {
	b := labels.NewScratchBuilder(len(m))
	for k, v := range m {
		b.Add(string(k), string(v))
	}
	b.Sort()
	return b.Labels()
}

// median is the middle of a few intervals; 0 for none.
func median(xs []int64) int64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
