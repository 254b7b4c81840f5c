// Package budget reads the error-budget state of SLOs from the series
// slokit's rules record: remaining budget, SLI over the period, burn rate
// per alert window, firing burn-rate alerts, and a status. It asks a few
// queries for all SLOs at once, whatever their number, so the heavy work
// stays in the metrics backend that evaluates the rules (Prometheus, Thanos,
// Mimir, VictoriaMetrics, or the embedded engine).
package budget

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// Querier runs an instant PromQL query against a metrics backend.
type Querier interface {
	Query(ctx context.Context, query string, ts time.Time) (model.Vector, error)
}

// RangeQuerier also runs range queries, for the history of budget state
// (the web UI's burndown). Every querier slokit has implements it.
type RangeQuerier interface {
	Querier
	QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) (model.Matrix, error)
}

// Status summarises an SLO's state.
type Status string

// The statuses, in rising severity.
const (
	Unknown   Status = "unknown"   // the backend has no data for the SLO yet
	OK        Status = "ok"        //
	Warning   Status = "warning"   // a ticket fires, or the budget is under the policy's warning level
	Critical  Status = "critical"  // a page fires
	Exhausted Status = "exhausted" // the budget over the period is spent
)

// FiringAlert is a burn-rate alert firing for an SLO.
type FiringAlert struct {
	Alert    string
	Severity string
	Window   string
}

// TierBurn is how close an alert tier is to firing: it fires when the
// burn rate over both its windows exceeds Factor, so its burn rate is the
// lower of the two (nil while either window has no data).
type TierBurn struct {
	burnrate.Tier
	BurnRate *float64
}

// State is one SLO objective's error-budget state (one per group for
// grouped SLOs). slokit serve answers it as api.SLOState.
//
// Every figure is finite or absent: a value the backend answers as NaN or
// ±Inf (series.Finite) leaves its field nil, or its window out of
// BurnRates. A state with neither a remaining budget nor a burn rate is
// Unknown, and the gate warns on it (no-data) and never freezes.
type State struct {
	Service   string
	SLO       string
	Objective string
	Threshold string
	Group     map[string]string
	// Labels are the SLO's labels (team, tier, ...): the service's
	// overlaid with the SLO's own, shared by its objectives' states.
	Labels map[string]string
	Period string
	// SLI is the share of good events over the period.
	SLI *float64
	// Remaining is the share of the period's error budget left.
	Remaining *float64
	// FullOutageMinutesLeft is how long a full outage would take to spend
	// what is left, at the period's average traffic.
	FullOutageMinutesLeft *float64
	// BurnRates by alert window.
	BurnRates map[string]float64
	// Tiers are the SLO's alert tiers with their burn rates, in the
	// spec's order.
	Tiers []TierBurn
	// SecondsToExhaustion is how long the remaining budget lasts at the
	// burn rate of the shortest page window; nil when nothing burns.
	SecondsToExhaustion *float64
	FiringAlerts        []FiringAlert
	Status              Status
	// DataTime is when the backend last recorded the objective's burn
	// rates (the oldest of its windows): the age of everything above. Nil
	// when the backend has no data for it.
	DataTime *time.Time
	// Policy is the SLO's error-budget policy, for the gate.
	Policy slo.Policy
	// Members are a journey's members with the budget each has left (its
	// worst objective or group) and their shares of what it spent, as read
	// at the same time; nil for an SLO that is no journey.
	Members []Member
	// DependsOn are the SLOs this one depends on (slo.SLO.DependsOn).
	DependsOn []slo.Dependency
	// Regions, for an SLO tracked by region, are its settings; its states
	// are one per region (Region) and the global one (Region empty).
	Regions *slo.Regions
	Region  string
	// MissingRegions, on the global state, are the expected regions whose
	// edge series did not arrive: the global budget lacks their events.
	MissingRegions []string
}

// Applies reports whether the state counts for a deploy to region (every
// state counts for a deploy everywhere, region empty): an SLO not tracked
// by region always does; a region's state for a deploy to that region, and
// the global one, as the SLO's regions.gate says.
func (s *State) Applies(region string) bool {
	if region == "" || s.Regions == nil {
		return true
	}
	if s.Region == "" {
		return s.Regions.Gate != slo.GateRegionOnly
	}
	return s.Region == region && s.Regions.Gate != slo.GateGlobalOnly
}

