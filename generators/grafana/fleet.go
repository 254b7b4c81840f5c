package grafana

import (
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	gprom "github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"

	"github.com/slokit/slokit/series"
)

// The fleet's dashboards read every SLO whose rules a data source
// evaluates, through variables (team, service, SLO), as teams use Sloth's
// community dashboards: one "SLO overview" of every service, and one "SLO
// detail" for whichever SLO is picked. They read only recorded series (and
// ALERTS), so they cost what the per-service dashboards cost, and they
// hold nothing of any spec: every run writes them the same, whichever
// specs it was given, and cleaning up never removes them.
const (
	FleetOverviewUID = "slokit-slo-overview"
	FleetDetailUID   = "slokit-slo-detail"
	// fleetFile prefixes the fleet's files: a + is in no service's name,
	// so no service's dashboard shares their file.
	fleetFile = "slokit+"
)

// FleetFileNames are the fleet dashboards' JSON files, and the YAML file
// of their Kubernetes objects.
func FleetFileNames() (overview, detail, objects string) {
	return fleetFile + "overview.json", fleetFile + "detail.json", fleetFile + "fleet.yaml"
}

// TeamLabel is the spec label the fleet's team variable reads from
// slo:info.
const TeamLabel = "team"

// fleetVariable is a variable listing a label's values on slo:info (or on
// another series), narrowed by the variables before it.
func fleetVariable(name, label, of string, multi bool) *dashboard.QueryVariableBuilder {
	v := dashboard.NewQueryVariableBuilder(name).Label(label).
		Datasource(datasource()).
		Query(dashboard.StringOrMap{String: cog.ToPtr(fmt.Sprintf("label_values(%s, %s)", of, name))}).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc)
	if multi {
		v = v.Multi(true).IncludeAll(true).AllValue(".*")
	}
	return v
}

// fleetSelector selects a series of the SLOs the variables pick; every
// matcher is a regular expression, since "All" is .* (which also matches
// a team label an SLO does not have).
func fleetSelector(name string, extra ...string) string {
	m := append([]string{
		series.ServiceLabel + `=~"$service"`,
		series.SLOLabel + `=~"$slo"`,
	}, extra...)
	return name + "{" + strings.Join(m, ",") + "}"
}

// ofTeam narrows expr (an SLO's series) to the teams picked, and adds the
// team label: slokit's series carry the SLO's identity, slo:info its spec's
// labels.
func ofTeam(expr string) string {
	info := fmt.Sprintf(`max by (%s, %s, %s) (%s)`, series.ServiceLabel, series.SLOLabel, TeamLabel, fleetSelector(series.Info, TeamLabel+`=~"$team"`))
	return fmt.Sprintf("%s * on (%s, %s) group_left (%s) %s", expr, series.ServiceLabel, series.SLOLabel, TeamLabel, info)
}

// tableQuery is an instant query answered as a table.
func tableQuery(ref int, expr string) *gprom.DataqueryBuilder {
	return query(ref, expr, "").Instant().Format(gprom.PromQueryFormatTable)
}

// fleetDashboard starts a fleet dashboard. Its description is
// Description alone: the mark of a generated dashboard that names no spec,
// which cleaning up leaves alone.
func fleetDashboard(title, uid string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(Description).
		Tags([]string{Tag}).
		Editable().
		Refresh("1m").
		Time("now-24h", "now").
		Timezone(common.TimeZoneBrowser).
		WithVariable(datasourceVariable())
}

