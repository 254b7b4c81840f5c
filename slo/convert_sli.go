package slo

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/VictoriaMetrics/metricsql"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"
)

func (c *converter) convertSLI(s *SLO, in *specSLO, path string) {
	path += ".sli"
	if in.SLI == nil {
		c.Fail(path, "missing: an SLO needs an sli (ratio, latency, boolGauge, raw, journey, timeslices or datadog)")
		return
	}
	var kinds []string
	sli := in.SLI
	if sli.Ratio != nil {
		kinds = append(kinds, "ratio")
		s.SLI.Kind = Ratio
		c.counters(s, sli.Ratio.Errors, sli.Ratio.Good, sli.Ratio.Total, path+".ratio")
	}
	if sli.Latency != nil {
		kinds = append(kinds, "latency")
		s.SLI.Kind = Latency
		s.SLI.NativeHistogram = sli.Latency.NativeHistogram
		s.SLI.Histogram = c.histogram(path+".latency", sli.Latency.Histogram, sli.Latency.NativeHistogram)
	}
	if sli.BoolGauge != nil {
		kinds = append(kinds, "boolGauge")
		s.SLI.Kind = BoolGauge
		s.SLI.Gauge = c.selector(path+".boolGauge.selector", sli.BoolGauge.Selector)
	}
	if sli.Raw != nil {
		kinds = append(kinds, "raw")
		s.SLI.Kind = Raw
		c.rawExpression(s, path+".raw.errorRatio", sli.Raw.ErrorRatio)
	}
	if sli.Journey != nil {
		kinds = append(kinds, "journey")
		s.SLI.Kind = Journey
		c.convertJourney(s, sli.Journey, path+".journey")
	}
	if sli.Timeslices != nil {
		kinds = append(kinds, "timeslices")
		s.SLI.Kind = Timeslices
		c.convertTimeslices(s, sli.Timeslices, path+".timeslices")
	}
	if sli.Datadog != nil {
		kinds = append(kinds, "datadog")
		s.SLI.Kind = Datadog
		c.convertDatadog(s, sli.Datadog, path+".datadog")
	}
	c.exactlyOne(path, kinds, "missing: set one of ratio, latency, boolGauge, raw, journey, timeslices or datadog", "SLI kind")
}

// exactlyOne fails at path unless set names exactly one of a spec's
// alternatives: missing is the message when none is set, what names them
// when several are.
func (c *converter) exactlyOne(path string, set []string, missing, what string) {
	switch len(set) {
	case 0:
		c.Fail(path, "%s", missing)
	case 1:
	default:
		c.Fail(path, "set exactly one %s, got %s", what, strings.Join(set, " and "))
	}
}

// counters reads the counters of events and of bad (or good) ones, at p.
func (c *converter) counters(s *SLO, errors, good, total, p string) {
	s.SLI.Total = c.selector(p+".total", total)
	switch {
	case errors != "" && good != "":
		c.Fail(p+".good", "set either errors or good, not both")
	case errors != "":
		s.SLI.Errors = c.selector(p+".errors", errors)
		if s.SLI.Errors != nil && s.SLI.Total != nil && sameSelector(s.SLI.Errors, s.SLI.Total) {
			c.Fail(p+".errors", "selects the same series as total, so the error ratio is always 100%%")
		}
	case good != "":
		s.SLI.Good = c.selector(p+".good", good)
		if s.SLI.Good != nil && s.SLI.Total != nil && sameSelector(s.SLI.Good, s.SLI.Total) {
			c.Fail(p+".good", "selects the same series as total, so the error ratio is always 0%%")
		}
	default:
		c.Fail(p, "missing: set errors (counter of failed events) or good (counter of good events)")
	}
}

