// Package slo is slokit's SLO model: the internal representation every
// generator and the budget service work from, and the loader that turns
// specs into it with strict, positional validation. Load and Parse read
// native slokit.dev/v1 specs and, through the importer package beside
// this one, Sloth, Pyrra and OpenSLO specs, which are translated into
// native documents first and then checked the same way. Parsing is
// separate from file I/O (Parse vs ParseFile), so the same checks serve
// the CLI, tests and fuzzing.
package slo

import (
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/diag"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo/schema"
)

// Diagnostic is one problem found in a spec, with its file, line, column
// and field path.
type Diagnostic = diag.Diagnostic

// Diagnostics is an ordered list of problems found in specs.
type Diagnostics = diag.Diagnostics

// Service is one service and the SLOs its team keeps for it.
type Service struct {
	Name   string
	Labels map[string]string // e.g. team, tier: carried onto every SLO
	SLOs   []*SLO
	File   string // where the spec came from; empty when parsed from bytes
}

// SLO is one service level objective after validation and defaulting: every
// field a generator needs is set, so generators never re-derive defaults.
type SLO struct {
	Service     string
	Name        string
	Description string
	// Labels are the service's labels overlaid with the SLO's own.
	Labels map[string]string
	// Period is the budget's rolling period, or for a calendar period its
	// nominal length (CalendarMonth: 30 days), which alerting windows are
	// scaled to.
	Period time.Duration
	// Calendar, when set, aligns the budget's period to the calendar.
	Calendar *Calendar
	// ScrapeInterval is how often the SLI's raw series are scraped; it
	// bounds how short BaseWindow may be.
	ScrapeInterval time.Duration
	// BaseWindow is the resolution at which raw series are read, and the
	// evaluation interval of the SLO's rules.
	BaseWindow time.Duration
	// Grouping are the labels the SLO is tracked by, as the recorded
	// series carry them.
	Grouping []string
	// RenameLabels maps a raw series' label to the grouping label it is
	// read as: a label slokit sets itself (service, slo, ...) can still
	// group an SLO, under another name. Only the rules that read raw
	// series rename.
	RenameLabels map[string]string
	SLI          SLI
	Objectives   []Objective
	Alerting     Alerting
	Policy       Policy
	// Maintenance are the service's and the SLO's planned maintenance
	// windows.
	Maintenance []MaintenanceWindow
	// Regions, when the service names them, say how the SLO is tracked
	// with a Prometheus per region (RegionsOrDefault).
	Regions *Regions
	// DependsOn are the SLOs this one depends on: while one of them pages,
	// this one's pages are held back.
	DependsOn []Dependency
}

// Dependency is an SLO depended on, by its service and name, with where
// the spec names it (for what is found wrong once every spec is read).
type Dependency struct {
	Service, SLO string
	Path         string
	Line, Column int
}

// RawLabel is the raw series' name of a grouping label.
func (s *SLO) RawLabel(grouping string) string {
	for raw, renamed := range s.RenameLabels {
		if renamed == grouping {
			return raw
		}
	}
	return grouping
}

// BudgetWindow is the window label of the budget's period: its rolling
// length ("30d"), or the calendar unit ("month").
func (s *SLO) BudgetWindow() string {
	if s.Calendar != nil {
		return string(s.Calendar.Unit)
	}
	return series.WindowValue(s.Period)
}

// PeriodLength is the length of the budget's period that holds t: the
// rolling period, or the calendar month or week (28 to 31 days, and a
// daylight-saving change's hour more or less).
func (s *SLO) PeriodLength(t time.Time) time.Duration {
	if s.Calendar != nil {
		return s.Calendar.End(t).Sub(s.Calendar.Start(t))
	}
	return s.Period
}

// Change is the kind of change a deploy gate is asked about.
type Change string

// The kinds of change the error-budget policy tells apart.
const (
	NormalChange   Change = "normal"
	RollbackChange Change = "rollback" // always allowed: it undoes a change
	HotfixChange   Change = "hotfix"   // a fix for the problem burning the budget
	SecurityChange Change = "security"
)

