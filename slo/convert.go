package slo

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/VictoriaMetrics/metricsql"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/internal/strictyaml"
	"github.com/slokit/slokit/series"
)

// promqlParser parses user-written PromQL. One instance is safe for
// concurrent use.
var promqlParser = parser.NewParser(parser.Options{})

// namePattern restricts service and SLO names to what is safe in file
// names, rule group names and Kubernetes object names (after lowercasing).
var namePattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)

var alertNamePattern = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// validBaseWindows divide an hour into whole minutes, so that hourly blocks
// are sums of whole base windows.
var validBaseWindows = func() []time.Duration {
	var ws []time.Duration
	for m := 1; m <= 30; m++ {
		if 60%m == 0 {
			ws = append(ws, time.Duration(m)*time.Minute)
		}
	}
	return ws
}()

// minPeriod is the shortest SLO period: hourly blocks need whole hours and
// an error budget shorter than a day is not a budget anyone can manage.
const minPeriod = 24 * time.Hour

// converter turns one decoded document into the domain model, checking
// every semantic rule and pointing each problem at its YAML node.
type converter struct {
	*strictyaml.Document
}

func (c *converter) convert(doc *specDocument) *Service {
	if !c.CheckHeader(doc.APIVersion, doc.Kind, APIVersion, Kind) {
		return nil
	}
	svc := &Service{Name: doc.Service, Labels: doc.Labels}
	c.checkName("service", doc.Service)
	c.checkLabels("labels", doc.Labels)
	if len(doc.SLOs) == 0 {
		c.Fail("slos", "missing: a service needs at least one SLO")
	}
	names := map[string]string{}
	serviceWindows := c.convertMaintenance(doc.Maintenance, "maintenance")
	for i := range doc.SLOs {
		path := fmt.Sprintf("slos[%d]", i)
		s := c.convertSLO(doc, &doc.SLOs[i], path, serviceWindows)
		if first, dup := names[doc.SLOs[i].Name]; dup && doc.SLOs[i].Name != "" {
			c.Fail(path+".name", "duplicate SLO name %q (first used at %s)", doc.SLOs[i].Name, first)
		} else {
			names[doc.SLOs[i].Name] = path
		}
		if s != nil {
			svc.SLOs = append(svc.SLOs, s)
		}
	}
	return svc
}

// MaxNameLength bounds service and SLO names: they name files (the rules
// SERVICE.yaml, the dashboards SERVICE.SLO.json), and a file name has at
// most 255 bytes on common file systems.
const MaxNameLength = 100

// ValidName reports whether name is a valid service or SLO name: what a
// spec may give, and so what slokit serve accepts in a request or from a
// backend (a name with a NUL byte, say, would reach file names, logs and
// PostgreSQL, which refuses it).
func ValidName(name string) bool {
	return len(name) <= MaxNameLength && namePattern.MatchString(name)
}

func (c *converter) checkName(path, name string) {
	switch {
	case name == "":
		c.Fail(path, "missing: a name is required")
	case len(name) > MaxNameLength:
		c.Fail(path, "a name of %d characters is too long: at most %d, since names become file names", len(name), MaxNameLength)
	case !namePattern.MatchString(name):
		c.Fail(path, "%q is not a valid name: use letters, digits, '.', '_' and '-', starting and ending with a letter or digit", name)
	}
}

func (c *converter) checkLabelName(path, name string) bool {
	if !model.LabelName(name).IsValidLegacy() || strings.HasPrefix(name, "__") {
		c.Fail(path, "%q is not a valid label name", name)
		return false
	}
	if series.IsReserved(name) {
		hint := ""
		if name == series.SeverityLabel {
			hint = "; set its value with alerting.page.severity and alerting.ticket.severity"
		}
		if strings.Contains(path, ".grouping[") {
			hint = fmt.Sprintf("; to group by the raw series' %s label, read it under another name: renameLabels: {%s: exported_%s}, and group by exported_%s", name, name, name, name)
		}
		c.Fail(path, "label %q is set by slokit and cannot be used here (reserved: %s)%s", name, strings.Join(series.ReservedLabels(), ", "), hint)
		return false
	}
	return true
}

