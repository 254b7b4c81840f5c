package importer

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/internal/strictyaml"
	"github.com/slokit/slokit/slo/schema"
)

// translateOpenSLOAlpha translates an openslo/v1alpha SLO as Sloth reads
// it: each objective, with its own ratio queries using {{.window}}, is an
// SLO (named after the object, with -N for the Nth when there are more).
func translateOpenSLOAlpha(d *strictyaml.Document, in *oslAlphaSLODoc) []*yaml.Node {
	n := nodes{src: d, top: d.Node("")}
	s := in.Spec
	if s.Service == "" {
		d.Fail("spec.service", "missing: the service the SLO belongs to")
	}
	if s.BudgetingMethod != "Occurrences" {
		d.Fail("spec.budgetingMethod", "only Occurrences is supported, got %q: reading a time-slice SLO as occurrences would change what it promises", s.BudgetingMethod)
	}
	if in.Metadata.DisplayName != "" {
		d.Warn("metadata.displayName", "not carried over: slokit shows names")
	}
	period, calendar := alphaPeriod(d, n, s)
	var out []*yaml.Node
	for i, o := range s.Objectives {
		op := objectivePath(i)
		if o.RatioMetrics == nil || o.RatioMetrics.Total == nil || (o.RatioMetrics.Good == nil) == (o.RatioMetrics.Bad == nil) {
			d.Fail(op+".ratioMetrics", "needs good or bad, and total queries")
			continue
		}
		if o.Target == nil {
			d.Fail(op+".target", "missing: the objective as a fraction, such as 0.999")
			continue
		}
		name := in.Metadata.Name
		if len(s.Objectives) > 1 {
			name = fmt.Sprintf("%s-%d", name, i)
		}
		slo := n.mapping(op)
		set(slo, schema.KeyName, n.str("metadata.name", name))
		set(slo, schema.KeyDescription, n.copyOf("spec.description"))
		set(slo, schema.KeyObjective, percentOfFraction(n.at(op+".target")))
		set(slo, schema.KeyPeriod, period)
		if calendar != nil {
			set(slo, schema.KeyPeriod, strictyaml.MappingValue(calendar, "period"))
			set(slo, schema.KeyTimezone, strictyaml.MappingValue(calendar, "timezone"))
		}
		set(slo, schema.KeySli, alphaSLI(n, op, o.RatioMetrics))
		out = append(out, slo)
	}
	if d.ErrorCount() > 0 {
		return nil
	}
	return out
}

// alphaPeriod is the SLO's rolling period, or the calendar period's node
// (its period and timezone).
func alphaPeriod(d *strictyaml.Document, n nodes, s oslAlphaSpec) (period, calendar *yaml.Node) {
	switch {
	case len(s.TimeWindows) != 1:
		d.Fail("spec.timeWindows", "needs exactly one time window, such as [{count: 30, unit: Day}]")
	case s.TimeWindows[0].Calendar != nil || (s.TimeWindows[0].IsRolling != nil && !*s.TimeWindows[0].IsRolling):
		tw := s.TimeWindows[0]
		var unit, start, zone string
		if tw.Count != nil && *tw.Count == 1 {
			unit = map[string]string{"Month": "calendar-month", "Week": "calendar-week"}[tw.Unit]
		}
		if tw.Calendar != nil {
			start, zone = tw.Calendar.StartTime, tw.Calendar.TimeZone
		}
		calendar = n.mapping("spec.timeWindows[0]")
		openSLOCalendar(n, d, calendar, "spec.timeWindows[0]", unit, start, zone)
	default:
		tw := s.TimeWindows[0]
		units := map[string]string{"Second": "s", "Minute": "m", "Hour": "h", "Day": "d", "Week": "w"}
		u, ok := units[tw.Unit]
		if !ok || tw.Count == nil || *tw.Count <= 0 || *tw.Count != float64(int(*tw.Count)) {
			d.Fail("spec.timeWindows[0]", "needs a whole count of Second, Minute, Hour, Day or Week (calendar units are not supported), got %v %s", tw.Count, tw.Unit)
		} else {
			period = n.str("spec.timeWindows[0]", fmt.Sprintf("%d%s", int(*tw.Count), u))
		}
	}
	return period, calendar
}

// alphaSLI is an objective's ratio metrics as a native SLI: a histogram's
// bucket over its count is a latency SLI, selectors a ratio one, anything
// else a raw error ratio.
func alphaSLI(n nodes, op string, rm *oslAlphaRatioMetrics) *yaml.Node {
	sli := n.mapping(op + ".ratioMetrics")
	good, isGood := rm.Good, true
	if good == nil {
		good, isGood = rm.Bad, false
	}
	goodPath := op + ".ratioMetrics.good.query"
	if !isGood {
		goodPath = op + ".ratioMetrics.bad.query"
	}
	part, okPart := slothRateSelector(good.Query)
	total, okTotal := slothRateSelector(rm.Total.Query)
	hist, threshold, isLatency := histogramBucketAndCount(part, total)
	switch {
	case okPart && okTotal && isGood && isLatency:
		// A histogram's bucket over its count: a latency SLI.
		lat := n.mapping(op + ".ratioMetrics")
		set(lat, schema.KeyHistogram, n.str(goodPath, hist))
		set(lat, schema.KeyThreshold, n.str(goodPath, threshold))
		set(sli, schema.KeyLatency, lat)
	case okPart && okTotal:
		ratio := n.mapping(op + ".ratioMetrics")
		key := schema.KeyGood
		if !isGood {
			key = schema.KeyErrors
		}
		set(ratio, key, n.str(goodPath, part))
		set(ratio, schema.KeyTotal, n.str(op+".ratioMetrics.total.query", total))
		set(sli, schema.KeyRatio, ratio)
	default:
		expr := "1 - (" + good.Query + ") / (" + rm.Total.Query + ")"
		if !isGood {
			expr = "(" + good.Query + ") / (" + rm.Total.Query + ")"
		}
		raw := n.mapping(goodPath)
		set(raw, schema.KeyErrorRatio, n.str(goodPath, strings.ReplaceAll(expr, slothWindow, schema.WindowPlaceholder)))
		set(sli, schema.KeyRaw, raw)
	}
	return sli
}
