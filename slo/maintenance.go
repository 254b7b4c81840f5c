package slo

import "time"

// MaintenanceWindow is planned work during which an SLO's events count
// neither toward its SLI nor its budget, so no burn-rate alert fires
// because of them: a one-off window (Start to End) or a weekly one.
type MaintenanceWindow struct {
	Start, End time.Time // a one-off window; zero for a weekly one
	Weekly     *WeeklyWindow
	Reason     string
}

// WeeklyWindow recurs every week on Day at At after local midnight in
// Location, for Duration.
type WeeklyWindow struct {
	Day      time.Weekday
	At       time.Duration
	Duration time.Duration
	Location *time.Location
}

// Week is the length of a week, which weekly windows repeat over.
const Week = 7 * 24 * time.Hour

// Active reports whether t lies in the window.
func (w MaintenanceWindow) Active(t time.Time) bool {
	if w.Weekly == nil {
		return !t.Before(w.Start) && t.Before(w.End)
	}
	since := w.Weekly.SinceStart(t)
	return since >= 0 && since < w.Weekly.Duration
}

// SinceStart is how long after the window's latest start (this week's or
// last week's, by local time) t lies.
func (w WeeklyWindow) SinceStart(t time.Time) time.Duration {
	l := t.In(w.Location)
	midnight := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, w.Location)
	days := (int(l.Weekday()) - int(w.Day) + 7) % 7
	start := time.Date(midnight.Year(), midnight.Month(), midnight.Day()-days, 0, 0, 0, 0, w.Location).Add(w.At)
	if start.After(t) {
		start = time.Date(midnight.Year(), midnight.Month(), midnight.Day()-days-7, 0, 0, 0, 0, w.Location).Add(w.At)
	}
	return t.Sub(start)
}

// InMaintenance reports whether one of the SLO's windows holds t.
func (s *SLO) InMaintenance(t time.Time) bool {
	for _, w := range s.Maintenance {
		if w.Active(t) {
			return true
		}
	}
	return false
}

// maxOccurrences bounds the occurrences one call lists: a weekly window
// holds five times in the longest range the service shows (31 days).
const maxOccurrences = 60

// Occurrences are the times the window holds that overlap [from, to], as
// start and end, latest first.
func (w MaintenanceWindow) Occurrences(from, to time.Time) [][2]time.Time {
	if w.Weekly == nil {
		if w.End.After(from) && !w.Start.After(to) {
			return [][2]time.Time{{w.Start, w.End}}
		}
		return nil
	}
	var out [][2]time.Time
	for t := to; len(out) < maxOccurrences; {
		start := t.Add(-w.Weekly.SinceStart(t))
		end := start.Add(w.Weekly.Duration)
		if !end.After(from) {
			break
		}
		out = append(out, [2]time.Time{start, end})
		t = start.Add(-time.Nanosecond)
	}
	return out
}
