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
