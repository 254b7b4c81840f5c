package slo

// The types in this file mirror the YAML shape of a slokit.dev/v1 spec, and
// nothing else: they exist so that decoding can be strict and positional.
// They are converted into the domain model (model.go) by one function,
// convert, and no other package sees them.
//
// Each field's doc comment is its row in the spec reference, docs/spec.md,
// which go test ./slo -update writes; a field without one fails the test.
// A comment's "Required." and "Default: X." sentences fill those columns.

import (
	"github.com/slokit/slokit/internal/strictyaml"
	"github.com/slokit/slokit/slo/importer"
)

// APIVersion is the only native spec version this release reads. The
// native header is spelled out with the importers, which write it.
const APIVersion = importer.NativeAPIVersion

// Kind is the document kind of a native spec.
const Kind = importer.NativeKind

type specDocument struct {
	// The spec format: slokit.dev/v1. Required.
	APIVersion string `yaml:"apiVersion"`
	// The document kind: ServiceLevels. Required.
	Kind string `yaml:"kind"`
	// The service's name, at most 100 characters of letters, digits, ".", "_"
	// and "-"; it names the output files. Required.
	Service string `yaml:"service"`
	// Labels of every SLO of the service (team, tier, ...): on slo:info and on
	// every alert.
	Labels map[string]string `yaml:"labels"`
	// How often the SLIs' series are scraped; a base window must hold at least
	// two scrapes. Default: 30s.
	ScrapeInterval *strictyaml.Duration `yaml:"scrapeInterval"`
	// The resolution at which the rules read raw series, and their evaluation
	// interval. Default: 1m.
	BaseWindow *strictyaml.Duration `yaml:"baseWindow"`
	// The error-budget policy of every SLO of the service, for the deploy
	// gate.
	Policy *specPolicy `yaml:"policy"`
	// Planned maintenance windows of every SLO of the service: their events
	// count neither toward the SLIs nor the budgets.
	Maintenance []specMaintenance `yaml:"maintenance"`
	// How the service's SLOs are tracked over regions, each with its own
	// Prometheus: generate --tier edge writes what each region evaluates,
	// --tier global a budget per region and one over all of them.
	Regions *specRegions `yaml:"regions"`
	// The service's SLOs. Required.
	SLOs []specSLO `yaml:"slos"`
}

type specRegions struct {
	// The label that names the region on every series a region sends (an
	// external label of its Prometheus, or one vmagent adds). Default: region.
	Label string `yaml:"label"`
	// The regions that must report: one that sends nothing is counted as
	// missing data (slo:region:reporting), not as a region without traffic.
	Expected []string `yaml:"expected"`
	// The label that tells the Prometheus servers of a region's HA pair
	// apart; a region's series count once whatever its value. Default:
	// prometheus_replica.
	ReplicaLabel string `yaml:"replicaLabel"`
	// What the deploy gate judges a deploy to one region by (?region=):
	// both (that region's budget and the global one), region or global.
	// Default: both.
	Gate string `yaml:"gate"`
}

type specMaintenance struct {
	// A one-off window's start, RFC 3339 ("2026-12-24T02:00:00Z"); with end,
	// instead of weekly.
	Start string `yaml:"start"`
	// A one-off window's end, at most a week after its start.
	End string `yaml:"end"`
	// A window that comes back every week, instead of start and end.
	Weekly *specWeekly `yaml:"weekly"`
	// Why the window exists, for whoever reads the rules. Required.
	Reason string `yaml:"reason"`
}

type specWeekly struct {
	// The day of the week the window starts, in English (sunday). Required.
	Day string `yaml:"day"`
	// The local time it starts, HH:MM. Required.
	Start string `yaml:"start"`
	// How long it lasts: above 0 and under 24h. Required.
	Duration *strictyaml.Duration `yaml:"duration"`
	// The IANA time zone of day and start; windows follow its summer time
	// changes. Default: UTC.
	TimeZone string `yaml:"timezone"`
}

