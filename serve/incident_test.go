package serve_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/simulate"
	"github.com/slokit/slokit/slo"
)

var twoServices = spec + `---
apiVersion: slokit.dev/v1
kind: ServiceLevels
service: payment
scrapeInterval: 15s
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: payments_total{job="payment",result="error"}
        total: payments_total{job="payment"}
`

// An incident injected through the API makes the one service's requests
// fail in the embedded backend: its page fires within the quarter hour and
// its gate freezes, while the other service ships on.
func TestInjectedIncidentFreezesOneService(t *testing.T) {
	svcs, diags := slo.Parse([]byte(twoServices))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	quiet := &scenario.Scenario{Name: "quiet", Duration: 2 * time.Hour, ScrapeInterval: 15 * time.Second, EvaluationInterval: time.Minute,
		Seed: 1, Series: 4, Traffic: scenario.Traffic{Rate: 20}}
	clock := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	e, err := simulate.StartLive(context.Background(), svcs, quiet, t.TempDir(), clock)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	f := serveOn(t, serve.Options{Services: svcs, Querier: e, Token: token, Incidents: e}, clock)
	decision := func(service string) any {
		t.Helper()
		f.refresh(t)
		code, body := f.do(t, "GET", "/api/v1/gate/"+service, "", "")
		if code != 200 {
			t.Fatalf("gate %s: %d %v", service, code, body)
		}
		return body["decision"]
	}
	if d := decision("order-api"); d != "allow" {
		t.Fatalf("before the incident: %v", d)
	}
	if code, body := f.do(t, "POST", "/api/v1/demo/incident", "", `{"service":"order-api"}`); code != 401 {
		t.Errorf("an incident without the token: %d %v", code, body)
	}
	code, body := f.do(t, "POST", "/api/v1/demo/incident", "Bearer "+token, `{"service":"order-api","duration":"30m","burn":60}`)
	if code != 201 || body["start"] != "2026-11-26T02:00:00Z" || body["end"] != "2026-11-26T02:30:00Z" {
		t.Fatalf("inject: %d %v", code, body)
	}
	*f.clock = f.clock.Add(16 * time.Minute)
	if err := e.Tick(context.Background(), *f.clock); err != nil {
		t.Fatal(err)
	}
	if d := decision("order-api"); d != "deny" {
		t.Errorf("16 minutes into a 60x burn: %v, want deny", d)
	}
	if d := decision("payment"); d != "allow" {
		t.Errorf("the other service: %v, want allow", d)
	}
}

func TestIncidentRequestsAreChecked(t *testing.T) {
	svcs, _ := slo.Parse([]byte(spec))
	sc, _ := scenario.Lookup("outage")
	clock := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	e, err := simulate.StartLive(context.Background(), svcs, sc, t.TempDir(), clock)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	f := serveOn(t, serve.Options{Services: svcs, Querier: e, Token: token, Incidents: e}, clock)
	for _, tc := range []struct {
		body string
		code int
		want string
	}{
		{`{"service":"nope"}`, 400, "unknown service"},
		{`{"service":"order-api","duration":"-5m"}`, 400, "duration must be positive"},
		{`{"service":"order-api","duration":"25h"}`, 400, "at most 24h"},
		{`{"service":"order-api","burn":60,"ratio":0.5}`, 400, "not both"},
		{`{"service":"order-api","burn":0}`, 400, "burn must be above 0"},
		{`{"service":"order-api","ratio":1.5}`, 400, "ratio must be above 0 and at most 1"},
		{`{"service":"order-api","severity":"high"}`, 400, "unknown field"},
		{`{"service":"order-api","ratio":1}`, 201, ""},
	} {
		code, body := f.do(t, "POST", "/api/v1/demo/incident", "Bearer "+token, tc.body)
		if code != tc.code || (tc.want != "" && !strings.Contains(body["error"].(string), tc.want)) {
			t.Errorf("%s: %d %v, want %d %q", tc.body, code, body, tc.code, tc.want)
		}
	}
	// Without the embedded backend there is nothing to inject into.
	other := newServer(t, time.Hour, false)
	if code, body := other.do(t, "POST", "/api/v1/demo/incident", "Bearer "+token, `{"service":"order-api"}`); code != 404 || !strings.Contains(body["error"].(string), "embedded demo backend") {
		t.Errorf("without the embedded backend: %d %v", code, body)
	}
}
