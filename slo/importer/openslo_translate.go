package importer

import (
	"fmt"
	"iter"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/internal/strictyaml"
	"github.com/slokit/slokit/slo/schema"
)

// translateOpenSLO translates an openslo/v1 SLO into native SLO nodes (one,
// or a composite's several), or reports why it cannot be.
func translateOpenSLO(d *strictyaml.Document, in *oslSLODoc, reg *Registry) []*yaml.Node {
	t := &oslTranslation{d: d, n: nodes{src: d, top: d.Node("")}, reg: reg}
	s := in.Spec
	t.checkServiceAndMethod(s)
	t.warnNotCarriedOver(in)
	carried := readCarried(d, in.Metadata.Annotations, carriedSLOKeys)
	if isComposite(s) {
		return t.composite(in)
	}
	out := t.n.mapping("")
	t.header(out)
	t.timeWindow(out, s)
	if !t.sliAndObjectivesOf(out, s, carried) {
		return nil
	}
	set(out, schema.KeyAlerting, openSLOAlerting(d, t.n, in, reg))
	carried.restore(out)
	return []*yaml.Node{out}
}

// sliAndObjectivesOf writes the SLO's SLI and objectives into out: the
// ones an export carried in annotations (an SLI v1 cannot say), or the
// indicator's translation.
func (t *oslTranslation) sliAndObjectivesOf(out *yaml.Node, s oslSLOSpec, carried carried) bool {
	d := t.d
	sliKey, objectivesKey := schema.AnnotationPrefix+schema.KeySli, schema.AnnotationPrefix+schema.KeyObjectives
	_, carriedSLI := carried[schema.KeySli]
	_, carriedObjectives := carried[schema.KeyObjectives]
	switch {
	case carriedSLI && carriedObjectives:
		// The indicator says what v1 can of it; the annotations say all.
		return true
	case carriedSLI:
		d.Fail("metadata.annotations."+sliKey, "comes with %s: the objectives of an SLI carried in annotations", objectivesKey)
		return false
	case carriedObjectives:
		d.Fail("metadata.annotations."+objectivesKey, "comes with %s: objectives are carried with the SLI they judge", sliKey)
		return false
	}
	sli, ok := t.indicator(s.Indicator, s.IndicatorRef, "spec")
	if !ok {
		return false
	}
	sliNode, objectives, ok := t.sliAndObjectives(s, sli, "spec.indicator.spec", -1)
	if !ok {
		return false
	}
	set(out, schema.KeySli, sliNode)
	if len(objectives) > 0 {
		list := t.n.sequence("spec.objectives")
		list.Content = objectives
		set(out, schema.KeyObjectives, list)
	} else if len(s.Objectives) == 0 {
		d.Fail("spec.objectives", "missing: at least one objective with a target")
	}
	return true
}

// header writes the SLO's name, description and labels into out.
func (t *oslTranslation) header(out *yaml.Node) {
	set(out, schema.KeyName, t.n.copyOf("metadata.name"))
	set(out, schema.KeyDescription, t.n.copyOf("spec.description"))
	set(out, schema.KeyLabels, t.n.copyOf("metadata.labels"))
}

// oslTranslation is what translating one openslo/v1 SLO reads from: the
// document, its node builder and the registry of referenced documents.
// refAt, once the SLI is a referenced one (perhaps in another file), is
// where its nodes point: at the reference.
type oslTranslation struct {
	d     *strictyaml.Document
	n     nodes
	reg   *Registry
	refAt string
}

// at is where a node of the SLI at path points.
func (t *oslTranslation) at(path string) string {
	if t.refAt != "" {
		return t.refAt
	}
	return path
}

func (t *oslTranslation) checkServiceAndMethod(s oslSLOSpec) {
	d := t.d
	if s.Service == "" {
		d.Fail("spec.service", "missing: the service the SLO belongs to")
	}
	switch s.BudgetingMethod {
	case "Occurrences", "Timeslices", "RatioTimeslices":
	case "":
		d.Fail("spec.budgetingMethod", "missing: Occurrences, Timeslices or RatioTimeslices")
	default:
		d.Fail("spec.budgetingMethod", "unknown budgeting method %q: use Occurrences, Timeslices or RatioTimeslices", s.BudgetingMethod)
	}
}

