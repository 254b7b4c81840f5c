package serve

import (
	"net"
	"net/http"
	"time"

	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/serve/api"
	"github.com/slokit/slokit/store"
)

// injectIncident starts an incident in the embedded backend's traffic, so
// a demo can show the gate freeze and thaw on demand.
func (s *Server) injectIncident(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	incidents := s.incidents
	s.mu.RUnlock()
	if incidents == nil {
		fail(w, http.StatusNotFound, "incidents can only be injected into the embedded demo backend (slokit serve without --prometheus-url), once it has started")
		return
	}
	req := api.IncidentRequest{Duration: "30m"}
	if !decodeBody(w, r, &req, strictFields) {
		return
	}
	d, err := time.ParseDuration(req.Duration)
	level := scenario.Level{Burn: 60}
	known, _ := s.lookup(req.Service)
	switch {
	case !known:
		s.unknownService(w, http.StatusBadRequest, req.Service)
		return
	case err != nil || d <= 0 || d > maxIncident:
		fail(w, http.StatusBadRequest, "duration must be positive and at most %s, such as 30m; got %q", maxIncident, req.Duration)
		return
	case req.Burn != nil && req.Ratio != nil:
		fail(w, http.StatusBadRequest, "give burn or ratio, not both")
		return
	case req.Burn != nil && (*req.Burn <= 0 || *req.Burn > 10000):
		fail(w, http.StatusBadRequest, "burn must be above 0 and at most 10000, got %v", *req.Burn)
		return
	case req.Ratio != nil && (*req.Ratio <= 0 || *req.Ratio > 1):
		fail(w, http.StatusBadRequest, "ratio must be above 0 and at most 1, got %v", *req.Ratio)
		return
	case req.Burn != nil:
		level = scenario.Level{Burn: *req.Burn}
	case req.Ratio != nil:
		level = scenario.Level{Ratio: *req.Ratio}
	}
	now := s.opts.Now()
	incidents.Inject(req.Service, d, level, now)
	inc := api.Incident{Service: req.Service, Start: now.UTC(), End: now.Add(d).UTC(), Burn: level.Burn, Ratio: level.Ratio}
	record := store.Incident(inc)
	_ = s.opts.Store.Record(r.Context(), store.AuditEntry{Time: now, Kind: "incident-injected", Incident: &record, Client: clientOf(r)})
	writeJSON(w, http.StatusCreated, inc)
}

func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
