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
	"crypto/subtle"
	"errors"
	"fmt"
	"github.com/prometheus/common/model"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/internal/bounds"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/serve/api"
	"github.com/slokit/slokit/serve/ui"
	"github.com/slokit/slokit/slo"
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
	Store Store
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
	if o.RefreshInterval == 0 {
		o.RefreshInterval = time.Minute
	}
	if o.StaleAfter == 0 {
		o.StaleAfter = 5 * time.Minute
	}
	if o.MaxOverride == 0 {
		o.MaxOverride = 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Discover && len(o.Services) > 0 {
		return nil, errors.New("serve: give the SLOs' specs or discover them, not both")
	}
	s := &Server{opts: o, registry: prometheus.NewRegistry(), querier: o.Querier, incidents: o.Incidents, refreshNow: make(chan struct{}, 1)}
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
	s.registry.MustRegister(stateCollector{s}, maintenanceCollector{s}, s.decisions, s.queryTime, s.queryErrs, auditErrs, dataAge,
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

// stateCollector exports the budget state last read, one series per
// objective, threshold and group. It is computed at each scrape from that
// state, so an SLO or a group that disappears takes its series with it.
type stateCollector struct{ s *Server }

var (
	remainingDesc = prometheus.NewDesc(series.ExportedBudgetRemaining, "Share of the period's error budget left, per SLO objective (and threshold and group, for latency and grouped SLOs).",
		[]string{series.ServiceLabel, series.SLOLabel, series.ObjectiveLabel, series.ThresholdLabel, "group"}, nil)
	burnDesc = prometheus.NewDesc(series.ExportedBurnRate, "Error-budget burn rate per SLO objective (and threshold and group) and alert window.",
		[]string{series.ServiceLabel, series.SLOLabel, series.ObjectiveLabel, series.ThresholdLabel, "group", series.WindowLabel}, nil)
)

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- remainingDesc
	ch <- burnDesc
}

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	states, _, _ := c.s.snapshot()
	// Label values come from the backend: one that is not valid UTF-8
	// leaves its series out rather than failing the scrape.
	send := func(m prometheus.Metric, err error) {
		if err == nil {
			ch <- m
		}
	}
	for _, st := range states {
		group := groupLabel(st.Group)
		if st.Remaining != nil {
			send(prometheus.NewConstMetric(remainingDesc, prometheus.GaugeValue, *st.Remaining, st.Service, st.SLO, st.Objective, st.Threshold, group))
		}
		for w, b := range st.BurnRates {
			send(prometheus.NewConstMetric(burnDesc, prometheus.GaugeValue, b, st.Service, st.SLO, st.Objective, st.Threshold, group, w))
		}
	}
}

// maintenanceCollector exports the maintenance windows made through the
// API that hold at the scrape, for the SLOs' rules to read: one series per
// service and SLO ("" for every SLO of the service, which Prometheus
// stores without the label).
type maintenanceCollector struct{ s *Server }

var maintenanceDesc = prometheus.NewDesc(series.ExportedMaintenance, "1 while a maintenance window made through the API holds, per service (and SLO, when it is for one SLO only): the SLOs' rules leave its events out.",
	[]string{series.ServiceLabel, series.SLOLabel}, nil)

func (c maintenanceCollector) Describe(ch chan<- *prometheus.Desc) { ch <- maintenanceDesc }

func (c maintenanceCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.s.opts.Now()
	seen := map[[2]string]bool{}
	for _, m := range c.s.opts.Store.Maintenance(now) {
		k := [2]string{m.Service, m.SLO}
		if now.Before(m.Start) || seen[k] {
			continue
		}
		seen[k] = true
		if metric, err := prometheus.NewConstMetric(maintenanceDesc, prometheus.GaugeValue, 1, m.Service, m.SLO); err == nil {
			ch <- metric
		}
	}
}

// groupLabel writes a grouped SLO's group as one label value,
// provider="stripe",region="eu", in label order; "" for no group.
func groupLabel(g map[string]string) string {
	names := slices.Sorted(maps.Keys(g))
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + strconv.Quote(g[n])
	}
	return strings.Join(parts, ",")
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

// Handler is the HTTP API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, r := range s.Routes() {
		mux.HandleFunc(r.Method+" "+r.Path, apiHeaders(s.opts.Demo, r.handler))
	}
	// The web UI (not part of the API): pages that read the API.
	pages := ui.Handler()
	mux.Handle("GET /{$}", pages)
	mux.Handle("GET /ui/", pages)
	return mux
}