// GateState is what the deploy gate needs of the state at now: data
// older than staleAfter counts as none.
func (s *State) GateState(now time.Time, staleAfter time.Duration) gate.SLOState {
	g := gate.SLOState{Service: s.Service, SLO: s.SLO, Objective: s.Objective, Group: GroupText(s.Group), Policy: s.Policy, Remaining: 1,
		MissingRegions: s.MissingRegions}
	switch {
	case s.DataTime == nil:
		g.NoData = "the backend has no data for it (rules not loaded, or no traffic yet)"
	case s.Status == Unknown:
		g.NoData = "no events in its period yet, so no budget spent and no burn rate to judge"
	case now.Sub(*s.DataTime) > staleAfter:
		g.NoData = fmt.Sprintf("its data is %s old, over the %s limit (are its rules still evaluated?)", now.Sub(*s.DataTime).Round(time.Second), staleAfter)
	}
	if s.Remaining != nil {
		g.Remaining = *s.Remaining
	}
	for _, a := range s.FiringAlerts {
		if a.Severity == string(burnrate.Page) {
			g.PageAlerts = append(g.PageAlerts, a.Window)
		}
	}
	return g
}

// GroupText writes a group as "provider=stripe, region=eu", in label
// order; empty for none.
func GroupText(group map[string]string) string {
	parts := make([]string, 0, len(group))
	for _, k := range slices.Sorted(maps.Keys(group)) {
		parts = append(parts, k+"="+group[k])
	}
	return strings.Join(parts, ", ")
}

// objectiveIdentity names an objective's series: the service, SLO,
// threshold, objective and grouping labels. Other labels, such as the team
// labels alerts carry, do not matter.
func objectiveIdentity(m model.Metric, s *slo.SLO) string {
	return identity(m, append([]string{series.ServiceLabel, series.SLOLabel, series.ThresholdLabel, series.ObjectiveLabel}, s.Grouping...))
}

// sliIdentity names an SLI's series, which carry no objective.
func sliIdentity(m model.Metric, s *slo.SLO) string {
	return identity(m, append([]string{series.ServiceLabel, series.SLOLabel, series.ThresholdLabel}, s.Grouping...))
}

func identity(m model.Metric, names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + string(m[model.LabelName(n)])
	}
	return strings.Join(parts, ",")
}

// ReadQueries are the instant queries Read sends, every SLO's series at
// once: a fake backend answers them (serve/servetest).
var ReadQueries = struct {
	Remaining, BurnRates, ErrorRatios, FiringAlerts, Stamps, MissingRegions string
}{
	MissingRegions: series.RegionReporting + " == 0",
	Remaining:      series.BudgetRemaining,
	BurnRates:      series.BurnRate,
	ErrorRatios:    series.ErrorRatio,
	FiringAlerts:   `ALERTS{alertstate="firing"}`,
	Stamps:         "timestamp(" + series.BurnRate + ")",
}

// RemainingQuery is the remaining budget of objective o of s, summed over
// its groups (one series for an SLO that is not grouped); for an SLO
// tracked by region, of one region, or over all of them when region is
// empty.
func RemainingQuery(s *slo.SLO, o slo.Objective, region string) string {
	k := KeyOf(s, o)
	extra := []string{series.ObjectiveLabel, k.Objective}
	if k.Threshold != "" {
		extra = append(extra, series.ThresholdLabel, k.Threshold)
	}
	if s.Regions != nil {
		extra = append(extra, s.Regions.Label, region)
	}
	return "sum(" + sloSelector(series.BudgetRemaining, s, extra...) + ")"
}

