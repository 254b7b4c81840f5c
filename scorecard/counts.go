package scorecard

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/burnrate"
)

// Counts are an SLO objective's events, one step at a time: Bad[i] and
// Total[i] happened over the step that ends at At(i).
type Counts struct {
	Start time.Time // the start of the first step
	Step  time.Duration
	Bad   []float64
	Total []float64
}

// At is the end of step i.
func (c Counts) At(i int) time.Time { return c.Start.Add(time.Duration(i+1) * c.Step) }

// End is the end of the last step.
func (c Counts) End() time.Time { return c.At(len(c.Total) - 1) }

// index is the step that holds t (the first step ending at or after it),
// clamped to the counts.
func (c Counts) index(t time.Time) int {
	i := int((t.Sub(c.Start)+c.Step-1)/c.Step) - 1
	return min(max(i, 0), len(c.Total)-1)
}

// Running are the counts' running totals, so that any window's events
// are a subtraction.
type Running struct{ bad, total []float64 }

// Running sums the counts once.
func (c Counts) Running() Running {
	s := Running{bad: make([]float64, len(c.Total)+1), total: make([]float64, len(c.Total)+1)}
	for i := range c.Total {
		s.bad[i+1] = s.bad[i] + c.Bad[i]
		s.total[i+1] = s.total[i] + c.Total[i]
	}
	return s
}

// Over is the events of the n steps ending with step i (fewer at the
// start).
func (s Running) Over(i, n int) (bad, total float64) {
	lo := max(i+1-n, 0)
	return s.bad[i+1] - s.bad[lo], s.total[i+1] - s.total[lo]
}

// A Definition says what an incident is: a window of the given length in
// which the SLO spent at least Share of its period's budget.
type Definition struct {
	Share  float64 // of the period's budget, 0.02 for 2%
	Window time.Duration
}

// DefaultDefinitions are the Workbook's two page conditions: 2% of the
// budget within an hour, or 5% within six hours. Slower burns are for
// tickets, and are incidents only when asked (10%/3d).
var DefaultDefinitions = []Definition{{Share: 0.02, Window: time.Hour}, {Share: 0.05, Window: 6 * time.Hour}}

// ParseDefinition reads SHARE%/WINDOW, such as 2%/1h.
func ParseDefinition(s string) (Definition, error) {
	share, window, ok := strings.Cut(s, "/")
	if !ok || !strings.HasSuffix(share, "%") {
		return Definition{}, fmt.Errorf("incident %q: want SHARE%%/WINDOW, such as 2%%/1h (2%% of the period's budget spent within an hour)", s)
	}
	p, err := strconv.ParseFloat(strings.TrimSuffix(share, "%"), 64)
	if err != nil || p <= 0 || p > 100 {
		return Definition{}, fmt.Errorf("incident %q: the share must be a percentage above 0 and at most 100", s)
	}
	w, err := model.ParseDuration(window)
	if err != nil || w <= 0 {
		return Definition{}, fmt.Errorf("incident %q: the window must be a duration such as 1h", s)
	}
	return Definition{Share: p / 100, Window: time.Duration(w)}, nil
}

func (d Definition) String() string {
	return strconv.FormatFloat(d.Share*100, 'f', -1, 64) + "%/" + model.Duration(d.Window).String()
}

// MinIncidentEvents is the fewest events a window must hold to make an
// incident: two failures of three requests at night spend no budget
// worth a page, whatever their ratio.
const MinIncidentEvents = burnrate.MinEventsFloor

// Incidents finds the incidents in the counts of an objective whose error
// budget (1 - objective) is budget over period. A window meets a
// definition when its bad events are at least the share of a period's
// budget, a period's events taken at the counts' mean traffic: two
// failed requests of fifty at night are a high ratio, not 2% of a
// month's budget. For each definition, a stretch of windows that meet it
// holds one incident or more: the bursts
// in it that burned at the definition's rate over a short window (a
// twelfth of its window, as the Workbook pairs them), bursts less than a
// short window apart taken as one, each from its first step that burned
// faster than the budget lasts (error ratio above budget) to its last.
// A burst is an incident when it spent at least half the definition's
// share of the budget, and the one that spent most always is: a failed
// probe an hour before an outage is not part of it. The definitions'
// incidents are then merged.
func Incidents(c Counts, budget float64, period time.Duration, defs []Definition) []Interval {
	if len(c.Total) == 0 {
		return nil
	}
	s := c.Running()
	var out []Interval
	for _, d := range defs {
		n := max(int(d.Window/c.Step), 1)
		// The share of a period's budget, in bad events.
		need := d.Share * budget * c.perPeriod(s, period)
		start := -1
		for i := 0; i <= len(c.Total); i++ {
			if i < len(c.Total) && met(s, i, n, need) {
				if start < 0 {
					start = max(i+1-n, 0)
				}
				continue
			}
			if start >= 0 {
				out = append(out, c.bursts(s, start, i-1, d, budget, period)...)
				start = -1
			}
		}
	}
	return Union(out)
}

// met reports whether the window of n steps ending with step i holds
// at least bad bad events, and enough events to tell.
func met(s Running, i, n int, bad float64) bool {
	b, total := s.Over(i, n)
	return total >= MinIncidentEvents && b >= bad
}

// bursts are the incidents in steps [from, to], whose windows met the
// definition: see Incidents.
func (c Counts) bursts(s Running, from, to int, d Definition, budget float64, period time.Duration) []Interval {
	n := max(int(d.Window/c.Step), 1)
	short := max(n/12, 1)
	// The error ratio the definition's burn rate stands for.
	ratio := d.Share * period.Seconds() / d.Window.Seconds() * budget
	burning := func(i int) bool { return c.Total[i] > 0 && c.Bad[i]/c.Total[i] > budget }
	type burst struct{ lo, hi int }
	var found []burst
	for i := from; i <= to; i++ {
		if bad, total := s.Over(i, short); total == 0 || bad/total < ratio {
			continue
		}
		// The burning steps of the short window ending at i.
		lo, hi := max(i+1-short, from), i
		for lo < hi && !burning(lo) {
			lo++
		}
		for hi > lo && !burning(hi) {
			hi--
		}
		if k := len(found) - 1; k >= 0 && lo-found[k].hi <= short {
			found[k].hi = max(found[k].hi, hi)
			continue
		}
		found = append(found, burst{lo, hi})
	}
	spent := make([]float64, len(found))
	most := 0
	for k, b := range found {
		if spent[k] = c.spent(s, b.lo, b.hi+1, budget, period); spent[k] > spent[most] {
			most = k
		}
	}
	var out []Interval
	for k, b := range found {
		if k == most || spent[k] >= d.Share/2 {
			out = append(out, Interval{From: c.At(b.lo).Add(-c.Step), To: c.At(b.hi)})
		}
	}
	return out
}

// spent is the share of the period's budget the bad events of steps
// [from, to) spent, at the counts' mean traffic: a period's budget is
// budget times the events a period of that traffic holds.
func (c Counts) spent(s Running, from, to int, budget float64, period time.Duration) float64 {
	perPeriod := c.perPeriod(s, period)
	if perPeriod == 0 || to <= from {
		return 0
	}
	return (s.bad[to] - s.bad[from]) / (budget * perPeriod)
}

// perPeriod is the events a period holds at the counts' mean traffic.
func (c Counts) perPeriod(s Running, period time.Duration) float64 {
	if len(c.Total) == 0 {
		return 0
	}
	return s.total[len(c.Total)] / (float64(len(c.Total)) * c.Step.Seconds()) * period.Seconds()
}
