// Package burnrate holds the arithmetic of multi-window, multi-burn-rate
// alerting from the Google SRE Workbook ("Alerting on SLOs"): which windows
// and burn-rate factors to alert on for a given SLO period, how much budget a
// tier stands for, and how many events a window must hold before its error
// ratio means anything. It is pure math: durations and numbers in, durations
// and numbers out, so every other package agrees on the same figures.
package burnrate

import (
	"math"
	"strconv"
	"time"
)

// Severity routes an alert: pages wake someone up, tickets wait for working
// hours.
type Severity string

// The two severities of the workbook's alerting policy.
const (
	Page   Severity = "page"
	Ticket Severity = "ticket"
)

// WorkbookPeriod is the SLO period the workbook's default windows are given
// for; other periods scale them so that each tier still stands for the same
// fraction of the budget.
const WorkbookPeriod = 30 * 24 * time.Hour

// BlockSize is the length of the aligned blocks from which windows longer
// than a block, and the SLO period, are summed (with the hour to date, so
// that they are exact and current to the base window). Reading one sample
// per hour instead of one per minute is what keeps a 30-day window cheap.
const BlockSize = time.Hour

// BlockWindowMin is the shortest window that specs must give in whole
// hours, as the default tiers round them.
const BlockWindowMin = 12 * time.Hour

// DefaultBaseWindow is the resolution at which raw counters are read.
const DefaultBaseWindow = time.Minute

// Tier is one multi-window burn-rate condition: the error rate must exceed
// Factor times the budgeted rate over both the Long and the Short window.
// The long window makes the alert significant; the short one makes it reset
// soon after the problem stops.
type Tier struct {
	Severity Severity
	Factor   float64
	Long     time.Duration
	Short    time.Duration
	For      time.Duration
}

// BudgetConsumed is the fraction of the period's error budget that burning
// at exactly the tier's factor for its long window spends.
func (t Tier) BudgetConsumed(period time.Duration) float64 {
	return Clean(t.Factor * t.Long.Seconds() / period.Seconds())
}

// ErrorRatioThreshold is the error ratio above which the tier fires, for an
// SLO whose error budget (1 - objective) is budget.
func (t Tier) ErrorRatioThreshold(budget float64) float64 {
	return Clean(t.Factor * budget)
}

// CanFire reports whether the tier's threshold is below 100% errors. At low
// objectives a high factor asks for more than every request to fail.
func (t Tier) CanFire(budget float64) bool {
	return t.ErrorRatioThreshold(budget) < 1
}

// workbookTiers are the workbook's recommendations for a 30-day period.
var workbookTiers = []Tier{
	{Severity: Page, Factor: 14.4, Long: time.Hour, Short: 5 * time.Minute},
	{Severity: Page, Factor: 6, Long: 6 * time.Hour, Short: 30 * time.Minute},
	{Severity: Ticket, Factor: 3, Long: 24 * time.Hour, Short: 2 * time.Hour},
	{Severity: Ticket, Factor: 1, Long: 72 * time.Hour, Short: 6 * time.Hour},
}

// DefaultTiers returns the workbook tiers with windows scaled from 30 days to
// period, so each tier still stands for 2%, 5%, 10% and 10% of the budget.
// Windows are rounded so they can be summed from recorded increments: to a
// multiple of base, and to whole hours from BlockWindowMin on.
func DefaultTiers(period, base time.Duration) []Tier {
	scale := float64(period) / float64(WorkbookPeriod)
	tiers := make([]Tier, len(workbookTiers))
	for i, t := range workbookTiers {
		t.Long = RoundWindow(time.Duration(float64(t.Long)*scale), base)
		t.Short = RoundWindow(time.Duration(float64(t.Short)*scale), base)
		tiers[i] = t
	}
	return tiers
}

// RoundWindow rounds a window to the nearest length the recording layout can
// sum exactly: a multiple of base (at least one base window), or whole hours
// when it is BlockWindowMin or longer.
func RoundWindow(w, base time.Duration) time.Duration {
	unit := base
	if w >= BlockWindowMin {
		unit = BlockSize
	}
	return max(w.Round(unit), base)
}

// FromBlocks reports whether a window is summed from hourly blocks rather
// than from base-window increments.
func FromBlocks(w time.Duration) bool {
	return w > BlockSize
}

// WindowValid reports whether a window can be summed exactly from the
// recorded increments for the given base window.
func WindowValid(w, base time.Duration) bool {
	if w <= 0 || base <= 0 {
		return false
	}
	if w >= BlockWindowMin {
		return w%BlockSize == 0
	}
	return w%base == 0
}

// MinEventsFloor is the least number of events a window must hold before a
// tier may fire on it, unless the SLO sets its own minimum.
const MinEventsFloor = 100

// DefaultMinEvents is the number of events the long window of a tier must
// hold before the tier may fire: MinEventsFloor, or more where that is
// needed so that a single failed request can never reach the threshold
// (695 events for the 14.4x tier at 99.99%). One error in ten night-time
// requests is a 10% error ratio but says nothing about the service.
func DefaultMinEvents(t Tier, budget float64) float64 {
	single := math.Ceil(1 / t.ErrorRatioThreshold(budget))
	return max(MinEventsFloor, single)
}

// Clean removes binary floating-point noise from a computed figure, so that
// 14.4 * 0.001 prints as 0.0144 and not 0.014400000000000001. Twelve
// significant digits are far beyond any precision an SLO needs.
func Clean(f float64) float64 {
	c, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 12, 64), 64)
	if err != nil {
		return f
	}
	return c
}