// Changes lists the kinds of change, for validation and help; a new slice
// each time.
func Changes() []Change { return []Change{NormalChange, RollbackChange, HotfixChange, SecurityChange} }

// Policy is an SLO's error-budget policy: when the deploy gate warns and
// when it freezes changes. The defaults follow the SRE Workbook's example
// policy: freeze when the budget is spent or a page-level burn alert fires,
// let fixes through, always let rollbacks through.
type Policy struct {
	// WarnBelow is the remaining-budget ratio under which changes are let
	// through with a warning.
	WarnBelow float64
	// FreezeOnPage freezes normal changes while a page-level burn alert
	// of the SLO fires, not only once the budget is spent.
	FreezeOnPage bool
	// AllowDuringFreeze are the changes let through while the SLO freezes
	// changes. Rollbacks are let through whatever it says.
	AllowDuringFreeze []Change
	// Freezes are the other services whose changes the SLO's freeze holds
	// too: a journey's members', when its policy says freezeMembers.
	Freezes []string
}

// DefaultPolicy is the policy of an SLO whose spec sets none. Each call
// returns a policy of its own: every SLO holds its own list of changes
// allowed during a freeze, which no other SLO's can change.
func DefaultPolicy() Policy {
	return Policy{WarnBelow: 0.25, FreezeOnPage: true, AllowDuringFreeze: []Change{HotfixChange, SecurityChange}}
}

// SLIKind says how good and bad events are counted.
type SLIKind int

// The SLI kinds a spec can declare.
const (
	Ratio      SLIKind = iota + 1 // counters of errors (or good) and total events
	Latency                       // histogram: events faster than a threshold are good
	BoolGauge                     // 0/1 gauge such as probe_success: each sample is an event
	Raw                           // user-written error-ratio expression with $window
	Journey                       // other SLOs' events, read from what their rules record
	Timeslices                    // slices of time, each good or bad by a condition on it
	Datadog                       // Datadog metric queries, measured by Datadog
)

func (k SLIKind) String() string {
	switch k {
	case Ratio:
		return "ratio"
	case Latency:
		return "latency"
	case BoolGauge:
		return "boolGauge"
	case Raw:
		return "raw"
	case Journey:
		return "journey"
	case Timeslices:
		return "timeslices"
	case Datadog:
		return "datadog"
	}
	return "unknown"
}

// SLI is what an SLO measures. Which fields are set depends on Kind.
type SLI struct {
	Kind SLIKind
	// Ratio: Total and exactly one of Errors and Good.
	Errors, Good, Total *Selector
	// Latency: a classic histogram's _bucket series (or a native
	// histogram's series); the thresholds are on the objectives.
	Histogram       *Selector
	NativeHistogram bool
	// BoolGauge: the 0/1 gauge.
	Gauge *Selector
	// Raw: an error-ratio expression in which $window stands for the
	// range of every window slokit evaluates it over.
	ErrorRatio string
	// Journey: the member SLOs whose events the journey adds up, and how
	// (AggregateEvents).
	Aggregation string
	Members     []JourneyMember
	// Timeslices: how each slice (of the SLO's BaseWindow) is judged.
	Slices *Slices
	// Datadog: the metric queries Datadog measures the SLO by.
	Datadog *DatadogQueries
}

// DatadogQueries are a Datadog SLI's metric queries, as Datadog's metric
// SLOs take them, with where the SLI is in its spec: the commands that
// read Prometheus point there when they refuse it.
type DatadogQueries struct {
	Good, Total  string
	Path         string
	Line, Column int
}

// Slices is how a time-slice SLI judges each slice of time. A slice is one
// base window, as the rules' evaluations cut time: its rules count one
// event per slice (none for a slice without data that is skipped) and one
// bad event per bad slice, so windows, budgets and alerts sum slices as
// they sum requests. The series it reads are the SLI's: Histogram (and
// NativeHistogram) for a percentile, Gauge for a gauge, Errors or Good and
// Total for a ratio.
type Slices struct {
	NoData    NoData
	Condition SliceCondition
	// Percentile: the percentile (99 for p99) that must be at most
	// Threshold.
	Percentile float64
	Threshold  time.Duration
	// Gauge: how a slice's samples make its value, and the bound: at most
	// Bound when UpperBound, else at least.
	Aggregation string
	Bound       float64
	UpperBound  bool
	// Ratio: the share of good events, in percent, a good slice reaches;
	// zero when each slice counts as its share of good events instead.
	Target float64
}

