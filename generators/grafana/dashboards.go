// Package grafana generates Grafana dashboards from SLO specs with the
// Grafana foundation SDK: per service, an overview of every SLO, and a
// detail dashboard per SLO. Panels read the series slokit's rules record
// (named in the series package, never here), so dashboards and rules
// always match; only latency quantiles read the SLI's raw histogram.
package grafana

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	gprom "github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/text"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"github.com/slokit/slokit/generators"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// Description starts the description of every generated dashboard, so
// that people (and slokit, cleaning up) can tell generated ones apart.
// The spec it came from follows (DescriptionFor): JSON has no comments.
const Description = generators.Description

// descriptionSource separates Description from the dashboard's spec.
const descriptionSource = " Source: "

// DescriptionFor is a generated dashboard's description: Description,
// then the spec the dashboard came from, when known.
func DescriptionFor(source string) string {
	if source == "" {
		return Description
	}
	return Description + descriptionSource + source
}

// SourceOfDescription reads DescriptionFor back: whether slokit generated
// the dashboard, and from which spec ("" when it names none).
func SourceOfDescription(description string) (source string, generated bool) {
	rest, ok := strings.CutPrefix(description, Description)
	if !ok {
		return "", false
	}
	source, _ = strings.CutPrefix(rest, descriptionSource)
	return source, true
}

// Tag marks every generated dashboard; ServiceTag(service) marks a
// service's, for the dashboards' links to each other.
const Tag = "slokit"

// ServiceTag is the tag of a service's dashboards.
func ServiceTag(service string) string { return "slokit-service:" + service }

// Colours of budget states.
const (
	green  = "green"
	yellow = "yellow"
	red    = "red"
)

var uidUnsafe = regexp.MustCompile(`[^a-zA-Z0-9-]+`)

// uid is stable across runs and unique per name: a readable prefix and a
// hash of the full names, within Grafana's 40 characters.
func uid(names ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(names, "\x00")))
	prefix := strings.Trim(uidUnsafe.ReplaceAllString(strings.ToLower(names[0]), "-"), "-")
	if len(prefix) > 20 {
		prefix = strings.TrimRight(prefix[:20], "-")
	}
	return prefix + "-" + hex.EncodeToString(sum[:])[:12]
}

// OverviewUID is the UID of a service's overview dashboard (its first
// page, when it has several).
func OverviewUID(service string) string { return uid(service, "overview") }

// OverviewPageUID is the UID of page (from 1) of a service's overview.
func OverviewPageUID(service string, page int) string {
	if page <= 1 {
		return OverviewUID(service)
	}
	return uid(service, "overview", strconv.Itoa(page))
}

// overviewRows bounds the objectives on one page of a service's overview:
// a row costs about 11 KB of JSON, so a page stays near 350 KB, under the
// 512 KiB slokit keeps every Kubernetes object to (a ConfigMap holds 1
// MiB), with room for long selectors; a service of 200 SLOs gets 7 pages.
const overviewRows = 30

// OverviewPages splits a service's SLOs into the pages of its overview,
// at most overviewRows objectives each (an SLO's objectives stay on one
// page), in spec order.
func OverviewPages(svc *slo.Service) [][]*slo.SLO {
	var pages [][]*slo.SLO
	var page []*slo.SLO
	rows := 0
	for _, s := range svc.SLOs {
		if rows > 0 && rows+len(s.Objectives) > overviewRows {
			pages, page, rows = append(pages, page), nil, 0
		}
		page = append(page, s)
		rows += len(s.Objectives)
	}
	return append(pages, page)
}

// DetailUID is the UID of an SLO's detail dashboard.
func DetailUID(s *slo.SLO) string { return uid(s.Service, "slo", s.Name) }

func datasource() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${" + DatasourceVariable + "}")}
}

func datasourceVariable() *dashboard.DatasourceVariableBuilder {
	return dashboard.NewDatasourceVariableBuilder(DatasourceVariable).Label("Data source").Type("prometheus")
}

