package budget_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/simulate/simtest"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/slo/slotest"
)

var spec = fixture.OrderAPISpec(fixture.OrderAPIOptions{
	ServiceYAML: "labels: {team: checkout}",
	SLOYAML:     "alerting:\n  page: {labels: {priority: P0}}",
})

// stateAt loads a scenario into the embedded engine, computes the rules up
// to a minute before at (offset from the start) and evaluates them live at
// at, so that ALERTS exist, then reads the budget state.
func stateAt(t *testing.T, name string, at time.Duration) (budget.State, []*slo.Service) {
	return stateSince(t, name, 0, at)
}

// stateSince is stateAt for rules deployed at offset deployed.
func stateSince(t *testing.T, name string, deployed, at time.Duration) (budget.State, []*slo.Service) {
	t.Helper()
	svcs := slotest.Services(t, spec)
	b, ts := simtest.Replayed(t, svcs, name, deployed, at)
	states, err := budget.Read(context.Background(), engine.ModelQuerier{Engine: b.Engine}, svcs, ts)
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 1 {
		t.Fatalf("want one state, got %+v", states)
	}
	return states[0], svcs
}

// gateState is the state as the gate sees it when it is just read.
func gateState(t *testing.T, st budget.State) gate.SLOState {
	t.Helper()
	if st.DataTime == nil {
		t.Fatalf("no data time: %+v", st)
	}
	return st.GateState(*st.DataTime, 5*time.Minute)
}

func TestStateDuringAnOutage(t *testing.T) {
	t.Parallel()
	st, _ := stateAt(t, "outage", 3*time.Hour+10*time.Minute)
	// The period holds the 3h10m of traffic since the rules were deployed,
	// ten minutes of it failing: five times the budget of those hours.
	if st.Status != budget.Exhausted || len(st.FiringAlerts) == 0 || st.FiringAlerts[0].Severity != "page" {
		t.Fatalf("ten minutes into an outage: status %s, alerts %+v", st.Status, st.FiringAlerts)
	}
	if want := 1 - 10.0/190/0.001; st.Remaining == nil || math.Abs(*st.Remaining-want) > 2 {
		t.Errorf("remaining %v, want about %.1f: the period is current to the minute", st.Remaining, want)
	}
	if b := st.BurnRates["5m"]; b < 900 {
		t.Errorf("burn rate over 5m %v, want about 1000 (every request failing at 99.9%%)", b)
	}
	// Each tier's burn rate is the lower of its two windows': the 1h/5m
	// page tier is at the 1h window's, the 5m one burning faster.
	if len(st.Tiers) != 4 || st.Tiers[0].Long != time.Hour || st.Tiers[0].Short != 5*time.Minute || st.Tiers[0].Factor != 14.4 ||
		st.Tiers[0].BurnRate == nil || *st.Tiers[0].BurnRate != min(st.BurnRates["1h"], st.BurnRates["5m"]) || st.Tiers[3].Severity != burnrate.Ticket {
		t.Errorf("tiers %+v, burn rates %v", st.Tiers, st.BurnRates)
	}
	if st.SecondsToExhaustion == nil || *st.SecondsToExhaustion > 30*24*3600 {
		t.Errorf("time to exhaustion %v", st.SecondsToExhaustion)
	}
	d := gate.Decide("order-api", slo.NormalChange, []gate.SLOState{gateState(t, st)}, nil, time.Now())
	if d.Verdict != gate.Deny || d.Reasons[0].Rule != "budget-exhausted" || len(d.Reasons) < 2 || d.Reasons[1].Rule != "page-alert-firing" {
		t.Errorf("gate during the outage: %+v", d)
	}
}

func TestStateAfterTheOutageSpentTheBudget(t *testing.T) {
	t.Parallel()
	st, _ := stateAt(t, "outage", 5*time.Hour)
	if st.Status != budget.Exhausted || st.Remaining == nil || *st.Remaining >= 0 {
		t.Fatalf("after 15 minutes of outage in 5 hours of history: status %s, remaining %v", st.Status, st.Remaining)
	}
	if st.SLI == nil || *st.SLI > 0.99 || *st.SLI < 0.9 {
		t.Errorf("SLI over the period %v, want about 1 - 15/300", st.SLI)
	}
	if st.FullOutageMinutesLeft == nil || *st.FullOutageMinutesLeft >= 0 {
		t.Errorf("full-outage minutes left %v, want negative", st.FullOutageMinutesLeft)
	}
	for _, tc := range []struct {
		change slo.Change
		want   gate.Verdict
	}{{slo.NormalChange, gate.Deny}, {slo.RollbackChange, gate.Allow}, {slo.HotfixChange, gate.Allow}} {
		if d := gate.Decide("order-api", tc.change, []gate.SLOState{gateState(t, st)}, nil, time.Now()); d.Verdict != tc.want {
			t.Errorf("%s change: %s, want %s", tc.change, d.Verdict, tc.want)
		}
	}
}

func TestStateOfAHealthySurge(t *testing.T) {
	t.Parallel()
	st, _ := stateAt(t, "surge-10x", 20*time.Hour)
	if st.Status != budget.OK || st.Remaining == nil || *st.Remaining < 0.4 || len(st.FiringAlerts) != 0 {
		t.Fatalf("during a healthy surge: %+v", st)
	}
	if d := gate.Decide("order-api", slo.NormalChange, []gate.SLOState{gateState(t, st)}, nil, time.Now()); d.Verdict != gate.Allow {
		t.Errorf("gate during a healthy surge: %+v", d)
	}
}

