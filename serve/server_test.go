package serve_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/serve/api"
	"github.com/slokit/slokit/simulate/simtest"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/store"
	"github.com/slokit/slokit/store/files"
)

var spec = fixture.OrderAPI

const token = "t0ken-for-tests"

// backend is the embedded engine holding the outage scenario, with the
// rules computed up to at (offset from the start) and evaluated live there.
func backend(t *testing.T, svcs []*slo.Service, at time.Duration) (engine.ModelQuerier, time.Time) {
	t.Helper()
	b, ts := simtest.Replayed(t, svcs, "outage", 0, at)
	return engine.ModelQuerier{Engine: b.Engine}, ts
}

type testServer struct {
	srv   *httptest.Server
	dir   string
	clock *time.Time
	s     *serve.Server
}

// newServer serves the budget state of the outage scenario at offset at.
func newServer(t *testing.T, at time.Duration, failOpen bool) *testServer {
	t.Helper()
	svcs, diags := slo.Parse([]byte(spec))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	q, ts := backend(t, svcs, at)
	return serveOn(t, serve.Options{Services: svcs, Querier: q, Token: token, FailOpen: failOpen}, ts)
}

// serveOn serves o over HTTP, with its stores in a fresh data folder (unless
// o has a store) and
// the test server's clock (set to start) as its Now.
func serveOn(t *testing.T, o serve.Options, start time.Time) *testServer {
	t.Helper()
	f := &testServer{dir: t.TempDir(), clock: &start}
	var err error
	if o.Store == nil { // else the test's own
		store, err := files.OpenFileStore(f.dir, files.AuditOptions{})
		if err != nil {
			t.Fatal(err)
		}
		o.Store = store
		t.Cleanup(func() { store.Close() })
	}
	o.Now = func() time.Time { return *f.clock }
	if f.s, err = serve.New(o); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(f.s.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

func (f *testServer) refresh(t *testing.T) {
	t.Helper()
	if err := f.s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (f *testServer) do(t *testing.T, method, path, auth, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	if out == nil {
		out = map[string]any{"raw": string(data)}
	}
	return resp.StatusCode, out
}

// raw answers a request without a token with its status and body text.
func (f *testServer) raw(t *testing.T, method, path string) (int, string) {
	t.Helper()
	return fetch(t, method, f.srv.URL+path)
}

// fetch sends a request without a body or a token and returns the
// answer's status and body text.
func fetch(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestHealthAndReadiness(t *testing.T) {
	f := newServer(t, 2*time.Hour, false)
	if code, _ := f.do(t, "GET", "/healthz", "", ""); code != 200 {
		t.Errorf("healthz %d", code)
	}
	if code, _ := f.do(t, "GET", "/readyz", "", ""); code != 503 {
		t.Errorf("readyz before any state: %d, want 503", code)
	}
	f.refresh(t)
	if code, _ := f.do(t, "GET", "/readyz", "", ""); code != 200 {
		t.Errorf("readyz after a refresh: %d", code)
	}
}

func TestBudgetEndpoints(t *testing.T) {
	f := newServer(t, 2*time.Hour, false)
	f.refresh(t)
	code, body := f.do(t, "GET", "/api/v1/slos", "", "")
	if code != 200 || len(body["slos"].([]any)) != 1 {
		t.Fatalf("slos: %d %v", code, body)
	}
	code, body = f.do(t, "GET", "/api/v1/slos/order-api/availability", "", "")
	first := body["slos"].([]any)[0].(map[string]any)
	if code != 200 || first["status"] != "ok" || first["remaining"] == nil {
		t.Errorf("slo: %d %v", code, body)
	}
	// Each entry is stamped with the age of its data when served.
	*f.clock = f.clock.Add(90 * time.Second)
	_, body = f.do(t, "GET", "/api/v1/slos", "", "")
	first = body["slos"].([]any)[0].(map[string]any)
	if first["dataTime"] != "2026-01-05T02:00:00Z" || first["dataAgeSeconds"] != 90.0 {
		t.Errorf("data time %v, age %v: want the last evaluation, 90 s ago", first["dataTime"], first["dataAgeSeconds"])
	}
	if code, _ := f.do(t, "GET", "/api/v1/slos/order-api/latency", "", ""); code != 404 {
		t.Errorf("unknown SLO: %d", code)
	}
}

func TestGateFollowsTheBudget(t *testing.T) {
	healthy := newServer(t, 2*time.Hour, false)
	healthy.refresh(t)
	outage := newServer(t, 3*time.Hour+10*time.Minute, false)
	outage.refresh(t)
	for _, tc := range []struct {
		name     string
		f        *testServer
		path     string
		code     int
		decision string
	}{
		{"healthy allows", healthy, "/api/v1/gate/order-api", 200, "allow"},
		{"outage denies", outage, "/api/v1/gate/order-api", 200, "deny"},
		{"outage lets a rollback through", outage, "/api/v1/gate/order-api?change=rollback", 200, "allow"},
		{"outage lets a hotfix through", outage, "/api/v1/gate/order-api?change=hotfix", 200, "allow"},
		{"unknown change", healthy, "/api/v1/gate/order-api?change=yolo", 400, ""},
		{"unknown service", healthy, "/api/v1/gate/payment", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := tc.f.do(t, "GET", tc.path, "", "")
			if code != tc.code || (tc.decision != "" && body["decision"] != tc.decision) {
				t.Fatalf("got %d %v", code, body)
			}
			if tc.decision != "" && (len(body["reasons"].([]any)) == 0 || body["slos"] == nil || body["dataAgeSeconds"] == nil) {
				t.Errorf("a decision must carry its reasons, SLOs and data age: %v", body)
			}
		})
	}
}

func TestStaleStateCannotDecideUnlessFailOpen(t *testing.T) {
	for _, failOpen := range []bool{false, true} {
		f := newServer(t, 3*time.Hour+10*time.Minute, failOpen)
		if code, _ := f.do(t, "GET", "/api/v1/gate/order-api", "", ""); failOpen && code != 200 || !failOpen && code != 503 {
			t.Errorf("fail-open %v, no state yet: %d", failOpen, code)
		}
		f.refresh(t)
		*f.clock = f.clock.Add(10 * time.Minute) // the backend has not answered since
		code, body := f.do(t, "GET", "/api/v1/gate/order-api", "", "")
		switch {
		case !failOpen && (code != 503 || !strings.Contains(body["error"].(string), "over the 5m0s limit")):
			t.Errorf("stale, fail closed: %d %v", code, body)
		case failOpen && (code != 200 || body["decision"] != "allow" || !strings.Contains(body["reasons"].([]any)[0].(map[string]any)["message"].(string), "--fail-open")):
			t.Errorf("stale, fail open: %d %v", code, body)
		}
	}
}

func TestFlaggerWebhook(t *testing.T) {
	outage := newServer(t, 3*time.Hour+10*time.Minute, false)
	outage.refresh(t)
	payload := `{"name":"order-api","namespace":"prod","phase":"Progressing","metadata":{"change":"%s"}}`
	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"deny halts with 403", strings.Replace(payload, "%s", "normal", 1), 403},
		{"rollback proceeds", strings.Replace(payload, "%s", "rollback", 1), 200},
		{"no metadata means a normal change", `{"name":"order-api","namespace":"prod","phase":"Progressing"}`, 403},
		// Flagger's CanaryWebhookPayload as it sends it, checksum included.
		{"Flagger's full payload", `{"name":"order-api","namespace":"prod","phase":"Progressing","checksum":"6b4c9f6d8c","metadata":{"change":"rollback","flagger":"x"}}`, 200},
		{"fields Flagger may add later are ignored", `{"name":"order-api","namespace":"prod","phase":"Progressing","checksum":"1","canaryWeight":20,"extra":{"a":[1,{"b":2}]}}`, 403},
		{"malformed JSON", `{"name":`, 400},
		{"a field given twice", `{"name":"x","metadata":{"change":"rollback"},"metadata":{"change":"normal"}}`, 400},
		{"a nested field given twice", `{"name":"x","metadata":{"change":"rollback","change":"normal"}}`, 400},
		{"a known field in another case", `{"name":"x","Metadata":{"change":"rollback"}}`, 400},
		{"two objects", `{"name":"x"}{"name":"y"}`, 400},
		{"oversized body", `{"name":"` + strings.Repeat("x", 70<<10) + `"}`, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := outage.do(t, "POST", "/api/v1/gate/order-api/check", "", tc.body); code != tc.code {
				t.Errorf("got %d %v, want %d", code, body, tc.code)
			}
		})
	}
}

