package serve

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/serve/api"
	"github.com/slokit/slokit/store"
)

func (s *Server) listMaintenance(w http.ResponseWriter, _ *http.Request) {
	list := s.opts.Store.Maintenance(s.opts.Now())
	writeList(w, "maintenance", apiMaintenanceList(list))
}

// Bounds of a maintenance window made through the API: as long as a
// spec's one-off window at most, and planned at most a month ahead.
const (
	maxMaintenance      = 7 * 24 * time.Hour
	maxMaintenanceAhead = 31 * 24 * time.Hour
)

// createMaintenance stores a maintenance window for a service, or one of
// its SLOs, from now or a later start.
func (s *Server) createMaintenance(w http.ResponseWriter, r *http.Request) {
	var req api.MaintenanceRequest
	if !decodeBody(w, r, &req, strictFields) {
		return
	}
	now := s.opts.Now()
	if !s.judged(w, req.Service) {
		return
	}
	if req.SLO != "" && !s.hasSLO(req.Service, req.SLO) {
		fail(w, http.StatusBadRequest, "service %q has no SLO %q", req.Service, req.SLO)
		return
	}
	start := now
	if req.Start != nil {
		start = *req.Start
	}
	end, ok := endOf(w, "end", req.End, req.Duration, start)
	if !ok || !whoAndWhy(w, "a maintenance window", req.Reason, req.Author) {
		return
	}
	var stretch time.Duration // with the windows it joins
	if !end.IsZero() {
		stretch = s.joinedStretch(req.Service, req.SLO, start, end, now)
	}
	switch {
	case end.IsZero():
		fail(w, http.StatusBadRequest, "an end or a duration is required")
	case !end.After(start) || !end.After(now):
		fail(w, http.StatusBadRequest, "the window must end after its start, and in the future")
	case end.Sub(start) > maxMaintenance:
		fail(w, http.StatusBadRequest, "a maintenance window may last at most %s: leaving out longer would hide a real outage", maxMaintenance)
	case start.Sub(now) > maxMaintenanceAhead:
		fail(w, http.StatusBadRequest, "a maintenance window may start at most %s ahead", maxMaintenanceAhead)
	case stretch > maxMaintenance:
		fail(w, http.StatusBadRequest, "with the windows it touches or overlaps, maintenance of %s would last %s without a break: at most %s at a stretch, since leaving out longer would hide a real outage",
			req.Service, model.Duration(stretch.Truncate(time.Minute)), model.Duration(maxMaintenance))
	default:
		if start.Before(now) {
			// Events already counted stay counted: a window only
			// leaves out what the rules record while it holds.
			start = now
		}
		m, err := s.opts.Store.CreateMaintenance(r.Context(), gate.Maintenance{Service: req.Service, SLO: req.SLO, Start: start, End: end, Reason: req.Reason, Author: req.Author}, clientOf(r), now)
		if err != nil {
			storeFailed(w, "storing the maintenance window", err)
			return
		}
		s.logger().Info("maintenance window created", "id", m.ID, "service", m.Service, "slo", m.SLO, "start", m.Start, "end", m.End)
		writeJSON(w, http.StatusCreated, apiMaintenance(m))
	}
}

// joinedStretch is how long maintenance of the service (or its SLO) would
// last without a break with a new window from start to end: the window
// joined with every window of the same SLOs, as last known, that touches or
// overlaps it, or one that does, and so on. Six adjacent windows of 7 days
// each are 42 days, and the cap on one window holds for the stretch.
func (s *Server) joinedStretch(service, sloName string, start, end, now time.Time) time.Duration {
	type span struct {
		start, end time.Time
		isNew      bool
	}
	spans := []span{{start, end, true}}
	for _, m := range s.opts.Store.Maintenance(now) {
		// A window for the whole service covers every SLO.
		if m.Service == service && (m.SLO == "" || sloName == "" || m.SLO == sloName) {
			spans = append(spans, span{start: m.Start, end: m.End})
		}
	}
	// By start, joined while each touches or overlaps the stretch so far.
	slices.SortFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
	var from, to time.Time
	holdsNew := false
	for i, sp := range spans {
		if i == 0 || sp.start.After(to) { // a break: a new stretch
			if holdsNew {
				break
			}
			from, to = sp.start, sp.end
		} else if sp.end.After(to) {
			to = sp.end
		}
		holdsNew = holdsNew || sp.isNew
	}
	return to.Sub(from)
}