// query is one panel query; refs are set in order (A, B, ...).
func query(ref int, expr, legendFormat string) *gprom.DataqueryBuilder {
	q := gprom.NewDataqueryBuilder().Expr(expr).RefId(string(rune('A' + ref))).Datasource(datasource())
	if legendFormat != "" {
		q = q.LegendFormat(legendFormat)
	}
	return q
}

// thresholds colour values base up to the first step, then each step's
// colour from its value on.
func thresholds(base string, steps ...dashboard.Threshold) *dashboard.ThresholdsConfigBuilder {
	t := append([]dashboard.Threshold{{Color: base}}, steps...)
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(t)
}

// from is a threshold step: color from value on.
func from(value float64, color string) dashboard.Threshold {
	return dashboard.Threshold{Value: &value, Color: color}
}

// budgetThresholds colour the remaining budget as the policy sees it: red
// when spent, yellow under the warning level, green above.
func budgetThresholds(s *slo.SLO) *dashboard.ThresholdsConfigBuilder {
	return thresholds(red, from(0, yellow), from(s.Policy.WarnBelow, green))
}

func lastValue() *common.ReduceDataOptionsBuilder {
	return common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false)
}

func objectiveTitle(s *slo.SLO, o slo.Objective) string {
	t := o.Label() + "%"
	if o.Threshold > 0 {
		t += " < " + series.ThresholdValue(o.Threshold)
	}
	return t + " " + periodName(s)
}

// periodName names the budget's period in titles: "over 30d", or "per
// calendar month" (in the zone, unless UTC).
func periodName(s *slo.SLO) string {
	if s.Calendar == nil {
		return "over " + series.WindowValue(s.Period)
	}
	name := "per calendar " + string(s.Calendar.Unit)
	if zone := s.Calendar.TimeZone(); zone != "UTC" {
		name += " (" + zone + ")"
	}
	return name
}

// periodToDate names the window of the budget in legends and titles: the
// rolling period ("30d") or the calendar one to date ("month to date").
func periodToDate(s *slo.SLO) string {
	if s.Calendar == nil {
		return series.WindowValue(s.Period)
	}
	return "the " + string(s.Calendar.Unit) + " to date"
}

// detailLink opens an SLO's detail dashboard with the same time range
// and data source.
func detailLink(s *slo.SLO) []cog.Builder[dashboard.DashboardLink] {
	return []cog.Builder[dashboard.DashboardLink]{dashboard.NewDashboardLinkBuilder("Details of " + s.Name).
		Type(dashboard.DashboardLinkTypeLink).
		Url("/d/" + DetailUID(s) + "?${__url_time_range}&${" + DatasourceVariable + ":queryparam}")}
}

// Overview is a service's dashboard: a row per SLO objective with the
// objective, the SLI over the period, the remaining budget, the burn rate
// per alert window and the firing alerts, each linking to the SLO's
// detail dashboard.
func Overview(svc *slo.Service) (dashboard.Dashboard, error) {
	return overviewPage(svc, svc.SLOs, 1, 1)
}

