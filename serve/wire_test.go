package serve

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/serve/api"
)

// States encoded once at refresh and stamped with their age per answer
// give exactly the bytes encoding/json gives for the whole answer, so the
// shortcut changes nothing a client sees.
func TestStatesEncodedAtRefreshAreServedAsEncodingJSONWouldWriteThem(t *testing.T) {
	now := time.Date(2026, 12, 2, 20, 0, 0, 0, time.UTC)
	f := func(v float64) *float64 { return &v }
	at := func(age time.Duration) *time.Time { t := now.Add(-age); return &t }
	states := []budget.State{
		{Service: "order-api", SLO: "availability", Objective: "99.9", Period: "30d", Status: budget.Unknown,
			BurnRates: map[string]float64{}, FiringAlerts: []budget.FiringAlert{}},
		{Service: "order-api", SLO: "latency", Objective: "99", Threshold: "500ms", Period: "30d", Status: budget.Critical,
			Group: map[string]string{"region": "eu", "provider": `"quoted" \ <html>`},
			SLI:   f(0.9991), Remaining: f(-0.25), FullOutageMinutesLeft: f(0), SecondsToExhaustion: f(1e22),
			BurnRates:    map[string]float64{"5m": 14.4, "1h": 0.1, "30d": 1e-9},
			FiringAlerts: []budget.FiringAlert{{Alert: "SLOErrorBudgetBurn", Severity: "page", Window: "1h"}},
			DataTime:     at(12345678 * time.Microsecond)},
		{Service: "menu", SLO: "x", Objective: "99.95", Period: "7d", Status: budget.OK, DataTime: at(0)},
		{Service: "menu", SLO: "y", Objective: "99.95", Period: "7d", Status: budget.OK, DataTime: at(-time.Nanosecond * 100)},
		{Service: "menu", SLO: "z", Objective: "99.95", Period: "7d", Status: budget.OK, DataTime: at(59*time.Second + 999999999)},
	}
	served := make([]servedState, len(states))
	want := make([]api.SLOState, len(states))
	for i, st := range states {
		var err error
		if served[i], err = newServedState(st); err != nil {
			t.Fatal(err)
		}
		want[i] = apiState(st)
		if st.DataTime != nil {
			age := now.Sub(*st.DataTime).Round(time.Millisecond).Seconds()
			want[i].DataAgeSeconds = &age
		}
	}
	for name, tc := range map[string]struct {
		head, whole any
		states      []servedState
	}{
		"gate answer": {
			api.GateResponse{Service: "order-api", Change: "normal", Decision: "deny", EvaluatedAt: now, DataAgeSeconds: 3,
				Reasons: []api.Reason{{Rule: "page-alert-firing", Message: `"slos":null in a message`}}},
			api.GateResponse{Service: "order-api", Change: "normal", Decision: "deny", EvaluatedAt: now, DataAgeSeconds: 3,
				Reasons: []api.Reason{{Rule: "page-alert-firing", Message: `"slos":null in a message`}}, SLOs: want},
			served,
		},
		"no states": {
			api.GateResponse{Service: "menu", Decision: "allow"},
			api.GateResponse{Service: "menu", Decision: "allow", SLOs: []api.SLOState{}},
			nil,
		},
		"list": {api.SLOList{EvaluatedAt: now}, api.SLOList{EvaluatedAt: now, SLOs: want}, served},
	} {
		rec := httptest.NewRecorder()
		writeWithStates(rec, 200, tc.head, tc.states, now)
		whole, err := json.Marshal(tc.whole)
		if err != nil {
			t.Fatal(err)
		}
		if got := rec.Body.String(); got != string(whole)+"\n" {
			t.Errorf("%s:\n got %s\nwant %s", name, got, whole)
		}
		if rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: content type %q", name, rec.Header().Get("Content-Type"))
		}
	}
}

// The canary verdicts recorded are bounded per minute, whatever the
// checks: the bound's worth in a minute, none beyond, the bound again in
// the next minute.
func TestCanaryRecordsAreBoundedPerMinute(t *testing.T) {
	g := newCanaryGuard()
	at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	recorded := 0
	for i := range maxCanaryRecords + 50 {
		if g.mayRecord(at.Add(time.Duration(i) * time.Millisecond)) {
			recorded++
		}
	}
	if recorded != maxCanaryRecords || !g.mayRecord(at.Add(time.Minute)) {
		t.Errorf("%d recorded in a minute, want %d, then room in the next", recorded, maxCanaryRecords)
	}
}

// Flagger's sides are found by the Canary's name, a dot in it meaning a
// dot: order.api's canary pods, not orderXapi's.
func TestFlaggerSidesQuoteTheName(t *testing.T) {
	sides, err := flaggerSides("order.api", "shop")
	if err != nil {
		t.Fatal(err)
	}
	m := sides.Canary[1]
	if !m.Matches("order.api-6d4f9-x1x2z") || m.Matches("orderXapi-6d4f9-x1x2z") || m.Matches("order.api-primary-6d4f9-x1x2z") {
		t.Errorf("the canary's pods: %v", m)
	}
	if b := sides.Baseline[1]; !b.Matches("order.api-primary-6d4f9-x1x2z") {
		t.Errorf("the primary's pods: %v", b)
	}
}
