package importer_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/internal/golden"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/slo/slotest"
)

// goldens are this package's golden files: go test ./slo/importer -update
// rewrites them.
var goldens = golden.Flag()

// Every fixture's diagnostics are kept beside it, in Sloth's, Pyrra's and
// OpenSLO's terms and positioned in the source file.
func TestFixtures(t *testing.T) {
	slotest.CheckSpecFiles(t, goldens, "testdata")
}

// anchors holds other tools' example specs, copied into the repository
// with their licence (testdata/anchors/README.md).
const anchors = "../../testdata/anchors"

// Every example of Sloth, Pyrra and OpenSLO imports with the expected
// result, or fails with the expected clear error.
func TestAnchorsImport(t *testing.T) {
	for _, tc := range []struct {
		file     string
		services int    // services read, when it loads
		slos     int    // SLOs read, when it loads
		err      string // the expected error, when it does not
	}{
		{file: "sloth/getting-started.yml", services: 1, slos: 1},
		{file: "sloth/home-wifi.yml", services: 1, slos: 2},
		{file: "sloth/raw-home-wifi.yml", services: 1, slos: 1},
		{file: "sloth/kubernetes-apiserver.yml", services: 1, slos: 2},
		{file: "sloth/multifile.yml", services: 2, slos: 2},
		{file: "sloth/k8s-getting-started.yml", services: 1, slos: 1},
		{file: "sloth/k8s-multifile.yml", services: 2, slos: 2},
		{file: "sloth/openslo-getting-started.yml", services: 1, slos: 1},
		{file: "sloth/openslo-kubernetes-apiserver.yml", services: 1, slos: 3},
		{file: "sloth/victoria-metrics.yml", err: `unknown function with name "histogram_share"`},
		{file: "pyrra/caddy-response-latency.yaml", services: 1, slos: 1},
		{file: "pyrra/nginx.yaml", services: 2, slos: 2},
		{file: "pyrra/parca-grpc-queryrange-errors.yaml", services: 1, slos: 1},
		{file: "pyrra/prometheus-http.yaml", services: 1, slos: 1},
		{file: "pyrra/prometheus-probe-success.yaml", services: 1, slos: 1},
		{file: "pyrra/thanos-http.yaml", services: 1, slos: 1},
		{file: "pyrra/pyrra-connect-errors.yaml", services: 1, slos: 1},
		{file: "pyrra/pyrra-connect-latency.yaml", services: 1, slos: 1},
		{file: "openslo/budgeting-method__occurences-slo.yaml", err: `metric source type "Any" is not supported`},
		{file: "openslo/budgeting-method__ratio-timeslices.yaml", err: `metric source type "Any" is not supported`},
		{file: "openslo/budgeting-method__timeslices-slo.yaml", err: `metric source type "Any" is not supported`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			services, diags := slo.Load([]string{filepath.Join(anchors, tc.file)})
			err := diags.Errors()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("want an error with %q, got %v", tc.err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			slos := 0
			for _, s := range services {
				slos += len(s.SLOs)
			}
			if len(services) != tc.services || slos != tc.slos {
				t.Errorf("%d services and %d SLOs, want %d and %d", len(services), slos, tc.services, tc.slos)
			}
			for _, d := range diags {
				if d.Line == 0 {
					t.Errorf("a diagnostic without a position: %s", d.Error())
				}
			}
		})
	}
	// Every anchor is in the table.
	all, _ := filepath.Glob(filepath.Join(anchors, "*", "*.y*ml"))
	if len(all) != 21 {
		t.Errorf("%d anchor files, the table covers 21: add the new ones", len(all))
	}
}

// OpenSLO objects refer to each other across files: a folder resolves the
// references, one file alone says what is missing.
func TestOpenSLOReferencesAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sloFile := write("slo.yaml", `apiVersion: openslo/v1
kind: SLO
metadata: {name: orders}
spec:
  service: orders
  indicatorRef: orders-errors
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.995}]
`)
	write("sli.yaml", `apiVersion: openslo/v1
kind: SLI
metadata: {name: orders-errors}
spec:
  ratioMetric:
    bad: {metricSource: {type: Prometheus, spec: {query: 'orders_total{result="error"}'}}}
    total: {metricSource: {type: Prometheus, spec: {query: orders_total}}}
`)
	services, diags := slo.Load([]string{dir})
	if err := diags.Errors(); err != nil || len(services) != 1 || services[0].SLOs[0].Objectives[0].Label() != "99.5" {
		t.Fatalf("the folder: %v %+v", err, services)
	}
	if _, diags := slo.ParseFile(sloFile); diags.Errors() == nil || !strings.Contains(diags.Errors().Error(), `no SLI named "orders-errors"`) {
		t.Errorf("the SLO file alone: %v", diags.Errors())
	}
}

