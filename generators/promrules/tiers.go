package promrules

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/burnrate"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// Tier is the part of an SLO's rules one evaluator runs, when each region
// has its own Prometheus and no server sees every raw series.
//
// The edge tier, on each region's Prometheus, reads the raw series: it
// records what they counted in each base window (series.EdgeTotal and
// EdgeErrors), nothing else. Those reach a global evaluator with the
// region's external labels, by federation or remote write, and the global
// tier does everything else there, over the SLO grouped by the region
// label as well (slo.SLO.ByRegion): it adds up each region's increments,
// an HA pair's counted once, and all regions' together, as base
// increments of its own, a group per region and the group without a
// region label for the whole, from which windows, budgets, burn rates and
// alerts follow as they do on one Prometheus. The edge sends one series
// per count and group each base window, whatever the raw series.
type Tier string

// The tiers; TierAll is the rules of one Prometheus that sees every raw
// series, as slokit writes them without --tier.
const (
	TierAll    Tier = ""
	TierEdge   Tier = "edge"
	TierGlobal Tier = "global"
)

// Tiers lists the tiers --tier takes; a new slice each time.
func Tiers() []Tier { return []Tier{TierEdge, TierGlobal} }

// TierGroup compiles one SLO's rules of tier t; false when the tier holds
// none of them: a journey reads recorded series only, so it has no edge
// rules, and its global rules are the ones of one Prometheus; a raw SLI
// cannot be split (checkTier).
func TierGroup(s *slo.SLO, t Tier) (rulefmt.RuleGroup, bool) {
	return tierGroup(s, t, "")
}

// EdgeGroup compiles one SLO's edge tier for a region's Prometheus whose
// external labels do not name the region: what it records is labelled
// with region, as Output.Region does for a file.
func EdgeGroup(s *slo.SLO, region string) (rulefmt.RuleGroup, bool) {
	return tierGroup(s, TierEdge, region)
}

// tierGroup is TierGroup, with the edge tier's series labelled with a
// region's name when it is not empty (Output.Region).
func tierGroup(s *slo.SLO, t Tier, region string) (rulefmt.RuleGroup, bool) {
	if t != TierAll && s.SLI.Kind == slo.Raw || t == TierEdge && s.SLI.Kind == slo.Journey {
		return rulefmt.RuleGroup{}, false
	}
	if t == TierGlobal && s.SLI.Kind != slo.Journey {
		s = regional(s)
	}
	if t != TierEdge {
		region = ""
	}
	return compile(s, t, region), true
}

// regional is the SLO as the global tier tracks it: by region too, with
// the defaults when its spec names no regions.
func regional(s *slo.SLO) *slo.SLO {
	if s.Regions == nil {
		c := *s
		r := slo.DefaultRegions()
		c.Regions = &r
		s = &c
	}
	return s.ByRegion()
}

// checkTier reports an SLO that cannot be split into tiers: a raw SLI's
// error ratio is a ratio, which no global evaluator can add up over
// regions.
func checkTier(t Tier, services []*slo.Service) error {
	if t == TierAll {
		return nil
	}
	if !slices.Contains(Tiers(), t) {
		return fmt.Errorf("unknown tier %q (want edge or global)", t)
	}
	for _, svc := range services {
		for _, s := range svc.SLOs {
			if s.SLI.Kind == slo.Raw {
				return fmt.Errorf("%s: SLO %s has a raw SLI, whose ratio cannot be added up over regions: it cannot be split into tiers", svc.Name, s.Name)
			}
		}
	}
	return nil
}

// edgeRules record, for a region's Prometheus, the events of each base
// window as its raw series count them, maintenance windows included: the
// global tier leaves those out, as it knows the windows made through
// slokit serve. After a monitoring gap of up to an hour (the region's
// Prometheus down), what the gap missed is recorded once, as an increment
// of its own (series.RecoveredLabel), as the hourly blocks of one
// Prometheus recover it.
func (b *builder) edgeRules() {
	for _, v := range b.variants() {
		total, errs := b.rawIncrements(v)
		ls := b.withLabels(v, series.WindowLabel, b.window(b.slo.BaseWindow))
		b.record(series.EdgeTotal, total, ls)
		b.record(series.EdgeErrors, errs, ls)
		totalDelta, errsDelta := b.rawDeltas(v, burnrate.BlockSize)
		if totalDelta == nil {
			continue // raw series that cannot tell what a gap missed
		}
		recovered := maps.Clone(ls)
		recovered[series.RecoveredLabel] = series.RecoveredGap
		b.record(series.EdgeTotal, b.edgeRecovery(v, totalCount, totalDelta), recovered)
		b.record(series.EdgeErrors, b.edgeRecovery(v, errorsCount, errsDelta), recovered)
	}
}

