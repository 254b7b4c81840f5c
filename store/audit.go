package store

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/slokit/slokit/gate"
)

// DecisionDigest turns the stream of gate decisions into the records worth
// keeping: every decision that differs from the previous one for the same
// service and kind of change, in its verdict or the rules behind it, as it
// comes; the repeats of a decision, denies included, as a count, given by
// Flush or when the decision changes. Pipelines poll the gate thousands of
// times a second, anonymously, and the trail stays useful and bounded: at
// most two records per service and change between two Flushes, whatever
// the number of checks. It is not safe for concurrent use: its owner holds
// its own lock.
type DecisionDigest struct {
	// last is each service and change's last decision (decisionSignature);
	// repeats counts the decisions since the last record that repeated it.
	last    map[decisionKey]lastDecision
	repeats map[decisionKey]*repeat
}

type lastDecision struct {
	verdict   gate.Verdict
	signature string
}

// decisionSignature is what makes two decisions the same for the log:
// their verdict and the rules behind it, per SLO objective. The messages
// are left out, since their figures (the budget left) change at every
// refresh.
func decisionSignature(d gate.Decision) string {
	var b strings.Builder
	b.WriteString(string(d.Verdict))
	for _, r := range d.Reasons {
		b.WriteString("\x00" + r.Rule + "\x00" + r.SLO + "\x00" + r.Objective)
	}
	return b.String()
}

type decisionKey struct{ service, change string }

type repeat struct {
	count       int
	first, last time.Time
}

// NewDecisionDigest returns a digest that has seen no decision.
func NewDecisionDigest() *DecisionDigest {
	return &DecisionDigest{last: map[decisionKey]lastDecision{}, repeats: map[decisionKey]*repeat{}}
}

// Add returns the records to keep for d, in order: none when d repeats
// the previous decision (it is counted), else the count of the repeats
// before it, if any, and d itself.
func (g *DecisionDigest) Add(d gate.Decision, client string, now time.Time) []AuditEntry {
	k := decisionKey{d.Service, d.Change}
	sig := decisionSignature(d)
	if prev, ok := g.last[k]; ok && prev.signature == sig {
		r := g.repeats[k]
		if r == nil {
			r = &repeat{first: now}
			g.repeats[k] = r
		}
		r.count++
		r.last = now
		return nil
	}
	var out []AuditEntry
	if e, ok := g.take(k); ok {
		out = append(out, e)
	}
	g.last[k] = lastDecision{verdict: d.Verdict, signature: sig}
	return append(out, AuditEntry{Time: now, Kind: "decision", Decision: RecordOf(d), Client: client})
}

// Flush returns the counts of repeated decisions since the last records,
// by service and change, and starts counting afresh.
func (g *DecisionDigest) Flush() []AuditEntry {
	keys := make([]decisionKey, 0, len(g.repeats))
	for k := range g.repeats {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y decisionKey) int {
		return cmp.Or(cmp.Compare(x.service, y.service), cmp.Compare(x.change, y.change))
	})
	out := make([]AuditEntry, 0, len(keys))
	for _, k := range keys {
		if e, ok := g.take(k); ok {
			out = append(out, e)
		}
	}
	return out
}

// take removes and returns the count of repeated decisions of k, if any.
func (g *DecisionDigest) take(k decisionKey) (AuditEntry, bool) {
	r := g.repeats[k]
	if r == nil {
		return AuditEntry{}, false
	}
	delete(g.repeats, k)
	return AuditEntry{Time: r.last, Kind: "decisions-repeated", Repeated: &Repeated{
		Service: k.service, Change: k.change, Decision: g.last[k].verdict, Count: r.count, First: r.first, Last: r.last,
	}}, true
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Time time.Time `json:"time"`
	// Kind is decision, decisions-repeated, canary-verdict,
	// override-created, override-changed, override-deleted,
	// maintenance-created, maintenance-ended or incident-injected.
	Kind     string          `json:"kind"`
	Decision *DecisionRecord `json:"decision,omitempty"`
	// Override is the override created, or as changed, or as it was when
	// deleted.
	Override *gate.Override `json:"override,omitempty"`
	// By is who changed or deleted an override, or ended a maintenance
	// window, if said (its Author is who created it).
	By string `json:"by,omitempty"`
	// Maintenance is the maintenance window created, or as it was when
	// ended.
	Maintenance *gate.Maintenance `json:"maintenance,omitempty"`
	Incident    *Incident         `json:"incident,omitempty"`
	// Canary is a canary check's verdict.
	Canary *CanaryRecord `json:"canary,omitempty"`
	// Repeated summarises decisions-repeated.
	Repeated *Repeated `json:"repeated,omitempty"`
	// Client is the remote address of the request.
	Client string `json:"client,omitempty"`
}

