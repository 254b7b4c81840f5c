// Package api holds the wire types of slokit serve's HTTP API: the JSON
// the server writes and its clients (slokit gate check, pipelines' own
// scripts) read. It imports nothing of slokit's and nothing of the
// Prometheus module, so a client links a few standard packages, not the
// server, the budget reader or the engine. The server converts its
// domain types (gate decisions, budget states) into these in one place;
// serve/openapi.yaml documents them.
package api

import "time"

// Verdicts: the decision field of a gate answer.
const (
	Allow = "allow"
	Warn  = "warn"
	Deny  = "deny"
	// Undecided is never sent by the server: clients use it for an answer
	// they could not get (slokit gate check --output json).
	Undecided = "undecided"
)

// GateResponse is the body of a gate answer (200, or 403 from the
// Flagger route on deny): the Argo Rollouts web provider's contract
// (successCondition on decision).
type GateResponse struct {
	Service string `json:"service"`
	Change  string `json:"change"`
	// Region is the region the deploy goes to (?region=), absent for
	// everywhere.
	Region string `json:"region,omitempty"`
	// Decision is Allow, Warn or Deny.
	Decision string `json:"decision"`
	// Reasons say which policy rules applied, worst first.
	Reasons []Reason `json:"reasons"`
	// Override is the override that let the change through, if any.
	Override       *AppliedOverride `json:"override"`
	SLOs           []SLOState       `json:"slos"`
	EvaluatedAt    time.Time        `json:"evaluatedAt,omitzero"`
	DataAgeSeconds float64          `json:"dataAgeSeconds"`
}

// GateOverview is the body of GET /api/v1/gate: what the gate would
// decide now for a normal change of every service (decision "unknown"
// when it cannot decide), without recording it.
type GateOverview struct {
	Services       []GateSummary `json:"services"`
	EvaluatedAt    time.Time     `json:"evaluatedAt,omitzero"`
	DataAgeSeconds float64       `json:"dataAgeSeconds"`
}

// GateSummary is one service's decision in the overview: a gate answer
// without its SLOs (/api/v1/slos has them) and times (the overview's).
type GateSummary struct {
	Service  string           `json:"service"`
	Change   string           `json:"change"`
	Decision string           `json:"decision"`
	Reasons  []Reason         `json:"reasons"`
	Override *AppliedOverride `json:"override"`
	// Maintenance are the service's maintenance windows in force: the
	// events they hold are left out of its budgets.
	Maintenance []MaintenanceInForce `json:"maintenance"`
}

// SLOHistory is the body of GET /api/v1/slos/{service}/{slo}/history:
// per objective (and threshold and group), the remaining budget, the SLI
// over the budget's period and the burn rate per alert window from From
// to To every StepSeconds, with the SLO's alert tiers.
type SLOHistory struct {
	Service     string    `json:"service"`
	SLO         string    `json:"slo"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	StepSeconds float64   `json:"stepSeconds"`
	// PeriodStart and PeriodEnd are the budget's period that To falls in:
	// a calendar period's bounds, or the rolling window ending at To. A
	// budget spent evenly has 1-(t-PeriodStart)/(PeriodEnd-PeriodStart)
	// left at t.
	PeriodStart time.Time          `json:"periodStart"`
	PeriodEnd   time.Time          `json:"periodEnd"`
	Tiers       []Tier             `json:"tiers"`
	Objectives  []ObjectiveHistory `json:"objectives"`
	// Events are what shaped the budget and the gate over the range: deny
	// decisions, overrides in force and maintenance windows, without who
	// or why (the audit trail has them, for the token holder).
	Events []Event `json:"events"`
	// EventsError says why Events may be incomplete (the audit trail
	// could not be read); the series stand without them.
	EventsError string `json:"eventsError,omitempty"`
}

// Kinds of Event.
const (
	EventDeny        = "deny"
	EventOverride    = "override"
	EventMaintenance = "maintenance"
)

// Event is a deny decision (at Start; Count of them from Start to End
// when the audit trail counted repeats), an override in force or a
// maintenance window (from Start to End) of an SLO's service.
type Event struct {
	Kind  string    `json:"kind"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
	Count int       `json:"count,omitempty"`
	// ID names an override or a maintenance window made through the API;
	// a spec's maintenance window has none.
	ID string `json:"id,omitempty"`
}

