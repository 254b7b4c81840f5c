package slo

import (
	"strings"
	"testing"
	"time"
)

func TestCalendarPeriods(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	month := Calendar{Unit: CalendarMonth, Location: time.UTC}
	week := Calendar{Unit: CalendarWeek, Location: time.UTC}
	berlinMonth := Calendar{Unit: CalendarMonth, Location: berlin}
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name       string
		c          Calendar
		at         string
		start, end string
		length     time.Duration
	}{
		{"the last second of a month", month, "2026-11-30T23:59:59Z", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", 30 * 24 * time.Hour},
		{"the first second of a month", month, "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z", 31 * 24 * time.Hour},
		{"February of a leap year", month, "2028-02-29T12:00:00Z", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z", 29 * 24 * time.Hour},
		{"February of another year", month, "2026-02-14T12:00:00Z", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z", 28 * 24 * time.Hour},
		{"a week from Monday", week, "2026-12-06T23:00:00Z", "2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z", 7 * 24 * time.Hour},
		{"a week over the year's end", week, "2027-01-01T08:00:00Z", "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z", 7 * 24 * time.Hour},
		// Berlin's March loses an hour on its last Sunday: 31 days less
		// one hour, from 23:00 UTC on the last day of February.
		{"a month with the spring change", berlinMonth, "2026-03-29T12:00:00Z", "2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z", 31*24*time.Hour - time.Hour},
		{"the first hour of April in Berlin", berlinMonth, "2026-03-31T22:30:00Z", "2026-03-31T22:00:00Z", "2026-04-30T22:00:00Z", 30 * 24 * time.Hour},
		{"a month with the autumn change", berlinMonth, "2026-10-15T00:00:00Z", "2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z", 31*24*time.Hour + time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := utc(tc.at)
			start, end := tc.c.Start(at), tc.c.End(at)
			if !start.Equal(utc(tc.start)) || !end.Equal(utc(tc.end)) {
				t.Errorf("period of %s: %s to %s, want %s to %s", tc.at, start.UTC(), end.UTC(), tc.start, tc.end)
			}
			if got := (&SLO{Calendar: &tc.c}).PeriodLength(at); got != tc.length {
				t.Errorf("length %s, want %s", got, tc.length)
			}
		})
	}
}

func TestOffsetChanges(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	initial, changes := Calendar{Unit: CalendarMonth, Location: berlin}.Offsets()
	if initial != time.Hour || len(changes) != 40 {
		t.Fatalf("Berlin from 2025: %s, %d changes, want +1h and two a year for 20 years", initial, len(changes))
	}
	// 2026: summer time from 01:00 UTC on 29 March to 01:00 UTC on 25 October.
	spring, autumn := changes[2], changes[3]
	if !spring.At.Equal(time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)) || spring.Offset != 2*time.Hour ||
		!autumn.At.Equal(time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)) || autumn.Offset != time.Hour {
		t.Errorf("2026 changes: %+v %+v", spring, autumn)
	}
	if initial, changes := (Calendar{Unit: CalendarWeek}).Offsets(); initial != 0 || len(changes) != 0 {
		t.Errorf("UTC has offset %s and %d changes", initial, len(changes))
	}
}

// A spec's time zone is a fixed IANA zone: "Local" (whatever machine runs
// slokit) is refused for a calendar period and a weekly window alike.
func TestLoadZoneRefusesTheMachinesZone(t *testing.T) {
	for _, name := range []string{"", "Local", "Mars/Olympus_Mons"} {
		if _, err := LoadZone(name); err == nil {
			t.Errorf("LoadZone(%q) loaded a zone", name)
		}
	}
	if loc, err := LoadZone("Europe/Berlin"); err != nil || loc.String() != "Europe/Berlin" {
		t.Errorf("LoadZone(Europe/Berlin): %v %v", loc, err)
	}
	spec := `apiVersion: slokit.dev/v1
kind: ServiceLevels
service: checkout
slos:
  - name: availability
    objective: 99.9
    period: calendar-month
    timezone: Local
    maintenance:
      - {reason: backups, weekly: {day: sunday, start: "03:00", duration: 1h, timezone: Local}}
    sli: {ratio: {errors: 'e{code="500"}', total: 'e'}}
`
	_, diags := Parse([]byte(spec))
	err := diags.Errors()
	for _, path := range []string{"slos[0].timezone", "slos[0].maintenance[0].weekly.timezone"} {
		if err == nil || !strings.Contains(err.Error(), path+`: "Local" is not an IANA time zone`) {
			t.Errorf("want an error at %s for Local, got %v", path, err)
		}
	}
}