// overviewPage is page of pages of a service's overview, holding slos.
func overviewPage(svc *slo.Service, slos []*slo.SLO, page, pages int) (dashboard.Dashboard, error) {
	title := svc.Name + " SLOs"
	if pages > 1 {
		title += fmt.Sprintf(" (%d of %d)", page, pages)
	}
	b := dashboard.NewDashboardBuilder(title).
		Uid(OverviewPageUID(svc.Name, page)).
		Description(Description).
		Tags([]string{Tag, ServiceTag(svc.Name)}).
		Editable().
		Refresh("1m").
		Time("now-24h", "now").
		Timezone(common.TimeZoneBrowser).
		WithVariable(datasourceVariable()).
		Link(dashboard.NewDashboardLinkBuilder("SLO details").Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{ServiceTag(svc.Name)}).AsDropdown(true).KeepTime(true).IncludeVars(true))
	for _, s := range slos {
		m := sloMatchers(s)
		for _, o := range s.Objectives {
			om := m.objective(o)
			b = b.WithRow(dashboard.NewRowBuilder(s.Name + ": " + objectiveTitle(s, o)))
			b = b.WithPanel(stat.NewPanelBuilder().Title("Objective").Span(3).Height(5).
				Description(s.Description).
				Unit("percentunit").Decimals(decimals(o)).
				ReduceOptions(lastValue()).GraphMode(common.BigValueGraphModeNone).
				Thresholds(thresholds("blue")).Links(detailLink(s)).
				WithTarget(query(0, "max("+om.of(series.Objective)+")", "")))
			b = b.WithPanel(stat.NewPanelBuilder().Title("SLI over " + periodToDate(s)).Span(4).Height(5).
				Unit("percentunit").Decimals(decimals(o)).
				ReduceOptions(lastValue()).GraphMode(common.BigValueGraphModeArea).
				Thresholds(thresholds(red, from(o.Ratio(), green))).Links(detailLink(s)).
				WithTarget(query(0, "1 - "+m.threshold(o).budgetWindow(s).of(series.ErrorRatio), legend(s))))
			b = b.WithPanel(stat.NewPanelBuilder().Title("Error budget remaining").Span(4).Height(5).
				Description(fmt.Sprintf("Share of the error budget %s left. Yellow under the policy's warning level (%s), red when spent: deploys freeze.", periodName(s), percent(s.Policy.WarnBelow))).
				Unit("percentunit").Decimals(1).
				ReduceOptions(lastValue()).GraphMode(common.BigValueGraphModeArea).
				ColorMode(common.BigValueColorModeBackground).
				Thresholds(budgetThresholds(s)).Links(detailLink(s)).
				WithTarget(query(0, om.of(series.BudgetRemaining), legend(s))))
			b = b.WithPanel(stat.NewPanelBuilder().Title("Burn rate").Span(9).Height(5).
				Description("Error-budget burn rate per alert window: 1 spends the budget exactly over the period.").
				Unit("x").Decimals(2).
				ReduceOptions(lastValue()).GraphMode(common.BigValueGraphModeNone).
				TextMode(common.BigValueTextModeValueAndName).
				Thresholds(thresholds(green, from(1, yellow), from(lowestPageFactor(s), red))).Links(detailLink(s)).
				WithTarget(query(0, maxBy(s, om.of(series.BurnRate), series.WindowLabel), legend(s, series.WindowLabel))))
			b = b.WithPanel(stat.NewPanelBuilder().Title("Firing alerts").Span(4).Height(5).
				Description("Burn-rate alerts of this objective firing now.").
				ReduceOptions(lastValue()).GraphMode(common.BigValueGraphModeNone).
				ColorMode(common.BigValueColorModeBackground).
				Thresholds(thresholds(green, from(1, red))).Links(detailLink(s)).
				WithTarget(query(0, firingAlerts(s, o), "")))
		}
	}
	return build(b)
}

// firingAlerts counts the objective's firing burn-rate alerts, 0 when none.
func firingAlerts(s *slo.SLO, o slo.Objective) string {
	m := sloMatchers(s).objective(o).with("alertname", s.Alerting.Name).with("alertstate", "firing")
	return "count(" + m.of("ALERTS") + ") or vector(0)"
}

// lowestPageFactor is where burn turns red: the lowest page tier's factor,
// or the lowest tier's when the SLO only opens tickets.
func lowestPageFactor(s *slo.SLO) float64 {
	f := 0.0
	for _, t := range s.Alerting.UrgentTiers() {
		if f == 0 || t.Factor < f {
			f = t.Factor
		}
	}
	if f == 0 {
		f = 1
	}
	return f
}

// decimals shows an objective's figures to one digit past its own.
func decimals(o slo.Objective) float64 {
	label := o.Label()
	if i := strings.IndexByte(label, '.'); i >= 0 {
		return float64(len(label)-i-1) + 1
	}
	return 1
}

func percent(ratio float64) string {
	return strconv.FormatFloat(ratio*100, 'f', -1, 64) + "%"
}

// Detail is an SLO's dashboard over its period: the budget burndown
// against spending it evenly, the SLI against the objective, the burn
// rates of each alert tier with its threshold, request and error rates,
// latency quantiles for latency SLIs, the alert tiers as a table, and the
// deploy gate's deny decisions as annotations.
func Detail(s *slo.SLO) (dashboard.Dashboard, error) {
	return detail(s, OverviewUID(s.Service))
}

