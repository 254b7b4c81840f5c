package promrules

import (
	"fmt"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

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
