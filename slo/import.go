package slo

import (
	"fmt"
	"io"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/internal/strictyaml"
)

// Formats other tools keep SLOs in are read by translating each document
// into a native spec document: a YAML node tree whose nodes carry the
// lines and columns of the source nodes they come from. The native decoder
// and validation then run on it unchanged, so an imported spec gets every
// check a native one gets, with errors pointing into the source file, and
// `slokit import` writes the same tree out as a native file.

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

// readable lists the formats slokit reads, for messages.
const readable = "slokit.dev/v1 specs, Sloth's prometheus/v1 and sloth.slok.dev/v1 PrometheusServiceLevel, Pyrra's pyrra.dev/v1alpha1 ServiceLevelObjective, and OpenSLO openslo/v1 (and openslo/v1alpha SLOs as Sloth reads them)"

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
	case header["apiVersion"] != "" && header["apiVersion"] != APIVersion:
		return formatUnknown
	}
	return FormatNative
}

// headerValue is the value node of a top-level key.
func headerValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return m
}

// nativeDocument is a document translated into a native spec, or the
// native document itself.
type nativeDocument struct {
	Format Format
	Root   *yaml.Node // a mapping node in the native format
}

// translate turns a document of any supported format into native spec
// documents. Problems of the source document (unknown fields, what cannot
// be carried over) are reported in diags, positioned in the source.
func translate(root *yaml.Node) ([]nativeDocument, strictyaml.Diagnostics) {
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
		return nil, strictyaml.Diagnostics{{Line: v.Line, Column: v.Column, Path: "apiVersion",
			Message: fmt.Sprintf("unsupported apiVersion %q: this slokit reads %s", v.Value, readable)}}
	}
	return []nativeDocument{{Format: FormatNative, Root: at}}, nil
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

// Imported is a service's spec translated into the native format, for
// `slokit import` to write out.
type Imported struct {
	Service string
	File    string // the source file
	Format  Format // the source format
	Node    *yaml.Node
}

// Import reads spec files and folders as Load does, and returns each
// service's spec as a native document. Diagnostics are Load's: what could
// not be carried over is a warning, what makes a spec unusable an error.
func Import(paths []string, opts ...LoadOptions) ([]Imported, Diagnostics) {
	var out []Imported
	files, diags := allSpecFiles(paths)
	contents, reg := readAll(files, opts)
	for i, f := range files {
		if contents[i].err != nil {
			diags = append(diags, cannotRead(f, contents[i].err))
			continue
		}
		fileDiags := parse(contents[i].data, f, reg, func(nd nativeDocument, svc *Service) {
			out = append(out, Imported{Service: svc.Name, File: f, Format: nd.Format, Node: nd.Root})
		})
		for _, d := range fileDiags {
			if d.File == "" {
				d.File = f
			}
		}
		diags = append(diags, fileDiags...)
	}
	kept, dups := uniqueServices(out, func(im Imported) (string, string) { return im.Service, im.File })
	diags = append(diags, dups...)
	diags.Sort()
	return kept, diags
}

// WriteNative writes an imported spec as a native spec file, starting
// with a comment that names its source.
func WriteNative(w io.Writer, im Imported) error {
	fmt.Fprintf(w, "# Imported by slokit from %s (%s).\n# Review it, then keep this file in place of the original.\n", filepath.ToSlash(im.File), im.Format)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(im.Node); err != nil {
		return err
	}
	return enc.Close()
}