// FleetOverview is the "SLO overview" dashboard: how many objectives the
// teams, services and SLOs picked have, how many have spent their budget
// and how many alerts fire, and every objective's budget left, worst
// first, each row opening the SLO detail dashboard.
func FleetOverview() (dashboard.Dashboard, error) {
	remaining := ofTeam(fleetSelector(series.BudgetRemaining))
	b := fleetDashboard("SLO overview", FleetOverviewUID).
		WithVariable(fleetVariable(TeamLabel, "Team", series.Info, true)).
		WithVariable(fleetVariable(series.ServiceLabel, "Service", series.Info+`{`+TeamLabel+`=~"$team"}`, true)).
		WithVariable(fleetVariable(series.SLOLabel, "SLO", series.Info+`{`+TeamLabel+`=~"$team",`+series.ServiceLabel+`=~"$service"}`, true)).
		Link(dashboard.NewDashboardLinkBuilder("SLO detail").Type(dashboard.DashboardLinkTypeLink).
			Url("/d/" + FleetDetailUID + "?${__url_time_range}&${" + DatasourceVariable + ":queryparam}"))
	b = b.WithPanel(stat.NewPanelBuilder().Title("Objectives").Span(6).Height(5).
		Description("The objectives of every SLO whose slokit rules the data source evaluates, of the teams (the team label of the specs), services and SLOs picked; a grouped SLO's once per group.").
		ReduceOptions(lastValue()).GraphMode(common.BigValueGraphModeNone).
		Thresholds(thresholds("blue")).
		WithTarget(query(0, "count("+remaining+") or vector(0)", "")))
	b = b.WithPanel(countStat("Budget spent", "Objectives whose error budget for the period is spent: their services' deploys freeze.",
		"("+remaining+") <= 0", red))
	b = b.WithPanel(countStat("Budget under 25%", "Objectives with less than a quarter of their error budget left, spent ones included.",
		"("+remaining+") < 0.25", yellow))
	b = b.WithPanel(countStat("Firing SLO alerts", "Burn-rate and budget alerts of the SLOs shown firing now.", firing(), red))
	b = b.WithPanel(table.NewPanelBuilder().Title("Error budget left, worst first").Span(24).Height(12).
		Description("Every objective's share of its period's error budget left now. Select a row to open the SLO detail dashboard on it.").
		Unit("percentunit").Decimals(1).
		Thresholds(thresholds(red, from(0, yellow), from(0.25, green))).
		CellOptions(common.TableCellOptions{TableColoredBackgroundCellOptions: &common.TableColoredBackgroundCellOptions{Type: "color-background"}}).
		DataLinks([]cog.Builder[dashboard.DashboardLink]{dashboard.NewDashboardLinkBuilder("Open ${__data.fields.service} / ${__data.fields.slo}").
			Url("/d/" + FleetDetailUID + "?var-service=${__data.fields.service}&var-slo=${__data.fields.slo}&${__url_time_range}&${" + DatasourceVariable + ":queryparam}")}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true, "__name__": true},
			"renameByName":  map[string]string{"Value": "budget left"},
		}}).
		WithTarget(tableQuery(0, "sort("+remaining+")")))
	b = b.WithPanel(graph().Title("Error budget left: the ten lowest").Span(24).Height(9).
		Description("The ten objectives with the least budget left at each time.").
		Unit("percentunit").Min(-0.5).Max(1).
		Thresholds(thresholds(red, from(0, yellow), from(0.25, green))).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed)).
		WithTarget(query(0, "bottomk(10, "+remaining+")", "{{service}} / {{slo}} {{objective}}%")))
	return build(b)
}

// countStat is a stat of how many series expr has, green at none and
// color from one on.
func countStat(title, description, expr, color string) *stat.PanelBuilder {
	return stat.NewPanelBuilder().Title(title).Span(6).Height(5).
		Description(description).
		ReduceOptions(lastValue()).GraphMode(common.BigValueGraphModeArea).
		ColorMode(common.BigValueColorModeBackground).
		Thresholds(thresholds(green, from(1, color))).
		WithTarget(query(0, "count("+expr+") or vector(0)", ""))
}

// firing selects the firing alerts of the SLOs picked: slokit's alerts
// carry the SLO's identity and its spec's labels.
func firing() string {
	return `ALERTS{alertstate="firing",` + series.SLOLabel + `!="",` + series.ServiceLabel + `=~"$service",` + series.SLOLabel + `=~"$slo",` + TeamLabel + `=~"$team"}`
}

