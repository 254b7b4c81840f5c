package serve_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/canary/canarytest"
	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/slo/slotest"
)

// GET /api/v1/canary/{service} judges a canary by the service's SLOs on
// the backend's raw series: a canary at five times the 99.9% objective's
// budget (25 times the baseline's errors) fails, an equal one passes; what is asked wrongly is refused, naming
// why.
func TestCanaryEndpoint(t *testing.T) {
	svcs := slotest.Services(t, spec)
	start := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	side := func(hash, pod string, perSecond, bad float64) canarytest.Side {
		return canarytest.Side{Labels: []string{"pod_hash", hash, "namespace", "shop", "pod", pod}, PerSecond: perSecond, Bad: bad}
	}
	e := canarytest.Engine(t, start, 30*time.Minute, side("stable", "order-api-primary-5c8d9-x1x2z", 95, 0.0002),
		side("good", "web-6d4f1-a1b2c", 5, 0.0002), side("bad", "order-api-7b9e4-q8w2e", 5, 0.005))
	f := serveOn(t, serve.Options{Services: svcs, Querier: engine.ModelQuerier{Engine: e}, Token: token}, start.Add(30*time.Minute))
	ask := func(params url.Values) (int, map[string]any) {
		return f.do(t, "GET", "/api/v1/canary/order-api?"+params.Encode(), "", "")
	}
	sides := func(hash string) url.Values {
		return url.Values{"canary": {`pod_hash="` + hash + `"`}, "baseline": {`pod_hash="stable"`}, "slo": {"availability"}}
	}
	for hash, want := range map[string]string{"good": "pass", "bad": "fail"} {
		code, body := ask(sides(hash))
		if code != 200 || body["verdict"] != want {
			t.Errorf("canary %s: %d %v, want %s", hash, code, body, want)
		}
	}
	for _, tc := range []struct {
		params url.Values
		code   int
		says   string
	}{
		{url.Values{"baseline": {`pod_hash="stable"`}}, 400, "canary: missing"},
		{func() url.Values { v := sides("good"); v.Set("window", "2d"); return v }(), 400, "window must be"},
		{func() url.Values { v := sides("good"); v.Set("confidence", "1"); return v }(), 400, "confidence must be"},
		{func() url.Values { v := sides("good"); v.Set("slo", "nope"); return v }(), 422, `no SLO named "nope"`},
	} {
		code, body := ask(tc.params)
		if msg, _ := body["error"].(string); code != tc.code || !strings.Contains(msg, tc.says) {
			t.Errorf("%v: %d %v, want %d saying %q", tc.params, code, body, tc.code, tc.says)
		}
	}
	if code, _ := f.do(t, "GET", "/api/v1/canary/payment?"+sides("good").Encode(), "", ""); code != 404 {
		t.Errorf("a service without a spec: %d", code)
	}
	if code, body := ask(func() url.Values { v := sides("bad"); v.Set("change", "rollback"); return v }()); code != 200 || body["verdict"] != "pass" || !strings.Contains(fmt.Sprint(body["note"]), "the objectives say fail") {
		t.Errorf("a rollback's canary: %d %v, want a pass noting the fail", code, body)
	}
	testCanaryFlagger(t, f)
	testCanaryRecords(t, f)
}

// Every verdict is recorded with its figures: the service's latest ones
// are answered without the token (and without the clients' addresses),
// the audit trail has them with the token. Checks beyond the bound in
// flight are answered 503 at once.
func testCanaryRecords(t *testing.T, f *testServer) {
	code, body := f.do(t, "GET", "/api/v1/canary/order-api/verdicts?limit=3", "", "")
	verdicts, _ := body["verdicts"].([]any)
	if code != 200 || len(verdicts) != 3 {
		t.Fatalf("the verdicts: %d %v", code, body)
	}
	// The newest is the Flagger webhook's inconclusive minute.
	newest := verdicts[0].(map[string]any)
	objectives, _ := newest["objectives"].([]any)
	if newest["verdict"] != "inconclusive" || newest["window"] != "1m" || !strings.Contains(fmt.Sprint(newest["canary"]), `pod=~"order-api-[a-z0-9]+-[a-z0-9]+"`) || len(objectives) != 1 || newest["client"] != nil {
		t.Errorf("the newest verdict: %v", newest)
	}
	if o := objectives[0].(map[string]any); !(o["canaryTotal"].(float64) > 200) || o["slo"] != "availability" || o["baselineTotal"].(float64) < 5000 {
		t.Errorf("its figures: %v", o)
	}
	if code, body := f.do(t, "GET", "/api/v1/canary/order-api/verdicts?limit=500", "", ""); code != 400 {
		t.Errorf("limit=500: %d %v", code, body)
	}
	code, body = f.do(t, "GET", "/api/v1/audit?service=order-api", "Bearer "+token, "")
	if records, _ := body["records"].([]any); code != 200 || len(records) == 0 || records[0].(map[string]any)["kind"] != "canary-verdict" || records[0].(map[string]any)["client"] == nil {
		t.Errorf("the audit trail: %d %v", code, body)
	}
	release := f.s.OccupyCanaryChecks()
	code, _ = f.do(t, "GET", "/api/v1/canary/order-api?canary=pod_hash%3D%22good%22&baseline=pod_hash%3D%22stable%22", "", "")
	release()
	if code != 503 {
		t.Errorf("a check beyond the bound in flight: %d", code)
	}
}

// POST /api/v1/canary/{service} answers Flagger's rollout webhook by its
// status: 200 on pass, 403 on fail, 409 when inconclusive; without
// matchers in its metadata, the sides are Flagger's pods by the
// payload's name and namespace.
func testCanaryFlagger(t *testing.T, f *testServer) {
	for _, tc := range []struct {
		name     string
		metadata string
		code     int
		verdict  string
	}{
		{"Flagger's own pods, the canary failing", `{}`, 403, "fail"},
		{"matchers in the metadata", `{"canary": "pod_hash=\"good\"", "baseline": "pod_hash=\"stable\"", "slo": "availability"}`, 200, "pass"},
		{"a minute of a 5% canary", `{"window": "1m", "slo": "availability"}`, 409, "inconclusive"},
		{"a bad change class", `{"change": "yolo"}`, 400, ""},
	} {
		body := `{"name": "order-api", "namespace": "shop", "phase": "Progressing", "checksum": "abc", "metadata": ` + tc.metadata + `}`
		code, got := f.do(t, "POST", "/api/v1/canary/order-api", "", body)
		if code != tc.code || (tc.verdict != "" && got["verdict"] != tc.verdict) {
			t.Errorf("%s: %d %v, want %d %s", tc.name, code, got, tc.code, tc.verdict)
		}
	}
	if code, got := f.do(t, "POST", "/api/v1/canary/order-api", "", `{"name": "a b", "namespace": "shop"}`); code != 400 || !strings.Contains(fmt.Sprint(got["error"]), "name and namespace pick the pods") {
		t.Errorf("a payload naming no pods: %d %v", code, got)
	}
}
