// Package gate decides whether a change may ship, from the error-budget
// state of a service's SLOs and their policies: allow, warn or deny, with
// every reason spelled out (which SLO, which rule, the figures), so that a
// pipeline log says why a deploy was held. It is pure: the budget service
// gathers the state, the HTTP API and the CLI present the decision.
package gate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slokit/slokit/slo"
)

// Verdict is the gate's answer.
type Verdict string

// The gate's answers, in rising severity.
const (
	Allow Verdict = "allow"
	Warn  Verdict = "warn"
	Deny  Verdict = "deny"
)

// SLOState is what the gate needs to know about one SLO objective.
type SLOState struct {
	Service   string
	SLO       string
	Objective string // as written, "99.9"
	// Group is a grouped SLO's group ("provider=stripe"), so that each
	// group's reason says which; empty for an SLO that is not grouped.
	Group string
	// Remaining is the remaining error budget over the period, as a
	// ratio: 1 untouched, 0 spent, negative overspent.
	Remaining float64
	// PageAlerts names the page-level burn alerts firing for the SLO
	// (their long windows, say "1h"), empty when none fires.
	PageAlerts []string
	Policy     slo.Policy
	// NoData says why the SLO's state cannot be judged (no data, or data
	// too old); empty when it can. Such an SLO warns and never freezes:
	// a new service's first deploy ships before its SLO has data.
	NoData string
	// MostSpent, for a journey judged for one of its members' services
	// (its policy freezes them), names the member that spent most of it:
	// "spent most: payment/payment-processing-availability (82% of the
	// spending, 3.8% of its budget left)".
	MostSpent string
	// BurningFastest, likewise, names the member burning its budget
	// fastest now, which a journey's page comes from: "burning fastest:
	// payment/payment-processing-availability (17x over 1h)".
	BurningFastest string
	// MissingRegions, on the global state of an SLO tracked by region, are
	// the expected regions not reporting: the global budget lacks their
	// events and may look better than it is.
	MissingRegions []string
}

// objective names the state's objective in reasons, with its group: "99.9%"
// or "99.9%, provider=stripe".
func (s SLOState) objective() string {
	if s.Group != "" {
		return s.Objective + "%, " + s.Group
	}
	return s.Objective + "%"
}

// Override lets changes of a service through a freeze until it expires,
// on someone's word.
type Override struct {
	ID      string    `json:"id"`
	Service string    `json:"service"`
	Reason  string    `json:"reason"`
	Author  string    `json:"author"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// Maintenance is a maintenance window made through the API, for a service
// or one of its SLOs: its events count neither toward the SLI nor the
// budget. Stores keep it as JSON with these names.
type Maintenance struct {
	ID      string    `json:"id"`
	Service string    `json:"service"`
	SLO     string    `json:"slo,omitempty"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Reason  string    `json:"reason"`
	Author  string    `json:"author"`
	Created time.Time `json:"created"`
}

// Active reports whether the override applies at now.
func (o *Override) Active(now time.Time) bool {
	return o != nil && now.Before(o.Expires)
}

// Reason is one ground for a decision.
type Reason struct {
	// Rule is the policy rule that applied: budget-exhausted,
	// page-alert-firing, journey-budget-exhausted,
	// journey-page-alert-firing, budget-low, no-data, regions-missing, rollback,
	// allowed-during-freeze, override, ok.
	Rule      string
	SLO       string
	Objective string
	Message   string
}

// AppliedOverride is what a decision says of the override that let a
// change through: which one and until when. Decisions are shown to
// callers without the token (pipelines), so who asked for the override
// and why stay with the override itself, shown only to token holders.
type AppliedOverride struct {
	ID      string
	Expires time.Time
}

// Decision is the gate's answer with its reasons. It carries no wire
// names: serve answers it as api.GateResponse, and the audit trail keeps it
// as store.DecisionRecord.
type Decision struct {
	Service string
	Change  string
	// Region is the region a deploy goes to, empty for everywhere.
	Region   string
	Verdict  Verdict
	Reasons  []Reason
	Override *AppliedOverride
}

