package simulate_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/slokit/slokit/internal/race"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/simulate"
)

// regionalFailover is the built-in regional-failover scenario at ten
// times its traffic: increase() extrapolates each base window's counters
// from the samples in it, which at 20 requests a second over two days of
// a 30-day budget moves a region's figure by up to half a point either
// way; the rules' own error is what the tests judge.
func regionalFailover(t testing.TB) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Lookup("regional-failover")
	if err != nil {
		t.Fatal(err)
	}
	own := *sc
	own.Traffic.Rate *= 10
	return &own
}

// Two regions, each with its Prometheus evaluating the edge tier, and a
// global evaluator the global tier, in one engine: an outage in eu-west-1
// pages that region within minutes and not the global budget, whose burn
// stays below the page's factor; the failover and eu-west-1's Prometheus
// down for 30 minutes while errors burn there leave every budget, each
// region's and the global one, within half a point of the exact figure.
func TestRegionalFailoverPagesTheRegionAndKeepsBudgetsExact(t *testing.T) {
	race.SkipComputeBound(t)
	t.Parallel()
	sc := regionalFailover(t)
	res := runScenario(t, sc)
	byRegion := map[string]simulate.BudgetResult{}
	for _, b := range res.Budgets {
		byRegion[b.Region] = b
		if b.ReportedRemaining == nil {
			t.Fatalf("no budget reported for region %q", b.Region)
		}
		t.Logf("region %q: remaining %.4f, exact %.4f", b.Region, *b.ReportedRemaining, b.ExactRemaining)
		if d := *b.ReportedRemaining - b.ExactRemaining; math.Abs(d) > 0.005 {
			t.Errorf("region %q: the budget is %.2f points off exact, want within 0.5", b.Region, d*100)
		}
	}
	if len(byRegion) != 3 {
		t.Fatalf("budgets %+v, want the global one and one per region", res.Budgets)
	}
	// eu-west-1 burnt its budget; us-east-1 kept its baseline's.
	if eu, us := byRegion["eu-west-1"].ExactRemaining, byRegion["us-east-1"].ExactRemaining; eu > 0 || math.Abs(us-0.8) > 0.01 {
		t.Errorf("exact budgets: eu-west-1 %.4f, us-east-1 %.4f; the scenario should burn eu-west-1's only", eu, us)
	}
	paged := map[string]float64{}
	for _, a := range res.Alerts {
		if a.Page && a.Firings > 0 {
			detection := math.Inf(1)
			if a.DetectionSeconds != nil {
				detection = *a.DetectionSeconds
			}
			t.Logf("%s fired %d time(s), detection %v s", simulate.AlertName(a), a.Firings, detection)
			if prev, seen := paged[a.Region]; !seen || detection < prev {
				paged[a.Region] = detection
			}
		}
	}
	if d, ok := paged["eu-west-1"]; !ok || d > (10*time.Minute).Seconds() {
		t.Errorf("eu-west-1 paged %v s after its outage began (paged: %v), want within 10 minutes", d, ok)
	}
	for _, region := range []string{"", "us-east-1"} {
		if _, ok := paged[region]; ok {
			t.Errorf("region %q paged: only eu-west-1 burns beyond a page's factor", region)
		}
	}
}

// eu-west-1's Prometheus goes dark: its scrapes and its edge rules stop,
// the global evaluator's do not; when it is back its edge records what
// the gap hid, once, and the global budget is what it is without the gap.
func TestARegionsDarkPrometheusIsRecovered(t *testing.T) {
	race.SkipComputeBound(t)
	t.Parallel()
	sc := regionalFailover(t)
	gap := sc.MonitoringGaps[0]
	if gap.Region != "eu-west-1" {
		t.Fatalf("the scenario's gap is of %q", gap.Region)
	}
	b, at, err := simulate.Replay(context.Background(), simulate.Options{Scenario: sc, Services: services(t, availability), Dir: t.TempDir()}, 0, gap.End()+10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	count := func(q string, ts time.Time) float64 {
		t.Helper()
		v, _, err := b.Engine.Query(context.Background(), q, ts)
		if err != nil {
			t.Fatal(err)
		}
		if len(v) == 0 {
			return 0
		}
		return v[0].F
	}
	end := b.Start().Add(gap.End())
	for q, want := range map[string]float64{
		`count_over_time(` + series.EdgeTotal + `{region="eu-west-1",recovered=""}[29m])`: 0,
		`count_over_time(` + series.EdgeTotal + `{region="us-east-1"}[29m])`:              29,
		`count_over_time(` + series.Total + `{region="",window="1m"}[29m])`:               29,
		`count_over_time(http_requests_total{region="eu-west-1"}[29m])`:                   0,
	} {
		if got := count(q, end.Add(-30*time.Second)); got != want {
			t.Errorf("during the gap, %s = %v, want %v", q, got, want)
		}
	}
	if got := count(`count_over_time(`+series.EdgeTotal+`{region="eu-west-1",recovered="gap"}[10m])`, at); got != 1 {
		t.Errorf("eu-west-1's edge recorded what the gap hid %v times, want once", got)
	}

	noGap := *sc
	noGap.MonitoringGaps = nil
	with, without := runScenario(t, sc), runScenario(t, &noGap)
	for i, b := range with.Budgets {
		o := without.Budgets[i]
		if b.ReportedRemaining == nil || o.ReportedRemaining == nil || b.Region != o.Region {
			t.Fatalf("budgets %+v and %+v", b, o)
		}
		t.Logf("region %q: remaining %.4f with the gap, %.4f without", b.Region, *b.ReportedRemaining, *o.ReportedRemaining)
		if d := *b.ReportedRemaining - *o.ReportedRemaining; math.Abs(d) > 0.005 {
			t.Errorf("region %q: the gap moved the budget %.2f points, want within 0.5", b.Region, d*100)
		}
	}
}
