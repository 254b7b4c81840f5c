// Package series is slokit's contract with everything that reads what it
// records and exports: the names and labels of the series the generated
// rules record, the labels of the alerts they raise, and the metrics
// `slokit serve` exports. The rule generator writes these names; the
// dashboards, the budget reader, the simulator and the server read them;
// users' own queries and alert routes depend on them. They are spelled out
// here and nowhere else (a test in this package fails on a literal
// "slo:..." name anywhere else in the code), so renaming one is one change
// in one place, and a breaking change for users.
//
// The package imports nothing of slokit's, so every other package can
// import it.
package series

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Series the generated rules record. Every one carries the labels service
// and slo, the SLO's grouping labels, threshold for latency SLIs, objective
// where the value depends on the objective, and window where it is
// measured over a window (the window's length in Prometheus notation: 5m,
// 1h, 30d).
const (
	// Total counts events (requests, probe results) in a window: window
	// equal to the base window for the increments read from raw series
	// (which also carry HourParityLabel), and the long window of each
	// alert tier and the period summed from those. Other windows are
	// summed where they are divided, in BurnRate.
	Total = "slo:sli_total:increase"
	// Errors counts bad events in a window, like Total.
	Errors = "slo:sli_errors:increase"
	// HourToDateTotal counts the events recorded since the hour began.
	HourToDateTotal = "slo:sli_total:hour_to_date_increase"
	// HourToDateErrors is HourToDateTotal for bad events.
	HourToDateErrors = "slo:sli_errors:hour_to_date_increase"
	// HourlyTotal holds what windows longer than an hour add up: at an
	// hour's first evaluation, the events recorded in the hour before;
	// at the first evaluation after a monitoring gap (a restart) of up to
	// an hour, the events the raw counters counted in the last hour and
	// the base-window increments missed. Such windows sum these, add the
	// hour to date and take off the part of their oldest hour that lies
	// before the window.
	HourlyTotal = "slo:sli_total:hourly_increase"
	// HourlyErrors is HourlyTotal for bad events. Both carry the parity
	// of the UTC day they were recorded on (DayParityLabel).
	HourlyErrors = "slo:sli_errors:hourly_increase"
	// DailyTotal is, at the first evaluation of a UTC day, the hourly
	// blocks of the total recorded the day before: windows of a week or
	// more (a 30-day period) add days up from it, and only the hourly
	// blocks of their first and last days.
	DailyTotal = "slo:sli_total:daily_increase"
	// DailyErrors is DailyTotal for bad events.
	DailyErrors = "slo:sli_errors:daily_increase"
	// CalendarSlot is, for an SLO with a calendar period, the current
	// period's number modulo 3 (months or weeks since an epoch, in the
	// SLO's time zone), and LastHourSlot the same for the hour before.
	// Hourly blocks are recorded again under the slot of the hour they
	// hold (PeriodSlotLabel), so that summing a slot over the longest
	// period reads the current period's blocks only: the last period
	// with the same slot ended two periods ago.
	CalendarSlot = "slo:calendar_period:slot"
	// LocalTime is the time in the SLO's time zone, as seconds since 1970
	// on a clock that shows local time as UTC, for PromQL's date functions.
	LocalTime    = "slo:calendar_period:local_time_seconds"
	LastHourSlot = "slo:calendar_period:last_hour_slot"
	// PeriodBlockTotal is HourlyTotal recorded again with the slot of the
	// hour it holds (PeriodSlotLabel).
	PeriodBlockTotal = "slo:sli_total:period_hourly_increase"
	// PeriodBlockErrors is PeriodBlockTotal for bad events.
	PeriodBlockErrors = "slo:sli_errors:period_hourly_increase"
	// Maintenance is 1 while one of the SLO's maintenance windows (the
	// spec's, or one made through slokit serve's API, ExportedMaintenance)
	// holds, and absent otherwise. No base-window increment is recorded
	// while it is: events in a window count neither toward the SLI nor the
	// budget.
	Maintenance = "slo:maintenance:active"
	// ErrorRatio is errors / total over the period (window: the period, or
	// the calendar period's name): the traffic-weighted error ratio (a
	// ratio of sums, never a mean of ratios). Raw SLIs record it for every
	// alert window too.
	ErrorRatio = "slo:sli_error:ratio"
	// BurnRate is the error ratio per alert window divided by the
	// objective's error budget: 1 spends the budget exactly over the
	// period. The error ratio over an alert window is the burn rate
	// times the budget.
	BurnRate = "slo:error_budget:burn_rate"
	// BudgetRemaining is the fraction of the period's error budget left:
	// 1 untouched, 0 spent, negative overspent.
	BudgetRemaining = "slo:error_budget:remaining_ratio"
	// Objective is the objective as a ratio (0.999).
	Objective = "slo:objective:ratio"
	// Period is the SLO period in seconds, as slokit before 0.1.0 recorded
	// it; the period is now the PeriodLabel of the Policy series. Discovery
	// still reads it from rules generated before.
	Period = "slo:period:seconds"
	// Info is 1 for every SLO, with its service and SLO labels (team, tier,
	// ...), for joins and inventories.
	Info = "slo:info"
	// Policy is 1 for every SLO, labelled with what the deploy gate needs
	// to judge the SLO without its spec, so that slokit serve can discover
	// every SLO whose rules a backend evaluates: the error-budget policy
	// (WarnBelowLabel, FreezeOnPageLabel, AllowDuringFreezeLabel), the name
	// of the SLO's burn-rate alerts (AlertLabel), the alert window whose
	// burn rate tells when the budget runs out (ExhaustionWindowLabel), its
	// alert tiers (TiersLabel),
	// the severity values of its pages and tickets when the spec renames
	// them (PageSeverityLabel, TicketSeverityLabel), a calendar period
	// (CalendarLabel, TimeZoneLabel), and the labels its
	// state is split by (GroupingLabel). It carries no
	// labels of the spec's, so none of these names can clash with them.
	Policy = "slo:policy:info"
)