// warnNotCarriedOver warns of what the native spec has no place for.
func (t *oslTranslation) warnNotCarriedOver(in *oslSLODoc) {
	d, s := t.d, in.Spec
	var dropped []string
	if in.Metadata.DisplayName != "" {
		dropped = append(dropped, "metadata.displayName")
	}
	for i, o := range s.Objectives {
		// A composite's part keeps its display name as its description.
		if o.DisplayName != "" && o.Indicator == nil && o.IndicatorRef == "" {
			dropped = append(dropped, fmt.Sprintf("objectives[%d].displayName", i))
		}
	}
	if s.Indicator != nil && s.Indicator.Metadata.DisplayName != "" {
		dropped = append(dropped, "indicator.metadata.displayName")
	}
	if len(dropped) > 0 {
		d.Warn("metadata", "display names are not carried over (slokit shows names): %s", strings.Join(dropped, ", "))
	}
	if s.Indicator != nil && s.Indicator.Spec.Description != "" {
		d.Warn("spec.indicator.spec.description", "not carried over: the SLO's description is")
	}
}

// timeWindow sets the SLO's period: rolling, or a calendar one.
func (t *oslTranslation) timeWindow(out *yaml.Node, s oslSLOSpec) {
	d, n := t.d, t.n
	switch {
	case len(s.TimeWindow) != 1:
		d.Fail("spec.timeWindow", "needs exactly one time window, such as [{duration: 28d, isRolling: true}]")
	case s.TimeWindow[0].Calendar != nil || (s.TimeWindow[0].IsRolling != nil && !*s.TimeWindow[0].IsRolling):
		tw := s.TimeWindow[0]
		unit := map[string]string{"1M": "calendar-month", "1w": "calendar-week", "7d": "calendar-week"}[tw.Duration]
		var start, zone string
		if tw.Calendar != nil {
			start, zone = tw.Calendar.StartTime, tw.Calendar.TimeZone
		}
		openSLOCalendar(n, d, out, "spec.timeWindow[0]", unit, start, zone)
	case s.TimeWindow[0].Duration == "":
		d.Fail("spec.timeWindow[0].duration", "missing: the rolling period, such as 28d")
	case strings.ContainsAny(s.TimeWindow[0].Duration, "MQY"):
		d.Fail("spec.timeWindow[0].duration", "calendar durations (M, Q, Y) are not supported: give the rolling period in days or weeks, such as 28d")
	default:
		if _, err := model.ParseDuration(s.TimeWindow[0].Duration); err != nil {
			d.Fail("spec.timeWindow[0].duration", "must be a duration such as 28d, got %q", s.TimeWindow[0].Duration)
		}
		set(out, schema.KeyPeriod, n.copyOf("spec.timeWindow[0].duration"))
	}
}

// indicator is the indicator of the SLO or objective at path, inline or
// referenced.
func (t *oslTranslation) indicator(inline *oslInlineIndicator, ref, path string) (oslSLISpec, bool) {
	d := t.d
	switch {
	case inline != nil && ref != "":
		d.Fail(path+".indicatorRef", "set indicator or indicatorRef, not both")
	case inline != nil:
		return inline.Spec, true
	case ref != "":
		var doc oslSLIDoc
		if err := t.reg.resolve("SLI", ref, &doc); err != nil {
			d.Fail(path+".indicatorRef", "%v", err)
			return oslSLISpec{}, false
		}
		t.refAt = path + ".indicatorRef"
		return doc.Spec, true
	default:
		d.Fail(path+".indicator", "missing: an indicator or an indicatorRef")
	}
	return oslSLISpec{}, false
}