func TestStateWithoutDataIsUnknown(t *testing.T) {
	t.Parallel()
	svcs, _ := slo.Parse([]byte(spec))
	states, err := budget.Read(context.Background(), emptyQuerier{}, svcs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 1 || states[0].Status != budget.Unknown || states[0].Remaining != nil || states[0].DataTime != nil {
		t.Fatalf("no data: %+v", states)
	}
	if g := states[0].GateState(time.Now(), 5*time.Minute); !strings.Contains(g.NoData, "no data") {
		t.Errorf("the gate is not told that the SLO has no data: %+v", g)
	}
}

// Each state carries the time its backend recorded it, so an SLO whose
// rules stopped being evaluated shows its age and is not judged on it.
func TestStateCarriesItsDataTime(t *testing.T) {
	t.Parallel()
	at := 3*time.Hour + 10*time.Minute
	st, _ := stateAt(t, "outage", at)
	if want := scenario.Start().Add(at); st.DataTime == nil || !st.DataTime.Equal(want) {
		t.Fatalf("data time %v, want the last evaluation at %s", st.DataTime, want)
	}
	for _, tc := range []struct {
		age    time.Duration
		noData string
	}{
		{0, ""},
		{5 * time.Minute, ""},
		{6 * time.Minute, "its data is 6m0s old, over the 5m0s limit"},
	} {
		if g := st.GateState(st.DataTime.Add(tc.age), 5*time.Minute); !strings.Contains(g.NoData, tc.noData) || (tc.noData == "") != (g.NoData == "") {
			t.Errorf("data %s old: no-data %q, want %q", tc.age, g.NoData, tc.noData)
		}
	}
}

type emptyQuerier struct{}

func (emptyQuerier) Query(context.Context, string, time.Time) (model.Vector, error) {
	return nil, nil
}

// In the first hour after the rules are deployed no hourly block exists:
// the windows hold the hour to date, so the budget and the pages show at
// once.
func TestStateShowsBeforeTheFirstHourlyBlock(t *testing.T) {
	t.Parallel()
	// Rules deployed at 3h01m, into the outage: the first hourly block
	// comes at 4h.
	st, _ := stateSince(t, "outage", 3*time.Hour+time.Minute, 3*time.Hour+10*time.Minute)
	if st.Status != budget.Exhausted || st.Remaining == nil || *st.Remaining > -900 || len(st.FiringAlerts) == 0 {
		t.Fatalf("ten minutes into an outage, rules nine minutes old: %+v", st)
	}
}

// A team whose Alertmanager routes match severity=critical and warning
// names its pages and tickets so; the budget and gate still know a page.
func TestPagesAreKnownByTheTeamsSeverityValue(t *testing.T) {
	t.Parallel()
	svcs := slotest.Services(t, fixture.OrderAPISpec(fixture.OrderAPIOptions{
		SLOYAML: "alerting:\n  page: {severity: critical}\n  ticket: {severity: warning}",
	}))
	b, ts := simtest.Replayed(t, svcs, "outage", 0, 3*time.Hour+10*time.Minute)
	states, err := budget.Read(context.Background(), engine.ModelQuerier{Engine: b.Engine}, svcs, ts)
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := engine.ModelQuerier{Engine: b.Engine}.Query(context.Background(), `ALERTS{alertstate="firing",severity="critical"}`, ts)
	if err != nil || len(alerts) == 0 {
		t.Fatalf("no page firing with severity=critical (%v): the rules do not carry the team's value", err)
	}
	st := states[0]
	if len(st.FiringAlerts) == 0 || st.FiringAlerts[0].Severity != "page" || st.Status == budget.Warning || st.Status == budget.OK {
		t.Fatalf("a severity=critical page read as %+v, status %s", st.FiringAlerts, st.Status)
	}
	d := gate.Decide("order-api", slo.HotfixChange, []gate.SLOState{gateState(t, st)}, nil, time.Now())
	found := false
	for _, r := range d.Reasons {
		found = found || r.Rule == "page-alert-firing"
	}
	if !found {
		t.Errorf("the gate does not see the page: %+v", d)
	}
}

// A state counts for a deploy to a region as the SLO's regions.gate says:
// its region's and the global one (both), its region's (region), or the
// global one (global); every state for a deploy everywhere, and the states
// of an SLO not tracked by region for any deploy.
func TestStatesApplyToADeployAsRegionsGateSays(t *testing.T) {
	for _, tc := range []struct {
		gate              slo.RegionGate
		eu, us, global, s bool
	}{
		{slo.GateRegionAndGlobal, true, false, true, true},
		{slo.GateRegionOnly, true, false, false, true},
		{slo.GateGlobalOnly, false, false, true, true},
	} {
		r := &slo.Regions{Label: "region", Gate: tc.gate}
		states := map[string]budget.State{"eu": {Regions: r, Region: "eu"}, "us": {Regions: r, Region: "us"}, "global": {Regions: r}, "plain": {}}
		got := map[string]bool{}
		for name, st := range states {
			got[name] = st.Applies("eu")
			if !st.Applies("") {
				t.Errorf("gate %s: the %s state does not count for a deploy everywhere", tc.gate, name)
			}
		}
		if got["eu"] != tc.eu || got["us"] != tc.us || got["global"] != tc.global || !got["plain"] {
			t.Errorf("gate %s: a deploy to eu counts %v", tc.gate, got)
		}
	}
}