// GoodShare is the share of a slice's events that must be good, as an
// exact fraction: the percentile's (p99: 99/100) or the ratio's target
// (99.9: 999/1000); nil for a gauge and a ratio without a target. It is
// computed in decimal from the percentage as written, so that the rules
// and the simulator compare integers (100*good < 99*all), never a
// binary fraction's rounding.
func (sl *Slices) GoodShare() *big.Rat {
	var percent float64
	switch sl.Condition {
	case SlicePercentile:
		percent = sl.Percentile
	case SliceRatio:
		percent = sl.Target
	}
	if percent == 0 {
		return nil
	}
	r, ok := new(big.Rat).SetString(fmtFloat(percent))
	if !ok {
		return nil
	}
	return r.Quo(r, big.NewRat(100, 1))
}

// PercentileLabel is the percentile as written, for names: "99.9".
func (sl *Slices) PercentileLabel() string { return fmtFloat(sl.Percentile) }

// SliceCondition is what a time-slice SLI judges each slice by.
type SliceCondition string

// The conditions a slice can be judged by.
const (
	SlicePercentile SliceCondition = "percentile"
	SliceGauge      SliceCondition = "gauge"
	SliceRatio      SliceCondition = "ratio"
)

// NoData is what a slice without data counts as.
type NoData string

// The policies for slices without data. Skip leaves them out: neither
// good nor bad, as if the time did not pass.
const (
	NoDataGood NoData = "good"
	NoDataBad  NoData = "bad"
	NoDataSkip NoData = "skip"
)

// NoDataPolicies lists the policies, for errors and docs.
func NoDataPolicies() []string {
	return []string{string(NoDataGood), string(NoDataBad), string(NoDataSkip)}
}

// SliceAggregations are how a gauge's samples in a slice make its value.
func SliceAggregations() []string { return []string{"avg", "min", "max"} }

// Journey aggregations. Events adds up the members' good and total events:
// for members that count the same thing (the requests of one user path).
// Weighted takes the mean of the members' error ratios by their weights
// (OpenSLO's compositeWeight): for members that count different things.
// Worst takes the member with the highest error ratio, the least budget
// left: for a chain as strong as its weakest link.
const (
	AggregateEvents   = "events"
	AggregateWeighted = "weighted"
	AggregateWorst    = "worst"
)

// Aggregations lists the journey aggregations, for errors and docs.
func Aggregations() []string { return []string{AggregateEvents, AggregateWeighted, AggregateWorst} }

// ReadsRatios reports whether the SLI gives error ratios per window rather
// than events: a raw SLI, and a journey weighted or by its worst member.
// Such an SLI has no events to sum over a calendar period, to leave out
// in a maintenance window or to guard alerts on.
func (sli SLI) ReadsRatios() bool {
	return sli.Kind == Raw || sli.Kind == Journey && sli.Aggregation != AggregateEvents
}

// ratiosOnly names what gives only ratios, in errors.
func (sli SLI) ratiosOnly() string {
	if sli.Kind == Raw {
		return "raw SLIs"
	}
	return sli.Aggregation + " journeys"
}

// SpendingShares turns what each of a journey's members spent into its
// share of the journey's spending, from 0 to 1. spent[i] is member i's
// errors for a journey that counts events, its error ratio for one that
// ReadsRatios (nil when it has no figure); a weighted journey weighs the
// ratios, as its rules do. Every share is nil while a member has no
// figure, or nothing was spent: a part of an unknown whole would mislead.
func (sli SLI) SpendingShares(spent []*float64) []*float64 {
	shares := make([]*float64, len(spent))
	weighted := make([]float64, len(spent))
	total := 0.0
	for i, v := range spent {
		if v == nil {
			return shares
		}
		weighted[i] = *v
		if sli.Aggregation == AggregateWeighted {
			weighted[i] *= sli.Members[i].Weight
		}
		total += weighted[i]
	}
	if total > 0 {
		for i, v := range weighted {
			share := v / total
			shares[i] = &share
		}
	}
	return shares
}

