// Package simulate backtests alert rules against a scenario on the embedded
// Prometheus engine: it writes the scenario's traffic as the raw series the
// SLOs' SLIs read, evaluates the rules over the scenario's whole duration,
// and reports when each alert fired and reset, how much the rules cost to
// evaluate, and how far their remaining-budget figure is from the truth.
// The rules are slokit's, generated from the specs, or any Prometheus rule
// file, so other tools' rules can be measured on the same traffic.
//
// Differences from a Prometheus server, all deliberate: recording rules
// are computed rule by rule over the whole run with range queries (as
// promtool's rule backfill does), so recorded series have no staleness
// markers; alerts are derived from their expression's value at every
// evaluation step, honouring for:; evaluation times are aligned to the
// interval from the scenario's start, without a server's per-group offset.
//
// Replay leaves an engine where a server evaluating the rules would be at
// a given moment of a scenario; Live (live.go) plays a scenario in real
// time from there: slokit serve's demo backend, which cmd wires in.
package simulate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/rules"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// Options say what to simulate.
type Options struct {
	Scenario *scenario.Scenario
	// Services are the SLOs whose metrics the traffic is written as.
	Services []*slo.Service
	// RuleFiles, when set, are evaluated instead of the rules slokit
	// generates from Services.
	RuleFiles []string
	// Dir holds the engine's TSDB; it must exist and be empty.
	Dir string
	// ReplayLimit is the most samples a full replay of the rules may read
	// before only checkpoints are evaluated; 0 means DefaultReplayLimit.
	ReplayLimit float64
	// Checkpoints is how many evaluation cycles are measured for cost;
	// 0 means DefaultCheckpoints.
	Checkpoints int
	// Start, for Prepare, places the scenario on the wall clock; zero
	// means scenario.Start(). Use a midnight UTC to keep time-of-day shapes
	// where the story puts them. Run always starts at scenario.Start().
	Start time.Time
	// Until, for Prepare, writes traffic only up to this offset, so that
	// Append can go on from there; zero means the whole duration.
	Until time.Duration
	// Progress, when set, is told each step of Run as it starts, so that
	// a long run can show where it is.
	Progress func(step string)
	// MaxSamples bounds the raw samples the scenario writes (its duration
	// over its scrape interval, times the series of every SLO), which
	// the engine holds in memory; 0 means DefaultMaxSamples.
	MaxSamples float64
}

// Defaults for Options.
const (
	DefaultReplayLimit = 5e9
	DefaultCheckpoints = 48
	// DefaultMaxSamples is about 4 GiB of engine memory with the rules'
	// series, and 150 times what healthy-30d writes for one SLO.
	DefaultMaxSamples = 250e6
)

// Result is what a simulation found.
type Result struct {
	Scenario string `json:"scenario"`
	// Warnings are parts of the scenario that touched none of the SLOs.
	Warnings []string       `json:"warnings"`
	Alerts   []AlertResult  `json:"alerts"`
	Budgets  []BudgetResult `json:"budgets"`
	Cost     Cost           `json:"cost"`
	// FailedExpectations are the scenario's expectations (and those given
	// to slokit simulate) the alerts did not meet; see Check.
	FailedExpectations []string `json:"failedExpectations"`
}

// AlertResult is one alert (one label set of one alerting rule).
type AlertResult struct {
	Alert  string            `json:"alert"`
	Labels map[string]string `json:"labels"`
	// Severity is the severity label, if any.
	Severity string `json:"severity"`
	// Page is whether the alert pages: by its SLO's severity values when
	// the rules are slokit's, else by a severity of page or critical.
	Page         bool       `json:"page"`
	FirstFiredAt *time.Time `json:"firstFiredAt"`
	// DetectionSeconds is from the first incident's start to the first
	// firing that starts at or after it; null if there is none.
	DetectionSeconds *float64 `json:"detectionSeconds"`
	// ResetSeconds is from the first incident's end to the end of the last
	// firing that started during it (negative when that firing ended
	// before the incident did); null if no firing started during it or
	// the alert was still firing when the scenario ended.
	ResetSeconds *float64 `json:"resetSeconds"`
	Firings      int      `json:"firings"`
	// FalseFirings counts firings that start neither during an incident
	// nor while the alert's long window (its window label) still holds
	// one: a ticket over 3 days that opens an hour after a 15-minute
	// outage is the outage's ticket, not a false one. A budget alert fires
	// on what is spent, incident or not: only its firings after the first
	// within its period (flaps) are false.
	FalseFirings int        `json:"falseFirings"`
	Intervals    []Interval `json:"intervals"`
}