// detail is Detail, linking back to the overview page that lists s.
func detail(s *slo.SLO, overview string) (dashboard.Dashboard, error) {
	period := series.WindowValue(s.Period)
	rangeFrom := "now-" + period
	if s.Calendar != nil {
		// Grafana's start of the month or week, in the browser's zone.
		rangeFrom = "now/M"
		if s.Calendar.Unit == slo.CalendarWeek {
			rangeFrom = "now/w"
		}
	}
	b := dashboard.NewDashboardBuilder(s.Service+" / "+s.Name).
		Uid(DetailUID(s)).
		Description(Description).
		Tags([]string{Tag, ServiceTag(s.Service)}).
		Editable().
		Refresh("1m").
		Time(rangeFrom, "now").
		Timezone(common.TimeZoneBrowser).
		WithVariable(datasourceVariable()).
		Link(dashboard.NewDashboardLinkBuilder(s.Service + " SLOs").Type(dashboard.DashboardLinkTypeLink).
			Url("/d/" + overview + "?${__url_time_range}&${" + DatasourceVariable + ":queryparam}")).
		Annotation(dashboard.NewAnnotationQueryBuilder().Name("Deploys denied").
			Datasource(datasource()).Enable(true).IconColor(red).
			Expr(fmt.Sprintf(`increase(%s{%s=%q,%s="deny"}[2m]) > 0`, series.GateDecisions, series.GateServiceLabel, s.Service, series.GateDecisionLabel)).
			TitleFormat("Deploy gate denied a change of " + s.Service).Step("1m"))
	m := sloMatchers(s).grouped()
	// The finest window the rules record a ratio for.
	shortest := promrules.RatioWindows(s)[0]
	for _, g := range s.Grouping {
		b = b.WithVariable(dashboard.NewQueryVariableBuilder(g).Label(g).
			Datasource(datasource()).
			Query(dashboard.StringOrMap{String: cog.ToPtr(fmt.Sprintf("label_values(%s, %s)", sloMatchers(s).of(series.ErrorRatio), g))}).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Multi(true).IncludeAll(true).AllValue(".*"))
	}
	if s.Description != "" {
		b = b.Description(Description + " " + s.Description)
	}
	b = objectiveRows(b, s, m, shortest)
	if s.SLI.Kind == slo.Journey {
		b = b.WithRow(dashboard.NewRowBuilder("Members"))
		b = b.WithPanel(graph().Title("Members' shares of the spending").Span(24).Height(8).
			Description("Each member's part of what the journey spent: in an events journey its errors over its own period, in a weighted one its error ratio over the journey's period by its weight, in a worst one that ratio; stacked to 100%.").
			Unit("percentunit").Min(0).Max(1).
			Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal)).
			WithTarget(query(0, memberShares(s), "{{"+MemberLabel+"}}")))
	}
	b = trafficRow(b, s, m, shortest)
	b = b.WithRow(dashboard.NewRowBuilder("Alerting"))
	b = b.WithPanel(text.NewPanelBuilder().Title("Alert tiers").Span(24).Height(7).
		Mode(text.TextModeMarkdown).Content(tierTable(s)))
	return build(b)
}

// graph is a time series panel with its legend and a shared tooltip.
func graph() *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom)).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderNone))
}

// build finishes a dashboard, numbering its panels: Grafana keys panel
// state and links on the id.
func build(b *dashboard.DashboardBuilder) (dashboard.Dashboard, error) {
	d, err := b.Build()
	if err != nil {
		return d, err
	}
	id := uint32(0)
	for _, p := range d.Panels {
		id++
		switch {
		case p.Panel != nil:
			own := id
			p.Panel.Id = &own
		case p.RowPanel != nil:
			p.RowPanel.Id = id
		}
	}
	return d, nil
}

