package serve

import (
	"net/http"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/serve/api"
)

func (s *Server) listSLOs(w http.ResponseWriter, _ *http.Request) {
	states, at, _ := s.snapshot()
	writeWithStates(w, http.StatusOK, api.SLOList{Backend: s.backendURL(), EvaluatedAt: at, DataAgeSeconds: s.age(at)}, states, s.opts.Now())
}

// backendURL is the backend's URL without credentials, for the UI's
// header; empty when the backend does not say it (the embedded demo).
func (s *Server) backendURL() string {
	s.mu.RLock()
	q := s.querier
	s.mu.RUnlock()
	if u, ok := q.(interface{ URL() string }); ok {
		return u.URL()
	}
	return ""
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
	objectives, err := budget.History(r.Context(), rq, m, from, to, step)
	if err != nil {
		fail(w, http.StatusBadGateway, "%v", err)
		return
	}
	for _, o := range objectives {
		h.Objectives = append(h.Objectives, apiObjectiveHistory(o))
	}
	h.Events, err = s.historyEvents(r.Context(), m, from, now) // to now: this minute's events too
	if err != nil {
		s.logger().Warn("reading the audit trail for an SLO's history", "service", service, "err", err)
		h.EventsError = "the audit trail could not be read: deny decisions and past overrides may be missing"
	}
	writeJSON(w, http.StatusOK, h)
}
