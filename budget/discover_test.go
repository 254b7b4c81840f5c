package budget_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/simulate/simtest"
	"github.com/slokit/slokit/slo"
)

// discoveryInputs are the example platform's specs and the loader's good
// fixtures: between them every SLI kind, latency thresholds, grouping,
// ticket-only SLOs, policies of their own and labels.
var discoveryInputs = []string{"../specs", "../slo/testdata/kinds.good.yaml", "../slo/testdata/tuning.good.yaml"}

// The rules alone tell the server everything it needs to judge an SLO:
// discovered from the series the rules record, every SLO of every spec
// has the labels, period, objectives, policy, alert name, exhaustion window
// and grouping its spec gives, and reading the budget state with the
// discovered SLOs gives the same states as with the specs.
func TestDiscoverFindsWhatTheSpecsSay(t *testing.T) {
	t.Parallel()
	svcs, diags := slo.Load(discoveryInputs)
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	// The simulator synthesizes no native histograms and knows no raw
	// SLI's metrics; their rules describe them as they do the others.
	for _, svc := range svcs {
		svc.SLOs = slices.DeleteFunc(svc.SLOs, func(s *slo.SLO) bool { return s.SLI.NativeHistogram || s.SLI.Kind == slo.Raw })
	}
	b, ts := simtest.Replayed(t, svcs, "outage", 3*time.Hour, 3*time.Hour+20*time.Minute)
	q := engine.ModelQuerier{Engine: b.Engine}
	found, problems, err := budget.Discover(context.Background(), q, ts)
	if err != nil || len(problems) > 0 {
		t.Fatalf("discover: %v %q", err, problems)
	}
	discovered := map[string]*slo.SLO{}
	for _, svc := range found {
		for _, s := range svc.SLOs {
			if s.Service != svc.Name {
				t.Errorf("SLO %s/%s listed under service %s", s.Service, s.Name, svc.Name)
			}
			discovered[s.Service+"/"+s.Name] = s
		}
	}
	var n int
	for _, svc := range svcs {
		for _, want := range svc.SLOs {
			n++
			name := want.Service + "/" + want.Name
			got := discovered[name]
			if got == nil {
				t.Errorf("%s: not discovered", name)
				continue
			}
			labels := want.Labels
			if len(labels) == 0 {
				labels = nil
			}
			gotLabels := got.Labels
			if len(gotLabels) == 0 {
				gotLabels = nil
			}
			if !reflect.DeepEqual(gotLabels, labels) {
				t.Errorf("%s: labels %v, want %v", name, got.Labels, want.Labels)
			}
			if got.Period != want.Period || got.BudgetWindow() != want.BudgetWindow() {
				t.Errorf("%s: period %s (%s), want %s (%s)", name, got.Period, got.BudgetWindow(), want.Period, want.BudgetWindow())
			}
			if (got.Calendar == nil) != (want.Calendar == nil) || (got.Calendar != nil && got.Calendar.TimeZone() != want.Calendar.TimeZone()) {
				t.Errorf("%s: calendar %+v, want %+v", name, got.Calendar, want.Calendar)
			}
			objectives := func(os []slo.Objective) (out []string) {
				for _, o := range os {
					out = append(out, o.Label()+"@"+o.Threshold.String())
				}
				slices.Sort(out)
				return out
			}
			if g, w := objectives(got.Objectives), objectives(want.Objectives); !slices.Equal(g, w) {
				t.Errorf("%s: objectives %v, want %v", name, g, w)
			}
			policy := want.Policy
			if policy.AllowDuringFreeze == nil {
				policy.AllowDuringFreeze = []slo.Change{}
			}
			if !reflect.DeepEqual(got.Policy, policy) {
				t.Errorf("%s: policy %+v, want %+v", name, got.Policy, policy)
			}
			if got.Alerting.Name != want.Alerting.Name || got.Alerting.ExhaustionWindow() != want.Alerting.ExhaustionWindow() {
				t.Errorf("%s: alert %s timed by %s, want %s timed by %s", name, got.Alerting.Name, got.Alerting.ExhaustionWindow(), want.Alerting.Name, want.Alerting.ExhaustionWindow())
			}
			for _, sev := range []burnrate.Severity{burnrate.Page, burnrate.Ticket} {
				if g, w := got.Alerting.SeverityValue(sev), want.Alerting.SeverityValue(sev); g != w {
					t.Errorf("%s: %ss carry severity=%s, want %s", name, sev, g, w)
				}
			}
			if !slices.Equal(got.Grouping, want.Grouping) {
				t.Errorf("%s: grouping %v, want %v", name, got.Grouping, want.Grouping)
			}
		}
	}
	if len(discovered) != n {
		t.Errorf("discovered %d SLOs, the specs have %d", len(discovered), n)
	}

	fromSpecs, err := budget.Read(context.Background(), q, svcs, ts)
	if err != nil {
		t.Fatal(err)
	}
	fromBackend, err := budget.Read(context.Background(), q, found, ts)
	if err != nil {
		t.Fatal(err)
	}
	key := func(st budget.State) string {
		return st.Service + "/" + st.SLO + "/" + st.Threshold + "/" + st.Objective + "/" + model.LabelSet(toLabelSet(st.Group)).String()
	}
	sortStates := func(sts []budget.State) {
		slices.SortFunc(sts, func(a, b budget.State) int { return strings.Compare(key(a), key(b)) })
	}
	sortStates(fromSpecs)
	sortStates(fromBackend)
	if len(fromSpecs) != len(fromBackend) {
		t.Fatalf("%d states from the discovered SLOs, %d from the specs", len(fromBackend), len(fromSpecs))
	}
	var burning int
	for i := range fromSpecs {
		want, got := fromSpecs[i], fromBackend[i]
		if want.Policy.AllowDuringFreeze == nil {
			want.Policy.AllowDuringFreeze = []slo.Change{}
		}
		// A discovered journey names its members (the Policy series
		// carries them), with the same budgets and shares; no SLO names
		// what it depends on, which only Alertmanager's rules need.
		want.DependsOn = nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("state of %s from the discovered SLO:\n%+v\nwant, from the spec:\n%+v", key(want), got, want)
		}
		if want.SecondsToExhaustion != nil {
			burning++
		}
	}
	if burning == 0 {
		t.Error("no SLO burns its budget in the outage: the states compared show nothing")
	}
}

