package simulate

import (
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/slo"
)

// A scenario with regions is simulated as a Prometheus per region and a
// global evaluator, in one engine: each region's raw series carry its
// name in the SLO's region label, as a global query would see them; an
// edge group per region and SLO reads that region's series only and
// labels what it records with the region, as the region's external
// labels would; the global tier's groups read what every edge group
// recorded. A region's monitoring gap stops its scrapes and its edge
// groups (engine.Group.Down); the global evaluator goes on.

// inRegion is the SLO as one region's Prometheus reads it when every
// region's raw series are in one engine: each selector of its SLI
// restricted to the region's series.
func inRegion(s *slo.SLO, region string) *slo.SLO {
	m := labels.MustNewMatcher(labels.MatchEqual, s.RegionsOrDefault().Label, region)
	restrict := func(sel *slo.Selector) *slo.Selector {
		if sel == nil {
			return nil
		}
		c := *sel
		c.Matchers = append(slices.Clip(sel.Matchers), m)
		return &c
	}
	c := *s
	c.SLI.Total, c.SLI.Errors, c.SLI.Good = restrict(s.SLI.Total), restrict(s.SLI.Errors), restrict(s.SLI.Good)
	c.SLI.Histogram, c.SLI.Gauge = restrict(s.SLI.Histogram), restrict(s.SLI.Gauge)
	return &c
}

// edgeGroups are the edge tier's groups of every SLO that reads raw
// series, one per region, each down when its region's Prometheus is. Their
// names say the region: the cost of each region's cycle is its own.
func (b *Backtest) edgeGroups(services []*slo.Service) []engine.Group {
	var out []engine.Group
	for _, r := range b.Scenario.Regions {
		down := func(t time.Time) bool { return !b.Scenario.RegionMonitored(r.Name, t.Sub(b.start)) }
		for _, svc := range services {
			for _, s := range svc.SLOs {
				g, ok := promrules.EdgeGroup(inRegion(s, r.Name), r.Name)
				if !ok {
					continue
				}
				g.Name += ":edge:" + r.Name
				out = append(out, engine.Group{File: r.Name + "/" + promrules.FileName(svc.Name), RuleGroup: g, Down: down})
			}
		}
	}
	return out
}

// regionWarnings name the scenario's regions an SLO's spec does not
// expect, which it then tracks all the same.
func regionWarnings(sc *scenario.Scenario, services []*slo.Service) []string {
	var out []string
	for _, svc := range services {
		for _, s := range svc.SLOs {
			if s.Regions == nil || len(s.Regions.Expected) == 0 {
				continue
			}
			for _, r := range sc.Regions {
				if !slices.Contains(s.Regions.Expected, r.Name) {
					out = append(out, fmt.Sprintf("scenario %s: region %s is not among the regions service %s expects (regions.expected): its budget is tracked all the same", sc.Name, r.Name, svc.Name))
				}
			}
			break // the regions are the service's
		}
	}
	return out
}