func capitalized(w string) string {
	if w == "" {
		return w
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

func thresholdLegend(s *slo.SLO) []string {
	if s.SLI.Kind == slo.Latency {
		return []string{series.ThresholdLabel}
	}
	return nil
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// tierTable lists the SLO's burn-rate alerts in Markdown.
func tierTable(s *slo.SLO) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Alert `%s`, each objective on its own. Both windows must burn faster than the factor; the long window must also hold enough events.\n\n", s.Alerting.Name)
	b.WriteString("| severity | long window | short window | burn rate above | budget spent at that rate over the long window |\n|---|---|---|---|---|\n")
	for _, t := range s.Alerting.Tiers {
		fmt.Fprintf(&b, "| %s | %s | %s | %sx | %s |\n", t.Severity, series.WindowValue(t.Long), series.WindowValue(t.Short),
			strconv.FormatFloat(t.Factor, 'f', -1, 64), percent(t.BudgetConsumed(s.Period)))
	}
	if s.Alerting.Runbook != "" {
		fmt.Fprintf(&b, "\nRunbook: %s\n", s.Alerting.Runbook)
	}
	return b.String()
}

// objectiveRows add a row per objective: its budget burndown, its SLI
// against the objective, and a burn-rate panel per alert tier.
func objectiveRows(b *dashboard.DashboardBuilder, s *slo.SLO, m matchers, shortest time.Duration) *dashboard.DashboardBuilder {
	period := series.WindowValue(s.Period)
	for _, o := range s.Objectives {
		om := m.objective(o)
		sm := m.threshold(o)
		b = b.WithRow(dashboard.NewRowBuilder("Objective " + objectiveTitle(s, o)))
		b = b.WithPanel(graph().Title("Error budget burndown").Span(12).Height(8).
			Description(fmt.Sprintf("Share of the error budget %s left over time, against spending it evenly from the start of the range (with the range at %s, the line reaches 0 now).", periodName(s), period)).
			Unit("percentunit").Min(-0.5).Max(1).
			Thresholds(budgetThresholds(s)).ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed)).
			WithTarget(query(0, om.of(series.BudgetRemaining), strings.TrimSpace("remaining "+legend(s)))).
			WithTarget(query(1, fmt.Sprintf("clamp_min(vector(1 - (time() - %s) / %s), 0)", RangeStart, seconds(s.Period)), "spent evenly")))
		b = b.WithPanel(graph().Title("SLI against the objective").Span(12).Height(8).
			Unit("percentunit").Decimals(decimals(o)).
			WithTarget(query(0, "1 - "+m.errorRatio(o, shortest), strings.TrimSpace("SLI over "+series.WindowValue(shortest)+" "+legend(s)))).
			WithTarget(query(1, "1 - "+sm.budgetWindow(s).of(series.ErrorRatio), strings.TrimSpace("SLI over "+periodToDate(s)+" "+legend(s)))).
			WithTarget(query(2, "max("+om.of(series.Objective)+")", "objective")))
		for _, t := range s.Alerting.Tiers {
			windows := series.WindowValue(t.Long) + "|" + series.WindowValue(t.Short)
			b = b.WithPanel(graph().
				Title(fmt.Sprintf("%s burn rate over %s and %s (fires above %sx)", capitalized(string(t.Severity)), series.WindowValue(t.Long), series.WindowValue(t.Short), strconv.FormatFloat(t.Factor, 'f', -1, 64))).
				Span(24 / uint32(min(len(s.Alerting.Tiers), 4))).Height(7).
				Unit("x").Min(0).
				Thresholds(thresholds(green, from(t.Factor, red))).ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeLine)).
				WithTarget(query(0, om.matching(series.WindowLabel, windows).of(series.BurnRate), legend(s, series.WindowLabel))))
		}
	}
	return b
}

