package importer

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/internal/strictyaml"
	"github.com/slokit/slokit/slo/schema"
)

// What slokit's OpenSLO export carries in slokit.dev/ annotations: a
// native field OpenSLO v1 has no place for, as its native YAML, under its
// native key. Import puts each back where it was, so that a spec
// exported and imported again generates the same rules.

// carriedSLOKeys are the native SLO fields an SLO's annotations may
// carry: name and service are the exact names behind the DNS labels
// OpenSLO names objects by; sli and objectives, an SLI v1 cannot say,
// come together.
var carriedSLOKeys = []string{
	schema.KeyName, schema.KeyService, schema.KeySli, schema.KeyObjectives, schema.KeyAlerting,
	schema.KeyGrouping, schema.KeyRenameLabels, schema.KeyScrapeInterval, schema.KeyBaseWindow,
	schema.KeyPolicy, schema.KeyMaintenance, schema.KeyDependsOn,
}

// carriedServiceKeys are the native service fields a Service object's
// annotations may carry.
var carriedServiceKeys = []string{schema.KeyRegions}

// carried are the native fields an object's annotations carry, by key,
// each positioned at its annotation.
type carried map[string]*yaml.Node

// readCarried reads the slokit.dev/ annotations of the document's
// metadata: each a key of known, holding YAML. Other annotations are
// no business of slokit's; they are warned of as not carried over.
func readCarried(d *strictyaml.Document, annotations map[string]string, known []string) carried {
	out := carried{}
	var foreign []string
	for _, k := range slices.Sorted(maps.Keys(annotations)) {
		key, ours := strings.CutPrefix(k, schema.AnnotationPrefix)
		path := "metadata.annotations." + k
		switch {
		case !ours:
			foreign = append(foreign, k)
			continue
		case !slices.Contains(known, key):
			d.Fail(path, "unknown slokit annotation: slokit carries %s here", strings.Join(annotationKeys(known), ", "))
			continue
		}
		value, err := carriedNode(annotations[k], d.Node(path))
		if err != nil {
			d.Fail(path, "must hold the native spec's %s as YAML: %v", key, err)
			continue
		}
		out[key] = value
	}
	if len(foreign) > 0 {
		d.Warn("metadata.annotations", "not carried over: %s (slokit's SLOs have no annotations; alert annotations go under alerting)", strings.Join(foreign, ", "))
	}
	return out
}

func annotationKeys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = schema.AnnotationPrefix + k
	}
	return out
}

// carriedNode is an annotation's YAML as a node positioned at at, the
// annotation.
func carriedNode(text string, at *yaml.Node) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("it is empty")
	}
	placeAt(doc.Content[0], at.Line, at.Column)
	return doc.Content[0], nil
}

// placeAt positions a node parsed from an annotation, and all under it,
// at the annotation: the native checks then point at where it is written.
// Its style is reset, so that an imported spec is written in block style
// rather than as the annotation's one line of JSON.
func placeAt(n *yaml.Node, line, column int) {
	n.Line, n.Column, n.Style = line, column, 0
	for _, c := range n.Content {
		placeAt(c, line, column)
	}
}

// restore puts the carried fields into the native SLO out: each replaces
// what the translation wrote, but alerting, whose tiers come from the
// alert conditions, is merged key by key.
func (c carried) restore(out *yaml.Node) {
	for _, k := range slices.Sorted(maps.Keys(c)) {
		switch k {
		case schema.KeyService:
			continue
		case schema.KeyAlerting:
			alerting := strictyaml.MappingValue(out, k)
			if alerting == nil || c[k].Kind != yaml.MappingNode {
				replace(out, k, c[k])
				continue
			}
			for i := 0; i+1 < len(c[k].Content); i += 2 {
				replace(alerting, c[k].Content[i].Value, c[k].Content[i+1])
			}
		default:
			replace(out, k, c[k])
		}
	}
}

// replace sets key: value in mapping m, in place of a value it has.
func replace(m *yaml.Node, key string, value *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = value
			return
		}
	}
	set(m, key, value)
}

// alertmanagerTargets reports whether every notification target of an
// alert policy, inline or referenced, is Alertmanager: none is lost.
func (r *Registry) alertmanagerTargets(spec *oslPolicySpec) bool {
	for _, nt := range spec.NotificationTargets {
		target := nt.Spec
		if nt.TargetRef != "" {
			var doc oslServiceDoc
			if r.resolve("AlertNotificationTarget", nt.TargetRef, &doc) != nil {
				return false
			}
			target = doc.Spec
		}
		if !routedByAlertmanager(target) {
			return false
		}
	}
	return true
}