// endMaintenance ends a window, or cancels one to come.
func (s *Server) endMaintenance(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	by, valid := byWhom(w, r)
	if !valid {
		return
	}
	ok, err := s.opts.Store.EndMaintenance(r.Context(), id, by, clientOf(r), s.opts.Now())
	switch {
	case err != nil:
		storeFailed(w, "ending the maintenance window", err)
	case !ok:
		fail(w, http.StatusNotFound, "no maintenance window %q that has not ended", id)
	default:
		s.logger().Info("maintenance window ended", "id", id)
		w.WriteHeader(http.StatusNoContent)
	}
}

// hasSLO reports whether the service has the SLO, as last read.
func (s *Server) hasSLO(service, name string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.models[[2]string{service, name}] != nil
}

// judged answers 503 while the SLOs are not read yet and 400 for a service
// the gate does not judge, and reports whether the service is judged.
func (s *Server) judged(w http.ResponseWriter, service string) bool {
	known, warming := s.lookup(service)
	switch {
	case warming:
		w.Header().Set("Retry-After", "5")
		fail(w, http.StatusServiceUnavailable, "the SLOs have not been read from the backend yet; retry")
	case !known:
		s.unknownService(w, http.StatusBadRequest, service)
	}
	return known && !warming
}

// endOf reads an end given as a time (the field named field) or as a
// duration from start, answering 400 when both are given or the duration
// is not positive. It is zero when neither is given.
func endOf(w http.ResponseWriter, field string, at *time.Time, duration string, start time.Time) (time.Time, bool) {
	switch {
	case at != nil && duration != "":
		fail(w, http.StatusBadRequest, "give %s or duration, not both", field)
		return time.Time{}, false
	case at != nil:
		return *at, true
	case duration != "":
		d, err := time.ParseDuration(duration)
		if err != nil || d <= 0 {
			fail(w, http.StatusBadRequest, "duration must be positive, such as 2h; got %q", duration)
			return time.Time{}, false
		}
		return start.Add(d), true
	}
	return time.Time{}, true
}

// whoAndWhy checks who makes a change of state and why: both required, in
// plain text of bounded length. It answers 400 and returns false when
// they do not hold.
func whoAndWhy(w http.ResponseWriter, what, reason, author string) bool {
	textErr := errors.Join(plainText("author", author, maxAuthor), plainText("reason", reason, maxReason))
	switch {
	case strings.TrimSpace(reason) == "" || strings.TrimSpace(author) == "":
		fail(w, http.StatusBadRequest, "reason and author are required: %s must say who and why", what)
	case textErr != nil:
		fail(w, http.StatusBadRequest, "%v", textErr)
	default:
		return true
	}
	return false
}

// storeFailed answers a failed change of state: 429 at the cap on
// overrides, 503 when a shared store is unreachable (the change was not
// made; retry), 500 otherwise.
func storeFailed(w http.ResponseWriter, what string, err error) {
	switch {
	case errors.Is(err, store.ErrTooManyOverrides), errors.Is(err, store.ErrTooManyWindows):
		fail(w, http.StatusTooManyRequests, "%v", err)
	case errors.Is(err, store.ErrStoreUnavailable):
		w.Header().Set("Retry-After", "5")
		fail(w, http.StatusServiceUnavailable, "%s: %v", what, err)
	default:
		fail(w, http.StatusInternalServerError, "%s: %v", what, err)
	}
}
