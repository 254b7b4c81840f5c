package serve_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/simulate/simtest"
	"github.com/slokit/slokit/slo"
)

// The gate judges a deploy to one region by that region's budget and the
// global one: while eu-west-1, with 5% of the traffic, fails every
// request, a deploy to us-east-1 passes and one to eu-west-1 or everywhere
// is denied; a region the service is not tracked in is refused; the
// states name their regions; and once an expected region stops
// reporting, the global state lists it as missing and the gate warns.
func TestGateByRegion(t *testing.T) {
	svcs, diags := slo.Parse([]byte(fixture.OrderAPISpec(fixture.OrderAPIOptions{ServiceYAML: "regions: {expected: [eu-west-1, us-east-1]}"})))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	q := engine.ModelQuerier{Engine: simtest.Regional(t, svcs, end, 7*24*time.Hour, map[string]simtest.Region{
		"eu-west-1": {PerMinute: 50, Ratio: 1, Burn: end.Add(-10 * time.Minute)},
		"us-east-1": {PerMinute: 950},
	})}
	f := serveOn(t, serve.Options{Services: svcs, Querier: q, Token: token}, end)
	f.refresh(t)
	decision := func(query string) (int, string) {
		code, body := f.do(t, "GET", "/api/v1/gate/order-api"+query, "", "")
		if body["decision"] == nil {
			return code, body["error"].(string)
		}
		reasons := ""
		for _, r := range body["reasons"].([]any) {
			reasons += r.(map[string]any)["rule"].(string) + ": " + r.(map[string]any)["message"].(string) + "\n"
		}
		return code, body["decision"].(string) + "\n" + reasons
	}
	for _, tc := range []struct{ query, want string }{
		{"?region=us-east-1", "allow\n"},
		{"?region=eu-west-1", "deny\npage-alert-firing: availability (99.9%, region=eu-west-1): page-level burn alert firing over 1h"},
		{"", "deny\npage-alert-firing: availability (99.9%, region=eu-west-1): page-level burn alert firing over 1h"},
	} {
		code, got := decision(tc.query)
		if code != 200 || !strings.HasPrefix(got, tc.want) {
			t.Errorf("gate%s: %d %s, want %q...", tc.query, code, got, tc.want)
		}
		t.Logf("gate%s: %s", tc.query, got)
	}
	if code, got := decision("?region=ap-south-1"); code != 400 || !strings.Contains(got, `order-api is not tracked in region "ap-south-1" (known: eu-west-1, us-east-1)`) {
		t.Errorf("an unknown region: %d %s", code, got)
	}
	_, body := f.do(t, "GET", "/api/v1/slos/order-api/availability", "", "")
	regions := map[string]bool{}
	for _, st := range body["slos"].([]any) {
		st := st.(map[string]any)
		r, _ := st["region"].(string)
		regions[r] = true
		if st["regions"] == nil || st["missingRegions"] != nil {
			t.Errorf("a state of a regional SLO: %v", st)
		}
	}
	if len(regions) != 3 || !regions[""] || !regions["eu-west-1"] || !regions["us-east-1"] {
		t.Errorf("states by region: %v", regions)
	}
	// The history too: one per region, and the whole without a region,
	// whose budget is neither region's.
	_, body = f.do(t, "GET", "/api/v1/slos/order-api/availability/history?range=1d", "", "")
	lastLeft := map[string]float64{}
	for _, o := range body["objectives"].([]any) {
		o := o.(map[string]any)
		group, _ := o["group"].(map[string]any)
		points := o["remaining"].([]any)
		if len(points) == 0 {
			t.Fatalf("no budget history for group %v", group)
		}
		lastLeft[fmt.Sprint(group["region"])] = points[len(points)-1].([]any)[1].(float64)
	}
	if len(lastLeft) != 3 || lastLeft["<nil>"] == lastLeft["eu-west-1"] || lastLeft["<nil>"] == lastLeft["us-east-1"] {
		t.Errorf("histories by region (the whole under <nil>): %v", lastLeft)
	}

	// us-east-1 stops reporting: the global state says so, and the gate
	// warns for a deploy everywhere.
	q = engine.ModelQuerier{Engine: simtest.Regional(t, svcs, end, 7*24*time.Hour, map[string]simtest.Region{
		"eu-west-1": {PerMinute: 100},
		"us-east-1": {PerMinute: 900, Stop: end.Add(-10 * time.Minute)},
	})}
	f = serveOn(t, serve.Options{Services: svcs, Querier: q, Token: token}, end)
	f.refresh(t)
	if code, got := decision(""); code != 200 || !strings.Contains(got, "regions-missing: availability (99.9%): no data from us-east-1: the global budget lacks their events") {
		t.Errorf("gate with us-east-1 silent: %d %s", code, got)
	}
}
