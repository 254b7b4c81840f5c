package importer

import (
	"fmt"
	"math/big"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/internal/strictyaml"
	"github.com/slokit/slokit/slo/schema"
)

// isComposite reports whether an SLO is a composite one: its objectives
// name their own indicators.
func isComposite(s oslSLOSpec) bool {
	for _, o := range s.Objectives {
		if o.Indicator != nil || o.IndicatorRef != "" {
			return true
		}
	}
	return false
}

// compositePart is a composite's objective as a native SLO: the SLO's
// node, the journey's member node naming it, and its weight and objective
// (a fraction) for the journey's objective.
type compositePart struct {
	slo, member    *yaml.Node
	name           string
	weight, target *big.Rat
}

// composite translates a composite SLO into one SLO per objective, each
// over the objective's indicator with its target, and a weighted journey
// over them named as the composite: its error ratio is the members' mean by
// compositeWeight, and its objective the members' mean by the same
// weights, so that members each spending exactly their budget spend
// exactly the journey's. Every SLO takes the composite's period and alert
// tiers (a weighted journey reads its members' ratios over its own
// windows); the journey depends on its members, so its pages wait while a
// member's page, which names the part that fails, fires.
func (t *oslTranslation) composite(in *oslSLODoc) []*yaml.Node {
	d, n, s := t.d, t.n, in.Spec
	if s.Indicator != nil || s.IndicatorRef != "" {
		path := "spec.indicator"
		if s.IndicatorRef != "" {
			path = "spec.indicatorRef"
		}
		d.Fail(path, "a composite SLO's objectives name their own indicators: leave the SLO's indicator out, or the objectives' (an SLO of one indicator)")
		return nil
	}
	period := n.mapping("")
	t.timeWindow(period, s)
	alerting := openSLOAlerting(d, n, in, t.reg)
	var parts []compositePart
	taken := map[string]bool{}
	for i, o := range s.Objectives {
		if p, ok := t.compositePart(in, o, i, period, taken); ok {
			set(p.slo, schema.KeyAlerting, alerting)
			parts = append(parts, p)
		}
	}
	if len(parts) != len(s.Objectives) || d.ErrorCount() > 0 {
		return nil
	}
	journey := t.compositeJourney(parts, period)
	set(journey, schema.KeyAlerting, alerting)
	set(journey, schema.KeyDependsOn, compositeDependencies(n, parts))
	slos := make([]*yaml.Node, 0, len(parts)+1)
	names := make([]string, len(parts))
	for i, p := range parts {
		slos, names[i] = append(slos, p.slo), p.name
	}
	d.Warn("spec.objectives", "a composite SLO becomes one SLO per objective (%s) and a weighted journey %s over them, whose objective is their mean by compositeWeight (%s%%); each alerts at the composite's tiers, and the journey's pages wait while a member's page fires (dependsOn)",
		strings.Join(names, ", "), in.Metadata.Name, strictyaml.MappingValue(strictyaml.MappingValue(journey, schema.KeyObjectives).Content[0], schema.KeyObjective).Value)
	return append(slos, journey)
}