// Event queries of the usual shapes become cheap native SLIs; anything
// else stays a raw SLI that keeps the source's exact meaning.
func TestSlothEventsBecomeNativeSLIs(t *testing.T) {
	sli := func(errorQuery, totalQuery string) slo.SLI {
		t.Helper()
		spec := "version: prometheus/v1\nservice: s\nslos:\n  - name: x\n    objective: 99\n    sli:\n      events:\n        error_query: '" + errorQuery + "'\n        total_query: '" + totalQuery + "'\n"
		services, diags := slo.Parse([]byte(spec))
		if err := diags.Errors(); err != nil {
			t.Fatalf("%v\n%s", err, spec)
		}
		return services[0].SLOs[0].SLI
	}
	const count, bucket = `sum(rate(d_count{job="a"}[{{.window}}]))`, `sum(rate(d_bucket{job="a",le="0.25"}[{{.window}}]))`
	for _, tc := range []struct {
		name, errorQuery, totalQuery string
		kind                         slo.SLIKind
	}{
		{"counters", `sum(rate(r{code="500"}[{{.window}}]))`, `sum(rate(r[{{.window}}]))`, slo.Ratio},
		{"increase", `sum(increase(r{code="500"}[{{.window}}]))`, `sum(increase(r[{{.window}}]))`, slo.Ratio},
		{"count minus bucket", "(" + count + " - " + bucket + ")", count, slo.Latency},
		{"bucket of another selector", count + ` - sum(rate(d_bucket{job="b",le="0.25"}[{{.window}}]))`, count, slo.Raw},
		{"grouped sum", `sum by (code) (rate(r{code="500"}[{{.window}}]))`, `sum(rate(r[{{.window}}]))`, slo.Raw},
		{"fixed range", `sum(rate(r{code="500"}[5m]))`, `sum(rate(r[{{.window}}]))`, slo.Raw},
		{"spaces around the template", `sum(rate(r{code="500"}[ {{.window}} ]))`, `sum(rate(r[{{.window}}]))`, slo.Ratio},
		{"a fixed range the length of the stand-in", count + ` - sum(rate(d_bucket{job="a",le="0.25"}[1m]))`, count, slo.Raw},
		{"a fixed range in the count", `sum(rate(d_count{job="a"}[1m])) - ` + bucket, count, slo.Raw},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sli(tc.errorQuery, tc.totalQuery)
			if got.Kind != tc.kind {
				t.Errorf("kind %v, want %v", got.Kind, tc.kind)
			}
		})
	}
}

// Existing Alertmanager routes match the severity values Sloth users set
// and Pyrra writes; imported specs keep them.
func TestImportsKeepTheirSeverityValues(t *testing.T) {
	for _, tc := range []struct {
		file, service, slo string
		page, ticket       string
	}{
		{"testdata/sloth.good.yaml", "checkout", "requests-availability", "critical", "ticket"},
		{"testdata/sloth-crd.good.yaml", "checkout", "requests-availability", "pageteam", "ticket"},
		{"testdata/pyrra.good.yaml", "checkout-errors", "checkout-errors", "critical", "warning"},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			services, diags := slo.ParseFile(tc.file)
			if err := diags.Errors(); err != nil {
				t.Fatal(err)
			}
			for _, svc := range services {
				for _, s := range svc.SLOs {
					if svc.Name != tc.service || s.Name != tc.slo {
						continue
					}
					if got := s.Alerting.SeverityValue(burnrate.Page); got != tc.page {
						t.Errorf("pages carry severity=%s, want %s", got, tc.page)
					}
					if got := s.Alerting.SeverityValue(burnrate.Ticket); got != tc.ticket {
						t.Errorf("tickets carry severity=%s, want %s", got, tc.ticket)
					}
					return
				}
			}
			t.Fatalf("no SLO %s/%s", tc.service, tc.slo)
		})
	}
}

// OpenSLO calendar windows import as calendar periods in their zone.
func TestOpenSLOCalendarWindowsImport(t *testing.T) {
	services, diags := slo.ParseFile("testdata/openslo.good.yaml")
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	for _, svc := range services {
		for _, s := range svc.SLOs {
			if s.Name != "checkout-monthly" {
				continue
			}
			if s.Calendar == nil || s.Calendar.Unit != slo.CalendarMonth || s.Calendar.TimeZone() != "Europe/Berlin" || s.BudgetWindow() != "month" {
				t.Fatalf("checkout-monthly: period %s, calendar %+v", s.Period, s.Calendar)
			}
			return
		}
	}
	t.Fatal("checkout-monthly not imported")
}

// OpenSLO's time-slice SLOs read as native time-slice SLIs: Timeslices
// over a ratio judges each slice against timeSliceTarget, over a
// histogram as the percentile timeSliceTarget under value, over another
// series as its every value against value; RatioTimeslices counts each
// slice as its share of good events. The slice is timeSliceWindow.
func TestOpenSLOTimeSlicesImport(t *testing.T) {
	services, diags := slo.ParseFile("testdata/openslo-timeslices.good.yaml")
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, svc := range services {
		for _, s := range svc.SLOs {
			sl := s.SLI.Slices
			if s.SLI.Kind != slo.Timeslices || sl == nil {
				t.Fatalf("%s: kind %v", s.Name, s.SLI.Kind)
			}
			var objectives []string
			for _, o := range s.Objectives {
				objectives = append(objectives, o.Label())
			}
			got[s.Name] = fmt.Sprintf("%s per %s, objectives %s", sl, s.BaseWindow, strings.Join(objectives, " "))
		}
	}
	want := map[string]string{
		"checkout-minutes":     "good events >= 99% per 1m0s, objectives 99.5 99",
		"checkout-share":       "share of good events per 5m0s, objectives 99.9",
		"checkout-p99-minutes": "p99 <= 500ms per 1m0s, objectives 99.5",
		"queue-minutes":        "max <= 1000 per 5m0s, objectives 99",
	}
	if !maps.Equal(got, want) {
		t.Errorf("imported\n%v\nwant\n%v", got, want)
	}
}