// histogram reads a histogram's selector at p: a classic one's _bucket
// series, or a native one by its name; never matching on le.
func (c *converter) histogram(p, text string, native bool) *Selector {
	h := c.selector(p+".histogram", text)
	if h == nil {
		return nil
	}
	switch {
	case !native && !strings.HasSuffix(h.Name, "_bucket"):
		c.Fail(p+".histogram", "a classic histogram is selected by its _bucket series (e.g. %s_bucket{...}); set nativeHistogram: true for a native histogram", h.Name)
	case native && strings.HasSuffix(h.Name, "_bucket"):
		c.Fail(p+".histogram", "a native histogram is selected by its own name, without _bucket")
	}
	for _, m := range h.Matchers {
		if m.Name == "le" {
			c.Fail(p+".histogram", "must not match on le: slokit selects the bucket of the threshold")
		}
	}
	return h
}

func sameSelector(a, b *Selector) bool {
	return a.VectorSelector().String() == b.VectorSelector().String()
}

// selector parses a user-written vector selector with both PromQL and
// MetricsQL, so a spec that works in one backend works in the other.
func (c *converter) selector(path, text string) *Selector {
	if strings.TrimSpace(text) == "" {
		c.Fail(path, "missing: a series selector such as http_requests_total{job=\"api\"} is required")
		return nil
	}
	expr, err := promqlParser.ParseExpr(text)
	if err != nil {
		c.parseError(path, err)
		return nil
	}
	vs, ok := expr.(*parser.VectorSelector)
	if !ok {
		c.Fail(path, "must be a plain series selector such as http_requests_total{code=~\"5..\"}: slokit applies increase() and sums itself, got %s", describeExpr(expr))
		return nil
	}
	if vs.OriginalOffset != 0 || vs.OriginalOffsetExpr != nil || vs.Timestamp != nil || vs.StartOrEnd != 0 {
		c.Fail(path, "must not use offset or @: every window is read up to the evaluation time")
		return nil
	}
	if _, err := metricsql.Parse(text); err != nil {
		c.Fail(path, "does not parse as MetricsQL: %v", err)
		return nil
	}
	return &Selector{Text: text, Name: vs.Name, Matchers: vs.LabelMatchers}
}

func describeExpr(e parser.Expr) string {
	switch e := e.(type) {
	case *parser.Call:
		return "a call to " + e.Func.Name + "()"
	case *parser.MatrixSelector:
		return "a range selector"
	case *parser.AggregateExpr:
		return "an aggregation"
	case *parser.BinaryExpr:
		return "a binary expression"
	}
	return "an expression"
}

// parseError reports a PromQL parse error at its column within the YAML
// scalar when the scalar is on one line, so the caret lands on the problem.
func (c *converter) parseError(path string, err error) {
	d := &Diagnostic{Path: path, Message: err.Error()}
	n := c.Node(path)
	if n != nil {
		d.Line, d.Column = n.Line, n.Column
	}
	var perrs parser.ParseErrors
	if errors.As(err, &perrs) && len(perrs) > 0 {
		pe := perrs[0]
		d.Message = "parse error: " + pe.Err.Error()
		if n != nil && !strings.Contains(n.Value, "\n") {
			offset := int(pe.PositionRange.Start)
			if n.Style == yaml.DoubleQuotedStyle || n.Style == yaml.SingleQuotedStyle {
				offset++
			}
			if n.Style == 0 || n.Style == yaml.DoubleQuotedStyle || n.Style == yaml.SingleQuotedStyle {
				d.Column += offset
			}
		}
	}
	c.Add(d)
}

func (c *converter) rawExpression(s *SLO, path, text string) {
	if strings.TrimSpace(text) == "" {
		c.Fail(path, "missing: an error-ratio expression using %s as its range, e.g. sum(rate(errors[$window])) / sum(rate(total[$window]))", WindowPlaceholder)
		return
	}
	if !strings.Contains(text, WindowPlaceholder) {
		c.Fail(path, "must use %s as the range of its selectors, so slokit can evaluate it over each alert window", WindowPlaceholder)
		return
	}
	probe := strings.ReplaceAll(text, WindowPlaceholder, "5m")
	if _, err := promqlParser.ParseExpr(probe); err != nil {
		var perrs parser.ParseErrors
		if errors.As(err, &perrs) && len(perrs) > 0 {
			c.Fail(path, "parse error (with %s as 5m): %v", WindowPlaceholder, perrs[0].Err)
		} else {
			c.Fail(path, "parse error (with %s as 5m): %v", WindowPlaceholder, err)
		}
		return
	}
	if _, err := metricsql.Parse(probe); err != nil {
		c.Fail(path, "does not parse as MetricsQL (with %s as 5m): %v", WindowPlaceholder, err)
		return
	}
	s.SLI.ErrorRatio = text
}