func TestOverrides(t *testing.T) {
	f := newServer(t, 3*time.Hour+10*time.Minute, false)
	f.refresh(t)
	good := `{"service":"order-api","reason":"the fix for the incident","author":"alice","duration":"2h"}`
	for _, tc := range []struct {
		name, auth, body string
		code             int
	}{
		{"no token", "", good, 401},
		{"wrong token", "Bearer nope", good, 403},
		{"basic auth is not a bearer token", "Basic YWxpY2U6cGFzcw==", good, 401},
		{"the token alone, without a scheme", token, good, 401},
		{"unknown field", "Bearer " + token, `{"service":"order-api","reason":"r","author":"a","duration":"1h","colour":"blue"}`, 400},
		{"a field given twice", "Bearer " + token, `{"service":"order-api","reason":"r","author":"a","duration":"1h","duration":"2h"}`, 400},
		{"a field in another case", "Bearer " + token, `{"service":"order-api","Reason":"r","author":"a","duration":"1h"}`, 400},
		{"expires and duration", "Bearer " + token, `{"service":"order-api","reason":"r","author":"a","duration":"1h","expires":"2030-01-01T00:00:00Z"}`, 400},
		{"a newline in the author", "Bearer " + token, `{"service":"order-api","reason":"r","author":"a\nINFO forged line","duration":"1h"}`, 400},
		{"an escape in the reason", "Bearer " + token, `{"service":"order-api","reason":"\u001b[31mred","author":"a","duration":"1h"}`, 400},
		// Text that shows other than it is stored.
		{"a bidi override in the reason", "Bearer " + token, `{"service":"order-api","reason":"fix \u202eesaeler","author":"a","duration":"1h"}`, 400},
		{"a zero-width space in the author", "Bearer " + token, `{"service":"order-api","reason":"r","author":"al\u200bice","duration":"1h"}`, 400},
		{"a line separator in the reason", "Bearer " + token, `{"service":"order-api","reason":"a\u2028INFO forged","author":"a","duration":"1h"}`, 400},
		{"a paragraph separator in the author", "Bearer " + token, `{"service":"order-api","reason":"r","author":"a\u2029b","duration":"1h"}`, 400},
		{"a reason over 1024 bytes", "Bearer " + token, `{"service":"order-api","reason":"` + strings.Repeat("r", 1025) + `","author":"a","duration":"1h"}`, 400},
		{"unknown service", "Bearer " + token, `{"service":"payment","reason":"r","author":"a","duration":"1h"}`, 400},
		{"no reason", "Bearer " + token, `{"service":"order-api","author":"a","duration":"1h"}`, 400},
		{"too long", "Bearer " + token, `{"service":"order-api","reason":"r","author":"a","duration":"48h"}`, 400},
		{"already expired", "Bearer " + token, `{"service":"order-api","reason":"r","author":"a","expires":"2020-01-01T00:00:00Z"}`, 400},
		{"malformed", "Bearer " + token, `{"service":`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := f.do(t, "POST", "/api/v1/overrides", tc.auth, tc.body); code != tc.code {
				t.Errorf("got %d %v, want %d", code, body, tc.code)
			}
		})
	}
	if _, body := f.do(t, "GET", "/api/v1/gate/order-api", "", ""); body["decision"] != "deny" {
		t.Fatalf("before the override: %v", body)
	}
	// The scheme is case-insensitive (RFC 7235).
	code, created := f.do(t, "POST", "/api/v1/overrides", "bearer "+token, good)
	if code != 201 || created["id"] == nil {
		t.Fatalf("create: %d %v", code, created)
	}
	id := created["id"].(string)
	// The gate, open to all, says an override applies and which, not who
	// asked for it or why.
	code, raw := f.raw(t, "GET", "/api/v1/gate/order-api")
	var body map[string]any
	_ = json.Unmarshal([]byte(raw), &body)
	if code != 200 || body["decision"] != "allow" || body["override"].(map[string]any)["id"] != id {
		t.Errorf("under the override: %v", body)
	}
	if strings.Contains(raw, "alice") || strings.Contains(raw, "the fix for the incident") {
		t.Errorf("an unauthenticated gate answer shows the override's author or reason:\n%s", raw)
	}
	if code, body := f.do(t, "GET", "/api/v1/overrides", "Bearer "+token, ""); code != 200 || len(body["overrides"].([]any)) != 1 {
		t.Errorf("list: %d %v", code, body)
	}

	// Changed by someone else: extended with a new reason, then cut short.
	for _, tc := range []struct {
		name, auth, path, body string
		code                   int
	}{
		{"no token", "", id, `{"reason":"r","author":"bob","duration":"3h"}`, 401},
		{"no author", "Bearer " + token, id, `{"reason":"r","duration":"3h"}`, 400},
		{"too long", "Bearer " + token, id, `{"reason":"r","author":"bob","duration":"48h"}`, 400},
		{"another service", "Bearer " + token, id, `{"service":"menu","reason":"r","author":"bob","duration":"3h"}`, 400},
		{"unknown override", "Bearer " + token, "ovr-none", `{"reason":"r","author":"bob","duration":"3h"}`, 404},
	} {
		if code, body := f.do(t, "PATCH", "/api/v1/overrides/"+tc.path, tc.auth, tc.body); code != tc.code {
			t.Errorf("change, %s: %d %v, want %d", tc.name, code, body, tc.code)
		}
	}
	code, changed := f.do(t, "PATCH", "/api/v1/overrides/"+id, "Bearer "+token, `{"reason":"the fix needs a rebuild","author":"bob","duration":"3h"}`)
	if code != 200 || changed["id"] != id || changed["reason"] != "the fix needs a rebuild" || changed["author"] != "alice" ||
		changed["expires"] != f.clock.Add(3*time.Hour).UTC().Format(time.RFC3339Nano) {
		t.Errorf("extend: %d %v", code, changed)
	}
	if code, changed := f.do(t, "PATCH", "/api/v1/overrides/"+id, "Bearer "+token, `{"reason":"fixed sooner","author":"bob","duration":"1m"}`); code != 200 {
		t.Errorf("shorten: %d %v", code, changed)
	}
	*f.clock = f.clock.Add(2 * time.Minute)
	if _, body := f.do(t, "GET", "/api/v1/gate/order-api", "", ""); body["decision"] != "deny" {
		t.Errorf("once the shortened override is over: %v", body)
	}
	if code, body := f.do(t, "PATCH", "/api/v1/overrides/"+id, "Bearer "+token, `{"reason":"again","author":"bob","duration":"1h"}`); code != 404 {
		t.Errorf("changing an override no longer in force: %d %v", code, body)
	}
	if code, _ := f.do(t, "DELETE", "/api/v1/overrides/"+id, "Bearer "+token, ""); code != 204 {
		t.Errorf("delete: %d", code)
	}
	if code, _ := f.do(t, "DELETE", "/api/v1/overrides/"+id, "Bearer "+token, ""); code != 404 {
		t.Errorf("delete twice: %d", code)
	}
	if _, body := f.do(t, "GET", "/api/v1/gate/order-api", "", ""); body["decision"] != "deny" {
		t.Errorf("after deleting the override: %v", body)
	}

	// Everything is in the audit log, and the token nowhere.
	code, metrics := f.do(t, "GET", "/metrics", "", "")
	if code != 200 || !strings.Contains(metrics["raw"].(string), `slokit_gate_decisions_total{decision="deny",service="order-api"}`) {
		t.Errorf("metrics: %d %v", code, metrics)
	}
	audit, err := os.Open(filepath.Join(f.dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	kinds := map[string]int{}
	sc := bufio.NewScanner(audit)
	for sc.Scan() {
		if strings.Contains(sc.Text(), token) {
			t.Error("the audit log holds the token")
		}
		var e store.AuditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		kinds[e.Kind]++
		if e.Kind == "override-changed" && (e.By != "bob" || e.Override == nil || e.Override.ID != id || e.Override.Author != "alice") {
			t.Errorf("a change's audit record must name who changed which override: %+v", e)
		}
	}
	// Decisions are flushed in batches; the override changes at once.
	if kinds["override-created"] != 1 || kinds["override-changed"] != 2 || kinds["override-deleted"] != 1 {
		t.Errorf("audit log: %v", kinds)
	}
}

// flaky is a backend that can be taken down and brought back.
type flaky struct {
	budget.Querier
	down bool
}

func (f *flaky) Query(ctx context.Context, q string, ts time.Time) (model.Vector, error) {
	if f.down {
		return nil, errors.New("backend down")
	}
	return f.Querier.Query(ctx, q, ts)
}

// When the backend stops answering the gate keeps deciding on its last
// state until that is too old, then says why it cannot; once the backend
// is back, the gate decides again.
func TestGateRecoversWhenTheBackendReturns(t *testing.T) {
	svcs, _ := slo.Parse([]byte(spec))
	q, ts := backend(t, svcs, 2*time.Hour)
	fq := &flaky{Querier: q}
	f := serveOn(t, serve.Options{Services: svcs, Querier: fq}, ts)
	s, clock := f.s, f.clock
	gateCode := func() (int, map[string]any) { return f.do(t, "GET", "/api/v1/gate/order-api", "", "") }

	f.refresh(t)
	if code, _ := gateCode(); code != 200 {
		t.Fatalf("healthy backend: %d", code)
	}
	fq.down = true
	*clock = clock.Add(2 * time.Minute)
	if err := s.Refresh(context.Background()); err == nil {
		t.Fatal("a refresh from a backend that is down must fail")
	}
	if code, _ := gateCode(); code != 200 {
		t.Errorf("two minutes of outage, within the staleness limit: %d", code)
	}
	*clock = clock.Add(5 * time.Minute)
	_ = s.Refresh(context.Background())
	if code, body := gateCode(); code != 503 || !strings.Contains(body["error"].(string), "backend down") {
		t.Errorf("seven minutes without the backend: %d %v", code, body)
	}
	// Back, but its rules have not run since: no data to judge on.
	fq.down = false
	f.refresh(t)
	if code, body := gateCode(); code != 200 || body["decision"] != "warn" || !strings.Contains(body["reasons"].([]any)[0].(map[string]any)["message"].(string), "no data") {
		t.Errorf("the backend is back without fresh data: %d %v", code, body)
	}
	// Its rules run again.
	if _, err := q.Engine.Eval(context.Background(), *clock); err != nil {
		t.Fatal(err)
	}
	f.refresh(t)
	if code, body := gateCode(); code != 200 || body["decision"] != "allow" {
		t.Errorf("the backend is back: %d %v", code, body)
	}
}

// A backend URL with a password and an API key: the service's
// unauthenticated answers while it cannot read the backend show neither.
func TestUnauthenticatedAnswersHideBackendCredentials(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	hq, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: strings.Replace(down.URL, "http://", "http://admin:pw-h1dden@", 1) + "/prom?apikey=k3y-h1dden"})
	if err != nil {
		t.Fatal(err)
	}
	svcs, _ := slo.Parse([]byte(spec))
	f := serveOn(t, serve.Options{Services: svcs, Querier: hq}, time.Now())
	if err := f.s.Refresh(context.Background()); err == nil {
		t.Fatal("the backend is down: want an error")
	}
	for _, path := range []string{"/readyz", "/api/v1/gate/order-api", "/api/v1/slos", "/metrics"} {
		code, body := f.raw(t, "GET", path)
		if path != "/api/v1/slos" && path != "/metrics" && (code != 503 || !strings.Contains(body, "admin:xxxxx@")) {
			t.Errorf("%s: %d %s: want a 503 naming the backend, redacted", path, code, body)
		}
		if strings.Contains(body, "pw-h1dden") || strings.Contains(body, "k3y-h1dden") {
			t.Errorf("%s shows a credential:\n%s", path, body)
		}
	}
	code, body := f.raw(t, "POST", "/api/v1/gate/order-api/check")
	if strings.Contains(body, "pw-h1dden") || strings.Contains(body, "k3y-h1dden") {
		t.Errorf("Flagger route (%d) shows a credential:\n%s", code, body)
	}
}

