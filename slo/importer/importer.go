// Package importer reads the SLO specs of other tools (Sloth, Pyrra,
// OpenSLO) as slokit's native specs. Each foreign document is translated
// into a native spec document: a YAML node tree whose nodes carry the
// lines and columns of the source nodes they come from. The slo package
// then decodes and validates that tree exactly as it does a native file,
// so an imported spec gets every check a native one gets, with errors
// pointing into the source file, and `slokit import` writes the same tree
// out as a native file.
//
// One file per format: sloth.go, pyrra.go, openslo.go; promql.go holds
// the PromQL shapes they recognise (a summed rate over a window, a
// counter's selector, a histogram's bucket and count).
//
// The package knows the native format only as YAML (its header below and
// its field names); it imports nothing of the model, which imports it.
package importer

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/diag"
	"github.com/slokit/slokit/internal/strictyaml"
	"github.com/slokit/slokit/slo/schema"
)

// Format names a spec format slokit reads, as it is detected from a
// document's apiVersion (or, for Sloth's prometheus/v1, version) and kind.
type Format string

// The spec formats slokit reads.
const (
	FormatNative     Format = "slokit.dev/v1"
	FormatSloth      Format = "prometheus/v1 (Sloth)"
	FormatSlothCRD   Format = "sloth.slok.dev/v1 PrometheusServiceLevel"
	FormatOpenSLO    Format = "openslo/v1"
	FormatOpenSLOV1a Format = "openslo/v1alpha"
	FormatPyrra      Format = "pyrra.dev/v1alpha1 ServiceLevelObjective"
	formatUnknown    Format = ""
)

// The native format's header, which every translation writes. The slo
// package's APIVersion and Kind are these.
const (
	NativeAPIVersion = string(FormatNative)
	NativeKind       = "ServiceLevels"
)

// readable lists the formats slokit reads, for messages.
const readable = "slokit.dev/v1 specs, Sloth's prometheus/v1 and sloth.slok.dev/v1 PrometheusServiceLevel, Pyrra's pyrra.dev/v1alpha1 ServiceLevelObjective, and OpenSLO openslo/v1 (and openslo/v1alpha SLOs as Sloth reads them)"

// Document is a spec document in the native format: translated from
// another format, or a native document itself.
type Document struct {
	Format Format     // the source format
	Root   *yaml.Node // a mapping node in the native format
}

// Translate reads every YAML document of one file's data and calls each
// with the native documents to decode, one source document at a time, so
// that a file of thousands of documents never holds all their trees at
// once: native documents as they are, every other format translated.
// Problems of a source document (unknown fields, what cannot be carried
// over) come back as diagnostics positioned in the source; a document
// that cannot be read in its own format yields no native document. The
// OpenSLO SLOs of one service in data become one native document, after
// the others; their references resolve through reg, which must hold every
// file's objects (Registry.Add).
func Translate(data []byte, reg *Registry, each func(Document)) diag.Diagnostics {
	var diags diag.Diagnostics
	openSLO := &openSLOServices{}
	readDiags := strictyaml.ReadDocuments(data, func(root *yaml.Node) {
		if isOpenSLO(detect(root)) {
			diags = append(diags, openSLO.add(root, reg)...)
			return
		}
		translated, d := translate(root)
		diags = append(diags, d...)
		if d.Errors() == nil {
			for _, doc := range translated {
				each(doc)
			}
		}
	})
	for _, doc := range openSLO.documents() {
		each(doc)
	}
	return append(diags, readDiags...)
}

