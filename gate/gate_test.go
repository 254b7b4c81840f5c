package gate_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/slo"
)

var now = time.Date(2026, 2, 8, 22, 0, 0, 0, time.UTC)

func state(name string, remaining float64, pages ...string) gate.SLOState {
	return gate.SLOState{Service: "order-api", SLO: name, Objective: "99.95", Remaining: remaining, PageAlerts: pages, Policy: slo.DefaultPolicy()}
}

func TestDecide(t *testing.T) {
	strict := state("order-placement-availability", -0.1)
	strict.Policy.AllowDuringFreeze = nil
	lenient := state("order-placement-latency", 0.5, "1h")
	lenient.Policy.FreezeOnPage = false
	override := &gate.Override{ID: "ovr-1", Service: "order-api", Author: "alice", Reason: "payment fix ships tonight", Expires: now.Add(time.Hour)}
	noData := state("order-placement-latency", 1)
	noData.NoData = "the backend has no data for it"
	staleSpent := state("order-placement-availability", -1, "1h")
	staleSpent.NoData = "its data is 6m0s old"
	expired := &gate.Override{ID: "ovr-0", Service: "order-api", Author: "bob", Reason: "old", Expires: now.Add(-time.Minute)}
	for _, tc := range []struct {
		name     string
		change   slo.Change
		slos     []gate.SLOState
		override *gate.Override
		want     gate.Verdict
		rules    string // the reasons' rules, in order
	}{
		{"healthy", slo.NormalChange, []gate.SLOState{state("a", 0.8)}, nil, gate.Allow, "ok"},
		{"no SLOs", slo.NormalChange, nil, nil, gate.Allow, "ok"},
		{"budget low warns", slo.NormalChange, []gate.SLOState{state("a", 0.2), state("b", 0.9)}, nil, gate.Warn, "budget-low"},
		{"at the warning level is fine", slo.NormalChange, []gate.SLOState{state("a", 0.25)}, nil, gate.Allow, "ok"},
		{"budget spent denies", slo.NormalChange, []gate.SLOState{state("a", 0)}, nil, gate.Deny, "budget-exhausted"},
		{"page alert denies", slo.NormalChange, []gate.SLOState{state("a", 0.6, "1h", "6h")}, nil, gate.Deny, "page-alert-firing"},
		{"page alert ignored when the policy says so", slo.NormalChange, []gate.SLOState{lenient}, nil, gate.Allow, "ok"},
		{"both freezes and a warning are named", slo.NormalChange, []gate.SLOState{state("a", -0.2, "1h"), state("b", 0.1)}, nil, gate.Deny, "budget-exhausted,page-alert-firing,budget-low"},
		{"rollback always passes", slo.RollbackChange, []gate.SLOState{strict}, nil, gate.Allow, "budget-exhausted,rollback"},
		{"hotfix passes by default", slo.HotfixChange, []gate.SLOState{state("a", -0.5)}, nil, gate.Allow, "budget-exhausted,allowed-during-freeze"},
		{"security passes by default", slo.SecurityChange, []gate.SLOState{state("a", 0.5, "1h")}, nil, gate.Allow, "page-alert-firing,allowed-during-freeze"},
		{"hotfix held where a policy says so", slo.HotfixChange, []gate.SLOState{state("a", -0.5), strict}, nil, gate.Deny, "budget-exhausted,budget-exhausted"},
		{"override lets a normal change through", slo.NormalChange, []gate.SLOState{state("a", -0.5)}, override, gate.Allow, "budget-exhausted,override"},
		{"expired override does not", slo.NormalChange, []gate.SLOState{state("a", -0.5)}, expired, gate.Deny, "budget-exhausted"},
		{"an SLO without data warns", slo.NormalChange, []gate.SLOState{noData, state("a", 0.9)}, nil, gate.Warn, "no-data"},
		{"old data does not freeze", slo.NormalChange, []gate.SLOState{staleSpent}, nil, gate.Warn, "no-data"},
		{"a freeze elsewhere still denies", slo.NormalChange, []gate.SLOState{noData, state("a", 0)}, nil, gate.Deny, "budget-exhausted,no-data"},
		{"override not needed without a freeze", slo.NormalChange, []gate.SLOState{state("a", 0.1)}, override, gate.Warn, "budget-low"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := gate.Decide("order-api", tc.change, tc.slos, tc.override, now)
			var rules []string
			for _, r := range d.Reasons {
				rules = append(rules, r.Rule)
				if r.Message == "" {
					t.Errorf("reason %s has no message", r.Rule)
				}
			}
			if d.Verdict != tc.want || strings.Join(rules, ",") != tc.rules {
				t.Errorf("got %s %v, want %s %s", d.Verdict, rules, tc.want, tc.rules)
			}
			if (d.Override != nil) != (tc.rules != "" && strings.HasSuffix(tc.rules, "override")) {
				t.Errorf("override in decision: %v", d.Override)
			}
		})
	}
}

