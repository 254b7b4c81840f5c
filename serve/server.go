// Package serve is slokit's budget service: it keeps every SLO's
// error-budget state fresh from a metrics backend (budget.Querier: a
// Prometheus-compatible HTTP API, or a Backend that cmd wires in, such as
// the simulator's live demo backend), answers deploy-gate checks for
// pipelines, keeps manual overrides durably and audits every decision.
// Its answers are the types of serve/api, which clients share; it links
// no embedded engine.
//
// server.go holds the HTTP API, run.go the lifecycle (oklog/run),
// store.go and audit.go the durable state, request.go request decoding
// and conns.go the connection limit.
package serve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/internal/bounds"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/serve/api"
	"github.com/slokit/slokit/serve/ui"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/store"
)

// Options configure the service. Zero values take the defaults below.
type Options struct {
	// Services are the SLOs the gate judges, from their specs.
	Services []*slo.Service
	// Discover, instead, reads the SLOs from the backend at every refresh
	// (budget.Discover): every SLO whose rules the backend evaluates, so
	// that a team's service is judged as soon as its rules are loaded and
	// forgotten once they are removed, without collecting spec files.
	Discover bool
	// Querier is where budget state is read. It may be nil at first when
	// the backend starts after the service (SetBackend), as the embedded
	// one does: the service answers "warming" until then.
	Querier budget.Querier
	// Store keeps the durable state: overrides and the audit trail;
	// required.
	Store store.Store
	// Token guards the endpoints that change state; empty disables them.
	Token string
	// RefreshInterval is how often budget state is read; default 1m.
	RefreshInterval time.Duration
	// StaleAfter is the data age beyond which the gate will not decide
	// and the service is not ready; default 5m.
	StaleAfter time.Duration
	// FailOpen turns "cannot decide" into allow, with the reason.
	FailOpen bool
	// MaxOverride is the longest an override may last; default 24h.
	MaxOverride time.Duration
	// Incidents, when set, lets the token holder inject incidents into
	// the backend's traffic: the embedded demo backend does.
	Incidents Injector
	// Reload, when set, reads the specs again (SIGHUP, POST /-/reload, a
	// changed spec file): Services are what it read at start.
	Reload SpecsLoader
	// Skipped are the spec files left out at start as invalid, with why.
	Skipped []string
	// Demo, when the backend is the embedded demo's synthetic traffic, is
	// its scenario: every API answer says so ("source": "demo", and the
	// Slokit-Demo header), and the UI shows it, so that nobody mistakes
	// the demo for a gate.
	Demo string
	// Now is the clock, for tests; default time.Now.
	Now func() time.Time
}

// Injector puts an incident into a backend's synthetic traffic.
type Injector interface {
	Inject(service string, d time.Duration, level scenario.Level, now time.Time)
}

// maxIncident bounds an injected incident: a demo, not a week of pain.
const maxIncident = 24 * time.Hour

// Server answers the HTTP API from budget state kept in memory.
type Server struct {
	opts Options

	mu          sync.RWMutex
	querier     budget.Querier
	incidents   Injector
	specs       []*slo.Service         // the SLOs' specs, as last (re)loaded
	services    map[string]bool        // the services the gate judges
	models      map[[2]string]*slo.SLO // the SLOs by service and name, as last read
	states      []servedState
	byService   map[string][]servedState // states, by service, for the gate
	evaluatedAt time.Time
	lastErr     error
	problems    []string // what discovery left out, and why

	registry  *prometheus.Registry
	decisions *prometheus.CounterVec
	queryTime prometheus.Histogram
	queryErrs prometheus.Counter
	auditErrs atomic.Uint64 // decisions the store refused at once

	canaries   canaryGuard   // bounds canary checks in flight and their records
	denials    denialLog     // the denies logged, at most one line a minute per service
	reloadMu   sync.Mutex    // one reload at a time
	reloads    reloadMetrics // the last reload's outcome
	refreshNow chan struct{} // a reload asks the refresher to read at once
	log        *slog.Logger  // Run's; none for a server built by New alone
}

// backgroundWriter is a store that writes decision records after it has
// taken them (a shared store's queue), and counts those it never wrote.
type backgroundWriter interface {
	WriteErrors() uint64
}

