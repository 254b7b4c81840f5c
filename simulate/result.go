package simulate

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/scorecard"
	"github.com/slokit/slokit/series"
)

// Result is what a simulation found.
type Result struct {
	Scenario string `json:"scenario"`
	// Start is when the run began: a scenario's start (scenario.Start),
	// or a history's.
	Start time.Time `json:"start"`
	// Warnings are parts of the scenario that touched none of the SLOs.
	Warnings []string       `json:"warnings"`
	Alerts   []AlertResult  `json:"alerts"`
	Budgets  []BudgetResult `json:"budgets"`
	Cost     Cost           `json:"cost"`
	// Scorecards judge the alerts against the incidents in the SLOs'
	// counts, one per SLO objective, when asked (Options.Scorecard).
	Scorecards []Scorecard `json:"scorecards,omitempty"`
	// FailedExpectations are the scenario's expectations (and those given
	// to slokit simulate) the alerts did not meet; see Check.
	FailedExpectations []string `json:"failedExpectations"`
}

// AlertResult is one alert (one label set of one alerting rule).
type AlertResult struct {
	Alert  string            `json:"alert"`
	Labels map[string]string `json:"labels"`
	// Severity is the severity label, if any.
	Severity string `json:"severity"`
	// Region is the region whose budget the alert is about, for an SLO
	// tracked by region; empty for its global budget.
	Region string `json:"region,omitempty"`
	// Page is whether the alert pages: by its SLO's severity values when
	// the rules are slokit's, else by a severity of page or critical.
	Page         bool       `json:"page"`
	FirstFiredAt *time.Time `json:"firstFiredAt"`
	// DetectionSeconds is from the first incident's start to the first
	// firing that starts at or after it; null if there is none.
	DetectionSeconds *float64 `json:"detectionSeconds"`
	// ResetSeconds is from the first incident's end to the end of the last
	// firing that started during it (negative when that firing ended
	// before the incident did); null if no firing started during it or
	// the alert was still firing when the scenario ended.
	ResetSeconds *float64 `json:"resetSeconds"`
	Firings      int      `json:"firings"`
	// FalseFirings counts firings that start neither during an incident
	// nor while the alert's long window (its window label) still holds
	// one: a ticket over 3 days that opens an hour after a 15-minute
	// outage is the outage's ticket, not a false one. A budget alert fires
	// on what is spent, incident or not: only its firings after the first
	// within its period (flaps) are false.
	FalseFirings int        `json:"falseFirings"`
	Intervals    []Interval `json:"intervals"`
	// hold is how long after an incident a firing may still be its own.
	hold time.Duration
}

// Interval is a stretch during which an alert fired; To is the first
// evaluation at which it no longer did (or the scenario's end).
type Interval = scorecard.Interval

// BudgetResult compares an SLO objective's remaining budget as the rules
// report it at the end with the exact figure from the generated traffic.
type BudgetResult struct {
	Service   string `json:"service"`
	SLO       string `json:"slo"`
	Objective string `json:"objective"`
	// Region is the region whose budget this is, for an SLO tracked by
	// region in a scenario with regions; empty for the budget over all.
	Region string `json:"region,omitempty"`
	// ReportedRemaining is null when the rules record no remaining budget
	// for the SLO (foreign rules), or one per group (grouped SLOs, whose
	// exact figure is over all groups).
	ReportedRemaining *float64 `json:"reportedRemaining"`
	ExactRemaining    float64  `json:"exactRemaining"`
	// PeriodSeconds is the SLO's period, CoveredSeconds how much of it
	// the scenario covers. A run shorter than the period reports the
	// budget of the traffic it wrote: -100% is then twice the errors the
	// objective allows over those hours, not over the period.
	PeriodSeconds  float64 `json:"periodSeconds"`
	CoveredSeconds float64 `json:"coveredSeconds"`
}

// Cost is what evaluating the rules reads, per evaluation cycle.
type Cost struct {
	// Method is "replay" when every step was evaluated, or "checkpoints"
	// when the rules were too costly to replay and only the checkpoints
	// were evaluated (alerts are then not reported).
	Method      string `json:"method"`
	Checkpoints int    `json:"checkpoints"`
	// SamplesPerEvaluation is over all groups, per evaluation cycle.
	SamplesPerEvaluation Stat            `json:"samplesPerEvaluation"`
	ByGroup              map[string]Stat `json:"byGroup"`
}

// Stat is a mean and a maximum.
type Stat struct {
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
}

// Timeline renders when each alert fired as one line per alert, a
// character per slot of the scenario: '#' firing, '.' quiet, and the
// incidents on a line of their own ('^').
func Timeline(res *Result, sc *scenario.Scenario, width int) []string {
	slot := sc.Duration / time.Duration(width)
	line := func(on func(from, to time.Duration) bool) string {
		var b strings.Builder
		for i := range width {
			from := time.Duration(i) * slot
			if on(from, from+slot) {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	out := []string{line(func(from, to time.Duration) bool {
		for _, w := range sc.Incidents {
			if w.Start < to && w.End() > from {
				return true
			}
		}
		return false
	})}
	out[0] = strings.ReplaceAll(out[0], "#", "^")
	for _, a := range res.Alerts {
		out = append(out, line(func(from, to time.Duration) bool {
			for _, iv := range a.Intervals {
				if iv.From.Sub(res.Start) < to && iv.To.Sub(res.Start) > from {
					return true
				}
			}
			return false
		}))
	}
	return out
}

// AlertName is a short name for an alert in tables: the alert name and the
// labels that tell it apart from the SLO's other alerts.
func AlertName(a AlertResult) string {
	keys := slices.Sorted(maps.Keys(a.Labels))
	var parts []string
	for _, k := range keys {
		switch k {
		case series.SeverityLabel, series.SLOLabel, series.ServiceLabel, series.ObjectiveLabel, series.WindowLabel, series.ThresholdLabel, series.BudgetSpentLabel:
			parts = append(parts, k+"="+a.Labels[k])
		}
	}
	if a.Region != "" {
		parts = append(parts, "region="+a.Region)
	}
	return a.Alert + "{" + strings.Join(parts, ",") + "}"
}
