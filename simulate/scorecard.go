package simulate

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/scorecard"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// ScorecardOptions ask Run to judge the alerts against the incidents in
// the SLOs' own counts (package scorecard).
type ScorecardOptions struct {
	// Definitions say what an incident is; none means
	// scorecard.DefaultDefinitions.
	Definitions []scorecard.Definition
	// Labelled, when set, are the incidents instead: those a team
	// recorded.
	Labelled []scorecard.Labelled
	// TierSets name tier sets (burnrate.TierSetNames) to score beside the
	// rules, each scaled to an SLO's period; Policies are tier sets as
	// a team wrote them.
	TierSets []string
	Policies []scorecard.Policy
}

// Scorecard is one SLO objective's: its incidents and, for each alert of
// the rules and each tier of the policies compared, how it did.
type Scorecard struct {
	Service   string `json:"service"`
	SLO       string `json:"slo"`
	Objective string `json:"objective"`
	// IncidentsFrom says where the incidents come from: the definitions
	// applied to the counts (2%/1h, 5%/6h), or "labelled".
	IncidentsFrom string               `json:"incidentsFrom"`
	Incidents     []scorecard.Incident `json:"incidents"`
	Rows          []scorecard.Row      `json:"rows"`
}

// rulesPolicy names the rows of the rules replayed.
const rulesPolicy = "rules"

// scorecards judges the alerts of every SLO objective whose events the
// engine holds. The counts are slokit's base-window increments: when the
// rules replayed are not slokit's, its recording rules are computed
// first, beside them.
//
// It also returns, by index into alerts, the row of each alert that
// names its SLO: a past's alerts are judged by it (judge).
func (b *Backtest) scorecards(ctx context.Context, o ScorecardOptions, alerts []AlertResult, foreign bool, start, end time.Time) ([]Scorecard, map[int]scorecard.Row, error) {
	if foreign {
		if err := b.Engine.LoadGroups(recordingOnly(generatedGroups(b.Services, promrules.TierAll))...); err != nil {
			return nil, nil, err
		}
		if err := b.Engine.BackfillExcept(ctx, start, end, b.Down); err != nil {
			return nil, nil, err
		}
	}
	defs := o.Definitions
	if len(defs) == 0 {
		defs = scorecard.DefaultDefinitions
	}
	counted, err := b.objectiveCounts(ctx, start, end)
	if err != nil {
		return nil, nil, err
	}
	var out []Scorecard
	judged := map[int]scorecard.Row{}
	for _, c := range counted {
		target := scorecard.Objective{Counts: c.Counts, Budget: c.Objective.Budget(), Period: c.SLO.Period}
		out = append(out, card(c.SLO, c.Objective, target, o, defs, alerts, judged))
	}
	return out, judged, nil
}

// recordingOnly keeps the recording rules of groups.
func recordingOnly(groups []engine.Group) []engine.Group {
	out := make([]engine.Group, 0, len(groups))
	for _, g := range groups {
		g.Rules = slices.DeleteFunc(slices.Clone(g.Rules), func(r rulefmt.Rule) bool { return r.Alert != "" })
		out = append(out, g)
	}
	return out
}

// counts reads an objective's base-window increments over the run, over
// every group (and over all regions); nil when the engine holds none
// (a journey of members not simulated).
func (b *Backtest) counts(ctx context.Context, s *slo.SLO, obj slo.Objective, start, end time.Time) (*scorecard.Counts, error) {
	step := s.BaseWindow
	c := &scorecard.Counts{Start: start, Step: step}
	n := int(end.Sub(start) / step)
	c.Bad, c.Total = make([]float64, n), make([]float64, n)
	seen := false
	total, errs := budget.BaseIncreaseQueries(s, obj)
	for _, q := range []struct {
		expr string
		into []float64
	}{{total, c.Total}, {errs, c.Bad}} {
		m, err := b.Engine.QueryRange(ctx, q.expr, start.Add(step), start.Add(time.Duration(n)*step), step)
		if err != nil {
			return nil, fmt.Errorf("simulate: the counts of %s/%s: %w", s.Service, s.Name, err)
		}
		for _, sr := range m {
			for _, p := range sr.Floats {
				if i := int(time.UnixMilli(p.T).Sub(start)/step) - 1; i >= 0 && i < n {
					q.into[i] += p.F
					seen = true
				}
			}
		}
	}
	if !seen {
		return nil, nil
	}
	return c, nil
}