// errWarming is the state of a service whose backend has not started yet.
var errWarming = errors.New("warming up: the backend is starting")

// Ranges of the settings (Validate): a refresh every nanosecond floods
// the backend, data may not be called stale before the next refresh could
// read it, and an override lasts at most a month.
const (
	MinRefresh     = time.Second
	MaxRefresh     = time.Hour
	MaxStaleAfter  = 24 * time.Hour
	MinMaxOverride = time.Minute
	MaxMaxOverride = 31 * 24 * time.Hour
)

// Validate reports the settings out of their ranges, naming each by its
// slokit serve flag. Zero values stand for the defaults.
func (o Options) Validate() error {
	refresh := cmp.Or(o.RefreshInterval, time.Minute)
	return errors.Join(
		bounds.Duration("--refresh", o.RefreshInterval, MinRefresh, MaxRefresh),
		bounds.Duration("--stale-after", o.StaleAfter, refresh, MaxStaleAfter),
		bounds.Duration("--max-override", o.MaxOverride, MinMaxOverride, MaxMaxOverride),
	)
}

// New checks the options and builds a server; call Refresh to read state
// before it can decide.
func New(o Options) (*Server, error) {
	if o.Store == nil {
		return nil, errors.New("serve: a store for overrides and the audit trail is required")
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	d := DefaultRunOptions()
	o.RefreshInterval = cmp.Or(o.RefreshInterval, d.RefreshInterval)
	o.StaleAfter = cmp.Or(o.StaleAfter, d.StaleAfter)
	o.MaxOverride = cmp.Or(o.MaxOverride, d.MaxOverride)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Discover && len(o.Services) > 0 {
		return nil, errors.New("serve: give the SLOs' specs or discover them, not both")
	}
	s := &Server{opts: o, registry: prometheus.NewRegistry(), querier: o.Querier, incidents: o.Incidents, refreshNow: make(chan struct{}, 1), canaries: newCanaryGuard()}
	s.specs = o.Services
	s.services = serviceSet(o.Services)
	s.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{Name: series.GateDecisions, Help: "Deploy-gate decisions by service and decision."}, []string{series.GateServiceLabel, series.GateDecisionLabel})
	s.queryTime = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "slokit_backend_refresh_duration_seconds", Help: "Time to read all budget state from the backend.", Buckets: prometheus.DefBuckets})
	s.queryErrs = prometheus.NewCounter(prometheus.CounterOpts{Name: "slokit_backend_refresh_errors_total", Help: "Failed reads of budget state from the backend."})
	auditErrs := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "slokit_audit_write_errors_total", Help: "Gate decisions that could not be written to the audit log (or, with --store, were refused by PostgreSQL or dropped while it was away)."}, func() float64 {
		n := s.auditErrs.Load()
		if bg, ok := o.Store.(backgroundWriter); ok {
			n += bg.WriteErrors()
		}
		return float64(n)
	})
	dataAge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slokit_data_age_seconds", Help: "Age of the budget state the gate decides on."}, func() float64 {
		_, at, _ := s.snapshot()
		return s.age(at)
	})
	s.registry.MustRegister(stateCollector{s}, maintenanceCollector{s}, s.decisions, s.queryTime, s.queryErrs, auditErrs, dataAge, s.canaries.unrecorded,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.reloads = newReloadMetrics(s.registry)
	s.reloads.skipped.Set(float64(len(o.Skipped)))
	s.reloads.at.SetToCurrentTime()
	if o.Discover {
		s.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slokit_discovery_problems", Help: "SLOs the backend describes that discovery left out or found described twice (the log says why)."}, func() float64 {
			return float64(len(s.Problems()))
		}))
	}
	return s, nil
}

// serviceSet is the set of the services' names.
func serviceSet(services []*slo.Service) map[string]bool {
	set := make(map[string]bool, len(services))
	for _, svc := range services {
		set[svc.Name] = true
	}
	return set
}

// lookup tells whether the gate judges service. Until the SLOs are first
// discovered it cannot tell: warming, and the gate answers that it cannot
// decide yet rather than that the service does not exist.
func (s *Server) lookup(service string) (known, warming bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.opts.Discover && s.evaluatedAt.IsZero() {
		return false, true
	}
	return s.services[service], false
}