// query is the counter selector a metric's Prometheus source reads.
func (t *oslTranslation) query(m *oslMetric, path string) (string, bool) {
	d := t.d
	if m == nil {
		return "", false
	}
	src := m.MetricSource
	typ := src.Type
	if src.MetricSourceRef != "" {
		var ds oslDataSourceDoc
		if err := t.reg.resolve("DataSource", src.MetricSourceRef, &ds); err != nil {
			d.Fail(t.at(path+".metricSource.metricSourceRef"), "%v", err)
			return "", false
		}
		typ = ds.Spec.Type
	}
	if !strings.EqualFold(typ, "Prometheus") {
		d.Fail(t.at(path+".metricSource.type"), "metric source type %q is not supported: slokit reads Prometheus sources (type: Prometheus, spec.query)", typ)
		return "", false
	}
	q := src.Spec["query"]
	if q == "" {
		d.Fail(t.at(path+".metricSource.spec"), "missing: query, the Prometheus counter to read")
		return "", false
	}
	sel, ok := counterSelector(q)
	if !ok {
		d.Fail(t.at(path+".metricSource.spec.query"), "query %q is not supported: slokit needs a counter selector (or sum(rate(selector[range]))), whose increases it records itself", q)
		return "", false
	}
	return sel, true
}

// sliAndObjectives translate a ratio metric into a ratio SLI, a threshold
// metric into a latency SLI, with the objectives each takes: every one, or
// when only is 0 or more, that one (a composite's part). sliPath is where
// an inline SLI's spec is.
func (t *oslTranslation) sliAndObjectives(s oslSLOSpec, sli oslSLISpec, sliPath string, only int) (*yaml.Node, []*yaml.Node, bool) {
	sliNode := t.n.mapping(t.at(sliPath))
	if s.BudgetingMethod == "Timeslices" || s.BudgetingMethod == "RatioTimeslices" {
		objectives, ok := t.timeslices(s, sli, sliPath, sliNode, only)
		return sliNode, objectives, ok
	}
	switch {
	case sli.RatioMetric != nil && t.sourceType(sli.RatioMetric.Total) == "datadog":
		objectives, ok := t.datadogRatio(s, sli.RatioMetric, sliPath+".ratioMetric", sliNode, only)
		return sliNode, objectives, ok
	case sli.RatioMetric != nil:
		objectives, ok := t.ratio(s, sli.RatioMetric, sliPath+".ratioMetric", sliNode, only)
		return sliNode, objectives, ok
	case sli.ThresholdMetric != nil:
		objectives, ok := t.latency(s, sli.ThresholdMetric, sliPath+".thresholdMetric", sliNode, only)
		return sliNode, objectives, ok
	}
	t.d.Fail(t.at(sliPath), "needs a ratioMetric or a thresholdMetric")
	return nil, nil, false
}

// sourceType is the metric source type of a metric, its own or its data
// source's, in lower case; "" when it has none or its source is unknown.
func (t *oslTranslation) sourceType(m *oslMetric) string {
	if m == nil {
		return ""
	}
	if ref := m.MetricSource.MetricSourceRef; ref != "" {
		var ds oslDataSourceDoc
		if t.reg.resolve("DataSource", ref, &ds) != nil {
			return ""
		}
		return strings.ToLower(ds.Spec.Type)
	}
	return strings.ToLower(m.MetricSource.Type)
}

// datadogRatio translates a ratio metric over Datadog queries into a
// Datadog SLI: good and total, as Datadog's metric SLOs take them.
func (t *oslTranslation) datadogRatio(s oslSLOSpec, r *oslRatioMetric, rp string, sliNode *yaml.Node, only int) ([]*yaml.Node, bool) {
	d, n := t.d, t.n
	if r.Good == nil || r.Bad != nil || r.Raw != nil {
		d.Fail(t.at(rp), "a ratio of Datadog queries needs good and total: slokit's Datadog SLIs are a metric SLO's numerator and denominator")
		return nil, false
	}
	dd := n.mapping(t.at(rp))
	for _, m := range []struct {
		key    string
		metric *oslMetric
	}{{schema.KeyGood, r.Good}, {schema.KeyTotal, r.Total}} {
		mp := rp + "." + m.key
		if t.sourceType(m.metric) != "datadog" {
			d.Fail(t.at(mp+".metricSource"), "good and total read one source: total is Datadog's")
			return nil, false
		}
		set(dd, m.key, n.str(t.at(mp+".metricSource.spec.query"), m.metric.MetricSource.Spec["query"]))
	}
	set(sliNode, schema.KeyDatadog, dd)
	return t.objectives(s, only), true
}

