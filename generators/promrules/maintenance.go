package promrules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

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
