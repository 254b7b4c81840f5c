package simulate_test

import (
	"context"
	"testing"
	"time"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/simulate"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/slo/slotest"
)

// The live backend (slokit serve's embedded default) shows the scenario's history at once and follows
// it live: four hours into the outage scenario the outage at 3h has spent
// the budget, and live ticks keep the state current.
func TestLiveBackend(t *testing.T) {
	svcs := slotest.Services(t, fixture.OrderAPI)
	sc, err := scenario.Lookup("outage")
	if err != nil {
		t.Fatal(err)
	}
	midnight := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	now := midnight.Add(4*time.Hour + 30*time.Second) // 6h of scenario, placed at midnight
	e, err := simulate.StartLive(context.Background(), svcs, sc, t.TempDir(), now)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	read := func(at time.Time) budget.State {
		t.Helper()
		states, err := budget.Read(context.Background(), e, svcs, at)
		if err != nil || len(states) != 1 {
			t.Fatalf("%v %v", states, err)
		}
		return states[0]
	}
	if st := read(now); st.Status != budget.Exhausted {
		t.Fatalf("an hour after a 15-minute outage in 4 hours of history: %+v", st)
	}
	// Two live minutes: the engine evaluates the rules, ALERTS included.
	later := now.Add(2 * time.Minute)
	if err := e.Tick(context.Background(), later); err != nil {
		t.Fatal(err)
	}
	st := read(later)
	if st.Status != budget.Exhausted || st.Remaining == nil {
		t.Fatalf("after live ticks: %+v", st)
	}
	if d := gate.Decide("order-api", slo.NormalChange, []gate.SLOState{st.GateState(later, 5*time.Minute)}, nil, later); d.Verdict != gate.Deny {
		t.Errorf("gate: %+v", d)
	}
}