// Decide applies the policies of a service's SLOs to a change. A freeze
// (budget spent, or a page-level burn alert firing where the policy says
// so) denies normal changes; changes the policy lets through during a
// freeze, rollbacks always, and any change under an active override are
// allowed, naming the freeze they pass. Without a freeze, a budget under
// the policy's warning level warns.
func Decide(service string, change slo.Change, slos []SLOState, override *Override, now time.Time) Decision {
	d := Decision{Service: service, Change: string(change), Verdict: Allow}
	var freezes, warnings []Reason
	passes := true // the change is let through by every freezing SLO's policy
	for _, s := range slos {
		// A journey whose policy freezes its members' services (judged
		// here for one of them) applies its freeze only, not its warnings,
		// and is named with its service.
		journey := s.Service != service
		if s.NoData != "" {
			if !journey {
				warnings = append(warnings, Reason{Rule: "no-data", SLO: s.SLO, Objective: s.Objective,
					Message: fmt.Sprintf("%s (%s): not judged: %s", s.SLO, s.objective(), s.NoData)})
			}
			continue
		}
		rule, name, label, holds := "", s.SLO, s.SLO, ""
		spent, burning := "", ""
		if journey {
			rule, name, holds = "journey-", s.Service+"/"+s.SLO, ", which holds every service on it"
			label = "journey " + name
			spent, burning = holds, holds
			if s.MostSpent != "" {
				spent += "; " + s.MostSpent
			}
			if s.BurningFastest != "" {
				burning += "; " + s.BurningFastest
			}
		}
		var frozen bool
		if s.Remaining <= 0 {
			frozen = true
			freezes = append(freezes, Reason{Rule: rule + "budget-exhausted", SLO: name, Objective: s.Objective,
				Message: fmt.Sprintf("%s (%s): the error budget is spent (%s left)%s", label, s.objective(), percent(s.Remaining), spent)})
		}
		if s.Policy.FreezeOnPage && len(s.PageAlerts) > 0 {
			frozen = true
			left := burning
			if !journey {
				left = ", " + percent(s.Remaining) + " of the budget left"
			}
			freezes = append(freezes, Reason{Rule: rule + "page-alert-firing", SLO: name, Objective: s.Objective,
				Message: fmt.Sprintf("%s (%s): page-level burn alert firing over %s%s", label, s.objective(), strings.Join(s.PageAlerts, ", "), left)})
		}
		if len(s.MissingRegions) > 0 && !journey {
			warnings = append(warnings, Reason{Rule: "regions-missing", SLO: s.SLO, Objective: s.Objective,
				Message: fmt.Sprintf("%s (%s): no data from %s: the global budget lacks their events and may look better than it is", s.SLO, s.objective(), strings.Join(s.MissingRegions, ", "))})
		}
		if frozen && !slices.Contains(s.Policy.AllowDuringFreeze, change) {
			passes = false
		}
		if !frozen && !journey && s.Remaining < s.Policy.WarnBelow {
			warnings = append(warnings, Reason{Rule: "budget-low", SLO: s.SLO, Objective: s.Objective,
				Message: fmt.Sprintf("%s (%s): %s of the error budget left, under the %s warning level", s.SLO, s.objective(), percent(s.Remaining), percent(s.Policy.WarnBelow))})
		}
	}
	d.Reasons = append(freezes, warnings...)
	switch {
	case len(freezes) == 0 && len(warnings) > 0:
		d.Verdict = Warn
	case len(freezes) == 0:
		d.Reasons = append(d.Reasons, Reason{Rule: "ok", Message: fmt.Sprintf("every SLO of %s has budget to spare", service)})
	case change == slo.RollbackChange:
		d.Reasons = append(d.Reasons, Reason{Rule: "rollback", Message: "rollbacks are always allowed, freeze or not"})
	case passes:
		d.Reasons = append(d.Reasons, Reason{Rule: "allowed-during-freeze", Message: fmt.Sprintf("the policy lets %s changes through a freeze", change)})
	case override.Active(now):
		d.Override = &AppliedOverride{ID: override.ID, Expires: override.Expires.UTC()}
		d.Reasons = append(d.Reasons, Reason{Rule: "override", Message: fmt.Sprintf("override %s applies until %s", override.ID, override.Expires.UTC().Format(time.RFC3339))})
	default:
		d.Verdict = Deny
	}
	return d
}

func percent(ratio float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", ratio*100), "0"), ".") + "%"
}
