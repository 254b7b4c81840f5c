package simulate

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/rules"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/scorecard"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

type cycle struct {
	total   float64
	byGroup map[string]float64
}

// cycleCost runs every rule's query at t, without recording anything, and
// counts the samples read: one evaluation cycle's cost.
func cycleCost(ctx context.Context, e *engine.Engine, t time.Time) (cycle, error) {
	c := cycle{byGroup: map[string]float64{}}
	for _, g := range e.Groups() {
		for _, r := range g.Rules() {
			_, st, err := e.Query(ctx, ruleQuery(r), t)
			if err != nil {
				return c, fmt.Errorf("simulate: group %s, rule %s: %w", g.Name(), r.Name(), err)
			}
			c.total += float64(st.Samples)
			c.byGroup[g.Name()] += float64(st.Samples)
		}
	}
	return c, nil
}

func ruleQuery(r rules.Rule) string {
	switch r := r.(type) {
	case *rules.RecordingRule:
		return r.Query().String()
	case *rules.AlertingRule:
		return r.Query().String()
	}
	return ""
}

// measureCost evaluates cycles at evenly spaced checkpoints over the second
// half of the run, once history has built up.
func measureCost(ctx context.Context, e *engine.Engine, sc *scenario.Scenario, method string, n int, start, end time.Time) (Cost, error) {
	cost := Cost{Method: method, ByGroup: map[string]Stat{}}
	from := start.Add(sc.Duration / 2)
	span := end.Sub(from)
	sums := map[string]float64{}
	for i := range n {
		t := from.Add(span * time.Duration(i+1) / time.Duration(n)).Truncate(sc.EvaluationInterval)
		c, err := cycleCost(ctx, e, t)
		if err != nil {
			return cost, err
		}
		cost.Checkpoints++
		cost.SamplesPerEvaluation.Mean += c.total
		cost.SamplesPerEvaluation.Max = max(cost.SamplesPerEvaluation.Max, c.total)
		for g, v := range c.byGroup {
			sums[g] += v
			st := cost.ByGroup[g]
			st.Max = max(st.Max, v)
			cost.ByGroup[g] = st
		}
	}
	cost.SamplesPerEvaluation.Mean = math.Round(cost.SamplesPerEvaluation.Mean / float64(cost.Checkpoints))
	for g, st := range cost.ByGroup {
		st.Mean = math.Round(sums[g] / float64(cost.Checkpoints))
		cost.ByGroup[g] = st
	}
	return cost, nil
}

