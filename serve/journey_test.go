package serve_test

import (
	"context"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/simulate"
	"github.com/slokit/slokit/slo"
)

// A journey over the order API and payment whose policy freezes its
// members, and a payment outage: the order API, whose own SLO is fine, is
// denied by the journey's freeze, naming the journey and payment as the
// member that spent most of it; a hotfix passes, as the journey's
// policy lets it; a service on no journey is not held.
const journeyPolicySpecs = `apiVersion: slokit.dev/v1
kind: ServiceLevels
service: order-api
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{job="order-api",code=~"5.."}
        total: http_requests_total{job="order-api"}
---
apiVersion: slokit.dev/v1
kind: ServiceLevels
service: payment
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: payment_requests_total{job="payment",code=~"5.."}
        total: payment_requests_total{job="payment"}
---
apiVersion: slokit.dev/v1
kind: ServiceLevels
service: menu
slos:
  - name: availability
    objective: 99
    sli: {boolGauge: {selector: 'probe_success{job="menu"}'}}
---
apiVersion: slokit.dev/v1
kind: ServiceLevels
service: order-placement
slos:
  - name: order-placement
    objective: 99.9
    policy: {freezeMembers: true}
    sli:
      journey:
        members:
          - {service: order-api, slo: availability}
          - {service: payment, slo: availability}
`

const paymentOutage = `apiVersion: slokit.dev/v1
kind: Scenario
name: payment-outage
description: Payment fails every request from 3h on.
duration: 4h
series: 10
traffic: {rate: 20}
errors:
  baseline: {burn: 0.1}
  events:
    - {kind: step, start: 3h, duration: 1h, ratio: 1, service: payment}
`

func TestJourneyPolicyFreezesItsMembers(t *testing.T) {
	svcs, diags := slo.Parse([]byte(journeyPolicySpecs))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	sc, sdiags := scenario.Parse([]byte(paymentOutage))
	if err := sdiags.Errors(); err != nil {
		t.Fatal(err)
	}
	b, now, err := simulate.Replay(context.Background(), simulate.Options{Scenario: sc, Services: svcs, Dir: t.TempDir()}, 0, 3*time.Hour+30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	f := serveOn(t, serve.Options{Services: svcs, Querier: engine.ModelQuerier{Engine: b.Engine}, Token: token}, now)
	f.refresh(t)

	code, body := f.do(t, "GET", "/api/v1/gate/order-api", "", "")
	reasons := ""
	for _, r := range body["reasons"].([]any) {
		reasons += r.(map[string]any)["rule"].(string) + ": " + r.(map[string]any)["message"].(string) + "\n"
	}
	if code != 200 || body["decision"] != "deny" || strings.Contains(reasons, "budget-exhausted: availability") ||
		!strings.Contains(reasons, "journey-budget-exhausted: journey order-placement/order-placement (99.9%): the error budget is spent") ||
		!strings.Contains(reasons, "spent most: payment/availability (99.9% of the spending, ") ||
		!regexp.MustCompile(`journey-page-alert-firing: .*; burning fastest: payment/availability \(\d+(\.\d)?x over 1h\)`).MatchString(reasons) {
		t.Errorf("the order API's gate: %d %v\n%s", code, body["decision"], reasons)
	}
	t.Logf("the order API is denied:\n%s", reasons)
	if _, body := f.do(t, "GET", "/api/v1/gate/order-api?change=hotfix", "", ""); body["decision"] != "allow" {
		t.Errorf("a hotfix of the order API: %v", body)
	}
	if _, body := f.do(t, "GET", "/api/v1/gate/menu", "", ""); body["decision"] == "deny" {
		t.Errorf("menu is on no journey, and was held: %v", body)
	}
	if _, body := f.do(t, "GET", "/api/v1/gate/payment", "", ""); body["decision"] != "deny" {
		t.Errorf("payment, out of budget itself: %v", body)
	}
	// The journey's state lists its members with the budget each has left
	// and their shares of the journey's errors: payment's nearly all.
	_, state := f.do(t, "GET", "/api/v1/slos/order-placement/order-placement", "", "")
	members, _ := state["slos"].([]any)[0].(map[string]any)["members"].([]any)
	left, share := map[string]float64{}, map[string]float64{}
	for _, m := range members {
		m := m.(map[string]any)
		name := m["service"].(string) + "/" + m["slo"].(string)
		left[name], _ = m["remaining"].(float64)
		share[name], _ = m["share"].(float64)
	}
	if len(left) != 2 || !(left["payment/availability"] < 0 && left["order-api/availability"] > 0.5) ||
		!(share["payment/availability"] > 0.99 && share["order-api/availability"] > 0 && math.Abs(share["payment/availability"]+share["order-api/availability"]-1) < 1e-9) {
		t.Errorf("the journey's members: %v", members)
	}
}