// FleetDetail is the "SLO detail" dashboard of the SLO picked: its budget
// left now and over time, its SLI over the period, its burn rate per alert
// window on a log scale, its policy and alert tiers as slo:policy:info
// records them, its firing alerts, and the deploy gate's deny decisions as
// annotations.
func FleetDetail() (dashboard.Dashboard, error) {
	objective := series.ObjectiveLabel + `=~"$objective"`
	remaining := fleetSelector(series.BudgetRemaining, objective)
	join := fmt.Sprintf("on (%s, %s, %s, %s) group_left ()", series.ServiceLabel, series.SLOLabel, series.ObjectiveLabel, series.ThresholdLabel)
	b := fleetDashboard("SLO detail", FleetDetailUID).
		WithVariable(fleetVariable(series.ServiceLabel, "Service", series.Info, false)).
		WithVariable(fleetVariable(series.SLOLabel, "SLO", series.Info+`{`+series.ServiceLabel+`=~"$service"}`, false)).
		WithVariable(fleetVariable(series.ObjectiveLabel, "Objective", fleetSelector(series.Objective), true)).
		Link(dashboard.NewDashboardLinkBuilder("SLO overview").Type(dashboard.DashboardLinkTypeLink).
			Url("/d/" + FleetOverviewUID + "?${__url_time_range}&${" + DatasourceVariable + ":queryparam}")).
		Annotation(dashboard.NewAnnotationQueryBuilder().Name("Deploys denied").
			Datasource(datasource()).Enable(true).IconColor(red).
			Expr(fmt.Sprintf(`increase(%s{%s=~"$service",%s="deny"}[2m]) > 0`, series.GateDecisions, series.GateServiceLabel, series.GateDecisionLabel)).
			TitleFormat("Deploy gate denied a change of {{" + series.GateServiceLabel + "}}").Step("1m"))
	b = b.WithRow(dashboard.NewRowBuilder("Budget"))
	b = b.WithPanel(stat.NewPanelBuilder().Title("Error budget left").Span(8).Height(6).
		Description("The SLO picked by its service and name, of those whose slokit rules the data source evaluates: its share of the period's error budget left, per objective (and group). Red when spent: deploys freeze.").
		Unit("percentunit").Decimals(1).
		ReduceOptions(lastValue()).GraphMode(common.BigValueGraphModeArea).
		ColorMode(common.BigValueColorModeBackground).
		Thresholds(thresholds(red, from(0, yellow), from(0.25, green))).
		WithTarget(query(0, remaining, "")))
	b = b.WithPanel(stat.NewPanelBuilder().Title("Objective").Span(4).Height(6).
		Unit("percentunit").Decimals(3).
		ReduceOptions(lastValue()).GraphMode(common.BigValueGraphModeNone).
		Thresholds(thresholds("blue")).
		WithTarget(query(0, fleetSelector(series.Objective, objective), "{{threshold}}")))
	b = b.WithPanel(stat.NewPanelBuilder().Title("Firing alerts").Span(4).Height(6).
		ReduceOptions(lastValue()).GraphMode(common.BigValueGraphModeNone).
		ColorMode(common.BigValueColorModeBackground).
		Thresholds(thresholds(green, from(1, red))).
		WithTarget(query(0, `count(ALERTS{alertstate="firing",`+series.ServiceLabel+`=~"$service",`+series.SLOLabel+`=~"$slo"}) or vector(0)`, "")))
	b = b.WithPanel(table.NewPanelBuilder().Title("Policy and alert tiers").Span(8).Height(6).
		Description("As the rules record them on " + series.Policy + ": the period, the level under which the gate warns, whether a page freezes deploys, and the tiers as severity:long/short:factor.").
		WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true, "Value": true, "__name__": true, series.ServiceLabel: true, series.SLOLabel: true},
		}}).
		WithTarget(tableQuery(0, fleetSelector(series.Policy))))
	b = b.WithPanel(graph().Title("Error budget burndown").Span(12).Height(8).
		Description("Share of the period's error budget left over time.").
		Unit("percentunit").Min(-0.5).Max(1).
		Thresholds(thresholds(red, from(0, yellow), from(0.25, green))).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed)).
		WithTarget(query(0, remaining, "")))
	// The SLI over the period from what the rules record for every SLO
	// alike: the budget spent times the error budget is the period's
	// error ratio.
	b = b.WithPanel(graph().Title("SLI over the period").Span(12).Height(8).
		Unit("percentunit").Decimals(3).
		WithTarget(query(0, fmt.Sprintf("1 - (1 - %s) * %s (1 - %s)", remaining, join, fleetSelector(series.Objective, objective)), "SLI")).
		WithTarget(query(1, fleetSelector(series.Objective, objective), "objective {{objective}}% {{threshold}}")))
	b = b.WithRow(dashboard.NewRowBuilder("Burn rate"))
	b = b.WithPanel(graph().Title("Burn rate per alert window (log scale)").Span(24).Height(9).
		Description("Error-budget burn rate per alert window: 1 spends the budget exactly over the period; each tier fires while both its windows burn above its factor (see the tiers above).").
		Unit("x").
		ScaleDistribution(common.NewScaleDistributionConfigBuilder().Type(common.ScaleDistributionLog).Log(10)).
		WithTarget(query(0, fleetSelector(series.BurnRate, objective), "{{window}} {{objective}}%")))
	return build(b)
}
