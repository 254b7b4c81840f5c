package importer

import (
	"bytes"
	"fmt"
	"math/big"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/diag"
	"github.com/slokit/slokit/internal/strictyaml"
	"github.com/slokit/slokit/slo/schema"
)

func isOpenSLO(f Format) bool { return f == FormatOpenSLO || f == FormatOpenSLOV1a }

// openSLOEntry is a registered OpenSLO object.
type openSLOEntry struct {
	file string
	root *yaml.Node
}

// Registry holds every OpenSLO v1 object of the files read together, by
// kind and name, so that an SLO in one file may refer to an SLI or an
// alert policy in another. Add every file before translating any: files
// are then translated in parallel, and only read the registry.
type Registry struct {
	objects map[string]map[string][]openSLOEntry
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{objects: map[string]map[string][]openSLOEntry{}}
}

// Add registers the OpenSLO v1 objects in one file's data; file names
// them in messages. Only data that mentions OpenSLO is read: most spec
// folders hold none.
func (r *Registry) Add(file string, data []byte) {
	if !bytes.Contains(data, []byte("openslo/v1")) {
		return
	}
	_ = strictyaml.ReadDocuments(data, func(root *yaml.Node) {
		if detect(root) != FormatOpenSLO {
			return
		}
		top := root.Content[0]
		kind, name := headerValue(top, "kind").Value, ""
		if md := headerValue(top, "metadata"); md != top {
			name = headerValue(md, "name").Value
		}
		if kind == "" || name == "" {
			return
		}
		if r.objects[kind] == nil {
			r.objects[kind] = map[string][]openSLOEntry{}
		}
		r.objects[kind][name] = append(r.objects[kind][name], openSLOEntry{file: file, root: top})
	})
}

// resolve decodes the object of a kind and name into v, or says why not.
func (r *Registry) resolve(kind, name string, v any) error {
	entries := r.objects[kind][name]
	switch len(entries) {
	case 0:
		return fmt.Errorf("no %s named %q in the specs given", kind, name)
	case 1:
	default:
		var where []string
		for _, e := range entries {
			where = append(where, fmt.Sprintf("%s:%d", e.file, e.root.Line))
		}
		return fmt.Errorf("%s %q is defined %d times (%s): names must be unique", kind, name, len(entries), strings.Join(where, ", "))
	}
	d := strictyaml.Decode(entries[0].root, v)
	if err := d.Diags.Errors(); err != nil {
		return fmt.Errorf("%s %q (%s:%d) is invalid: see its own errors", kind, name, entries[0].file, entries[0].root.Line)
	}
	return nil
}

// regions are the regions the Service object of an OpenSLO service name
// carries (slokit.dev/regions), positioned at, or nil. Its errors are the
// Service object's, reported where it is read.
func (r *Registry) regions(service string, at *yaml.Node) *yaml.Node {
	var doc oslServiceDoc
	if len(r.objects["Service"][service]) != 1 || r.resolve("Service", service, &doc) != nil {
		return nil
	}
	text, ok := doc.Metadata.Annotations[schema.AnnotationPrefix+schema.KeyRegions]
	if !ok {
		return nil
	}
	node, err := carriedNode(text, at)
	if err != nil {
		return nil
	}
	return node
}

// openSLOServices collects the native SLOs translated from one file's
// OpenSLO SLO documents, by service, in order of first appearance.
type openSLOServices struct {
	order    []string
	services map[string]*yaml.Node // native document by service
	slos     map[string]*yaml.Node // its slos list
	source   map[string]Format
}

