// Package scorecard judges alerts against the incidents an SLO's own
// events show: for each alert (or tier of a policy), its precision,
// recall, how soon it fired and reset, how often it fires a week, and
// how much budget was gone before it fired. It is how a team chooses
// alerting tiers with figures, on its own past (slokit simulate
// --prometheus-url) or on a scenario.
//
// Incidents come from exact counts (Incidents, by Definitions) or from a
// file of labelled intervals; policies' tiers are evaluated on the same
// counts as plain multi-window conditions (Evaluate), so that slokit's
// tiers, the Workbook's, Pyrra's and Sloth's, or any the team writes,
// are compared on the same events.
package scorecard

import (
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/burnrate"
)

// Objective is what an SLO objective's alerts are judged by: its events
// and its error budget (1 - objective) over its period.
type Objective struct {
	Counts Counts
	Budget float64
	Period time.Duration
}

// Alert is one alert's firings, with how long after an incident's end a
// firing may still be the incident's: the long window, its for: and a
// step (a ticket over 3 days that opens an hour after a short outage is
// the outage's ticket, not a false one).
type Alert struct {
	Name    string
	Page    bool
	Firings []Interval
	Hold    time.Duration
}

// Incident is an incident and the share of the period's budget its bad
// steps spent.
type Incident struct {
	Interval
	Spent float64 `json:"budgetSpent"`
	// PagedAfterSeconds is how long after its start the rules replayed
	// paged for it; null when they did not.
	PagedAfterSeconds *float64 `json:"pagedAfterSeconds"`
}

// Row is one alert's figures.
type Row struct {
	// Policy is "rules" for the alerts of the rules replayed, else the
	// name of the tier set evaluated on the counts.
	Policy string `json:"policy"`
	Alert  string `json:"alert"`
	Page   bool   `json:"page"`
	// Firings and FalseFirings count firings; a firing is the
	// incident's when it starts during it or within the alert's hold
	// after it, or fires already when it starts.
	Firings      int `json:"firings"`
	FalseFirings int `json:"falseFirings"`
	// Detected counts the incidents with a firing of their own.
	Detected int `json:"detected"`
	// Precision is true firings over firings, null without firings;
	// Recall detected incidents over incidents, null without incidents.
	Precision *float64 `json:"precision"`
	Recall    *float64 `json:"recall"`
	// DetectionSeconds is the median, over detected incidents, of the
	// time from the incident's start to its first firing; ResetSeconds of
	// the time from its end to the end of its last firing (negative when
	// the alert stopped first), over those whose firings ended.
	DetectionSeconds *float64 `json:"detectionSeconds"`
	ResetSeconds     *float64 `json:"resetSeconds"`
	// PerWeek is firings per week of the run.
	PerWeek float64 `json:"perWeek"`
	// BudgetSpentBeforeFiring is the median share of the period's budget
	// a detected incident had spent when the alert fired.
	BudgetSpentBeforeFiring *float64 `json:"budgetSpentBeforeFiring"`
}

// Score judges one alert against the objective's incidents.
func Score(a Alert, incidents []Interval, o Objective) Row {
	row := Row{Alert: a.Name, Page: a.Page, Firings: len(a.Firings)}
	c := o.Counts
	s := c.Running()
	var detections, resets, spent []float64
	own := make([]bool, len(a.Firings))
	for _, inc := range incidents {
		var first, last *Interval
		for i := range a.Firings {
			f := &a.Firings[i]
			starts := !f.From.Before(inc.From) && f.From.Before(inc.To.Add(a.Hold))
			already := f.From.Before(inc.From) && f.To.After(inc.From)
			if !starts && !already {
				continue
			}
			own[i] = true
			if first == nil {
				first = f
			}
			last = f
		}
		if first == nil {
			continue
		}
		row.Detected++
		at := first.From
		if at.Before(inc.From) {
			at = inc.From
		}
		detections = append(detections, at.Sub(inc.From).Seconds())
		spent = append(spent, c.spent(s, c.index(inc.From.Add(c.Step)), c.index(at)+1, o.Budget, o.Period))
		if !last.Open {
			resets = append(resets, last.To.Sub(inc.To).Seconds())
		}
	}
	for _, ok := range own {
		if !ok {
			row.FalseFirings++
		}
	}
	if row.Firings > 0 {
		row.Precision = ratio(row.Firings-row.FalseFirings, row.Firings)
	}
	if len(incidents) > 0 {
		row.Recall = ratio(row.Detected, len(incidents))
	}
	row.DetectionSeconds, row.ResetSeconds, row.BudgetSpentBeforeFiring = median(detections), median(resets), median(spent)
	if weeks := c.End().Sub(c.Start).Hours() / (24 * 7); weeks > 0 {
		row.PerWeek = round(float64(row.Firings) / weeks)
	}
	return row
}

