package promrules_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/series"
)

// A calendar period's budget starts afresh at the period's start in the
// SLO's time zone, through a daylight-saving change and a leap day: the
// error ratio over the period to date equals the exact ratio of the
// requests since the later of the period's start (less the base window its
// first increment holds) and the traffic's.
func TestCalendarPeriodsStartAfresh(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, period, zone string
		from, boundary     time.Time // traffic from, and the period's start within it
		checks             []time.Duration
		previous           time.Time // the start of the period before, if within the traffic
	}{
		// Berlin's April starts at 22:00 UTC, in summer time, which began
		// on 29 March, during the traffic.
		{"a month in Berlin after the spring change", "calendar-month", "Europe/Berlin", utc("2026-03-28T20:00:00Z"), utc("2026-03-31T22:00:00Z"),
			[]time.Duration{-30 * time.Minute, 30 * time.Minute, 3 * time.Hour}, time.Time{}},
		// New York's week starts on Monday 9 March at 04:00 UTC, the day
		// after summer time began.
		{"a week in New York after the spring change", "calendar-week", "America/New_York", utc("2026-03-06T00:00:00Z"), utc("2026-03-09T04:00:00Z"),
			[]time.Duration{-time.Minute, time.Minute + 30*time.Second, 2 * time.Hour}, time.Time{}},
		// A leap year's February has 29 days: March starts after the 29th.
		{"February of a leap year", "calendar-month", "", utc("2028-02-27T00:00:00Z"), utc("2028-03-01T00:00:00Z"),
			[]time.Duration{-2 * time.Hour, 90 * time.Minute}, time.Time{}},
		// The third week of the traffic: the first week's blocks carry the
		// third's slot, and must have left its sum.
		{"the third week", "calendar-week", "", utc("2026-03-02T00:00:00Z"), utc("2026-03-16T00:00:00Z"),
			[]time.Duration{-time.Hour, 90 * time.Minute}, utc("2026-03-09T00:00:00Z")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			slo := "period: " + tc.period
			if tc.zone != "" {
				slo += "\ntimezone: " + tc.zone
			}
			e, svcs := newEngine(t, fixture.OrderAPISpec(fixture.OrderAPIOptions{SLOYAML: slo}))
			window := svcs[0].SLOs[0].BudgetWindow()
			last := tc.boundary.Add(tc.checks[len(tc.checks)-1])
			tr := traffic{
				start: tc.from, end: last, scrape: 15 * time.Second, rate: constant(20),
				errorRatio: func(t time.Time) float64 {
					if t.After(tc.boundary) {
						return 0.005
					}
					return 0.04
				},
				okSeries: 4, errSeries: 2,
			}
			l := tr.load(t, e)
			must(t, e.Backfill(context.Background(), tc.from, last))
			for _, d := range tc.checks {
				at := tc.boundary.Add(d)
				// The first increment of a period is recorded at its
				// first evaluation and holds the base window before it.
				since := tc.from
				if !tc.previous.IsZero() {
					since = tc.previous.Add(-time.Minute)
				}
				if d > 0 {
					since = tc.boundary.Add(-time.Minute)
				}
				got := queryValue(t, e, series.ErrorRatio+`{window="`+window+`"}`, at)
				want := l.exactRatio(since, at.Truncate(time.Minute))
				t.Logf("%s: error ratio over the %s to date %.5f, exact %.5f", at.Sub(tc.boundary), window, got, want)
				if math.Abs(got-want) > 0.001*want {
					t.Errorf("%s after the period's start: error ratio over the %s to date %.5f, want %.5f (exact since %s)", d, window, got, want, since)
				}
			}
		})
	}
}
