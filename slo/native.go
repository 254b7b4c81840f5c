package slo

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/slo/schema"
)

// The functions in this file write an SLO of the model back as a native
// spec's fields: an export to a format that has no place for some of them
// (OpenSLO) carries those as native YAML, so that importing the export
// gives the same SLO and the same rules. What equals its default is left
// out; every value is explicit in the model, so what is written is the
// SLO as it was understood, whichever format it came from.

// NativeFields are an SLO's fields as a native spec's slos[] entry holds
// them, by key, each as JSON (which is YAML) would encode it; fields at
// their defaults are left out. The burn-rate tiers are in alerting.tiers.
func (s *SLO) NativeFields() map[string]any {
	f := map[string]any{schema.KeyName: s.Name}
	put := func(key string, v any, set bool) {
		if set {
			f[key] = v
		}
	}
	put(schema.KeyDescription, s.Description, s.Description != "")
	put(schema.KeyLabels, s.Labels, len(s.Labels) > 0)
	put(schema.KeyObjectives, nativeObjectives(s.Objectives), true)
	if s.Calendar != nil {
		f[schema.KeyPeriod] = "calendar-" + string(s.Calendar.Unit)
		put(schema.KeyTimezone, s.Calendar.Location.String(), s.Calendar.Location != time.UTC)
	} else {
		put(schema.KeyPeriod, duration(s.Period), s.Period != DefaultPeriod)
	}
	put(schema.KeyGrouping, s.Grouping, len(s.Grouping) > 0)
	put(schema.KeyRenameLabels, s.RenameLabels, len(s.RenameLabels) > 0)
	put(schema.KeyScrapeInterval, duration(s.ScrapeInterval), s.ScrapeInterval != DefaultScrapeInterval)
	put(schema.KeyBaseWindow, duration(s.BaseWindow), s.SLI.Kind != Timeslices && s.BaseWindow != burnrate.DefaultBaseWindow)
	f[schema.KeySli] = s.SLI.native(s.BaseWindow)
	f[schema.KeyAlerting] = s.Alerting.native()
	if p := s.Policy.native(); len(p) > 0 {
		f[schema.KeyPolicy] = p
	}
	if len(s.Maintenance) > 0 {
		windows := make([]any, len(s.Maintenance))
		for i, w := range s.Maintenance {
			windows[i] = w.native()
		}
		f[schema.KeyMaintenance] = windows
	}
	if len(s.DependsOn) > 0 {
		deps := make([]any, len(s.DependsOn))
		for i, d := range s.DependsOn {
			deps[i] = map[string]any{schema.KeyService: d.Service, schema.KeySlo: d.SLO}
		}
		f[schema.KeyDependsOn] = deps
	}
	return f
}

// NativeRegions are a service's regions as a native spec writes them,
// with the defaults left out; nil when the SLO is not tracked by region.
func (s *SLO) NativeRegions() map[string]any {
	if s.Regions == nil {
		return nil
	}
	r, def := s.Regions, DefaultRegions()
	f := map[string]any{}
	if r.Label != def.Label {
		f[schema.KeyLabel] = r.Label
	}
	if r.ReplicaLabel != def.ReplicaLabel {
		f[schema.KeyReplicaLabel] = r.ReplicaLabel
	}
	if len(r.Expected) > 0 {
		f[schema.KeyExpected] = r.Expected
	}
	if r.Gate != def.Gate {
		f[schema.KeyGate] = string(r.Gate)
	}
	return f
}

// NativeJSON is v as one line of JSON, for an annotation: compact, with
// numbers as the model holds them.
func NativeJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only maps, slices, strings, numbers and booleans are written.
		panic("slo: native field does not encode: " + err.Error())
	}
	return string(b)
}

func nativeObjectives(objs []Objective) []any {
	out := make([]any, len(objs))
	for i, o := range objs {
		m := map[string]any{schema.KeyObjective: json.Number(o.Label())}
		if o.Threshold > 0 {
			m[schema.KeyThreshold] = duration(o.Threshold)
		}
		out[i] = m
	}
	return out
}