// apiHeaders marks every API answer, the token-guarded ones and errors
// too, as not to be kept by a browser or a proxy (budget state, decisions
// and who made an override are answers of the moment, some of them for
// the token holder only), and not to be read as another type than it
// says; and, in the demo, as the demo's (demoHeader).
func apiHeaders(demo string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
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

// decide answers a gate check with the decision and the states it was
// made on, which the answer lists (writeWithStates). It returns false when
// the gate cannot decide and fail-open is off.
func (s *Server) decide(service string, change slo.Change, client string, now time.Time) (api.GateResponse, []servedState, bool) {
	d, resp, states, decided := s.judge(service, change, now)
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

// judge is what the gate decides for a change of the service at now,
// without recording it: decide records a check; the overview only shows.
func (s *Server) judge(service string, change slo.Change, now time.Time) (gate.Decision, api.GateResponse, []servedState, bool) {
	s.mu.RLock()
	// A check looks at its own service's SLOs only, of thousands.
	states, at, err := s.byService[service], s.evaluatedAt, s.lastErr
	s.mu.RUnlock()
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
		}
		d = gate.Decide(service, change, gs, s.opts.Store.ActiveOverride(service, now), now)
	}
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
	for _, service := range s.Services() {
		_, resp, _, decided := s.judge(service, slo.NormalChange, now)
		if !decided {
			resp.Decision = "unknown"
		}
		out.Services = append(out.Services, api.GateSummary{Service: resp.Service, Change: resp.Change, Decision: resp.Decision,
			Reasons: nonNil(resp.Reasons), Override: resp.Override})
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
	now := s.opts.Now()
	resp, states, decided := s.decide(service, change, clientOf(r), now)
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
	now := s.opts.Now()
	resp, states, decided := s.decide(service, change, clientOf(r), now)
	switch {
	case !decided:
		cannotDecide(w, resp)
	case resp.Decision == api.Deny:
		writeWithStates(w, http.StatusForbidden, resp, states, now)
	default:
		writeWithStates(w, http.StatusOK, resp, states, now)
	}
}

// authorized requires the bearer token on endpoints that change state or
// show who changed it. The token is compared in constant time and never
// logged.
func (s *Server) authorized(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Token == "" {
			fail(w, http.StatusForbidden, "overrides are disabled: start slokit serve with a token")
			return
		}
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") { // schemes are case-insensitive (RFC 7235)
			w.Header().Set("WWW-Authenticate", `Bearer realm="slokit"`)
			fail(w, http.StatusUnauthorized, "an Authorization: Bearer token is required")
			return
		}
		if subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.Token)) != 1 {
			fail(w, http.StatusForbidden, "the token is not valid")
			return
		}
		h(w, r)
	}
}

func (s *Server) listOverrides(w http.ResponseWriter, _ *http.Request) {
	list := s.opts.Store.Overrides(s.opts.Now())
	writeList(w, "overrides", list)
}

// Bounds of an override's free text: enough for a sentence and a link.
const (
	maxReason = 1024
	maxAuthor = 256
)

func (s *Server) createOverride(w http.ResponseWriter, r *http.Request) {
	var req api.OverrideRequest
	if !decodeBody(w, r, &req, strictFields) {
		return
	}
	now := s.opts.Now()
	if !s.judged(w, req.Service) {
		return
	}
	expires, ok := s.overrideTerms(w, req.Reason, req.Author, req.Expires, req.Duration, now)
	if !ok {
		return
	}
	ov, err := s.opts.Store.CreateOverride(r.Context(), gate.Override{Service: req.Service, Reason: req.Reason, Author: req.Author, Expires: expires}, clientOf(r), now)
	if err != nil {
		storeFailed(w, "storing the override", err)
		return
	}
	s.logger().Info("override created", "id", ov.ID, "service", ov.Service, "expires", ov.Expires)
	writeJSON(w, http.StatusCreated, ov)
}

// changeOverride extends or shortens an override in force, with a reason.
func (s *Server) changeOverride(w http.ResponseWriter, r *http.Request) {
	var req api.OverrideChangeRequest
	if !decodeBody(w, r, &req, strictFields) {
		return
	}
	now := s.opts.Now()
	expires, ok := s.overrideTerms(w, req.Reason, req.Author, req.Expires, req.Duration, now)
	if !ok {
		return
	}
	id := r.PathValue("id")
	ov, found, err := s.opts.Store.ChangeOverride(r.Context(), id, OverrideChange{Expires: expires, Reason: req.Reason, Author: req.Author}, clientOf(r), now)
	switch {
	case err != nil:
		storeFailed(w, "changing the override", err)
	case !found:
		fail(w, http.StatusNotFound, "no override %q in force", id)
	default:
		s.logger().Info("override changed", "id", ov.ID, "service", ov.Service, "expires", ov.Expires)
		writeJSON(w, http.StatusOK, ov)
	}
}

