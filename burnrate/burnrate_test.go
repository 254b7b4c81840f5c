package burnrate_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/slokit/slokit/burnrate"
)

const day = 24 * time.Hour

func TestDefaultTiersKeepTheWorkbookBudgetFractions(t *testing.T) {
	for _, tc := range []struct {
		period time.Duration
		want   []burnrate.Tier
	}{
		{30 * day, []burnrate.Tier{
			{Severity: burnrate.Page, Factor: 14.4, Long: time.Hour, Short: 5 * time.Minute},
			{Severity: burnrate.Page, Factor: 6, Long: 6 * time.Hour, Short: 30 * time.Minute},
			{Severity: burnrate.Ticket, Factor: 3, Long: day, Short: 2 * time.Hour},
			{Severity: burnrate.Ticket, Factor: 1, Long: 3 * day, Short: 6 * time.Hour},
		}},
		{28 * day, []burnrate.Tier{
			{Severity: burnrate.Page, Factor: 14.4, Long: 56 * time.Minute, Short: 5 * time.Minute},
			{Severity: burnrate.Page, Factor: 6, Long: 5*time.Hour + 36*time.Minute, Short: 28 * time.Minute},
			{Severity: burnrate.Ticket, Factor: 3, Long: 22 * time.Hour, Short: time.Hour + 52*time.Minute},
			{Severity: burnrate.Ticket, Factor: 1, Long: 67 * time.Hour, Short: 5*time.Hour + 36*time.Minute},
		}},
		{7 * day, []burnrate.Tier{
			{Severity: burnrate.Page, Factor: 14.4, Long: 14 * time.Minute, Short: time.Minute},
			{Severity: burnrate.Page, Factor: 6, Long: time.Hour + 24*time.Minute, Short: 7 * time.Minute},
			{Severity: burnrate.Ticket, Factor: 3, Long: 5*time.Hour + 36*time.Minute, Short: 28 * time.Minute},
			{Severity: burnrate.Ticket, Factor: 1, Long: 17 * time.Hour, Short: time.Hour + 24*time.Minute},
		}},
	} {
		t.Run(fmt.Sprint(tc.period), func(t *testing.T) {
			got := burnrate.DefaultTiers(tc.period, time.Minute)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
			for i, tier := range got {
				if !burnrate.WindowValid(tier.Long, time.Minute) || !burnrate.WindowValid(tier.Short, time.Minute) {
					t.Errorf("tier %d has windows the recording layout cannot sum: %v", i, tier)
				}
			}
		})
	}
}

func TestBudgetConsumedPerTier(t *testing.T) {
	want := []float64{0.02, 0.05, 0.1, 0.1}
	for i, tier := range burnrate.DefaultTiers(30*day, time.Minute) {
		if got := tier.BudgetConsumed(30 * day); got != want[i] {
			t.Errorf("tier %d spends %v of the budget, want %v", i, got, want[i])
		}
	}
}

func TestThresholdsAndReachability(t *testing.T) {
	page := burnrate.Tier{Severity: burnrate.Page, Factor: 14.4, Long: time.Hour, Short: 5 * time.Minute}
	for _, tc := range []struct {
		budget    float64
		threshold float64
		canFire   bool
		minEvents float64
	}{
		{0.001, 0.0144, true, 100},      // 99.9%: one error in 70 requests would fire; the floor is higher
		{0.0001, 0.00144, true, 695},    // 99.99%: no single error may reach 0.144%
		{0.05, 0.72, true, 100},         // 95%
		{0.07, 1.008, false, 100},       // 93%: needs more than every request to fail
		{0.1, 1.44, false, 100},         // 90%
		{0.00001, 0.000144, true, 6945}, // 99.999%
	} {
		if got := page.ErrorRatioThreshold(tc.budget); got != tc.threshold {
			t.Errorf("budget %v: threshold %v, want %v", tc.budget, got, tc.threshold)
		}
		if got := page.CanFire(tc.budget); got != tc.canFire {
			t.Errorf("budget %v: CanFire %v, want %v", tc.budget, got, tc.canFire)
		}
		if got := burnrate.DefaultMinEvents(page, tc.budget); got != tc.minEvents {
			t.Errorf("budget %v: min events %v, want %v", tc.budget, got, tc.minEvents)
		}
	}
}

func TestRoundWindow(t *testing.T) {
	for _, tc := range []struct{ in, base, want time.Duration }{
		{70 * time.Second, time.Minute, time.Minute},
		{10 * time.Second, time.Minute, time.Minute},
		{10 * time.Second, 5 * time.Minute, 5 * time.Minute},
		{7 * time.Minute, 5 * time.Minute, 5 * time.Minute},
		{16*time.Hour + 48*time.Minute, time.Minute, 17 * time.Hour},
		{11*time.Hour + 59*time.Minute, time.Minute, 11*time.Hour + 59*time.Minute},
	} {
		if got := burnrate.RoundWindow(tc.in, tc.base); got != tc.want {
			t.Errorf("RoundWindow(%v, %v) = %v, want %v", tc.in, tc.base, got, tc.want)
		}
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{
		{14.4 * 0.001, 0.0144},
		{1 - 0.999, 0.001},
		{0.1 + 0.2, 0.3},
		{2592000, 2592000},
	} {
		if got := burnrate.Clean(tc.in); got != tc.want {
			t.Errorf("Clean(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
