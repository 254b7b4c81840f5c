package slo

import (
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// maxMaintenanceWindows bounds the windows of a service and of an SLO:
// each is a few comparisons in every evaluation of the SLO's rules.
const maxMaintenanceWindows = 50

// maxOneOffMaintenance bounds a one-off window: longer planned work is not
// maintenance, and leaving out a week's events would hide a real outage.
const maxOneOffMaintenance = 7 * 24 * time.Hour

// weekdays are the days a weekly window names.
var weekdays = map[string]time.Weekday{"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday, "sunday": time.Sunday}

// convertMaintenance reads maintenance windows: one-off (start and end,
// RFC 3339) or weekly (day, start time, duration, time zone).
func (c *converter) convertMaintenance(in []specMaintenance, path string) []MaintenanceWindow {
	if len(in) > maxMaintenanceWindows {
		c.Fail(path, "%d windows, at most %d: remove the windows that are over", len(in), maxMaintenanceWindows)
		return nil
	}
	var out []MaintenanceWindow
	for i, m := range in {
		p := fmt.Sprintf("%s[%d]", path, i)
		w := MaintenanceWindow{Reason: m.Reason}
		if m.Reason == "" {
			c.Fail(p+".reason", "missing: say what the work is, for whoever wonders why the events are left out")
		}
		switch {
		case m.Weekly != nil && (m.Start != "" || m.End != ""):
			c.Fail(p, "give either start and end (one-off) or weekly, not both")
			continue
		case m.Weekly != nil:
			weekly, ok := c.convertWeekly(m.Weekly, p+".weekly")
			if !ok {
				continue
			}
			w.Weekly = weekly
		default:
			start, errStart := time.Parse(time.RFC3339, m.Start)
			end, errEnd := time.Parse(time.RFC3339, m.End)
			switch {
			case errStart != nil:
				c.Fail(p+".start", "must be a time with its zone such as 2026-12-24T02:00:00Z, got %q", m.Start)
				continue
			case errEnd != nil:
				c.Fail(p+".end", "must be a time with its zone such as 2026-12-24T04:00:00+01:00, got %q", m.End)
				continue
			case !end.After(start):
				c.Fail(p+".end", "must be after start (%s)", m.Start)
				continue
			case end.Sub(start) > maxOneOffMaintenance:
				c.Fail(p+".end", "the window lasts %s, at most %s: leaving out longer would hide a real outage", model.Duration(end.Sub(start)), model.Duration(maxOneOffMaintenance))
				continue
			}
			w.Start, w.End = start.UTC(), end.UTC()
		}
		out = append(out, w)
	}
	return out
}

func (c *converter) convertWeekly(in *specWeekly, path string) (*WeeklyWindow, bool) {
	w := &WeeklyWindow{Location: time.UTC}
	ok := true
	day, known := weekdays[strings.ToLower(in.Day)]
	if !known {
		c.Fail(path+".day", "must be a day of the week such as sunday, got %q", in.Day)
		ok = false
	}
	w.Day = day
	at, err := time.Parse("15:04", in.Start)
	if err != nil {
		c.Fail(path+".start", "must be a local time such as 03:00, got %q", in.Start)
		ok = false
	}
	w.At = time.Duration(at.Hour())*time.Hour + time.Duration(at.Minute())*time.Minute
	switch {
	case in.Duration == nil:
		c.Fail(path+".duration", "missing: how long the window lasts, such as 1h")
		ok = false
	case in.Duration.Value <= 0 || in.Duration.Value >= 24*time.Hour:
		c.Fail(path+".duration", "must be above 0 and under 24h, got %s", in.Duration.Text)
		ok = false
	default:
		w.Duration = in.Duration.Value
	}
	if in.TimeZone != "" {
		loc, err := LoadZone(in.TimeZone)
		if err != nil {
			c.Fail(path+".timezone", "%q is not an IANA time zone such as Europe/Berlin", in.TimeZone)
			ok = false
		} else {
			w.Location = loc
		}
	}
	return w, ok
}

// Calendar periods a spec can name as its period.
var calendarPeriods = map[string]CalendarUnit{"calendar-month": CalendarMonth, "calendar-week": CalendarWeek}

// convertPeriod reads the period: a rolling duration, or a calendar month
// or week in a time zone.
func (c *converter) convertPeriod(s *SLO, in *specSLO, path string) {
	if in.TimeZone != "" && (in.Period == nil || calendarPeriods[*in.Period] == "") {
		c.Fail(path+".timezone", "applies to calendar periods only: set period: calendar-month or calendar-week, or remove it")
	}
	if in.Period == nil {
		return
	}
	text := *in.Period
	if unit, ok := calendarPeriods[text]; ok {
		cal := &Calendar{Unit: unit, Location: time.UTC}
		if in.TimeZone != "" {
			loc, err := LoadZone(in.TimeZone)
			if err != nil {
				c.Fail(path+".timezone", "%q is not an IANA time zone such as Europe/Berlin or America/New_York", in.TimeZone)
				return
			}
			cal.Location = loc
		}
		if err := cal.checkWholeHours(); err != nil {
			c.Fail(path+".timezone", "%v", err)
			return
		}
		s.Calendar, s.Period = cal, cal.NominalPeriod()
		return
	}
	d, err := model.ParseDuration(text)
	if err != nil {
		c.Fail(path+".period", "must be a duration such as 30d or 4w, or calendar-month or calendar-week, got %q", text)
		return
	}
	s.Period = time.Duration(d)
	switch {
	case s.Period < minPeriod:
		c.Fail(path+".period", "must be at least %s, got %s", model.Duration(minPeriod), text)
	case s.Period%time.Hour != 0:
		c.Fail(path+".period", "must be a whole number of hours, got %s", text)
	}
}