// MaxJourneyMembers bounds a journey's members: each is a selector its
// base increments read at every evaluation.
const MaxJourneyMembers = 50

// JourneyMember is an SLO whose events a journey counts, by its service
// and name, as its rules record them (in the same specs or another team's):
// for a latency SLO, the events of one threshold; for a grouped one, those
// of the groups named (all without).
type JourneyMember struct {
	Service, SLO string
	Threshold    time.Duration
	Groups       map[string]string
	// Weight is the member's share of a weighted journey (1 by default).
	Weight float64
	// Path, Line and Column place the member in its spec, for what is
	// found wrong with it once every spec is read (CheckJourneys).
	Path         string
	Line, Column int
}

// WindowPlaceholder is the token a raw SLI expression uses for its range
// (importers write it in place of other tools' templates).
const WindowPlaceholder = schema.WindowPlaceholder

// Selector is a validated PromQL vector selector from a spec.
type Selector struct {
	Text     string
	Name     string            // metric name, empty if only matched by labels
	Matchers []*labels.Matcher // all matchers, including the one on __name__
}

// VectorSelector returns a fresh AST node for the selector, safe to modify.
func (s *Selector) VectorSelector() *parser.VectorSelector {
	ms := make([]*labels.Matcher, len(s.Matchers))
	copy(ms, s.Matchers)
	return &parser.VectorSelector{Name: s.Name, LabelMatchers: ms}
}

// Objective is one target for the SLO's SLI, with its own error budget and
// alerts. Latency SLIs carry the threshold that makes an event good.
type Objective struct {
	Target    float64       // percent, strictly between 0 and 100
	Threshold time.Duration // latency SLIs only
	// Derived figures, computed once by NewObjective because generators
	// ask for them for every rule.
	ratio, budget float64
	label         string
}

// NewObjective returns an objective with its derived figures computed.
func NewObjective(target float64, threshold time.Duration) Objective {
	o := Objective{Target: target, Threshold: threshold}
	o.label = strconv.FormatFloat(target, 'f', -1, 64)
	o.ratio, o.budget = o.exactRatio(), o.exactBudget()
	return o
}

// Ratio is the objective as a fraction (99.9 -> 0.999).
func (o Objective) Ratio() float64 {
	if o.label == "" {
		return o.exactRatio()
	}
	return o.ratio
}

// Budget is the fraction of events allowed to be bad (99.9 -> 0.001).
func (o Objective) Budget() float64 {
	if o.label == "" {
		return o.exactBudget()
	}
	return o.budget
}

// exactRatio and exactBudget compute in decimal from the objective as
// written, since binary floating point turns 100 - 99.9999 into
// 0.00010000000000331966 and such noise would end up in generated rules.
func (o Objective) exactRatio() float64 {
	pct, ok := new(big.Rat).SetString(o.Label())
	if !ok {
		return math.NaN()
	}
	return fraction(pct)
}

func (o Objective) exactBudget() float64 {
	pct, ok := new(big.Rat).SetString(o.Label())
	if !ok {
		return math.NaN()
	}
	return fraction(pct.Sub(big.NewRat(100, 1), pct))
}

// fraction turns a percentage into a fraction (99.9 -> 0.999).
func fraction(pct *big.Rat) float64 {
	f, _ := pct.Quo(pct, big.NewRat(100, 1)).Float64()
	return f
}

// Label is the objective as written, for the objective label of recorded
// series and alerts ("99.9").
func (o Objective) Label() string {
	if o.label == "" {
		return strconv.FormatFloat(o.Target, 'f', -1, 64)
	}
	return o.label
}

