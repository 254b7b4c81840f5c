package serve

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/simulate"
	"github.com/slokit/slokit/slo"
)

// Embedded is the budget service's default backend: the specs' generated
// rules running on the embedded Prometheus engine over a scenario's
// synthetic traffic. At start it writes the scenario's history up to now
// and computes the rules over it, so budgets and gates show real numbers at
// once; then it keeps appending samples and evaluating the rules in real
// time.
type Embedded struct {
	b        *simulate.Backtest
	q        budget.EngineQuerier
	lastEval time.Time
}

// StartEmbedded places the scenario on the wall clock, writes its history
// up to now into an engine in dir and computes the rules over it. A
// scenario with a live point joins the story there; one without has run
// its whole duration by now, from a midnight UTC so time of day holds.
func StartEmbedded(ctx context.Context, services []*slo.Service, sc *scenario.Scenario, dir string, now time.Time) (*Embedded, error) {
	start := now.Add(-sc.Duration).UTC().Truncate(24 * time.Hour)
	if sc.Live > 0 {
		start = now.Add(-sc.Live)
	}
	b, err := simulate.Prepare(ctx, simulate.Options{Scenario: sc, Services: services, Dir: dir, Start: start, Until: now.Sub(start)})
	if err != nil {
		return nil, fmt.Errorf("embedded backend: %w", err)
	}
	last := now.Truncate(sc.EvaluationInterval)
	if err := b.Engine.Backfill(ctx, start, last); err != nil {
		b.Close()
		return nil, fmt.Errorf("embedded backend: %w", err)
	}
	return &Embedded{b: b, q: budget.EngineQuerier{Engine: b.Engine}, lastEval: last}, nil
}

// Query reads from the engine.
func (e *Embedded) Query(ctx context.Context, query string, ts time.Time) (model.Vector, error) {
	return e.q.Query(ctx, query, ts)
}

// Tick writes the traffic up to now and evaluates the rules at every
// evaluation time since the last, as a server would.
func (e *Embedded) Tick(ctx context.Context, now time.Time) error {
	if err := e.b.Append(ctx, now); err != nil {
		return err
	}
	step := e.b.Scenario.EvaluationInterval
	for t := e.lastEval.Add(step); !t.After(now); t = t.Add(step) {
		if _, err := e.b.Engine.Eval(ctx, t); err != nil {
			return fmt.Errorf("embedded backend: %w", err)
		}
		e.lastEval = t
	}
	return nil
}

// Run ticks every scrape interval until ctx ends.
func (e *Embedded) Run(ctx context.Context) error {
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

// Close releases the engine.
func (e *Embedded) Close() error {
	return e.b.Close()
}
