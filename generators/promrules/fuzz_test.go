package promrules_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// FuzzSpecToRuleFile crosses the boundary between slokit and Prometheus:
// whatever spec slokit accepts without errors, the rule file it generates
// is accepted by Prometheus' own rule-file parser, templates of alert
// labels and annotations included. Seeded with the example specs and the
// loader's fixtures.
func FuzzSpecToRuleFile(f *testing.F) {
	for _, pattern := range []string{"../../specs/*.yaml", "../../slo/testdata/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte(templatedSpec))
	f.Fuzz(func(t *testing.T, data []byte) {
		services, diags := slo.Parse(data)
		// Datadog measures its SLIs: they have no rules, as generate says.
		services, _ = slo.WithoutDatadog(services)
		if diags.Errors() != nil || len(services) == 0 {
			return
		}
		var buf bytes.Buffer
		if err := promrules.Write(&buf, promrules.Output{Format: promrules.FormatPrometheus}, services); err != nil {
			t.Fatalf("a valid spec does not generate: %v", err)
		}
		for _, svc := range services {
			for _, s := range svc.SLOs {
				if filled, direct := promrules.ShapeAndGroupTextForTest(s); filled != direct {
					t.Fatalf("%s: the shape's text differs from Group's:\n%s\n---\n%s", promrules.GroupName(s), filled, direct)
				}
			}
		}
		if _, errs := rulefmt.Parse(buf.Bytes(), false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler)); len(errs) > 0 {
			t.Fatalf("Prometheus refuses the rules of a valid spec: %v\n%s", errs, data)
		}
	})
}

// templatedSpec has labels that look like templates: a service's and an
// SLO's labels are literal, alerting labels and annotations templates.
const templatedSpec = `apiVersion: slokit.dev/v1
kind: ServiceLevels
service: order-api
labels: {team: "{{ oops"}
slos:
  - name: availability
    objective: 99.9
    labels: {tier: "{{ $labels.job }}"}
    sli:
      ratio:
        errors: http_requests_total{job="order-api",code=~"5.."}
        total: http_requests_total{job="order-api"}
    alerting:
      labels: {route: "{{ $labels.slo }}"}
      annotations: {summary: "{{ $labels.service }} burns {{ humanize $value }}"}
`

// A literal label that looks like a template is written so that the alert
// Prometheus fires carries the same text as slo:info.
func TestLiteralLabelsStayLiteralOnAlerts(t *testing.T) {
	services, diags := slo.Parse([]byte(templatedSpec))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := promrules.Write(&buf, promrules.Output{Format: promrules.FormatPrometheus}, services); err != nil {
		t.Fatal(err)
	}
	groups, errs := rulefmt.Parse(buf.Bytes(), false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	if len(errs) > 0 {
		t.Fatalf("Prometheus refuses the file: %v", errs)
	}
	var info, alerts int
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			switch {
			case r.Record == series.Info:
				info++
				if r.Labels["team"] != "{{ oops" || r.Labels["tier"] != "{{ $labels.job }}" {
					t.Errorf(series.Info+" labels: %v", r.Labels)
				}
			case r.Alert != "":
				alerts++
				if r.Labels["team"] != `{{ "{{" }} oops` || r.Labels["route"] != "{{ $labels.slo }}" || !strings.Contains(r.Annotations["summary"], "humanize") {
					t.Errorf("alert labels: %v", r.Labels)
				}
			}
		}
	}
	if info != 1 || alerts == 0 {
		t.Fatalf("%d info rules, %d alerts", info, alerts)
	}
}