func (t *oslTranslation) ratio(s oslSLOSpec, r *oslRatioMetric, rp string, sliNode *yaml.Node, only int) ([]*yaml.Node, bool) {
	ratio, ok := t.counters(r, rp)
	if !ok {
		return nil, false
	}
	set(sliNode, schema.KeyRatio, ratio)
	return t.objectives(s, only), true
}

// objectives are the SLO's objectives (or the one of only) as native
// ones, for an SLI whose objectives are targets alone (a ratio's).
func (t *oslTranslation) objectives(s oslSLOSpec, only int) []*yaml.Node {
	var objectives []*yaml.Node
	for i, op := range objectivesOf(s, only) {
		if obj := openSLOObjective(t.d, t.n, op, objectiveFieldsOf(s.Objectives[i], only)); obj != nil {
			objectives = append(objectives, obj)
		}
	}
	return objectives
}

// counters is a ratio metric's counters as a native ratio's: good or
// errors, and total.
func (t *oslTranslation) counters(r *oslRatioMetric, rp string) (*yaml.Node, bool) {
	d, n := t.d, t.n
	if r.Raw != nil || r.RawType != "" {
		d.Fail(t.at(rp+".raw"), "raw ratio metrics are not supported: give good (or bad) and total counters")
		return nil, false
	}
	if r.Counter != nil && !*r.Counter {
		d.Fail(t.at(rp+".counter"), "counter: false is not supported: slokit reads counters of events")
		return nil, false
	}
	ratio := n.mapping(t.at(rp))
	total, okTotal := t.query(r.Total, rp+".total")
	switch {
	case (r.Good == nil) == (r.Bad == nil):
		d.Fail(t.at(rp), "needs good or bad, and total")
		return nil, false
	case r.Good != nil:
		if good, ok := t.query(r.Good, rp+".good"); ok {
			set(ratio, schema.KeyGood, n.str(t.at(rp+".good.metricSource.spec.query"), good))
		}
	default:
		if bad, ok := t.query(r.Bad, rp+".bad"); ok {
			set(ratio, schema.KeyErrors, n.str(t.at(rp+".bad.metricSource.spec.query"), bad))
		}
	}
	if okTotal {
		set(ratio, schema.KeyTotal, n.str(t.at(rp+".total.metricSource.spec.query"), total))
	}
	return ratio, true
}

func (t *oslTranslation) latency(s oslSLOSpec, m *oslMetric, tp string, sliNode *yaml.Node, only int) ([]*yaml.Node, bool) {
	d, n := t.d, t.n
	sel, ok := t.query(m, tp)
	if !ok {
		return nil, false
	}
	scale, ok := histogramUnit(sel)
	if !ok {
		d.Fail(t.at(tp+".metricSource.spec.query"), "a thresholdMetric maps onto a latency SLI only over a Prometheus histogram's _bucket series with its unit in the name (_seconds_bucket, _milliseconds_bucket); got %s", sel)
		return nil, false
	}
	lat := n.mapping(t.at(tp))
	set(lat, schema.KeyHistogram, n.str(t.at(tp+".metricSource.spec.query"), sel))
	set(sliNode, schema.KeyLatency, lat)
	var objectives []*yaml.Node
	for i, op := range objectivesOf(s, only) {
		o := s.Objectives[i]
		if o.Op != "lt" && o.Op != "lte" {
			d.Fail(op+".op", "a latency objective is op: lt or lte (requests faster than value), got %q", o.Op)
			continue
		}
		if o.Value == nil || *o.Value <= 0 {
			d.Fail(op+".value", "missing: the latency threshold, in the histogram's unit")
			continue
		}
		obj := openSLOObjective(d, n, op, objectiveFieldsOf(o, only))
		if obj == nil {
			continue
		}
		// Rounded: 0.035 s is 34999999.999999996 ns in floating point.
		threshold := time.Duration(math.Round(*o.Value * float64(scale)))
		set(obj, schema.KeyThreshold, n.str(op+".value", model.Duration(threshold).String()))
		objectives = append(objectives, obj)
	}
	return objectives, true
}

