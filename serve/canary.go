package serve

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/canary"
	"github.com/slokit/slokit/slo"
)

// canaryTimeout bounds a canary check's reads of the backend: four
// queries an objective, each under the querier's own timeout.
const canaryTimeout = 30 * time.Second

// canaryCheck judges a canary of a service by its SLOs (GET
// /api/v1/canary/{service}?canary=…&baseline=…): the Argo Rollouts web
// provider reads its verdict. It reads the SLIs' raw series, so it needs
// the service's spec; it changes nothing.
func (s *Server) canaryCheck(w http.ResponseWriter, r *http.Request) {
	service := r.PathValue("service")
	if !validService(w, service) {
		return
	}
	q := r.URL.Query()
	req := canary.Request{SLO: q.Get("slo"), Window: 10 * time.Minute, Confidence: canary.DefaultConfidence}
	sides, err := canary.ParseSides(q.Get("canary"), q.Get("baseline"))
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	req.Sides = sides
	if v := q.Get("window"); v != "" {
		d, err := model.ParseDuration(v)
		if err != nil || time.Duration(d) <= 0 || time.Duration(d) > canary.MaxWindow {
			fail(w, http.StatusBadRequest, "window must be a duration above 0 and at most %s, such as 10m; got %q", model.Duration(canary.MaxWindow), v)
			return
		}
		req.Window = time.Duration(d)
	}
	if v := q.Get("confidence"); v != "" {
		c, err := strconv.ParseFloat(v, 64)
		if err != nil || !(c >= 0.5 && c < 1) {
			fail(w, http.StatusBadRequest, "confidence must be at least 0.5 and below 1, such as 0.99; got %q", v)
			return
		}
		req.Confidence = c
	}
	s.mu.RLock()
	querier, spec := s.querier, s.specOf(service)
	s.mu.RUnlock()
	switch {
	case querier == nil:
		fail(w, http.StatusServiceUnavailable, "the backend is not connected yet")
		return
	case spec == nil:
		fail(w, http.StatusNotFound, "no spec of service %q: a canary is judged by the raw series its SLIs name", service)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), canaryTimeout)
	defer cancel()
	rep, err := canary.Check(ctx, querier, spec, req, s.opts.Now())
	var backend canary.BackendError
	switch {
	case errors.As(err, &backend):
		fail(w, http.StatusBadGateway, "%v", err)
		return
	case err != nil:
		fail(w, http.StatusUnprocessableEntity, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// specOf is the service's spec as last (re)loaded, or nil; the caller
// holds s.mu.
func (s *Server) specOf(service string) *slo.Service {
	for _, svc := range s.specs {
		if svc.Name == service {
			return svc
		}
	}
	return nil
}