// Interval is a stretch during which an alert fired; To is the first
// evaluation at which it no longer did (or the scenario's end).
type Interval struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	Open bool      `json:"open,omitempty"` // still firing at the end
}

// BudgetResult compares an SLO objective's remaining budget as the rules
// report it at the end with the exact figure from the generated traffic.
type BudgetResult struct {
	Service   string `json:"service"`
	SLO       string `json:"slo"`
	Objective string `json:"objective"`
	// ReportedRemaining is null when the rules record no remaining budget
	// for the SLO (foreign rules), or one per group (grouped SLOs, whose
	// exact figure is over all groups).
	ReportedRemaining *float64 `json:"reportedRemaining"`
	ExactRemaining    float64  `json:"exactRemaining"`
	// PeriodSeconds is the SLO's period, CoveredSeconds how much of it
	// the scenario covers. A run shorter than the period reports the
	// budget of the traffic it wrote: -100% is then twice the errors the
	// objective allows over those hours, not over the period.
	PeriodSeconds  float64 `json:"periodSeconds"`
	CoveredSeconds float64 `json:"coveredSeconds"`
}

// Cost is what evaluating the rules reads, per evaluation cycle.
type Cost struct {
	// Method is "replay" when every step was evaluated, or "checkpoints"
	// when the rules were too costly to replay and only the checkpoints
	// were evaluated (alerts are then not reported).
	Method      string `json:"method"`
	Checkpoints int    `json:"checkpoints"`
	// SamplesPerEvaluation is over all groups, per evaluation cycle.
	SamplesPerEvaluation Stat            `json:"samplesPerEvaluation"`
	ByGroup              map[string]Stat `json:"byGroup"`
}

// Stat is a mean and a maximum.
type Stat struct {
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
}

// Backtest is a scenario's traffic loaded into an engine with the rules to
// evaluate, before any rule has run. The budget service's embedded backend
// starts from one too.
type Backtest struct {
	Engine   *engine.Engine
	Scenario *scenario.Scenario
	sources  []*source
	start    time.Time
	next     time.Duration // offset of the next scrape to write
	rng      *rand.Rand
	// Warnings are parts of the scenario that touch none of the SLOs.
	Warnings []string
}

// Start is the wall-clock time of the scenario's start.
func (b *Backtest) Start() time.Time { return b.start }

// End is the time of the last scrape written.
func (b *Backtest) End() time.Time { return b.start.Add(b.next - b.Scenario.ScrapeInterval) }

// Append writes the scenario's traffic on from where it stopped up to
// until, as a live backend does in real time; the scenario's shapes go on
// past its duration (its events do not). From the first Append on, the
// exact tally of events is no longer kept, so memory stays flat however
// long the backend runs.
func (b *Backtest) Append(ctx context.Context, until time.Time) error {
	for _, src := range b.sources {
		src.live, src.ledger = true, nil
	}
	return b.write(ctx, until.Sub(b.start))
}

// Close releases the engine.
func (b *Backtest) Close() error { return b.Engine.Close() }

// Down reports whether t falls in one of the scenario's monitoring gaps.
func (b *Backtest) Down(t time.Time) bool { return !b.Scenario.Monitored(t.Sub(b.start)) }

