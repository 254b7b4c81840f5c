// Package promrules compiles SLOs into Prometheus recording and alerting
// rules: multi-window, multi-burn-rate alerts from the Google SRE Workbook
// on top of a recording layout that reads each raw series once per base
// window and builds every longer window from recorded per-SLO increments.
//
// The layout, per SLO (and per latency threshold), for each of the two
// counts, events and bad events:
//
//	raw counters --increase[base]--> slo:sli_{total,errors}:increase{window="1m",hour_parity}
//	  --this hour's parity--> slo:sli_{total,errors}:hour_to_date_increase
//	  --the other parity, once an hour; a gap's loss--> slo:sli_{total,errors}:hourly_increase
//	windows up to an hour: sum_over_time of the base increments
//	longer windows: hour to date + sum_over_time(blocks) - the oldest
//	    hour's part before the window
//	bad events / events / budget --> slo:error_budget:burn_rate per alert window
//	and over the period --> slo:sli_error:ratio --> slo:error_budget:remaining_ratio
//
// Only what an alert or a reader needs is recorded: events over the tiers'
// long windows and the period (the minimum-traffic guard reads them), a
// burn rate per alert window, the period's error ratio. Every other sum is
// taken where it is divided. Numerators and denominators are summed
// separately and divided last, so every ratio is traffic-weighted. For one
// SLO over 100 raw series at a 15 s scrape this reads a few thousand
// samples per evaluation, where reading the raw counters over every window
// reads millions.
//
// Ranges are written half a step short of the window (4m30s for a 5-minute
// window summed from 1-minute increments, 23h59m30s for a day of hourly
// blocks, which are recorded on the minute grid). Recorded samples are
// exactly one step apart, so such a range holds exactly window/step of
// them both in Prometheus 3, whose ranges are open on the left, and in
// Prometheus 2, whose ranges are closed and would otherwise count one
// sample twice.
package promrules

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// GroupName is the rule group that holds all rules of one SLO. All of them
// must share a group: Prometheus evaluates a group's rules in order, so each
// rule reads the samples the rules before it recorded in the same cycle.
// The name is slokit:SERVICE:SLO: no /, which the Mimir and Cortex ruler
// APIs take as a path separator in GET and DELETE .../rules/NAMESPACE/GROUP
// (and proxies unescape), and no clash, since names cannot hold a colon.
func GroupName(s *slo.SLO) string {
	return "slokit:" + s.Service + ":" + s.Name
}

// Groups compiles a service's SLOs into rule groups, one per SLO, in spec
// order.
func Groups(svc *slo.Service) []rulefmt.RuleGroup {
	groups := make([]rulefmt.RuleGroup, 0, len(svc.SLOs))
	for _, s := range svc.SLOs {
		groups = append(groups, Group(s))
	}
	return groups
}

// Group compiles one SLO into its rule group, for one Prometheus that
// sees every raw series.
func Group(s *slo.SLO) rulefmt.RuleGroup {
	return compile(s, TierAll, "")
}

// compile compiles the rules of one SLO a tier holds; an edge tier's with
// its region's label when region is set (Output.Region).
func compile(s *slo.SLO, t Tier, region string) rulefmt.RuleGroup {
	b := &builder{slo: s, tier: t, region: region, windows: map[time.Duration]string{}, lookups: map[variant][2]string{}, matchers: map[string]*labels.Matcher{}, labelSets: map[labelSetKey]map[string]string{},
		selectors: map[selectorKey][]*labels.Matcher{}, selectorText: map[**labels.Matcher]string{}}
	b.totals = b.totalWindows()
	if t == TierEdge {
		b.edgeRules()
		return rulefmt.RuleGroup{Name: GroupName(s), Interval: model.Duration(s.BaseWindow), Rules: b.rules}
	}
	if t == TierGlobal {
		b.reportingRules()
	}
	if s.Calendar != nil {
		b.calendarSlotRules()
	}
	if !s.SLI.ReadsRatios() {
		b.maintenanceRules()
	}
	for _, variant := range b.variants() {
		b.sliRules(variant)
	}
	for _, o := range s.Objectives {
		b.objectiveRules(o)
	}
	b.metadataRules()
	for _, o := range s.Objectives {
		for _, t := range s.Alerting.Tiers {
			b.alertRule(o, t)
		}
		for _, spent := range s.Alerting.Budget.Spent {
			b.budgetAlertRule(o, spent)
		}
	}
	return rulefmt.RuleGroup{
		Name:     GroupName(s),
		Interval: model.Duration(s.BaseWindow),
		Rules:    b.rules,
	}
}

type builder struct {
	tier Tier
	// region labels what an edge tier records, and selects it, when the
	// region's Prometheus does not add it as an external label.
	region       string
	totals       []time.Duration // totalWindows, computed once
	text         strings.Builder
	selectors    map[selectorKey][]*labels.Matcher
	selectorText map[**labels.Matcher]string
	slo          *slo.SLO
	windows      map[time.Duration]string
	lookups      map[variant][2]string
	rules        []rulefmt.Rule
	matchers     map[string]*labels.Matcher
	labelSets    map[labelSetKey]map[string]string
}

// labelSetKey identifies a set of rule labels: a variant and up to two
// extra labels.
type labelSetKey struct {
	v     variant
	extra [4]string
}

// variant is one set of SLI series: one per SLO, or one per latency
// threshold, since each threshold counts different events as good.
type variant struct {
	threshold time.Duration
}

func (b *builder) variants() []variant {
	if b.slo.SLI.Kind != slo.Latency {
		return []variant{{}}
	}
	var vs []variant
	for _, o := range b.slo.Objectives {
		v := variant{threshold: o.Threshold}
		if !slices.Contains(vs, v) {
			vs = append(vs, v)
		}
	}
	return vs
}

