package slo

import (
	"fmt"
	"slices"
)

// Regions says how an SLO is tracked when each region has its own
// Prometheus: the region's evaluates the edge tier of its rules over its
// raw series, a global evaluator the global tier over what every region
// sends, per region and over all of them.
type Regions struct {
	// Label names the region on the series a region sends.
	Label string
	// ReplicaLabel tells a region's HA pair apart: its series count once.
	ReplicaLabel string
	// Expected are the regions that must report; empty when not known.
	Expected []string
	// Gate is what a deploy to one region is judged by.
	Gate RegionGate
}

// RegionGate is which budgets the deploy gate judges a deploy to one
// region by.
type RegionGate string

// The budgets a deploy to one region can be judged by.
const (
	// GateRegionAndGlobal: the region's budget and the global one, so a
	// deploy to a healthy region passes while another burns, unless the
	// global budget is out.
	GateRegionAndGlobal RegionGate = "both"
	GateRegionOnly      RegionGate = "region"
	GateGlobalOnly      RegionGate = "global"
)

// RegionGates lists the values of regions.gate; a new slice each time.
func RegionGates() []RegionGate {
	return []RegionGate{GateRegionAndGlobal, GateRegionOnly, GateGlobalOnly}
}

// maxRegions bounds the regions a spec names: each is a rule of its own.
const maxRegions = 50

// The defaults of regions: the label most setups put on a region's series,
// and the prometheus-operator's replica label.
const (
	DefaultRegionLabel  = "region"
	DefaultReplicaLabel = "prometheus_replica"
)

// DefaultRegions are the regions settings of a spec that names none.
func DefaultRegions() Regions {
	return Regions{Label: DefaultRegionLabel, ReplicaLabel: DefaultReplicaLabel, Gate: GateRegionAndGlobal}
}

// RegionsOrDefault are the SLO's regions settings, or the defaults when
// its spec names none: every SLO that reads events can be split into
// tiers.
func (s *SLO) RegionsOrDefault() Regions {
	if s.Regions != nil {
		return *s.Regions
	}
	return DefaultRegions()
}

// convertRegions reads a service's regions; nil when it names none.
func (c *converter) convertRegions(in *specRegions, path string) *Regions {
	if in == nil {
		return nil
	}
	r := DefaultRegions()
	if in.Label != "" {
		r.Label = in.Label
		c.checkLabelName(path+".label", in.Label)
	}
	if in.ReplicaLabel != "" {
		r.ReplicaLabel = in.ReplicaLabel
		c.checkLabelName(path+".replicaLabel", in.ReplicaLabel)
	}
	if r.ReplicaLabel == r.Label {
		c.Fail(path+".replicaLabel", "%q is the region label too: an HA pair's replicas need a label of their own", r.Label)
	}
	if in.Gate != "" {
		r.Gate = RegionGate(in.Gate)
		if !slices.Contains(RegionGates(), r.Gate) {
			c.Fail(path+".gate", "unknown value %q (want both, region or global)", in.Gate)
		}
	}
	if len(in.Expected) > maxRegions {
		c.Fail(path+".expected", "%d regions: at most %d", len(in.Expected), maxRegions)
	}
	for i, name := range in.Expected {
		p := fmt.Sprintf("%s.expected[%d]", path, i)
		switch {
		case name == "":
			c.Fail(p, "an empty region name")
		case !ValidName(name):
			c.Fail(p, "%q is not a valid region name: use letters, digits, '.', '_' and '-'", name)
		case slices.Contains(in.Expected[:i], name):
			c.Fail(p, "%q is listed twice", name)
		}
	}
	r.Expected = in.Expected
	return &r
}

// checkRegions checks that an SLO can be split over regions: it must read
// events (a raw SLI's ratio cannot be added up over regions; a journey
// reads its members' recorded series and is no region's), and must not
// group by the region label, which the global tier adds itself.
func (c *converter) checkRegions(s *SLO, path string) {
	if s.Regions == nil {
		return
	}
	switch {
	case s.SLI.Kind == Raw:
		c.Warn(path+".sli", "the service's regions do not apply: a raw SLI gives ratios, which cannot be added up over regions")
		s.Regions = nil
	case s.SLI.Kind == Journey:
		s.Regions = nil
	case slices.Contains(s.Grouping, s.Regions.Label):
		c.Fail(path+".grouping", "%q is the service's region label (regions.label): the global tier keeps a budget per region and one over all of them without grouping by it", s.Regions.Label)
	}
}

// ByRegion is the SLO as the global tier of its rules tracks it: grouped
// by the region label as well, each region a group and the global budget
// the group without a region. An SLO without regions is returned as is.
// The deploy gate and the budget service read a regional SLO's series
// through it, which holds for rules of one Prometheus too: they record
// the global group alone.
func (s *SLO) ByRegion() *SLO {
	if s.Regions == nil || slices.Contains(s.Grouping, s.Regions.Label) {
		return s
	}
	c := *s
	c.Grouping = append(slices.Clip(s.Grouping), s.Regions.Label)
	return &c
}

// TrackedByRegion returns the services with every SLO that can be split
// over regions tracked by them: those whose specs name no regions get the
// defaults, expecting the regions named. An SLO whose spec names regions
// keeps them, and the services given are not changed. slokit simulate and
// its demo backend use it for a scenario with regions over specs written
// for one Prometheus, so that the budget service reads them by region as
// the simulated global tier records them.
func TrackedByRegion(services []*Service, regions []string) []*Service {
	out := make([]*Service, len(services))
	for i, svc := range services {
		c := *svc
		c.SLOs = make([]*SLO, len(svc.SLOs))
		for j, s := range svc.SLOs {
			c.SLOs[j] = s
			if s.Regions != nil || s.SLI.Kind == Raw || s.SLI.Kind == Journey || slices.Contains(s.Grouping, DefaultRegionLabel) {
				continue
			}
			own := *s
			r := DefaultRegions()
			r.Expected = slices.Clone(regions)
			own.Regions = &r
			c.SLOs[j] = &own
		}
		out[i] = &c
	}
	return out
}