// Prepare writes the scenario's traffic as the SLOs' series into a new
// engine in o.Dir and loads the rules: o.RuleFiles, or those slokit
// generates for o.Services.
func Prepare(ctx context.Context, o Options) (*Backtest, error) {
	sc := o.Scenario
	var sources []*source
	owner := map[string]string{}
	for _, svc := range o.Services {
		for _, s := range svc.SLOs {
			src, err := newSource(s, sc.Series)
			if err != nil {
				return nil, err
			}
			for _, k := range src.seriesKeys() {
				if prev, dup := owner[k]; dup {
					return nil, fmt.Errorf("SLOs %s and %s/%s read the same series %s: simulate them separately", prev, s.Service, s.Name, k)
				}
				owner[k] = s.Service + "/" + s.Name
			}
			sources = append(sources, src)
		}
	}
	if len(sources) == 0 {
		return nil, fmt.Errorf("no SLO to write the scenario's traffic as")
	}
	maxSamples := o.MaxSamples
	if maxSamples <= 0 {
		maxSamples = DefaultMaxSamples
	}
	scrapes := float64(sc.Duration/sc.ScrapeInterval) + 1
	if samples := scrapes * float64(len(owner)); samples > maxSamples {
		return nil, fmt.Errorf("scenario %s writes %.3g samples (%s / %s scrape interval x %d series), over the limit of %.3g: shorten it, scrape less often, simulate fewer SLOs at once or raise --max-samples",
			sc.Name, samples, model.Duration(sc.Duration), model.Duration(sc.ScrapeInterval), len(owner), maxSamples)
	}
	e, err := engine.Open(o.Dir)
	if err != nil {
		return nil, err
	}
	start := o.Start
	if start.IsZero() {
		start = scenario.Start()
	}
	until := o.Until
	if until == 0 {
		until = sc.Duration
	}
	b := &Backtest{Engine: e, Scenario: sc, sources: sources, start: start, rng: rand.New(rand.NewPCG(sc.Seed, 0x5eed)), Warnings: unmatchedEvents(sc, o.Services)}
	if len(o.RuleFiles) > 0 {
		err = e.LoadRules(o.RuleFiles...)
	} else {
		err = e.LoadGroups(generatedGroups(o.Services)...)
	}
	if err == nil {
		err = b.write(ctx, until)
	}
	if err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// generatedGroups are the rule groups slokit generates for the services,
// in the order a rule file lists them, each named after the file it would
// be written to.
func generatedGroups(services []*slo.Service) []engine.Group {
	var out []engine.Group
	for _, svc := range services {
		for _, g := range promrules.Groups(svc) {
			out = append(out, engine.Group{File: promrules.FileName(svc.Name), RuleGroup: g})
		}
	}
	return out
}

// Replay prepares the scenario (Prepare) and brings the rules to where a
// server that has evaluated them since deployed would be at at, both
// offsets from the start: recording rules backfilled, then every rule,
// alerts included, evaluated at at. It returns the backtest and the time
// at. This is how the live backend starts, and how tests and previews get
// an engine holding a scenario's state at a given moment.
func Replay(ctx context.Context, o Options, deployed, at time.Duration) (*Backtest, time.Time, error) {
	b, err := Prepare(ctx, o)
	if err != nil {
		return nil, time.Time{}, err
	}
	t := b.Start().Add(at)
	if err := b.Engine.CatchUpExcept(ctx, b.Start().Add(deployed), t, b.Down); err != nil {
		b.Close()
		return nil, time.Time{}, err
	}
	return b, t, nil
}

// unmatchedEvents names the scenario's error events for a service that is
// not simulated: they change nothing, which the user should know.
func unmatchedEvents(sc *scenario.Scenario, services []*slo.Service) []string {
	var out []string
	for i, ev := range sc.Errors.Events {
		if ev.Service != "" && !slices.ContainsFunc(services, func(s *slo.Service) bool { return s.Name == ev.Service }) {
			out = append(out, fmt.Sprintf("scenario %s: errors.events[%d] fails service %s only, which is not simulated here: it changes nothing", sc.Name, i, ev.Service))
		}
	}
	return out
}

// Run simulates the scenario.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.ReplayLimit == 0 {
		o.ReplayLimit = DefaultReplayLimit
	}
	if o.Checkpoints == 0 {
		o.Checkpoints = DefaultCheckpoints
	}
	o.Start, o.Until = time.Time{}, 0
	progress := func(step string) {
		if o.Progress != nil {
			o.Progress(step)
		}
	}
	progress("writing the scenario's traffic")
	b, err := Prepare(ctx, o)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	e, sc, sources := b.Engine, b.Scenario, b.sources
	start, end := b.Start(), b.End()

	res := &Result{Scenario: sc.Name, Warnings: b.Warnings}
	// The cost of one cycle at the end, before any rule is backfilled,
	// tells whether replaying every step is affordable: what a rule reads
	// from raw series does not depend on the backfill.
	probe, err := cycleCost(ctx, e, end)
	if err != nil {
		return nil, err
	}
	if probe.total == 0 {
		return nil, fmt.Errorf("the rules read none of the series the scenario wrote: their selectors do not match the SLI's metrics (check --spec, or --total and --errors)")
	}
	steps := float64(sc.Duration / sc.EvaluationInterval)
	res.Cost.Method = "replay"
	if probe.total*steps > o.ReplayLimit {
		res.Cost.Method = "checkpoints"
	} else {
		progress("computing the recording rules over the run")
		if err := e.BackfillExcept(ctx, start, end, b.Down); err != nil {
			return nil, err
		}
		progress("evaluating the alerts")
		res.Alerts, err = alerts(ctx, e, sc, start, end, b.Down)
		if err != nil {
			return nil, err
		}
		markPages(res.Alerts, o.Services)
		res.Budgets, err = budgets(ctx, e, sc, sources, end)
		if err != nil {
			return nil, err
		}
	}
	progress("measuring the cost of the rules")
	res.Cost, err = measureCost(ctx, e, sc, res.Cost.Method, o.Checkpoints, start, end)
	return res, err
}