// card scores one objective: its incidents, then the rules' alerts of
// it, then each policy's tiers. The rows of alerts that name the SLO go
// into judged too, by the alert's index.
func card(s *slo.SLO, obj slo.Objective, target scorecard.Objective, o ScorecardOptions, defs []scorecard.Definition, alerts []AlertResult, judged map[int]scorecard.Row) Scorecard {
	sc := Scorecard{Service: s.Service, SLO: s.Name, Objective: obj.Label(), Rows: []scorecard.Row{}}
	var incidents []scorecard.Interval
	if o.Labelled != nil {
		sc.IncidentsFrom = "labelled"
		// Those of the run only: one before it is no alert's to catch.
		for _, inc := range scorecard.For(o.Labelled, s.Service, s.Name) {
			if inc.To.After(target.Counts.Start) && inc.From.Before(target.Counts.End()) {
				incidents = append(incidents, inc)
			}
		}
	} else {
		var names []string
		for _, d := range defs {
			names = append(names, d.String())
		}
		sc.IncidentsFrom = strings.Join(names, ", ")
		incidents = scorecard.Incidents(target.Counts, target.Budget, target.Period, defs)
	}
	sc.Incidents = scorecard.WithSpent(incidents, target)
	var pages []scorecard.Interval
	var pageHold time.Duration
	for i, a := range alerts {
		if !ofObjective(a, s, obj) || a.Labels[series.BudgetSpentLabel] != "" {
			continue
		}
		row := scorecard.Score(scorecard.Alert{Name: rowName(a, s.Grouping), Page: a.Page, Firings: a.Intervals, Hold: a.hold}, incidents, target)
		row.Policy = rulesPolicy
		sc.Rows = append(sc.Rows, row)
		if a.Labels[series.ServiceLabel] != "" {
			judged[i] = row
		}
		if a.Page {
			pages, pageHold = append(pages, a.Intervals...), max(pageHold, a.hold)
		}
	}
	anyPage := scorecard.Alert{Name: "any page", Page: true, Firings: scorecard.Union(pages), Hold: pageHold}
	for i, inc := range incidents {
		sc.Incidents[i].PagedAfterSeconds = scorecard.Score(anyPage, []scorecard.Interval{inc}, target).DetectionSeconds
	}
	if len(sc.Rows) > 0 {
		row := scorecard.Score(anyPage, incidents, target)
		row.Policy = rulesPolicy
		sc.Rows = append(sc.Rows, row)
	}
	policies := slices.Clone(o.Policies)
	for _, name := range o.TierSets {
		if tiers, ok := burnrate.NamedTiers(name, s.Period); ok {
			policies = append(policies, scorecard.Policy{Name: name, Tiers: tiers})
		}
	}
	for _, p := range policies {
		sc.Rows = append(sc.Rows, scorecard.PolicyRows(p, incidents, target)...)
	}
	return sc
}

// rowName names an alert in its SLO objective's scorecard: AlertName
// without the SLO's labels, which the card names, and with its group's,
// which tell a grouped SLO's alerts apart.
func rowName(a AlertResult, grouping []string) string {
	b := a
	b.Labels = maps.Clone(a.Labels)
	for _, k := range []string{series.ServiceLabel, series.SLOLabel, series.ObjectiveLabel} {
		delete(b.Labels, k)
	}
	name := AlertName(b)
	var group []string
	for _, g := range grouping {
		if v, ok := a.Labels[g]; ok {
			group = append(group, g+"="+v)
		}
	}
	if len(group) > 0 {
		name = strings.TrimSuffix(name, "}") + "," + strings.Join(group, ",") + "}"
	}
	return name
}

