package simulate_test

import (
	"context"
	"math"
	"testing"

	"github.com/slokit/slokit/internal/race"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/simulate"
	"github.com/slokit/slokit/slo"
)

// The order placement journey over two services' SLOs, from their specs:
// the order API's availability and payment's, and the journey reading
// what their rules record.
const journeySpecs = availability + `---
apiVersion: slokit.dev/v1
kind: ServiceLevels
service: payment
scrapeInterval: 15s
slos:
  - name: payment-processing-availability
    objective: 99.9
    sli:
      ratio:
        errors: payment_requests_total{job="payment",code=~"5.."}
        total: payment_requests_total{job="payment"}
---
apiVersion: slokit.dev/v1
kind: ServiceLevels
service: order-placement
slos:
  - name: order-placement
    objective: 99.9
    sli:
      journey:
        aggregation: events
        members:
          - {service: order-api, slo: order-placement-availability}
          - {service: payment, slo: payment-processing-availability}
  - name: order-placement-weighted
    objective: 99.9
    sli:
      journey:
        aggregation: weighted
        members:
          - {service: order-api, slo: order-placement-availability, weight: 3}
          - {service: payment, slo: payment-processing-availability}
  - name: order-placement-worst
    objective: 99.9
    sli:
      journey:
        aggregation: worst
        members:
          - {service: order-api, slo: order-placement-availability}
          - {service: payment, slo: payment-processing-availability}
`

// A month with a payment outage of an hour on day 20: each journey's budget
// over 30 days, recorded from what its members' rules record only, is
// within half a point of the exact figure from the events both members
// counted (added up, their ratios' mean by weight, the worst ratio); the
// members' own budgets stay exact too.
const paymentOutageMonth = `apiVersion: slokit.dev/v1
kind: Scenario
name: payment-outage-month
description: A month of diurnal traffic, and payment failing half its requests for an hour on day 20.
duration: 30d
scrapeInterval: 15s
series: 10
traffic: {rate: 20, peakToTrough: 8}
errors:
  baseline: {burn: 0.2}
  events:
    - {kind: step, start: 20d, duration: 1h, ratio: 0.5, service: payment}
`

func TestJourneyBudgetIsExactOverAMonth(t *testing.T) {
	race.SkipComputeBound(t)
	if testing.Short() {
		t.Skip("30 days of three SLOs' rules")
	}
	t.Parallel()
	res, got := budgetsWithinHalfAPoint(t, paymentOutageMonth, services(t, journeySpecs))
	j, pay, orders := got["order-placement"], got["payment-processing-availability"], got["order-placement-availability"]
	// The payment outage spends nearly all of payment's budget and none of
	// the order API's; the journey's lies between, as the events add up.
	if len(got) != 5 || !(pay.ExactRemaining < j.ExactRemaining && j.ExactRemaining < orders.ExactRemaining) || pay.ExactRemaining > 0.1 {
		t.Errorf("budgets left: payment %.4f, journey %.4f, order API %.4f: want payment's nearly spent and the journey's between", pay.ExactRemaining, j.ExactRemaining, orders.ExactRemaining)
	}
	// By weight 3 to 1, the order API's budget counts three times payment's;
	// the worst member is payment.
	weighted, worst := got["order-placement-weighted"], got["order-placement-worst"]
	if want := (3*orders.ExactRemaining + pay.ExactRemaining) / 4; math.Abs(weighted.ExactRemaining-want) > 0.001 || worst.ExactRemaining != pay.ExactRemaining {
		t.Errorf("weighted %.4f (want %.4f), worst %.4f (want payment's %.4f)", weighted.ExactRemaining, want, worst.ExactRemaining, pay.ExactRemaining)
	}
	// Reading the members' base increments costs the journey less than a
	// member's rules cost it.
	if jc, mc := res.Cost.ByGroup["slokit:order-placement:order-placement"].Mean, res.Cost.ByGroup["slokit:payment:payment-processing-availability"].Mean; jc == 0 || jc > mc {
		t.Errorf("the journey reads %v samples per cycle, a member %v", jc, mc)
	}
	t.Logf("samples per evaluation cycle: %+v by %s; by group %+v", res.Cost.SamplesPerEvaluation, res.Cost.Method, res.Cost.ByGroup)
}

// A payment outage (half its requests failing for 30 minutes, half of the
// journey's events) pages the journey within the 1h/5m tier's
// promise plus the minute it reads late, and the order API, whose
// requests all succeed, pages not at all.
const paymentOutage = `apiVersion: slokit.dev/v1
kind: Scenario
name: payment-outage
description: Payment fails half its requests for 30 minutes.
duration: 6h
series: 10
traffic: {rate: 20}
errors:
  baseline: {burn: 0.2}
  events:
    - {kind: step, start: 4h, duration: 30m, ratio: 0.5, service: payment}
incidents:
  - {start: 4h, duration: 30m}
`

