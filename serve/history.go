package serve

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/serve/api"
)

func (s *Server) listSLOs(w http.ResponseWriter, _ *http.Request) {
	states, at, _ := s.snapshot()
	writeWithStates(w, http.StatusOK, api.SLOList{EvaluatedAt: at, DataAgeSeconds: s.age(at)}, states, s.opts.Now())
}

func (s *Server) getSLO(w http.ResponseWriter, r *http.Request) {
	service, name := r.PathValue("service"), r.PathValue("slo")
	states, at, _ := s.snapshot()
	var out []servedState
	for _, st := range states {
		if st.Service == service && st.SLO == name {
			out = append(out, st)
		}
	}
	if len(out) == 0 {
		fail(w, http.StatusNotFound, "no SLO %s of service %s", name, service)
		return
	}
	writeWithStates(w, http.StatusOK, api.SLOList{EvaluatedAt: at, DataAgeSeconds: s.age(at)}, out, s.opts.Now())
}

func (s *Server) age(at time.Time) float64 {
	if at.IsZero() {
		return -1
	}
	return s.opts.Now().Sub(at).Round(time.Millisecond).Seconds()
}

// Bounds of a history: the longest calendar month, at most historyPoints
// points per series.
const (
	maxHistory    = 31 * 24 * time.Hour
	historyPoints = 240
)

// sloHistory answers an SLO's remaining budget, SLI over its period and
// burn rates over a range (default: the period, or the calendar period to
// date), with its alert tiers, for the web UI's burndown.
func (s *Server) sloHistory(w http.ResponseWriter, r *http.Request) {
	service, name := r.PathValue("service"), r.PathValue("slo")
	s.mu.RLock()
	m, q := s.models[[2]string{service, name}], s.querier
	s.mu.RUnlock()
	if m == nil {
		fail(w, http.StatusNotFound, "no SLO %s of service %s", name, service)
		return
	}
	rq, ok := q.(budget.RangeQuerier)
	if !ok {
		fail(w, http.StatusNotImplemented, "the backend answers no range queries")
		return
	}
	now := s.opts.Now()
	to := now.Truncate(time.Minute)
	periodStart, periodEnd := to.Add(-m.Period), to
	if m.Calendar != nil {
		periodStart, periodEnd = m.Calendar.Start(now), m.Calendar.End(now)
	}
	from := periodStart
	if v := r.URL.Query().Get("range"); v != "" {
		d, err := model.ParseDuration(v)
		if err != nil || time.Duration(d) < time.Hour || time.Duration(d) > maxHistory {
			fail(w, http.StatusBadRequest, "range must be a duration from 1h to %s, such as 7d; got %q", model.Duration(maxHistory), v)
			return
		}
		from = to.Add(-time.Duration(d))
	}
	step := max(m.BaseWindow, (to.Sub(from)/historyPoints + time.Minute - 1).Truncate(time.Minute))
	h := api.SLOHistory{Service: service, SLO: name, From: from, To: to, StepSeconds: step.Seconds(),
		PeriodStart: periodStart, PeriodEnd: periodEnd, Objectives: []api.ObjectiveHistory{}}
	for _, t := range m.Alerting.Tiers {
		h.Tiers = append(h.Tiers, apiTier(t))
	}
	sel := fmt.Sprintf(`{%s=%q,%s=%q}`, series.ServiceLabel, service, series.SLOLabel, name)
	byObjective := map[string]*api.ObjectiveHistory{}
	objectiveOf := func(met model.Metric, objective string) *api.ObjectiveHistory {
		group := map[string]string{}
		for _, g := range m.Grouping {
			group[g] = string(met[model.LabelName(g)])
		}
		k := objective + "\x00" + string(met[series.ThresholdLabel]) + "\x00" + fmt.Sprint(group)
		if byObjective[k] == nil {
			o := &api.ObjectiveHistory{Objective: objective, Threshold: string(met[series.ThresholdLabel]), BurnRates: map[string][]api.Point{}}
			if len(group) > 0 {
				o.Group = group
			}
			byObjective[k] = o
		}
		return byObjective[k]
	}
	points := func(vs []model.SamplePair) []api.Point {
		out := make([]api.Point, 0, len(vs))
		for _, v := range vs {
			// No traffic makes a ratio NaN, which JSON cannot hold:
			// no data, no point.
			if f, ok := series.Finite(v.Value); ok {
				out = append(out, api.Point{float64(v.Timestamp) / 1000, clean(f)})
			}
		}
		return out
	}
	for _, part := range []struct {
		query string
		add   func(met model.Metric, p []api.Point)
	}{
		{series.BudgetRemaining + sel, func(met model.Metric, p []api.Point) {
			objectiveOf(met, string(met[series.ObjectiveLabel])).Remaining = p
		}},
		{series.BurnRate + sel, func(met model.Metric, p []api.Point) {
			objectiveOf(met, string(met[series.ObjectiveLabel])).BurnRates[string(met[series.WindowLabel])] = p
		}},
		{fmt.Sprintf(`1 - %s{%s=%q,%s=%q,%s=%q}`, series.ErrorRatio, series.ServiceLabel, service, series.SLOLabel, name, series.WindowLabel, m.BudgetWindow()), func(met model.Metric, p []api.Point) {
			// The SLI has no objective: every objective of its threshold
			// shares it.
			for _, o := range m.Objectives {
				if o.Threshold == 0 || series.ThresholdValue(o.Threshold) == string(met[series.ThresholdLabel]) {
					objectiveOf(met, o.Label()).SLI = p
				}
			}
		}},
	} {
		mat, err := rq.QueryRange(r.Context(), part.query, from, to, step)
		if err != nil {
			fail(w, http.StatusBadGateway, "%v", err)
			return
		}
		for _, ss := range mat {
			part.add(ss.Metric, points(ss.Values))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(byObjective)) {
		h.Objectives = append(h.Objectives, *byObjective[k])
	}
	writeJSON(w, http.StatusOK, h)
}
