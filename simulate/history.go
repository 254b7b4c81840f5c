package simulate

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/history"
	"github.com/slokit/slokit/scenario"
)

// prepareHistory reads the raw series the SLOs read over the history's
// stretch into a new engine and loads the rules, as Prepare does for a
// scenario: the run is the stretch, evaluated every minute.
func prepareHistory(ctx context.Context, o Options) (*Backtest, error) {
	h := o.Past
	sc := PastScenario(h)
	from, to := h.From.Truncate(time.Minute), h.To.Truncate(time.Minute)
	selectors, err := history.Selectors(o.Services)
	if err != nil {
		return nil, err
	}
	if len(selectors) == 0 {
		return nil, fmt.Errorf("no SLO reads raw series to replay (journeys read their members')")
	}
	e, err := engine.Open(o.Dir)
	if err != nil {
		return nil, err
	}
	maxSamples := o.MaxSamples
	if maxSamples <= 0 {
		maxSamples = DefaultMaxSamples
	}
	var progress func(read, total time.Duration)
	if o.Progress != nil {
		progress = func(read, total time.Duration) {
			o.Progress(fmt.Sprintf("reading the history: %s of %s", model.Duration(read), model.Duration(total)))
		}
	}
	rep, err := history.Load(ctx, h.Source, selectors, e, history.Options{From: from, To: to, MaxSamples: int64(maxSamples), Progress: progress})
	if err == nil && len(o.RuleFiles) > 0 {
		err = e.LoadRules(o.RuleFiles...)
	} else if err == nil {
		err = e.LoadGroups(generatedGroups(o.Services, promrules.TierAll)...)
	}
	if err != nil {
		e.Close()
		return nil, err
	}
	b := &Backtest{Engine: e, Scenario: sc, Services: o.Services, start: from, next: sc.Duration + sc.ScrapeInterval, Warnings: rep.Warnings(from)}
	return b, nil
}

// PastScenario describes a past replayed as a scenario: its stretch,
// evaluated every minute, no incident.
func PastScenario(p *Past) *scenario.Scenario {
	from, to := p.From.Truncate(time.Minute), p.To.Truncate(time.Minute)
	return &scenario.Scenario{
		Name:               "history",
		Description:        fmt.Sprintf("the backend's raw series from %s to %s (UTC)", from.UTC().Format("2006-01-02 15:04"), to.UTC().Format("2006-01-02 15:04")),
		Duration:           to.Sub(from),
		ScrapeInterval:     time.Minute,
		EvaluationInterval: time.Minute,
		Seed:               1,
	}
}