// objectivesOf yields the objectives a translation takes, by index, with
// their paths: every one, or when only is 0 or more, that one (a
// composite's part).
func objectivesOf(s oslSLOSpec, only int) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		for i := range s.Objectives {
			if only >= 0 && i != only {
				continue
			}
			if !yield(i, objectivePath(i)) {
				return
			}
		}
	}
}

// objectivePath is the path of the objective at index i.
func objectivePath(i int) string { return fmt.Sprintf("spec.objectives[%d]", i) }

// objectiveFields says which fields an OpenSLO objective sets.
type objectiveFields struct {
	target, targetPercent, timeSlice, weight bool
}

// objectiveFieldsOf are the fields o sets; a composite's part (only is its
// place) has its weight read by the composite.
func objectiveFieldsOf(o oslObjective, only int) objectiveFields {
	return objectiveFields{target: o.Target != nil, targetPercent: o.TargetPercent != nil, timeSlice: o.TimeSliceTarget != nil,
		weight: o.CompositeWeight != nil && only < 0}
}

// openSLOObjective is one native objective from an OpenSLO objective's
// target (a fraction) or targetPercent.
func openSLOObjective(d *strictyaml.Document, n nodes, path string, fields objectiveFields) *yaml.Node {
	if fields.timeSlice {
		d.Fail(path+".timeSliceTarget", "time-slice objectives are not supported: slokit counts occurrences")
		return nil
	}
	if fields.weight {
		d.Warn(path+".compositeWeight", "not carried over: a weight counts only among a composite SLO's objectives, each with its own indicator (which import as a weighted journey), and this SLO has one indicator")
	}
	obj := n.mapping(path)
	switch {
	case fields.target && fields.targetPercent:
		d.Fail(path+".targetPercent", "set target or targetPercent, not both")
		return nil
	case fields.target:
		set(obj, schema.KeyObjective, percentOfFraction(n.at(path+".target")))
	case fields.targetPercent:
		set(obj, schema.KeyObjective, percent(n.at(path+".targetPercent")))
	default:
		d.Fail(path+".target", "missing: the objective as a fraction (target: 0.999) or in percent (targetPercent: 99.9)")
		return nil
	}
	return obj
}

