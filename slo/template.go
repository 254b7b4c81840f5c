package slo

import (
	"context"
	"strings"

	"github.com/prometheus/prometheus/template"
)

// alertTemplateDefs are the variables Prometheus defines before it expands
// an alert's labels and annotations (as its rulefmt checks them).
const alertTemplateDefs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

// checkTemplate reports why text would not parse as an alert label or
// annotation template in Prometheus, which then refuses the whole rule
// file; nil when it parses. It uses Prometheus' own template functions,
// so a template Prometheus accepts is accepted here.
func checkTemplate(text string) error {
	if !strings.Contains(text, "{{") && !strings.Contains(text, "}}") {
		return nil
	}
	err := template.NewTemplateExpander(context.Background(), alertTemplateDefs+text, "t", nil, 0, nil, nil, nil).ParseTest()
	if err == nil {
		return nil
	}
	// "template: t:1:97: unexpected ..." counts columns from the
	// definitions; say what is wrong without them.
	msg := err.Error()
	if i := strings.Index(msg, ": "); strings.HasPrefix(msg, "template: t:") && i >= 0 {
		rest := msg[len("template: t:"):]
		if j := strings.Index(rest, ": "); j >= 0 {
			msg = rest[j+2:]
		}
	}
	return templateError(msg)
}

type templateError string

func (e templateError) Error() string { return string(e) }

// LiteralTemplate returns text written so that Prometheus' template
// expansion gives back text itself: every "{{" becomes {{ "{{" }}. Labels
// that are literal in slokit's specs (a service's and an SLO's) label
// both recording rules, which Prometheus does not expand, and alerts,
// which it does; written this way they read the same on both.
func LiteralTemplate(text string) string {
	if !strings.Contains(text, "{{") {
		return text
	}
	return strings.ReplaceAll(text, "{{", `{{ "{{" }}`)
}
