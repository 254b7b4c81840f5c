package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/series"
)

// This test writes a `promtool test rules` file for the example specs and
// runs Debian's promtool, a Prometheus 2 engine, on slokit's generated
// rules. Prometheus 2 selects ranges closed at both ends where Prometheus 3
// (the in-process engine of the other tests) leaves them open on the left,
// so this is where the half-step-short ranges prove themselves: summed
// windows must hold exactly window/step increments in both.
//
// promtool's engine refuses queries over 10,000 samples, so the input is a
// few hours of traffic; 30-day behaviour is tested in process.

const scrape = 15 * time.Second

// counter renders a counter sampled every scrape as promtool series values,
// from its increment in each scrape interval.
func counter(steps int, inc func(i int) float64) string {
	vals := make([]string, steps+1)
	v := 0.0
	for i := 0; i <= steps; i++ {
		if i > 0 {
			v += inc(i)
		}
		vals[i] = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strings.Join(vals, " ")
}

type inputSeries struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type sample struct {
	Labels string  `yaml:"labels"`
	Value  float64 `yaml:"value"`
}

type exprTest struct {
	Expr       string   `yaml:"expr"`
	EvalTime   string   `yaml:"eval_time"`
	ExpSamples []sample `yaml:"exp_samples"`
}

type expAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

type alertTest struct {
	EvalTime  string     `yaml:"eval_time"`
	Alertname string     `yaml:"alertname"`
	ExpAlerts []expAlert `yaml:"exp_alerts"`
}

type unitTest struct {
	Interval         string        `yaml:"interval"`
	InputSeries      []inputSeries `yaml:"input_series"`
	PromQLExprTests  []exprTest    `yaml:"promql_expr_test"`
	AlertRuleTests   []alertTest   `yaml:"alert_rule_test"`
	ExternalURL      string        `yaml:"external_url,omitempty"`
	EvaluationWindow string        `yaml:"evaluation_interval,omitempty"`
}

type unitTestFile struct {
	RuleFiles          []string   `yaml:"rule_files"`
	EvaluationInterval string     `yaml:"evaluation_interval"`
	Tests              []unitTest `yaml:"tests"`
}

// humanizeDuration is Prometheus's template function of that name, for
// durations of a second or more.
func humanizeDuration(v float64) string {
	s := int64(v)
	days, hours, minutes, seconds := s/86400, s/3600%24, s/60%60, s%60
	switch {
	case days != 0:
		return fmt.Sprintf("%dd %dh %dm %ds", days, hours, minutes, seconds)
	case hours != 0:
		return fmt.Sprintf("%dh %dm %ds", hours, minutes, seconds)
	case minutes != 0:
		return fmt.Sprintf("%dm %ds", minutes, seconds)
	}
	return fmt.Sprintf("%.4gs", v)
}

func TestPromtoolTestRulesOnExampleSpecs(t *testing.T) {
	promtool := requireTool(t, "promtool", "prometheus")
	dir := t.TempDir()
	rules := slokit(t, "generate", "-o", "-", "../specs/order-api.yaml", "../specs/menu.yaml")
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), rules, 0o644); err != nil {
		t.Fatal(err)
	}

	// Order placement: 20 requests/s (300 per scrape), a full outage in
	// (3h, 3h15m]. Latency, healthy: 0.5% of requests over 500ms, 0.05%
	// over 2s, with the 2s bucket spelled le="2.0" as Prometheus 3 stores
	// it. Counts are whole numbers so that every expected ratio is exact.
	const (
		perScrape   = 300.0
		perMinute   = perScrape * 4
		steps       = 4 * 60 * 4 // four hours of scrapes
		outageStart = 3 * time.Hour
		outageLen   = 15 * time.Minute
	)
	inOutage := func(i int) bool {
		t := time.Duration(i) * scrape
		return t > outageStart && t <= outageStart+outageLen
	}
	const orders = `http_requests_total{job="order-api",handler="/orders",instance="a",code="%s"}`
	const buckets = `http_request_duration_seconds_bucket{job="order-api",handler="/orders",instance="a",le="%s"}`
	input := []inputSeries{
		{fmt.Sprintf(orders, "200"), counter(steps, func(i int) float64 {
			if inOutage(i) {
				return 0
			}
			return perScrape
		})},
		{fmt.Sprintf(orders, "503"), counter(steps, func(i int) float64 {
			if inOutage(i) {
				return perScrape
			}
			return 0
		})},
		{fmt.Sprintf(buckets, "0.5"), counter(steps, func(int) float64 { return 3980 })},
		{fmt.Sprintf(buckets, "2.0"), counter(steps, func(int) float64 { return 3998 })},
		{fmt.Sprintf(buckets, "+Inf"), counter(steps, func(int) float64 { return 4000 })},
	}
	// The menu probe fails one scrape in 400 (0.25%, half its budget).
	probe := make([]string, steps+1)
	for i := range probe {
		probe[i] = "1"
		if i%400 == 399 {
			probe[i] = "0"
		}
	}
	input = append(input, inputSeries{`probe_success{job="blackbox",target="menu"}`, strings.Join(probe, " ")})

	avail := `service="order-api",slo="order-placement-availability"`
	latency := `service="order-api",slo="order-placement-latency"`
	menu := `service="menu",slo="menu-browsing-probe"`
	// burn is a burn rate as the rules compute it, in float64 (a constant
	// expression would be exact, and differ in the last digit).
	burn := func(errs, total, budget float64) float64 { return errs / total / budget }
	exprs := []exprTest{
		// Windows summed from 1-minute increments hold exactly their
		// minutes: 72000 in 1h, not the 73200 a closed [1h] range would sum.
		{Expr: `sum without (hour_parity, window) (sum_over_time(` + series.Total + `{` + avail + `,window="1m"}[59m30s]))`, EvalTime: "2h30m",
			ExpSamples: []sample{{Labels: `{` + avail + `}`, Value: 60 * perMinute}}},
		// Day-long windows are current to the minute: the hourly blocks of
		// the first three hours and the half hour since.
		{Expr: series.Total + `{` + avail + `,window="1d"}`, EvalTime: "3h30m",
			ExpSamples: []sample{{Labels: series.Total + `{` + avail + `,window="1d"}`, Value: 210 * perMinute}}},
		// Five minutes into the outage, the 5-minute window holds only
		// its minutes: an error ratio of 1, 2000 times the 0.05% budget.
		{Expr: series.BurnRate + `{` + avail + `,window="5m"}`, EvalTime: "3h5m",
			ExpSamples: []sample{{Labels: series.BurnRate + `{` + avail + `,objective="99.95",window="5m"}`, Value: burn(1, 1, 0.0005)}}},
		{Expr: series.BurnRate + `{` + latency + `,window="5m"}`, EvalTime: "1h",
			ExpSamples: []sample{
				{Labels: series.BurnRate + `{` + latency + `,objective="99.9",threshold="2s",window="5m"}`, Value: burn(40, 80000, 0.001)},
				{Labels: series.BurnRate + `{` + latency + `,objective="99",threshold="500ms",window="5m"}`, Value: burn(400, 80000, 0.01)},
			}},
		// Each scrape is an event for a bool gauge, counted once although
		// promtool's samples fall exactly on window boundaries: in the
		// 28 minutes before 2h, samples 369 to 480, one (399) failed.
		{Expr: series.BurnRate + `{` + menu + `,window="28m"}`, EvalTime: "2h",
			ExpSamples: []sample{{Labels: series.BurnRate + `{` + menu + `,objective="99.5",window="28m"}`, Value: burn(1, 112, 0.005)}}},
	}

	// Alerts, with their annotations rendered by the real template engine,
	// including the query lookups of remaining budget and time left.
	const budget = 0.0005 // 99.95%
	const period = 30 * 24 * 3600.0
	baseLabels := map[string]string{"service": "order-api", "slo": "order-placement-availability", "objective": "99.95",
		"team": "checkout", "tier": "0"}
	// alert is the alert of a tier with errs errors in total requests over
	// its long window, when errors in all requests so far have spent the
	// budget's share spent (a run of hours holds a sliver of the 30-day
	// budget, so an outage spends it many times over).
	alert := func(severity, priority, long, short string, factor, consumed string, errs, total, spent float64) expAlert {
		labels := map[string]string{"window": long, "severity": severity, "priority": priority}
		for k, v := range baseLabels {
			labels[k] = v
		}
		burn := errs / total / budget
		value := strconv.FormatFloat(burn, 'f', 6, 64)
		left, _ := strconv.ParseFloat(value, 64)
		gone := "The budget is exhausted."
		if spent < 1 {
			gone = "At this rate it is gone in " + humanizeDuration((1-spent)*period/left) + "."
		}
		return expAlert{
			ExpLabels: labels,
			ExpAnnotations: map[string]string{
				"summary": fmt.Sprintf("order-api/order-placement-availability is burning its 99.95%% error budget %.1fx too fast (%s)", burn, severity),
				"description": fmt.Sprintf("The error ratio of order-api/order-placement-availability over the last %s is %.1fx what its 99.95%% objective allows, and above %sx over the last %s too. "+
					"Burning at %sx spends %s%% of the 30d error budget in %s. %.4g%% of the budget is spent. %s",
					long, burn, factor, short, factor, consumed, long, spent*100, gone),
				"runbook_url": "https://runbooks.example.com/order-api/availability",
			},
		}
	}
	// With m minutes of the outage in the windows, since minutes after the
	// start: every window of 6h and more, the period included, holds all
	// requests so far, being current to the minute.
	tiers := func(m, since int, pages bool) []expAlert {
		errs, total := float64(m)*perMinute, float64(since)*perMinute
		spent := errs / total / budget
		var out []expAlert
		if pages {
			out = append(out,
				alert("page", "P0", "1h", "5m", "14.4", "2", errs, 60*perMinute, spent),
				alert("page", "P0", "6h", "30m", "6", "5", errs, total, spent))
		}
		// Tickets open within a minute too: their windows are current.
		return append(out,
			alert("ticket", "P2", "1d", "2h", "3", "10", errs, total, spent),
			alert("ticket", "P2", "3d", "6h", "1", "10", errs, total, spent))
	}
	alerts := []alertTest{
		{EvalTime: "2h59m", Alertname: "SLOErrorBudgetBurn"},
		{EvalTime: "3h1m", Alertname: "SLOErrorBudgetBurn", ExpAlerts: tiers(1, 181, true)},
		// Near its end, the outage still pages on both tiers.
		{EvalTime: "3h14m", Alertname: "SLOErrorBudgetBurn", ExpAlerts: tiers(14, 194, true)},
		// Six minutes after recovery both pages have reset: a page is for
		// a budget burning now, and the SLO's shortest window (5m) is
		// clean, although the 6h tier's own 30m window still holds the
		// outage. The tickets stay open.
		{EvalTime: "3h21m", Alertname: "SLOErrorBudgetBurn", ExpAlerts: tiers(15, 201, false)},
	}

	file := unitTestFile{
		RuleFiles:          []string{"rules.yaml"},
		EvaluationInterval: "1m",
		Tests: []unitTest{{
			Interval:        scrape.String(),
			InputSeries:     input,
			PromQLExprTests: exprs,
			AlertRuleTests:  alerts,
		}},
	}
	data, err := yaml.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	testFile := filepath.Join(dir, "order-api_test.yaml")
	if err := os.WriteFile(testFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "test", "rules", "order-api_test.yaml")
	cmd.Dir = dir
	res, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules failed: %v\n%s", err, res)
	}
	if !strings.Contains(string(res), "SUCCESS") {
		t.Fatalf("promtool did not report success:\n%s", res)
	}
}
