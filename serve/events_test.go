package serve_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/serve/api"
	"github.com/slokit/slokit/slo"
)

// What shaped an SLO's budget and its gate reaches the UI without the
// token: its labels on its state, the maintenance windows in force on the
// gate's overview, and on its history the deny decisions, the overrides
// (to when they were deleted) and the maintenance windows (the API's and
// the spec's); who made them and why stay behind the token.
func TestHistoryEventsAndWindowsInForce(t *testing.T) {
	plain, diags := slo.Parse([]byte(spec))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	q, now := backend(t, plain, 3*time.Hour+10*time.Minute)
	specWindow := [2]time.Time{now.Add(-30 * time.Minute), now.Add(30 * time.Minute)}
	svcs, diags := slo.Parse([]byte(fixture.OrderAPISpec(fixture.OrderAPIOptions{
		ServiceYAML: "labels: {team: checkout, tier: \"1\"}\nmaintenance:\n  - {start: \"" + specWindow[0].Format(time.RFC3339) + "\", end: \"" + specWindow[1].Format(time.RFC3339) + "\", reason: spec-reason-not-shown}\n",
		SLOYAML:     "labels: {tier: \"0\"}\n",
	})))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	f := serveOn(t, serve.Options{Services: svcs, Querier: q, Token: token}, now)
	f.refresh(t)

	_, list := f.do(t, "GET", "/api/v1/slos", "", "")
	labels, _ := json.Marshal(list["slos"].([]any)[0].(map[string]any)["labels"])
	if string(labels) != `{"team":"checkout","tier":"0"}` {
		t.Errorf("labels %s, want the service's overlaid with the SLO's", labels)
	}

	for range 3 {
		if code, body := f.do(t, "GET", "/api/v1/gate/order-api", "", ""); code != 200 || body["decision"] != "deny" {
			t.Fatalf("check: %d %v", code, body)
		}
	}
	code, ov := f.do(t, "POST", "/api/v1/overrides", "Bearer "+token, `{"service":"order-api","author":"alice-not-shown","reason":"hotfix-not-shown","duration":"1h"}`)
	if code != 201 {
		t.Fatalf("override: %d %v", code, ov)
	}
	code, mw := f.do(t, "POST", "/api/v1/maintenance", "Bearer "+token, `{"service":"order-api","slo":"availability","author":"bob-not-shown","reason":"failover-not-shown","duration":"2h"}`)
	if code != 201 {
		t.Fatalf("maintenance: %d %v", code, mw)
	}

	_, overview := f.raw(t, "GET", "/api/v1/gate")
	var gates struct{ Services []api.GateSummary }
	if err := json.Unmarshal([]byte(overview), &gates); err != nil {
		t.Fatal(err)
	}
	wantInForce := []api.MaintenanceInForce{
		{Start: specWindow[0], End: specWindow[1]}, // every SLO's
		{ID: mw["id"].(string), SLO: "availability", Start: now, End: now.Add(2 * time.Hour)},
	}
	if got := gates.Services[0].Maintenance; !reflect.DeepEqual(got, wantInForce) {
		t.Errorf("maintenance in force\n%+v\nwant\n%+v", got, wantInForce)
	}

	*f.clock = now.Add(5 * time.Minute)
	if code, _ := f.do(t, "DELETE", "/api/v1/overrides/"+ov["id"].(string), "Bearer "+token, ""); code != 204 {
		t.Fatalf("deleting the override: %d", code)
	}
	code, raw := f.raw(t, "GET", "/api/v1/slos/order-api/availability/history?range=4h")
	if code != 200 {
		t.Fatalf("history: %d %s", code, raw)
	}
	for _, secret := range []string{"not-shown", "127.0.0.1"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the history, read without the token, holds %q", secret)
		}
	}
	var h struct {
		Events []struct {
			Kind       string
			Start, End time.Time
			Count      int
			ID         string
		}
		EventsError string
	}
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range h.Events {
		line := e.Kind + " " + e.ID + " " + e.Start.Sub(now).String()
		if !e.End.IsZero() {
			line += " to " + e.End.Sub(now).String()
		}
		if e.Count > 0 {
			line += fmt.Sprintf(" x%d", e.Count)
		}
		got = append(got, line)
		if e.Kind == "deny" && e.Count < 1 {
			t.Errorf("a deny event counts no decision: %+v", e)
		}
	}
	// The three denies are one record and a count of the two repeats.
	want := []string{
		"maintenance  -30m0s to 30m0s",
		"deny  0s x1",
		"deny  0s to 0s x2",
		"maintenance " + mw["id"].(string) + " 0s to 2h0m0s",
		"override " + ov["id"].(string) + " 0s to 5m0s",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || h.EventsError != "" {
		t.Errorf("events\n%s\nwant\n%s\n(error %q)", strings.Join(got, "\n"), strings.Join(want, "\n"), h.EventsError)
	}
}

// The overview's header names the backend, without the credentials its
// URL may carry.
func TestStateListNamesTheBackend(t *testing.T) {
	q, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: "http://reader:s3cret-pass@127.0.0.1:1/prom?api_key=k3y-not-shown"})
	if err != nil {
		t.Fatal(err)
	}
	svcs, _ := slo.Parse([]byte(spec))
	f := serveOn(t, serve.Options{Services: svcs, Querier: q, Token: token}, time.Now())
	code, body := f.raw(t, "GET", "/api/v1/slos")
	if code != 200 || !strings.Contains(body, `"backend":"http://reader:xxxxx@127.0.0.1:1/prom"`) || strings.Contains(body, "s3cret") || strings.Contains(body, "k3y") {
		t.Errorf("%d %s", code, body)
	}
}
