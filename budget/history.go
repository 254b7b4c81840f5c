package budget

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// ObjectiveHistory is how one objective of an SLO (one group of a grouped
// SLO) fared over a range: its remaining budget, its SLI over the period
// and its burn rate per alert window, each a point per step. A step with
// no data (a ratio over no events) has no point.
type ObjectiveHistory struct {
	Objective string
	Threshold string            // series.ThresholdValue; empty but for latency SLIs
	Group     map[string]string // the grouping labels' values; nil if not grouped
	Remaining []Point
	SLI       []Point
	BurnRates map[string][]Point // by window, as series.WindowValue writes it
}

// Point is a value at a time.
type Point struct {
	T time.Time
	V float64
}

// History reads s's recorded series over [from, to] at step, as a range
// query each: the remaining budget and burn rates of every objective and
// the SLI over the budget's period, which every objective of its
// threshold shares. Objectives come in order of objective, threshold and
// group. An SLO tracked by region has a history per region, and one over
// all of them whose group has no region label (as its states do).
func History(ctx context.Context, q RangeQuerier, s *slo.SLO, from, to time.Time, step time.Duration) ([]ObjectiveHistory, error) {
	byKey := map[string]*ObjectiveHistory{}
	s = s.ByRegion()
	objectiveOf := func(m model.Metric, objective string) *ObjectiveHistory {
		group := groupOf(s, m)
		k := objective + "\x00" + string(m[series.ThresholdLabel]) + "\x00" + fmt.Sprint(group)
		if byKey[k] == nil {
			byKey[k] = &ObjectiveHistory{Objective: objective, Threshold: string(m[series.ThresholdLabel]), Group: group, BurnRates: map[string][]Point{}}
		}
		return byKey[k]
	}
	for _, part := range []struct {
		query string
		add   func(m model.Metric, p []Point)
	}{
		{sloSelector(series.BudgetRemaining, s), func(m model.Metric, p []Point) {
			objectiveOf(m, string(m[series.ObjectiveLabel])).Remaining = p
		}},
		{sloSelector(series.BurnRate, s), func(m model.Metric, p []Point) {
			objectiveOf(m, string(m[series.ObjectiveLabel])).BurnRates[string(m[series.WindowLabel])] = p
		}},
		{"1 - " + sloSelector(series.ErrorRatio, s, series.WindowLabel, s.BudgetWindow()), func(m model.Metric, p []Point) {
			for _, o := range s.Objectives {
				if o.Threshold == 0 || series.ThresholdValue(o.Threshold) == string(m[series.ThresholdLabel]) {
					objectiveOf(m, o.Label()).SLI = p
				}
			}
		}},
	} {
		mat, err := q.QueryRange(ctx, part.query, from, to, step)
		if err != nil {
			return nil, err
		}
		for _, ss := range mat {
			part.add(ss.Metric, points(ss.Values))
		}
	}
	out := make([]ObjectiveHistory, 0, len(byKey))
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		out = append(out, *byKey[k])
	}
	return out, nil
}

// points keeps the finite values (no traffic makes a ratio NaN).
func points(vs []model.SamplePair) []Point {
	out := make([]Point, 0, len(vs))
	for _, v := range vs {
		if f, ok := series.Finite(v.Value); ok {
			out = append(out, Point{T: v.Timestamp.Time(), V: f})
		}
	}
	return out
}

// sloSelector selects a recorded series of one SLO, with extra label
// pairs: the one place the reader writes an SLO's identity into PromQL.
func sloSelector(name string, s *slo.SLO, extra ...string) string {
	sel := fmt.Sprintf(`%s{%s=%q,%s=%q`, name, series.ServiceLabel, s.Service, series.SLOLabel, s.Name)
	for i := 0; i+1 < len(extra); i += 2 {
		sel += fmt.Sprintf(`,%s=%q`, extra[i], extra[i+1])
	}
	return sel + "}"
}
