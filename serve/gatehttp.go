package serve

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/serve/api"
	"github.com/slokit/slokit/slo"
)

// decide answers a gate check with the decision and the states it was
// made on, which the answer lists (writeWithStates). It returns false when
// the gate cannot decide and fail-open is off.
func (s *Server) decide(service string, change slo.Change, region, client string, now time.Time) (api.GateResponse, []servedState, bool) {
	d, resp, states, decided := s.judge(service, change, region, now)
	if !decided {
		return resp, nil, false
	}
	s.decisions.WithLabelValues(service, resp.Decision).Inc()
	if err := s.opts.Store.Decision(d, client, now); err != nil {
		s.auditErrs.Add(1)
	}
	if resp.Decision == string(gate.Deny) {
		s.denials.log(s.logger(), resp, now)
	}
	return resp, states, true
}

// judge is what the gate decides for a change of the service at now,
// without recording it: decide records a check; the overview only shows.
// A deploy to one region is judged by the states that apply to it
// (budget.State.Applies); region empty is a deploy everywhere.
func (s *Server) judge(service string, change slo.Change, region string, now time.Time) (gate.Decision, api.GateResponse, []servedState, bool) {
	s.mu.RLock()
	// A check looks at its own service's SLOs only, of thousands.
	states, at, err := s.byService[service], s.evaluatedAt, s.lastErr
	s.mu.RUnlock()
	if region != "" {
		states = slices.DeleteFunc(slices.Clone(states), func(st servedState) bool { return !st.Applies(region) })
	}
	resp := api.GateResponse{EvaluatedAt: at, DataAgeSeconds: s.age(at)}
	var d gate.Decision
	if status, why := s.staleness(at, err, now); status != "ready" {
		if !s.opts.FailOpen {
			d = gate.Decision{Service: service, Change: string(change), Reasons: []gate.Reason{{Rule: "cannot-decide", Message: why}}}
			wireDecision(d, &resp)
			return d, resp, nil, false
		}
		d = gate.Decision{Service: service, Change: string(change), Verdict: gate.Allow,
			Reasons: []gate.Reason{{Rule: "fail-open", Message: why + "; allowed because the service runs with --fail-open"}}}
		states = nil
	} else {
		gs := make([]gate.SLOState, len(states))
		for i, st := range states {
			gs[i] = st.GateState(now, s.opts.StaleAfter)
			gs[i].MostSpent, gs[i].BurningFastest = st.mostSpent, st.burningFastest
		}
		d = gate.Decide(service, change, gs, s.opts.Store.ActiveOverride(service, now), now)
	}
	d.Region = region
	wireDecision(d, &resp)
	return d, resp, states, true
}

// gateOverview answers what the gate would decide now for a normal change
// of every service, without recording anything: it is a view (the web
// UI's), not a check. A service it cannot decide for says so.
func (s *Server) gateOverview(w http.ResponseWriter, _ *http.Request) {
	now := s.opts.Now()
	_, at, _ := s.snapshot()
	out := api.GateOverview{EvaluatedAt: at, DataAgeSeconds: s.age(at), Services: []api.GateSummary{}}
	windows := s.maintenanceInForce(now)
	for _, service := range s.Services() {
		_, resp, _, decided := s.judge(service, slo.NormalChange, "", now)
		if !decided {
			resp.Decision = "unknown"
		}
		out.Services = append(out.Services, api.GateSummary{Service: resp.Service, Change: resp.Change, Decision: resp.Decision,
			Reasons: nonNil(resp.Reasons), Override: resp.Override, Maintenance: nonNil(windows[service])})
	}
	writeJSON(w, http.StatusOK, out)
}

// cannotDecide answers 503 with why the gate could not decide.
func cannotDecide(w http.ResponseWriter, resp api.GateResponse) {
	writeJSON(w, http.StatusServiceUnavailable, api.Error{Error: resp.Reasons[0].Message, Service: resp.Service})
}

func parseChange(v string) (slo.Change, bool) {
	if v == "" {
		return slo.NormalChange, true
	}
	for _, c := range slo.Changes() {
		if string(c) == v {
			return c, true
		}
	}
	return "", false
}

