package serve_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/serve/api"
	"github.com/slokit/slokit/simulate/simtest"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/slo/slotest"
)

// answersFor is what a backend answers the budget queries for the order
// API's availability SLO at now: half its budget left, every window
// burning at 0.5, recorded a minute ago.
func answersFor(now time.Time) staticQuerier {
	m := model.Metric{series.ServiceLabel: "order-api", series.SLOLabel: "availability", series.ObjectiveLabel: "99.9"}
	with := func(name, value string) model.Metric {
		c := m.Clone()
		c[model.LabelName(name)] = model.LabelValue(value)
		return c
	}
	q := staticQuerier{
		series.BudgetRemaining: {{Metric: with(series.WindowLabel, "30d"), Value: 0.5}},
		series.ErrorRatio:      {{Metric: model.Metric{series.ServiceLabel: "order-api", series.SLOLabel: "availability", series.WindowLabel: "30d"}, Value: 0.0005}},
	}
	stamps := "timestamp(" + series.BurnRate + ")"
	for _, w := range []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d"} {
		q[series.BurnRate] = append(q[series.BurnRate], &model.Sample{Metric: with(series.WindowLabel, w), Value: 0.5})
		q[stamps] = append(q[stamps], &model.Sample{Metric: with(series.WindowLabel, w), Value: model.SampleValue(now.Add(-time.Minute).Unix())})
	}
	return q
}

// A backend may answer NaN or ±Inf for any figure (a ratio over no events
// is 0/0), and any number for a timestamp. Whatever it answers, the
// service refreshes, every answer is JSON, /metrics exports no NaN, and
// the figure reads as no data: null in the API, left out of the burn
// rates and /metrics. Before, the first such value panicked the refresh
// and took the gate down for every team.
func TestNonFiniteValuesFromTheBackendAreNoData(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	svcs := slotest.Services(t, spec)
	stamps := "timestamp(" + series.BurnRate + ")"
	nonFinite := map[string]model.SampleValue{"NaN": model.SampleValue(math.NaN()), "+Inf": model.SampleValue(math.Inf(1)), "-Inf": model.SampleValue(math.Inf(-1))}
	type check func(t *testing.T, st api.SLOState)
	cases := map[string]struct {
		query string
		all   bool // every sample of the query, not only the first
		check check
	}{
		"remaining budget": {series.BudgetRemaining, false, func(t *testing.T, st api.SLOState) {
			if st.Remaining != nil || st.FullOutageMinutesLeft != nil {
				t.Errorf("remaining %v, full outage left %v: want null", st.Remaining, st.FullOutageMinutesLeft)
			}
		}},
		"one burn rate": {series.BurnRate, false, func(t *testing.T, st api.SLOState) {
			if _, ok := st.BurnRates["5m"]; ok || len(st.BurnRates) != 6 {
				t.Errorf("burn rates %v: want every window but 5m", st.BurnRates)
			}
			if st.Tiers[0].BurnRate != nil || st.Tiers[1].BurnRate == nil {
				t.Errorf("tiers %+v: the 1h/5m tier has no burn rate, the others have", st.Tiers)
			}
		}},
		"every burn rate": {series.BurnRate, true, func(t *testing.T, st api.SLOState) {
			if len(st.BurnRates) != 0 || st.SecondsToExhaustion != nil || st.Status != "ok" {
				t.Errorf("burn rates %v, exhaustion %v, status %s: want none, null, ok (the budget is known)", st.BurnRates, st.SecondsToExhaustion, st.Status)
			}
		}},
		"SLI": {series.ErrorRatio, false, func(t *testing.T, st api.SLOState) {
			if st.SLI != nil {
				t.Errorf("SLI %v: want null", *st.SLI)
			}
		}},
		"timestamps": {stamps, true, func(t *testing.T, st api.SLOState) {
			if st.DataTime != nil || st.DataAgeSeconds != nil {
				t.Errorf("data time %v, age %v: want null", st.DataTime, st.DataAgeSeconds)
			}
		}},
	}
	values := func(query string) map[string]model.SampleValue {
		if query != stamps {
			return nonFinite
		}
		out := map[string]model.SampleValue{
			"1e300": 1e300, "-1e300": -1e300, "-1": -1,
			// A time to come would keep stale data looking fresh.
			"an hour ahead": model.SampleValue(now.Add(time.Hour).Unix()),
		}
		for k, v := range nonFinite {
			out[k] = v
		}
		return out
	}
	for field, c := range cases {
		for name, v := range values(c.query) {
			t.Run(field+" "+name, func(t *testing.T) {
				q := answersFor(now)
				for i, smp := range q[c.query] {
					if i == 0 || c.all {
						q[c.query][i] = &model.Sample{Metric: smp.Metric, Value: v}
					}
				}
				f := serveOn(t, serve.Options{Services: svcs, Querier: q, Token: token}, now)
				f.refresh(t)
				st := servedStates(t, f, "/api/v1/slos")
				c.check(t, st[0])
				code, gate := f.raw(t, "GET", "/api/v1/gate/order-api?change=normal")
				var g api.GateResponse
				if err := json.Unmarshal([]byte(gate), &g); code != 200 || err != nil || g.Decision == "" {
					t.Errorf("gate check: %d %s", code, gate)
				}
				if code, body := f.raw(t, "GET", "/api/v1/gate"); code != 200 || !json.Valid([]byte(body)) {
					t.Errorf("gate overview: %d %s", code, body)
				}
				noNaNExported(t, f)
			})
		}
	}
}

