package promrules

import (
	"slices"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

func (b *builder) sliRules(v variant) {
	s := b.slo
	if s.SLI.ReadsRatios() {
		for _, w := range b.ratioWindows() {
			expr := strings.ReplaceAll(s.SLI.ErrorRatio, slo.WindowPlaceholder, b.window(w))
			if s.SLI.Kind == slo.Journey {
				expr = b.print(b.journeyRatio(w))
			}
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
	if b.slo.SLI.ReadsRatios() {
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
	if b.tier == TierEdge {
		// The edge's own increments, not what it recovered after a gap.
		return b.recorded(n.edge, v, series.WindowLabel, b.window(b.slo.BaseWindow), series.RecoveredLabel, "")
	}
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
	if b.tier == TierGlobal {
		// A region gone dark sends no increment: its hour to date holds
		// one for as long, not only at the hour's first evaluation, which
		// is the one that just recorded it.
		first = binary(parser.LAND, first, b.overBase("count_over_time", v, n, step/2), on(g...))
	}
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
