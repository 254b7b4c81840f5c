package promrules

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// rawDeltas returns the expressions for total and bad events over the last
// span as the raw counters tell them, from their latest samples and those
// a span before (a counter that restarted counts from zero, a new one in
// full), or nils for SLIs whose raw series cannot tell.
func (b *builder) rawDeltas(v variant, span time.Duration) (total, errs parser.Expr) {
	s := b.slo
	if b.tier == TierGlobal {
		return nil, nil
	}
	g := s.Grouping
	delta := func(sel *slo.Selector, extra ...*labels.Matcher) parser.Expr {
		return b.counterDelta(sel, span, true, extra...)
	}
	// No bad event, no error series: zero, labelled as the total's hour
	// to date is (read once, where the raw series would be read again).
	orZero := func(e parser.Expr) parser.Expr {
		zero := parser.Expr(b.recorded(series.HourToDateTotal, v))
		if b.tier == TierEdge {
			// No hour to date on the edge: this evaluation's increment.
			zero = sumWithout(call("sum_over_time", rangeOf(b.baseSeries(v, totalCount), s.BaseWindow/2)), series.WindowLabel)
		}
		return binary(parser.LOR, e, binary(parser.MUL, num(0), zero, nil), on(g...))
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
		good := delta(s.SLI.Histogram, labels.MustNewMatcher(labels.MatchRegexp, "le", series.BucketPattern(v.threshold)))
		return total, minus(total, good)
	}
	return nil, nil
}

// counterDelta sums, by the SLO's grouping, how much the counters sel
// selects (with extra matchers) grew over the last span: from their latest
// samples and those a span before, a counter that restarted counting from
// zero. Successive spans' deltas add up to the counters' growth exactly:
// each scrape's increment falls in one span. A counter without a sample a
// span before (new, or back after a gap longer than the lookback) counts
// in full when newInFull, else not at all: what it holds may have grown
// over much more than the span.
func (b *builder) counterDelta(sel *slo.Selector, span time.Duration, newInFull bool, extra ...*labels.Matcher) parser.Expr {
	selector := func(offset time.Duration) *parser.VectorSelector {
		vs := sel.VectorSelector()
		vs.LabelMatchers = append(vs.LabelMatchers, extra...)
		vs.OriginalOffset = offset
		return vs
	}
	grown := binary(parser.GTE, binary(parser.SUB, selector(0), selector(span), nil), num(0), nil)
	var restarted parser.Expr = selector(0)
	if !newInFull {
		restarted = binary(parser.LAND, selector(0), selector(span), nil)
	}
	return b.rawSum(binary(parser.LOR, grown, restarted, nil))
}

// rawSum sums what the raw series give by the SLO's grouping, each label
// of RenameLabels read first under its grouping name (label_replace), so
// that a label slokit sets itself, such as service, can group an SLO.
// Only rules that read raw series call it: recorded series carry the
// grouping names.
func (b *builder) rawSum(e parser.Expr) parser.Expr {
	return b.rawAggregate(parser.SUM, e)
}

// rawAggregate is rawSum with another aggregation (avg, min, max).
func (b *builder) rawAggregate(op parser.ItemType, e parser.Expr) parser.Expr {
	renames := b.slo.RenameLabels
	for _, raw := range slices.Sorted(maps.Keys(renames)) {
		e = call("label_replace", e, &parser.StringLiteral{Val: renames[raw]}, &parser.StringLiteral{Val: "$1"},
			&parser.StringLiteral{Val: raw}, &parser.StringLiteral{Val: "(.*)"})
	}
	return &parser.AggregateExpr{Op: op, Expr: e, Grouping: b.slo.Grouping}
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
	if b.tier == TierGlobal && s.SLI.Kind != slo.Journey {
		return b.regionIncrements(v, series.EdgeTotal), zeroIfAbsent(b.regionIncrements(v, series.EdgeErrors))
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
		good := increase(s.SLI.Histogram, labels.MustNewMatcher(labels.MatchRegexp, "le", series.BucketPattern(v.threshold)))
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
	case slo.Journey:
		return b.journeyIncrements(series.Total), zeroIfAbsent(b.journeyIncrements(series.Errors))
	case slo.Timeslices:
		return b.sliceIncrements()
	}
	panic(fmt.Sprintf("prometheus: SLI kind %v has no base increments", s.SLI.Kind))
}