// A grouped SLO exports one series per group, and the series of a group
// that is gone from the backend go with it.
func TestMetricsFollowEveryGroup(t *testing.T) {
	svcs, diags := slo.Parse([]byte(strings.Replace(spec, "    sli:\n", "    grouping: [provider]\n    sli:\n", 1)))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	sample := func(name, provider, window string, v float64) *model.Sample {
		return &model.Sample{Metric: model.Metric{"__name__": model.LabelValue(name), "service": "order-api", "slo": "availability", "objective": "99.9", "provider": model.LabelValue(provider), "window": model.LabelValue(window)}, Value: model.SampleValue(v)}
	}
	q := staticQuerier{
		series.BudgetRemaining: {sample(series.BudgetRemaining, "stripe", "30d", 0.9), sample(series.BudgetRemaining, "adyen", "30d", 0.4)},
		series.BurnRate:        {sample(series.BurnRate, "stripe", "1h", 0.5), sample(series.BurnRate, "adyen", "1h", 3)},
	}
	f := serveOn(t, serve.Options{Services: svcs, Querier: q}, time.Now())
	f.refresh(t)
	_, metrics := f.raw(t, "GET", "/metrics")
	for _, want := range []string{
		`slokit_slo_budget_remaining_ratio{group="provider=\"adyen\"",objective="99.9",service="order-api",slo="availability",threshold=""} 0.4`,
		`slokit_slo_budget_remaining_ratio{group="provider=\"stripe\"",objective="99.9",service="order-api",slo="availability",threshold=""} 0.9`,
		`slokit_slo_burn_rate{group="provider=\"adyen\"",objective="99.9",service="order-api",slo="availability",threshold="",window="1h"} 3`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s:\n%s", want, metrics)
		}
	}
	q[series.BudgetRemaining] = q[series.BudgetRemaining][:1]
	q[series.BurnRate] = q[series.BurnRate][:1]
	f.refresh(t)
	if _, metrics = f.raw(t, "GET", "/metrics"); strings.Contains(metrics, "adyen") || !strings.Contains(metrics, "stripe") {
		t.Errorf("a group gone from the backend is still exported, or the other is lost:\n%s", metrics)
	}
}