// compositePart translates objective i of a composite into its SLO, named
// after the composite and its indicator, over the composite's period (the
// keys of period).
func (t *oslTranslation) compositePart(in *oslSLODoc, o oslObjective, i int, period *yaml.Node, taken map[string]bool) (compositePart, bool) {
	d, n, s := t.d, t.n, in.Spec
	op := objectivePath(i)
	if o.Indicator == nil && o.IndicatorRef == "" {
		d.Fail(op+".indicatorRef", "missing: in a composite SLO every objective names its indicator (indicator or indicatorRef)")
		return compositePart{}, false
	}
	p := compositePart{weight: big.NewRat(1, 1)}
	if o.CompositeWeight != nil {
		if *o.CompositeWeight <= 0 {
			d.Fail(op+".compositeWeight", "must be above 0, got %s", n.at(op+".compositeWeight").Value)
			return compositePart{}, false
		}
		p.weight = ratOf(n.at(op + ".compositeWeight"))
	}
	mt := &oslTranslation{d: d, n: n, reg: t.reg}
	sli, ok := mt.indicator(o.Indicator, o.IndicatorRef, op)
	if !ok {
		return compositePart{}, false
	}
	sliNode, objectives, ok := mt.sliAndObjectives(s, sli, op+".indicator.spec", i)
	if !ok || len(objectives) != 1 {
		return compositePart{}, false
	}
	p.name = memberName(in.Metadata.Name, o, i, taken)
	p.target = ratOf(strictyaml.MappingValue(objectives[0], schema.KeyObjective))
	p.slo = n.mapping(op)
	set(p.slo, schema.KeyName, n.str(op, p.name))
	if o.DisplayName != "" {
		set(p.slo, schema.KeyDescription, n.at(op+".displayName"))
	}
	set(p.slo, schema.KeyLabels, n.copyOf("metadata.labels"))
	p.slo.Content = append(p.slo.Content, period.Content...)
	set(p.slo, schema.KeySli, sliNode)
	list := n.sequence(op)
	list.Content = objectives
	set(p.slo, schema.KeyObjectives, list)

	p.member = n.mapping(op)
	set(p.member, schema.KeyService, n.at("spec.service"))
	set(p.member, schema.KeySlo, n.str(op, p.name))
	set(p.member, schema.KeyThreshold, strictyaml.MappingValue(objectives[0], schema.KeyThreshold))
	if o.CompositeWeight != nil {
		set(p.member, schema.KeyWeight, n.at(op+".compositeWeight"))
	}
	return p, true
}

// compositeJourney is the weighted journey over a composite's parts, named
// as the composite, over its period (the keys of period).
func (t *oslTranslation) compositeJourney(parts []compositePart, period *yaml.Node) *yaml.Node {
	n := t.n
	var weights, weighted big.Rat
	members := n.sequence("spec.objectives")
	for _, p := range parts {
		weights.Add(&weights, p.weight)
		weighted.Add(&weighted, new(big.Rat).Mul(p.target, p.weight))
		members.Content = append(members.Content, p.member)
	}
	objective := n.mapping("spec.objectives")
	set(objective, schema.KeyObjective, percentNode(n.at("spec.objectives"), weighted.Quo(&weighted, &weights)))
	objectives := n.sequence("spec.objectives")
	objectives.Content = []*yaml.Node{objective}
	journey := n.mapping("spec.objectives")
	set(journey, schema.KeyAggregation, n.str("spec.objectives", "weighted"))
	set(journey, schema.KeyMembers, members)
	sli := n.mapping("spec.objectives")
	set(sli, schema.KeyJourney, journey)

	out := n.mapping("")
	t.header(out)
	out.Content = append(out.Content, period.Content...)
	set(out, schema.KeySli, sli)
	set(out, schema.KeyObjectives, objectives)
	return out
}

// compositeDependencies are the journey's dependencies: its members.
func compositeDependencies(n nodes, parts []compositePart) *yaml.Node {
	deps := n.sequence("spec.objectives")
	for _, p := range parts {
		dep := n.mapping("spec.objectives")
		set(dep, schema.KeyService, strictyaml.MappingValue(p.member, schema.KeyService))
		set(dep, schema.KeySlo, strictyaml.MappingValue(p.member, schema.KeySlo))
		deps.Content = append(deps.Content, dep)
	}
	return deps
}

// memberName names the SLO a composite's objective becomes: the composite's
// name and its indicator's, or the objective's place when that is taken.
func memberName(composite string, o oslObjective, i int, taken map[string]bool) string {
	indicator := o.IndicatorRef
	if o.Indicator != nil {
		indicator = o.Indicator.Metadata.Name
	}
	name := composite + "-" + indicator
	if indicator == "" || taken[name] {
		name = fmt.Sprintf("%s-%d", composite, i+1)
	}
	taken[name] = true
	return name
}

// ratOf is a number node's exact value (0 when it is not a number, which
// the native checks then report).
func ratOf(at *yaml.Node) *big.Rat {
	r, ok := new(big.Rat).SetString(at.Value)
	if !ok {
		return new(big.Rat)
	}
	return r
}