// identity returns the labels that tell a variant's series apart from every
// other SLO's, as name/value pairs. Callers may append to the result.
func (b *builder) identity(v variant) []string {
	id := make([]string, 0, 10)
	id = append(id, series.ServiceLabel, b.slo.Service, series.SLOLabel, b.slo.Name)
	if b.region != "" {
		id = append(id, b.slo.RegionsOrDefault().Label, b.region)
	}
	if v.threshold > 0 {
		id = append(id, series.ThresholdLabel, series.ThresholdValue(v.threshold))
	}
	return id
}

// matcher returns a shared equality matcher: an SLO's rules use the same
// few dozen over and over, and a compiler run may build millions.
func (b *builder) matcher(name, value string) *labels.Matcher {
	key := name + "\x00" + value
	m, ok := b.matchers[key]
	if !ok {
		m = eq(name, value)
		b.matchers[key] = m
	}
	return m
}

// recorded selects a recorded series of the variant, with extra labels as
// name/value pairs. Each selector's matchers are built and printed once
// per SLO: the selectors it returns share them (with no room to append
// to), and the printer finds their text by them.
func (b *builder) recorded(name string, v variant, extra ...string) *parser.VectorSelector {
	key := selectorKey{name: name, v: v}
	if len(extra) > len(key.extra) {
		panic("prometheus: recorded takes at most two extra labels")
	}
	copy(key.extra[:], extra)
	ms, ok := b.selectors[key]
	if !ok {
		pairs := append(b.identity(v), extra...)
		ms = make([]*labels.Matcher, 0, len(pairs)/2+1)
		ms = append(ms, b.matcher(labels.MetricName, name))
		for i := 0; i+1 < len(pairs); i += 2 {
			ms = append(ms, b.matcher(pairs[i], pairs[i+1]))
		}
		ms = slices.Clip(ms)
		b.selectors[key] = ms
		var text strings.Builder
		printSelector(&text, &parser.VectorSelector{Name: name, LabelMatchers: ms}, nil)
		b.selectorText[&ms[0]] = text.String()
	}
	return &parser.VectorSelector{Name: name, LabelMatchers: ms}
}

// selectorKey identifies a selector of recorded series: name, variant and
// up to two extra labels.
type selectorKey struct {
	name  string
	v     variant
	extra [4]string
}

func (b *builder) record(name string, expr parser.Expr, ls map[string]string) {
	b.rules = append(b.rules, rulefmt.Rule{Record: name, Expr: b.print(expr), Labels: ls})
}

// print prints an expression with the builder's buffer.
func (b *builder) print(e parser.Expr) string {
	b.text.Reset()
	b.text.Grow(1024)
	printCached(&b.text, e, b.selectorText)
	return b.text.String()
}

// withLabels returns the rule labels for the variant plus extra name/value
// pairs. Rules with the same labels share one map, so callers must not
// modify it.
func (b *builder) withLabels(v variant, extra ...string) map[string]string {
	key := labelSetKey{v: v}
	if len(extra) > len(key.extra) {
		panic("prometheus: withLabels takes at most two extra labels")
	}
	copy(key.extra[:], extra)
	if ls, ok := b.labelSets[key]; ok {
		return ls
	}
	pairs := append(b.identity(v), extra...)
	ls := make(map[string]string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		ls[pairs[i]] = pairs[i+1]
	}
	b.labelSets[key] = ls
	return ls
}

// alertWindows returns every window some tier reads, shortest first.
func (b *builder) alertWindows() []time.Duration {
	var ws []time.Duration
	for _, t := range b.slo.Alerting.Tiers {
		ws = append(ws, t.Long, t.Short)
	}
	slices.Sort(ws)
	return slices.Compact(ws)
}

// RatioWindows are the windows an SLO's error ratio is known for, shortest
// first: every alert window (as a burn rate) and the period.
func RatioWindows(s *slo.SLO) []time.Duration {
	return (&builder{slo: s}).ratioWindows()
}

func (b *builder) ratioWindows() []time.Duration {
	ws := append(b.alertWindows(), b.slo.Period)
	slices.Sort(ws)
	return slices.Compact(ws)
}

// totalWindows are the windows whose count of events is recorded: the long
// window of every tier the minimum-traffic guard applies to (it reads the
// count) if it is summed from hourly blocks, and the period, whose count is
// also the guard's measure of a share of the budget and the denominator of
// the period's error ratio. Every other window's count is summed where it
// is read: up to an hour, that is one range of base increments.
func (b *builder) totalWindows() []time.Duration {
	ws := []time.Duration{b.slo.Period}
	for _, o := range b.slo.Objectives {
		for _, t := range b.slo.Alerting.Tiers {
			if b.slo.MinEventsFor(t, o) > 0 && burnrate.FromBlocks(t.Long) {
				ws = append(ws, t.Long)
			}
		}
	}
	slices.Sort(ws)
	return slices.Compact(ws)
}

// count names the series one count (events, or bad events) is recorded
// in.
type count struct {
	increments, hourToDate, hourly, daily, periodBlock string
	edge                                               string // the edge tier's increments
}

var (
	totalCount  = count{series.Total, series.HourToDateTotal, series.HourlyTotal, series.DailyTotal, series.PeriodBlockTotal, series.EdgeTotal}
	errorsCount = count{series.Errors, series.HourToDateErrors, series.HourlyErrors, series.DailyErrors, series.PeriodBlockErrors, series.EdgeErrors}
)

func fmtNum(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// window formats a window for the window label, once per window.
func (b *builder) window(w time.Duration) string {
	v, ok := b.windows[w]
	if !ok {
		v = series.WindowValue(w)
		b.windows[w] = v
	}
	return v
}
