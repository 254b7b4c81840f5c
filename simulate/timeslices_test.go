package simulate_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/slokit/slokit/internal/race"
	"github.com/slokit/slokit/simulate"
)

// sliceSpec is a time-slice SLO of the order API judged by condition (the
// YAML under sli.timeslices, indented by 8).
func sliceSpec(noData, condition string) string {
	return fmt.Sprintf(`apiVersion: slokit.dev/v1
kind: ServiceLevels
service: order-api
scrapeInterval: 15s
slos:
  - name: p99-minutes
    objective: 99.5
    sli:
      timeslices:
        slice: 1m
        noData: %s
%s`, noData, condition)
}

const (
	percentileCondition = `        percentile:
          histogram: http_request_duration_seconds_bucket{job="order-api"}
          percentile: 99
          threshold: 500ms
`
	ratioCondition = `        ratio:
          errors: http_requests_total{job="order-api",code=~"5.."}
          total: http_requests_total{job="order-api"}
          target: 99
`
	// OpenSLO's RatioTimeslices: each minute counts as its share of bad
	// requests.
	ratioShareCondition = `        ratio:
          good: http_requests_total{job="order-api",code!~"5.."}
          total: http_requests_total{job="order-api"}
`
	gaugeCondition = `        gauge:
          selector: order_api_error_ratio{job="order-api"}
          aggregation: max
          max: 0.01
`
)

// The budgets of time-slice SLOs, as their rules record them on the
// Prometheus engine, are the slices' own: each slice judged from the
// scenario's true counts of the scrapes in it (a percentile of the
// histogram, a ratio against a target, a ratio's share, a gauge's
// greatest value) and counted as the policy for slices without data says.
// The regional failover has eu-west-1's Prometheus down for 30 minutes:
// its slices are not judged, the one after it has no data.
func TestTimeSliceBudgetsAreTheSlices(t *testing.T) {
	race.SkipComputeBound(t)
	t.Parallel()
	for _, c := range []struct{ name, condition, noData, scenario string }{
		{"percentile", percentileCondition, "skip", "outage"},
		{"percentile flapping", percentileCondition, "skip", "flapping"},
		{"ratio", ratioCondition, "good", "fast-burn"},
		{"ratio share", ratioShareCondition, "skip", "flapping"},
		{"gauge", gaugeCondition, "bad", "outage"},
		{"percentile by region, no data bad", percentileCondition, "bad", "regional-failover"},
		{"gauge by region, no data good", gaugeCondition, "good", "regional-failover"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := run(t, c.scenario, simulate.Options{Services: services(t, sliceSpec(c.noData, c.condition))})
			if len(res.Budgets) == 0 {
				t.Fatal("no budget")
			}
			for _, b := range res.Budgets {
				t.Logf("%s %s: reported %v, exact %v", b.SLO, b.Region, *b.ReportedRemaining, b.ExactRemaining)
				if b.ReportedRemaining == nil || math.Abs(*b.ReportedRemaining-b.ExactRemaining) > 1e-4 || b.Region == "" && b.ExactRemaining > 0.99 {
					t.Errorf("%s: reported %v, the slices say %v", b.Region, b.ReportedRemaining, b.ExactRemaining)
				}
			}
			if pages := fired(res, "page"); len(pages) == 0 {
				t.Error("no page")
			}
		})
	}
}

// A 15-minute outage is 15 bad minutes: at 99.5% of a month's minutes
// (216 may be bad), the 14.4x tier over an hour fires at its fifth (7.2%
// of 60), and resets five minutes after the last (its 5m short window).
func TestAnOutagePagesOnTheFifthBadMinute(t *testing.T) {
	t.Parallel()
	res := run(t, "outage", simulate.Options{Services: services(t, sliceSpec("skip", percentileCondition))})
	for _, a := range fired(res, "page") {
		if a.Labels["window"] != "1h" {
			continue
		}
		if a.Firings != 1 || a.DetectionSeconds == nil || *a.DetectionSeconds != 300 || a.ResetSeconds == nil || *a.ResetSeconds != 300 {
			t.Errorf("the 1h page: %d firings, detection %v s, reset %v s; want one, after 300 s, reset 300 s after", a.Firings, deref(a.DetectionSeconds), deref(a.ResetSeconds))
		}
		return
	}
	t.Error("the 1h tier never paged")
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// Over a month, the p99 minutes' budget is the slices' to half a point,
// read at a cost this test reports.
func TestTimeSliceMonthIsExact(t *testing.T) {
	race.SkipComputeBound(t)
	if testing.Short() {
		t.Skip("30 days")
	}
	t.Parallel()
	res := run(t, "healthy-30d", simulate.Options{Services: services(t, sliceSpec("skip", percentileCondition))})
	b := res.Budgets[0]
	t.Logf("remaining budget: reported %v, exact %v; %v samples per evaluation (max %v)",
		*b.ReportedRemaining, b.ExactRemaining, res.Cost.SamplesPerEvaluation.Mean, res.Cost.SamplesPerEvaluation.Max)
	if d := math.Abs(*b.ReportedRemaining - b.ExactRemaining); d > 0.005 || b.ExactRemaining > 0.99 {
		t.Errorf("reported %v is %.2f points from exact %v", *b.ReportedRemaining, d*100, b.ExactRemaining)
	}
	if !strings.Contains(fmt.Sprint(res.Cost.ByGroup), "p99-minutes") || res.Cost.SamplesPerEvaluation.Max > 2000 {
		t.Errorf("cost %+v", res.Cost)
	}
}