// native is the SLI as a native spec's sli: one kind.
func (sli SLI) native(slice time.Duration) map[string]any {
	var kind string
	body := map[string]any{}
	sel := func(key string, s *Selector) {
		if s != nil {
			body[key] = s.Text
		}
	}
	switch sli.Kind {
	case Ratio:
		kind = schema.KeyRatio
		sel(schema.KeyErrors, sli.Errors)
		sel(schema.KeyGood, sli.Good)
		sel(schema.KeyTotal, sli.Total)
	case Latency:
		kind = schema.KeyLatency
		sel(schema.KeyHistogram, sli.Histogram)
		if sli.NativeHistogram {
			body[schema.KeyNativeHistogram] = true
		}
	case BoolGauge:
		kind = schema.KeyBoolGauge
		sel(schema.KeySelector, sli.Gauge)
	case Raw:
		kind = schema.KeyRaw
		body[schema.KeyErrorRatio] = sli.ErrorRatio
	case Journey:
		kind = schema.KeyJourney
		body = sli.nativeJourney()
	case Timeslices:
		kind = schema.KeyTimeslices
		body = sli.nativeSlices(slice)
	case Datadog:
		kind = schema.KeyDatadog
		body[schema.KeyGood], body[schema.KeyTotal] = sli.Datadog.Good, sli.Datadog.Total
	}
	return map[string]any{kind: body}
}

func (sli SLI) nativeJourney() map[string]any {
	members := make([]any, len(sli.Members))
	for i, m := range sli.Members {
		mm := map[string]any{schema.KeyService: m.Service, schema.KeySlo: m.SLO}
		if m.Threshold > 0 {
			mm[schema.KeyThreshold] = duration(m.Threshold)
		}
		if len(m.Groups) > 0 {
			mm[schema.KeyGroups] = m.Groups
		}
		if sli.Aggregation == AggregateWeighted {
			mm[schema.KeyWeight] = m.Weight
		}
		members[i] = mm
	}
	return map[string]any{schema.KeyAggregation: sli.Aggregation, schema.KeyMembers: members}
}

func (sli SLI) nativeSlices(slice time.Duration) map[string]any {
	sl := sli.Slices
	body := map[string]any{schema.KeySlice: duration(slice), schema.KeyNoData: string(sl.NoData)}
	switch sl.Condition {
	case SlicePercentile:
		p := map[string]any{schema.KeyHistogram: sli.Histogram.Text, schema.KeyPercentile: json.Number(sl.PercentileLabel()),
			schema.KeyThreshold: duration(sl.Threshold)}
		if sli.NativeHistogram {
			p[schema.KeyNativeHistogram] = true
		}
		body[schema.KeyPercentile] = p
	case SliceGauge:
		bound := schema.KeyMin
		if sl.UpperBound {
			bound = schema.KeyMax
		}
		body[schema.KeyGauge] = map[string]any{schema.KeySelector: sli.Gauge.Text, schema.KeyAggregation: sl.Aggregation, bound: sl.Bound}
	case SliceRatio:
		r := SLI{Kind: Ratio, Errors: sli.Errors, Good: sli.Good, Total: sli.Total}.native(0)[schema.KeyRatio].(map[string]any)
		if sl.Target > 0 {
			r[schema.KeyTarget] = json.Number(fmtFloat(sl.Target))
		}
		body[schema.KeyRatio] = r
	}
	return body
}

