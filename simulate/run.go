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
	"math/rand/v2"
	"slices"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/history"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/scorecard"
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
	// over its scrape interval, times the series of every SLO), or a
	// history reads, which the engine holds in memory; 0 means
	// DefaultMaxSamples.
	MaxSamples float64
	// Past, when set, replays the rules over a backend's real past
	// instead of a scenario's synthetic traffic; Scenario is then
	// ignored.
	Past *Past
	// Scorecard, when set, judges the alerts against the incidents in
	// the SLOs' counts, beside the tier sets it names.
	Scorecard *ScorecardOptions
}

// Past is a stretch of a backend's real past: the raw series the SLOs
// read, from Source over (From, To]. There is no exact figure to judge
// budgets by; every firing is reported, and judged by the incidents its
// SLO's counts show when a scorecard is asked for.
type Past struct {
	Source   history.Source
	From, To time.Time
}

// Defaults for Options.
const (
	DefaultReplayLimit = 5e9
	DefaultCheckpoints = 48
	// DefaultMaxSamples is about 4 GiB of engine memory with the rules'
	// series, and 150 times what healthy-30d writes for one SLO.
	DefaultMaxSamples = 250e6
)

// Backtest is a scenario's traffic loaded into an engine with the rules to
// evaluate, before any rule has run. The budget service's embedded backend
// starts from one too.
type Backtest struct {
	Engine   *engine.Engine
	Scenario *scenario.Scenario
	// Services are the specs' services as simulated: in a scenario with
	// regions, tracked by region (slo.TrackedByRegion).
	Services []*slo.Service
	sources  []*source
	journeys []*slo.SLO // SLOs with no source: their members' are theirs
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
	if o.Past != nil {
		return prepareHistory(ctx, o)
	}
	sc := o.Scenario
	services, regions := o.Services, []string{""}
	if len(sc.Regions) > 0 {
		services, regions = slo.TrackedByRegion(services, sc.RegionNames()), sc.RegionNames()
	}
	sources, owner, journeys, err := newSources(services, regions, sc.Series)
	if err != nil {
		return nil, err
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
	b := &Backtest{Engine: e, Scenario: sc, Services: services, sources: sources, journeys: journeys, start: start, rng: rand.New(rand.NewPCG(sc.Seed, 0x5eed)),
		Warnings: append(unmatchedEvents(sc, services), regionWarnings(sc, services)...)}
	switch {
	case len(o.RuleFiles) > 0:
		err = e.LoadRules(o.RuleFiles...)
	case len(sc.Regions) > 0:
		err = e.LoadGroups(append(b.edgeGroups(services), generatedGroups(services, promrules.TierGlobal)...)...)
	default:
		err = e.LoadGroups(generatedGroups(services, promrules.TierAll)...)
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
// of one tier (TierAll, or TierGlobal over the edge groups of a scenario
// with regions), in the order a rule file lists them, each named after the
// file it would be written to.
//
// Journeys' groups come after their members' (slo.InEvaluationOrder):
// they read what the members' groups record, and the engine backfills and
// evaluates groups in order.
func generatedGroups(services []*slo.Service, tier promrules.Tier) []engine.Group {
	var out []engine.Group
	for _, s := range slo.InEvaluationOrder(services) {
		if g, ok := promrules.TierGroup(s, tier); ok {
			out = append(out, engine.Group{File: promrules.FileName(s.Service), RuleGroup: g})
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
	if o.Past == nil {
		o.Start, o.Until = time.Time{}, 0
	}
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

	res := &Result{Scenario: sc.Name, Start: start, Warnings: b.Warnings}
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
		markPages(res.Alerts, b.Services)
		if o.Past == nil {
			res.Budgets, err = budgets(ctx, e, sc, sources, b.journeys, end)
			if err != nil {
				return nil, err
			}
		}
	}
	progress("measuring the cost of the rules")
	if res.Cost, err = measureCost(ctx, e, sc, res.Cost.Method, o.Checkpoints, start, end); err != nil {
		return nil, err
	}
	// Last: with rules not slokit's, the scorecard loads slokit's
	// recording rules in their place.
	if o.Scorecard != nil && res.Cost.Method == "replay" {
		progress("scoring the alerts against the incidents")
		var judged map[int]scorecard.Row
		if res.Scorecards, judged, err = b.scorecards(ctx, *o.Scorecard, res.Alerts, len(o.RuleFiles) > 0, start, end); err != nil {
			return nil, err
		}
		if o.Past != nil {
			judge(res.Alerts, judged)
		}
	}
	return res, nil
}

// write appends every scrape of every source up to offset until.
func (b *Backtest) write(ctx context.Context, until time.Duration) error {
	sc := b.Scenario
	app := b.Engine.Appender(ctx)
	batch := 0
	for ; b.next <= until; b.next += sc.ScrapeInterval {
		ms := b.start.Add(b.next).UnixMilli()
		for _, src := range b.sources {
			scraper := app
			if !sc.RegionMonitored(src.region, b.next) {
				scraper = nil
			}
			if err := src.scrape(scraper, sc, b.rng, b.next, ms, b.next == 0); err != nil {
				return fmt.Errorf("simulate: write traffic: %w", errors.Join(err, app.Rollback()))
			}
		}
		if sc.Monitored(b.next) {
			if err := scrapeMaintenance(app, sc, b.next, ms); err != nil {
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

// newSources makes a source per SLO and region, each writing series
// series, and lists the journeys, whose members' series are their
// traffic. owner names the SLO that writes each series: two may not.
func newSources(services []*slo.Service, regions []string, series int) (sources []*source, owner map[string]string, journeys []*slo.SLO, err error) {
	owner = map[string]string{}
	for _, svc := range services {
		for _, s := range svc.SLOs {
			if s.SLI.Kind == slo.Journey {
				// Its members' series are its traffic.
				journeys = append(journeys, s)
				continue
			}
			for _, region := range regions {
				src, err := newSource(s, series, region)
				if err != nil {
					return nil, nil, nil, err
				}
				if leader := histogramLeader(sources, src); leader != nil {
					// Two SLOs of one histogram (requests under 500ms, and
					// minutes whose p99 is): one set of buckets for both.
					if err := leader.follow(src, series); err != nil {
						return nil, nil, nil, err
					}
					for _, k := range leader.seriesKeys() { // the followers' thresholds' buckets too
						if owner[k] == "" {
							owner[k] = leader.slo.Service + "/" + leader.slo.Name
						}
					}
				}
				for _, k := range src.seriesKeys() {
					if prev, dup := owner[k]; dup {
						return nil, nil, nil, fmt.Errorf("SLOs %s and %s/%s read the same series %s: simulate them separately", prev, s.Service, s.Name, k)
					}
					owner[k] = s.Service + "/" + s.Name
				}
				sources = append(sources, src)
			}
		}
	}
	return sources, owner, journeys, nil
}