// convertJourney reads a journey's members: each an SLO by its service
// and name (never the journey itself, never twice), with the threshold of
// a latency member and the groups of a grouped one.
func (c *converter) convertJourney(s *SLO, in *specJourney, path string) {
	s.SLI.Aggregation = in.Aggregation
	switch {
	case in.Aggregation == "":
		s.SLI.Aggregation = AggregateEvents
	case !slices.Contains(Aggregations(), in.Aggregation):
		c.Fail(path+".aggregation", "unknown aggregation %q: use %s", in.Aggregation, strings.Join(Aggregations(), ", "))
	}
	switch n := len(in.Members); {
	case n == 0:
		c.Fail(path+".members", "missing: a journey needs the SLOs it is made of, as {service, slo}")
	case n > MaxJourneyMembers:
		c.Fail(path+".members", "%d members, over the %d a journey may have", n, MaxJourneyMembers)
		return
	}
	seen := map[string]int{}
	for i, m := range in.Members {
		p := fmt.Sprintf("%s.members[%d]", path, i)
		member := JourneyMember{Service: m.Service, SLO: m.SLO, Groups: m.Groups, Weight: 1, Path: p}
		if m.Weight != nil {
			switch {
			case s.SLI.Aggregation != AggregateWeighted:
				c.Fail(p+".weight", "only a weighted journey's members have a weight")
			case !(*m.Weight > 0) || math.IsInf(*m.Weight, 0):
				c.Fail(p+".weight", "must be above 0, got %s", fmtFloat(*m.Weight))
			}
			member.Weight = *m.Weight
		}
		member.Line, member.Column = c.sloRef(p, m.Service, m.SLO, "the member's %s")
		if m.Threshold != nil {
			if m.Threshold.Value <= 0 {
				c.Fail(p+".threshold", "must be positive, got %s", m.Threshold.Text)
			}
			member.Threshold = m.Threshold.Value
		}
		for _, k := range slices.Sorted(maps.Keys(m.Groups)) {
			c.checkLabelName(p+".groups."+k, k)
		}
		if m.Service == s.Service && m.SLO == s.Name {
			c.Fail(p, "the journey cannot be its own member")
		}
		key := fmt.Sprintf("%s/%s/%d/%v", m.Service, m.SLO, member.Threshold, m.Groups)
		if j, dup := seen[key]; dup {
			c.Fail(p, "the same member as members[%d]: its events would count twice", j)
		}
		seen[key] = i
		s.SLI.Members = append(s.SLI.Members, member)
	}
}

// convertFreezeMembers sets which services a journey's freeze holds: its
// members', when the SLO's policy (or, for its journeys, the service's)
// says freezeMembers.
func (c *converter) convertFreezeMembers(s *SLO, service, own *specPolicy, path string) {
	freeze := false
	if service != nil && service.FreezeMembers != nil {
		freeze = *service.FreezeMembers
	}
	if own != nil && own.FreezeMembers != nil {
		freeze = *own.FreezeMembers
		if freeze && s.SLI.Kind != Journey {
			c.Fail(path+".policy.freezeMembers", "only a journey has members whose deploys its freeze could hold")
		}
	}
	if !freeze || s.SLI.Kind != Journey {
		return
	}
	for _, m := range s.SLI.Members {
		if m.Service != s.Service && !slices.Contains(s.Policy.Freezes, m.Service) {
			s.Policy.Freezes = append(s.Policy.Freezes, m.Service)
		}
	}
}

