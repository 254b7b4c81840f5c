package promrules_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/internal/race"
	"github.com/slokit/slokit/series"
)

const day = 24 * time.Hour

// Windows of whole days add daily blocks up, and the hourly blocks of
// their first and last days only. They hold what the hourly blocks over
// the window add up to, exactly: after each midnight (the day's first
// evaluation records the day before), through a monitoring gap over a
// midnight (the first evaluation after it records the day before), and on
// either parity of the day the window began in.
func TestDailyBlocksAddUpAsHourlyBlocks(t *testing.T) {
	race.SkipComputeBound(t)
	t.Parallel()
	e, svcs := newEngine(t, fixture.OrderAPISpec(fixture.OrderAPIOptions{SLOYAML: "period: 7d"}))
	start := epoch
	end := epoch.Add(10*day + 3*time.Hour)
	gapFrom, gapTo := epoch.Add(3*day-20*time.Minute), epoch.Add(3*day+40*time.Minute)
	tr := traffic{start: start, end: end, scrape: 15 * time.Second, rate: diurnal(5, 4),
		errorRatio: func(t time.Time) float64 {
			if t.Hour() == 23 || t.Hour() == 0 {
				return 0.01 // errors around midnight, where days meet
			}
			return 0.0005
		},
		okSeries: 3, errSeries: 1}
	tr.load(t, e)
	down := func(t time.Time) bool { return !t.Before(gapFrom) && t.Before(gapTo) }
	must(t, e.BackfillExcept(context.Background(), start, end, down))

	id := fmt.Sprintf(`{service=%q,slo=%q}`, svcs[0].SLOs[0].Service, svcs[0].SLOs[0].Name)
	week := 7 * day
	// The same window from the hourly blocks, as windows of less than a
	// week are summed.
	fromHours := func(htd, hourly string) string {
		return fmt.Sprintf(`%[1]s%[3]s + (sum without (day_parity) (sum_over_time(%[2]s%[3]s[%[4]s])) or 0 * %[1]s%[3]s) - (%[1]s%[3]s offset 7d or 0 * %[1]s%[3]s)`,
			htd, hourly, id, "6d23h59m30s")
	}
	checks := []time.Duration{7*day + 30*time.Second, 8 * day, 8*day + time.Minute, 8*day + 13*time.Hour + 17*time.Minute, 9 * day, 9*day + 2*time.Hour}
	// A week after the gap, its midnight's blocks lie at the window's start.
	checks = append(checks, gapTo.Sub(epoch)+week, gapFrom.Sub(epoch)+week-time.Minute)
	daily := 0
	for _, c := range checks {
		at := epoch.Add(c).Truncate(time.Minute)
		total := queryValue(t, e, series.Total+`{window="1w"}`, at)
		want := queryValue(t, e, fromHours(series.HourToDateTotal, series.HourlyTotal), at)
		if math.Abs(total-want) > 1e-6*want {
			t.Errorf("%s: events over 7d from daily blocks %.3f, from hourly blocks %.3f", at, total, want)
		}
		ratio := queryValue(t, e, series.ErrorRatio+`{window="1w"}`, at)
		errs := queryValue(t, e, fromHours(series.HourToDateErrors, series.HourlyErrors), at)
		if math.Abs(ratio-errs/want) > 1e-9 {
			t.Errorf("%s: error ratio over 7d from daily blocks %.6f, from hourly blocks %.6f", at, ratio, errs/want)
		}
		v, _, err := e.Query(context.Background(), `count_over_time(`+series.DailyTotal+`[7d])`, at)
		must(t, err)
		if len(v) == 1 {
			daily = int(v[0].F)
		}
	}
	// A daily block for each day of the last week.
	if daily != 7 {
		t.Errorf("%d daily blocks within the last week, want 7", daily)
	}
}
