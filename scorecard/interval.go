package scorecard

import (
	"slices"
	"time"
)

// Interval is a stretch during which an alert fired, or an incident went
// on; To is the first evaluation at which the alert no longer fired (or
// the run's end), or the end of the incident's last bad step.
type Interval struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	Open bool      `json:"open,omitempty"` // still firing at the end
}

// Firings turns the steps at which an alert's expression held into the
// intervals it fired, as a Prometheus server would: it fires once the
// expression has held at every step for hold, and resolves at the first
// step it does not.
func Firings(held []time.Time, step, hold time.Duration, end time.Time) []Interval {
	var out []Interval
	var activeAt, prev time.Time
	var cur *Interval
	closeAt := func(t time.Time) {
		if cur != nil {
			cur.To = t
			out = append(out, *cur)
			cur = nil
		}
	}
	for _, t := range held {
		if activeAt.IsZero() || t.Sub(prev) > step {
			closeAt(prev.Add(step))
			activeAt = t
		}
		prev = t
		if cur == nil && t.Sub(activeAt) >= hold {
			cur = &Interval{From: t}
		}
	}
	if cur != nil {
		if prev.Add(step).After(end) {
			cur.To, cur.Open = end, true
			out = append(out, *cur)
		} else {
			closeAt(prev.Add(step))
		}
	}
	return out
}

// Union merges intervals that overlap or touch, in time order.
func Union(ivs []Interval) []Interval {
	if len(ivs) == 0 {
		return nil
	}
	sorted := slices.Clone(ivs)
	slices.SortFunc(sorted, func(a, b Interval) int { return a.From.Compare(b.From) })
	out := []Interval{sorted[0]}
	for _, iv := range sorted[1:] {
		last := &out[len(out)-1]
		if iv.From.After(last.To) {
			out = append(out, iv)
			continue
		}
		if iv.To.After(last.To) {
			last.To, last.Open = iv.To, iv.Open
		}
	}
	return out
}