// checkLabels checks the label names of a service or an SLO; their
// values are literal text (see LiteralTemplate).
func (c *converter) checkLabels(path string, ls map[string]string) {
	for _, k := range sortedKeys(ls) {
		c.checkLabelName(strictyaml.JoinPath(path, k), k)
	}
}

// checkAlertLabels checks alerting labels: names, and values as the
// Prometheus templates they are.
func (c *converter) checkAlertLabels(path string, ls map[string]string) {
	for _, k := range sortedKeys(ls) {
		p := strictyaml.JoinPath(path, k)
		c.checkLabelName(p, k)
		c.checkTemplate(p, ls[k])
	}
}

// checkAnnotations checks annotation names, and values as Prometheus
// templates.
func (c *converter) checkAnnotations(path string, as map[string]string) {
	for _, k := range sortedKeys(as) {
		p := strictyaml.JoinPath(path, k)
		if !model.LabelName(k).IsValidLegacy() {
			c.Fail(p, "%q is not a valid annotation name", k)
		}
		c.checkTemplate(p, as[k])
	}
}

// checkSeverityValue checks a severity label value: literal text that
// Alertmanager routes match, so no template and no surrounding space.
func (c *converter) checkSeverityValue(path, v string) {
	if !model.LabelValue(v).IsValid() || strings.TrimSpace(v) != v || strings.Contains(v, "{{") || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		c.Fail(path, "%q is not a severity value: write literal text such as critical or warning", v)
	}
}

func (c *converter) checkTemplate(path, text string) {
	if err := checkTemplate(text); err != nil {
		c.Fail(path, "not a valid Prometheus template (%v): Prometheus would refuse the rule file; write {{ \"{{\" }} for a literal {{", err)
	}
}

// maxMaintenanceWindows bounds the windows of a service and of an SLO:
// each is a few comparisons in every evaluation of the SLO's rules.
const maxMaintenanceWindows = 50

// maxOneOffMaintenance bounds a one-off window: longer planned work is not
// maintenance, and leaving out a week's events would hide a real outage.
const maxOneOffMaintenance = 7 * 24 * time.Hour