// trafficRow adds the traffic row: events and bad events (but for raw
// SLIs, which record none), the error ratio, and a latency SLI's quantiles.
func trafficRow(b *dashboard.DashboardBuilder, s *slo.SLO, m matchers, shortest time.Duration) *dashboard.DashboardBuilder {
	base := series.WindowValue(s.BaseWindow)
	perSecond := seconds(s.BaseWindow)
	b = b.WithRow(dashboard.NewRowBuilder("Traffic"))
	// Raw SLIs record an error ratio, no event counts.
	ratioWidth := uint32(24)
	ratioTitle := "Error ratio"
	switch {
	case s.SLI.Kind == slo.Timeslices:
		ratioWidth, ratioTitle = 12, "Bad-slice ratio"
		b = b.WithPanel(graph().Title("Slices judged and bad slices").Span(12).Height(8).
			Description(fmt.Sprintf("Each %s slice the rules judge (%s) counts 1, a bad one 1 bad (a ratio without a target: its share of bad events); a slice without data counts as the SLO's policy says.", base, s.SLI.Slices)).
			Unit("short").Min(0).
			WithTarget(query(0, maxBy(s, m.perBase(series.Total)), strings.TrimSpace("slices "+legend(s)))).
			WithTarget(query(1, m.perBase(series.Errors), strings.TrimSpace("bad "+legend(s)))))
	case !s.SLI.ReadsRatios():
		ratioWidth = 12
		b = b.WithPanel(graph().Title("Events and bad events per second").Span(12).Height(8).
			Description(fmt.Sprintf("From the per-%s increments the rules record. Latency SLIs count slow requests as bad, per threshold.", base)).
			Unit("reqps").Min(0).
			WithTarget(query(0, fmt.Sprintf("%s / %s", maxBy(s, m.perBase(series.Total)), perSecond), strings.TrimSpace("events "+legend(s)))).
			WithTarget(query(1, fmt.Sprintf("%s / %s", m.perBase(series.Errors), perSecond), strings.TrimSpace("bad "+legend(s, thresholdLegend(s)...)))))
	}
	b = b.WithPanel(graph().Title(ratioTitle).Span(ratioWidth).Height(8).
		Unit("percentunit").Min(0).
		WithTarget(query(0, m.errorRatios(s, shortest), strings.TrimSpace("over "+series.WindowValue(shortest)+" "+legend(s, thresholdLegend(s)...)))))
	if s.SLI.Kind == slo.Latency {
		lat := graph().Title("Latency").Span(24).Height(8).
			Description("Quantiles of the SLI's histogram at each objective, read from the raw series; the dashed lines are the thresholds.").
			Unit("s").Min(0).
			ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed))
		var steps []dashboard.Threshold
		for i, o := range s.Objectives {
			lat = lat.WithTarget(query(i, latencyQuery(s, o.Ratio()), strings.TrimSpace("p"+o.Label()+" "+legend(s))))
			steps = append(steps, from(o.Threshold.Seconds(), red))
		}
		b = b.WithPanel(lat.Thresholds(thresholds(green, steps...)))
	}
	if s.SLI.Kind == slo.Timeslices {
		b = slicePanel(b, s)
	}
	return b
}

// slicePanel shows what a time-slice SLI judges each slice by, read from
// the raw series over each slice, against its bound (dashed): a
// percentile's latency, a gauge's value. A ratio's share shows as the
// bad-slice ratio's cause in the error ratio of its own SLO, if any.
func slicePanel(b *dashboard.DashboardBuilder, s *slo.SLO) *dashboard.DashboardBuilder {
	sl := s.SLI.Slices
	slice := series.WindowValue(s.BaseWindow)
	p := graph().Span(24).Height(8).Min(0).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed))
	switch sl.Condition {
	case slo.SlicePercentile:
		name := "p" + sl.PercentileLabel()
		return b.WithPanel(p.Title(name + " per slice").Unit("s").
			Description(fmt.Sprintf("The SLI's histogram's %s over each %s slice, read from the raw series; a slice above the dashed threshold is bad.", name, slice)).
			WithTarget(query(0, sliceQuantile(s), strings.TrimSpace(name+" "+legend(s)))).
			Thresholds(thresholds(green, from(sl.Threshold.Seconds(), red))))
	case slo.SliceGauge:
		return b.WithPanel(p.Title(sl.Aggregation + " per slice").Unit("short").
			Description(fmt.Sprintf("The gauge's %s over each %s slice, read from the raw series; the dashed line is the bound.", sl.Aggregation, slice)).
			WithTarget(query(0, sliceGaugeQuery(s), strings.TrimSpace(sl.Aggregation+" "+legend(s)))).
			Thresholds(thresholds(green, from(sl.Bound, red))))
	}
	return b
}