// detect tells a document's format from its header, never from the rest
// of its content. Documents without a known header are native: the native
// decoder then reports the missing or unknown apiVersion.
func detect(root *yaml.Node) Format {
	m := root
	if m.Kind == yaml.DocumentNode && len(m.Content) > 0 {
		m = m.Content[0]
	}
	header := map[string]string{}
	if m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if k, v := m.Content[i].Value, m.Content[i+1]; (k == "apiVersion" || k == "version" || k == "kind") && v.Kind == yaml.ScalarNode {
				header[k] = v.Value
			}
		}
	}
	switch {
	case header["apiVersion"] == "" && header["version"] == "prometheus/v1":
		return FormatSloth
	case header["apiVersion"] == "sloth.slok.dev/v1":
		return FormatSlothCRD
	case header["apiVersion"] == "openslo/v1":
		return FormatOpenSLO
	case header["apiVersion"] == "openslo/v1alpha":
		return FormatOpenSLOV1a
	case header["apiVersion"] == "pyrra.dev/v1alpha1":
		return FormatPyrra
	case header["apiVersion"] != "" && header["apiVersion"] != NativeAPIVersion:
		return formatUnknown
	}
	return FormatNative
}

// headerValue is the value node of a top-level key, or the mapping itself
// when the key is absent.
func headerValue(m *yaml.Node, key string) *yaml.Node {
	if v := strictyaml.MappingValue(m, key); v != nil {
		return v
	}
	return m
}

// translate turns a document of a single-document format (native, Sloth,
// Pyrra) into native spec documents.
func translate(root *yaml.Node) ([]Document, diag.Diagnostics) {
	format := detect(root)
	at := root
	if at.Kind == yaml.DocumentNode && len(at.Content) > 0 {
		at = at.Content[0]
	}
	switch format {
	case FormatSloth, FormatSlothCRD:
		return translateSloth(root, format)
	case FormatPyrra:
		return translatePyrra(root)
	case formatUnknown:
		v := headerValue(at, "apiVersion")
		return nil, diag.Diagnostics{{Line: v.Line, Column: v.Column, Path: "apiVersion",
			Message: fmt.Sprintf("unsupported apiVersion %q: this slokit reads %s", v.Value, readable)}}
	}
	return []Document{{Format: FormatNative, Root: at}}, nil
}

// objectMeta is the metadata of a Kubernetes object (Sloth's and Pyrra's
// custom resources), as far as a spec file holds it.
type objectMeta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// nodes builds a native node tree positioned in a source document.
type nodes struct {
	src *strictyaml.Document
	// top is where nodes without a source of their own point: the source
	// document's root.
	top *yaml.Node
}

// header starts a native document: its apiVersion and kind, positioned at
// the source document's root.
func (n nodes) header() *yaml.Node {
	out := n.mapping("")
	set(out, schema.KeyApiVersion, n.str("", NativeAPIVersion))
	set(out, schema.KeyKind, n.str("", NativeKind))
	return out
}

// at is the source node of path, or the document's root.
func (n nodes) at(path string) *yaml.Node {
	if path != "" {
		if s := n.src.Node(path); s != nil {
			return s
		}
	}
	return n.top
}

// str is a string scalar positioned at the source node of path.
func (n nodes) str(path, value string) *yaml.Node {
	at := n.at(path)
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value, Line: at.Line, Column: at.Column}
}

// mapping is an empty mapping positioned at the source node of path.
func (n nodes) mapping(path string) *yaml.Node {
	at := n.at(path)
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: at.Line, Column: at.Column}
}

// sequence is an empty sequence positioned at the source node of path.
func (n nodes) sequence(path string) *yaml.Node {
	at := n.at(path)
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: at.Line, Column: at.Column}
}

// copyOf is the source node of path itself (a scalar or a string map,
// which the native format reads the same way), or nil when it is absent.
func (n nodes) copyOf(path string) *yaml.Node {
	if !n.src.Has(path) {
		return nil
	}
	return n.src.Node(path)
}

// set adds key: value to a mapping, unless value is nil.
func set(m *yaml.Node, key string, value *yaml.Node) {
	if value == nil {
		return
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Line: value.Line, Column: value.Column}
	m.Content = append(m.Content, k, value)
}
