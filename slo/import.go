package slo

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/slo/importer"
)

// Format names a spec format slokit reads; the importer package detects
// and translates them.
type Format = importer.Format

// Imported is a service's spec translated into the native format, for
// `slokit import` to write out.
type Imported struct {
	Service string
	File    string // the source file (the first, when Merge joined several)
	Format  Format // the source format
	// Merged are the other sources Merge joined into this service.
	Merged []ImportSource
	// Native is the spec as native YAML, without the comment WriteNative
	// puts first. It is written out as each document is read, so that
	// importing thousands of documents holds their text, not their trees.
	Native []byte
	def    definition
}

// ImportSource is a file a service was imported from, and its format.
type ImportSource struct {
	File   string
	Format Format
}

// imported is the service's spec from its native document.
func imported(svc *Service, file string, nd importer.Document) (Imported, error) {
	native, err := encodeNative(nd.Root)
	return Imported{Service: svc.Name, File: file, Format: nd.Format, Native: native, def: definitionOf(svc, file, nd.Root)}, err
}

func encodeNative(root *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	err := enc.Encode(root)
	if err == nil {
		err = enc.Close()
	}
	return b.Bytes(), err
}

// Merge joins the specs of a service that several files define into one,
// as Load does: in order, each definition whose SLO names are new to the
// service joins the first (mergeNative); one that repeats an SLO name, or
// whose service-level settings differ, is left out with an error.
func Merge(ims []Imported) ([]Imported, Diagnostics) {
	defs := make([]definition, len(ims))
	for i, im := range ims {
		defs[i] = im.def
	}
	keep, diags := mergeable(defs)
	var out []Imported
	first := map[string]int{}
	for i, im := range ims {
		if !keep[i] {
			continue
		}
		j, ok := first[im.Service]
		if !ok {
			first[im.Service] = len(out)
			out = append(out, im)
			continue
		}
		native, err := mergeNativeText(out[j].Native, im.Native)
		if err != nil {
			diags = append(diags, &Diagnostic{File: im.File, Path: "service",
				Message: fmt.Sprintf("service %q cannot join its definition in %s: %v", im.Service, out[j].File, err)})
			continue
		}
		out[j].Native = native
		out[j].Merged = append(slices.Clip(out[j].Merged), ImportSource{im.File, im.Format})
	}
	diags.Sort()
	return out, diags
}

// mergeNativeText is mergeNative on two native documents' text.
func mergeNativeText(into, from []byte) ([]byte, error) {
	var a, b yaml.Node
	if err := yaml.Unmarshal(into, &a); err != nil {
		return nil, err
	}
	if err := yaml.Unmarshal(from, &b); err != nil {
		return nil, err
	}
	if len(a.Content) != 1 || len(b.Content) != 1 {
		return nil, fmt.Errorf("not one native document")
	}
	if err := mergeNative(a.Content[0], b.Content[0]); err != nil {
		return nil, err
	}
	return encodeNative(a.Content[0])
}

// Import reads spec files and folders as Load does, and returns each
// document's service as a native spec, in file order, not yet merged
// (Merge does, once the caller has left out the files it will not
// import). Diagnostics are Load's: what could not be carried over is a
// warning, what makes a spec unusable an error.
func Import(paths []string, opts ...LoadOptions) ([]Imported, Diagnostics) {
	var out []Imported
	files, diags := allSpecFiles(paths)
	contents, reg := readAll(files, opts)
	for i, f := range files {
		if contents[i].err != nil {
			diags = append(diags, cannotRead(f, contents[i].err))
			continue
		}
		var failed Diagnostics
		fileDiags := parse(contents[i].data, reg, func(nd importer.Document, svc *Service) {
			im, err := imported(svc, f, nd)
			if err != nil {
				failed = append(failed, &Diagnostic{Message: fmt.Sprintf("service %s: writing it as a native spec: %v", svc.Name, err)})
				return
			}
			out = append(out, im)
		})
		fileDiags = append(fileDiags, failed...)
		for _, d := range fileDiags {
			if d.File == "" {
				d.File = f
			}
		}
		diags = append(diags, fileDiags...)
	}
	diags.Sort()
	return out, diags
}

// ImportBytes translates the documents of data into native documents, as
// Import does for files; OpenSLO references resolve within data.
func ImportBytes(data []byte) ([]Imported, Diagnostics) {
	reg := importer.NewRegistry()
	reg.Add("", data)
	var out []Imported
	var failed Diagnostics
	diags := parse(data, reg, func(nd importer.Document, svc *Service) {
		im, err := imported(svc, "", nd)
		if err != nil {
			failed = append(failed, &Diagnostic{Message: fmt.Sprintf("service %s: writing it as a native spec: %v", svc.Name, err)})
			return
		}
		out = append(out, im)
	})
	return out, append(diags, failed...)
}

// WriteNative writes an imported spec as a native spec file, starting
// with a comment that names its sources.
func WriteNative(w io.Writer, im Imported) error {
	sources := fmt.Sprintf("%s (%s)", filepath.ToSlash(im.File), im.Format)
	for _, m := range im.Merged {
		sources += fmt.Sprintf(", %s (%s)", filepath.ToSlash(m.File), m.Format)
	}
	what := "the original"
	if len(im.Merged) > 0 {
		what = "the originals"
	}
	if _, err := fmt.Fprintf(w, "# Imported by slokit from %s.\n# Review it, then keep this file in place of %s.\n", sources, what); err != nil {
		return err
	}
	_, err := w.Write(im.Native)
	return err
}