// BaseIncreaseQueries are the events of objective o of s over the base
// window recorded at the instant asked, over its groups and, for an SLO
// tracked by region, over all regions: the exact counts a scorecard
// judges alerts by, asked at every base window.
func BaseIncreaseQueries(s *slo.SLO, o slo.Objective) (total, errs string) {
	k := KeyOf(s, o)
	extra := []string{series.WindowLabel, series.WindowValue(s.BaseWindow)}
	if k.Threshold != "" {
		extra = append(extra, series.ThresholdLabel, k.Threshold)
	}
	if s.Regions != nil {
		extra = append(extra, s.Regions.Label, "")
	}
	// The sample recorded at the instant asked only: an instant selector
	// would add the previous hour's series (hour_parity) for the lookback
	// after each hour's start.
	at := func(name string) string { return "sum(sum_over_time(" + sloSelector(name, s, extra...) + "[1s]))" }
	return at(series.Total), at(series.Errors)
}

// bySLO is what Read's queries answered of one SLO.
type bySLO struct{ remaining, burns, ratios, firing, stamps, periodTotals, missing model.Vector }

// readIndex sends Read's queries and indexes every series they answer by
// service and SLO once, so each objective looks only at its own:
// thousands of SLOs stay linear.
func readIndex(ctx context.Context, q Querier, services []*slo.Service, t time.Time) (map[string]*bySLO, error) {
	queries := []struct {
		expr string
		pick func(*bySLO) *model.Vector
	}{
		{ReadQueries.Remaining, func(b *bySLO) *model.Vector { return &b.remaining }},
		{ReadQueries.BurnRates, func(b *bySLO) *model.Vector { return &b.burns }},
		{ReadQueries.ErrorRatios, func(b *bySLO) *model.Vector { return &b.ratios }},
		{ReadQueries.FiringAlerts, func(b *bySLO) *model.Vector { return &b.firing }},
		{ReadQueries.Stamps, func(b *bySLO) *model.Vector { return &b.stamps }},
		{ReadQueries.MissingRegions, func(b *bySLO) *model.Vector { return &b.missing }},
	}
	if expr := PeriodTotalsQuery(services); expr != "" {
		queries = append(queries, struct {
			expr string
			pick func(*bySLO) *model.Vector
		}{expr, func(b *bySLO) *model.Vector { return &b.periodTotals }})
	}
	index := map[string]*bySLO{}
	for _, query := range queries {
		v, err := q.Query(ctx, query.expr, t)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", query.expr, err)
		}
		for _, smp := range v {
			k := string(smp.Metric[series.ServiceLabel]) + "\x00" + string(smp.Metric[series.SLOLabel])
			if index[k] == nil {
				index[k] = &bySLO{}
			}
			p := query.pick(index[k])
			*p = append(*p, smp)
		}
	}
	return index, nil
}

// Read returns the state of every objective of every SLO of services at t.
func Read(ctx context.Context, q Querier, services []*slo.Service, t time.Time) ([]State, error) {
	index, err := readIndex(ctx, q, services, t)
	if err != nil {
		return nil, err
	}
	var out []State
	for _, svc := range services {
		for _, s := range svc.SLOs {
			// A regional SLO's states are its regions' and the global one.
			s = s.ByRegion()
			own := index[s.Service+"\x00"+s.Name]
			if own == nil {
				own = &bySLO{}
			}
			first := len(out)
			for _, o := range s.Objectives {
				out = append(out, objectiveStates(s, o, own.remaining, own.burns, own.ratios, own.firing, own.stamps, t)...)
			}
			members := journeyMembers(s, func(service, name string) memberSeries {
				if b := index[service+"\x00"+name]; b != nil {
					return memberSeries{remaining: b.remaining, ratios: b.ratios, totals: b.periodTotals, burns: b.burns}
				}
				return memberSeries{}
			})
			for i := first; i < len(out); i++ {
				out[i].Members, out[i].DependsOn = members, s.DependsOn
				regionOf(&out[i], s, own.missing)
			}
		}
	}
	return out, nil
}

func belongs(m model.Metric, s *slo.SLO, o slo.Objective) bool {
	if string(m[series.ServiceLabel]) != s.Service || string(m[series.SLOLabel]) != s.Name {
		return false
	}
	if o.Threshold > 0 && string(m[series.ThresholdLabel]) != series.ThresholdValue(o.Threshold) {
		return false
	}
	obj, ok := m[series.ObjectiveLabel]
	return !ok || string(obj) == o.Label()
}

