package grafana

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// The Grafana variables panel queries use. Tests substitute them to run the
// queries on a PromQL engine.
const (
	// DatasourceVariable names the Prometheus data source every panel
	// reads from.
	DatasourceVariable = "datasource"
	// RateInterval is Grafana's range for rate() over scraped series.
	RateInterval = "$__rate_interval"
	// RangeStart is the start of the dashboard's time range in Unix
	// seconds.
	RangeStart = "${__from:date:seconds}"
)

// matchers selects an SLO's recorded series, with the grouping variables
// applied, as the inside of a PromQL selector.
type matchers struct {
	s     *slo.SLO
	pairs []string
}

func sloMatchers(s *slo.SLO) matchers {
	m := matchers{s: s}
	return m.with(series.ServiceLabel, s.Service).with(series.SLOLabel, s.Name)
}

// grouped narrows to the groups selected in the dashboard's grouping
// variables (one per grouping label, named after it).
func (m matchers) grouped() matchers {
	for _, g := range m.s.Grouping {
		m = m.matching(g, "$"+g)
	}
	return m
}

// with adds an equality matcher.
func (m matchers) with(name, value string) matchers {
	m.pairs = append(slices.Clone(m.pairs), name+"="+strconv.Quote(value))
	return m
}

// threshold narrows to one objective's SLI: its threshold, for latency
// SLIs (SLI series carry no objective).
func (m matchers) threshold(o slo.Objective) matchers {
	if o.Threshold > 0 {
		m = m.with(series.ThresholdLabel, series.ThresholdValue(o.Threshold))
	}
	return m
}

// objective narrows to one objective's budget series: its threshold and
// its objective label.
func (m matchers) objective(o slo.Objective) matchers {
	return m.threshold(o).with(series.ObjectiveLabel, o.Label())
}

// matching adds a regular-expression matcher.
func (m matchers) matching(name, re string) matchers {
	m.pairs = append(slices.Clone(m.pairs), name+"=~"+strconv.Quote(re))
	return m
}

func (m matchers) window(w time.Duration) matchers {
	return m.with(series.WindowLabel, series.WindowValue(w))
}

// budgetWindow selects the series over the budget's period: rolling, or
// the calendar period to date.
func (m matchers) budgetWindow(s *slo.SLO) matchers {
	return m.with(series.WindowLabel, s.BudgetWindow())
}

func (m matchers) of(series string) string {
	return series + "{" + strings.Join(m.pairs, ",") + "}"
}

// errorRatio is an objective's error ratio over w, from its burn rate
// (the rules record an error ratio for the period only).
func (m matchers) errorRatio(o slo.Objective, w time.Duration) string {
	return m.objective(o).window(w).of(series.BurnRate) + " * " + strconv.FormatFloat(o.Budget(), 'g', -1, 64)
}

// errorRatios is the SLI's error ratio over w, once per threshold:
// objectives that share a threshold share their ratio.
func (m matchers) errorRatios(s *slo.SLO, w time.Duration) string {
	parts := make([]string, len(s.Objectives))
	for i, o := range s.Objectives {
		parts[i] = m.errorRatio(o, w)
	}
	return "max without (" + series.ObjectiveLabel + ") (" + strings.Join(parts, " or ") + ")"
}

// perBase is the base increments of a count as one series per group (and
// threshold), over the base window: the rules record them by the parity of
// their hour, and just after the hour turns the last hour's parity is
// still within an instant selector's reach.
func (m matchers) perBase(name string) string {
	return fmt.Sprintf("sum without (%s) (sum_over_time(%s[%s]))", series.HourParityLabel, m.window(m.s.BaseWindow).of(name), series.WindowValue(m.s.BaseWindow))
}

// legend names a series in a panel's legend: its grouping labels and what
// else tells it apart.
func legend(s *slo.SLO, extra ...string) string {
	var parts []string
	for _, l := range append(slices.Clone(s.Grouping), extra...) {
		parts = append(parts, "{{"+l+"}}")
	}
	return strings.Join(parts, " ")
}

// groupBy is the grouping labels, for sum by (...).
func groupBy(s *slo.SLO, extra ...string) string {
	return strings.Join(append(slices.Clone(s.Grouping), extra...), ", ")
}

// byGroups is an aggregation's " by (...)" clause of the SLO's grouping,
// empty when it has none.
func byGroups(s *slo.SLO) string {
	if len(s.Grouping) == 0 {
		return ""
	}
	return " by (" + groupBy(s) + ")"
}