// Repeated is the summary of decisions that repeated the one recorded
// before them.
type Repeated struct {
	Service  string       `json:"service"`
	Change   string       `json:"change"`
	Decision gate.Verdict `json:"decision"`
	Count    int          `json:"count"`
	First    time.Time    `json:"first"`
	Last     time.Time    `json:"last"`
}

// Service reports whether the record is about the service: a decision, an
// override made or changed, a maintenance window, a count of repeats.
func (e AuditEntry) Service() string {
	switch {
	case e.Decision != nil:
		return e.Decision.Service
	case e.Override != nil:
		return e.Override.Service
	case e.Maintenance != nil:
		return e.Maintenance.Service
	case e.Repeated != nil:
		return e.Repeated.Service
	case e.Incident != nil:
		return e.Incident.Service
	case e.Canary != nil:
		return e.Canary.Service
	}
	return ""
}

// CanaryRecord is a canary check's verdict as the audit trail keeps it:
// what was judged (the sides' matchers, the window, the change) and each
// objective's verdict with its figures; the reasons, sentences made of
// these figures, are left out.
type CanaryRecord struct {
	Service    string                  `json:"service"`
	Verdict    string                  `json:"verdict"`
	Change     string                  `json:"change"`
	Window     string                  `json:"window"`
	Confidence float64                 `json:"confidence"`
	Canary     string                  `json:"canary"`
	Baseline   string                  `json:"baseline"`
	Note       string                  `json:"note,omitempty"`
	Objectives []CanaryObjectiveRecord `json:"objectives"`
}

// CanaryObjectiveRecord is one objective's verdict in a CanaryRecord.
type CanaryObjectiveRecord struct {
	SLO       string `json:"slo"`
	Objective string `json:"objective"`
	Verdict   string `json:"verdict"`
	// The requests each side served, and how many were bad.
	CanaryTotal   float64 `json:"canaryTotal"`
	CanaryBad     float64 `json:"canaryBad"`
	BaselineTotal float64 `json:"baselineTotal"`
	BaselineBad   float64 `json:"baselineBad"`
	// The burn rates, and the lower end of the difference's interval.
	CanaryBurnRate   float64 `json:"canaryBurnRate"`
	BaselineBurnRate float64 `json:"baselineBurnRate"`
	DifferenceLower  float64 `json:"differenceLower"`
}

// MaxAuditRecords bounds the records one audit read answers.
const MaxAuditRecords = 500

// Incident is an incident injected into the demo backend's traffic, as the
// audit trail records it.
type Incident struct {
	Service string    `json:"service"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	// Burn is the burn rate the incident runs at, or 0 when Ratio gives
	// the share of failing requests.
	Burn  float64 `json:"burn,omitempty"`
	Ratio float64 `json:"ratio,omitempty"`
}

// DecisionRecord is a gate decision as the audit trail keeps it: these
// JSON names are the format of the records already written.
type DecisionRecord struct {
	Service  string                 `json:"service"`
	Change   string                 `json:"change"`
	Region   string                 `json:"region,omitempty"`
	Verdict  gate.Verdict           `json:"decision"`
	Reasons  []ReasonRecord         `json:"reasons"`
	Override *AppliedOverrideRecord `json:"override"`
}

// ReasonRecord is a gate.Reason as the audit trail keeps it.
type ReasonRecord struct {
	Rule      string `json:"rule"`
	SLO       string `json:"slo,omitempty"`
	Objective string `json:"objective,omitempty"`
	Message   string `json:"message"`
}

// AppliedOverrideRecord is a gate.AppliedOverride as the audit trail keeps
// it.
type AppliedOverrideRecord struct {
	ID      string    `json:"id"`
	Expires time.Time `json:"expires"`
}

// RecordOf is the record of a decision.
func RecordOf(d gate.Decision) *DecisionRecord {
	r := &DecisionRecord{Service: d.Service, Change: d.Change, Region: d.Region, Verdict: d.Verdict}
	if d.Reasons != nil {
		r.Reasons = make([]ReasonRecord, len(d.Reasons))
		for i, reason := range d.Reasons {
			r.Reasons[i] = ReasonRecord(reason)
		}
	}
	if d.Override != nil {
		o := AppliedOverrideRecord(*d.Override)
		r.Override = &o
	}
	return r
}
