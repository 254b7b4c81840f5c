package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
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
// the service's spec; it changes nothing but the audit trail, which
// records the verdict with its figures.
func (s *Server) canaryCheck(w http.ResponseWriter, r *http.Request) {
	service := r.PathValue("service")
	if !validService(w, service) {
		return
	}
	req, err := canaryRequest(r.URL.Query().Get, "", nil)
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	if rep, ok := s.judgeCanary(w, r, service, req); ok {
		writeJSON(w, http.StatusOK, rep)
	}
}

// canaryFlagger answers a Flagger rollout webhook (POST
// /api/v1/canary/{service}) with the canary's verdict: 200 on pass, so
// Flagger advances; 403 on fail and 409 when inconclusive, which Flagger
// both counts as failed checks: it holds the canary's weight and rolls
// back after its threshold of them. The webhook's metadata carry the
// request's fields; without canary and baseline matchers, the sides are
// Flagger's own pods: the canary's <name>-<hash>-<id>, the primary's
// <name>-primary-<hash>-<id>, in the canary's namespace.
func (s *Server) canaryFlagger(w http.ResponseWriter, r *http.Request) {
	service := r.PathValue("service")
	if !validService(w, service) {
		return
	}
	var p flaggerPayload
	if !decodeBody(w, r, &p, lenientFields) {
		return
	}
	req, err := canaryRequest(func(k string) string { return p.Metadata[k] }, "metadata.", func() (canary.Sides, error) {
		return flaggerSides(p.Name, p.Namespace)
	})
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	rep, ok := s.judgeCanary(w, r, service, req)
	switch {
	case !ok:
	case rep.Verdict == canary.Fail:
		writeJSON(w, http.StatusForbidden, rep)
	case rep.Verdict == canary.Inconclusive:
		writeJSON(w, http.StatusConflict, rep)
	default:
		writeJSON(w, http.StatusOK, rep)
	}
}

// flaggerSides are the label matchers of a Flagger canary's pods and its
// primary's, by the pod and namespace labels Kubernetes service discovery
// is usually relabelled to.
func flaggerSides(name, namespace string) (canary.Sides, error) {
	if !slo.ValidName(name) || !slo.ValidName(namespace) {
		return canary.Sides{}, fmt.Errorf("without metadata.canary and metadata.baseline, the payload's name and namespace pick the pods; got name %q, namespace %q", name, namespace)
	}
	// The regular expression is in a PromQL string: its backslashes are
	// doubled.
	name = strings.ReplaceAll(regexp.QuoteMeta(name), `\`, `\\`)
	pods := func(prefix string) string {
		return fmt.Sprintf(`namespace=%q,pod=~"%s-[a-z0-9]+-[a-z0-9]+"`, namespace, prefix)
	}
	return canary.ParseSides(pods(name), pods(name+"-primary"))
}

// canaryRequest reads a canary check's fields (canary, baseline, window,
// confidence, slo, change) by get, naming them with prefix in errors.
// Without either side, the sides are defaultSides', if given, else
// missing.
func canaryRequest(get func(string) string, prefix string, defaultSides func() (canary.Sides, error)) (canary.Request, error) {
	req := canary.Request{SLO: get("slo"), Window: 10 * time.Minute, Confidence: canary.DefaultConfidence}
	var err error
	if get("canary") == "" && get("baseline") == "" && defaultSides != nil {
		req.Sides, err = defaultSides()
	} else if req.Sides, err = canary.ParseSides(get("canary"), get("baseline")); err != nil {
		err = fmt.Errorf("%s%v", prefix, err)
	}
	if err != nil {
		return req, err
	}
	if v := get("window"); v != "" {
		d, err := model.ParseDuration(v)
		if err != nil || time.Duration(d) <= 0 || time.Duration(d) > canary.MaxWindow {
			return req, fmt.Errorf("%swindow must be a duration above 0 and at most %s, such as 10m; got %q", prefix, model.Duration(canary.MaxWindow), v)
		}
		req.Window = time.Duration(d)
	}
	if v := get("confidence"); v != "" {
		c, err := strconv.ParseFloat(v, 64)
		if err != nil || !(c >= 0.5 && c < 1) {
			return req, fmt.Errorf("%sconfidence must be at least 0.5 and below 1, such as 0.99; got %q", prefix, v)
		}
		req.Confidence = c
	}
	change, ok := parseChange(get("change"))
	if !ok {
		return req, fmt.Errorf("%schange must be one of normal, rollback, hotfix, security; got %q", prefix, get("change"))
	}
	req.Change = change
	return req, nil
}

// judgeCanary runs a canary check on the service's spec and backend, or
// answers why it cannot.
func (s *Server) judgeCanary(w http.ResponseWriter, r *http.Request, service string, req canary.Request) (canary.Report, bool) {
	s.mu.RLock()
	querier, spec := s.querier, s.specOf(service)
	s.mu.RUnlock()
	switch {
	case querier == nil:
		fail(w, http.StatusServiceUnavailable, "the backend is not connected yet")
		return canary.Report{}, false
	case spec == nil:
		fail(w, http.StatusNotFound, "no spec of service %q: a canary is judged by the raw series its SLIs name", service)
		return canary.Report{}, false
	}
	if !s.canaries.enter() {
		w.Header().Set("Retry-After", "1")
		fail(w, http.StatusServiceUnavailable, "%d canary checks are running, the most at once: ask again", maxCanaryChecks)
		return canary.Report{}, false
	}
	defer s.canaries.leave()
	ctx, cancel := context.WithTimeout(r.Context(), canaryTimeout)
	defer cancel()
	now := s.opts.Now()
	rep, err := canary.Check(ctx, querier, spec, req, now)
	var backend canary.BackendError
	switch {
	case errors.As(err, &backend):
		fail(w, http.StatusBadGateway, "%v", err)
		return canary.Report{}, false
	case err != nil:
		fail(w, http.StatusUnprocessableEntity, "%v", err)
		return canary.Report{}, false
	}
	s.recordVerdict(rep, req.Sides, clientOf(r), now)
	return rep, true
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