// alerts evaluates every alerting rule at every step the monitoring runs
// (not down) and turns the steps at which its expression held into firing
// intervals, honouring for:.
func alerts(ctx context.Context, e *engine.Engine, sc *scenario.Scenario, start, end time.Time, down func(time.Time) bool) ([]AlertResult, error) {
	var out []AlertResult
	for _, g := range e.Groups() {
		step := g.Interval()
		for _, r := range g.Rules() {
			ar, ok := r.(*rules.AlertingRule)
			if !ok {
				continue
			}
			m, err := e.QueryRange(ctx, ar.Query().String(), start.Add(step), end, step)
			if err != nil {
				return nil, fmt.Errorf("simulate: alert %s: %w", ar.Name(), err)
			}
			if len(m) == 0 {
				out = append(out, alertResult(ar, ar.Labels(), nil, sc, start))
			}
			for _, series := range m {
				var held []time.Time
				for _, p := range series.Floats {
					if t := time.UnixMilli(p.T).UTC(); !down(t) {
						held = append(held, t)
					}
				}
				intervals := scorecard.Firings(held, step, ar.HoldDuration(), end)
				lb := labels.NewBuilder(series.Metric)
				lb.Del(labels.MetricName)
				ar.Labels().Range(func(l labels.Label) { lb.Set(l.Name, l.Value) })
				out = append(out, alertResult(ar, lb.Labels(), intervals, sc, start))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Alert+fmt.Sprint(out[i].Labels) < out[j].Alert+fmt.Sprint(out[j].Labels)
	})
	return out, nil
}

func alertResult(ar *rules.AlertingRule, ls labels.Labels, intervals []Interval, sc *scenario.Scenario, start time.Time) AlertResult {
	res := AlertResult{
		Alert:     ar.Name(),
		Labels:    ls.Map(),
		Severity:  ls.Get(series.SeverityLabel),
		Intervals: intervals,
		Firings:   len(intervals),
	}
	if res.Intervals == nil {
		res.Intervals = []Interval{}
	}
	// How long after an incident a firing may still be its own: the long
	// window, then the for: duration, then an evaluation step.
	var holds time.Duration
	if w, err := model.ParseDuration(ls.Get(series.WindowLabel)); err == nil {
		holds = time.Duration(w) + ar.HoldDuration() + sc.EvaluationInterval
	}
	// A budget alert tells how much of the budget is spent, not that an
	// incident goes on: a steady burn at half the budget's pace rightly
	// spends half of it, so its firings are never false.
	// But a budget alert that stops and starts again within its period
	// flaps: the share it is set at was reached once, and a second ticket
	// for it is noise, so each firing after the first is false.
	budgetAlert := ls.Has(series.BudgetSpentLabel)
	if budgetAlert && holds == 0 { // a calendar period (window="month"): the run
		holds = sc.Duration
	}
	res.hold = holds
	for i, iv := range intervals {
		at := iv.From.Sub(start)
		switch {
		case budgetAlert:
			if i > 0 && iv.From.Sub(intervals[i-1].To) < holds {
				res.FalseFirings++
			}
		case !slices.ContainsFunc(sc.Incidents, func(w scenario.Window) bool { return at >= w.Start && at < w.End()+holds }):
			res.FalseFirings++
		}
	}
	if len(intervals) > 0 {
		t := intervals[0].From
		res.FirstFiredAt = &t
	}
	if len(sc.Incidents) == 0 {
		return res
	}
	inc := sc.Incidents[0]
	incStart, incEnd := start.Add(inc.Start), start.Add(inc.End())
	for _, iv := range intervals {
		if !iv.From.Before(incStart) {
			d := iv.From.Sub(incStart).Seconds()
			res.DetectionSeconds = &d
			break
		}
	}
	var last *Interval
	for i := range intervals {
		if !intervals[i].From.Before(incStart) && intervals[i].From.Before(incEnd) {
			last = &intervals[i]
		}
	}
	if last != nil && !last.Open {
		d := last.To.Sub(incEnd).Seconds()
		res.ResetSeconds = &d
	}
	return res
}

// budgets compares every SLO objective's remaining budget as recorded at
// the end with the exact figure over the same period; a journey's, with
// the exact figure of its members' events (those simulated).
func budgets(ctx context.Context, e *engine.Engine, sc *scenario.Scenario, sources []*source, journeys []*slo.SLO, end time.Time) ([]BudgetResult, error) {
	var out []BudgetResult
	bySLO := map[[2]string][]*source{}
	var slos []*slo.SLO
	for _, src := range sources {
		k := [2]string{src.slo.Service, src.slo.Name}
		if bySLO[k] == nil {
			slos = append(slos, src.slo)
		}
		bySLO[k] = append(bySLO[k], src)
	}
	for _, s := range append(slos, journeys...) {
		window := min(s.Period, sc.Duration)
		period := s.Period
		if s.Calendar != nil {
			// The calendar period to date, less the base window its first
			// increment holds.
			period = s.PeriodLength(end)
			window = min(end.Sub(s.Calendar.Start(end))+s.BaseWindow, sc.Duration)
		}
		// An SLO tracked by region has a budget over all of them, then
		// one per region.
		srcs := bySLO[[2]string{s.Service, s.Name}]
		regions := []string{""}
		// The global tier reads what the regions sent a base window late:
		// its budget at the end holds the events up to a base window before.
		var late time.Duration
		if len(srcs) > 0 && srcs[0].region != "" {
			for _, src := range srcs {
				regions = append(regions, src.region)
			}
			late = s.BaseWindow
		}
		for i, o := range s.Objectives {
			for _, region := range regions {
				var bad, total float64
				for _, src := range srcs {
					if region == "" || src.region == region {
						b, t := src.exactCounts(i, sc.ScrapeInterval, sc.Duration-window-late, sc.Duration-late, leftOut(sc, s))
						bad, total = bad+b, total+t
					}
				}
				ratio := bad / total
				if s.SLI.Kind == slo.Journey {
					ratio = journeyExactRatio(sc, s, bySLO, window)
				}
				exact := 1 - ratio/o.Budget()
				br := BudgetResult{Service: s.Service, SLO: s.Name, Objective: o.Label(), Region: region, ExactRemaining: round(exact),
					PeriodSeconds: period.Seconds(), CoveredSeconds: window.Seconds()}
				v, _, err := e.Query(ctx, budget.RemainingQuery(s, o, region), end)
				if err != nil {
					return nil, err
				}
				if len(v) == 1 && len(s.Grouping) == 0 {
					r := round(v[0].F)
					br.ReportedRemaining = &r
				}
				out = append(out, br)
			}
		}
	}
	return out, nil
}

// journeyExactRatio is a journey's true error ratio over the last window
// of the scenario, from its simulated members' events: their events added
// up, their ratios' mean by weight, or the highest ratio.
func journeyExactRatio(sc *scenario.Scenario, s *slo.SLO, bySLO map[[2]string][]*source, window time.Duration) float64 {
	var bad, total, weighted, weights, worst float64
	for _, m := range s.SLI.Members {
		srcs := bySLO[[2]string{m.Service, m.SLO}]
		if srcs == nil {
			continue // not simulated: its events are in no series either
		}
		member := srcs[0].slo
		j := slices.IndexFunc(member.Objectives, func(o slo.Objective) bool { return o.Threshold == m.Threshold })
		memberOut, journeyOut := leftOut(sc, member), leftOut(sc, s)
		var b, t float64
		for _, src := range srcs { // every region's
			sb, st := src.exactCounts(max(j, 0), sc.ScrapeInterval, sc.Duration-window, sc.Duration, func(d time.Duration) bool {
				return memberOut(d) || journeyOut(d)
			})
			b, t = b+sb, t+st
		}
		bad, total = bad+b, total+t
		weighted, weights = weighted+m.Weight*b/t, weights+m.Weight
		worst = max(worst, b/t)
	}
	switch s.SLI.Aggregation {
	case slo.AggregateWeighted:
		return weighted / weights
	case slo.AggregateWorst:
		return worst
	}
	return bad / total
}

// leftOut reports whether a scrape at offset d is left out of s's budget:
// a maintenance window leaves out the increments recorded while it holds,
// and a scrape counts in the first evaluation at or after it.
func leftOut(sc *scenario.Scenario, s *slo.SLO) func(time.Duration) bool {
	return func(d time.Duration) bool {
		at := scenario.Start().Add(d)
		recorded := at.Truncate(s.BaseWindow)
		if recorded.Before(at) {
			recorded = recorded.Add(s.BaseWindow)
		}
		return s.InMaintenance(recorded) || slices.ContainsFunc(sc.Maintenance, func(m scenario.Maintenance) bool {
			return m.Service == s.Service && (m.SLO == "" || m.SLO == s.Name) && m.Contains(recorded.Sub(scenario.Start()))
		})
	}
}

func round(f float64) float64 {
	return math.Round(f*1e6) / 1e6
}