// maxBy keeps one series per group (and extra labels): latency SLIs
// record their events once per threshold.
func maxBy(s *slo.SLO, expr string, extra ...string) string {
	if by := groupBy(s, extra...); by != "" {
		return "max by (" + by + ") (" + expr + ")"
	}
	return "max(" + expr + ")"
}

// latencyQuery is the q-quantile of the SLI's histogram, from the raw
// series: with sliceQuantile the panel queries that do not read recorded
// series, since slokit records no quantiles.
func latencyQuery(s *slo.SLO, q float64) string {
	return histogramQuantile(s, q, "rate", RateInterval)
}

// sliceQuantile is a time-slice SLI's percentile over each slice.
func sliceQuantile(s *slo.SLO) string {
	return histogramQuantile(s, s.SLI.Slices.Percentile/100, "increase", series.WindowValue(s.BaseWindow))
}

// histogramQuantile is the q-quantile of the SLI's histogram by the SLO's
// grouping, from fn (rate, increase) of its raw series over window.
func histogramQuantile(s *slo.SLO, q float64, fn, window string) string {
	quantile := strconv.FormatFloat(q, 'f', -1, 64)
	over := fmt.Sprintf("%s(%s[%s])", fn, panelSelector(s, s.SLI.Histogram), window)
	if s.SLI.NativeHistogram {
		return fmt.Sprintf("histogram_quantile(%s, sum%s (%s))", quantile, byGroups(s), over)
	}
	return fmt.Sprintf("histogram_quantile(%s, sum by (%s) (%s))", quantile, groupBy(s, "le"), over)
}

// sliceGaugeQuery is a time-slice SLI's gauge over each slice, as its
// rules aggregate it, by the SLO's grouping.
func sliceGaugeQuery(s *slo.SLO) string {
	agg := s.SLI.Slices.Aggregation
	return fmt.Sprintf("%s%s (%s_over_time(%s[%s]))", agg, byGroups(s), agg, panelSelector(s, s.SLI.Gauge), series.WindowValue(s.BaseWindow))
}

// panelSelector is a raw series selector narrowed to the dashboard's
// choice of groups (its variables).
func panelSelector(s *slo.SLO, sel *slo.Selector) string {
	vs := sel.VectorSelector()
	for _, g := range s.Grouping {
		vs.LabelMatchers = append(vs.LabelMatchers, labels.MustNewMatcher(labels.MatchRegexp, g, "$"+g))
	}
	return vs.String()
}

// MemberLabel tags each member's series in a journey's shares panel.
const MemberLabel = "member"

// memberShares is each member's share of what a journey spent, one series
// per member, tagged with MemberLabel (service/slo). What a member spent,
// from the series its rules record: in an events journey its errors over
// its own period (each group's error ratio times its events, the groups
// named added up; the window of its remaining budget tells its period),
// in a weighted one its worst group's error ratio over the journey's
// period by its weight, in a worst one that ratio. Absent while nothing
// was spent.
func memberShares(s *slo.SLO) string {
	parts := make([]string, len(s.SLI.Members))
	for i, m := range s.SLI.Members {
		mm := matchers{s: s}.with(series.ServiceLabel, m.Service).with(series.SLOLabel, m.SLO)
		if m.Threshold > 0 {
			mm = mm.with(series.ThresholdLabel, series.ThresholdValue(m.Threshold))
		}
		for _, k := range slices.Sorted(maps.Keys(m.Groups)) {
			mm = mm.with(k, m.Groups[k])
		}
		var spent string
		switch s.SLI.Aggregation {
		case slo.AggregateEvents:
			ownPeriod := fmt.Sprintf("on (%s, %s, %s) %s", series.ServiceLabel, series.SLOLabel, series.WindowLabel,
				matchers{s: s}.with(series.ServiceLabel, m.Service).with(series.SLOLabel, m.SLO).of(series.BudgetRemaining))
			spent = fmt.Sprintf("sum(%s * %s and %s)", mm.of(series.ErrorRatio), mm.of(series.Total), ownPeriod)
		case slo.AggregateWeighted:
			spent = fmt.Sprintf("%s * max(%s)", strconv.FormatFloat(m.Weight, 'g', -1, 64), mm.budgetWindow(s).of(series.ErrorRatio))
		default:
			spent = fmt.Sprintf("max(%s)", mm.budgetWindow(s).of(series.ErrorRatio))
		}
		parts[i] = fmt.Sprintf("label_replace(%s, %q, %q, \"\", \"\")", spent, MemberLabel, m.Service+"/"+m.SLO)
	}
	all := "(" + strings.Join(parts, " or ") + ")"
	return fmt.Sprintf("%s / ignoring (%s) group_left sum(%s) > -Inf", all, MemberLabel, all)
}