// unknownService answers a request about a service the gate does not
// judge.
func (s *Server) unknownService(w http.ResponseWriter, status int, service string) {
	if s.opts.Discover {
		fail(w, status, "unknown service %q: the backend evaluates no slokit rules for it", service)
		return
	}
	fail(w, status, "unknown service %q", service)
}

// Services lists the services the gate judges, sorted.
func (s *Server) Services() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Sorted(maps.Keys(s.services))
}

// Problems lists what the last discovery left out of the SLOs the backend
// describes, and why; none without discovery.
func (s *Server) Problems() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.problems
}

// SetBackend gives the server the backend it reads, once that has
// started, and the incident injector it offers, if any.
func (s *Server) SetBackend(q budget.Querier, incidents Injector) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.querier, s.incidents = q, incidents
}

// Refresh reads every SLO's state from the backend. On failure the last
// state is kept, and ages.
func (s *Server) Refresh(ctx context.Context) error {
	s.mu.RLock()
	q := s.querier
	s.mu.RUnlock()
	if q == nil {
		return errWarming
	}
	start := time.Now()
	now := s.opts.Now()
	services, problems := s.specsNow(), []string(nil)
	var err error
	if s.opts.Discover {
		services, problems, err = budget.Discover(ctx, q, now)
	}
	var states []budget.State
	if err == nil {
		states, err = budget.Read(ctx, q, services, now)
	}
	s.queryTime.Observe(time.Since(start).Seconds())
	served := make([]servedState, len(states))
	byService := map[string][]servedState{}
	for i, st := range states {
		if served[i], err = newServedState(st); err != nil {
			break
		}
		byService[st.Service] = append(byService[st.Service], served[i])
	}
	if err == nil {
		frozenByJourneys(byService, served)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastErr = err
	if err != nil {
		s.queryErrs.Inc()
		return err
	}
	s.states, s.byService, s.evaluatedAt = served, byService, now
	s.models = map[[2]string]*slo.SLO{}
	for _, svc := range services {
		for _, m := range svc.SLOs {
			s.models[[2]string{m.Service, m.Name}] = m
		}
	}
	s.services, s.problems = serviceSet(services), problems
	return nil
}

func (s *Server) snapshot() ([]servedState, time.Time, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.states, s.evaluatedAt, s.lastErr
}

// Route is one endpoint of the HTTP API, as documented in openapi.yaml.
type Route struct {
	Method, Path string
	handler      http.HandlerFunc
}

// Routes lists the HTTP API; the OpenAPI file documents exactly these.
func (s *Server) Routes() []Route {
	return []Route{
		{"GET", "/api/v1/slos", s.listSLOs},
		{"GET", "/api/v1/slos/{service}/{slo}", s.getSLO},
		{"GET", "/api/v1/slos/{service}/{slo}/history", s.sloHistory},
		{"GET", "/api/v1/gate", s.gateOverview},
		{"GET", "/api/v1/gate/{service}", s.gateGet},
		{"POST", "/api/v1/gate/{service}/check", s.gateFlagger},
		{"GET", "/api/v1/canary/{service}", s.canaryCheck},
		{"POST", "/api/v1/canary/{service}", s.canaryFlagger},
		{"GET", "/api/v1/canary/{service}/verdicts", s.canaryVerdicts},
		{"GET", "/api/v1/overrides", s.authorized(s.listOverrides)},
		{"POST", "/api/v1/overrides", s.authorized(s.createOverride)},
		{"PATCH", "/api/v1/overrides/{id}", s.authorized(s.changeOverride)},
		{"DELETE", "/api/v1/overrides/{id}", s.authorized(s.deleteOverride)},
		{"GET", "/api/v1/audit", s.authorized(s.auditTrail)},
		{"GET", "/api/v1/maintenance", s.authorized(s.listMaintenance)},
		{"POST", "/api/v1/maintenance", s.authorized(s.createMaintenance)},
		{"DELETE", "/api/v1/maintenance/{id}", s.authorized(s.endMaintenance)},
		{"POST", "/api/v1/demo/incident", s.authorized(s.injectIncident)},
		{"POST", "/-/reload", s.authorized(s.reloadHandler)},
		{"GET", "/metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}).ServeHTTP},
		{"GET", "/healthz", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		}},
		{"GET", "/readyz", s.ready},
	}
}

// Handler is the HTTP API and the web UI. The reads of the budget state
// the UI polls (stateRoutes) and the UI's files carry an ETag, answer 304
// to a client that holds it, and come gzip-compressed when large and
// asked for (conditional). Gate checks are not: each is a decision,
// counted and logged.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, r := range s.Routes() {
		h := http.Handler(apiHeaders(s.opts.Demo, r.handler))
		if stateRoutes[r.Path] {
			h = conditional(h, func() string { return s.stateKey(r.Path) })
		}
		mux.Handle(r.Method+" "+r.Path, h)
	}
	// The web UI (not part of the API): pages that read the API.
	pages := conditional(ui.Handler(), ui.Digest)
	mux.Handle("GET /{$}", pages)
	mux.Handle("GET /ui/", pages)
	return mux
}

