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
	"fmt"
	"maps"
	"regexp"
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

// Group compiles one SLO into its rule group.
func Group(s *slo.SLO) rulefmt.RuleGroup {
	b := &builder{slo: s, windows: map[time.Duration]string{}, lookups: map[variant][2]string{}, matchers: map[string]*labels.Matcher{}, labelSets: map[labelSetKey]map[string]string{},
		selectors: map[selectorKey][]*labels.Matcher{}, selectorText: map[**labels.Matcher]string{}}
	b.totals = b.totalWindows()
	if s.Calendar != nil {
		b.calendarSlotRules()
	}
	if s.SLI.Kind != slo.Raw {
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
}

var (
	totalCount  = count{series.Total, series.HourToDateTotal, series.HourlyTotal, series.DailyTotal, series.PeriodBlockTotal}
	errorsCount = count{series.Errors, series.HourToDateErrors, series.HourlyErrors, series.DailyErrors, series.PeriodBlockErrors}
)

func (b *builder) sliRules(v variant) {
	s := b.slo
	if s.SLI.Kind == slo.Raw {
		for _, w := range b.ratioWindows() {
			expr := strings.ReplaceAll(s.SLI.ErrorRatio, slo.WindowPlaceholder, b.window(w))
			b.rules = append(b.rules, rulefmt.Rule{Record: series.ErrorRatio, Expr: expr, Labels: b.withLabels(v, series.WindowLabel, b.window(w))})
		}
		return
	}
	base := b.window(s.BaseWindow)
	totalIncrease, errsIncrease := b.baseIncrements(v)
	b.record(series.Total, totalIncrease, b.withLabels(v, series.WindowLabel, base))
	b.record(series.Errors, errsIncrease, b.withLabels(v, series.WindowLabel, base))
	total, errs := totalCount, errorsCount
	for _, n := range []count{total, errs} {
		b.record(n.hourToDate, b.hourToDate("sum_over_time", v, n), b.withLabels(v))
	}
	// Events over windows of up to an hour first: a gap's recovery reads
	// the last hour's.
	windows := b.totals
	for _, w := range windows {
		if !burnrate.FromBlocks(w) {
			b.record(series.Total, b.sumOver(v, total, w), b.withLabels(v, series.WindowLabel, b.window(w)))
		}
	}
	totalDelta, errsDelta := b.rawDeltas(v, burnrate.BlockSize)
	b.record(total.hourly, b.hourlyBlock(v, total, totalDelta), b.withLabels(v))
	b.record(errs.hourly, b.hourlyBlock(v, errs, errsDelta), b.withLabels(v))
	if b.readsDays() {
		for _, n := range []count{total, errs} {
			b.record(n.daily, b.dailyBlock(v, n), b.withLabels(v))
		}
	}
	if s.Calendar != nil {
		for _, n := range []count{total, errs} {
			b.periodBlockRule(v, n)
		}
	}
	for _, w := range windows {
		if burnrate.FromBlocks(w) {
			b.record(series.Total, b.sumOver(v, total, w), b.withLabels(v, series.WindowLabel, b.window(w)))
		}
	}
	budgetWindow := s.BudgetWindow()
	periodErrors := b.sumOver(v, errs, s.Period)
	if s.Calendar != nil {
		b.record(series.Total, b.periodToDate(v, total), b.withLabels(v, series.WindowLabel, budgetWindow))
		periodErrors = b.periodToDate(v, errs)
	}
	ratio := binary(parser.DIV, periodErrors, b.recorded(series.Total, v, series.WindowLabel, budgetWindow), ignoring(series.WindowLabel))
	b.record(series.ErrorRatio, ratio, b.withLabels(v, series.WindowLabel, budgetWindow))
}

// totalOver is the events of the variant over w: the recorded count, or
// its sum.
func (b *builder) totalOver(v variant, w time.Duration) parser.Expr {
	if slices.Contains(b.totals, w) {
		return b.recorded(series.Total, v, series.WindowLabel, b.window(w))
	}
	return b.sumOver(v, totalCount, w)
}

// errorRatio is the error ratio of the variant over w: recorded for raw
// SLIs; otherwise bad events over events, each summed here unless its
// window's count is recorded.
func (b *builder) errorRatio(v variant, w time.Duration) parser.Expr {
	if b.slo.SLI.Kind == slo.Raw {
		return b.recorded(series.ErrorRatio, v, series.WindowLabel, b.window(w))
	}
	total, errs := totalCount, errorsCount
	if slices.Contains(b.totals, w) {
		return binary(parser.DIV, b.sumOver(v, errs, w), b.recorded(series.Total, v, series.WindowLabel, b.window(w)), ignoring(series.WindowLabel))
	}
	return binary(parser.DIV, b.sumOver(v, errs, w), b.sumOver(v, total, w), nil)
}

// hourParity is the parity of the hour, as the value of the hour_parity
// label of a series with value 1.
func hourParity() parser.Expr {
	return countValues(series.HourParityLabel, binary(parser.MOD, call("hour"), num(2), nil))
}

// baseSeries selects the base increments of one count, of both parities.
func (b *builder) baseSeries(v variant, n count) *parser.VectorSelector {
	return b.recorded(n.increments, v, series.WindowLabel, b.window(b.slo.BaseWindow))
}

// overBase applies a range function to the base increments over r and
// adds up the two parities: the result carries the variant's identity and
// grouping labels only, as the hour-to-date and hourly series do.
func (b *builder) overBase(fn string, v variant, n count, r time.Duration) parser.Expr {
	return sumWithout(call(fn, rangeOf(b.baseSeries(v, n), r)), series.HourParityLabel, series.WindowLabel)
}

// sumOver is one count over the last w: summed from the base increments
// up to an hour, from the hourly blocks beyond.
func (b *builder) sumOver(v variant, n count, w time.Duration) parser.Expr {
	if !burnrate.FromBlocks(w) {
		return b.overBase("sum_over_time", v, n, w-b.slo.BaseWindow/2)
	}
	return b.upTo(v, n, w)
}

// hourToDate applies a range function (sum_over_time: the hour to date;
// count_over_time: how many increments it holds) to the base increments of
// the current hour. What the hour holds must be told from the last with
// fixed ranges (PromQL has no range up to the hour): the base increments
// carry the parity of their hour, and within an hour less half a step only
// the current hour's increments have its parity.
func (b *builder) hourToDate(fn string, v variant, n count) parser.Expr {
	own := binary(parser.LAND, call(fn, rangeOf(b.baseSeries(v, n), burnrate.BlockSize-b.slo.BaseWindow/2)), hourParity(), on(series.HourParityLabel))
	return sumWithout(own, series.HourParityLabel, series.WindowLabel)
}

// gapHistory is how far back the rules must have run for an evaluation
// that finds no increment a step before it to be the first after a
// monitoring gap rather than the rules' first.
const gapHistory = 6 * time.Hour

// hourlyBlock records what one count adds to every window longer than an
// hour: the last hour's increments, once, at the hour's first evaluation
// (an hour that starts in a monitoring gap at its first evaluation after),
// and what a monitoring gap missed, at the first evaluation after it, so a
// window reads one sample an hour at most. Hours without bad events record
// no errors block; the total's is recorded for every hour, 0 for one
// without events, because the day's first starts the daily blocks
// (dailyBlock). Blocks carry the parity of the UTC day they were recorded
// on. No rule reads its own output, so the rules backfill as range
// queries, rule by rule, as promtool does.
//
// rawDelta is what the raw counters counted in the last hour, nil when they
// cannot tell (bool gauges hold nothing for a gap, native histograms are
// not subtracted).
func (b *builder) hourlyBlock(v variant, n count, rawDelta parser.Expr) parser.Expr {
	s := b.slo
	g := s.Grouping
	step := s.BaseWindow
	hour := burnrate.BlockSize
	// Within two hours less half a step, the other parity holds the last
	// hour's increments only; the hour's own parity holds one increment
	// at its first evaluation.
	last := sumWithout(binary(parser.LUNLESS, call("sum_over_time", rangeOf(b.baseSeries(v, n), 2*hour-step/2)), hourParity(), on(series.HourParityLabel)),
		series.HourParityLabel, series.WindowLabel)
	first := binary(parser.EQLC, b.hourToDate("count_over_time", v, n), num(1), nil)
	htd := b.recorded(n.hourToDate, v)
	zero := binary(parser.MUL, num(0), htd, nil)
	var block parser.Expr
	switch {
	case rawDelta == nil && n == totalCount:
		block = binary(parser.LAND, binary(parser.LOR, last, zero, nil), first, nil)
	case rawDelta == nil:
		block = binary(parser.LAND, last, first, nil)
	default:
		// After a monitoring gap the raw counters still hold what it
		// missed: at the first evaluation after it (the one that finds no
		// increment a step before), what they counted over the last hour
		// less what the increments recorded. Longer gaps lose what lies
		// beyond that hour. Only the raw series' latest samples and those
		// an hour before are read.
		missed := call("clamp_min", binary(parser.SUB, rawDelta, b.lastHour(v, n), on(g...)), num(0))
		afterGap := binary(parser.EQLC, b.overBase("count_over_time", v, n, step+step/2), num(1), nil)
		// A gap, not the rules' first evaluation: they ran an hour or more
		// before. (The hour before the rules were deployed is not counted:
		// the period holds what they recorded.)
		ran := call("count_over_time", &parser.SubqueryExpr{Expr: b.recorded(n.hourToDate, v), Range: gapHistory - hour, Step: hour, OriginalOffset: hour})
		recovery := binary(parser.LAND, binary(parser.LAND, missed, afterGap, on(g...)), binary(parser.GTR, ran, num(0), nil), on(g...))
		// The raw counters' growth holds a maintenance window's events,
		// which the increments left out: no recovery after one. (Earlier
		// slokit rules recorded 0 outside a window: > 0 keeps their last
		// hour harmless.)
		held := binary(parser.GTR, call("max_over_time", rangeOf(b.recorded(series.Maintenance, variant{}), hour)), num(0), nil)
		recovery = binary(parser.LUNLESS, recovery, held, on())
		sum := binary(parser.ADD, binary(parser.LOR, binary(parser.LAND, last, first, nil), zero, nil), binary(parser.LOR, recovery, zero, on(g...)), on(g...))
		if n == totalCount {
			// Every hour's first evaluation records the total, 0 for an
			// hour without events, so that a day's first evaluation records
			// one, which starts the day's daily blocks; so does the first
			// evaluation after a gap.
			// No increment of the hour's parity a step before: the hour's
			// first evaluation, or the first after a gap.
			own := binary(parser.LAND, call("count_over_time", rangeOf(b.baseSeries(v, n), step+step/2)), hourParity(), on(series.HourParityLabel))
			newHour := binary(parser.EQLC, sumWithout(own, series.HourParityLabel, series.WindowLabel), num(1), nil)
			block = binary(parser.LAND, sum, newHour, on(g...))
		} else {
			block = binary(parser.GTR, sum, num(0), nil)
		}
	}
	return binary(parser.MUL, block, dayParity(), onGroupLeftCopying(nil, series.DayParityLabel))
}

// dayParity is the parity of the UTC day (days since 1970), as the value
// of the day_parity label of a series with value 1.
func dayParity() parser.Expr {
	days := call("floor", call("vector", binary(parser.DIV, call("time"), num(day.Seconds()), nil)))
	return countValues(series.DayParityLabel, binary(parser.MOD, days, num(2), nil))
}

const day = 24 * time.Hour

// readsDays reports whether some recorded window adds up daily blocks.
func (b *builder) readsDays() bool {
	return slices.ContainsFunc(b.totals, fromDays) || fromDays(b.slo.Period)
}

// fromDays reports whether a window is summed from daily blocks: one of
// whole days, a week or longer, where the daily blocks read fewer samples
// than the hourly blocks of its first and last days add.
func fromDays(w time.Duration) bool {
	return w >= 7*day && w%day == 0
}

// dailyBlock records, at the first evaluation of a UTC day, one count's
// hourly blocks recorded the day before: those of the other day parity in
// the last two days. The day's first evaluation is the one that records
// its first hourly block of the total, which every hour's first
// evaluation records. A day without any evaluation (a monitoring gap of a
// whole day) records no block for the day before it.
func (b *builder) dailyBlock(v variant, n count) parser.Expr {
	g := b.slo.Grouping
	step := b.slo.BaseWindow
	yesterday := sumWithout(binary(parser.LUNLESS, call("sum_over_time", rangeOf(b.recorded(n.hourly, v), 2*day-step/2)), dayParity(), on(series.DayParityLabel)),
		series.DayParityLabel)
	var first parser.Expr
	if n == totalCount {
		today := sumWithout(binary(parser.LAND, call("count_over_time", rangeOf(b.recorded(totalCount.hourly, v), day-step/2)), dayParity(), on(series.DayParityLabel)),
			series.DayParityLabel)
		justRecorded := call("count_over_time", rangeOf(b.recorded(totalCount.hourly, v), step/2))
		first = binary(parser.LAND, binary(parser.EQLC, today, num(1), nil), justRecorded, on(g...))
	} else {
		// When the total's block was just recorded: a day without events
		// has no bad events either.
		first = call("count_over_time", rangeOf(b.recorded(totalCount.daily, v), step/2))
	}
	return binary(parser.GTR, binary(parser.LAND, yesterday, first, on(g...)), num(0), nil)
}

// lastHour is one count's base increments over the last hour: the
// recorded events over it when they are (one sample), else their sum.
func (b *builder) lastHour(v variant, n count) parser.Expr {
	hour := burnrate.BlockSize
	if n == totalCount && slices.Contains(b.totals, hour) {
		return sumWithout(b.recorded(series.Total, v, series.WindowLabel, b.window(hour)), series.WindowLabel)
	}
	return b.overBase("sum_over_time", v, n, hour-b.slo.BaseWindow/2)
}

// upTo is one count over the last w, a whole number of hours: the hour to
// date, plus the blocks recorded over the last w less half a step (none in
// the first hour after the rules are deployed), less the oldest hour's
// part before the window, which is that hour's hour to date w ago. That
// part is missing when w began in a monitoring gap: the oldest hour then
// counts whole. So every window is exact and current to the base window,
// at the cost of one sample an hour.
func (b *builder) upTo(v variant, n count, w time.Duration) parser.Expr {
	step := b.slo.BaseWindow
	htd := func() *parser.VectorSelector { return b.recorded(n.hourToDate, v) }
	zero := binary(parser.MUL, num(0), htd(), nil)
	before := htd()
	before.OriginalOffset = w
	if !fromDays(w) {
		blocks := binary(parser.LOR, sumWithout(call("sum_over_time", rangeOf(b.recorded(n.hourly, v), w-step/2)), series.DayParityLabel), zero, nil)
		return binary(parser.SUB, binary(parser.ADD, htd(), blocks, nil), binary(parser.LOR, before, zero, nil), nil)
	}
	// Whole days: the blocks of the days in between, and the hourly blocks
	// of the last day recorded up to now and of the first up to w ago. The
	// hourly blocks of a day within a day before are those of its parity,
	// which w ago is today's after an even number of days, the other's
	// after an odd one.
	dayToDate := func(ago time.Duration) parser.Expr {
		hourly := b.recorded(n.hourly, v)
		hourly.OriginalOffset = ago
		var op parser.ItemType = parser.LAND
		if ago/day%2 == 1 {
			op = parser.LUNLESS
		}
		own := binary(op, call("sum_over_time", rangeOf(hourly, day-step/2)), dayParity(), on(series.DayParityLabel))
		return binary(parser.LOR, sumWithout(own, series.DayParityLabel), zero, nil)
	}
	days := binary(parser.LOR, call("sum_over_time", rangeOf(b.recorded(n.daily, v), w-step/2)), zero, nil)
	now := binary(parser.ADD, binary(parser.ADD, htd(), dayToDate(0), nil), days, nil)
	return binary(parser.SUB, binary(parser.SUB, now, binary(parser.LOR, before, zero, nil), nil), dayToDate(w), nil)
}

// promqlParser parses the calendar slot expressions, which are written as
// text: sums of scalar steps read better so than as trees.
var promqlParser = parser.NewParser(parser.Options{})

// calendarSlotRules record the SLO's local time, and from it the calendar
// slot of the current period and of the last hour's: three values, so that
// the previous period with a slot's value ended at least two periods ago.
func (b *builder) calendarSlotRules() {
	b.record(series.LocalTime, b.localTimeExpr(), b.withLabels(variant{}))
	local := b.recorded(series.LocalTime, variant{})
	b.record(series.CalendarSlot, b.slotExpr(local), b.withLabels(variant{}))
	// Periods start at midnight, and no zone changes its offset within
	// an hour of midnight on a month's first day or a Monday, so the last
	// hour's local time is an hour less.
	b.record(series.LastHourSlot, b.slotExpr(binary(parser.SUB, local, num(3600), nil)), b.withLabels(variant{}))
}

// localTimeExpr is the evaluation time in the SLO's time zone, in seconds
// since 1970 as a UTC clock would show them: PromQL's date functions read
// UTC, so the zone's offset is added, and its changes over OffsetHorizon
// (summer time) as steps at their instants.
func (b *builder) localTimeExpr() parser.Expr {
	return mustParse("vector(" + localTime(b.slo.Calendar.Location) + ")")
}

// localTime is the scalar expression of the evaluation time in the zone,
// in seconds since 1970 on a clock that shows local time as UTC.
func localTime(loc *time.Location) string {
	initial, changes := slo.ZoneOffsets(loc)
	text := fmt.Sprintf("time() + %d", int64(initial.Seconds()))
	prev := initial
	for _, ch := range changes {
		text += fmt.Sprintf(" + (time() >= bool %d) * %d", ch.At.Unix(), int64((ch.Offset - prev).Seconds()))
		prev = ch.Offset
	}
	return text
}

// mustParse parses an expression slokit writes as text.
func mustParse(text string) parser.Expr {
	expr, err := promqlParser.ParseExpr(text)
	if err != nil {
		panic(fmt.Sprintf("prometheus: generated expression %q: %v", text, err))
	}
	return expr
}

// maintenanceRules record whether a maintenance window holds: one of the
// spec's, as steps of time(), or one made through slokit serve, which it
// exports for the service or for this SLO.
func (b *builder) maintenanceRules() {
	s := b.slo
	var terms []string
	for _, w := range s.Maintenance {
		if w.Weekly == nil {
			terms = append(terms, fmt.Sprintf("(time() >= bool %d) * (time() < bool %d)", w.Start.Unix(), w.End.Unix()))
			continue
		}
		// Seconds since Monday 00:00 local (1970-01-05, a Monday, is
		// day 4), less the window's start in the week.
		start := (int64(w.Weekly.Day)+6)%7*86400 + int64(w.Weekly.At.Seconds())
		week := int64(slo.Week.Seconds())
		terms = append(terms, fmt.Sprintf("((%s + 259200) %% %d - %d + %d) %% %d < bool %d", localTime(w.Weekly.Location), week, start, week, week, int64(w.Weekly.Duration.Seconds())))
	}
	adhoc := selector(series.ExportedMaintenance, eq(series.ServiceLabel, s.Service),
		labels.MustNewMatcher(labels.MatchRegexp, series.SLOLabel, "|"+regexp.QuoteMeta(s.Name)))
	active := "max(" + adhoc.String() + ") or vector(0)"
	if len(terms) > 0 {
		active = "vector(" + strings.Join(terms, " + ") + ") + on () (" + active + ")"
	}
	// Recorded only while a window holds: the rules read it every
	// evaluation and over the last hour, and a series that is almost
	// always absent costs nothing to read.
	b.record(series.Maintenance, mustParse("clamp_max("+active+", 1) > 0"), b.withLabels(variant{}))
}

// outsideMaintenance labels a base increment with its hour's parity, and
// drops it while a maintenance window holds: the minutes of a window add
// nothing to any window, as the minutes of a monitoring gap, and a gap's
// recovery is not made within an hour of one.
//
// The maintenance series is read over the last half step, which holds this
// evaluation's sample only: an instant selector would find a sample up to
// five minutes old once the window has ended, where a backfill (which
// writes no staleness markers) still has one.
func (b *builder) outsideMaintenance(e parser.Expr) parser.Expr {
	now := call("count_over_time", rangeOf(b.recorded(series.Maintenance, variant{}), b.slo.BaseWindow/2))
	outside := binary(parser.LUNLESS, hourParity(), now, on())
	return binary(parser.MUL, e, outside, onGroupLeftCopying(nil, series.HourParityLabel))
}

// slotExpr is the calendar slot of the period that holds the local time:
// the number of the month (year*12 + month) or of the week (Monday-based:
// days since 1970 + 3, over 7), modulo 3.
func (b *builder) slotExpr(local parser.Expr) parser.Expr {
	if b.slo.Calendar.Unit == slo.CalendarWeek {
		days := call("floor", binary(parser.DIV, local, num(86400), nil))
		return binary(parser.MOD, call("floor", binary(parser.DIV, binary(parser.ADD, days, num(3), nil), num(7), nil)), num(3), nil)
	}
	return binary(parser.MOD, binary(parser.ADD, binary(parser.MUL, call("year", local), num(12), nil), call("month", local), nil), num(3), nil)
}

// periodBlockRule records one count's hourly blocks again, labelled with
// the calendar slot of the hour they count. A gap's recovery is counted
// to the last hour's slot too: in a period's first hour, to the period
// before.
func (b *builder) periodBlockRule(v variant, n count) {
	// The block was recorded just before in the same evaluation: only a
	// sample of this evaluation is read, not an older one an instant
	// selector would look back to.
	justRecorded := sumWithout(call("sum_over_time", rangeOf(b.recorded(n.hourly, v), b.slo.BaseWindow/2)), series.DayParityLabel)
	slot := countValues(series.PeriodSlotLabel, b.recorded(series.LastHourSlot, variant{}))
	b.record(n.periodBlock, binary(parser.MUL, justRecorded, slot, onGroupLeftCopying(nil, series.PeriodSlotLabel)), b.withLabels(v))
}

// periodToDate is one count over the calendar period to date: the hour to
// date, plus the blocks recorded under the current slot over the longest
// period. Periods start on whole hours (the zone's offset is checked to be
// whole hours), so no block straddles a period's start.
func (b *builder) periodToDate(v variant, n count) parser.Expr {
	s := b.slo
	htd := func() *parser.VectorSelector { return b.recorded(n.hourToDate, v) }
	zero := binary(parser.MUL, num(0), htd(), nil)
	blocks := call("sum_over_time", rangeOf(b.recorded(n.periodBlock, v), s.Calendar.Longest()-s.BaseWindow/2))
	current := binary(parser.LAND, blocks, countValues(series.PeriodSlotLabel, b.recorded(series.CalendarSlot, variant{})), on(series.PeriodSlotLabel))
	return binary(parser.ADD, htd(), binary(parser.LOR, sumWithout(current, series.PeriodSlotLabel), zero, nil), nil)
}

// rawDeltas returns the expressions for total and bad events over the last
// span as the raw counters tell them, from their latest samples and those
// a span before (a counter that restarted counts from zero, a new one in
// full), or nils for SLIs whose raw series cannot tell.
func (b *builder) rawDeltas(v variant, span time.Duration) (total, errs parser.Expr) {
	s := b.slo
	g := s.Grouping
	delta := func(sel *slo.Selector, extra ...*labels.Matcher) parser.Expr {
		now := sel.VectorSelector()
		now.LabelMatchers = append(now.LabelMatchers, extra...)
		before := sel.VectorSelector()
		before.LabelMatchers = append(before.LabelMatchers, extra...)
		before.OriginalOffset = span
		grown := binary(parser.GTE, binary(parser.SUB, now, before, nil), num(0), nil)
		now2 := sel.VectorSelector()
		now2.LabelMatchers = append(now2.LabelMatchers, extra...)
		return b.rawSum(binary(parser.LOR, grown, now2, nil))
	}
	// No bad event, no error series: zero, labelled as the total's hour
	// to date is (read once, where the raw series would be read again).
	orZero := func(e parser.Expr) parser.Expr {
		return binary(parser.LOR, e, binary(parser.MUL, num(0), b.recorded(series.HourToDateTotal, v), nil), on(g...))
	}
	minus := func(total, good parser.Expr) parser.Expr {
		return call("clamp_min", binary(parser.SUB, total, good, on(g...)), num(0))
	}
	switch {
	case s.SLI.Kind == slo.Ratio:
		total = delta(s.SLI.Total)
		if s.SLI.Errors != nil {
			return total, orZero(delta(s.SLI.Errors))
		}
		return total, minus(total, orZero(delta(s.SLI.Good)))
	case s.SLI.Kind == slo.Latency && !s.SLI.NativeHistogram:
		total = delta(s.SLI.Histogram, eq("le", "+Inf"))
		good := delta(s.SLI.Histogram, labels.MustNewMatcher(labels.MatchRegexp, "le", bucketPattern(v.threshold)))
		return total, minus(total, good)
	}
	return nil, nil
}

// rawSum sums what the raw series give by the SLO's grouping, each label
// of RenameLabels read first under its grouping name (label_replace), so
// that a label slokit sets itself, such as service, can group an SLO.
// Only rules that read raw series call it: recorded series carry the
// grouping names.
func (b *builder) rawSum(e parser.Expr) parser.Expr {
	renames := b.slo.RenameLabels
	for _, raw := range slices.Sorted(maps.Keys(renames)) {
		e = call("label_replace", e, &parser.StringLiteral{Val: renames[raw]}, &parser.StringLiteral{Val: "$1"},
			&parser.StringLiteral{Val: raw}, &parser.StringLiteral{Val: "(.*)"})
	}
	return sumBy(b.slo.Grouping, e)
}

// baseIncrements returns the expressions for total and bad events per base
// window, read from the raw series. They are the only rules that read raw
// series every evaluation. The errors expression never leaves a gap while
// there is traffic, so windows summed from it never go missing for lack of
// a failed request.
func (b *builder) baseIncrements(v variant) (total, errs parser.Expr) {
	total, errs = b.rawIncrements(v)
	return b.outsideMaintenance(total), b.outsideMaintenance(errs)
}

// rawIncrements are the base increments as the raw series count them,
// maintenance windows included.
func (b *builder) rawIncrements(v variant) (total, errs parser.Expr) {
	s := b.slo
	g := s.Grouping
	base := s.BaseWindow
	// The events just recorded, of this evaluation only: the other
	// parity's last increment may be within an instant selector's reach.
	totalBase := func() parser.Expr {
		return b.overBase("sum_over_time", v, totalCount, base/2)
	}
	increase := func(sel *slo.Selector, extra ...*labels.Matcher) parser.Expr {
		vs := sel.VectorSelector()
		vs.LabelMatchers = append(vs.LabelMatchers, extra...)
		return b.rawSum(call("increase", rangeOf(vs, base)))
	}
	zeroIfAbsent := func(e parser.Expr) parser.Expr {
		return binary(parser.LOR, e, binary(parser.MUL, num(0), totalBase(), nil), on(g...))
	}
	totalMinus := func(good parser.Expr) parser.Expr {
		return call("clamp_min", binary(parser.SUB, totalBase(), good, on(g...)), num(0))
	}
	switch s.SLI.Kind {
	case slo.Ratio:
		total = increase(s.SLI.Total)
		if s.SLI.Errors != nil {
			return total, zeroIfAbsent(increase(s.SLI.Errors))
		}
		return total, totalMinus(zeroIfAbsent(increase(s.SLI.Good)))
	case slo.Latency:
		if s.SLI.NativeHistogram {
			hist := func() parser.Expr { return increase(s.SLI.Histogram) }
			total = call("histogram_count", hist())
			slow := binary(parser.SUB, num(1), call("histogram_fraction", num(0), num(v.threshold.Seconds()), hist()), nil)
			// histogram_fraction is NaN when nothing was observed; a NaN
			// would poison every window summed from it, so it is dropped
			// (>= 0) and replaced by zero.
			return total, zeroIfAbsent(binary(parser.GTE, binary(parser.MUL, totalBase(), slow, on(g...)), num(0), nil))
		}
		total = increase(s.SLI.Histogram, eq("le", "+Inf"))
		good := increase(s.SLI.Histogram, labels.MustNewMatcher(labels.MatchRegexp, "le", bucketPattern(v.threshold)))
		return total, totalMinus(good)
	case slo.BoolGauge:
		// Each sample is an event, so no sample may be counted in two base
		// windows. A range 1ms short of the base window holds the same
		// samples in Prometheus 3, whose ranges are open on the left, and
		// in Prometheus 2, whose closed ranges would otherwise count a
		// sample that falls exactly on a window boundary twice. (increase()
		// needs no such care: differences of a counter telescope.)
		overTime := func(fn string) parser.Expr {
			return b.rawSum(call(fn, rangeOf(s.SLI.Gauge.VectorSelector(), base-time.Millisecond)))
		}
		return overTime("count_over_time"), totalMinus(overTime("sum_over_time"))
	}
	panic(fmt.Sprintf("prometheus: SLI kind %v has no base increments", s.SLI.Kind))
}

// bucketPattern matches the le label of a threshold's bucket in both
// spellings: as client libraries expose it (le="1") and as Prometheus 3
// normalises it (le="1.0").
func bucketPattern(threshold time.Duration) string {
	plain := strconv.FormatFloat(threshold.Seconds(), 'g', -1, 64)
	forms := []string{plain}
	if !strings.ContainsAny(plain, ".e") {
		forms = append(forms, plain+".0")
	}
	for i, f := range forms {
		forms[i] = strings.ReplaceAll(f, ".", `\.`)
	}
	return strings.Join(forms, "|")
}

func (b *builder) variantOf(o slo.Objective) variant {
	if b.slo.SLI.Kind == slo.Latency {
		return variant{threshold: o.Threshold}
	}
	return variant{}
}

func (b *builder) objectiveRules(o slo.Objective) {
	v := b.variantOf(o)
	budget := num(o.Budget())
	for _, w := range b.alertWindows() {
		wl := b.window(w)
		burn := binary(parser.DIV, b.errorRatio(v, w), budget, nil)
		b.record(series.BurnRate, burn, b.withLabels(v, series.WindowLabel, wl, series.ObjectiveLabel, o.Label()))
	}
	period := b.slo.BudgetWindow()
	consumed := binary(parser.DIV, b.recorded(series.ErrorRatio, v, series.WindowLabel, period), budget, nil)
	b.record(series.BudgetRemaining, binary(parser.SUB, num(1), consumed, nil), b.withLabels(v, series.WindowLabel, period, series.ObjectiveLabel, o.Label()))
	b.record(series.Objective, call("vector", num(o.Ratio())), b.withLabels(v, series.ObjectiveLabel, o.Label()))
}

func (b *builder) metadataRules() {
	s := b.slo
	info := maps.Clone(b.withLabels(variant{}))
	for k, v := range s.Labels {
		info[k] = v
	}
	b.record(series.Info, call("vector", num(1)), info)
	b.record(series.Policy, call("vector", num(1)), b.policyLabels())
}

// policyLabels label the Policy series: the SLO's identity and what
// slo.PolicyLabels says of it, so that a server given no specs can judge
// the SLO.
func (b *builder) policyLabels() map[string]string {
	ls := maps.Clone(b.withLabels(variant{}))
	maps.Copy(ls, slo.PolicyLabels(b.slo))
	return ls
}

func (b *builder) alertRule(o slo.Objective, t burnrate.Tier) {
	s := b.slo
	v := b.variantOf(o)
	factor := num(t.Factor)
	burn := func(w time.Duration) parser.Expr {
		return binary(parser.GTR, b.recorded(series.BurnRate, v, series.WindowLabel, b.window(w), series.ObjectiveLabel, o.Label()), factor, nil)
	}
	expr := parser.Expr(binary(parser.LAND, burn(t.Long), burn(t.Short), ignoring(series.WindowLabel)))
	if recent := b.alertWindows()[0]; t.Severity == burnrate.Page && t.Short > recent {
		// A page is for a budget burning now. The pair alone stays on
		// until the outage leaves its short window (30 minutes for the
		// 6h pair), so on-call engineers learn to ignore a page that fires
		// after recovery. The SLO's shortest window still spending the
		// budget faster than it lasts (above 1x) holds while errors go on,
		// at any burn worth a page, and clears within that window of
		// recovery.
		still := binary(parser.GTR, b.recorded(series.BurnRate, v, series.WindowLabel, b.window(recent), series.ObjectiveLabel, o.Label()), num(1), nil)
		expr = binary(parser.LAND, expr, still, ignoring(series.WindowLabel))
	}
	if minEvents := s.MinEventsFor(t, o); s.SLI.Kind != slo.Raw && minEvents > 0 {
		// The minimum-traffic guard. First, enough events in the long
		// window for its error ratio to mean anything.
		enough := binary(parser.GTE, b.totalOver(v, t.Long), num(minEvents), nil)
		expr = binary(parser.LAND, expr, enough, ignoring(series.WindowLabel, series.ObjectiveLabel))
		// Second, bad events in the long window that amount to the tier's
		// share of the period's budget, counted in events: the burn rate
		// condition weighted by traffic. With even traffic it holds
		// whenever the burn rate does; in a quiet night hour, two failed
		// requests out of fifty do not spend 2% of a month's budget. Bad
		// events over the budget are the burn rate times the events.
		long := binary(parser.MUL, b.recorded(series.BurnRate, v, series.WindowLabel, b.window(t.Long), series.ObjectiveLabel, o.Label()),
			b.totalOver(v, t.Long), ignoring(series.ObjectiveLabel, series.WindowLabel))
		share := binary(parser.MUL, num(burnrate.Clean(t.BudgetConsumed(s.Period))), b.recorded(series.Total, v, series.WindowLabel, b.window(s.Period)), nil)
		// (ignoring drops the labels it names from a one-to-one result.)
		expr = binary(parser.LAND, expr, binary(parser.GTE, long, share, ignoring(series.WindowLabel)), ignoring(series.WindowLabel, series.ObjectiveLabel))
	}
	sev := s.Alerting.Severities[t.Severity]
	// The identity labels come with the series anyway; writing them on the
	// rule as well keeps every alerting rule's labels distinct, which
	// promtool checks, and shows in the file which tier a rule is.
	ls := maps.Clone(b.withLabels(v, series.WindowLabel, b.window(t.Long), series.ObjectiveLabel, o.Label()))
	// The SLO's labels are literal, as on its recording rules; alerting
	// labels are templates (validated by slo).
	for k, val := range s.Labels {
		ls[k] = slo.LiteralTemplate(val)
	}
	for _, m := range []map[string]string{s.Alerting.Labels, sev.Labels} {
		maps.Copy(ls, m)
	}
	ls[series.SeverityLabel] = s.Alerting.SeverityValue(t.Severity)
	as := b.annotations(o, t)
	for _, m := range []map[string]string{s.Alerting.Annotations, sev.Annotations} {
		maps.Copy(as, m)
	}
	b.rules = append(b.rules, rulefmt.Rule{
		Alert:       s.Alerting.Name,
		Expr:        b.print(expr),
		For:         model.Duration(t.For),
		Labels:      ls,
		Annotations: as,
	})
}

// Budget alerts hold with hysteresis: once at least a share of the
// budget is spent, the alert keeps firing while the spent share stays
// within budgetHysteresis of it and reached it within budgetHysteresisFor
// (at budgetHysteresisStep), so that a budget hovering at the share, as
// a steady burn at half the budget's pace keeps it at 50%, opens one
// ticket, not one a minute. A stateless expression (no ALERTS, no
// keep_firing_for), so Prometheus 2 and 3, vmalert and the backtests read
// it alike; the lookback reads the recorded share of the last 30 minutes
// and every 30m before that, 78 samples.
const (
	budgetHysteresis     = 0.05
	budgetHysteresisFor  = 24 * time.Hour
	budgetHysteresisStep = 30 * time.Minute
)

// budgetAlertRule fires while at least spent percent of the period's
// budget is spent, with hysteresis. Its value is the share spent, which
// the annotations show.
func (b *builder) budgetAlertRule(o slo.Objective, spent float64) {
	s := b.slo
	v := b.variantOf(o)
	period := s.BudgetWindow()
	remaining := func() *parser.VectorSelector {
		return b.recorded(series.BudgetRemaining, v, series.WindowLabel, period, series.ObjectiveLabel, o.Label())
	}
	share := binary(parser.SUB, num(1), remaining(), nil)
	at := burnrate.Clean(spent / 100)
	// Reached within the lookback: over its last step at every recorded
	// minute (the subquery's points are aligned to the step), before
	// that at each step.
	reachedRecently := binary(parser.LTE, call("min_over_time", rangeOf(remaining(), budgetHysteresisStep)), num(burnrate.Clean(1-at)), nil)
	reachedBefore := binary(parser.LTE, call("min_over_time", &parser.SubqueryExpr{Expr: remaining(), Range: budgetHysteresisFor, Step: budgetHysteresisStep}), num(burnrate.Clean(1-at)), nil)
	reached := binary(parser.LOR, reachedRecently, reachedBefore, nil)
	holding := binary(parser.LAND, binary(parser.GTE, share, num(burnrate.Clean(at-budgetHysteresis)), nil), reached, nil)
	expr := binary(parser.LOR, binary(parser.GTE, share, num(at), nil), holding, nil)
	budget := s.Alerting.Budget
	ls := maps.Clone(b.withLabels(v, series.WindowLabel, period, series.ObjectiveLabel, o.Label()))
	for k, val := range s.Labels {
		ls[k] = slo.LiteralTemplate(val)
	}
	for _, m := range []map[string]string{s.Alerting.Labels, s.Alerting.Severities[budget.Severity].Labels, budget.Labels} {
		maps.Copy(ls, m)
	}
	ls[series.SeverityLabel] = s.Alerting.SeverityValue(budget.Severity)
	ls[series.BudgetSpentLabel] = series.BudgetSpentValue(spent)
	objective := o.Label() + "%"
	if v.threshold > 0 {
		objective += " of events under " + v.threshold.String()
	}
	as := map[string]string{
		"summary": fmt.Sprintf("%s/%s has spent {{ humanizePercentage $value }} of its %s error budget", s.Service, s.Name, objective),
		"description": fmt.Sprintf("%s/%s has spent {{ humanizePercentage $value }} of the error budget its %s objective allows over %s, at or above the %s%% this alert is set at. "+
			"Once all of it is spent, slokit's deploy gate denies normal changes.", s.Service, s.Name, objective, period, fmtNum(spent)),
	}
	if s.Alerting.Runbook != "" {
		as[series.RunbookAnnotation] = s.Alerting.Runbook
	}
	maps.Copy(as, budget.Annotations)
	b.rules = append(b.rules, rulefmt.Rule{
		Alert:       budget.Name,
		Expr:        b.print(expr),
		Labels:      ls,
		Annotations: as,
	})
}

// annotations explain an alert to whoever is woken by it: how fast the
// budget burns, what the tier means, how much budget is left and when it
// runs out at this rate. The last two are looked up when the alert fires.
func (b *builder) annotations(o slo.Objective, t burnrate.Tier) map[string]string {
	s := b.slo
	v := b.variantOf(o)
	spent, gone := b.budgetLookups(v)
	objective := o.Label() + "%"
	if v.threshold > 0 {
		objective += " of events under " + v.threshold.String()
	}
	period := b.window(s.Period)
	description := fmt.Sprintf(
		"The error ratio of %s/%s over the last %s is {{ printf \"%%.1f\" $value }}x what its %s objective allows, and above %sx over the last %s too. "+
			"Burning at %sx spends %s%% of the %s error budget in %s. "+
			"{{ with %s | query }}{{ with first . }}{{ humanizePercentage (value .) }} of the budget is spent. {{ end }}{{ end }}"+
			"{{ with %s | query }}{{ with first . }}{{ if gt (value .) 0.0 }}At this rate it is gone in {{ humanizeDuration (value .) }}.{{ else }}The budget is exhausted.{{ end }}{{ end }}{{ end }}",
		s.Service, s.Name, b.window(t.Long), objective, fmtNum(t.Factor), b.window(t.Short),
		fmtNum(t.Factor), strconv.FormatFloat(t.BudgetConsumed(s.Period)*100, 'g', 3, 64), period, b.window(t.Long),
		spent, gone,
	)
	as := map[string]string{
		"summary":     fmt.Sprintf("%s/%s is burning its %s error budget {{ printf \"%%.1f\" $value }}x too fast (%s)", s.Service, s.Name, objective, t.Severity),
		"description": description,
	}
	if s.Alerting.Runbook != "" {
		as[series.RunbookAnnotation] = s.Alerting.Runbook
	}
	return as
}

// budgetLookups returns the template pipelines that look up, when an alert
// fires, the share of the budget spent and the time until the rest is gone
// at the alert's burn rate. The selector is filled in from the alert's own labels, so
// grouped SLOs look up their own group. They are the same for every alert
// of a variant, so they are built once.
func (b *builder) budgetLookups(v variant) (spent, gone string) {
	if l, ok := b.lookups[v]; ok {
		return l[0], l[1]
	}
	format := []string{series.ServiceLabel + "=%q", series.SLOLabel + "=%q", series.ObjectiveLabel + "=%q"}
	args := []string{"$labels." + series.ServiceLabel, "$labels." + series.SLOLabel, "$labels." + series.ObjectiveLabel}
	if v.threshold > 0 {
		format = append(format, series.ThresholdLabel+"=%q")
		args = append(args, "$labels."+series.ThresholdLabel)
	}
	for _, g := range b.slo.Grouping {
		format = append(format, g+"=%q")
		args = append(args, "$labels."+g)
	}
	remaining := series.BudgetRemaining + "{" + strings.Join(format, ",") + "}"
	spent = fmt.Sprintf("printf %q %s", "1 - "+remaining, strings.Join(args, " "))
	gone = fmt.Sprintf("printf %q %s $value", remaining+" * "+strconv.FormatFloat(b.slo.Period.Seconds(), 'f', -1, 64)+" / %f", strings.Join(args, " "))
	b.lookups[v] = [2]string{spent, gone}
	return spent, gone
}

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
