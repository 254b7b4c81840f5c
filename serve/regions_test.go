package serve_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/slo"
)

// regionalBackend is a global evaluator's engine: the global tier of the
// specs' rules over what each region's edge tier sent, per minute, for the
// last week up to end (a region's errors a ratio of its events from its
// burn time on; a region stops sending at its stop time if it has one).
func regionalBackend(t *testing.T, svcs []*slo.Service, end time.Time, regions map[string]regionTraffic) engine.ModelQuerier {
	t.Helper()
	e, err := engine.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	var rules bytes.Buffer
	if err := promrules.Write(&rules, promrules.Output{Format: promrules.FormatPrometheus, Tier: promrules.TierGlobal}, svcs); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "global.yaml")
	if err := os.WriteFile(file, rules.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.LoadRules(file); err != nil {
		t.Fatal(err)
	}
	start := end.Add(-7 * 24 * time.Hour)
	app := e.Appender(context.Background())
	for name, r := range regions {
		id := []string{"service", "order-api", "slo", "availability", "window", "1m", "region", name}
		total := labels.FromStrings(append([]string{labels.MetricName, series.EdgeTotal}, id...)...)
		errs := labels.FromStrings(append([]string{labels.MetricName, series.EdgeErrors}, id...)...)
		var tref, eref storage.SeriesRef
		for ts := start; !ts.After(end); ts = ts.Add(time.Minute) {
			if !r.stop.IsZero() && !ts.Before(r.stop) {
				break
			}
			bad := 0.0
			if !r.burn.IsZero() && !ts.Before(r.burn) {
				bad = r.perMinute * r.ratio
			}
			if tref, err = app.AddRef(tref, total, ts.UnixMilli(), r.perMinute); err != nil {
				t.Fatal(err)
			}
			if eref, err = app.AddRef(eref, errs, ts.UnixMilli(), bad); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := e.CatchUp(context.Background(), start, end); err != nil {
		t.Fatal(err)
	}
	return engine.ModelQuerier{Engine: e}
}

type regionTraffic struct {
	perMinute, ratio float64
	burn, stop       time.Time
}

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
	q := regionalBackend(t, svcs, end, map[string]regionTraffic{
		"eu-west-1": {perMinute: 50, ratio: 1, burn: end.Add(-10 * time.Minute)},
		"us-east-1": {perMinute: 950},
	})
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

	// us-east-1 stops reporting: the global state says so, and the gate
	// warns for a deploy everywhere.
	q = regionalBackend(t, svcs, end, map[string]regionTraffic{
		"eu-west-1": {perMinute: 100},
		"us-east-1": {perMinute: 900, stop: end.Add(-10 * time.Minute)},
	})
	f = serveOn(t, serve.Options{Services: svcs, Querier: q, Token: token}, end)
	f.refresh(t)
	if code, got := decision(""); code != 200 || !strings.Contains(got, "regions-missing: availability (99.9%): no data from us-east-1: the global budget lacks their events") {
		t.Errorf("gate with us-east-1 silent: %d %s", code, got)
	}
}