func toLabelSet(m map[string]string) model.LabelSet {
	ls := model.LabelSet{}
	for k, v := range m {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls
}

// answers is a backend that answers the discovery query with fixed series.
type answers model.Vector

func (a answers) Query(context.Context, string, time.Time) (model.Vector, error) {
	return model.Vector(a), nil
}

func sample(name string, value float64, labels ...string) *model.Sample {
	m := model.Metric{model.MetricNameLabel: model.LabelValue(name)}
	for i := 0; i+1 < len(labels); i += 2 {
		m[model.LabelName(labels[i])] = model.LabelValue(labels[i+1])
	}
	return &model.Sample{Metric: m, Value: model.SampleValue(value)}
}

// describe is the series one SLO's rules record about it, with extra
// labels on each (a replica's external labels).
func describe(service, name string, extra ...string) model.Vector {
	id := append([]string{series.ServiceLabel, service, series.SLOLabel, name}, extra...)
	return model.Vector{
		sample(series.Info, 1, append(id, "team", "checkout")...),
		sample(series.Objective, 0.999, append(id, series.ObjectiveLabel, "99.9")...),
		sample(series.Policy, 1, append(id, series.PeriodLabel, "30d", series.WarnBelowLabel, "0.25", series.FreezeOnPageLabel, "true",
			series.AllowDuringFreezeLabel, "hotfix", series.AlertLabel, "SLOErrorBudgetBurn", series.ExhaustionWindowLabel, "1h")...),
	}
}

// What a backend says about SLOs is checked: an SLO described twice the
// same way (an HA pair) is one SLO; one described in part or with values
// slokit never writes is left out and named, and the others still come.
func TestDiscoverChecksWhatTheBackendSays(t *testing.T) {
	var v model.Vector
	v = append(v, describe("order-api", "availability", "replica", "a")...)
	v = append(v, describe("order-api", "availability", "replica", "b")...)
	v = append(v, describe("menu", "latency")...)
	old := describe("legacy", "availability")
	v = append(v, old[:2]...) // rules from before the policy series
	// Rules from before the period was a label of the policy series.
	compat := describe("compat", "availability")
	delete(compat[2].Metric, series.PeriodLabel)
	v = append(v, append(compat, sample(series.Period, (30*24*time.Hour).Seconds(), series.ServiceLabel, "compat", series.SLOLabel, "availability"))...)
	badPeriod := describe("bad", "period")
	badPeriod[2].Metric[series.PeriodLabel] = "soon"
	v = append(v, badPeriod...)
	noPeriod := describe("no", "period")
	delete(noPeriod[2].Metric, series.PeriodLabel)
	v = append(v, noPeriod...)
	v = append(v, sample(series.Objective, 0.9, series.ServiceLabel, "odd", series.SLOLabel, "x", series.ObjectiveLabel, "99.90"))
	v = append(v, describe("odd", "x")...)
	bad := describe("bad", "policy")
	bad[2].Metric[series.FreezeOnPageLabel] = "sometimes"
	v = append(v, bad...)
	tiers := describe("bad", "tiers")
	tiers[2].Metric[series.TiersLabel] = "page:1h/5m:14.4,page:6h:6"
	v = append(v, tiers...)
	v = append(v, describe("nul\x00byte", "x")...) // no spec names a service so
	infinite := describe("bad", "factor")
	infinite[2].Metric[series.TiersLabel] = "page:1h/5m:+Inf"
	v = append(v, infinite...)
	two := describe("two", "periods")
	v = append(v, two...)
	v = append(v, sample(series.Period, 3600*24*7, series.ServiceLabel, "two", series.SLOLabel, "periods", "replica", "b"))

	found, problems, err := budget.Discover(context.Background(), answers(v), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, svc := range found {
		for _, s := range svc.SLOs {
			names = append(names, s.Service+"/"+s.Name+" "+strings.Join(func() (os []string) {
				for _, o := range s.Objectives {
					os = append(os, o.Label())
				}
				return os
			}(), ","))
		}
	}
	if want := []string{"compat/availability 99.9", "menu/latency 99.9", "odd/x 99.9", "order-api/availability 99.9", "two/periods 99.9"}; !slices.Equal(names, want) {
		t.Errorf("discovered %q, want %q", names, want)
	}
	for _, want := range []string{
		"SLO legacy/availability: left out: no " + series.Policy + " series (rules generated by an older slokit? generate them again)",
		`SLO bad/policy: left out: freeze_on_page "sometimes" is not true or false`,
		`SLO odd/x: objective "99.90" is not written as slokit writes it`,
		"SLO two/periods: two periods, 1w and 30d",
		`SLO bad/period: left out: period "soon" is not a period`,
		"SLO no/period: left out: no period label of " + series.Policy + " (nor a " + series.Period + " series)",
		`SLO bad/tiers: left out: tiers: "page:6h:6" is not severity:long/short:factor`,
		// An infinite factor would reach the API, and JSON cannot hold it.
		`SLO bad/factor: left out: tiers: "page:1h/5m:+Inf" is not severity:long/short:factor`,
		`SLO "nul\x00byte/x": left out: not a service and SLO name slokit writes (letters, digits, '.', '_' and '-', at most 100)`,
	} {
		if !slices.Contains(problems, want) {
			t.Errorf("problems %q\nlack %q", problems, want)
		}
	}
	if len(problems) != 9 {
		t.Errorf("problems: %q, want 9", problems)
	}
}