// weekdays are the days a weekly window names.
var weekdays = map[string]time.Weekday{"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday, "sunday": time.Sunday}

// convertMaintenance reads maintenance windows: one-off (start and end,
// RFC 3339) or weekly (day, start time, duration, time zone).
func (c *converter) convertMaintenance(in []specMaintenance, path string) []MaintenanceWindow {
	if len(in) > maxMaintenanceWindows {
		c.Fail(path, "%d windows, at most %d: remove the windows that are over", len(in), maxMaintenanceWindows)
		return nil
	}
	var out []MaintenanceWindow
	for i, m := range in {
		p := fmt.Sprintf("%s[%d]", path, i)
		w := MaintenanceWindow{Reason: m.Reason}
		if m.Reason == "" {
			c.Fail(p+".reason", "missing: say what the work is, for whoever wonders why the events are left out")
		}
		switch {
		case m.Weekly != nil && (m.Start != "" || m.End != ""):
			c.Fail(p, "give either start and end (one-off) or weekly, not both")
			continue
		case m.Weekly != nil:
			weekly, ok := c.convertWeekly(m.Weekly, p+".weekly")
			if !ok {
				continue
			}
			w.Weekly = weekly
		default:
			start, errStart := time.Parse(time.RFC3339, m.Start)
			end, errEnd := time.Parse(time.RFC3339, m.End)
			switch {
			case errStart != nil:
				c.Fail(p+".start", "must be a time with its zone such as 2026-12-24T02:00:00Z, got %q", m.Start)
				continue
			case errEnd != nil:
				c.Fail(p+".end", "must be a time with its zone such as 2026-12-24T04:00:00+01:00, got %q", m.End)
				continue
			case !end.After(start):
				c.Fail(p+".end", "must be after start (%s)", m.Start)
				continue
			case end.Sub(start) > maxOneOffMaintenance:
				c.Fail(p+".end", "the window lasts %s, at most %s: leaving out longer would hide a real outage", model.Duration(end.Sub(start)), model.Duration(maxOneOffMaintenance))
				continue
			}
			w.Start, w.End = start.UTC(), end.UTC()
		}
		out = append(out, w)
	}
	return out
}

func (c *converter) convertWeekly(in *specWeekly, path string) (*WeeklyWindow, bool) {
	w := &WeeklyWindow{Location: time.UTC}
	ok := true
	day, known := weekdays[strings.ToLower(in.Day)]
	if !known {
		c.Fail(path+".day", "must be a day of the week such as sunday, got %q", in.Day)
		ok = false
	}
	w.Day = day
	at, err := time.Parse("15:04", in.Start)
	if err != nil {
		c.Fail(path+".start", "must be a local time such as 03:00, got %q", in.Start)
		ok = false
	}
	w.At = time.Duration(at.Hour())*time.Hour + time.Duration(at.Minute())*time.Minute
	switch {
	case in.Duration == nil:
		c.Fail(path+".duration", "missing: how long the window lasts, such as 1h")
		ok = false
	case in.Duration.Value <= 0 || in.Duration.Value >= 24*time.Hour:
		c.Fail(path+".duration", "must be above 0 and under 24h, got %s", in.Duration.Text)
		ok = false
	default:
		w.Duration = in.Duration.Value
	}
	if in.TimeZone != "" {
		loc, err := LoadZone(in.TimeZone)
		if err != nil {
			c.Fail(path+".timezone", "%q is not an IANA time zone such as Europe/Berlin", in.TimeZone)
			ok = false
		} else {
			w.Location = loc
		}
	}
	return w, ok
}

// Calendar periods a spec can name as its period.
var calendarPeriods = map[string]CalendarUnit{"calendar-month": CalendarMonth, "calendar-week": CalendarWeek}

// convertPeriod reads the period: a rolling duration, or a calendar month
// or week in a time zone.
func (c *converter) convertPeriod(s *SLO, in *specSLO, path string) {
	if in.TimeZone != "" && (in.Period == nil || calendarPeriods[*in.Period] == "") {
		c.Fail(path+".timezone", "applies to calendar periods only: set period: calendar-month or calendar-week, or remove it")
	}
	if in.Period == nil {
		return
	}
	text := *in.Period
	if unit, ok := calendarPeriods[text]; ok {
		cal := &Calendar{Unit: unit, Location: time.UTC}
		if in.TimeZone != "" {
			loc, err := LoadZone(in.TimeZone)
			if err != nil {
				c.Fail(path+".timezone", "%q is not an IANA time zone such as Europe/Berlin or America/New_York", in.TimeZone)
				return
			}
			cal.Location = loc
		}
		if err := cal.checkWholeHours(); err != nil {
			c.Fail(path+".timezone", "%v", err)
			return
		}
		s.Calendar, s.Period = cal, cal.NominalPeriod()
		return
	}
	d, err := model.ParseDuration(text)
	if err != nil {
		c.Fail(path+".period", "must be a duration such as 30d or 4w, or calendar-month or calendar-week, got %q", text)
		return
	}
	s.Period = time.Duration(d)
	switch {
	case s.Period < minPeriod:
		c.Fail(path+".period", "must be at least %s, got %s", model.Duration(minPeriod), text)
	case s.Period%time.Hour != 0:
		c.Fail(path+".period", "must be a whole number of hours, got %s", text)
	}
}

func (c *converter) convertSLO(doc *specDocument, in *specSLO, path string, serviceWindows []MaintenanceWindow) *SLO {
	errorsBefore := c.ErrorCount()
	s := &SLO{
		Service:        doc.Service,
		Name:           in.Name,
		Description:    in.Description,
		Labels:         merge(doc.Labels, in.Labels),
		Period:         DefaultPeriod,
		ScrapeInterval: DefaultScrapeInterval,
		BaseWindow:     burnrate.DefaultBaseWindow,
		Grouping:       in.Grouping,
		RenameLabels:   in.RenameLabels,
	}
	c.checkName(path+".name", in.Name)
	c.checkLabels(path+".labels", in.Labels)

	// Scrape interval and base window: the SLO's own, else the service's.
	scrapePath, basePath := "scrapeInterval", "baseWindow"
	if d := firstDuration(in.ScrapeInterval, doc.ScrapeInterval); d != nil {
		s.ScrapeInterval = d.Value
		if in.ScrapeInterval != nil {
			scrapePath = path + ".scrapeInterval"
		}
		if d.Value <= 0 {
			c.Fail(scrapePath, "must be positive, got %s", d.Text)
		}
	}
	if d := firstDuration(in.BaseWindow, doc.BaseWindow); d != nil {
		s.BaseWindow = d.Value
		if in.BaseWindow != nil {
			basePath = path + ".baseWindow"
		}
		if !slices.Contains(validBaseWindows, d.Value) {
			c.Fail(basePath, "must be a whole number of minutes that divides an hour (1m, 2m, 5m, 10m, 15m, 30m, ...), got %s", d.Text)
		}
	}
	if s.ScrapeInterval > 0 && s.BaseWindow < 2*s.ScrapeInterval {
		p := basePath
		if !c.Has(p) {
			p = scrapePath
		}
		c.Fail(p, "baseWindow %s holds fewer than two scrapes at scrapeInterval %s, so increase() over it returns nothing: set baseWindow to at least %s",
			model.Duration(s.BaseWindow), model.Duration(s.ScrapeInterval), model.Duration(roundUpBase(2*s.ScrapeInterval)))
	}

	c.convertPeriod(s, in, path)

	c.convertSLI(s, in, path)
	if s.Calendar != nil && s.SLI.Kind == Raw {
		c.Fail(path+".period", "raw SLIs cannot have a calendar period: slokit sums a calendar period from the events it counts, and a raw SLI gives only a ratio")
	}
	c.convertObjectives(s, in, path)
	c.convertGrouping(s, path)
	c.convertAlerting(s, in.Alerting, path)
	s.Maintenance = append(slices.Clone(serviceWindows), c.convertMaintenance(in.Maintenance, path+".maintenance")...)
	switch {
	case s.SLI.Kind == Raw && len(in.Maintenance) > 0:
		c.Fail(path+".maintenance", "raw SLIs cannot leave out maintenance windows: slokit leaves out the events it counts, and a raw SLI gives only a ratio")
	case s.SLI.Kind == Raw && len(serviceWindows) > 0:
		c.Warn(path+".sli.raw", "the service's maintenance windows do not apply: a raw SLI gives only a ratio, with no events to leave out")
		s.Maintenance = nil
	}
	s.Policy = c.convertPolicy(c.convertPolicy(DefaultPolicy(), doc.Policy, "policy"), in.Policy, path+".policy")

	for _, o := range s.Objectives {
		if outage := time.Duration(o.Budget() * float64(s.Period)); outage < 5*time.Minute && s.Period >= minPeriod {
			c.Warn(objectivePath(in, path, o), "an error budget of %s%% over %s is spent by a full outage in %s: alerts cannot page before it is gone",
				fmtFloat(burnrate.Clean(o.Budget()*100)), model.Duration(s.Period), outage.Round(time.Second))
		}
	}
	if c.ErrorCount() > errorsBefore {
		return nil
	}
	return s
}

func objectivePath(in *specSLO, path string, o Objective) string {
	for i, so := range in.Objectives {
		if so.Objective != nil && *so.Objective == o.Target {
			return fmt.Sprintf("%s.objectives[%d].objective", path, i)
		}
	}
	return path + ".objective"
}

func firstDuration(ds ...*strictyaml.Duration) *strictyaml.Duration {
	for _, d := range ds {
		if d != nil {
			return d
		}
	}
	return nil
}

// roundUpBase returns the shortest valid base window of at least d.
func roundUpBase(d time.Duration) time.Duration {
	for _, w := range validBaseWindows {
		if w >= d {
			return w
		}
	}
	return time.Hour
}

func (c *converter) convertSLI(s *SLO, in *specSLO, path string) {
	path += ".sli"
	if in.SLI == nil {
		c.Fail(path, "missing: an SLO needs an sli (ratio, latency, boolGauge or raw)")
		return
	}
	var kinds []string
	sli := in.SLI
	if sli.Ratio != nil {
		kinds = append(kinds, "ratio")
		s.SLI.Kind = Ratio
		p := path + ".ratio"
		r := sli.Ratio
		s.SLI.Total = c.selector(p+".total", r.Total)
		switch {
		case r.Errors != "" && r.Good != "":
			c.Fail(p+".good", "set either errors or good, not both")
		case r.Errors != "":
			s.SLI.Errors = c.selector(p+".errors", r.Errors)
			if s.SLI.Errors != nil && s.SLI.Total != nil && sameSelector(s.SLI.Errors, s.SLI.Total) {
				c.Fail(p+".errors", "selects the same series as total, so the error ratio is always 100%%")
			}
		case r.Good != "":
			s.SLI.Good = c.selector(p+".good", r.Good)
			if s.SLI.Good != nil && s.SLI.Total != nil && sameSelector(s.SLI.Good, s.SLI.Total) {
				c.Fail(p+".good", "selects the same series as total, so the error ratio is always 0%%")
			}
		default:
			c.Fail(p, "missing: set errors (counter of failed events) or good (counter of good events)")
		}
	}
	if sli.Latency != nil {
		kinds = append(kinds, "latency")
		s.SLI.Kind = Latency
		p := path + ".latency"
		s.SLI.NativeHistogram = sli.Latency.NativeHistogram
		s.SLI.Histogram = c.selector(p+".histogram", sli.Latency.Histogram)
		if h := s.SLI.Histogram; h != nil {
			switch {
			case !s.SLI.NativeHistogram && !strings.HasSuffix(h.Name, "_bucket"):
				c.Fail(p+".histogram", "a classic histogram is selected by its _bucket series (e.g. %s_bucket{...}); set nativeHistogram: true for a native histogram", h.Name)
			case s.SLI.NativeHistogram && strings.HasSuffix(h.Name, "_bucket"):
				c.Fail(p+".histogram", "a native histogram is selected by its own name, without _bucket")
			}
			for _, m := range h.Matchers {
				if m.Name == "le" {
					c.Fail(p+".histogram", "must not match on le: slokit selects the bucket of each objective's threshold")
				}
			}
		}
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
	switch len(kinds) {
	case 0:
		c.Fail(path, "missing: set one of ratio, latency, boolGauge or raw")
	case 1:
	default:
		c.Fail(path, "set exactly one SLI kind, got %s", strings.Join(kinds, " and "))
	}
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

func (c *converter) convertObjectives(s *SLO, in *specSLO, path string) {
	var sliThreshold *strictyaml.Duration
	if in.SLI != nil && in.SLI.Latency != nil {
		sliThreshold = in.SLI.Latency.Threshold
	}
	isLatency := s.SLI.Kind == Latency
	if sliThreshold != nil && !isLatency {
		sliThreshold = nil
	}
	if !isLatency {
		for i, o := range in.Objectives {
			if o.Threshold != nil {
				c.Fail(fmt.Sprintf("%s.objectives[%d].threshold", path, i), "only latency SLIs have a threshold")
			}
		}
	}
	addObjective := func(p string, target float64, threshold *strictyaml.Duration, thresholdPath string) {
		c.checkObjective(p, target)
		var th time.Duration
		if isLatency {
			if threshold == nil {
				c.Fail(thresholdPath, "missing: a latency SLI needs a threshold such as 500ms (one of the histogram's bucket bounds)")
			} else if threshold.Value <= 0 {
				c.Fail(thresholdPath, "must be positive, got %s", threshold.Text)
			} else {
				th = threshold.Value
			}
		}
		o := NewObjective(target, th)
		for _, prev := range s.Objectives {
			if prev == o {
				c.Fail(p, "duplicate objective %s%%%s", o.Label(), thresholdSuffix(o))
				return
			}
		}
		s.Objectives = append(s.Objectives, o)
	}
	switch {
	case in.Objective != nil && len(in.Objectives) > 0:
		c.Fail(path+".objectives", "set either objective or objectives, not both")
	case in.Objective != nil:
		addObjective(path+".objective", *in.Objective, sliThreshold, path+".sli.latency.threshold")
	case len(in.Objectives) > 0:
		for i, o := range in.Objectives {
			p := fmt.Sprintf("%s.objectives[%d]", path, i)
			if o.Objective == nil {
				c.Fail(p+".objective", "missing: a percentage such as 99.9")
				continue
			}
			th, thPath := o.Threshold, p+".threshold"
			if th == nil {
				th = sliThreshold
			}
			addObjective(p+".objective", *o.Objective, th, thPath)
		}
	default:
		c.Fail(path+".objective", "missing: a percentage such as 99.9 (or objectives: a list of them)")
	}
}

func thresholdSuffix(o Objective) string {
	if o.Threshold == 0 {
		return ""
	}
	return " < " + o.Threshold.String()
}

// Bounds of an objective that slokit computes with: below MinObjective
// an SLO promises nothing, and an error budget under MinErrorBudget (a
// ten-millionth of a percent, 99.9999999%) is lost in floating-point
// rounding of the ratios Prometheus computes.
const (
	MinObjective   = 0.001
	MinErrorBudget = 1e-7
)

func (c *converter) checkObjective(path string, v float64) {
	switch {
	case v <= 0 || v >= 100:
		c.Fail(path, "must be between 0 and 100, got %s", fmtFloat(v))
		return
	case v < MinObjective:
		c.Fail(path, "objective %s%% is below %s%%: an SLO promises more than that", strconv.FormatFloat(v, 'g', 4, 64), fmtFloat(MinObjective))
		return
	case 100-v < MinErrorBudget*(1-1e-6): // 99.9999999 itself is fine
		c.Fail(path, "objective %s%% leaves an error budget under 0.0000001%% (99.9999999%% at most): too small to compute exactly", strconv.FormatFloat(v, 'g', -1, 64))
		return
	}
	if v < 1 {
		// An objective under 1% is a fraction written as a percentage:
		// compiled as it is, it would promise nothing and never page.
		c.Fail(path, "objective %s%% is a fraction: objectives are percentages, write %s", fmtFloat(v), fmtFloat(burnrate.Clean(v*100)))
	}
}

func (c *converter) convertGrouping(s *SLO, path string) {
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

func (c *converter) convertAlerting(s *SLO, in *specAlerting, path string) {
	path += ".alerting"
	a := Alerting{
		Name:       DefaultAlertName,
		Severities: map[burnrate.Severity]SeverityConfig{burnrate.Page: {}, burnrate.Ticket: {}},
	}
	disabled := map[burnrate.Severity]bool{}
	if in != nil {
		if in.Name != "" {
			a.Name = in.Name
			switch {
			case alertNamePattern.MatchString(in.Name):
			case utf8.ValidString(in.Name) && strings.TrimSpace(in.Name) == in.Name && strings.IndexFunc(in.Name, unicode.IsControl) < 0:
				// Prometheus 3 takes any UTF-8 name; Prometheus 2 and
				// vmalert only the classic ones.
				c.Warn(path+".name", "%q is a valid alert name for Prometheus 3 only: Prometheus 2 refuses the rule file (use letters, digits and _ for both)", in.Name)
			default:
				c.Fail(path+".name", "%q is not a valid alert name: use letters, digits and _", in.Name)
			}
		}
		if in.Runbook != "" {
			a.Runbook = in.Runbook
			if u, err := url.Parse(in.Runbook); err != nil || u.Scheme == "" || u.Host == "" {
				c.Fail(path+".runbook", "must be an absolute URL such as https://runbooks.example.com/order-api, got %q", in.Runbook)
			}
			c.checkTemplate(path+".runbook", in.Runbook)
		}
		if in.MinEvents != nil {
			if *in.MinEvents < 0 {
				c.Fail(path+".minEvents", "must be 0 or more, got %s", fmtFloat(*in.MinEvents))
			}
			if s.SLI.Kind == Raw {
				c.Fail(path+".minEvents", "raw SLIs have no event count to guard on")
			}
			a.MinEvents = in.MinEvents
		}
		a.Labels, a.Annotations = in.Labels, in.Annotations
		c.checkAlertLabels(path+".labels", in.Labels)
		c.checkAnnotations(path+".annotations", in.Annotations)
		for sev, sc := range map[burnrate.Severity]*specSeverity{burnrate.Page: in.Page, burnrate.Ticket: in.Ticket} {
			if sc == nil {
				continue
			}
			p := path + "." + string(sev)
			c.checkAlertLabels(p+".labels", sc.Labels)
			c.checkAnnotations(p+".annotations", sc.Annotations)
			a.Severities[sev] = SeverityConfig{Value: sc.Severity, Labels: sc.Labels, Annotations: sc.Annotations}
			disabled[sev] = sc.Disabled
			if sc.Severity != "" {
				c.checkSeverityValue(p+".severity", sc.Severity)
			}
		}
		if in.Budget != nil {
			a.Budget = c.convertBudgetAlerts(a.Name, in.Budget, path+".budget")
		}
		if page, ticket := a.SeverityValue(burnrate.Page), a.SeverityValue(burnrate.Ticket); page == ticket {
			c.Fail(path+".ticket.severity", "pages and tickets both carry severity=%s: give each its own value, so routes, inhibit rules and the gate tell them apart", page)
		}
	}
	var tiers []burnrate.Tier
	if in != nil && len(in.Tiers) > 0 {
		longWindows := map[time.Duration]string{}
		for i := range in.Tiers {
			p := fmt.Sprintf("%s.tiers[%d]", path, i)
			t, ok := c.convertTier(s, &in.Tiers[i], p)
			if !ok {
				continue
			}
			if first, dup := longWindows[t.Long]; dup {
				c.Fail(p+".long", "tiers[%s] already uses the long window %s: each tier needs its own", first, model.Duration(t.Long))
				continue
			}
			longWindows[t.Long] = strconv.Itoa(i)
			tiers = append(tiers, t)
		}
	} else if s.BaseWindow > 0 {
		tiers = burnrate.DefaultTiers(s.Period, s.BaseWindow)
	}
	for _, t := range tiers {
		if !disabled[t.Severity] {
			a.Tiers = append(a.Tiers, t)
		}
	}
	for i, t := range a.Tiers {
		for _, o := range s.Objectives {
			if !t.CanFire(o.Budget()) {
				c.Warn(objectiveOrTierPath(in, path, i), "the %s tier at %sx over %s can never fire for objective %s%%: it needs an error ratio of %s%%, above 100%%",
					t.Severity, fmtFloat(t.Factor), model.Duration(t.Long), o.Label(), fmtFloat(burnrate.Clean(t.ErrorRatioThreshold(o.Budget())*100)))
			}
		}
	}
	s.Alerting = a
}

// maxBudgetSpent bounds a budget alert's share: past ten budgets spent, an
// SLO's objective no longer says anything about the service.
const maxBudgetSpent = 1000

func (c *converter) convertBudgetAlerts(burnAlert string, in *specBudgetAlerts, path string) BudgetAlerts {
	b := BudgetAlerts{Name: DefaultBudgetAlertName, Severity: burnrate.Ticket, Labels: in.Labels, Annotations: in.Annotations}
	if in.Name != "" {
		b.Name = in.Name
		if !alertNamePattern.MatchString(in.Name) {
			c.Fail(path+".name", "%q is not a valid alert name: use letters, digits and _", in.Name)
		}
	}
	if b.Name == burnAlert {
		c.Fail(path+".name", "budget alerts need a name of their own: %s is the burn-rate alerts' name", b.Name)
	}
	switch in.Severity {
	case "":
	case string(burnrate.Page), string(burnrate.Ticket):
		b.Severity = burnrate.Severity(in.Severity)
	default:
		c.Fail(path+".severity", "must be page or ticket, got %q: it says whose severity value, labels and routing the alerts take", in.Severity)
	}
	if len(in.Spent) == 0 {
		c.Fail(path+".spent", "list the shares of the budget, in percent, to alert at, such as [50, 75, 100]")
	}
	for i, p := range in.Spent {
		switch {
		case !(p > 0 && p <= maxBudgetSpent):
			c.Fail(fmt.Sprintf("%s.spent[%d]", path, i), "must be above 0 and at most %d (percent of the budget), got %s", maxBudgetSpent, fmtFloat(p))
		case len(b.Spent) > 0 && p <= b.Spent[len(b.Spent)-1]:
			c.Fail(fmt.Sprintf("%s.spent[%d]", path, i), "must be above the share before it (%s): list them in rising order, once each", fmtFloat(b.Spent[len(b.Spent)-1]))
		default:
			b.Spent = append(b.Spent, p)
		}
	}
	c.checkAlertLabels(path+".labels", in.Labels)
	c.checkAnnotations(path+".annotations", in.Annotations)
	return b
}

func objectiveOrTierPath(in *specAlerting, path string, i int) string {
	if in != nil && len(in.Tiers) > i {
		return fmt.Sprintf("%s.tiers[%d].factor", path, i)
	}
	return strings.TrimSuffix(path, ".alerting") + ".objective"
}

func (c *converter) convertTier(s *SLO, in *specTier, path string) (burnrate.Tier, bool) {
	ok := true
	t := burnrate.Tier{Severity: burnrate.Severity(in.Severity)}
	if t.Severity != burnrate.Page && t.Severity != burnrate.Ticket {
		c.Fail(path+".severity", "must be page or ticket, got %q", in.Severity)
		ok = false
	}
	if in.Factor == nil || *in.Factor <= 0 {
		c.Fail(path+".factor", "missing or not positive: a burn-rate factor such as 14.4")
		ok = false
	} else {
		t.Factor = *in.Factor
	}
	for _, w := range []struct {
		name string
		d    *strictyaml.Duration
		dst  *time.Duration
	}{{"long", in.Long, &t.Long}, {"short", in.Short, &t.Short}} {
		p := path + "." + w.name
		switch {
		case w.d == nil:
			c.Fail(p, "missing: a window such as 1h")
			ok = false
		case s.BaseWindow > 0 && !burnrate.WindowValid(w.d.Value, s.BaseWindow):
			unit := model.Duration(s.BaseWindow)
			if w.d.Value >= burnrate.BlockWindowMin {
				unit = model.Duration(burnrate.BlockSize)
			}
			c.Fail(p, "must be a multiple of %s, got %s (windows of %s and more are whole hours, shorter ones whole baseWindows)",
				unit, w.d.Text, model.Duration(burnrate.BlockWindowMin))
			ok = false
		default:
			*w.dst = w.d.Value
		}
	}
	if ok && t.Short >= t.Long {
		c.Fail(path+".short", "must be shorter than the long window %s, got %s", model.Duration(t.Long), model.Duration(t.Short))
		ok = false
	}
	if ok && t.Long > s.Period && s.Period > 0 {
		c.Fail(path+".long", "window %s is longer than the SLO period %s", model.Duration(t.Long), model.Duration(s.Period))
		ok = false
	}
	if in.For != nil {
		if in.For.Value < 0 {
			c.Fail(path+".for", "must not be negative, got %s", in.For.Text)
			ok = false
		}
		t.For = in.For.Value
	}
	return t, ok
}

// convertPolicy overlays the fields a policy sets on base: the service's
// policy on the defaults, an SLO's on its service's.
func (c *converter) convertPolicy(base Policy, in *specPolicy, path string) Policy {
	if in == nil {
		return base
	}
	p := base
	if in.WarnBelow != nil {
		if *in.WarnBelow < 0 || *in.WarnBelow > 100 {
			c.Fail(path+".warnBelow", "must be a percentage of the budget from 0 to 100, got %s", fmtFloat(*in.WarnBelow))
		}
		p.WarnBelow = burnrate.Clean(*in.WarnBelow / 100)
	}
	if in.FreezeOnPage != nil {
		p.FreezeOnPage = *in.FreezeOnPage
	}
	if in.AllowDuringFreeze != nil {
		p.AllowDuringFreeze = []Change{}
		for i, ch := range in.AllowDuringFreeze {
			switch Change(ch) {
			case HotfixChange, SecurityChange:
				p.AllowDuringFreeze = append(p.AllowDuringFreeze, Change(ch))
			case RollbackChange:
				c.Warn(fmt.Sprintf("%s.allowDuringFreeze[%d]", path, i), "rollbacks are always allowed; listing them changes nothing")
			case NormalChange:
				c.Fail(fmt.Sprintf("%s.allowDuringFreeze[%d]", path, i), "normal changes during a freeze would make it no freeze: remove the policy's freeze instead")
			default:
				c.Fail(fmt.Sprintf("%s.allowDuringFreeze[%d]", path, i), "must be hotfix or security, got %q", ch)
			}
		}
	}
	return p
}

func merge(base, over map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func fmtFloat(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}