// ofObjective reports whether an alert is about an objective of an SLO
// (over all regions, for an SLO tracked by region). An alert that names
// no SLO (rules not slokit's) is judged by every SLO's incidents.
func ofObjective(a AlertResult, s *slo.SLO, obj slo.Objective) bool {
	l := a.Labels
	if l[series.ServiceLabel] == "" && l[series.SLOLabel] == "" {
		return true
	}
	return l[series.ServiceLabel] == s.Service && l[series.SLOLabel] == s.Name && l[series.ObjectiveLabel] == obj.Label() && a.Region == ""
}

// CheckIncidents returns the expectations a past's alerts do not meet,
// judged by the scorecards' incidents: every incident paged within
// PageWithin, no page, no false firing of the rules.
func (r *Result) CheckIncidents(e scenario.Expect) []string {
	if e != (scenario.Expect{}) && r.Cost.Method == "checkpoints" {
		return []string{"the alerts were not evaluated (the rules read too many samples to replay every step): no expectation can be checked"}
	}
	var failed []string
	for _, sc := range r.Scorecards {
		for _, row := range sc.Rows {
			switch {
			case row.Policy != rulesPolicy || row.Alert == "any page":
			case e.NoPage && row.Page && row.Firings > 0:
				failed = append(failed, fmt.Sprintf("no page expected, but %s fired %d time(s)", row.Alert, row.Firings))
			case e.NoFalseFirings && row.FalseFirings > 0:
				failed = append(failed, fmt.Sprintf("no false firing expected, but %s fired %d time(s) outside the incidents", row.Alert, row.FalseFirings))
			}
		}
		if e.PageWithin == 0 {
			continue
		}
		for _, inc := range sc.Incidents {
			if p := inc.PagedAfterSeconds; p == nil || *p > e.PageWithin.Seconds() {
				when := "never"
				if p != nil {
					when = "only after " + model.Duration(time.Duration(*p)*time.Second).String()
				}
				failed = append(failed, fmt.Sprintf("%s/%s (%s%%) should page within %s of the incident at %s, and paged %s",
					sc.Service, sc.SLO, sc.Objective, model.Duration(e.PageWithin), inc.From.Format(time.RFC3339), when))
			}
		}
	}
	return failed
}

// judge gives a past's alerts the figures of their rows: a past has no
// scenario incidents, only those its counts show, so a firing is false
// outside them, and detection and reset are the rows' medians over them.
func judge(alerts []AlertResult, rows map[int]scorecard.Row) {
	for i, row := range rows {
		alerts[i].FalseFirings, alerts[i].DetectionSeconds, alerts[i].ResetSeconds = row.FalseFirings, row.DetectionSeconds, row.ResetSeconds
	}
}

// Counted is one SLO objective's exact counts over a run.
type Counted struct {
	SLO       *slo.SLO
	Objective slo.Objective
	Counts    scorecard.Counts
}

// ObjectiveCounts writes the scenario's traffic, or reads the past, into
// a new engine in o.Dir, computes slokit's recording rules over it and
// returns every SLO objective's base-window counts, what slokit advise
// works from, and the warnings of the reading (as Result's). o.RuleFiles
// are ignored.
func ObjectiveCounts(ctx context.Context, o Options) ([]Counted, []string, error) {
	o.RuleFiles = nil
	if o.Past == nil {
		o.Start, o.Until = time.Time{}, 0
	}
	b, err := Prepare(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	defer b.Close()
	start, end := b.Start(), b.End()
	if err := b.Engine.BackfillExcept(ctx, start, end, b.Down); err != nil {
		return nil, nil, err
	}
	counted, err := b.objectiveCounts(ctx, start, end)
	return counted, b.Warnings, err
}

// objectiveCounts are the base-window counts of every SLO objective the
// engine holds events of.
func (b *Backtest) objectiveCounts(ctx context.Context, start, end time.Time) ([]Counted, error) {
	var out []Counted
	for _, svc := range b.Services {
		for _, s := range svc.SLOs {
			for _, obj := range s.Objectives {
				c, err := b.counts(ctx, s, obj, start, end)
				if err != nil {
					return nil, err
				}
				if c != nil {
					out = append(out, Counted{SLO: s, Objective: obj, Counts: *c})
				}
			}
		}
	}
	return out, nil
}