type specSLO struct {
	// The SLO's name, unique in the service, at most 100 characters of
	// letters, digits, ".", "_" and "-". Required.
	Name string `yaml:"name"`
	// Free text, in the dashboards and the alerts.
	Description string `yaml:"description"`
	// The objective in percent, strictly between 0 and 100 (99.9, not 0.999).
	// This or objectives is required.
	Objective *float64 `yaml:"objective"`
	// Several objectives, each with its own budget and alerts; for latency
	// SLIs, each with its threshold. This or objective is required.
	Objectives []specObjective `yaml:"objectives"`
	// The rolling period the budget is counted over, at least 1d in whole
	// hours; or calendar-month, or calendar-week from Monday. Default: 30d.
	Period *string `yaml:"period"`
	// The IANA time zone of a calendar period (Europe/Berlin); whole-hour
	// offsets only. Default: UTC.
	TimeZone string `yaml:"timezone"`
	// Labels of this SLO, over the service's.
	Labels map[string]string `yaml:"labels"`
	// Labels of the raw series to keep: one SLO, one budget and one set of
	// alerts per value (per payment provider, say).
	Grouping []string `yaml:"grouping"`
	// Raw series' labels read under another name, to group by a label slokit
	// sets itself: {service: exported_service} with grouping
	// [exported_service].
	RenameLabels map[string]string `yaml:"renameLabels"`
	// Overrides the service's scrapeInterval.
	ScrapeInterval *strictyaml.Duration `yaml:"scrapeInterval"`
	// Overrides the service's baseWindow.
	BaseWindow *strictyaml.Duration `yaml:"baseWindow"`
	// What counts as a good and a bad event: exactly one kind. Required.
	SLI *specSLI `yaml:"sli"`
	// Alert names, routing labels, the burn-rate tiers and budget alerts.
	// Default: the SRE Workbook's four tiers.
	Alerting *specAlerting `yaml:"alerting"`
	// The SLO's error-budget policy, over the service's.
	Policy *specPolicy `yaml:"policy"`
	// The SLO's own maintenance windows, besides the service's (50 in all at
	// most).
	Maintenance []specMaintenance `yaml:"maintenance"`
	// The SLOs this one depends on (a journey on its members, a service on
	// a database's): while one of them pages, this SLO's pages are held
	// back in Alertmanager (generate --format alertmanager), since the cause
	// is paging already.
	DependsOn []specDependency `yaml:"dependsOn"`
}

type specDependency struct {
	// The service of the SLO depended on. Required.
	Service string `yaml:"service"`
	// The SLO depended on. Required.
	SLO string `yaml:"slo"`
}

type specPolicy struct {
	// The share of the budget left, in percent, under which the gate warns.
	// Default: 25.
	WarnBelow *float64 `yaml:"warnBelow"`
	// Deny changes while a page-level burn-rate alert fires. Default: true.
	FreezeOnPage *bool `yaml:"freezeOnPage"`
	// Kinds of change (hotfix, security) that pass a freeze; rollbacks always
	// pass. Default: [hotfix, security].
	AllowDuringFreeze []string `yaml:"allowDuringFreeze"`
	// A journey's freeze holds its members' services too: out of budget, or
	// paging, it lets every team on the path ship only what the policy lets
	// through a freeze; each member's own policy still applies. Journeys
	// only. Default: false.
	FreezeMembers *bool `yaml:"freezeMembers"`
}

type specObjective struct {
	// The objective in percent, strictly between 0 and 100. Required.
	Objective *float64 `yaml:"objective"`
	// A latency SLI's threshold for this objective (500ms): a classic
	// histogram's bucket bound.
	Threshold *strictyaml.Duration `yaml:"threshold"`
}

type specSLI struct {
	// Counters of bad (or good) events and of all events.
	Ratio *specRatio `yaml:"ratio"`
	// A histogram: events slower than the threshold are bad.
	Latency *specLatency `yaml:"latency"`
	// A 0/1 gauge such as probe_success: every sample is an event, 0 a bad
	// one.
	BoolGauge *specBoolGauge `yaml:"boolGauge"`
	// Your own error-ratio expression, evaluated over every window on the raw
	// series: no grouping, no traffic guard, the cost of other tools' rules.
	Raw *specRaw `yaml:"raw"`
	// A user journey over other SLOs (of this repo or another team's): their
	// events as their rules record them, added up; no raw series is read
	// again.
	Journey *specJourney `yaml:"journey"`
	// Slices of time instead of events: each slice is good or bad by a
	// condition on it (p99 under 500ms in that minute), and the objective
	// is the share of good slices.
	Timeslices *specTimeslices `yaml:"timeslices"`
	// Datadog metric queries of good and all events: Datadog measures the
	// SLO (generate --format datadog writes its SLO and burn-rate
	// monitors), and the commands that read Prometheus leave it out.
	Datadog *specDatadog `yaml:"datadog"`
}

