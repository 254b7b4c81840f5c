package slo

import (
	"fmt"
	"time"
	// Calendar periods name IANA time zones; the binary carries the
	// database, since slokit's image is built FROM scratch.
	_ "time/tzdata"
)

// CalendarUnit is what a calendar period is aligned to.
type CalendarUnit string

// The calendar periods a spec can give as its period.
const (
	CalendarMonth CalendarUnit = "month" // from the 1st, 00:00
	CalendarWeek  CalendarUnit = "week"  // from Monday, 00:00 (ISO 8601)
)

// Calendar is a budget period aligned to the calendar in a time zone: the
// budget starts afresh at each period's start. Alerting windows stay
// rolling, since a burn rate is about the last hours whatever the date.
type Calendar struct {
	Unit     CalendarUnit
	Location *time.Location
}

// NominalPeriod is the length the alerting tiers and their guards are
// scaled to: 30 days for a month, 7 for a week.
func (c Calendar) NominalPeriod() time.Duration {
	if c.Unit == CalendarWeek {
		return 7 * 24 * time.Hour
	}
	return 30 * 24 * time.Hour
}

// Longest is the longest period: what a window must cover to hold every
// hour of the current one.
func (c Calendar) Longest() time.Duration {
	if c.Unit == CalendarWeek {
		return 7 * 24 * time.Hour
	}
	return 31 * 24 * time.Hour
}

// Start is the start of the period that holds t.
func (c Calendar) Start(t time.Time) time.Time {
	l := t.In(c.location())
	switch c.Unit {
	case CalendarWeek:
		days := (int(l.Weekday()) + 6) % 7 // days since Monday
		return time.Date(l.Year(), l.Month(), l.Day()-days, 0, 0, 0, 0, l.Location())
	default:
		return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, l.Location())
	}
}

// End is the end of the period that holds t, the next one's start.
func (c Calendar) End(t time.Time) time.Time {
	s := c.Start(t)
	if c.Unit == CalendarWeek {
		return time.Date(s.Year(), s.Month(), s.Day()+7, 0, 0, 0, 0, s.Location())
	}
	return time.Date(s.Year(), s.Month()+1, 1, 0, 0, 0, 0, s.Location())
}

func (c Calendar) location() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// TimeZone is the zone's IANA name ("UTC" when none is given).
func (c Calendar) TimeZone() string { return c.location().String() }

// LoadZone loads an IANA time zone by name for specs, imports, rules and
// flags alike. It refuses "" and "Local": both name the zone of whatever
// machine runs slokit, so the same spec would mean different hours on a
// laptop and in the cluster.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q names no fixed time zone", name)
	}
	return time.LoadLocation(name)
}

// OffsetChange is when a time zone's offset from UTC changes, and to what.
type OffsetChange struct {
	At     time.Time
	Offset time.Duration
}

// OffsetHorizon is the span over which rules follow a time zone's offset
// changes (daylight saving time): generated rules must not depend on the
// day they are generated, and twenty years of changes cost a few dozen
// comparisons in one rule.
var OffsetHorizon = [2]time.Time{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)}

// Offsets returns the zone's offset at the horizon's start and each change
// within it.
func (c Calendar) Offsets() (initial time.Duration, changes []OffsetChange) {
	return ZoneOffsets(c.location())
}

// ZoneOffsets returns the zone's offset from UTC at the start of
// OffsetHorizon and each change within it. A change is found to the second
// between hourly probes, which no zone changes twice within.
func ZoneOffsets(loc *time.Location) (initial time.Duration, changes []OffsetChange) {
	offset := func(t time.Time) time.Duration {
		_, s := t.In(loc).Zone()
		return time.Duration(s) * time.Second
	}
	from, to := OffsetHorizon[0], OffsetHorizon[1]
	initial = offset(from)
	prev := initial
	for t := from.Add(time.Hour); t.Before(to); t = t.Add(time.Hour) {
		o := offset(t)
		if o == prev {
			continue
		}
		lo, hi := t.Add(-time.Hour), t // offset(lo) == prev, offset(hi) == o
		for hi.Sub(lo) > time.Second {
			mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
			if offset(mid) == prev {
				lo = mid
			} else {
				hi = mid
			}
		}
		changes = append(changes, OffsetChange{At: hi, Offset: o})
		prev = o
	}
	return initial, changes
}

// checkWholeHours reports a zone whose offset is not a whole number of
// hours at some point of the horizon: its periods would start within an
// hour, which the hourly blocks the budget is summed from cannot split.
func (c Calendar) checkWholeHours() error {
	initial, changes := c.Offsets()
	bad := initial
	for _, ch := range changes {
		if ch.Offset%time.Hour != 0 {
			bad = ch.Offset
		}
	}
	if bad%time.Hour != 0 {
		return fmt.Errorf("%s is %s from UTC: calendar periods need a time zone whose offset is a whole number of hours", c.TimeZone(), bad)
	}
	return nil
}
