package simulate_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/simulate"
)

// Alerts with several for: durations on conditions that flap: the error
// ratio of the last five minutes crossing low thresholds during the
// outage scenario's incidents.
const flappingAlerts = `groups:
  - name: flapping
    interval: 1m
    rules:
      - alert: AnyErrors
        expr: sum(rate(http_requests_total{job="order-api",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="order-api"}[5m])) > 0.05
        labels: {severity: ticket}
      - alert: ErrorsFor2m
        expr: sum(rate(http_requests_total{job="order-api",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="order-api"}[5m])) > 0.05
        for: 2m
        labels: {severity: ticket}
      - alert: ErrorsFor4mByCode
        expr: sum by (code) (rate(http_requests_total{job="order-api",code=~"5.."}[5m])) / scalar(sum(rate(http_requests_total{job="order-api"}[5m]))) > 0.05
        for: 4m
      - alert: ErrorsFor10m
        expr: sum(rate(http_requests_total{job="order-api",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="order-api"}[5m])) > 0.05
        for: 10m
        labels: {severity: page}
`

// The simulator derives alerts from range queries of their expressions,
// with its own for: state machine, instead of evaluating every step. This
// pins it to Prometheus' own AlertingRule, evaluated by the engine step by
// step on the same traffic: at every evaluation, an alert is firing in the
// simulation exactly when Prometheus says it fires.
func TestAlertIntervalsAreWhatPrometheusFires(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(file, []byte(flappingAlerts), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Lookup("flapping")
	if err != nil {
		t.Fatal(err)
	}
	o := simulate.Options{Scenario: sc, Services: services(t, availability), RuleFiles: []string{file}}
	res := run(t, "flapping", o)

	o.Dir = t.TempDir()
	b, err := simulate.Prepare(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	key := func(name string, ls map[string]string) string {
		ls = maps.Clone(ls)
		delete(ls, "alertname")
		return name + fmt.Sprint(ls)
	}
	firingAt := map[string][]time.Time{} // by alert, as Prometheus fires it
	step := sc.EvaluationInterval
	for ts := b.Start().Add(step); !ts.After(b.End()); ts = ts.Add(step) {
		if _, err := b.Engine.Eval(context.Background(), ts); err != nil {
			t.Fatal(err)
		}
		for _, a := range b.Engine.Alerts() {
			if a.Firing {
				k := key(a.Name, a.Labels.Map())
				firingAt[k] = append(firingAt[k], ts)
			}
		}
	}
	fired := 0
	for _, a := range res.Alerts {
		k := key(a.Alert, a.Labels)
		var simulated []time.Time
		for ts := b.Start().Add(step); !ts.After(b.End()); ts = ts.Add(step) {
			if slices.ContainsFunc(a.Intervals, func(iv simulate.Interval) bool {
				return !ts.Before(iv.From) && (ts.Before(iv.To) || iv.Open && !ts.After(iv.To))
			}) {
				simulated = append(simulated, ts)
			}
		}
		if !slices.Equal(simulated, firingAt[k]) {
			t.Errorf("%s: simulated firing at %d steps %s, Prometheus at %d steps %s", k, len(simulated), span(simulated), len(firingAt[k]), span(firingAt[k]))
		}
		delete(firingAt, k)
		fired += a.Firings
		t.Logf("%s: %d firings, %s", k, a.Firings, span(simulated))
	}
	for k, ts := range firingAt {
		t.Errorf("%s: Prometheus fired it at %d steps %s, the simulation never", k, len(ts), span(ts))
	}
	// The comparison means something only if alerts fired, repeatedly,
	// and for: held some back (ErrorsFor10m never fires).
	if fired < 30 {
		t.Errorf("only %d firings: the scenario does not exercise the state machine", fired)
	}
}

// span describes a list of steps by its runs.
func span(ts []time.Time) string {
	var runs []string
	for i := 0; i < len(ts); {
		j := i
		for j+1 < len(ts) && ts[j+1].Sub(ts[j]) == time.Minute {
			j++
		}
		runs = append(runs, ts[i].Format("15:04")+"-"+ts[j].Format("15:04"))
		i = j + 1
	}
	return "[" + strings.Join(runs, " ") + "]"
}