// Labels of the Policy series. List values are comma-separated.
const (
	// WarnBelowLabel is the remaining-budget ratio (0.25) under which the
	// gate warns.
	WarnBelowLabel = "warn_below"
	// FreezeOnPageLabel is "true" when a firing page freezes changes.
	FreezeOnPageLabel = "freeze_on_page"
	// AllowDuringFreezeLabel lists the changes let through a freeze
	// ("hotfix,security"); absent when none are.
	AllowDuringFreezeLabel = "allow_during_freeze"
	AlertLabel             = "alert"
	ExhaustionWindowLabel  = "exhaustion_window"
	// TiersLabel lists the SLO's alert tiers in the spec's order, each as
	// severity:long/short:factor ("page:1h/5m:14.4,ticket:3d/6h:1", the
	// windows as WindowValue writes them); absent when it has none.
	TiersLabel = "tiers"
	// GroupingLabel lists the grouping labels ("provider,region"); absent
	// for an SLO that is not grouped.
	GroupingLabel = "grouping"
	// PageSeverityLabel and TicketSeverityLabel hold the severity label
	// values of the SLO's pages and tickets ("critical", "warning");
	// absent when they are page and ticket.
	PageSeverityLabel   = "page_severity"
	TicketSeverityLabel = "ticket_severity"
	// CalendarLabel is the calendar unit ("month", "week") of an SLO whose
	// budget period is a calendar one, and TimeZoneLabel its IANA time
	// zone; both absent for a rolling period.
	CalendarLabel = "calendar"
	TimeZoneLabel = "timezone"
	// FreezesLabel lists the other services whose changes the SLO's freeze
	// holds (a journey's members, with policy.freezeMembers); absent when
	// none.
	FreezesLabel = "freezes"
	// JourneyLabel is a journey's aggregation (events, weighted, worst),
	// and MembersLabel its members, comma-separated, each service/slo with
	// "@threshold" for a latency SLO's, "*weight" for a weight other than
	// 1 and "?groups" (URL-encoded, as a query) for the groups it names:
	// "order-api/latency@500ms,payment/availability*2?provider=stripe".
	// Both absent for an SLO that is no journey. A server given no specs
	// reads the members from them, and their shares of the spending.
	JourneyLabel = "journey"
	MembersLabel = "members"
	// PeriodLabel is the budget's period as WindowValue writes it ("30d";
	// for a calendar period its nominal length, which alerting windows are
	// scaled to).
	PeriodLabel = "period"
	// RegionLabelLabel names the label that tells an SLO's regions apart
	// (regions.label), RegionsLabel lists the regions expected to report,
	// comma-separated (absent when none are named), and RegionGateLabel
	// says what a deploy to one region is judged by (both, region,
	// global). All absent for an SLO not tracked by region.
	RegionLabelLabel = "region_label"
	RegionsLabel     = "regions"
	RegionGateLabel  = "region_gate"
)