// write appends every scrape of every source up to offset until.
func (b *Backtest) write(ctx context.Context, until time.Duration) error {
	sc := b.Scenario
	app := b.Engine.Appender(ctx)
	batch := 0
	for ; b.next <= until; b.next += sc.ScrapeInterval {
		ms := b.start.Add(b.next).UnixMilli()
		scraper := app
		if !sc.Monitored(b.next) {
			scraper = nil
		}
		for _, src := range b.sources {
			if err := src.scrape(scraper, sc, b.rng, b.next, ms, b.next == 0); err != nil {
				return fmt.Errorf("simulate: write traffic: %w", errors.Join(err, app.Rollback()))
			}
		}
		if scraper != nil {
			if err := scrapeMaintenance(scraper, sc, b.next, ms); err != nil {
				return fmt.Errorf("simulate: write maintenance: %w", errors.Join(err, app.Rollback()))
			}
		}
		if batch++; batch == 2000 {
			if err := app.Commit(); err != nil {
				return err
			}
			app, batch = b.Engine.Appender(ctx), 0
		}
	}
	return app.Commit()
}

// scrapeMaintenance writes what Prometheus scrapes of slokit serve's
// export for the scenario's maintenance windows that hold at offset t.
func scrapeMaintenance(app *engine.Appender, sc *scenario.Scenario, t time.Duration, ms int64) error {
	for _, m := range sc.Maintenance {
		if !m.Contains(t) {
			continue
		}
		ls := labels.FromStrings(labels.MetricName, series.ExportedMaintenance, "job", "slokit", "instance", "slokit:8080", series.ServiceLabel, m.Service)
		if m.SLO != "" {
			ls = labels.NewBuilder(ls).Set(series.SLOLabel, m.SLO).Labels()
		}
		if err := app.Add(ls, ms, 1); err != nil {
			return err
		}
	}
	return nil
}

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
				out = append(out, alertResult(ar, ar.Labels(), nil, sc))
			}
			for _, series := range m {
				var held []time.Time
				for _, p := range series.Floats {
					if t := time.UnixMilli(p.T).UTC(); !down(t) {
						held = append(held, t)
					}
				}
				intervals := firingIntervals(held, step, ar.HoldDuration(), end)
				lb := labels.NewBuilder(series.Metric)
				lb.Del(labels.MetricName)
				ar.Labels().Range(func(l labels.Label) { lb.Set(l.Name, l.Value) })
				out = append(out, alertResult(ar, lb.Labels(), intervals, sc))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Alert+fmt.Sprint(out[i].Labels) < out[j].Alert+fmt.Sprint(out[j].Labels)
	})
	return out, nil
}