// edgeRecovery is what the raw counters counted of one count over the last
// hour and the edge increments did not, at the first evaluation after a
// gap (the one that finds no increment a step before) of rules that ran
// before it; absent otherwise, and when nothing was missed.
func (b *builder) edgeRecovery(v variant, n count, rawDelta parser.Expr) parser.Expr {
	g := b.slo.Grouping
	step, hour := b.slo.BaseWindow, burnrate.BlockSize
	// Everything the edge recorded over the last hour, what it recovered
	// after an earlier gap too: a second gap within the hour must not
	// recover the first's events again.
	recorded := sumWithout(call("sum_over_time", rangeOf(b.recorded(n.edge, v, series.WindowLabel, b.window(step)), hour-step/2)), series.WindowLabel, series.RecoveredLabel)
	missed := call("clamp_min", binary(parser.SUB, rawDelta, recorded, on(g...)), num(0))
	afterGap := binary(parser.EQLC, sumWithout(call("count_over_time", rangeOf(b.baseSeries(v, n), step+step/2)), series.WindowLabel), num(1), nil)
	ran := call("count_over_time", &parser.SubqueryExpr{Expr: b.baseSeries(v, totalCount), Range: gapHistory - hour, Step: hour, OriginalOffset: hour})
	recovery := binary(parser.LAND, binary(parser.LAND, missed, afterGap, on(g...)), binary(parser.GTR, ran, num(0), nil), on(g...))
	return binary(parser.GTR, recovery, num(0), nil)
}

// regionIncrements adds up what the regions' edge rules recorded of one
// count: per region (an HA pair's replicas count once: the highest), and
// over all regions, as a series without the region label. Each region's
// increment is read a half base window late, over a range 1ms short of a
// base window, as a journey reads its members': exactly one increment per
// region whatever the phases of the edge's and the global evaluator's
// rule groups, and one that has arrived by then.
func (b *builder) regionIncrements(v variant, edge string) parser.Expr {
	r := b.slo.RegionsOrDefault()
	base := b.slo.BaseWindow
	vs := b.recorded(edge, v, series.WindowLabel, b.window(base))
	vs.OriginalOffset = base / 2
	read := &parser.AggregateExpr{Op: parser.MAX, Without: true, Grouping: []string{r.ReplicaLabel},
		Expr: call("sum_over_time", rangeOf(vs, base-time.Millisecond))}
	whole := slices.DeleteFunc(slices.Clone(b.slo.Grouping), func(l string) bool { return l == r.Label })
	return binary(parser.LOR, sumBy(b.slo.Grouping, read), sumBy(whole, read), nil)
}

// reportingRules record, for each expected region, whether its edge
// increments arrived: a region that sends nothing lowers the global
// budget's events, and the budget service must tell that from a quiet
// region.
func (b *builder) reportingRules() {
	r := b.slo.RegionsOrDefault()
	base := b.slo.BaseWindow
	v := b.variants()[0]
	for _, region := range r.Expected {
		vs := b.recorded(series.EdgeTotal, v, series.WindowLabel, b.window(base))
		vs.LabelMatchers = append(slices.Clip(vs.LabelMatchers), labels.MustNewMatcher(labels.MatchEqual, r.Label, region))
		vs.OriginalOffset = base / 2
		arrived := &parser.AggregateExpr{Op: parser.COUNT, Expr: call("count_over_time", rangeOf(vs, base-time.Millisecond))}
		reporting := binary(parser.LOR, &parser.BinaryExpr{Op: parser.GTR, LHS: arrived, RHS: num(0), ReturnBool: true}, call("vector", num(0)), nil)
		ls := map[string]string{series.ServiceLabel: b.slo.Service, series.SLOLabel: b.slo.Name, r.Label: region}
		b.record(series.RegionReporting, reporting, ls)
	}
}
