package serve_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/serve"
)

// withoutService is a backend from which one service's rules have been
// removed: none of its series come back.
type withoutService struct {
	budget.Querier
	service string
}

func (w *withoutService) Query(ctx context.Context, q string, ts time.Time) (model.Vector, error) {
	v, err := w.Querier.Query(ctx, q, ts)
	var kept model.Vector
	for _, smp := range v {
		if string(smp.Metric[series.ServiceLabel]) != w.service {
			kept = append(kept, smp)
		}
	}
	return kept, err
}

// Given no specs, the server judges every service whose rules the backend
// evaluates, each by its own policy: ten minutes into an outage of both,
// the order API (the default policy) freezes but lets a hotfix through,
// and the payment service (no freeze on a page) warns. Until the first
// read it cannot decide rather than calling a service unknown; a service
// whose rules go is unknown at the next refresh.
func TestDiscoveredServicesAreJudgedByTheirOwnPolicy(t *testing.T) {
	svcs := append(fixture.Services(t, spec), fixture.Services(t, fixture.PaymentSpec("15s"))...)
	q, ts := backend(t, svcs, 3*time.Hour+10*time.Minute)
	removable := &withoutService{Querier: q}
	f := serveOn(t, serve.Options{Discover: true, Querier: removable, Token: token}, ts)

	if code, body := f.do(t, "GET", "/api/v1/gate/payment", "", ""); code != 503 {
		t.Errorf("before the first read: %d %v, want 503", code, body)
	}
	override := `{"service":"payment","reason":"the fix","author":"ops","duration":"1h"}`
	if code, body := f.do(t, "POST", "/api/v1/overrides", "Bearer "+token, override); code != 503 {
		t.Errorf("an override before the first read: %d %v, want 503", code, body)
	}

	f.refresh(t)
	if got := f.s.Services(); strings.Join(got, ",") != "order-api,payment" {
		t.Fatalf("discovered %v", got)
	}
	for _, tc := range []struct {
		path, decision, rule string
	}{
		{"/api/v1/gate/order-api", "deny", "page-alert-firing"},
		{"/api/v1/gate/order-api?change=hotfix", "allow", "page-alert-firing"},
		{"/api/v1/gate/payment", "warn", "budget-low"},
		{"/api/v1/gate/payment?change=security", "warn", "budget-low"},
	} {
		code, body := f.do(t, "GET", tc.path, "", "")
		reasons, _ := body["reasons"].([]any)
		if code != 200 || body["decision"] != tc.decision || len(reasons) == 0 || reasons[0].(map[string]any)["rule"] != tc.rule {
			t.Errorf("%s: %d %v, want %s for %s", tc.path, code, body, tc.decision, tc.rule)
		}
	}
	if code, body := f.do(t, "GET", "/api/v1/gate/menu", "", ""); code != 404 || !strings.Contains(body["error"].(string), "no slokit rules") {
		t.Errorf("a service without rules: %d %v", code, body)
	}
	if code, body := f.do(t, "POST", "/api/v1/overrides", "Bearer "+token, override); code != 201 {
		t.Errorf("an override for a discovered service: %d %v", code, body)
	}

	removable.service = "payment"
	f.refresh(t)
	if code, body := f.do(t, "GET", "/api/v1/gate/payment", "", ""); code != 404 {
		t.Errorf("once its rules are gone: %d %v, want 404", code, body)
	}
	if code, body := f.do(t, "GET", "/api/v1/gate/order-api", "", ""); code != 200 || body["decision"] != "deny" {
		t.Errorf("the other service: %d %v", code, body)
	}
	if code, body := f.do(t, "GET", "/api/v1/slos/payment/availability", "", ""); code != 404 {
		t.Errorf("the state of a service that left: %d %v", code, body)
	}
}
