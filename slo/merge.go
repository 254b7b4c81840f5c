package slo

import (
	"fmt"
	"maps"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/internal/strictyaml"
)

// A service may be defined in several files: Sloth users often keep a file
// per SLO. Its definitions merge, in file order, into one service (one
// rule file, one dashboard, one imported spec) when each brings SLO names
// the service does not have yet. A definition that repeats an SLO name is
// left out whole, with an error at that SLO, and the service keeps the
// others.

// definition is one document's definition of a service: its file and its
// SLOs, each with where its name stands.
type definition struct {
	service string
	file    string
	slos    []definedSLO
}

type definedSLO struct {
	name         string
	index        int // in the document's slos
	line, column int // of the name, 0 when unknown
}

// definitionOf is svc's definition, positioned in its native document
// (nil when there is none to read positions from).
func definitionOf(svc *Service, file string, root *yaml.Node) definition {
	d := definition{service: svc.Name, file: file}
	at := map[string][2]int{}
	index := map[string]int{}
	for i, item := range sequenceOf(root, "slos") {
		if name := strictyaml.MappingValue(item, "name"); name != nil {
			at[name.Value] = [2]int{name.Line, name.Column}
			index[name.Value] = i
		}
	}
	for i, s := range svc.SLOs {
		pos, ok := at[s.Name]
		j := i
		if ok {
			j = index[s.Name]
		}
		d.slos = append(d.slos, definedSLO{name: s.Name, index: j, line: pos[0], column: pos[1]})
	}
	return d
}

// mergeable decides which definitions join their service, a file at a
// time: keep[i] is false for every definition of a file that repeats an
// SLO name its service already has from an earlier file (or from itself),
// reported where that SLO is named. A file is taken whole or not at all,
// so that a file left out never takes another's place.
func mergeable(defs []definition) (keep []bool, diags Diagnostics) {
	keep = make([]bool, len(defs))
	// service -> SLO name -> where it was first defined
	known := map[string]map[string]string{}
	for start := 0; start < len(defs); {
		end := start + 1
		for end < len(defs) && defs[end].file == defs[start].file {
			end++
		}
		// service -> SLO name -> where, for this file's definitions
		added := map[string]map[string]string{}
		ok := true
		for _, d := range defs[start:end] {
			if added[d.service] == nil {
				added[d.service] = map[string]string{}
			}
			for _, s := range d.slos {
				first, dup := known[d.service][s.name]
				if !dup {
					first, dup = added[d.service][s.name]
				}
				if dup {
					ok = false
					diags = append(diags, &Diagnostic{File: d.file, Line: s.line, Column: s.column, Path: fmt.Sprintf("slos[%d].name", s.index),
						Message: fmt.Sprintf("SLO %q of service %q is already defined in %s: an SLO's name is unique within its service, whichever files define it", s.name, d.service, first)})
					continue
				}
				where := d.file
				if s.line > 0 {
					where = fmt.Sprintf("%s:%d", d.file, s.line)
				}
				added[d.service][s.name] = where
			}
		}
		for i := start; i < end; i++ {
			keep[i] = ok
		}
		if ok {
			for service, slos := range added {
				if known[service] == nil {
					known[service] = map[string]string{}
				}
				maps.Copy(known[service], slos)
			}
		}
		start = end
	}
	return keep, diags
}

// mergeServices joins the services defined in several files: the first
// definition gathers the SLOs of the others that mergeable keeps.
func mergeServices(services []*Service, defs []definition) ([]*Service, Diagnostics) {
	keep, diags := mergeable(defs)
	var out []*Service
	first := map[string]*Service{}
	for i, svc := range services {
		if !keep[i] {
			continue
		}
		f, ok := first[svc.Name]
		if !ok {
			first[svc.Name] = svc
			out = append(out, svc)
			continue
		}
		f.SLOs = append(f.SLOs, svc.SLOs...)
		// Each SLO carries its own labels; the service keeps those every
		// definition agrees on.
		maps.DeleteFunc(f.Labels, func(k, v string) bool { return svc.Labels[k] != v })
	}
	return out, diags
}

// mergeNative joins a service's native document from another file into
// the first's: its SLOs are appended. Service-level labels that differ
// are moved down into each SLO (an SLO's own labels win, as they do over
// the service's), so that every SLO keeps the labels it had; any other
// service-level setting must be the same in both.
func mergeNative(into, from *yaml.Node) error {
	for _, key := range serviceLevelKeys(into, from) {
		if key == "slos" || key == "labels" {
			continue
		}
		if !sameNode(strictyaml.MappingValue(into, key), strictyaml.MappingValue(from, key)) {
			return fmt.Errorf("%s differs from the service's other definition: set it per SLO, or the same in every file", key)
		}
	}
	if !sameNode(strictyaml.MappingValue(into, "labels"), strictyaml.MappingValue(from, "labels")) {
		pushLabelsDown(into)
		pushLabelsDown(from)
	}
	intoSLOs := strictyaml.MappingValue(into, "slos")
	if intoSLOs == nil {
		intoSLOs = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		into.Content = append(into.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "slos"}, intoSLOs)
	}
	intoSLOs.Content = append(intoSLOs.Content, sequenceOf(from, "slos")...)
	return nil
}

// serviceLevelKeys are the keys of either mapping, in a stable order.
func serviceLevelKeys(a, b *yaml.Node) []string {
	seen := map[string]bool{}
	for _, m := range []*yaml.Node{a, b} {
		for i := 0; i+1 < len(m.Content); i += 2 {
			seen[m.Content[i].Value] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// pushLabelsDown moves a document's service labels into each of its SLOs,
// under the SLO's own.
func pushLabelsDown(doc *yaml.Node) {
	labels := strictyaml.MappingValue(doc, "labels")
	if labels == nil {
		return
	}
	for _, item := range sequenceOf(doc, "slos") {
		own := strictyaml.MappingValue(item, "labels")
		merged := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: labels.Line, Column: labels.Column}
		for i := 0; i+1 < len(labels.Content); i += 2 {
			if own == nil || strictyaml.MappingValue(own, labels.Content[i].Value) == nil {
				merged.Content = append(merged.Content, labels.Content[i], labels.Content[i+1])
			}
		}
		if own != nil {
			merged.Content = append(merged.Content, own.Content...)
			own.Content = merged.Content
			continue
		}
		item.Content = append(item.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "labels"}, merged)
	}
	removeKey(doc, "labels")
}

func sequenceOf(m *yaml.Node, key string) []*yaml.Node {
	if s := strictyaml.MappingValue(m, key); s != nil && s.Kind == yaml.SequenceNode {
		return s.Content
	}
	return nil
}

func removeKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = slices.Delete(m.Content, i, i+2)
			return
		}
	}
}

// sameNode compares two YAML values, not where they stand.
func sameNode(a, b *yaml.Node) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind == yaml.AliasNode {
		a = a.Alias
	}
	if b.Kind == yaml.AliasNode {
		b = b.Alias
	}
	if a.Kind != b.Kind || a.Value != b.Value || len(a.Content) != len(b.Content) {
		return false
	}
	if a.Kind == yaml.ScalarNode && a.ShortTag() != b.ShortTag() {
		return false
	}
	for i := range a.Content {
		if !sameNode(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}
