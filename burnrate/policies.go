package burnrate

import (
	"slices"
	"time"
)

// Named tier sets: the Workbook's table and the defaults of other SLO
// tools, so that a team can compare its own tiers with them on its
// history (slokit simulate's scorecard). Each is scaled to the period.
var namedTiers = map[string]func(period time.Duration) []Tier{
	// The Workbook's table of recommended parameters ("Alerting on
	// SLOs"): 2% of the budget in 1h and 5% in 6h page, 10% in 3d opens
	// a ticket.
	"workbook": func(period time.Duration) []Tier {
		return scaled(period, WorkbookPeriod, []Tier{workbookTiers[0], workbookTiers[1], workbookTiers[3]}, time.Minute)
	},
	// Sloth's defaults: the Workbook's four tiers, as slokit's.
	"sloth": func(period time.Duration) []Tier {
		return scaled(period, WorkbookPeriod, workbookTiers, time.Minute)
	},
	"pyrra": PyrraTiers,
}

// TierSetNames are the named tier sets, sorted.
func TierSetNames() []string {
	var out []string
	for k := range namedTiers {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// NamedTiers returns a named tier set scaled to period.
func NamedTiers(name string, period time.Duration) ([]Tier, bool) {
	f, ok := namedTiers[name]
	if !ok {
		return nil, false
	}
	return f(period), true
}

// PyrraTiers are Pyrra's fixed burn-rate alerts for a 28-day window,
// scaled to the SLO's window and rounded to the minute as Pyrra does:
// critical (page) at 14x over 1h/5m and 7x over 6h/30m, warning (ticket)
// at 2x over 1d/2h and 1x over 4d/6h, each with its for: duration.
func PyrraTiers(window time.Duration) []Tier {
	tier := func(sev Severity, factor float64, long, short, hold time.Duration) Tier {
		return Tier{Severity: sev, Factor: factor, Long: long, Short: short, For: hold}
	}
	return scaled(window, 28*24*time.Hour, []Tier{
		tier(Page, 14, time.Hour, 5*time.Minute, 2*time.Minute),
		tier(Page, 7, 6*time.Hour, 30*time.Minute, 15*time.Minute),
		tier(Ticket, 2, 24*time.Hour, 2*time.Hour, time.Hour),
		tier(Ticket, 1, 4*24*time.Hour, 6*time.Hour, 3*time.Hour),
	}, time.Minute)
}

// scaled scales tiers given for a period of from to period, rounding
// windows and for: durations to unit.
func scaled(period, from time.Duration, tiers []Tier, unit time.Duration) []Tier {
	scale := func(d time.Duration) time.Duration {
		return time.Duration(float64(period) / float64(from) * float64(d)).Round(unit)
	}
	out := make([]Tier, len(tiers))
	for i, t := range tiers {
		t.Long, t.Short, t.For = scale(t.Long), scale(t.Short), scale(t.For)
		out[i] = t
	}
	return out
}