// servedStates asks path for a list of SLO states, which must be JSON.
func servedStates(t *testing.T, f *testServer, path string) []api.SLOState {
	t.Helper()
	code, body := f.raw(t, "GET", path)
	var list api.SLOList
	if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil || len(list.SLOs) == 0 {
		t.Fatalf("%s: %d %s (%v)", path, code, body, err)
	}
	return list.SLOs
}

// noNaNExported checks that /metrics exports no budget figure as NaN or
// ±Inf: an alert on slokit_slo_budget_remaining < 0.1 must not see one.
func noNaNExported(t *testing.T, f *testServer) {
	t.Helper()
	code, body := f.raw(t, "GET", "/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for line := range strings.SplitSeq(body, "\n") {
		if strings.HasPrefix(line, "slokit_slo_") && (strings.HasSuffix(line, " NaN") || strings.HasSuffix(line, "Inf")) {
			t.Errorf("/metrics exports %q", line)
		}
	}
}

// A service whose rules are loaded before its first request: every ratio
// is 0/0. It is unknown, and the gate warns on it (no-data) rather than
// judging it or failing, so that its first deploy ships and every other
// team's gate keeps answering.
func TestAServiceWithNoTrafficYetIsUnknownAndWarns(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	q := answersFor(now)
	for _, query := range []string{series.BudgetRemaining, series.BurnRate, series.ErrorRatio} {
		for i, smp := range q[query] {
			q[query][i] = &model.Sample{Metric: smp.Metric, Value: model.SampleValue(math.NaN())}
		}
	}
	f := serveOn(t, serve.Options{Services: slotest.Services(t, spec), Querier: q, Token: token}, now)
	f.refresh(t)
	st := servedStates(t, f, "/api/v1/slos")[0]
	if st.Status != "unknown" || st.Remaining != nil || st.SLI != nil || len(st.BurnRates) != 0 || st.DataTime == nil {
		t.Errorf("state %+v: want unknown, no figure, but a data time (the series exist)", st)
	}
	for _, change := range slo.Changes() {
		code, body := f.raw(t, "GET", "/api/v1/gate/order-api?change="+string(change))
		var g api.GateResponse
		_ = json.Unmarshal([]byte(body), &g)
		if code != 200 || g.Decision != api.Warn || len(g.Reasons) != 1 || g.Reasons[0].Rule != "no-data" || !strings.Contains(g.Reasons[0].Message, "no events") {
			t.Errorf("%s change: %d %s: want warn, no-data, no events", change, code, body)
		}
	}
	noNaNExported(t, f)
}

// The same through the embedded engine: the order API's rules over a
// scenario of one request an hour at most, as the probe that found the
// crash ran it (slokit serve --scenario quiet.yaml).
func TestAQuietScenarioDoesNotCrashTheService(t *testing.T) {
	svcs := slotest.Services(t, spec)
	q, ts := quietBackend(t, svcs)
	f := serveOn(t, serve.Options{Services: svcs, Querier: q, Token: token}, ts)
	f.refresh(t)
	st := servedStates(t, f, "/api/v1/slos")[0]
	if st.Status != "unknown" {
		t.Errorf("status %s, want unknown: %+v", st.Status, st)
	}
	if code, body := f.raw(t, "GET", "/api/v1/gate/order-api"); code != 200 || !strings.Contains(body, `"no-data"`) {
		t.Errorf("gate: %d %s", code, body)
	}
	noNaNExported(t, f)
}

// quietBackend is the embedded engine over testdata/quiet.yaml, with the
// rules evaluated live at its end.
func quietBackend(t *testing.T, svcs []*slo.Service) (engine.ModelQuerier, time.Time) {
	t.Helper()
	b, ts := simtest.Replayed(t, svcs, "testdata/quiet.yaml", 0, 3*time.Hour)
	return engine.ModelQuerier{Engine: b.Engine}, ts
}