func objectiveStates(s *slo.SLO, o slo.Objective, remaining, burns, ratios, firing, stamps model.Vector, t time.Time) []State {
	newState := func(group map[string]string) State {
		st := State{
			Service: s.Service, SLO: s.Name, Objective: o.Label(), Group: group, Labels: s.Labels,
			Period: s.BudgetWindow(), BurnRates: map[string]float64{},
			FiringAlerts: []FiringAlert{}, Status: Unknown, Policy: s.Policy,
		}
		if o.Threshold > 0 {
			st.Threshold = series.ThresholdValue(o.Threshold)
		}
		return st
	}
	order, seen := objectiveSeries(s, o, remaining, burns)
	var out []State
	for _, k := range order {
		m := seen[k]
		st := newState(groupOf(s, m))
		sk := sliIdentity(m, s)
		// What the backend answers as NaN or ±Inf is no data (see
		// series.Finite): the field stays nil, the window out of the map.
		for _, r := range remaining {
			if v, ok := series.Finite(r.Value); ok && objectiveIdentity(r.Metric, s) == k {
				st.Remaining, st.FullOutageMinutesLeft = &v, finite(v*o.Budget()*s.PeriodLength(t).Minutes())
			}
		}
		for _, b := range burns {
			if v, ok := series.Finite(b.Value); ok && objectiveIdentity(b.Metric, s) == k {
				st.BurnRates[string(b.Metric[series.WindowLabel])] = v
			}
		}
		for _, e := range ratios {
			if v, ok := series.Finite(e.Value); ok && sliIdentity(e.Metric, s) == sk && string(e.Metric[series.WindowLabel]) == st.Period {
				st.SLI = finite(1 - v)
			}
		}
		for _, a := range firing {
			if objectiveIdentity(a.Metric, s) == k && a.Metric["alertname"] == model.LabelValue(s.Alerting.Name) {
				// Pages and tickets by what they are, whatever the team
				// calls them in its severity label.
				severity := string(a.Metric[series.SeverityLabel])
				if sev, ok := s.Alerting.SeverityOf(severity); ok {
					severity = string(sev)
				}
				st.FiringAlerts = append(st.FiringAlerts, FiringAlert{Alert: string(a.Metric["alertname"]), Severity: severity, Window: string(a.Metric[series.WindowLabel])})
			}
		}
		for _, ts := range stamps {
			if at, ok := sampleTime(ts.Value, t); ok && objectiveIdentity(ts.Metric, s) == k {
				if st.DataTime == nil || at.Before(*st.DataTime) {
					st.DataTime = &at
				}
			}
		}
		slices.SortFunc(st.FiringAlerts, func(a, b FiringAlert) int { return strings.Compare(a.Severity+a.Window, b.Severity+b.Window) })
		st.SecondsToExhaustion = exhaustion(s, st.Remaining, st.BurnRates, t)
		st.Tiers = tierBurns(s, st.BurnRates)
		st.Status = status(st)
		out = append(out, st)
	}
	if len(out) == 0 {
		out = append(out, newState(nil))
	}
	return out
}

// objectiveSeries are the identities (objectiveIdentity) of the objective's
// series, sorted, with a metric of each. An objective (or group) exists as
// soon as any of its series does: burn rates and alerts come within
// minutes of deploying the rules, the remaining budget only once the first
// hourly block is recorded.
func objectiveSeries(s *slo.SLO, o slo.Objective, remaining, burns model.Vector) ([]string, map[string]model.Metric) {
	var order []string
	seen := map[string]model.Metric{}
	for _, v := range []model.Vector{remaining, burns} {
		for _, smp := range v {
			if k := objectiveIdentity(smp.Metric, s); belongs(smp.Metric, s, o) && seen[k] == nil {
				seen[k] = smp.Metric
				order = append(order, k)
			}
		}
	}
	slices.Sort(order)
	return order, seen
}

