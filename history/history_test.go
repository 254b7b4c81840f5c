package history_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/history"
	"github.com/slokit/slokit/slo"
)

var start = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// stored is a backend holding one counter scraped every 15 s over three
// hours, but for 20 minutes in the second hour; it answers a range
// selector with the samples in [end-rng, end], both ends closed, as
// Prometheus 2 does.
type stored struct{ queries int }

func (s *stored) RawSamples(_ context.Context, selector string, end time.Time, rng time.Duration) (model.Matrix, error) {
	s.queries++
	if strings.Contains(selector, "nothing") {
		return nil, nil
	}
	if strings.Contains(selector, "broken") {
		return nil, errors.New("backend http://127.0.0.1:1: connection refused")
	}
	ss := &model.SampleStream{Metric: model.Metric{"__name__": "requests_total", "job": "api"}}
	for t := start; !t.After(start.Add(3 * time.Hour)); t = t.Add(15 * time.Second) {
		if t.Sub(start) >= 70*time.Minute && t.Sub(start) < 90*time.Minute {
			continue // the target was down
		}
		if !t.Before(end.Add(-rng)) && !t.After(end) {
			ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(t.UnixNano()), Value: model.SampleValue(t.Sub(start).Seconds())})
		}
	}
	return model.Matrix{ss}, nil
}

func TestLoadReadsEverySampleOnceAndReportsGaps(t *testing.T) {
	e, err := engine.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	src := &stored{}
	r, err := history.Load(context.Background(), src, []string{`requests_total{job="api"}`, `nothing_total`}, e,
		history.Options{From: start, To: start.Add(3 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	// Three hours at 15 s, less 20 minutes, less the sample at the start
	// (the stretch is open there): 720 - 80.
	if r.Series != 1 || r.Samples != 640 || len(r.Empty) != 1 || r.Empty[0] != "nothing_total" || src.queries != 6 {
		t.Errorf("report %+v after %d queries", r, src.queries)
	}
	if len(r.Gaps) != 1 || !r.Gaps[0].From.Equal(start.Add(70*time.Minute-15*time.Second)) || !r.Gaps[0].To.Equal(start.Add(90*time.Minute)) {
		t.Errorf("gaps %+v, want the 20 minutes the target was down", r.Gaps)
	}
	v, _, err := e.Query(context.Background(), `count_over_time(requests_total[3h])`, start.Add(3*time.Hour))
	if err != nil || len(v) != 1 || v[0].F != 640 {
		t.Errorf("the engine holds %v (%v), want 640 samples", v, err)
	}
}

func TestLoadFailsClearly(t *testing.T) {
	e, err := engine.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, tc := range []struct {
		selectors []string
		o         history.Options
		want      string
	}{
		{[]string{"nothing_total"}, history.Options{From: start, To: start.Add(time.Hour)}, "none of the selectors matched a series"},
		{[]string{"broken_total"}, history.Options{From: start, To: start.Add(time.Hour)}, "connection refused"},
		{[]string{"requests_total"}, history.Options{From: start, To: start.Add(3 * time.Hour), MaxSamples: 100}, "more than 100 samples"},
		{[]string{"requests_total"}, history.Options{From: start, To: start}, "is not after its start"},
		{[]string{"requests_total"}, history.Options{From: start, To: start.Add(400 * 24 * time.Hour)}, "at most"},
	} {
		if _, err := history.Load(context.Background(), &stored{}, tc.selectors, e, tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %+v: %v, want %q", tc.selectors, tc.o, err, tc.want)
		}
	}
}

func TestSelectorsAreTheRawSeriesTheRulesRead(t *testing.T) {
	svcs, diags := slo.Parse([]byte(`apiVersion: slokit.dev/v1
kind: ServiceLevels
service: api
slos:
  - name: availability
    objective: 99.9
    sli: {ratio: {errors: 'requests_total{code=~"5.."}', total: requests_total}}
  - name: raw
    objective: 99
    sli: {raw: {errorRatio: 'sum(rate(failed_total[$window])) / sum(rate(requests_total[$window]))'}}
`))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	got, err := history.Selectors(svcs)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != `requests_total requests_total{code=~"5.."} failed_total` {
		t.Errorf("selectors %q", got)
	}
}
