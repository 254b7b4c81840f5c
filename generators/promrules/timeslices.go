package promrules

import (
	"math/big"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// sliceIncrements are a time-slice SLI's base increments: the slice that
// just ended, one per base window, as one event (none for a slice without
// data that is skipped) and one bad event when the slice is bad (for a
// ratio without a target, the share of its events that were bad). From
// them on, windows, budgets and alerts sum slices as they sum requests.
//
// Counters are read as deltas between their latest samples and those a
// slice before, not with increase(): the deltas of successive slices add
// up to the counters' growth exactly, each scrape counting in the slice
// it falls in, where increase() over a slice leaves out the growth before
// its first sample and extrapolates the rest.
func (b *builder) sliceIncrements() (total, errs parser.Expr) {
	s := b.slo
	sl := s.SLI.Slices
	g := s.Grouping
	slice := s.BaseWindow
	var events func() parser.Expr // per group, the slice's events
	var judged parser.Expr
	switch sl.Condition {
	case slo.SlicePercentile:
		events, judged = b.slicePercentile(slice)
	case slo.SliceRatio:
		events, judged = b.sliceRatio(slice)
	case slo.SliceGauge:
		return b.sliceGauge(slice)
	}
	// A slice has data when it has events; judged holds only those slices.
	judged = binary(parser.LAND, judged, binary(parser.GTR, events(), num(0), nil), on(g...))
	var fallback parser.Expr = binary(parser.MUL, events(), num(0), nil) // good or skipped: no bad event
	if sl.NoData == slo.NoDataBad {
		fallback = cmpBool(parser.EQLC, events(), num(0))
	}
	errs = binary(parser.LOR, judged, fallback, on(g...))
	total = cmpBool(parser.GTE, events(), num(0))
	if sl.NoData == slo.NoDataSkip {
		total = cmpBool(parser.GTR, events(), num(0))
	}
	return b.withoutSeries(total, errs)
}

// slicePercentile judges a slice bad when fewer than the percentile's share
// of its events were at most the threshold: p99 <= 500ms holds exactly
// when 99% of the requests took at most 500ms. A classic histogram's
// bucket counts compare exactly (integers scaled by the percentile's
// decimal fraction, 99.9 as 999/1000); a native histogram's share is
// histogram_fraction's estimate.
func (b *builder) slicePercentile(slice time.Duration) (events func() parser.Expr, bad parser.Expr) {
	s := b.slo
	sl := s.SLI.Slices
	if s.SLI.NativeHistogram {
		hist := func() parser.Expr {
			return b.rawSum(call("increase", rangeOf(s.SLI.Histogram.VectorSelector(), slice)))
		}
		share := call("histogram_fraction", num(0), num(sl.Threshold.Seconds()), hist())
		least, _ := sl.GoodShare().Float64()
		return func() parser.Expr { return call("histogram_count", hist()) }, cmpBool(parser.LSS, share, num(least))
	}
	all := func() parser.Expr { return b.counterDelta(s.SLI.Histogram, slice, false, eq("le", "+Inf")) }
	fast := b.counterDelta(s.SLI.Histogram, slice, false, labels.MustNewMatcher(labels.MatchRegexp, "le", series.BucketPattern(sl.Threshold)))
	f := sl.GoodShare()
	// fast/all < num/den, as den*fast < num*all.
	return all, cmpBoolOn(parser.LSS, scaled(f.Denom(), fast), scaled(f.Num(), all()), s.Grouping)
}

// sliceRatio judges a slice bad when its share of bad events exceeds what
// the target leaves; without a target, a slice counts as its share of bad
// events.
func (b *builder) sliceRatio(slice time.Duration) (events func() parser.Expr, bad parser.Expr) {
	s := b.slo
	g := s.Grouping
	total := func() parser.Expr { return b.counterDelta(s.SLI.Total, slice, false) }
	var errs parser.Expr
	if s.SLI.Errors != nil {
		// No failed request, no error series: none bad.
		errs = binary(parser.LOR, b.counterDelta(s.SLI.Errors, slice, false), binary(parser.MUL, total(), num(0), nil), on(g...))
	} else {
		good := binary(parser.LOR, b.counterDelta(s.SLI.Good, slice, false), binary(parser.MUL, total(), num(0), nil), on(g...))
		errs = call("clamp_min", binary(parser.SUB, total(), good, on(g...)), num(0))
	}
	f := s.SLI.Slices.GoodShare()
	if f == nil {
		return total, binary(parser.DIV, errs, total(), on(g...))
	}
	// errs/total > 1 - num/den, as den*errs > (den-num)*total.
	allowed := new(big.Int).Sub(f.Denom(), f.Num())
	return total, cmpBoolOn(parser.GTR, scaled(f.Denom(), errs), scaled(allowed, total()), g)
}

// sliceGauge judges a slice by the gauge's value over it: its samples, of
// every series of a group, averaged (or their least or greatest), at most
// or at least the bound. A slice without samples has no value: a group
// without any is unknown, so only an ungrouped SLO counts it (as the
// policy for slices without data says).
func (b *builder) sliceGauge(slice time.Duration) (total, errs parser.Expr) {
	s := b.slo
	sl := s.SLI.Slices
	agg := map[string]parser.ItemType{"avg": parser.AVG, "min": parser.MIN, "max": parser.MAX}[sl.Aggregation]
	// A range 1ms short of the slice holds each sample in one slice, in
	// Prometheus 2 and 3 alike (as a bool gauge's base increments).
	value := func() parser.Expr {
		return b.rawAggregate(agg, call(sl.Aggregation+"_over_time", rangeOf(s.SLI.Gauge.VectorSelector(), slice-time.Millisecond)))
	}
	op := parser.ItemType(parser.LSS)
	if sl.UpperBound {
		op = parser.GTR
	}
	total = binary(parser.ADD, binary(parser.MUL, value(), num(0), nil), num(1), nil)
	return b.withoutSeries(total, cmpBool(op, value(), num(sl.Bound)))
}

// withoutSeries completes an ungrouped SLO's slice counts for a slice in
// which its series are absent altogether: a slice without data, counted
// as the policy says. A grouped SLO cannot tell which groups are missing.
func (b *builder) withoutSeries(total, errs parser.Expr) (parser.Expr, parser.Expr) {
	s := b.slo
	if len(s.Grouping) > 0 || s.SLI.Slices.NoData == slo.NoDataSkip {
		return total, errs
	}
	bad := 0.0
	if s.SLI.Slices.NoData == slo.NoDataBad {
		bad = 1
	}
	return binary(parser.LOR, total, call("vector", num(1)), nil), binary(parser.LOR, errs, call("vector", num(bad)), nil)
}

// cmpBool is lhs op bool rhs: 1 where it holds, 0 where not.
func cmpBool(op parser.ItemType, lhs, rhs parser.Expr) parser.Expr {
	e := binary(op, lhs, rhs, nil)
	e.ReturnBool = true
	return e
}

// cmpBoolOn is lhs op bool on(g) rhs.
func cmpBoolOn(op parser.ItemType, lhs, rhs parser.Expr, g []string) parser.Expr {
	e := binary(op, lhs, rhs, on(g...))
	e.ReturnBool = true
	return e
}

// scaled is k * e, or e when k is 1.
func scaled(k *big.Int, e parser.Expr) parser.Expr {
	if k.IsInt64() && k.Int64() == 1 {
		return e
	}
	f, _ := new(big.Float).SetInt(k).Float64()
	return binary(parser.MUL, num(f), e, nil)
}