// Evaluate fires a tier on the counts as a plain multi-window rule
// evaluated every step: the error ratio over both its windows above the
// tier's factor times the budget, held for its for: duration. No guard
// on traffic: that is how the Workbook's table, Sloth's and Pyrra's rules
// read.
func Evaluate(t burnrate.Tier, o Objective) []Interval {
	c := o.Counts
	s := c.Running()
	long, short := max(int(t.Long/c.Step), 1), max(int(t.Short/c.Step), 1)
	threshold := t.Factor * o.Budget
	above := func(bad, total float64) bool { return total > 0 && bad/total > threshold }
	var held []time.Time
	for i := range c.Total {
		if above(s.Over(i, long)) && above(s.Over(i, short)) {
			held = append(held, c.At(i))
		}
	}
	return Firings(held, c.Step, t.For, c.End())
}

// Policy is a named tier set, scaled to the objective's period.
type Policy struct {
	Name  string
	Tiers []burnrate.Tier
}

// PolicyRows evaluates a policy's tiers on the counts and scores each,
// then its pages together (a page of any page tier), which is what
// on-call sees.
func PolicyRows(p Policy, incidents []Interval, o Objective) []Row {
	var rows []Row
	var pages []Interval
	var pageHold time.Duration
	for _, t := range p.Tiers {
		a := Alert{Name: TierName(t), Page: t.Severity == burnrate.Page, Firings: Evaluate(t, o), Hold: t.Long + t.For + o.Counts.Step}
		row := Score(a, incidents, o)
		row.Policy = p.Name
		rows = append(rows, row)
		if a.Page {
			pages = append(pages, a.Firings...)
			pageHold = max(pageHold, a.Hold)
		}
	}
	row := Score(Alert{Name: "any page", Page: true, Firings: Union(pages), Hold: pageHold}, incidents, o)
	row.Policy = p.Name
	return append(rows, row)
}

// TierName names a tier in tables: severity, factor and windows.
func TierName(t burnrate.Tier) string {
	name := fmt.Sprintf("%s %gx %s/%s", t.Severity, t.Factor, model.Duration(t.Long), model.Duration(t.Short))
	if t.For > 0 {
		name += " for " + model.Duration(t.For).String()
	}
	return name
}

// WithSpent gives each incident the share of the period's budget it
// spent.
func WithSpent(incidents []Interval, o Objective) []Incident {
	c := o.Counts
	s := c.Running()
	out := make([]Incident, len(incidents))
	for i, inc := range incidents {
		out[i] = Incident{Interval: inc, Spent: round(c.spent(s, c.index(inc.From.Add(c.Step)), c.index(inc.To)+1, o.Budget, o.Period))}
	}
	return out
}

func ratio(n, d int) *float64 {
	r := round(float64(n) / float64(d))
	return &r
}

func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	slices.Sort(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + m) / 2
	}
	m = round(m)
	return &m
}

// round keeps four decimals: shares of a budget to a hundredth of a
// percent.
func round(f float64) float64 {
	return burnrate.Clean(float64(int64(f*1e4+0.5*sign(f))) / 1e4)
}

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}
