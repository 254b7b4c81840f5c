package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/series"
)

// promtool (a Prometheus 2 engine, ranges closed at both ends, every rule
// group evaluated at the same instants) runs the example platform's
// order-placement journey over the order API's and payment's rules, each
// from its own rule file as two teams would load them: every member's
// minute counts once in the journey's windows, a minute late, and a
// payment outage shows in the journey's burn rate at its share of the
// events.
func TestPromtoolTestRulesOnTheJourney(t *testing.T) {
	promtool := requireTool(t, "promtool", "prometheus")
	dir := t.TempDir()
	for _, spec := range []string{"order-api", "payment", "order-placement"} {
		rules := slokit(t, "generate", "-o", "-", "../specs/"+spec+".yaml")
		if err := os.WriteFile(filepath.Join(dir, spec+".yaml"), rules, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// 300 orders and 100 payments a scrape; from 2h, payment fails every
	// authorisation for 20 minutes.
	const (
		orders, payments = 300.0, 100.0
		steps            = 3 * 60 * 4
		outageStart      = 2 * time.Hour
		outageLen        = 20 * time.Minute
	)
	inOutage := func(i int) bool {
		t := time.Duration(i) * scrape
		return t > outageStart && t <= outageStart+outageLen
	}
	input := []inputSeries{
		{`http_requests_total{job="order-api",handler="/orders",instance="a",code="200"}`, counter(steps, func(int) float64 { return orders })},
		{`payment_authorisations_total{job="payment-gateway",provider="stripe",outcome="success"}`, counter(steps, func(i int) float64 {
			if inOutage(i) {
				return 0
			}
			return payments
		})},
		{`payment_authorisations_total{job="payment-gateway",provider="stripe",outcome="failure"}`, counter(steps, func(i int) float64 {
			if inOutage(i) {
				return payments
			}
			return 0
		})},
	}
	journey := `service="order-placement",slo="order-placement"`
	perMinute := 4 * (orders + payments)
	exprs := []exprTest{
		// An hour of the journey's increments: sixty minutes of both
		// members' events, each counted once.
		{Expr: `sum without (hour_parity, window) (sum_over_time(` + series.Total + `{` + journey + `,window="1m"}[59m30s]))`, EvalTime: "1h30m",
			ExpSamples: []sample{{Labels: `{` + journey + `}`, Value: 60 * perMinute}}},
		// Ten minutes into the outage, the journey's last five minutes
		// (its members' from 2h04m to 2h09m, read a minute late) are all
		// the outage's: a quarter of the events fail, 250 times the 0.1%
		// budget.
		{Expr: series.BurnRate + `{` + journey + `,window="5m"}`, EvalTime: "2h10m",
			ExpSamples: []sample{{Labels: series.BurnRate + `{` + journey + `,objective="99.9",window="5m"}`, Value: 4 * payments / perMinute / 0.001}}},
	}
	file := unitTestFile{
		RuleFiles:          []string{"order-api.yaml", "payment.yaml", "order-placement.yaml"},
		EvaluationInterval: "1m",
		Tests:              []unitTest{{Interval: scrape.String(), InputSeries: input, PromQLExprTests: exprs}},
	}
	data, err := yaml.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "journey_test.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "test", "rules", "journey_test.yaml")
	cmd.Dir = dir
	res, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(res), "SUCCESS") {
		t.Fatalf("promtool test rules: %v\n%s", err, res)
	}
}