// sloRef checks an SLO named by its service and name at path (missing
// says what as missing, with %s for the field) and returns where path is
// in the spec.
func (c *converter) sloRef(path, service, name, missing string) (line, column int) {
	for _, f := range [][2]string{{"service", service}, {"slo", name}} {
		switch {
		case f[1] == "":
			c.Fail(path+"."+f[0], "missing: "+missing, f[0])
		case !ValidName(f[1]):
			c.Fail(path+"."+f[0], "%q is not a name slokit gives a %s: letters, digits, '.', '_' and '-', at most %d", f[1], f[0], MaxNameLength)
		}
	}
	if n := c.Node(path); n != nil {
		return n.Line, n.Column
	}
	return 0, 0
}

// MaxDependencies bounds the SLOs one depends on: each is an inhibit rule.
const MaxDependencies = 50

// convertDependencies reads the SLOs s depends on: named, never itself,
// never twice.
func (c *converter) convertDependencies(s *SLO, in []specDependency, path string) {
	if len(in) > MaxDependencies {
		c.Fail(path, "%d SLOs, over the %d one may depend on", len(in), MaxDependencies)
		return
	}
	for i, d := range in {
		p := fmt.Sprintf("%s[%d]", path, i)
		dep := Dependency{Service: d.Service, SLO: d.SLO, Path: p}
		dep.Line, dep.Column = c.sloRef(p, d.Service, d.SLO, "the %s depended on")
		switch {
		case d.Service == s.Service && d.SLO == s.Name:
			c.Fail(p, "an SLO cannot depend on itself")
		case slices.ContainsFunc(s.DependsOn, func(o Dependency) bool { return o.Service == d.Service && o.SLO == d.SLO }):
			c.Fail(p, "%s/%s is listed twice", d.Service, d.SLO)
		default:
			s.DependsOn = append(s.DependsOn, dep)
		}
	}
}

func (c *converter) convertGrouping(s *SLO, path string) {
	if s.SLI.Kind == Journey && (len(s.Grouping) > 0 || len(s.RenameLabels) > 0) {
		field := "grouping"
		if len(s.Grouping) == 0 {
			field = "renameLabels"
		}
		c.Fail(path+"."+field, "a journey reads its members' recorded series and is not grouped: name a grouped member's groups in its groups")
		return
	}
	if len(s.Grouping) > 0 && s.SLI.Kind == Raw {
		c.Fail(path+".grouping", "raw SLIs cannot be grouped by slokit: aggregate by the labels you need inside errorRatio")
		return
	}
	if len(s.RenameLabels) > 0 && s.SLI.Kind == Raw {
		c.Fail(path+".renameLabels", "raw SLIs read no raw series of slokit's: rename labels inside errorRatio (label_replace)")
		return
	}
	seen := map[string]bool{}
	for i, g := range s.Grouping {
		p := fmt.Sprintf("%s.grouping[%d]", path, i)
		if _, renamed := s.RenameLabels[g]; renamed {
			c.Fail(p, "label %q is renamed to %q by renameLabels: group by %q", g, s.RenameLabels[g], s.RenameLabels[g])
			continue
		}
		if !c.checkLabelName(p, g) {
			continue
		}
		if g == "le" {
			c.Fail(p, "cannot group by le")
		}
		if seen[g] {
			c.Fail(p, "label %q is listed twice", g)
		}
		seen[g] = true
	}
	to := map[string]string{}
	for _, raw := range slices.Sorted(maps.Keys(s.RenameLabels)) {
		renamed := s.RenameLabels[raw]
		p := path + ".renameLabels." + raw
		switch {
		case !model.LabelName(raw).IsValidLegacy() || strings.HasPrefix(raw, "__"):
			c.Fail(p, "%q is not a valid label name", raw)
		case raw == "le":
			c.Fail(p, "cannot rename le: it selects a histogram's buckets")
		case to[renamed] != "":
			c.Fail(p, "%q is also what %q is renamed to", renamed, to[renamed])
		case !slices.Contains(s.Grouping, renamed):
			c.Fail(p, "%q is not in grouping: a renamed label only serves to group by it", renamed)
		}
		to[renamed] = raw
	}
}