// overrideTerms checks what an override is given when it is created or
// changed: who and why, in plain text, and an end (a time, or a duration
// from now) in the future and at most MaxOverride away. It answers 400
// and returns false when they do not hold.
func (s *Server) overrideTerms(w http.ResponseWriter, reason, author string, at *time.Time, duration string, now time.Time) (time.Time, bool) {
	expires, ok := endOf(w, "expires", at, duration, now)
	if !ok || !whoAndWhy(w, "an override", reason, author) {
		return expires, false
	}
	switch {
	case !expires.After(now):
		fail(w, http.StatusBadRequest, "the override must expire in the future (expires or duration)")
	case expires.Sub(now) > s.opts.MaxOverride:
		fail(w, http.StatusBadRequest, "an override may last at most %s", s.opts.MaxOverride)
	default:
		return expires, true
	}
	return expires, false
}

// byWhom reads who makes a deletion, from ?author= (optional: a DELETE has
// no body), in plain text as an author is; it answers 400 and returns
// false when it is not.
func byWhom(w http.ResponseWriter, r *http.Request) (string, bool) {
	by := r.URL.Query().Get("author")
	if err := plainText("author", by, maxAuthor); err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return "", false
	}
	return by, true
}

func (s *Server) deleteOverride(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	by, valid := byWhom(w, r)
	if !valid {
		return
	}
	ok, err := s.opts.Store.DeleteOverride(r.Context(), id, by, clientOf(r), s.opts.Now())
	switch {
	case err != nil:
		storeFailed(w, "deleting the override", err)
	case !ok:
		fail(w, http.StatusNotFound, "no override %q", id)
	default:
		s.logger().Info("override deleted", "id", id)
		w.WriteHeader(http.StatusNoContent)
	}
}

// auditTrail answers the latest records about a service (decisions,
// overrides, maintenance windows), newest first, with the token: they
// name who made each change.
func (s *Server) auditTrail(w http.ResponseWriter, r *http.Request) {
	service := r.URL.Query().Get("service")
	if service == "" {
		fail(w, http.StatusBadRequest, "give the service: ?service=NAME")
		return
	}
	if !validService(w, service) {
		return
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxAuditRecords {
			fail(w, http.StatusBadRequest, "limit must be from 1 to %d, got %q", MaxAuditRecords, v)
			return
		}
		limit = n
	}
	records, err := s.opts.Store.Audit(r.Context(), service, limit)
	if err != nil {
		storeFailed(w, "reading the audit trail", err)
		return
	}
	writeList(w, "records", records)
}

func (s *Server) listMaintenance(w http.ResponseWriter, _ *http.Request) {
	list := s.opts.Store.Maintenance(s.opts.Now())
	writeList(w, "maintenance", list)
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
		m, err := s.opts.Store.CreateMaintenance(r.Context(), api.MaintenanceWindow{Service: req.Service, SLO: req.SLO, Start: start, End: end, Reason: req.Reason, Author: req.Author}, clientOf(r), now)
		if err != nil {
			storeFailed(w, "storing the maintenance window", err)
			return
		}
		s.logger().Info("maintenance window created", "id", m.ID, "service", m.Service, "slo", m.SLO, "start", m.Start, "end", m.End)
		writeJSON(w, http.StatusCreated, m)
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
	case errors.Is(err, ErrTooManyOverrides), errors.Is(err, ErrTooManyWindows):
		fail(w, http.StatusTooManyRequests, "%v", err)
	case errors.Is(err, ErrStoreUnavailable):
		w.Header().Set("Retry-After", "5")
		fail(w, http.StatusServiceUnavailable, "%s: %v", what, err)
	default:
		fail(w, http.StatusInternalServerError, "%s: %v", what, err)
	}
}

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
	_ = s.opts.Store.Record(r.Context(), AuditEntry{Time: now, Kind: "incident-injected", Incident: &inc, Client: clientOf(r)})
	writeJSON(w, http.StatusCreated, inc)
}

func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