// journeyRatio is a weighted or worst journey's error ratio over w, from
// what its members' rules record: over the period, their error ratio; over
// an alert window, their burn rate times the budget of its objective (the
// objective's series gives it, so another team's SLO needs no spec here).
// A member's ratio is its worst group's. Weighted takes the members' mean
// by weight; worst, the highest. Absent while a member records nothing
// over w: a journey of members it cannot read is not judged healthy.
func (b *builder) journeyRatio(w time.Duration) parser.Expr {
	s := b.slo
	ratios := make([]parser.Expr, len(s.SLI.Members))
	for i, m := range s.SLI.Members {
		var r parser.Expr
		if w == s.Period {
			r = b.member(m, series.ErrorRatio, true, eq(series.WindowLabel, s.BudgetWindow()))
		} else {
			// The objective's series carries no group.
			budget := binary(parser.SUB, num(1), b.member(m, series.Objective, false), nil)
			r = binary(parser.MUL, b.member(m, series.BurnRate, true, eq(series.WindowLabel, b.window(w))), budget,
				onGroupLeft(series.ServiceLabel, series.SLOLabel, series.ObjectiveLabel, series.ThresholdLabel))
		}
		ratios[i] = &parser.AggregateExpr{Op: parser.MAX, Expr: r}
	}
	if s.SLI.Aggregation == slo.AggregateWorst {
		tagged := make([]parser.Expr, len(ratios))
		for i, r := range ratios {
			// Each its own label, or "or" would keep the first alone.
			tagged[i] = call("label_replace", r, &parser.StringLiteral{Val: "member"}, &parser.StringLiteral{Val: strconv.Itoa(i)},
				&parser.StringLiteral{Val: ""}, &parser.StringLiteral{Val: ""})
		}
		return &parser.AggregateExpr{Op: parser.MAX, Expr: union(tagged)}
	}
	var sum parser.Expr
	weights := 0.0
	for i, r := range ratios {
		weight := s.SLI.Members[i].Weight
		weights += weight
		term := r
		if weight != 1 {
			term = binary(parser.MUL, num(weight), r, nil)
		}
		if sum == nil {
			sum = term
		} else {
			sum = binary(parser.ADD, sum, term, nil)
		}
	}
	return binary(parser.DIV, sum, num(weights), nil)
}

// journeyIncrements adds up one count of a journey's members per base
// window, from the base increments their own rules record (in any rule
// group: another team's file, another evaluation phase), never from raw
// series. A member's increment is read a half base window late, over a
// range 1ms short of a base window: exactly one increment of a member
// that records one a base window (two of one that records every half),
// whatever the two groups' phases, and one its group has written by then.
// Absent while no member has recorded anything.
func (b *builder) journeyIncrements(name string) parser.Expr {
	s := b.slo
	reads := make([]parser.Expr, len(s.SLI.Members))
	for i, m := range s.SLI.Members {
		// Only the base increments carry the parity of their hour.
		vs := b.member(m, name, true, labels.MustNewMatcher(labels.MatchNotEqual, series.HourParityLabel, ""))
		vs.OriginalOffset = s.BaseWindow / 2
		reads[i] = call("sum_over_time", rangeOf(vs, s.BaseWindow-time.Millisecond))
	}
	return sumBy(nil, union(reads))
}

// member selects a journey member's recorded series as memberSelector
// does. On the global tier it leaves out the series of a member's
// regions: the member's group without a region label holds them all.
func (b *builder) member(m slo.JourneyMember, name string, groups bool, extra ...*labels.Matcher) *parser.VectorSelector {
	vs := memberSelector(m, name, groups, extra...)
	if b.tier == TierGlobal {
		vs.LabelMatchers = append(vs.LabelMatchers, eq(b.slo.RegionsOrDefault().Label, ""))
	}
	return vs
}

// memberSelector selects a journey member's recorded series name: its
// service, SLO and threshold, with its groups when the series carries
// them, and extra matchers.
func memberSelector(m slo.JourneyMember, name string, groups bool, extra ...*labels.Matcher) *parser.VectorSelector {
	ms := []*labels.Matcher{eq(labels.MetricName, name), eq(series.ServiceLabel, m.Service), eq(series.SLOLabel, m.SLO)}
	if m.Threshold > 0 {
		ms = append(ms, eq(series.ThresholdLabel, series.ThresholdValue(m.Threshold)))
	}
	if groups {
		for _, k := range slices.Sorted(maps.Keys(m.Groups)) {
			ms = append(ms, eq(k, m.Groups[k]))
		}
	}
	return &parser.VectorSelector{Name: name, LabelMatchers: append(ms, extra...)}
}

// union is es joined by "or".
func union(es []parser.Expr) parser.Expr {
	u := es[0]
	for _, e := range es[1:] {
		u = binary(parser.LOR, u, e, nil)
	}
	return u
}