// firingIntervals turns the steps at which an alert's expression held into
// the intervals it fired: it fires once the expression has held at every
// step for hold, and resolves at the first step it does not.
func firingIntervals(held []time.Time, step, hold time.Duration, end time.Time) []Interval {
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

func alertResult(ar *rules.AlertingRule, ls labels.Labels, intervals []Interval, sc *scenario.Scenario) AlertResult {
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
	for i, iv := range intervals {
		at := iv.From.Sub(scenario.Start())
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
	incStart, incEnd := scenario.Start().Add(inc.Start), scenario.Start().Add(inc.End())
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
// the end with the exact figure over the same period.
func budgets(ctx context.Context, e *engine.Engine, sc *scenario.Scenario, sources []*source, end time.Time) ([]BudgetResult, error) {
	var out []BudgetResult
	for _, src := range sources {
		s := src.slo
		window := min(s.Period, sc.Duration)
		period := s.Period
		if s.Calendar != nil {
			// The calendar period to date, less the base window its first
			// increment holds.
			period = s.PeriodLength(end)
			window = min(end.Sub(s.Calendar.Start(end))+s.BaseWindow, sc.Duration)
		}
		// A maintenance window leaves out the increments recorded while it
		// holds: a scrape counts in the first evaluation at or after it.
		leftOut := func(d time.Duration) bool {
			at := scenario.Start().Add(d)
			recorded := at.Truncate(s.BaseWindow)
			if recorded.Before(at) {
				recorded = recorded.Add(s.BaseWindow)
			}
			return s.InMaintenance(recorded) || slices.ContainsFunc(sc.Maintenance, func(m scenario.Maintenance) bool {
				return m.Service == s.Service && (m.SLO == "" || m.SLO == s.Name) && m.Contains(recorded.Sub(scenario.Start()))
			})
		}
		for i, o := range s.Objectives {
			exact := 1 - src.exactRatio(i, sc.ScrapeInterval, sc.Duration-window, sc.Duration, leftOut)/o.Budget()
			br := BudgetResult{Service: s.Service, SLO: s.Name, Objective: o.Label(), ExactRemaining: round(exact),
				PeriodSeconds: period.Seconds(), CoveredSeconds: window.Seconds()}
			matchers := fmt.Sprintf(`%s=%q,%s=%q,%s=%q`, series.ServiceLabel, s.Service, series.SLOLabel, s.Name, series.ObjectiveLabel, o.Label())
			if o.Threshold > 0 {
				matchers += fmt.Sprintf(`,%s=%q`, series.ThresholdLabel, series.ThresholdValue(o.Threshold))
			}
			sel := "sum(" + series.BudgetRemaining + "{" + matchers + "})"
			v, _, err := e.Query(ctx, sel, end)
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
	return out, nil
}

func round(f float64) float64 {
	return math.Round(f*1e6) / 1e6
}

// Timeline renders when each alert fired as one line per alert, a
// character per slot of the scenario: '#' firing, '.' quiet, and the
// incidents on a line of their own ('^').
func Timeline(res *Result, sc *scenario.Scenario, width int) []string {
	slot := sc.Duration / time.Duration(width)
	line := func(on func(from, to time.Duration) bool) string {
		var b strings.Builder
		for i := range width {
			from := time.Duration(i) * slot
			if on(from, from+slot) {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	out := []string{line(func(from, to time.Duration) bool {
		for _, w := range sc.Incidents {
			if w.Start < to && w.End() > from {
				return true
			}
		}
		return false
	})}
	out[0] = strings.ReplaceAll(out[0], "#", "^")
	for _, a := range res.Alerts {
		out = append(out, line(func(from, to time.Duration) bool {
			for _, iv := range a.Intervals {
				if iv.From.Sub(scenario.Start()) < to && iv.To.Sub(scenario.Start()) > from {
					return true
				}
			}
			return false
		}))
	}
	return out
}

// AlertName is a short name for an alert in tables: the alert name and the
// labels that tell it apart from the SLO's other alerts.
func AlertName(a AlertResult) string {
	keys := slices.Sorted(maps.Keys(a.Labels))
	var parts []string
	for _, k := range keys {
		switch k {
		case series.SeverityLabel, series.SLOLabel, series.ServiceLabel, series.ObjectiveLabel, series.WindowLabel, series.ThresholdLabel, series.BudgetSpentLabel:
			parts = append(parts, k+"="+a.Labels[k])
		}
	}
	return a.Alert + "{" + strings.Join(parts, ",") + "}"
}
