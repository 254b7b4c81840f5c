package slo

import (
	"fmt"
	"io"
	"path/filepath"

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
		fileDiags := parse(contents[i].data, reg, func(nd importer.Document, svc *Service) {
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

// ImportBytes translates the documents of data into native documents, as
// Import does for files; OpenSLO references resolve within data.
func ImportBytes(data []byte) ([]Imported, Diagnostics) {
	reg := importer.NewRegistry()
	reg.Add("", data)
	var out []Imported
	diags := parse(data, reg, func(nd importer.Document, svc *Service) {
		out = append(out, Imported{Service: svc.Name, Format: nd.Format, Node: nd.Root})
	})
	return out, diags
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