// stateRoutes are the reads of the budget state that change only with it
// (stateKey): the UI polls them.
var stateRoutes = map[string]bool{"/api/v1/slos": true, "/api/v1/slos/{service}/{slo}": true, "/api/v1/gate": true}

// stateKey names the state a read of stateRoutes at path is made of: the
// refresh it comes from and the maintenance windows now; for the gate's
// overview, also each service's override in force now (through the
// per-service index, as the overview itself reads them), since an
// override that expires between refreshes changes the gate's view.
func (s *Server) stateKey(path string) string {
	_, at, err := s.snapshot()
	now := s.opts.Now()
	var b strings.Builder
	fmt.Fprintf(&b, "%d|%v|%s", at.UnixNano(), err, s.opts.Demo)
	for _, m := range s.opts.Store.Maintenance(now) {
		fmt.Fprintf(&b, "|m:%s:%d:%d:%t", m.ID, m.Start.UnixNano(), m.End.UnixNano(), !now.Before(m.Start))
	}
	if path == "/api/v1/gate" {
		for _, service := range s.Services() {
			if o := s.opts.Store.ActiveOverride(service, now); o != nil {
				fmt.Fprintf(&b, "|o:%s:%d", o.ID, o.Expires.UnixNano())
			}
		}
	}
	return b.String()
}

// apiHeaders marks every API answer as one to ask for again each time
// (no-cache: a browser keeps it, and sends its ETag to learn whether it
// changed; those for the token holder only say no-store, in authorized),
// and not to be read as another type than it says; and, in the demo, as
// the demo's (demoHeader).
func apiHeaders(demo string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if demo != "" {
			w.Header().Set(demoHeader, demo)
		}
		h(w, r)
	}
}

func fail(w http.ResponseWriter, code int, format string, args ...any) {
	writeJSON(w, code, api.Error{Error: fmt.Sprintf(format, args...)})
}

// ready answers 200 while the gate can decide: once the first state is
// read, and as long as it is not older than StaleAfter. A load balancer
// then sends pipelines to replicas that can answer them.
func (s *Server) ready(w http.ResponseWriter, _ *http.Request) {
	_, at, err := s.snapshot()
	status, why := s.staleness(at, err, s.opts.Now())
	answer := map[string]any{"status": status}
	if !at.IsZero() { // never read yet: no time to give
		answer["evaluatedAt"] = at
	}
	if status == "ready" {
		writeJSON(w, http.StatusOK, answer)
		return
	}
	answer["error"] = why
	writeJSON(w, http.StatusServiceUnavailable, answer)
}

// staleness says whether the gate can decide on state read at at (with
// the last refresh error err): "ready", or "warming" (nothing read yet)
// or "stale" (older than StaleAfter) with why, the one reason readiness
// and the gate both give.
func (s *Server) staleness(at time.Time, err error, now time.Time) (status, why string) {
	switch {
	case at.IsZero():
		status, why = "warming", "no budget state has been read yet"
	case now.Sub(at) > s.opts.StaleAfter:
		status, why = "stale", fmt.Sprintf("budget state is %s old, over the %s limit", now.Sub(at).Round(time.Second), s.opts.StaleAfter)
	default:
		if ferr := s.opts.Store.Fresh(now); ferr != nil {
			return "stale", ferr.Error()
		}
		return "ready", ""
	}
	if err != nil {
		why += ": " + err.Error()
	}
	return status, why
}
