package alertmanager_test

import (
	"bytes"
	"maps"
	"slices"
	"testing"

	"github.com/slokit/slokit/generators/alertmanager"
	"github.com/slokit/slokit/internal/golden"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/slo/slotest"
)

// goldens are this package's golden files: go test
// ./generators/alertmanager -update rewrites them.
var goldens = golden.Flag()

// The example platform's routing is kept as a golden file, reviewed as a
// diff; test/alertmanager_test.go checks it with the real amtool and
// Alertmanager.
func TestExamplePlatformRouting(t *testing.T) {
	services, diags := slo.Load([]string{"../../specs", "../../slo/testdata/tuning.good.yaml"})
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := alertmanager.Write(&b, services); err != nil {
		t.Fatal(err)
	}
	goldens.Assert(t, "testdata/specs.yaml", b.Bytes())
}

// routeTo follows the routes as Alertmanager does (first match, depth
// first) for an alert with labels, for label equality matchers only.
func routeTo(r alertmanager.Route, ls map[string]string) string {
	for _, child := range r.Routes {
		if matches(child.Matchers, ls) {
			return routeTo(child, ls)
		}
	}
	return r.Receiver
}

func matches(ms []string, ls map[string]string) bool {
	for _, m := range ms {
		ok := false
		for k, v := range ls {
			ok = ok || m == k+`="`+v+`"` || (k == "alertname" && m == `alertname=~"`+v+`"`)
		}
		if !ok {
			return false
		}
	}
	return true
}

// A team that calls one SLO's pages "high" and another's tickets "high"
// gets routes that name the SLO, so each goes where it should.
func TestASeverityValueBothPageAndTicketIsRoutedPerSLO(t *testing.T) {
	services := slotest.Services(t, `apiVersion: slokit.dev/v1
kind: ServiceLevels
service: api
labels: {team: web}
slos:
  - name: a
    objective: 99.9
    sli: {ratio: {errors: 'r{code="500"}', total: r}}
    alerting:
      page: {severity: high}
  - name: b
    objective: 99.9
    sli: {ratio: {errors: 'r{code="500"}', total: r}}
    alerting:
      page: {severity: urgent}
      ticket: {severity: high}
`)
	c := alertmanager.Build(services)
	for _, tc := range []struct {
		slo, severity, want string
	}{
		{"a", "high", "web-pager"},
		{"a", "ticket", "web-tickets"},
		{"b", "urgent", "web-pager"},
		{"b", "high", "web-tickets"},
	} {
		ls := map[string]string{"alertname": "SLOErrorBudgetBurn", "team": "web", "service": "api", "slo": tc.slo, "severity": tc.severity}
		if got := routeTo(c.Route, ls); got != tc.want {
			t.Errorf("%s severity=%s goes to %s, want %s", tc.slo, tc.severity, got, tc.want)
		}
	}
	if len(c.InhibitRules) != 2 {
		t.Errorf("want an inhibit rule for each pair of page and ticket values, got %+v", c.InhibitRules)
	}
}

// Without a team label, alerts are routed by service; specs without
// alerts get a configuration with no slokit route.
func TestRoutingWithoutTeamsOrAlerts(t *testing.T) {
	services := slotest.Services(t, `apiVersion: slokit.dev/v1
kind: ServiceLevels
service: search
slos:
  - name: a
    objective: 99.9
    sli: {ratio: {errors: 'r{code="500"}', total: r}}
`)
	c := alertmanager.Build(services)
	ls := map[string]string{"alertname": "SLOErrorBudgetBurn", "service": "search", "slo": "a", "severity": "page"}
	if got := routeTo(c.Route, ls); got != "search-pager" {
		t.Errorf("a page of a service without a team goes to %s, want search-pager", got)
	}
	services[0].SLOs[0].Alerting.Tiers = nil
	c = alertmanager.Build(services)
	if len(c.Route.Routes) != 0 || len(c.InhibitRules) != 0 || !slices.Equal(c.Receivers, []alertmanager.Receiver{{Name: alertmanager.UnroutedReceiver}}) {
		t.Errorf("no alerts, yet: %+v", c)
	}
}

// collidingCases are alerts of testdata/colliding, where services are
// named like other services' teams, and the receivers they must reach;
// test/alertmanager_test.go asks the real amtool the same.
var collidingCases = []struct {
	labels map[string]string
	want   string
}{
	{map[string]string{"service": "checkout", "slo": "a", "severity": "page"}, "checkout-pager"},
	{map[string]string{"service": "other", "team": "checkout", "slo": "a", "severity": "page"}, "checkout-pager"},
	{map[string]string{"service": "checkout", "team": "payments", "slo": "b", "severity": "page"}, "payments-pager"},
	{map[string]string{"service": "payments", "slo": "a", "severity": "ticket"}, "payments-tickets"},
}

// A service's name may be another service's team: each is routed on its
// own, and no alert goes unrouted. Before, service checkout (no team)
// and a team checkout shared one route, matching team="checkout" only, so
// checkout's own pages went to slokit-unrouted.
func TestServiceAndTeamOfOneNameAreBothRouted(t *testing.T) {
	services, diags := slo.Load([]string{"testdata/colliding"})
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	c := alertmanager.Build(services)
	for _, tc := range collidingCases {
		ls := map[string]string{"alertname": "SLOErrorBudgetBurn"}
		maps.Copy(ls, tc.labels)
		if got := routeTo(c.Route.Routes[0], ls); got != tc.want {
			t.Errorf("%v goes to %s, want %s", tc.labels, got, tc.want)
		}
	}
	names := map[string]bool{}
	for _, r := range c.Receivers {
		if names[r.Name] {
			t.Errorf("receiver %s listed twice", r.Name)
		}
		names[r.Name] = true
	}
}
