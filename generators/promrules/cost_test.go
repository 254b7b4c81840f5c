package promrules_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/internal/race"
	"github.com/slokit/slokit/series"
)

// costSetup loads the reference workload for rule cost: one 99.9% ratio SLO
// over 100 raw series behind total, 20 of them behind errors, scraped every
// 15 s for 30 days of diurnal traffic with error bursts at night, and the
// SLO's rules backfilled over all of it. It returns the engine, the
// evaluation time and the exact remaining budget at that time.
func costSetup(tb testing.TB) (*engine.Engine, time.Time, float64) {
	tb.Helper()
	end := epoch.Add(30*24*time.Hour + 2*time.Hour)
	e, l := referenceWorkload(tb, orderSpec("99.9"), end)
	exact := 1 - l.exactRatio(end.Add(-30*24*time.Hour), end)/0.001
	return e, end, exact
}

// referenceWorkload loads the reference workload's traffic from epoch to
// end for spec's SLO and backfills its rules.
func referenceWorkload(tb testing.TB, spec string, end time.Time) (*engine.Engine, *ledger) {
	tb.Helper()
	e, _ := newEngine(tb, spec)
	tr := traffic{
		start: epoch, end: end, scrape: 15 * time.Second,
		rate: diurnal(20, 8),
		errorRatio: func(t time.Time) float64 {
			if t.Hour() == 4 && t.Minute() < 15 {
				return 0.03
			}
			return 0.0003
		},
		okSeries: 80, errSeries: 20,
	}
	l := tr.load(tb, e)
	if err := e.Backfill(context.Background(), epoch, end.Add(-time.Minute)); err != nil {
		tb.Fatal(err)
	}
	return e, l
}

// A calendar month's budget is as exact, at the cost of the current
// month's blocks of both counts: measured late in January, the month with
// most of the workload's days, in Berlin's time zone.
func TestCalendarMonthBudgetIsExactAndItsCost(t *testing.T) {
	race.SkipComputeBound(t)
	if testing.Short() {
		t.Skip("27 days of 100 raw series")
	}
	t.Parallel()
	end := time.Date(2026, 1, 31, 22, 0, 0, 0, time.UTC) // 23:00 in Berlin
	e, l := referenceWorkload(t, fixture.OrderAPISpec(fixture.OrderAPIOptions{SLOYAML: "period: calendar-month\ntimezone: Europe/Berlin"}), end)
	samples, err := e.Eval(context.Background(), end)
	if err != nil {
		t.Fatal(err)
	}
	// The traffic starts on 5 January, after the month's start.
	exact := 1 - l.exactRatio(epoch, end)/0.001
	reported := queryValue(t, e, series.BudgetRemaining, end)
	t.Logf("samples read per evaluation cycle: %d; remaining budget for the month %.4f, exact %.4f", samples, reported, exact)
	if samples > 5000 {
		t.Errorf("one evaluation cycle read %d samples, want at most 5,000", samples)
	}
	if d := math.Abs(reported - exact); d > 0.005 {
		t.Errorf("remaining budget %.4f is %.2f points from exact %.4f", reported, d*100, exact)
	}
}

// TestThirtyDayBudgetIsExactAndCheap holds the recording layout to its
// promises on the reference workload: one evaluation cycle of all rules of
// one SLO reads at most 3,500 samples, and the remaining budget over the
// 30-day period is within half a point of the exact, traffic-weighted
// figure, although the error bursts come at night when an average of
// ratios would overweight them.
func TestThirtyDayBudgetIsExactAndCheap(t *testing.T) {
	race.SkipComputeBound(t)
	if testing.Short() {
		t.Skip("30 days of 100 raw series")
	}
	t.Parallel()
	e, end, exact := costSetup(t)
	samples, err := e.Eval(context.Background(), end)
	if err != nil {
		t.Fatal(err)
	}
	reported := queryValue(t, e, series.BudgetRemaining, end)
	t.Logf("samples read per evaluation cycle: %d; remaining budget %.4f, exact %.4f", samples, reported, exact)
	if samples > 3500 {
		t.Errorf("one evaluation cycle read %d samples, want at most 3,500", samples)
	}
	if samples < 1000 {
		t.Errorf("one evaluation cycle read only %d samples: the 30-day window cannot have been summed", samples)
	}
	if d := math.Abs(reported - exact); d > 0.005 {
		t.Errorf("remaining budget %.4f is %.2f points from exact %.4f", reported, d*100, exact)
	}
	// The mean of 5-minute ratios, as tools that average ratios report: the
	// workload must tell the two apart, or the check above proves little.
	meanOfRatios := queryValue(t, e, `1 - avg_over_time(`+series.BurnRate+`{window="5m"}[30d:5m])`, end)
	t.Logf("a mean of 5-minute ratios would report %.4f", meanOfRatios)
	if math.Abs(meanOfRatios-exact) < 0.05 {
		t.Errorf("the traffic is too even to tell a ratio of sums from a mean of ratios (%.4f vs %.4f)", meanOfRatios, exact)
	}
}

// BenchmarkRuleEvaluation reports samples read and time per evaluation
// cycle of one SLO's rules on the reference workload.
func BenchmarkRuleEvaluation(b *testing.B) {
	e, end, _ := costSetup(b)
	b.ResetTimer()
	var samples int64
	for b.Loop() {
		// Re-evaluating the same timestamp reads the same samples and
		// rewrites identical values, so every iteration costs the same.
		n, err := e.Eval(context.Background(), end)
		if err != nil {
			b.Fatal(err)
		}
		samples = n
	}
	b.ReportMetric(float64(samples), "samples/eval")
}