// openSLOAlerting maps burn-rate alert conditions onto tiers: the
// condition's threshold is the factor and its lookback window the long
// window (the short one is a twelfth of it, as in the SRE Workbook);
// severities page and critical page, ticket, warning and the rest open
// tickets.
func openSLOAlerting(d *strictyaml.Document, n nodes, in *oslSLODoc, reg *Registry) *yaml.Node {
	if in.Spec.AlertPolicies == nil || len(*in.Spec.AlertPolicies) == 0 {
		return nil
	}
	out := n.mapping("spec.alertPolicies")
	tiers := n.sequence("spec.alertPolicies")
	for i, p := range *in.Spec.AlertPolicies {
		pp := fmt.Sprintf("spec.alertPolicies[%d]", i)
		spec := p.Spec
		if p.AlertPolicyRef != "" {
			var doc oslPolicyDoc
			if err := reg.resolve("AlertPolicy", p.AlertPolicyRef, &doc); err != nil {
				d.Fail(pp+".alertPolicyRef", "%v", err)
				continue
			}
			spec = &doc.Spec
		}
		if spec == nil {
			d.Fail(pp, "needs an alertPolicyRef or an inline AlertPolicy (kind, metadata, spec)")
			continue
		}
		if !reg.alertmanagerTargets(spec) {
			d.Warn(pp, "notification targets are not carried over: route slokit's alerts in Alertmanager")
		}
		if spec.AlertWhenNoData != nil && *spec.AlertWhenNoData {
			d.Warn(pp, "alertWhenNoData is not carried over: slokit generates no alert for missing data")
		}
		for j, c := range spec.Conditions {
			cp := fmt.Sprintf("%s.conditions[%d]", pp, j)
			cond, meta := c.Spec, c.Metadata
			if c.ConditionRef != "" {
				var doc oslConditionDoc
				if err := reg.resolve("AlertCondition", c.ConditionRef, &doc); err != nil {
					d.Fail(cp+".conditionRef", "%v", err)
					continue
				}
				cond, meta = &doc.Spec, doc.Metadata
			}
			if cond == nil {
				d.Fail(cp, "needs a conditionRef or an inline AlertCondition")
				continue
			}
			cc := cond.Condition
			if cc.Kind != "burnrate" || (cc.Op != "gt" && cc.Op != "gte") || cc.Threshold == nil || cc.LookbackWindow == nil {
				d.Fail(cp, "only burn-rate conditions (kind: burnrate, op: gt or gte, threshold, lookbackWindow) map onto slokit's alerts")
				continue
			}
			var sev burnrate.Severity
			switch strings.ToLower(cond.Severity) {
			case "page", "critical", "high":
				sev = burnrate.Page
			case "ticket", "warning", "low", "medium", "info":
				sev = burnrate.Ticket
			default:
				d.Fail(cp, "severity %q does not say whether to page or open a ticket: use page, critical, ticket or warning", cond.Severity)
				continue
			}
			long := cc.LookbackWindow.Value
			short := model.Duration(burnrate.RoundWindow(long/12, burnrate.DefaultBaseWindow)).String()
			// slokit's export carries the short window (v1 has one window).
			if exact, ok := meta.Annotations[schema.AnnotationPrefix+schema.KeyShort]; ok {
				short = exact
			}
			t := n.mapping(cp)
			set(t, schema.KeySeverity, n.str(cp, string(sev)))
			set(t, schema.KeyFactor, number(t, strconv.FormatFloat(*cc.Threshold, 'f', -1, 64)))
			set(t, schema.KeyLong, n.str(cp, model.Duration(long).String()))
			set(t, schema.KeyShort, n.str(cp, short))
			if cc.AlertAfter != nil {
				set(t, schema.KeyFor, n.str(cp, cc.AlertAfter.Text))
			}
			tiers.Content = append(tiers.Content, t)
		}
	}
	if len(tiers.Content) == 0 {
		return nil
	}
	set(out, schema.KeyTiers, tiers)
	return out
}

// openSLOStartTime is how OpenSLO writes a calendar window's start.
const openSLOStartTime = "2006-01-02 15:04:05"

// openSLOCalendar writes a calendar time window as a calendar period and
// its time zone into out: a month from the 1st or a week from a Monday,
// which is what slokit's calendar periods are. unit is the native period
// ("calendar-month"), empty for any other length.
func openSLOCalendar(n nodes, d *strictyaml.Document, out *yaml.Node, path, unit, start, zone string) {
	if unit == "" {
		d.Fail(path, "calendar windows of one month (1M) or one week (1w) are supported, as slokit's calendar-month and calendar-week periods")
		return
	}
	loc := time.UTC
	if zone != "" {
		l, err := time.LoadLocation(zone)
		if err != nil {
			d.Fail(path+".calendar.timeZone", "%q is not an IANA time zone such as Europe/Berlin", zone)
			return
		}
		loc = l
	}
	if start != "" {
		t, err := time.ParseInLocation(openSLOStartTime, start, loc)
		switch {
		case err != nil:
			d.Fail(path+".calendar.startTime", "must be a time such as \"2022-01-01 00:00:00\", got %q", start)
			return
		case unit == "calendar-month" && (t.Day() != 1 || t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0):
			d.Fail(path+".calendar.startTime", "%s does not start a month: slokit's calendar months start on the 1st at 00:00", start)
			return
		case unit == "calendar-week" && (t.Weekday() != time.Monday || t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0):
			d.Fail(path+".calendar.startTime", "%s is not a Monday at 00:00: slokit's calendar weeks start on Monday (ISO 8601)", start)
			return
		}
	}
	set(out, schema.KeyPeriod, n.str(path, unit))
	if zone != "" {
		set(out, schema.KeyTimezone, n.str(path+".calendar.timeZone", zone))
	}
}