// groupOf is the values of the SLO's grouping labels in m, nil if it is
// not grouped. The global state of an SLO tracked by region has no region
// label, and its group leaves it out: it reads as the SLO's own.
func groupOf(s *slo.SLO, m model.Metric) map[string]string {
	if len(s.Grouping) == 0 {
		return nil
	}
	g := map[string]string{}
	for _, l := range s.Grouping {
		if v := string(m[model.LabelName(l)]); v != "" || s.Regions == nil || l != s.Regions.Label {
			g[l] = v
		}
	}
	if len(g) == 0 {
		return nil
	}
	return g
}

// regionOf sets a regional SLO's state's region, and on its global state
// the expected regions that are not reporting (their series in missing).
func regionOf(st *State, s *slo.SLO, missing model.Vector) {
	if s.Regions == nil {
		return
	}
	st.Regions = s.Regions
	st.Region = st.Group[s.Regions.Label]
	if st.Region != "" {
		return
	}
	for _, m := range missing {
		if r := string(m.Metric[model.LabelName(s.Regions.Label)]); r != "" && !slices.Contains(st.MissingRegions, r) {
			st.MissingRegions = append(st.MissingRegions, r)
		}
	}
	slices.Sort(st.MissingRegions)
}

// exhaustion is how long the remaining budget lasts at the burn rate of the
// SLO's exhaustion window.
func exhaustion(s *slo.SLO, remaining *float64, burns map[string]float64, t time.Time) *float64 {
	burn, ok := burns[series.WindowValue(s.Alerting.ExhaustionWindow())]
	if !ok || burn <= 0 {
		return nil
	}
	left := 1.0 // no remaining budget recorded yet: none of it spent that we know of
	if remaining != nil {
		left = max(0, *remaining)
	}
	return finite(left * s.PeriodLength(t).Seconds() / burn)
}

// finite points to f, or is nil when f is NaN or ±Inf: a figure derived
// from finite values can still overflow (a remaining budget of 1e308 in
// minutes), and is then no data too.
func finite(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

// maxClockSkew is how far after the query's time a sample's timestamp may
// fall: an instant query answers samples from before its time only, give
// or take the backend's rounding.
const maxClockSkew = time.Minute

// sampleTime reads a timestamp() value, in Unix seconds, the backend
// answered for a query at t. One that is not a time before t (NaN, ±Inf,
// negative, or in the future) is no data: a future time would keep stale
// data looking fresh, and a time out of JSON's years cannot be answered.
func sampleTime(v model.SampleValue, t time.Time) (time.Time, bool) {
	f, ok := series.Finite(v)
	if !ok || f < 0 || f > float64(t.Add(maxClockSkew).Unix()) {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(math.Round(f * 1000))).UTC(), true
}

func tierBurns(s *slo.SLO, burns map[string]float64) []TierBurn {
	out := make([]TierBurn, 0, len(s.Alerting.Tiers))
	for _, t := range s.Alerting.Tiers {
		if t.Factor <= 0 {
			continue // discovered from rules that named only the exhaustion window
		}
		// The tier as the rules describe it to discovery too: without its
		// for, which only the alert rule holds.
		tb := TierBurn{Tier: burnrate.Tier{Severity: t.Severity, Factor: t.Factor, Long: t.Long, Short: t.Short}}
		long, okLong := burns[series.WindowValue(t.Long)]
		short, okShort := burns[series.WindowValue(t.Short)]
		if okLong && okShort {
			b := min(long, short)
			tb.BurnRate = &b
		}
		out = append(out, tb)
	}
	return out
}

// status sums a state up. An objective that the backend knows (its series
// exist) but for which it has neither a remaining budget nor a burn rate
// (every value NaN: no events in any window yet) is Unknown, as one it
// does not know: there is nothing to judge.
func status(st State) Status {
	remaining := 1.0
	if st.Remaining != nil {
		remaining = *st.Remaining
	}
	switch {
	case st.Remaining == nil && len(st.BurnRates) == 0 && len(st.FiringAlerts) == 0:
		return Unknown
	case remaining <= 0:
		return Exhausted
	case slices.ContainsFunc(st.FiringAlerts, func(a FiringAlert) bool { return a.Severity == string(burnrate.Page) }):
		return Critical
	case len(st.FiringAlerts) > 0 || remaining < st.Policy.WarnBelow:
		return Warning
	}
	return OK
}