// add reads one OpenSLO document: an SLO is translated and kept for its
// service; other objects are checked strictly (they are registered
// already).
func (o *openSLOServices) add(root *yaml.Node, reg *Registry) diag.Diagnostics {
	format := detect(root)
	top := root.Content[0]
	kind := headerValue(top, "kind").Value
	if format == FormatOpenSLOV1a {
		if kind != "SLO" {
			at := headerValue(top, "kind")
			return diag.Diagnostics{{Line: at.Line, Column: at.Column, Path: "kind",
				Message: fmt.Sprintf("openslo/v1alpha %s objects are not read: slokit reads openslo/v1alpha SLOs as Sloth does, and openslo/v1", kind)}}
		}
		var in oslAlphaSLODoc
		d := strictyaml.Decode(root, &in)
		if d.ErrorCount() == 0 {
			o.keep(in.Spec.Service, format, translateOpenSLOAlpha(d, &in)...)
		}
		return d.Diags
	}
	var v any
	switch kind {
	case "SLO":
		var in oslSLODoc
		d := strictyaml.Decode(root, &in)
		if d.ErrorCount() == 0 {
			// Only a complete translation goes on to the native checks,
			// which would repeat what is missing in native terms.
			if slos := translateOpenSLO(d, &in, reg); d.ErrorCount() == 0 {
				service := in.Spec.Service
				if exact := in.Metadata.Annotations[schema.AnnotationPrefix+schema.KeyService]; exact != "" {
					service = exact
				}
				o.keep(service, format, slos...)
				o.keepRegions(service, reg.regions(in.Spec.Service, d.Node("spec.service")))
			}
		}
		return d.Diags
	case "SLI":
		v = &oslSLIDoc{}
	case "AlertPolicy":
		v = &oslPolicyDoc{}
	case "AlertCondition":
		v = &oslConditionDoc{}
	case "Service", "AlertNotificationTarget":
		v = &oslServiceDoc{}
	case "DataSource":
		v = &oslDataSourceDoc{}
	default:
		at := headerValue(top, "kind")
		return diag.Diagnostics{{Line: at.Line, Column: at.Column, Path: "kind",
			Message: fmt.Sprintf("unknown OpenSLO v1 kind %q: slokit reads SLO, SLI, Service, AlertPolicy, AlertCondition, DataSource and AlertNotificationTarget", kind)}}
	}
	d := strictyaml.Decode(root, v)
	// What these objects hold that no native spec has a place for.
	switch kind {
	case "Service":
		svc := v.(*oslServiceDoc)
		if len(svc.Spec) > 0 || svc.Metadata.DisplayName != "" {
			d.Warn("kind", "the Service object's display name and spec are not carried over: a slokit service is its name")
		}
		readCarried(d, svc.Metadata.Annotations, carriedServiceKeys)
	case "DataSource":
		if len(v.(*oslDataSourceDoc).Spec.ConnectionDetails) > 0 {
			d.Warn("spec.connectionDetails", "not carried over: slokit's rules run in whichever Prometheus loads them")
		}
	case "AlertNotificationTarget":
		if !routedByAlertmanager(v.(*oslServiceDoc).Spec) {
			d.Warn("kind", "notification targets are not carried over: route slokit's alerts in Alertmanager")
		}
	}
	return d.Diags
}

func (o *openSLOServices) keep(service string, format Format, slos ...*yaml.Node) {
	if len(slos) == 0 {
		return
	}
	if o.services == nil {
		o.services, o.slos, o.source = map[string]*yaml.Node{}, map[string]*yaml.Node{}, map[string]Format{}
	}
	doc := o.services[service]
	if doc == nil {
		at := slos[0]
		str := func(v string) *yaml.Node {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Line: at.Line, Column: at.Column}
		}
		doc = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: at.Line, Column: at.Column}
		set(doc, schema.KeyApiVersion, str(NativeAPIVersion))
		set(doc, schema.KeyKind, str(NativeKind))
		set(doc, schema.KeyService, str(service))
		list := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: at.Line, Column: at.Column}
		set(doc, schema.KeySlos, list)
		o.services[service], o.slos[service], o.source[service] = doc, list, format
		o.order = append(o.order, service)
	}
	o.slos[service].Content = append(o.slos[service].Content, slos...)
}

// keepRegions sets a service's regions, carried on its Service object,
// on its native document.
func (o *openSLOServices) keepRegions(service string, regions *yaml.Node) {
	if doc := o.services[service]; doc != nil && regions != nil && strictyaml.MappingValue(doc, schema.KeyRegions) == nil {
		set(doc, schema.KeyRegions, regions)
	}
}

func (o *openSLOServices) documents() []Document {
	out := make([]Document, 0, len(o.order))
	for _, s := range o.order {
		out = append(out, Document{Format: o.source[s], Root: o.services[s]})
	}
	return out
}

// percentOfFraction turns an OpenSLO target (a fraction, as written) into
// a native objective in percent, in decimal: 0.999 is 99.9, not
// 99.90000000000001.
func percentOfFraction(at *yaml.Node) *yaml.Node {
	r, ok := new(big.Rat).SetString(at.Value)
	if !ok {
		return number(at, at.Value)
	}
	return percentNode(at, r.Mul(r, big.NewRat(100, 1)))
}

// percent is an OpenSLO targetPercent as a native objective, written as
// percentOfFraction writes it.
func percent(at *yaml.Node) *yaml.Node {
	r, ok := new(big.Rat).SetString(at.Value)
	if !ok {
		return number(at, at.Value)
	}
	return percentNode(at, r)
}

func percentNode(at *yaml.Node, r *big.Rat) *yaml.Node {
	text := r.FloatString(12)
	text = strings.TrimRight(strings.TrimRight(text, "0"), ".")
	return number(at, text)
}

// routedByAlertmanager reports whether a notification target's spec is
// Alertmanager's (target: alertmanager), as slokit's export writes it:
// where slokit's alerts go already, with nothing to carry over.
func routedByAlertmanager(spec map[string]string) bool {
	return strings.EqualFold(spec["target"], "alertmanager")
}