func TestReasonsGiveTheFigures(t *testing.T) {
	d := gate.Decide("order-api", slo.NormalChange, []gate.SLOState{state("order-placement-availability", -0.125, "1h")}, nil, now)
	want := []string{
		"order-placement-availability (99.95%): the error budget is spent (-12.5% left)",
		"order-placement-availability (99.95%): page-level burn alert firing over 1h, -12.5% of the budget left",
	}
	for i, w := range want {
		if d.Reasons[i].Message != w {
			t.Errorf("reason %d: got %q, want %q", i, d.Reasons[i].Message, w)
		}
	}
}

// A journey that freezes its members' services is judged for one of them
// by its freeze alone (no warning, no no-data), named with its service,
// the member that spent most of it (its budget) and the one burning
// fastest (its page).
func TestAJourneysFreezeHoldsItsMembers(t *testing.T) {
	journey := gate.SLOState{Service: "order-placement", SLO: "order-placement", Objective: "99.9", Remaining: -0.5, PageAlerts: []string{"1h"},
		Policy: slo.DefaultPolicy(), MostSpent: "spent most: payment/availability (90% of the spending, -80% of its budget left)",
		BurningFastest: "burning fastest: order-api/availability (20x over 1h)"}
	d := gate.Decide("order-api", slo.NormalChange, []gate.SLOState{state("order-placement-availability", 0.9), journey}, nil, now)
	want := []gate.Reason{
		{Rule: "journey-budget-exhausted", SLO: "order-placement/order-placement", Objective: "99.9",
			Message: "journey order-placement/order-placement (99.9%): the error budget is spent (-50% left), which holds every service on it; spent most: payment/availability (90% of the spending, -80% of its budget left)"},
		{Rule: "journey-page-alert-firing", SLO: "order-placement/order-placement", Objective: "99.9",
			Message: "journey order-placement/order-placement (99.9%): page-level burn alert firing over 1h, which holds every service on it; burning fastest: order-api/availability (20x over 1h)"},
	}
	if d.Verdict != gate.Deny || len(d.Reasons) != 2 || d.Reasons[0] != want[0] || d.Reasons[1] != want[1] {
		t.Errorf("got %v %+v", d.Verdict, d.Reasons)
	}
	low := journey
	low.Remaining, low.PageAlerts = 0.1, nil
	noData := journey
	noData.NoData = "no data"
	for _, j := range []gate.SLOState{low, noData} {
		if d := gate.Decide("order-api", slo.NormalChange, []gate.SLOState{state("order-placement-availability", 0.9), j}, nil, now); d.Verdict != gate.Allow {
			t.Errorf("a journey low on budget or without data warns its members: %v %+v", d.Verdict, d.Reasons)
		}
	}
}

// A grouped SLO's groups each give their reason, naming the group.
func TestAGroupsReasonNamesItsGroup(t *testing.T) {
	a, b := state("payment-processing-availability", -0.2), state("payment-processing-availability", -0.1)
	a.Group, b.Group = "provider=a", "provider=b"
	d := gate.Decide("order-api", slo.NormalChange, []gate.SLOState{a, b}, nil, now)
	if d.Verdict != gate.Deny || len(d.Reasons) != 2 ||
		d.Reasons[0].Message != "payment-processing-availability (99.95%, provider=a): the error budget is spent (-20% left)" ||
		d.Reasons[1].Message != "payment-processing-availability (99.95%, provider=b): the error budget is spent (-10% left)" {
		t.Errorf("got %v %+v", d.Verdict, d.Reasons)
	}
}