// Alerting is the resolved alerting configuration of an SLO.
type Alerting struct {
	Name        string // alertname of every burn-rate alert of the SLO
	Runbook     string
	Labels      map[string]string // on every alert of the SLO
	Annotations map[string]string
	// Severities holds per-severity labels and annotations; a disabled
	// severity has no tiers left in Tiers.
	Severities map[burnrate.Severity]SeverityConfig
	Tiers      []burnrate.Tier
	// MinEvents overrides burnrate.DefaultMinEvents for every tier when set.
	MinEvents *float64
	// Budget are the alerts on the share of the period's budget spent;
	// none unless the spec asks.
	Budget BudgetAlerts
}

// BudgetAlerts fire once a share of the period's error budget is spent,
// whatever the burn rate: a slow leak that no burn-rate tier catches
// still tells the team at 50%, 75% and 100%.
type BudgetAlerts struct {
	Name string // alertname, other than the burn-rate alerts'
	// Spent are the shares of the budget, in percent, ascending, each
	// its own alert.
	Spent []float64
	// Severity says whose severity value, labels and routing they take.
	Severity    burnrate.Severity
	Labels      map[string]string
	Annotations map[string]string
}

// DefaultBudgetAlertName is the alertname of budget alerts unless the spec
// sets alerting.budget.name.
const DefaultBudgetAlertName = "SLOErrorBudgetSpent"

// SeverityConfig holds what is added to every alert of one severity.
type SeverityConfig struct {
	// Value is the alerts' severity label ("critical" where Alertmanager
	// routes already match on it); empty means the severity's own name,
	// page or ticket.
	Value       string
	Labels      map[string]string
	Annotations map[string]string
}

// SeverityValue is the severity label the alerts of sev carry.
func (a Alerting) SeverityValue(sev burnrate.Severity) string {
	if v := a.Severities[sev].Value; v != "" {
		return v
	}
	return string(sev)
}

// SeverityOf tells which severity an alert of the SLO whose severity label
// is value belongs to: the budget service and gate judge pages and tickets,
// whatever each team calls them.
func (a Alerting) SeverityOf(value string) (burnrate.Severity, bool) {
	for _, sev := range []burnrate.Severity{burnrate.Page, burnrate.Ticket} {
		if a.SeverityValue(sev) == value {
			return sev, true
		}
	}
	return "", false
}

// DefaultAlertName is the alertname of burn-rate alerts unless a spec sets
// alerting.name.
const DefaultAlertName = "SLOErrorBudgetBurn"

// Defaults applied when a spec leaves a field out.
const (
	DefaultPeriod         = 30 * 24 * time.Hour
	DefaultScrapeInterval = 30 * time.Second
)

// UrgentTiers are the tiers that page, or every tier when the SLO only
// opens tickets: the ones that tell how fast the budget burns now.
func (a Alerting) UrgentTiers() []burnrate.Tier {
	var pages []burnrate.Tier
	for _, t := range a.Tiers {
		if t.Severity == burnrate.Page {
			pages = append(pages, t)
		}
	}
	if len(pages) == 0 {
		return a.Tiers
	}
	return pages
}

// ExhaustionWindow is the alert window whose burn rate tells when the
// budget runs out: the shortest long window of the urgent tiers, their most
// current figure. Zero when the SLO has no alerts.
func (a Alerting) ExhaustionWindow() time.Duration {
	var window time.Duration
	for _, t := range a.UrgentTiers() {
		if window == 0 || t.Long < window {
			window = t.Long
		}
	}
	return window
}

// MinEventsFor returns the minimum number of events the long window of tier
// must hold before the tier fires for objective o.
func (s *SLO) MinEventsFor(t burnrate.Tier, o Objective) float64 {
	if s.Alerting.MinEvents != nil {
		return *s.Alerting.MinEvents
	}
	if s.SLI.Kind == Timeslices {
		// A slice is an event, and a bad one is a slice of bad time, not
		// one failed request: the guard asks only that half the long
		// window's slices had data (30 of an hour's minutes). The events'
		// default, 100 at least, would hold the 1h tier of 1m slices
		// silent for ever: an hour holds 60.
		return math.Ceil(float64(t.Long/s.BaseWindow) / 2)
	}
	return burnrate.DefaultMinEvents(t, o.Budget())
}