// MaintenanceInForce is a maintenance window that holds now, as the gate's
// overview shows it without the token: when, and for which SLO (every SLO
// of the service when empty); who made it and why need the token.
type MaintenanceInForce struct {
	// ID names a window made through the API; a spec's window has none.
	ID    string    `json:"id,omitempty"`
	SLO   string    `json:"slo,omitempty"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// ObjectiveHistory is one objective's series of an SLOHistory.
type ObjectiveHistory struct {
	Objective string             `json:"objective"`
	Threshold string             `json:"threshold,omitempty"`
	Group     map[string]string  `json:"group,omitempty"`
	Remaining []Point            `json:"remaining"`
	SLI       []Point            `json:"sli"`
	BurnRates map[string][]Point `json:"burnRates"`
}

// Point is a time (Unix seconds) and a value.
type Point [2]float64

// Tier is an alert tier: it fires above Factor over both windows.
type Tier struct {
	Severity string  `json:"severity"`
	Factor   float64 `json:"factor"`
	Long     string  `json:"long"`
	Short    string  `json:"short"`
}

// Reason is a policy rule that applied to a decision.
type Reason struct {
	// Rule is budget-exhausted, page-alert-firing, budget-low, no-data,
	// rollback, allowed-during-freeze, override, ok, cannot-decide or
	// fail-open.
	Rule      string `json:"rule"`
	SLO       string `json:"slo,omitempty"`
	Objective string `json:"objective,omitempty"`
	Message   string `json:"message"`
}

// AppliedOverride names the override that let a change through and when
// it ends; who asked for it and why are shown only to token holders.
type AppliedOverride struct {
	ID      string    `json:"id"`
	Expires time.Time `json:"expires"`
}

// JourneyMember is a journey's member, the share of its budget left and
// its share of what the journey spent, each null when the backend has no
// figure.
type JourneyMember struct {
	Service   string   `json:"service"`
	SLO       string   `json:"slo"`
	Threshold string   `json:"threshold,omitempty"`
	Remaining *float64 `json:"remaining"`
	// Share is the member's part of what the journey spent over its
	// period, 0 to 1 (budget.Member.Share); null while a member has no
	// figure or nothing was spent.
	Share *float64 `json:"share"`
	// BurnRate is how fast the member burns its own budget over the
	// journey's fastest page window (budget.Member.BurnRate).
	BurnRate *float64 `json:"burnRate"`
}

// SLORef names an SLO.
type SLORef struct {
	Service string `json:"service"`
	SLO     string `json:"slo"`
}

// SLOList is the body of GET /api/v1/slos and /api/v1/slos/{service}/{slo}.
type SLOList struct {
	// Backend is the URL budget state is read from, without credentials;
	// empty for the embedded demo (its answers say "source": "demo").
	Backend        string     `json:"backend,omitempty"`
	SLOs           []SLOState `json:"slos"`
	EvaluatedAt    time.Time  `json:"evaluatedAt,omitzero"`
	DataAgeSeconds float64    `json:"dataAgeSeconds"`
}

// SLOState is one SLO objective's error-budget state (one per group for
// grouped SLOs), as the server last read it from the backend.
type SLOState struct {
	Service   string            `json:"service"`
	SLO       string            `json:"slo"`
	Objective string            `json:"objective"`
	Threshold string            `json:"threshold,omitempty"`
	Group     map[string]string `json:"group,omitempty"`
	// Labels are the SLO's labels from its spec (team, tier, ...), which
	// the UI filters by.
	Labels map[string]string `json:"labels,omitempty"`
	Period string            `json:"period"`
	// SLI is the share of good events over the period.
	SLI *float64 `json:"sli"`
	// Remaining is the share of the period's error budget left.
	Remaining *float64 `json:"remaining"`
	// FullOutageMinutesLeft is how long a full outage would take to spend
	// what is left, at the period's average traffic.
	FullOutageMinutesLeft *float64 `json:"fullOutageMinutesLeft"`
	// BurnRates by alert window.
	BurnRates map[string]float64 `json:"burnRates"`
	// Tiers are the SLO's alert tiers with how close each is to firing.
	Tiers []TierBurn `json:"tiers"`
	// SecondsToExhaustion is how long the remaining budget lasts at the
	// burn rate of the shortest page window; null when nothing burns.
	SecondsToExhaustion *float64      `json:"secondsToExhaustion"`
	FiringAlerts        []FiringAlert `json:"firingAlerts"`
	// Status is unknown, ok, warning, critical or exhausted.
	Status string `json:"status"`
	// Members are a journey's member SLOs with the share of its budget each
	// has left (its worst objective or group) and of what it spent; absent
	// for an SLO that is no journey, or one discovered from rules of a
	// slokit that did not yet name members on the Policy series.
	Members []JourneyMember `json:"members,omitempty"`
	// DependsOn are the SLOs this one depends on: their pages hold its
	// pages back.
	DependsOn []SLORef `json:"dependsOn,omitempty"`
	// Regions, for an SLO tracked by region, say how: it has a state per
	// region (Region) and a global one (no Region).
	Regions *Regions `json:"regions,omitempty"`
	Region  string   `json:"region,omitempty"`
	// MissingRegions, on the global state, are the expected regions not
	// reporting: the global budget lacks their events.
	MissingRegions []string `json:"missingRegions,omitempty"`
	// DataTime is when the backend last recorded the objective's burn
	// rates; null when it has no data for it.
	DataTime *time.Time `json:"dataTime"`
	// DataAgeSeconds is DataTime's age when the state is served.
	DataAgeSeconds *float64 `json:"dataAgeSeconds"`
}

// Regions is how an SLO is tracked by region: the label that names the
// region, the regions expected to report, and what the gate judges a
// deploy to one region by (both, region, global).
type Regions struct {
	Label    string   `json:"label"`
	Expected []string `json:"expected"`
	Gate     string   `json:"gate"`
}

// TierBurn is an alert tier of an SLO state: it fires when the burn rate
// over both windows exceeds Factor, so BurnRate is the lower of the two
// (null while either window has no data).
type TierBurn struct {
	Tier
	BurnRate *float64 `json:"burnRate"`
}

// FiringAlert is a burn-rate alert firing for an SLO.
type FiringAlert struct {
	Alert    string `json:"alert"`
	Severity string `json:"severity"`
	Window   string `json:"window"`
}

// Error is the body of every error answer.
type Error struct {
	Error string `json:"error"`
	// Service is set when the gate could not decide for a service (503).
	Service string `json:"service,omitempty"`
}

// OverrideRequest is the body of POST /api/v1/overrides: an expiry as a
// time or as a duration from now.
type OverrideRequest struct {
	Service  string     `json:"service"`
	Reason   string     `json:"reason"`
	Author   string     `json:"author"`
	Expires  *time.Time `json:"expires"`
	Duration string     `json:"duration"`
}

// OverrideChangeRequest is the body of PATCH /api/v1/overrides/{id}: the
// override's new end, as a time or a duration from now (to extend or
// shorten it), why, and who changes it.
type OverrideChangeRequest struct {
	Reason   string     `json:"reason"`
	Author   string     `json:"author"`
	Expires  *time.Time `json:"expires"`
	Duration string     `json:"duration"`
}

// MaintenanceWindow is planned work made through the API: from Start to
// End, the events of the service's SLOs (or of SLO only) count neither
// toward their SLIs nor their budgets. slokit serve exports it while it
// holds (slokit_maintenance_active), and the SLOs' rules read it.
type MaintenanceWindow struct {
	ID      string    `json:"id"`
	Service string    `json:"service"`
	SLO     string    `json:"slo,omitempty"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Reason  string    `json:"reason"`
	Author  string    `json:"author"`
	Created time.Time `json:"created"`
}

// MaintenanceRequest is the body of POST /api/v1/maintenance: a start
// (default now) and an end as a time or as a duration from the start.
type MaintenanceRequest struct {
	Service  string     `json:"service"`
	SLO      string     `json:"slo"`
	Reason   string     `json:"reason"`
	Author   string     `json:"author"`
	Start    *time.Time `json:"start"`
	End      *time.Time `json:"end"`
	Duration string     `json:"duration"`
}

// IncidentRequest is the body of POST /api/v1/demo/incident: a duration
// (default 30m) and a burn rate or an error ratio (default burn 60).
type IncidentRequest struct {
	Service  string   `json:"service"`
	Duration string   `json:"duration"`
	Burn     *float64 `json:"burn"`
	Ratio    *float64 `json:"ratio"`
}

// Incident is an incident injected into the embedded backend's traffic.
type Incident struct {
	Service string    `json:"service"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	// Burn is the burn rate the incident runs at, or 0 when Ratio gives
	// the share of failing requests.
	Burn  float64 `json:"burn,omitempty"`
	Ratio float64 `json:"ratio,omitempty"`
}