// Readiness follows the data: 503 once the state is older than
// StaleAfter, as the gate would then refuse to decide.
func TestNotReadyWhenTheStateIsStale(t *testing.T) {
	f := newServer(t, 2*time.Hour, false)
	f.refresh(t)
	*f.clock = f.clock.Add(6 * time.Minute)
	if code, body := f.raw(t, "GET", "/readyz"); code != 503 || !strings.Contains(body, `"stale"`) {
		t.Errorf("readyz with a 6-minute-old state: %d %s", code, body)
	}
}

// Every field of the budget state the server reads is served: the API's
// SLO state names each one (and adds the data's age).
func TestServedStateHasEveryBudgetField(t *testing.T) {
	served := reflect.TypeFor[api.SLOState]()
	st := reflect.TypeFor[budget.State]()
	for i := range st.NumField() {
		name := st.Field(i).Name
		if name == "Policy" { // the gate's input, not state
			continue
		}
		if _, ok := served.FieldByName(name); !ok {
			t.Errorf("budget.State.%s is not served: add it to api.SLOState and apiState", name)
		}
	}
}

// Maintenance windows made through the API need the token, are kept and
// audited, and are exported while they hold, for the SLOs' rules to read.
func TestMaintenanceWindows(t *testing.T) {
	f := newServer(t, 3*time.Hour+10*time.Minute, false)
	f.refresh(t)
	now := *f.clock
	good := `{"service":"order-api","reason":"database upgrade","author":"alice","duration":"2h"}`
	for _, tc := range []struct {
		name, auth, body string
		code             int
	}{
		{"no token", "", good, 401},
		{"wrong token", "Bearer nope", good, 403},
		{"unknown service", "Bearer " + token, `{"service":"payment","reason":"r","author":"a","duration":"1h"}`, 400},
		{"unknown SLO", "Bearer " + token, `{"service":"order-api","slo":"latency","reason":"r","author":"a","duration":"1h"}`, 400},
		{"no reason", "Bearer " + token, `{"service":"order-api","author":"a","duration":"1h"}`, 400},
		{"no end", "Bearer " + token, `{"service":"order-api","reason":"r","author":"a"}`, 400},
		{"end and duration", "Bearer " + token, `{"service":"order-api","reason":"r","author":"a","duration":"1h","end":"2030-01-01T00:00:00Z"}`, 400},
		{"over a week", "Bearer " + token, `{"service":"order-api","reason":"r","author":"a","duration":"169h"}`, 400},
		{"ended already", "Bearer " + token, `{"service":"order-api","reason":"r","author":"a","start":"2020-01-01T00:00:00Z","end":"2020-01-01T01:00:00Z"}`, 400},
		{"too far ahead", "Bearer " + token, `{"service":"order-api","reason":"r","author":"a","start":"` + now.Add(40*24*time.Hour).Format(time.RFC3339) + `","duration":"1h"}`, 400},
		{"a newline in the author", "Bearer " + token, `{"service":"order-api","reason":"r","author":"a\nb","duration":"1h"}`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := f.do(t, "POST", "/api/v1/maintenance", tc.auth, tc.body); code != tc.code {
				t.Errorf("got %d %v, want %d", code, body, tc.code)
			}
		})
	}
	exported := func() string {
		t.Helper()
		_, body := f.raw(t, "GET", "/metrics")
		var lines []string
		for l := range strings.Lines(body) {
			if strings.HasPrefix(l, "slokit_maintenance_active{") {
				lines = append(lines, strings.TrimSpace(l))
			}
		}
		return strings.Join(lines, "; ")
	}
	code, created := f.do(t, "POST", "/api/v1/maintenance", "Bearer "+token, good)
	if code != 201 || created["id"] == nil {
		t.Fatalf("create: %d %v", code, created)
	}
	later := `{"service":"order-api","slo":"availability","reason":"provider switch","author":"bob","start":"` + now.Add(3*time.Hour).Format(time.RFC3339) + `","duration":"30m"}`
	if code, body := f.do(t, "POST", "/api/v1/maintenance", "Bearer "+token, later); code != 201 {
		t.Fatalf("a window to come: %d %v", code, body)
	}
	if got := exported(); got != `slokit_maintenance_active{service="order-api",slo=""} 1` {
		t.Errorf("exported now: %s", got)
	}
	if code, body := f.do(t, "GET", "/api/v1/maintenance", "Bearer "+token, ""); code != 200 || len(body["maintenance"].([]any)) != 2 {
		t.Errorf("list: %d %v", code, body)
	}
	if code, _ := f.do(t, "GET", "/api/v1/maintenance", "", ""); code != 401 {
		t.Errorf("listing without a token: %d", code)
	}
	// Three hours on, the first has ended and the second holds.
	*f.clock = now.Add(3*time.Hour + time.Minute)
	if got := exported(); got != `slokit_maintenance_active{service="order-api",slo="availability"} 1` {
		t.Errorf("exported three hours on: %s", got)
	}
	_, list := f.do(t, "GET", "/api/v1/maintenance", "Bearer "+token, "")
	second := list["maintenance"].([]any)[0].(map[string]any)["id"].(string)
	if code, _ := f.do(t, "DELETE", "/api/v1/maintenance/"+second, "Bearer "+token, ""); code != 204 {
		t.Errorf("ending it: %d", code)
	}
	if code, _ := f.do(t, "DELETE", "/api/v1/maintenance/"+second, "Bearer "+token, ""); code != 404 {
		t.Errorf("ending it again: %d", code)
	}
	if got := exported(); got != "" {
		t.Errorf("exported after the end: %s", got)
	}
	// Kept across a restart of the store, and audited.
	store, err := files.OpenFileStore(f.dir, files.AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if kept := store.Maintenance(now); len(kept) != 1 || kept[0].ID != created["id"] {
		t.Errorf("kept on disk: %+v", kept)
	}
	audit, err := os.ReadFile(filepath.Join(f.dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(audit), `"kind":"maintenance-created"`); n != 2 || !strings.Contains(string(audit), `"kind":"maintenance-ended"`) {
		t.Errorf("audit log: %d created\n%s", n, audit)
	}
}

// The gate overview shows every service's decision for a normal change and
// records none: a page view is not a deploy check.
func TestGateOverviewRecordsNothing(t *testing.T) {
	f := newServer(t, 3*time.Hour+10*time.Minute, false)
	f.refresh(t)
	code, body := f.do(t, "GET", "/api/v1/gate", "", "")
	services, _ := body["services"].([]any)
	if code != 200 || len(services) != 1 {
		t.Fatalf("overview: %d %v", code, body)
	}
	if g := services[0].(map[string]any); g["service"] != "order-api" || g["decision"] != "deny" || len(g["reasons"].([]any)) == 0 {
		t.Errorf("order-api in the overview: %v", g)
	}
	_, metrics := f.raw(t, "GET", "/metrics")
	if strings.Contains(metrics, "slokit_gate_decisions_total{") {
		t.Errorf("the overview counted a decision:\n%s", metrics)
	}
	// A check does count (and record) its decision.
	f.do(t, "GET", "/api/v1/gate/order-api", "", "")
	if _, metrics := f.raw(t, "GET", "/metrics"); !strings.Contains(metrics, `slokit_gate_decisions_total{decision="deny",service="order-api"} 1`) {
		t.Errorf("a check after the overview:\n%s", metrics)
	}
}

// An SLO's history holds its remaining budget, SLI and burn rates over the
// period, as the backend recorded them, and its tiers.
func TestSLOHistory(t *testing.T) {
	f := newServer(t, 3*time.Hour+10*time.Minute, false)
	f.refresh(t)
	code, body := f.do(t, "GET", "/api/v1/slos/order-api/availability/history?range=4h", "", "")
	if code != 200 {
		t.Fatalf("history: %d %v", code, body)
	}
	objectives := body["objectives"].([]any)
	if len(objectives) != 1 || len(body["tiers"].([]any)) != 4 || body["stepSeconds"].(float64) != 60 {
		t.Fatalf("history: %v", body)
	}
	o := objectives[0].(map[string]any)
	remaining, sli := o["remaining"].([]any), o["sli"].([]any)
	burns := o["burnRates"].(map[string]any)
	// Three hours of history recorded, a point a minute; ten minutes into
	// the outage the budget is spent and the 5m window burns at 1000x.
	if len(remaining) < 150 || len(sli) < 150 || len(burns) != 7 {
		t.Fatalf("%d remaining, %d SLI points, %d burn windows", len(remaining), len(sli), len(burns))
	}
	// The period of a rolling window is the window ending now.
	to := body["to"].(string)
	if body["periodEnd"] != to || body["periodStart"] != mustTime(t, to).Add(-30*24*time.Hour).Format(time.RFC3339) {
		t.Errorf("rolling period %v to %v, want the 30 days to %v", body["periodStart"], body["periodEnd"], to)
	}
	last := func(series []any) float64 { p := series[len(series)-1].([]any); return p[1].(float64) }
	if last(remaining) >= 0 || last(remaining) < -100 || last(burns["5m"].([]any)) < 900 || last(sli) > 0.999 {
		t.Errorf("at the end: remaining %v, 5m burn %v, SLI %v", last(remaining), last(burns["5m"].([]any)), last(sli))
	}
	for _, tc := range []struct {
		path string
		code int
	}{
		{"/api/v1/slos/order-api/latency/history", 404},
		{"/api/v1/slos/order-api/availability/history?range=90d", 400},
		{"/api/v1/slos/order-api/availability/history?range=soon", 400},
	} {
		if code, body := f.do(t, "GET", tc.path, "", ""); code != tc.code {
			t.Errorf("%s: %d %v, want %d", tc.path, code, body, tc.code)
		}
	}
}

// A calendar period's history starts at the period's start, and says
// where the period ends (for the burndown's even spending).
func TestSLOHistoryOfACalendarPeriod(t *testing.T) {
	svcs, diags := slo.Parse([]byte(fixture.OrderAPISpec(fixture.OrderAPIOptions{SLOYAML: "period: calendar-week\ntimezone: Europe/Berlin\n"})))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	q, ts := backend(t, svcs, 3*time.Hour+10*time.Minute)
	f := serveOn(t, serve.Options{Services: svcs, Querier: q, Token: token}, ts)
	f.refresh(t)
	code, body := f.do(t, "GET", "/api/v1/slos/order-api/availability/history", "", "")
	if code != 200 {
		t.Fatalf("history: %d %v", code, body)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := ts.In(berlin)
	monday := time.Date(now.Year(), now.Month(), now.Day()-(int(now.Weekday())+6)%7, 0, 0, 0, 0, berlin)
	start, end := mustTime(t, body["periodStart"].(string)), mustTime(t, body["periodEnd"].(string))
	if !start.Equal(monday) || !end.Equal(monday.AddDate(0, 0, 7)) || !mustTime(t, body["from"].(string)).Equal(monday) {
		t.Errorf("calendar week from %v, period %v to %v; want the week from %v", body["from"], start, end, monday)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The audit trail of a service, newest first, with the token only.
func TestAuditTrail(t *testing.T) {
	f := newServer(t, 3*time.Hour+10*time.Minute, false)
	f.refresh(t)
	f.do(t, "GET", "/api/v1/gate/order-api", "", "")
	if code, body := f.do(t, "POST", "/api/v1/overrides", "Bearer "+token, `{"service":"order-api","reason":"the fix","author":"alice","duration":"1h"}`); code != 201 {
		t.Fatalf("override: %d %v", code, body)
	}
	code, body := f.do(t, "GET", "/api/v1/audit?service=order-api&limit=10", "Bearer "+token, "")
	records, _ := body["records"].([]any)
	if code != 200 || len(records) != 2 {
		t.Fatalf("audit: %d %v", code, body)
	}
	if first := records[0].(map[string]any); first["kind"] != "override-created" {
		t.Errorf("newest first: %v", first)
	}
	for _, tc := range []struct {
		path, auth string
		code       int
	}{
		{"/api/v1/audit?service=order-api", "", 401},
		{"/api/v1/audit", "Bearer " + token, 400},
		{"/api/v1/audit?service=order-api&limit=9999", "Bearer " + token, 400},
		{"/api/v1/audit?service=payment", "Bearer " + token, 200},
	} {
		if code, body := f.do(t, "GET", tc.path, tc.auth, ""); code != tc.code {
			t.Errorf("%s: %d %v, want %d", tc.path, code, body, tc.code)
		}
	}
}

// Empty lists are answered as [] rather than null, so that clients can
// range over them.
func TestEmptyListsAreEmptyArrays(t *testing.T) {
	f := newServer(t, 3*time.Hour+10*time.Minute, false)
	f.refresh(t)
	for path, key := range map[string]string{
		"/api/v1/overrides":             "overrides",
		"/api/v1/maintenance":           "maintenance",
		"/api/v1/audit?service=payment": "records",
	} {
		code, body := f.do(t, "GET", path, "Bearer "+token, "")
		if list, ok := body[key].([]any); code != 200 || !ok || len(list) != 0 {
			t.Errorf("%s: %d %v, want %q: []", path, code, body, key)
		}
	}
}

// The cap of 7 days holds for maintenance without a break: a window that
// touches or overlaps others of the same SLOs joins them. Before, six
// adjacent 7-day windows gave 38 days of maintenance.
func TestMaintenanceIsCappedAtAStretch(t *testing.T) {
	f := newServer(t, 3*time.Hour+10*time.Minute, false)
	f.refresh(t)
	now := *f.clock
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	window := func(slo string, start, end time.Duration) int {
		t.Helper()
		body := `{"service":"order-api","slo":"` + slo + `","reason":"migration","author":"alice","start":"` + at(start) + `","end":"` + at(end) + `"}`
		code, out := f.do(t, "POST", "/api/v1/maintenance", "Bearer "+token, body)
		if code != 201 && !strings.Contains(fmt.Sprint(out["error"]), "without a break") {
			t.Errorf("%s: %d %v", body, code, out)
		}
		return code
	}
	week := 7 * 24 * time.Hour
	if code := window("", time.Hour, time.Hour+week); code != 201 {
		t.Fatalf("a week: %d", code)
	}
	for _, tc := range []struct {
		name       string
		slo        string
		start, end time.Duration
		code       int
	}{
		{"touching its end", "", time.Hour + week, 2*time.Hour + week, 400},
		{"touching its start", "", 0, time.Hour, 400},
		{"overlapping its end", "", week, 2*time.Hour + week, 400},
		{"inside it: no longer", "", 2 * time.Hour, 3 * time.Hour, 201},
		{"for one SLO, touching the service's", "availability", time.Hour + week, 2*time.Hour + week, 400},
		{"after a break", "", time.Hour + week + time.Minute, 2*time.Hour + week, 201},
		{"touching the one after the break", "", 2*time.Hour + week, 3*time.Hour + week, 201},
	} {
		if code := window(tc.slo, tc.start, tc.end); code != tc.code {
			t.Errorf("%s: %d, want %d", tc.name, code, tc.code)
		}
	}
}

// A deletion is in the service's audit trail like a creation: the record
// holds the override or window as it was (its service, author and reason)
// and who deleted it, from ?author=. Before, override-deleted and
// maintenance-ended held only an ID, so a service's trail showed no
// deletion at all.
func TestDeletionsAreInTheServicesTrail(t *testing.T) {
	f := newServer(t, 3*time.Hour+10*time.Minute, false)
	f.refresh(t)
	_, ov := f.do(t, "POST", "/api/v1/overrides", "Bearer "+token, `{"service":"order-api","reason":"the fix","author":"alice","duration":"1h"}`)
	_, mw := f.do(t, "POST", "/api/v1/maintenance", "Bearer "+token, `{"service":"order-api","reason":"db upgrade","author":"alice","duration":"1h"}`)
	if code, body := f.do(t, "DELETE", "/api/v1/overrides/"+fmt.Sprint(ov["id"])+"?author=bob", "Bearer "+token, ""); code != 204 {
		t.Fatalf("delete: %d %v", code, body)
	}
	if code, body := f.do(t, "DELETE", "/api/v1/maintenance/"+fmt.Sprint(mw["id"])+"?author=carol", "Bearer "+token, ""); code != 204 {
		t.Fatalf("end: %d %v", code, body)
	}
	if code, body := f.do(t, "DELETE", "/api/v1/overrides/ovr-x?author=a%0Ab", "Bearer "+token, ""); code != 400 {
		t.Errorf("a newline in who deletes: %d %v", code, body)
	}
	_, body := f.do(t, "GET", "/api/v1/audit?service=order-api&limit=10", "Bearer "+token, "")
	data, _ := json.Marshal(body["records"])
	var records []store.AuditEntry
	if err := json.Unmarshal(data, &records); err != nil || len(records) != 4 {
		t.Fatalf("trail %s (%v): want 4 records", data, err)
	}
	ended, deleted := records[0], records[1]
	if ended.Kind != "maintenance-ended" || ended.By != "carol" || ended.Maintenance.Service != "order-api" || ended.Maintenance.Author != "alice" || ended.Maintenance.Reason != "db upgrade" {
		t.Errorf("the end: %+v %+v", ended, ended.Maintenance)
	}
	if deleted.Kind != "override-deleted" || deleted.By != "bob" || deleted.Override.Service != "order-api" || deleted.Override.Author != "alice" || deleted.Override.Reason != "the fix" {
		t.Errorf("the deletion: %+v %+v", deleted, deleted.Override)
	}
}

// Every API answer, errors and the token-guarded ones included, tells
// browsers and proxies not to use it without asking again and not to
// guess its type: budget state and decisions are of the moment (no-cache:
// kept, and revalidated with its ETag), and what only the token holder
// may read (the routes that answer 401 without it) is never kept
// (no-store).
func TestAPIAnswersAreNotKeptOrSniffed(t *testing.T) {
	f := newServer(t, 2*time.Hour, false)
	f.refresh(t)
	for _, r := range f.s.Routes() {
		path := strings.NewReplacer("{service}", "order-api", "{slo}", "availability", "{id}", "ovr-none").Replace(r.Path)
		guarded := false
		for _, auth := range []string{"", "Bearer " + token, "Bearer wrong"} {
			req, _ := http.NewRequest(r.Method, f.srv.URL+path, strings.NewReader("{}"))
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if auth == "" && resp.StatusCode == http.StatusUnauthorized {
				guarded = true
			}
			want := "no-cache"
			if guarded {
				want = "no-store"
			}
			if resp.Header.Get("Cache-Control") != want || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s %s (%s): %d, Cache-Control %q, X-Content-Type-Options %q", r.Method, path, auth, resp.StatusCode,
					resp.Header.Get("Cache-Control"), resp.Header.Get("X-Content-Type-Options"))
			}
		}
	}
}

// A service on the embedded demo says so in every API answer, the
// gate's, lists, errors and health included, so that nobody takes the
// demo for a gate; a service on a backend adds nothing.
func TestDemoAnswersSaySo(t *testing.T) {
	svcs, diags := slo.Parse([]byte(spec))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	q, ts := backend(t, svcs, 2*time.Hour)
	demo := serveOn(t, serve.Options{Services: svcs, Querier: q, Token: token, Demo: "outage"}, ts)
	demo.refresh(t)
	for _, path := range []string{"/api/v1/gate/order-api", "/api/v1/gate", "/api/v1/slos", "/api/v1/gate/nobody", "/healthz", "/readyz"} {
		code, body := demo.raw(t, "GET", path)
		if !strings.HasPrefix(body, `{"source":"demo","scenario":"outage",`) {
			t.Errorf("GET %s (%d) in the demo: %.120s", path, code, body)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Errorf("GET %s: %v", path, err)
		}
	}
	req, _ := http.NewRequest("GET", demo.srv.URL+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Slokit-Demo") != "outage" {
		t.Errorf("/metrics in the demo: header %q", resp.Header.Get("Slokit-Demo"))
	}

	real := newServer(t, 2*time.Hour, false)
	real.refresh(t)
	if _, body := real.raw(t, "GET", "/api/v1/gate/order-api"); strings.Contains(body, `"source"`) || strings.Contains(body, "demo") {
		t.Errorf("on a backend: %.120s", body)
	}
}

// Every JSON answer reads cleanly: no zero time ("0001-01-01T00:00:00Z"),
// no list written as null, and no figure with float noise in its last
// digits (0.7, not 0.7000000000000162), before the first read and after.
func TestAnswersHaveNoZeroTimesNullListsOrFloatNoise(t *testing.T) {
	f := newServer(t, 2*time.Hour, false)
	paths := []string{"/api/v1/slos", "/api/v1/gate", "/api/v1/gate/order-api", "/api/v1/slos/order-api/availability",
		"/api/v1/slos/order-api/availability/history?range=6h", "/api/v1/overrides", "/api/v1/audit", "/api/v1/maintenance", "/readyz", "/healthz"}
	// nullable are the fields that may be null: a figure without data, an
	// override that is not there.
	nullable := map[string]bool{"sli": true, "remaining": true, "fullOutageMinutesLeft": true, "secondsToExhaustion": true,
		"dataTime": true, "dataAgeSeconds": true, "burnRate": true, "override": true, "expires": true}
	check := func(when string) {
		t.Helper()
		for _, path := range paths {
			req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), "0001-01-01") {
				t.Errorf("%s, GET %s: a zero time: %.200s", when, path, body)
			}
			dec := json.NewDecoder(strings.NewReader(string(body)))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Errorf("%s, GET %s: %v", when, path, err)
				continue
			}
			var walk func(key string, v any)
			walk = func(key string, v any) {
				switch x := v.(type) {
				case nil:
					if !nullable[key] {
						t.Errorf("%s, GET %s: %q is null", when, path, key)
					}
				case json.Number:
					if digits := strings.TrimLeft(strings.NewReplacer("-", "", ".", "").Replace(strings.Split(strings.ToLower(string(x)), "e")[0]), "0"); len(digits) > 13 {
						t.Errorf("%s, GET %s: %q is %s, float noise", when, path, key, x)
					}
				case map[string]any:
					for k, e := range x {
						walk(k, e)
					}
				case []any:
					for _, e := range x {
						walk(key, e)
					}
				}
			}
			walk("", v)
		}
	}
	check("before the first read")
	f.refresh(t)
	if code, out := f.do(t, "POST", "/api/v1/overrides", "Bearer "+token, `{"service":"order-api","reason":"the fix","author":"alice","duration":"2h"}`); code != 201 {
		t.Fatalf("override: %d %v", code, out)
	}
	if code, out := f.do(t, "POST", "/api/v1/maintenance", "Bearer "+token, `{"service":"order-api","reason":"upgrade","author":"alice","duration":"1h"}`); code != 201 {
		t.Fatalf("maintenance: %d %v", code, out)
	}
	check("after a read, an override and a maintenance window")
}

