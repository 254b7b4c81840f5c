package slo

import (
	"testing"
	"time"
)

func TestWeeklyWindowsFollowLocalTime(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	w := MaintenanceWindow{Weekly: &WeeklyWindow{Day: time.Sunday, At: 2*time.Hour + 30*time.Minute, Duration: time.Hour, Location: berlin}}
	for _, tc := range []struct {
		at     string
		active bool
	}{
		{"2026-01-04T01:29:59Z", false}, // 02:29:59 CET
		{"2026-01-04T01:30:00Z", true},  // 02:30 CET
		{"2026-01-04T02:29:59Z", true},
		{"2026-01-04T02:30:00Z", false},
		{"2026-07-05T00:30:00Z", true}, // 02:30 CEST
		{"2026-07-05T01:30:00Z", false},
		{"2026-01-11T01:45:00Z", true}, // the next Sunday
		{"2026-01-10T01:45:00Z", false},
	} {
		at, _ := time.Parse(time.RFC3339, tc.at)
		if got := w.Active(at); got != tc.active {
			t.Errorf("%s: active %v, want %v", tc.at, got, tc.active)
		}
	}
	oneOff := MaintenanceWindow{Start: time.Date(2026, 12, 24, 2, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 24, 4, 0, 0, 0, time.UTC)}
	if !oneOff.Active(oneOff.Start) || oneOff.Active(oneOff.End) || oneOff.Active(oneOff.Start.Add(-time.Second)) {
		t.Error("a one-off window holds from its start, up to its end")
	}
}

func TestOccurrencesOverARange(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	w := MaintenanceWindow{Weekly: &WeeklyWindow{Day: time.Sunday, At: 2*time.Hour + 30*time.Minute, Duration: time.Hour, Location: berlin}}
	// Four Sundays from 2026-03-15 to 2026-04-06, across the change to
	// summer time on 2026-03-29 (whose 2h30 after midnight CET is 03:30
	// CEST): 01:30Z until then, 00:30Z after.
	from, to := time.Date(2026, 3, 15, 1, 45, 0, 0, time.UTC), time.Date(2026, 4, 6, 0, 0, 0, 0, time.UTC)
	got := w.Occurrences(from, to)
	want := []string{"2026-04-05T00:30:00Z", "2026-03-29T01:30:00Z", "2026-03-22T01:30:00Z", "2026-03-15T01:30:00Z"}
	if len(got) != len(want) {
		t.Fatalf("%d occurrences %v, want %v", len(got), got, want)
	}
	for i, o := range got {
		if s := o[0].UTC().Format(time.RFC3339); s != want[i] || o[1].Sub(o[0]) != time.Hour {
			t.Errorf("occurrence %d: %s to %s, want %s for an hour", i, s, o[1].UTC(), want[i])
		}
	}
	oneOff := MaintenanceWindow{Start: to.Add(-time.Hour), End: to.Add(time.Hour)}
	if len(oneOff.Occurrences(from, to)) != 1 || len(oneOff.Occurrences(from, to.Add(-2*time.Hour))) != 0 {
		t.Error("a one-off window occurs once when it overlaps the range, else never")
	}
}
