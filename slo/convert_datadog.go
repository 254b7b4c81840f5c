package slo

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// maxDatadogQuery bounds a Datadog query's length: far over any real
// one, well under what a spec file may hold.
const maxDatadogQuery = 2000

// datadogQuery is the shape of a Datadog metric query: terms such as
// sum:metric{tags}.as_count() and numbers, joined by arithmetic (its
// parentheses are taken out first). It catches a PromQL selector given by
// mistake, not every query Datadog refuses.
var datadogQuery = func() *regexp.Regexp {
	term := `(?:(?:sum|avg|min|max|count):[A-Za-z][A-Za-z0-9_.]*(?:\{[^{}]*\})?(?:\.[a-z_]+\([^(){}]*\))*|[0-9]+(?:\.[0-9]+)?)`
	return regexp.MustCompile(`^\s*` + term + `(?:\s*[-+*/]\s*` + term + `)*\s*$`)
}()

// isDatadogQuery reports whether text has a Datadog metric query's shape.
func isDatadogQuery(text string) bool {
	// The functions' own parentheses stay: only grouping ones go.
	grouping := strings.NewReplacer("()", "\x00")
	bare := strings.NewReplacer("(", "", ")", "").Replace(grouping.Replace(text))
	return datadogQuery.MatchString(strings.ReplaceAll(bare, "\x00", "()"))
}

// DatadogPeriods are the periods Datadog's SLOs have: their timeframes.
var DatadogPeriods = []time.Duration{7 * 24 * time.Hour, 30 * 24 * time.Hour, 90 * 24 * time.Hour}

// convertDatadog reads a Datadog SLI: its two queries, for an SLO that
// Datadog measures over one of its timeframes, with nothing Datadog's
// SLOs have no place for.
func (c *converter) convertDatadog(s *SLO, in *specDatadog, path string) {
	q := &DatadogQueries{Good: in.Good, Total: in.Total, Path: path}
	if n := c.Node(path); n != nil {
		q.Line, q.Column = n.Line, n.Column
	}
	s.SLI.Datadog = q
	for _, f := range [][2]string{{"good", in.Good}, {"total", in.Total}} {
		p := path + "." + f[0]
		switch text := strings.TrimSpace(f[1]); {
		case text == "":
			c.Fail(p, "missing: a Datadog metric query such as sum:trace.http.request.hits{service:web}.as_count()")
		case len(text) > maxDatadogQuery:
			c.Fail(p, "%d characters, at most %d", len(text), maxDatadogQuery)
		case strings.ContainsAny(text, "\n\r"):
			c.Fail(p, "must be one line")
		case !isDatadogQuery(text):
			c.Fail(p, "%q is not a Datadog metric query: write an aggregation, a metric and its tags, such as sum:trace.http.request.hits{service:web}.as_count()", text)
		}
	}
}

// checkDatadog refuses what a Datadog SLO has no place for; the period
// and calendar are known once the SLO is read.
func (c *converter) checkDatadog(s *SLO, in *specSLO, path string) {
	if s.SLI.Kind != Datadog {
		return
	}
	if s.Calendar != nil || !slices.Contains(DatadogPeriods, s.Period) {
		period := s.BudgetWindow()
		if s.Calendar != nil {
			period = "calendar-" + period
		}
		c.Fail(path+".period", "a Datadog SLO's period is one of its timeframes: 7d, 30d or 90d, got %s", period)
	}
	for _, f := range []struct {
		name string
		set  bool
	}{{"grouping", len(in.Grouping) > 0}, {"renameLabels", len(in.RenameLabels) > 0}, {"maintenance", len(in.Maintenance) > 0},
		{"dependsOn", len(in.DependsOn) > 0}, {"baseWindow", in.BaseWindow != nil}} {
		if f.set {
			c.Fail(path+"."+f.name, "a Datadog SLI has no %s: Datadog measures it, from its queries", f.name)
		}
	}
	if c.regions != nil {
		c.Fail(path+".sli.datadog", "a Datadog SLI is measured by Datadog, not by region: keep it in a spec without regions")
	}
}

// WithoutDatadog returns the services without their Datadog SLOs (and
// without a service left with none), and a warning at each SLO left out:
// Datadog measures them, and a command that reads Prometheus has nothing
// of theirs to read. generate --format datadog is what writes them.
func WithoutDatadog(services []*Service) ([]*Service, Diagnostics) {
	var out []*Service
	var diags Diagnostics
	for _, svc := range services {
		kept := slices.DeleteFunc(slices.Clone(svc.SLOs), func(s *SLO) bool { return s.SLI.Kind == Datadog })
		for _, s := range svc.SLOs {
			if q := s.SLI.Datadog; q != nil {
				diags = append(diags, &Diagnostic{File: svc.File, Line: q.Line, Column: q.Column, Path: q.Path, Warning: true,
					Message: fmt.Sprintf("%s/%s is left out: Datadog measures it (generate --format datadog writes its SLO and monitors)", s.Service, s.Name)})
			}
		}
		switch {
		case len(kept) == len(svc.SLOs):
			out = append(out, svc)
		case len(kept) > 0:
			copied := *svc
			copied.SLOs = kept
			out = append(out, &copied)
		}
	}
	return out, diags
}
