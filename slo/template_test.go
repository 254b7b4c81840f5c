package slo_test

import (
	"context"
	"testing"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/template"

	"github.com/slokit/slokit/slo"
)

// Expanded by Prometheus as an alert label, a literal label written with
// LiteralTemplate gives back the text itself.
func TestLiteralTemplateExpandsToItself(t *testing.T) {
	for _, text := range []string{"plain", "{{ oops", "{{ $labels.job }}", "a }} b {{", "{{{{", `{{ "{{" }}`} {
		data := template.AlertTemplateData(map[string]string{"job": "x"}, nil, "", promql.Sample{})
		got, err := template.NewTemplateExpander(context.Background(), "{{$labels := .Labels}}"+slo.LiteralTemplate(text), "t", data, 0, nil, nil, nil).Expand()
		if err != nil || got != text {
			t.Errorf("%q: expands to %q, %v", text, got, err)
		}
	}
}