type specDatadog struct {
	// The Datadog metric query of good events, a metric SLO's numerator:
	// sum:trace.http.request.hits{service:web}.as_count() -
	// sum:trace.http.request.errors{service:web}.as_count(). Required.
	Good string `yaml:"good"`
	// The Datadog metric query of all events, the denominator:
	// sum:trace.http.request.hits{service:web}.as_count(). Required.
	Total string `yaml:"total"`
}

type specTimeslices struct {
	// The length of a slice, a whole number of minutes that divides an
	// hour; it is the SLO's base window and the rules' evaluation interval.
	// Default: 1m.
	Slice *strictyaml.Duration `yaml:"slice"`
	// What a slice without data counts as: good, bad, or skip (not counted
	// at all). Default: skip.
	NoData string `yaml:"noData"`
	// Good while a percentile of a histogram over the slice is at most a
	// threshold: this, gauge or ratio.
	Percentile *specSlicePercentile `yaml:"percentile"`
	// Good while a gauge over the slice is within a bound: this, percentile
	// or ratio.
	Gauge *specSliceGauge `yaml:"gauge"`
	// Good while the slice's share of good events reaches a target, or
	// without a target each slice counts as its share of good events:
	// this, percentile or gauge.
	Ratio *specSliceRatio `yaml:"ratio"`
}

type specSlicePercentile struct {
	// Series selector of the histogram: a classic histogram's _bucket series,
	// or a native histogram by its name. Required.
	Histogram string `yaml:"histogram"`
	// Read a native histogram with histogram_fraction. Default: false.
	NativeHistogram bool `yaml:"nativeHistogram"`
	// The percentile, above 0 and below 100 (99 for p99). Required.
	Percentile *float64 `yaml:"percentile"`
	// The latency the percentile must not exceed (500ms); for a classic
	// histogram one of the buckets' bounds. Required.
	Threshold *strictyaml.Duration `yaml:"threshold"`
}

type specSliceGauge struct {
	// Series selector of the gauge. Required.
	Selector string `yaml:"selector"`
	// How the slice's samples, of every series of a group, make its value:
	// avg, min or max. Default: avg.
	Aggregation string `yaml:"aggregation"`
	// The slice is good while its value is at most this: this or min.
	Max *float64 `yaml:"max"`
	// The slice is good while its value is at least this: this or max.
	Min *float64 `yaml:"min"`
}

type specSliceRatio struct {
	// Series selector of the bad events' counters; this or good.
	Errors string `yaml:"errors"`
	// Series selector of the good events' counters; this or errors.
	Good string `yaml:"good"`
	// Series selector of all events' counters. Required.
	Total string `yaml:"total"`
	// The share of good events, in percent, that makes a slice good (99).
	// Without it, each slice counts as its share of good events (OpenSLO's
	// RatioTimeslices): every slice weighs the same whatever its traffic.
	Target *float64 `yaml:"target"`
}

type specJourney struct {
	// How the members make up the journey: events adds up their good and
	// total events (members that count the same requests along one path);
	// weighted takes the mean of their error ratios by weight (members that
	// count different things); worst takes the member with the least budget
	// left. Default: events.
	Aggregation string `yaml:"aggregation"`
	// The member SLOs, 50 at most. Required.
	Members []specJourneyMember `yaml:"members"`
}

type specJourneyMember struct {
	// The member's service. Required.
	Service string `yaml:"service"`
	// The member SLO's name. Required.
	SLO string `yaml:"slo"`
	// For a latency SLO, the threshold whose events count (one of its
	// objectives'). Required for latency members.
	Threshold *strictyaml.Duration `yaml:"threshold"`
	// For a grouped SLO, the groups whose events count, by grouping label;
	// every group without (weighted and worst read the worst group's ratio).
	Groups map[string]string `yaml:"groups"`
	// The member's weight in a weighted journey, above 0. Default: 1.
	Weight *float64 `yaml:"weight"`
}