func TestPaymentOutagePagesTheJourney(t *testing.T) {
	t.Parallel()
	sc, diags := scenario.Parse([]byte(paymentOutage))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	res, err := simulate.Run(context.Background(), simulate.Options{Scenario: sc, Services: services(t, journeySpecs), Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var journeyPage *simulate.AlertResult
	for i, a := range res.Alerts {
		if a.Firings == 0 {
			continue
		}
		switch a.Labels["service"] {
		case "order-api":
			t.Errorf("the order API's %s fired: its requests all succeed", simulate.AlertName(a))
		case "order-placement":
			if a.Page && a.Labels["window"] == "1h" {
				journeyPage = &res.Alerts[i]
			}
			if a.FalseFirings > 0 {
				t.Errorf("the journey's %s fired falsely %d times", simulate.AlertName(a), a.FalseFirings)
			}
		}
	}
	if journeyPage == nil || journeyPage.DetectionSeconds == nil {
		t.Fatalf("the journey's 1h/5m page did not detect the payment outage: %+v", res.Alerts)
	}
	// The member's 1h/5m page detects a 50% error ratio within a few
	// minutes; the journey's 25% (far over 14.4 x 0.1%) as soon, but for
	// the minute it reads its members late.
	if d := *journeyPage.DetectionSeconds; d > 6*60 {
		t.Errorf("the journey paged %.0f s after the outage began, want 6 minutes at most", d)
	}
	t.Logf("journey page after %.0f s", *journeyPage.DetectionSeconds)
}

// An OpenSLO composite SLO (three objectives, each over its own indicator,
// payment weighing twice) imports as three SLOs and a weighted journey over
// them; an incident of the checkout service then spends the journey's
// budget as the composite means: the members' error ratios by weight
// against their budgets by weight, within half a point of the exact figure.
const compositePaymentIncident = `apiVersion: slokit.dev/v1
kind: Scenario
name: composite-payment-incident
description: Checkout fails 2% of its requests for an hour.
duration: 1d
series: 5
traffic: {rate: 20}
errors:
  baseline: {burn: 0.2}
  events:
    - {kind: step, start: 12h, duration: 1h, ratio: 0.02, service: checkout}
`

func TestAnOpenSLOCompositeSpendsAsAWeightedJourney(t *testing.T) {
	t.Parallel()
	svcs, diags := slo.Load([]string{"../slo/importer/testdata/openslo-composite.good.yaml"})
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	_, got := budgetsWithinHalfAPoint(t, compositePaymentIncident, svcs)
	// Weights 1, 2 and 1; budgets 0.1%, 1% and 1%.
	members := []struct {
		slo            string
		weight, budget float64
	}{{"checkout-journey-api-errors", 1, 0.001}, {"checkout-journey-payment-errors", 2, 0.01}, {"checkout-journey-api-latency", 1, 0.01}}
	var errs, budgets float64
	for _, m := range members {
		b, ok := got[m.slo]
		if !ok {
			t.Fatalf("no member %s: %v", m.slo, got)
		}
		errs += m.weight * m.budget * (1 - b.ExactRemaining)
		budgets += m.weight * m.budget
	}
	j := got["checkout-journey"]
	if want := 1 - errs/budgets; len(got) != 4 || j.Objective != "99.225" || math.Abs(j.ExactRemaining-want) > 0.001 {
		t.Errorf("journey (objective %s) has %.4f left, want %.4f from its members'", j.Objective, j.ExactRemaining, want)
	}
	// The incident spends the journey's budget in part.
	if !(j.ExactRemaining > 0 && j.ExactRemaining < 0.95) {
		t.Errorf("the journey has %.4f left after the incident: want it spent in part", j.ExactRemaining)
	}
}

// budgetsWithinHalfAPoint runs a scenario over svcs and returns each SLO's
// budget by name, failing the test for an SLO whose recorded budget is
// missing or more than half a point from the exact figure.
func budgetsWithinHalfAPoint(t *testing.T, scenarioSpec string, svcs []*slo.Service) (*simulate.Result, map[string]simulate.BudgetResult) {
	t.Helper()
	sc, diags := scenario.Parse([]byte(scenarioSpec))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	res, err := simulate.Run(context.Background(), simulate.Options{Scenario: sc, Services: svcs, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]simulate.BudgetResult{}
	for _, b := range res.Budgets {
		got[b.SLO] = b
		if b.ReportedRemaining == nil {
			t.Fatalf("%s/%s recorded no budget: %+v", b.Service, b.SLO, b)
		}
		t.Logf("%s (%s%%): remaining %.4f, exact %.4f", b.SLO, b.Objective, *b.ReportedRemaining, b.ExactRemaining)
		if d := math.Abs(*b.ReportedRemaining - b.ExactRemaining); d > 0.005 {
			t.Errorf("%s: reported %.4f is %.2f points from exact %.4f", b.SLO, *b.ReportedRemaining, d*100, b.ExactRemaining)
		}
	}
	return res, got
}
