package promrules_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/storage"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/slo"
)

// traffic is a synthetic request stream exposed as Prometheus counters,
// http_requests_total{code="200"|"500"} spread over okSeries and errSeries
// instances, scraped every scrape interval.
type traffic struct {
	start, end time.Time
	scrape     time.Duration
	// rate is requests per second for the whole service.
	rate func(t time.Time) float64
	// errorRatio is the fraction of requests that fail.
	errorRatio          func(t time.Time) float64
	okSeries, errSeries int
}

// ledger holds the exact number of requests and errors of each scrape
// interval, the ground truth the recorded series are checked against.
type ledger struct {
	start         time.Time
	step          time.Duration
	total, errors []float64 // index i: the interval ending at start + i*step
}

// exactRatio is the true error ratio of the requests in (from, to].
func (l *ledger) exactRatio(from, to time.Time) float64 {
	var total, errs float64
	for i := range l.total {
		t := l.start.Add(time.Duration(i) * l.step)
		if t.After(from) && !t.After(to) {
			total += l.total[i]
			errs += l.errors[i]
		}
	}
	return errs / total
}

func constant(v float64) func(time.Time) float64 {
	return func(time.Time) float64 { return v }
}

// load appends the traffic's counter samples to the engine.
func (tr traffic) load(tb testing.TB, e *engine.Engine) *ledger {
	tb.Helper()
	series := func(code string, n int) []labels.Labels {
		out := make([]labels.Labels, n)
		for i := range out {
			out[i] = labels.FromStrings("__name__", "http_requests_total", "job", "order-api", "handler", "/orders",
				"instance", fmt.Sprintf("order-api-%d", i), "code", code)
		}
		return out
	}
	ok, bad := series("200", tr.okSeries), series("500", tr.errSeries)
	okValues, badValues := make([]float64, len(ok)), make([]float64, len(bad))
	okRefs, badRefs := make([]storage.SeriesRef, len(ok)), make([]storage.SeriesRef, len(bad))
	l := &ledger{start: tr.start, step: tr.scrape}
	app := e.Appender(context.Background())
	batch := 0
	for t := tr.start; !t.After(tr.end); t = t.Add(tr.scrape) {
		var n, errs float64
		if t.After(tr.start) {
			n = tr.rate(t) * tr.scrape.Seconds()
			errs = n * tr.errorRatio(t)
		}
		l.total = append(l.total, n)
		l.errors = append(l.errors, errs)
		ts := t.UnixMilli()
		var err error
		for i, ls := range ok {
			okValues[i] += (n - errs) / float64(len(ok))
			if okRefs[i], err = app.AddRef(okRefs[i], ls, ts, okValues[i]); err != nil {
				tb.Fatal(err)
			}
		}
		for i, ls := range bad {
			badValues[i] += errs / float64(len(bad))
			if badRefs[i], err = app.AddRef(badRefs[i], ls, ts, badValues[i]); err != nil {
				tb.Fatal(err)
			}
		}
		if batch++; batch == 1000 {
			must(tb, app.Commit())
			app, batch = e.Appender(context.Background()), 0
		}
	}
	must(tb, app.Commit())
	return l
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// orderSpec is a ratio SLO over the synthetic traffic.
func orderSpec(objective string) string {
	return fixture.OrderAPISpec(fixture.OrderAPIOptions{Objective: objective})
}

// compile parses a spec and returns its services and the rule file text.
func compile(tb testing.TB, spec string) ([]*slo.Service, []byte) {
	tb.Helper()
	svcs, diags := slo.Parse([]byte(spec))
	if err := diags.Errors(); err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	must(tb, promrules.Write(&buf, promrules.Output{Format: promrules.FormatPrometheus}, svcs))
	return svcs, buf.Bytes()
}

// newEngine opens an engine with the spec's rules loaded.
func newEngine(tb testing.TB, spec string) (*engine.Engine, []*slo.Service) {
	tb.Helper()
	e, err := engine.Open(tb.TempDir())
	must(tb, err)
	tb.Cleanup(func() { _ = e.Close() })
	svcs, rules := compile(tb, spec)
	// Through a rule file, as Prometheus reads the generated rules.
	file := filepath.Join(tb.TempDir(), "rules.yaml")
	must(tb, os.WriteFile(file, rules, 0o600))
	must(tb, e.LoadRules(file))
	return e, svcs
}

// alertRules returns the generated alerting rules of the first SLO.
func alertRules(svcs []*slo.Service) []rulefmt.Rule {
	var out []rulefmt.Rule
	for _, r := range promrules.Group(svcs[0].SLOs[0]).Rules {
		if r.Alert != "" {
			out = append(out, r)
		}
	}
	return out
}

// firingSteps evaluates an alert expression at every minute of (from, to]
// and returns the times at which it held. With for: 0 (the default) that is
// exactly when the alert fires.
func firingSteps(tb testing.TB, e *engine.Engine, expr string, from, to time.Time) []time.Time {
	tb.Helper()
	m, err := e.QueryRange(context.Background(), expr, from, to, time.Minute)
	must(tb, err)
	var out []time.Time
	for _, s := range m {
		for _, p := range s.Floats {
			out = append(out, time.UnixMilli(p.T).UTC())
		}
	}
	return out
}

func queryValue(tb testing.TB, e *engine.Engine, q string, t time.Time) float64 {
	tb.Helper()
	v, _, err := e.Query(context.Background(), q, t)
	must(tb, err)
	if len(v) != 1 {
		tb.Fatalf("query %s at %s: want one series, got %d", q, t, len(v))
	}
	return v[0].F
}

// diurnal is a day-night traffic curve: peak/trough times the trough at
// 18:00 UTC, the trough at 06:00.
func diurnal(trough, peakToTrough float64) func(time.Time) float64 {
	return func(t time.Time) float64 {
		hour := float64(t.Hour()) + float64(t.Minute())/60
		phase := (1 - math.Cos(2*math.Pi*(hour-6)/24)) / 2 // 0 at 06:00, 1 at 18:00
		return trough * (1 + (peakToTrough-1)*phase)
	}
}