type specRatio struct {
	// Series selector of the bad events' counters; this or good.
	Errors string `yaml:"errors"`
	// Series selector of the good events' counters; this or errors.
	Good string `yaml:"good"`
	// Series selector of all events' counters. Required.
	Total string `yaml:"total"`
}

type specLatency struct {
	// Series selector of the histogram: a classic histogram's _bucket series,
	// or a native histogram by its name. Required.
	Histogram string `yaml:"histogram"`
	// The latency threshold of a single objective, one of the buckets' bounds;
	// with objectives, each objective's threshold instead.
	Threshold *strictyaml.Duration `yaml:"threshold"`
	// Read a native histogram with histogram_fraction (Prometheus only).
	// Default: false.
	NativeHistogram bool `yaml:"nativeHistogram"`
}

type specBoolGauge struct {
	// Series selector of the 0/1 gauge. Required.
	Selector string `yaml:"selector"`
}

type specRaw struct {
	// A PromQL expression of the error ratio, with $window where each window
	// goes. Required.
	ErrorRatio string `yaml:"errorRatio"`
}

type specAlerting struct {
	// The burn-rate alerts' alertname. Default: SLOErrorBudgetBurn.
	Name string `yaml:"name"`
	// The runbook_url annotation of every alert of the SLO.
	Runbook string `yaml:"runbook"`
	// The minimum-traffic guard: events a tier's long window must hold before
	// it fires; 0 turns the guard off. Default: 100, or more where one failed
	// request could fire a tier.
	MinEvents *float64 `yaml:"minEvents"`
	// Labels on every alert of the SLO.
	Labels map[string]string `yaml:"labels"`
	// Annotations on every alert of the SLO.
	Annotations map[string]string `yaml:"annotations"`
	// The page severity's value, labels and annotations, or disabled.
	Page *specSeverity `yaml:"page"`
	// The ticket severity's value, labels and annotations, or disabled.
	Ticket *specSeverity `yaml:"ticket"`
	// Burn-rate tiers replacing the default four (14.4x 1h/5m and 6x 6h/30m
	// pages, 3x 1d/2h and 1x 3d/6h tickets, for 30 days).
	Tiers []specTier `yaml:"tiers"`
	// Alerts on the share of the period's budget spent, whatever the burn
	// rate. Default: none.
	Budget *specBudgetAlerts `yaml:"budget"`
}

type specBudgetAlerts struct {
	// Shares of the period's budget spent, in percent and rising, each its own
	// alert (50, 75, 100). Required.
	Spent []float64 `yaml:"spent"`
	// Whose severity value, labels and routing the alerts take: page or
	// ticket. Default: ticket.
	Severity string `yaml:"severity"`
	// The budget alerts' alertname. Default: SLOErrorBudgetSpent.
	Name string `yaml:"name"`
	// Labels on the budget alerts.
	Labels map[string]string `yaml:"labels"`
	// Annotations on the budget alerts.
	Annotations map[string]string `yaml:"annotations"`
}

type specSeverity struct {
	// Drop every tier of this severity. Default: false.
	Disabled bool `yaml:"disabled"`
	// The severity label's value, such as critical or warning, to match your
	// routes; page and ticket must differ. Default: page or ticket.
	Severity string `yaml:"severity"`
	// Labels on this severity's alerts (priority: P0).
	Labels map[string]string `yaml:"labels"`
	// Annotations on this severity's alerts.
	Annotations map[string]string `yaml:"annotations"`
}

type specTier struct {
	// page or ticket. Required.
	Severity string `yaml:"severity"`
	// The burn rate, a multiple of the budget's even pace, at which the tier
	// fires. Required.
	Factor *float64 `yaml:"factor"`
	// The long window, summable from the base window (whole hours from 12h).
	// Required.
	Long *strictyaml.Duration `yaml:"long"`
	// The short window, shorter than the long one. Required.
	Short *strictyaml.Duration `yaml:"short"`
	// How long both windows must burn before the alert fires. Default: 0s.
	For *strictyaml.Duration `yaml:"for"`
}
