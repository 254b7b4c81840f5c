package promrules

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

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
	if minEvents := s.MinEventsFor(t, o); !s.SLI.ReadsRatios() && minEvents > 0 {
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
		// A group can lack a grouping label (the global group of an SLO
		// tracked by region lacks the region): vmalert's $labels gives nil
		// for it, which printf would write as %!q(<nil>).
		format = append(format, g+"=%q")
		args = append(args, `(or $labels.`+g+` "")`)
	}
	remaining := series.BudgetRemaining + "{" + strings.Join(format, ",") + "}"
	spent = fmt.Sprintf("printf %q %s", "1 - "+remaining, strings.Join(args, " "))
	gone = fmt.Sprintf("printf %q %s $value", remaining+" * "+strconv.FormatFloat(b.slo.Period.Seconds(), 'f', -1, 64)+" / %f", strings.Join(args, " "))
	b.lookups[v] = [2]string{spent, gone}
	return spent, gone
}
