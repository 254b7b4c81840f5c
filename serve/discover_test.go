package serve_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/slo/slotest"
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
// with the budget of the run spent and both pages firing, the order API
// (the default policy) freezes for the page as well and lets a hotfix
// through; the payment service freezes for its budget only, and lets
// nothing through. Until the first read it cannot decide rather than
// calling a service unknown; a service whose rules go is unknown at the
// next refresh.
func TestDiscoveredServicesAreJudgedByTheirOwnPolicy(t *testing.T) {
	svcs := append(slotest.Services(t, spec), slotest.Services(t, fixture.PaymentSpec("15s"))...)
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
		path, decision string
		pageFreezes    bool
	}{
		{"/api/v1/gate/order-api", "deny", true},
		{"/api/v1/gate/order-api?change=hotfix", "allow", true},
		{"/api/v1/gate/payment", "deny", false},
		{"/api/v1/gate/payment?change=hotfix", "deny", false},
	} {
		code, body := f.do(t, "GET", tc.path, "", "")
		var rules []string
		reasons, _ := body["reasons"].([]any)
		for _, r := range reasons {
			rules = append(rules, r.(map[string]any)["rule"].(string))
		}
		if code != 200 || body["decision"] != tc.decision || !slices.Contains(rules, "budget-exhausted") || slices.Contains(rules, "page-alert-firing") != tc.pageFreezes {
			t.Errorf("%s: %d %s for %v, want %s, the page freezing: %v", tc.path, code, body["decision"], rules, tc.decision, tc.pageFreezes)
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