// validService answers 400 for a name no spec can give a service (a NUL
// byte, a newline, 5 KB of it): it would otherwise be decided on with
// --fail-open, and recorded in the audit trail and PostgreSQL.
func validService(w http.ResponseWriter, service string) bool {
	if !slo.ValidName(service) {
		fail(w, http.StatusBadRequest, "%q is not a service name: letters, digits, '.', '_' and '-', at most %d", service, slo.MaxNameLength)
		return false
	}
	return true
}

func (s *Server) gateGet(w http.ResponseWriter, r *http.Request) {
	service := r.PathValue("service")
	if !validService(w, service) {
		return
	}
	if known, warming := s.lookup(service); !known && !warming {
		s.unknownService(w, http.StatusNotFound, service)
		return
	}
	change, ok := parseChange(r.URL.Query().Get("change"))
	if !ok {
		fail(w, http.StatusBadRequest, "change must be one of normal, rollback, hotfix, security; got %q", r.URL.Query().Get("change"))
		return
	}
	region := r.URL.Query().Get("region")
	if !s.validRegion(w, service, region) {
		return
	}
	now := s.opts.Now()
	resp, states, decided := s.decide(service, change, region, clientOf(r), now)
	if !decided {
		cannotDecide(w, resp)
		return
	}
	writeWithStates(w, http.StatusOK, resp, states, now)
}

// flaggerPayload is the part of Flagger's webhook payload (its
// CanaryWebhookPayload) the gate reads. Flagger always sends name,
// namespace, phase, checksum and metadata, and may add fields: the route
// decodes leniently, so fields it does not know are ignored.
type flaggerPayload struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	Phase     string            `json:"phase"`
	Checksum  string            `json:"checksum"`
	Metadata  map[string]string `json:"metadata"`
}

// gateFlagger answers a Flagger webhook: 200 proceeds, anything else halts.
func (s *Server) gateFlagger(w http.ResponseWriter, r *http.Request) {
	service := r.PathValue("service")
	if !validService(w, service) {
		return
	}
	if known, warming := s.lookup(service); !known && !warming {
		s.unknownService(w, http.StatusNotFound, service)
		return
	}
	var p flaggerPayload
	if !decodeBody(w, r, &p, lenientFields) {
		return
	}
	change, ok := parseChange(p.Metadata["change"])
	if !ok {
		fail(w, http.StatusBadRequest, "metadata.change must be one of normal, rollback, hotfix, security; got %q", p.Metadata["change"])
		return
	}
	region := p.Metadata["region"]
	if !s.validRegion(w, service, region) {
		return
	}
	now := s.opts.Now()
	resp, states, decided := s.decide(service, change, region, clientOf(r), now)
	switch {
	case !decided:
		cannotDecide(w, resp)
	case resp.Decision == api.Deny:
		writeWithStates(w, http.StatusForbidden, resp, states, now)
	default:
		writeWithStates(w, http.StatusOK, resp, states, now)
	}
}

// validRegion answers 400 for a region the service is not tracked in: no
// state of its SLOs is that region's, and no spec expects it. A deploy
// to a region the gate knows nothing of must not pass unjudged.
func (s *Server) validRegion(w http.ResponseWriter, service, region string) bool {
	if region == "" {
		return true
	}
	s.mu.RLock()
	states := s.byService[service]
	s.mu.RUnlock()
	var known []string
	for _, st := range states {
		if st.Regions == nil {
			continue
		}
		if st.Region == region || slices.Contains(st.Regions.Expected, region) {
			return true
		}
		known = append(known, st.Regions.Expected...)
		if st.Region != "" {
			known = append(known, st.Region)
		}
	}
	slices.Sort(known)
	if len(known) == 0 {
		fail(w, http.StatusBadRequest, "%s is not tracked by region (no SLO of it has regions): leave out region", service)
		return false
	}
	fail(w, http.StatusBadRequest, "%s is not tracked in region %q (known: %s)", service, region, strings.Join(slices.Compact(known), ", "))
	return false
}