// native is the alerting as a native spec writes it, tiers included.
// A severity whose tiers were all dropped is written as disabled, so that
// no default tier comes back in its place.
func (a Alerting) native() map[string]any {
	f := map[string]any{}
	if a.Name != DefaultAlertName {
		f[schema.KeyName] = a.Name
	}
	if a.Runbook != "" {
		f[schema.KeyRunbook] = a.Runbook
	}
	if a.MinEvents != nil {
		f[schema.KeyMinEvents] = *a.MinEvents
	}
	if len(a.Labels) > 0 {
		f[schema.KeyLabels] = a.Labels
	}
	if len(a.Annotations) > 0 {
		f[schema.KeyAnnotations] = a.Annotations
	}
	tiers := make([]any, 0, len(a.Tiers))
	for _, t := range a.Tiers {
		tt := map[string]any{schema.KeySeverity: string(t.Severity), schema.KeyFactor: t.Factor,
			schema.KeyLong: duration(t.Long), schema.KeyShort: duration(t.Short)}
		if t.For > 0 {
			tt[schema.KeyFor] = duration(t.For)
		}
		tiers = append(tiers, tt)
	}
	f[schema.KeyTiers] = tiers
	for _, sev := range []burnrate.Severity{burnrate.Page, burnrate.Ticket} {
		sc := a.Severities[sev]
		m := map[string]any{}
		if sc.Value != "" {
			m[schema.KeySeverity] = sc.Value
		}
		if len(sc.Labels) > 0 {
			m[schema.KeyLabels] = sc.Labels
		}
		if len(sc.Annotations) > 0 {
			m[schema.KeyAnnotations] = sc.Annotations
		}
		if len(a.Tiers) == 0 {
			// With tiers of the other severity left, the tiers written
			// say what this one lost; with none, only disabled does.
			m[schema.KeyDisabled] = true
		}
		if len(m) > 0 {
			f[string(sev)] = m
		}
	}
	if len(a.Budget.Spent) > 0 {
		f[schema.KeyBudget] = a.Budget.native()
	}
	return f
}

func (b BudgetAlerts) native() map[string]any {
	f := map[string]any{schema.KeySpent: b.Spent, schema.KeySeverity: string(b.Severity)}
	if b.Name != DefaultBudgetAlertName {
		f[schema.KeyName] = b.Name
	}
	if len(b.Labels) > 0 {
		f[schema.KeyLabels] = b.Labels
	}
	if len(b.Annotations) > 0 {
		f[schema.KeyAnnotations] = b.Annotations
	}
	return f
}

// native is the policy's fields that differ from the default policy.
func (p Policy) native() map[string]any {
	def := DefaultPolicy()
	f := map[string]any{}
	if p.WarnBelow != def.WarnBelow {
		f[schema.KeyWarnBelow] = json.Number(fmtFloat(burnrate.Clean(p.WarnBelow * 100)))
	}
	if p.FreezeOnPage != def.FreezeOnPage {
		f[schema.KeyFreezeOnPage] = p.FreezeOnPage
	}
	if !slices.Equal(p.AllowDuringFreeze, def.AllowDuringFreeze) {
		allow := make([]string, len(p.AllowDuringFreeze))
		for i, c := range p.AllowDuringFreeze {
			allow[i] = string(c)
		}
		f[schema.KeyAllowDuringFreeze] = allow
	}
	if len(p.Freezes) > 0 {
		f[schema.KeyFreezeMembers] = true
	}
	return f
}

func (w MaintenanceWindow) native() map[string]any {
	f := map[string]any{schema.KeyReason: w.Reason}
	if w.Weekly == nil {
		f[schema.KeyStart], f[schema.KeyEnd] = w.Start.Format(time.RFC3339), w.End.Format(time.RFC3339)
		return f
	}
	wk := w.Weekly
	at := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(wk.At)
	weekly := map[string]any{schema.KeyDay: strings.ToLower(wk.Day.String()), schema.KeyStart: at.Format("15:04"),
		schema.KeyDuration: duration(wk.Duration)}
	if wk.Location != time.UTC {
		weekly[schema.KeyTimezone] = wk.Location.String()
	}
	f[schema.KeyWeekly] = weekly
	return f
}

// duration is a duration as a spec writes it (1h, 500ms, 30d).
func duration(d time.Duration) string { return model.Duration(d).String() }