// Every change of an override or a maintenance window, and the gate's
// denies, are logged at info level, with no author, reason or client (the
// audit trail keeps who and why); a deploy denied again and again is one
// line a minute. /metrics has the Go runtime's and the process's series.
func TestChangesAndDeniesAreLogged(t *testing.T) {
	f := newServer(t, 4*time.Hour, false) // mid-outage: order-api is denied
	f.refresh(t)
	var log fixture.SyncBuffer
	f.s.SetLogger(slog.New(slog.NewTextHandler(&log, nil)))
	for range 3 {
		if code, body := f.raw(t, "GET", "/api/v1/gate/order-api"); code != 200 || !strings.Contains(body, `"decision":"deny"`) {
			t.Fatalf("the gate: %d %.200s", code, body)
		}
	}
	_, ov := f.do(t, "POST", "/api/v1/overrides", "Bearer "+token, `{"service":"order-api","reason":"hotfix 42","author":"alice","duration":"2h"}`)
	id, _ := ov["id"].(string)
	f.do(t, "PATCH", "/api/v1/overrides/"+id, "Bearer "+token, `{"reason":"longer","author":"alice","duration":"3h"}`)
	f.do(t, "DELETE", "/api/v1/overrides/"+id+"?author=alice", "Bearer "+token, "")
	_, m := f.do(t, "POST", "/api/v1/maintenance", "Bearer "+token, `{"service":"order-api","reason":"upgrade","author":"alice","duration":"1h"}`)
	mid, _ := m["id"].(string)
	f.do(t, "DELETE", "/api/v1/maintenance/"+mid, "Bearer "+token, "")
	got := log.String()
	for _, want := range []string{
		`level=INFO msg="deploy denied" service=order-api change=normal rules=`,
		`level=INFO msg="override created" id=` + id + ` service=order-api`,
		`level=INFO msg="override changed" id=` + id,
		`level=INFO msg="override deleted" id=` + id,
		`level=INFO msg="maintenance window created" id=` + mid + ` service=order-api`,
		`level=INFO msg="maintenance window ended" id=` + mid,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the log lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, `msg="deploy denied"`); n != 1 {
		t.Errorf("%d lines for three denies within a minute, want 1:\n%s", n, got)
	}
	for _, secret := range []string{"alice", "hotfix 42", "upgrade", "127.0.0.1"} {
		if strings.Contains(got, secret) {
			t.Errorf("the log names %q:\n%s", secret, got)
		}
	}
	_, metrics := f.raw(t, "GET", "/metrics")
	for _, want := range []string{"go_goroutines ", "go_memstats_heap_alloc_bytes ", "process_cpu_seconds_total ", "process_open_fds "} {
		if !strings.Contains(metrics, "\n"+want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
}