// Labels slokit puts on recorded series and alerts.
const (
	ServiceLabel   = "service"
	SLOLabel       = "slo"
	ObjectiveLabel = "objective"
	ThresholdLabel = "threshold"
	WindowLabel    = "window"
	// HourParityLabel is "0" or "1", the parity of the hour, on the
	// base-window Total and Errors.
	HourParityLabel = "hour_parity"
	// DayParityLabel is "0" or "1", the parity of the UTC day (days since
	// 1970), on the hourly blocks.
	DayParityLabel = "day_parity"
	// PeriodSlotLabel is "0", "1" or "2" on the PeriodBlock series.
	PeriodSlotLabel = "period_slot"
	SeverityLabel   = "severity"
	// BudgetSpentLabel is the share of the budget, in percent ("75"), a
	// budget alert fires at.
	BudgetSpentLabel = "budget_spent"
	// AlertNameLabel is Prometheus' own label for an alert's name.
	AlertNameLabel = model.AlertNameLabel
)

// ReservedLabels lists the labels slokit sets on its series and alerts,
// which a spec therefore cannot set. It returns a new slice each time: the
// list is part of the contract, not something a caller may change.
func ReservedLabels() []string {
	return []string{ServiceLabel, SLOLabel, ObjectiveLabel, ThresholdLabel, WindowLabel, HourParityLabel, DayParityLabel, PeriodSlotLabel, SeverityLabel, BudgetSpentLabel, AlertNameLabel, RecoveredLabel}
}

// IsReserved reports whether slokit sets the label itself.
func IsReserved(label string) bool {
	return slices.Contains(ReservedLabels(), label)
}

// RunbookAnnotation is the annotation that carries the runbook URL, under
// the name Alertmanager templates and Grafana expect.
const RunbookAnnotation = "runbook_url"

// WindowValue formats a window as the value of WindowLabel.
func WindowValue(w time.Duration) string {
	return model.Duration(w).String()
}

// ThresholdValue formats a latency threshold as the value of
// ThresholdLabel.
func ThresholdValue(d time.Duration) string {
	return d.String()
}

// BucketPattern matches the le label of a classic histogram's bucket at
// threshold, in every form exporters write the bound: 0.5, and 1 or 1.0
// (Prometheus 3 writes whole bounds as 1.0).
func BucketPattern(threshold time.Duration) string {
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

// Finite is a sample's value as slokit reads what a backend answers: ok is
// false for NaN and ±Inf, which slokit reads as no data. The everyday case
// is a ratio over a window without events (0/0 = NaN: a new service's rules
// loaded before its first request, a quiet night); a broken or hostile
// backend may answer anything. A reader keeps "no data" as such (a nil
// pointer, a missing entry), so that no NaN reaches a decision or an
// answer.
func Finite(v model.SampleValue) (float64, bool) {
	f := float64(v)
	return f, !math.IsNaN(f) && !math.IsInf(f, 0)
}

// BudgetSpentValue formats a budget alert's share, in percent, as the
// value of BudgetSpentLabel ("75", "12.5"): the rules write it and the
// Alertmanager routing matches it.
func BudgetSpentValue(percent float64) string {
	return strconv.FormatFloat(percent, 'f', -1, 64)
}

// Metrics `slokit serve` exports about itself and the state it read.
const (
	// GateDecisions counts deploy-gate decisions, by GateServiceLabel and
	// GateDecisionLabel; dashboards show its denials.
	GateDecisions     = "slokit_gate_decisions_total"
	GateServiceLabel  = "service"
	GateDecisionLabel = "decision"
	// ExportedBudgetRemaining and ExportedBurnRate are the budget state
	// the server last read, for backends that do not run slokit's rules
	// themselves (the embedded engine).
	ExportedBudgetRemaining = "slokit_slo_budget_remaining_ratio"
	// ExportedMaintenance is 1 for each maintenance window made through
	// slokit serve's API that holds now, labelled with its service (and
	// SLO, when it is for one SLO only); the rules read it.
	ExportedMaintenance = "slokit_maintenance_active"
	ExportedBurnRate    = "slokit_slo_burn_rate"
)

// Series of the two tiers of rules slokit writes for SLOs tracked with a
// Prometheus per region (generate --tier edge, --tier global).
const (
	// EdgeTotal is what a region's Prometheus records: the events of
	// each base window, read from its raw series (window: the base
	// window). It reaches the global evaluator with the region's label
	// (and an HA pair's replica label), by federation or remote write.
	EdgeTotal = "slo:sli_total:edge_increase"
	// EdgeErrors is EdgeTotal for bad events.
	EdgeErrors = "slo:sli_errors:edge_increase"
	// RecoveredLabel marks, with the value RecoveredGap, the edge
	// increment of what a monitoring gap of up to an hour missed (the
	// region's Prometheus down), recorded at its first evaluation after
	// the gap from its raw counters; the global tier adds it up with the
	// others.
	RecoveredLabel = "recovered"
	RecoveredGap   = "gap"
	// RegionReporting is, on the global evaluator, 1 for each expected
	// region whose base increments arrived in the last base window and 0
	// for one whose did not (label: the region label).
	RegionReporting = "slo:region:reporting"
)
