package canary

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// Querier runs an instant PromQL query: a Prometheus-compatible backend,
// or the embedded engine.
type Querier interface {
	Query(ctx context.Context, query string, at time.Time) (model.Vector, error)
}

// Sides tell the canary's series from the baseline's: label matchers
// added to every selector of the SLI (rollouts-pod-template-hash="…",
// or Flagger's deployment names).
type Sides struct {
	Canary, Baseline []*labels.Matcher
}

// Observed is what each side served for one objective over the window.
type Observed struct {
	Objective        slo.Objective
	Canary, Baseline Events
}

// Read reads, for each objective of the SLO, the events of the canary and
// of the baseline over the window up to at, from the SLI's raw series:
// a ratio's counters, a latency SLI's buckets (bad: slower than the
// objective's threshold), a 0/1 gauge's samples. The other kinds are
// judged by no canary: they are refused.
func Read(ctx context.Context, q Querier, s *slo.SLO, sides Sides, window time.Duration, at time.Time) ([]Observed, error) {
	if window <= 0 {
		return nil, fmt.Errorf("the analysis window must be positive, got %s", window)
	}
	if err := Supports(s); err != nil {
		return nil, err
	}
	out := make([]Observed, 0, len(s.Objectives))
	for _, o := range s.Objectives {
		total, bad, err := queries(s, o, window)
		if err != nil {
			return nil, err
		}
		ob := Observed{Objective: o}
		for _, side := range []struct {
			extra []*labels.Matcher
			into  *Events
		}{{sides.Canary, &ob.Canary}, {sides.Baseline, &ob.Baseline}} {
			if side.into.Total, err = scalar(ctx, q, total(side.extra), at); err != nil {
				return nil, err
			}
			if side.into.Bad, err = scalar(ctx, q, bad(side.extra), at); err != nil {
				return nil, err
			}
			// Counter resets and extrapolation can leave the two a hair
			// apart: bad events are never more than all of them.
			side.into.Bad = math.Min(math.Max(side.into.Bad, 0), side.into.Total)
		}
		out = append(out, ob)
	}
	return out, nil
}

// query builds a query of a side's events from its extra matchers.
type query func(extra []*labels.Matcher) string

// queries are the queries of all and of bad events of an objective.
func queries(s *slo.SLO, o slo.Objective, window time.Duration) (total, bad query, err error) {
	w := model.Duration(window).String()
	increase := func(sel *slo.Selector, more ...*labels.Matcher) query {
		return func(extra []*labels.Matcher) string {
			return fmt.Sprintf("sum(increase(%s[%s]))", selector(sel, append(more, extra...)), w)
		}
	}
	minus := func(a, b query) query {
		return func(extra []*labels.Matcher) string { return a(extra) + " - " + b(extra) }
	}
	sli := s.SLI
	switch {
	case sli.Kind == slo.Ratio && sli.Errors != nil:
		return increase(sli.Total), increase(sli.Errors), nil
	case sli.Kind == slo.Ratio:
		return increase(sli.Total), minus(increase(sli.Total), increase(sli.Good)), nil
	case sli.Kind == slo.Latency && !sli.NativeHistogram:
		all := increase(sli.Histogram, labels.MustNewMatcher(labels.MatchEqual, labels.BucketLabel, "+Inf"))
		fast := increase(sli.Histogram, labels.MustNewMatcher(labels.MatchRegexp, labels.BucketLabel, series.BucketPattern(o.Threshold)))
		return all, minus(all, fast), nil
	case sli.Kind == slo.BoolGauge:
		over := func(fn string) query {
			return func(extra []*labels.Matcher) string {
				return fmt.Sprintf("sum(%s(%s[%s]))", fn, selector(sli.Gauge, extra), w)
			}
		}
		return over("count_over_time"), minus(over("count_over_time"), over("sum_over_time")), nil
	}
	return nil, nil, fmt.Errorf("%s/%s: a %s SLI is not judged for canaries", s.Service, s.Name, kindName(sli))
}

// Supports says why an SLO's canary cannot be judged, or nil: its events
// must be raw series of the rollout's pods, labelled by side.
func Supports(s *slo.SLO) error {
	switch sli := s.SLI; {
	case sli.Kind != slo.Ratio && sli.Kind != slo.BoolGauge && (sli.Kind != slo.Latency || sli.NativeHistogram):
		return fmt.Errorf("%s/%s: a %s SLI is not judged for canaries: ratio, classic-histogram latency and 0/1 gauge SLIs are", s.Service, s.Name, kindName(sli))
	case len(s.Alerting.Tiers) == 0:
		return fmt.Errorf("%s/%s has no burn-rate tier (page and ticket disabled): no burn rate to judge a canary against", s.Service, s.Name)
	}
	return nil
}

// MaxBurnRate is the burn rate a canary of the SLO must stay under: the
// highest factor of its page tiers (of its tiers, without pages). The
// SLO has tiers (Supports).
func MaxBurnRate(s *slo.SLO) float64 {
	highest := 0.0
	for _, t := range s.Alerting.UrgentTiers() {
		highest = max(highest, t.Factor)
	}
	return highest
}

func kindName(sli slo.SLI) string {
	if sli.Kind == slo.Latency {
		return "native-histogram latency"
	}
	return sli.Kind.String()
}

// selector is sel with more matchers, as PromQL.
func selector(sel *slo.Selector, more []*labels.Matcher) string {
	vs := sel.VectorSelector()
	vs.LabelMatchers = append(vs.LabelMatchers, more...)
	return vs.String()
}

// scalar runs a query that sums to one sample; no sample (no series of
// that side yet) is 0 events.
func scalar(ctx context.Context, q Querier, query string, at time.Time) (float64, error) {
	v, err := q.Query(ctx, query, at)
	if err != nil {
		return 0, BackendError{err}
	}
	switch len(v) {
	case 0:
		return 0, nil
	case 1:
		if f, ok := series.Finite(v[0].Value); ok {
			return f, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("%s: %d samples, want one", query, len(v))
}

// BackendError is a failed read of the backend, as opposed to a canary
// or a spec that cannot be judged: a server answers it as a bad gateway.
type BackendError struct{ Err error }

func (e BackendError) Error() string { return e.Err.Error() }

func (e BackendError) Unwrap() error { return e.Err }
