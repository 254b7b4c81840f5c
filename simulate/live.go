package simulate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/slo"
)

// Live is a scenario played in real time: the specs' generated rules
// running on the embedded Prometheus engine over the scenario's synthetic
// traffic. It is slokit serve's default (demo) backend, which cmd wires
// in, so the server itself links no engine. At start it writes the scenario's history up to now
// and computes the rules over it, so budgets and gates show real numbers at
// once; then it keeps appending samples and evaluating the rules in real
// time.
type Live struct {
	q engine.ModelQuerier

	// mu orders the ticks, which append samples and evaluate rules,
	// before and after the queries that read them: the engine runs without
	// TSDB isolation (see engine.OpenWith), so a query during a tick could
	// see half an append. It also guards the scenario's events, which
	// injected incidents extend and ticks read.
	mu       sync.RWMutex
	b        *Backtest
	lastEval time.Time
}

// StartLive places the scenario on the wall clock, writes its history
// up to now into an engine in dir and computes the rules over it. A
// scenario with a live point joins the story there; one without has run
// its whole duration by now, from a midnight UTC so time of day holds.
func StartLive(ctx context.Context, services []*slo.Service, sc *scenario.Scenario, dir string, now time.Time) (*Live, error) {
	own := *sc // injected incidents extend this run's events only
	own.Errors.Events = slices.Clone(sc.Errors.Events)
	own.Incidents = slices.Clone(sc.Incidents)
	sc = &own
	start := now.Add(-sc.Duration).UTC().Truncate(24 * time.Hour)
	if sc.Live > 0 {
		start = now.Add(-sc.Live)
	}
	// Evaluations on the scenario's grid, live ones going on from there;
	// alerts evaluated too, so that a page already firing shows at once.
	last := now.Sub(start).Truncate(sc.EvaluationInterval)
	b, _, err := Replay(ctx, Options{Scenario: sc, Services: services, Dir: dir, Start: start, Until: now.Sub(start)}, 0, last)
	if err != nil {
		return nil, fmt.Errorf("embedded backend: %w", err)
	}
	return &Live{b: b, q: engine.ModelQuerier{Engine: b.Engine}, lastEval: start.Add(last)}, nil
}

// Warnings name parts of the scenario that touch none of the specs'
// services.
func (e *Live) Warnings() []string { return e.b.Warnings }

// Query reads from the engine.
func (e *Live) Query(ctx context.Context, query string, ts time.Time) (model.Vector, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.q.Query(ctx, query, ts)
}

// QueryRange reads a range from the engine.
func (e *Live) QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) (model.Matrix, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.q.QueryRange(ctx, query, start, end, step)
}

// Tick writes the traffic up to now and evaluates the rules at every
// evaluation time since the last, as a server would.
func (e *Live) Tick(ctx context.Context, now time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.b.Append(ctx, now); err != nil {
		return err
	}
	step := e.b.Scenario.EvaluationInterval
	for t := e.lastEval.Add(step); !t.After(now); t = t.Add(step) {
		if !e.b.Down(t) {
			if _, err := e.b.Engine.Eval(ctx, t); err != nil {
				return fmt.Errorf("embedded backend: %w", err)
			}
		}
		e.lastEval = t
	}
	return nil
}

// Inject makes the service's requests fail from now on for d, at a burn
// rate or an error ratio: an incident on demand, to show the gate freeze.
func (e *Live) Inject(service string, d time.Duration, level scenario.Level, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	offset := now.Sub(e.b.Start())
	ev := scenario.ErrorEvent{Kind: scenario.Step, Window: scenario.Window{Start: offset, Duration: d}, Level: level, Service: service}
	e.b.Scenario.Errors.Events = append(e.b.Scenario.Errors.Events, ev)
	e.b.Scenario.Incidents = append(e.b.Scenario.Incidents, ev.Window)
}

// Run ticks every scrape interval until ctx ends.
func (e *Live) Run(ctx context.Context) error {
	t := time.NewTicker(e.b.Scenario.ScrapeInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			if err := e.Tick(ctx, now); err != nil {
				return err
			}
		}
	}
}

// Close releases the engine, once no tick or query is using it.
func (e *Live) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.b.Close()
}

// History writes the scenario's whole traffic into an engine in dir,
// placed so that it ends at now, computes the rules over it and writes the
// alerts that fired as ALERTS series, as a Prometheus server that
// evaluated the rules all along would hold them: for reports over the
// scenario. Close the backtest when done.
func History(ctx context.Context, services []*slo.Service, sc *scenario.Scenario, dir string, now time.Time) (*Backtest, error) {
	start := now.Add(-sc.Duration).Truncate(sc.EvaluationInterval)
	b, err := Prepare(ctx, Options{Scenario: sc, Services: services, Dir: dir, Start: start})
	if err != nil {
		return nil, err
	}
	end := b.End()
	if err := b.Engine.BackfillExcept(ctx, start, end, b.Down); err != nil {
		b.Close()
		return nil, err
	}
	fired, err := alerts(ctx, b.Engine, sc, start, end, b.Down)
	if err != nil {
		b.Close()
		return nil, err
	}
	if err := b.writeAlerts(ctx, fired); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// writeAlerts writes ALERTS{alertstate="firing"} at every evaluation of
// each firing interval, and a staleness marker at its end, as the rule
// manager does.
func (b *Backtest) writeAlerts(ctx context.Context, fired []AlertResult) error {
	step := b.Scenario.EvaluationInterval
	app := b.Engine.Appender(ctx)
	for _, a := range fired {
		lb := labels.NewBuilder(labels.FromMap(a.Labels))
		lb.Set(labels.MetricName, "ALERTS")
		lb.Set(labels.AlertName, a.Alert)
		lb.Set("alertstate", "firing")
		ls := lb.Labels()
		for _, iv := range a.Intervals {
			for t := iv.From; t.Before(iv.To); t = t.Add(step) {
				if err := app.Add(ls, t.UnixMilli(), 1); err != nil {
					return errors.Join(err, app.Rollback())
				}
			}
			if !iv.Open {
				if err := app.Add(ls, iv.To.UnixMilli(), math.Float64frombits(value.StaleNaN)); err != nil {
					return errors.Join(err, app.Rollback())
				}
			}
		}
	}
	return app.Commit()
}
