package slo

import (
	"bytes"
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
	// Native is the spec as native YAML, without the comment WriteNative
	// puts first. It is written out as each document is read, so that
	// importing thousands of documents holds their text, not their trees.
	Native []byte
}

// imported is the service's spec from its native document.
func imported(svc *Service, file string, nd importer.Document) (Imported, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	err := enc.Encode(nd.Root)
	if err == nil {
		err = enc.Close()
	}
	return Imported{Service: svc.Name, File: file, Format: nd.Format, Native: b.Bytes()}, err
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
// with a comment that names its source.
func WriteNative(w io.Writer, im Imported) error {
	if _, err := fmt.Fprintf(w, "# Imported by slokit from %s (%s).\n# Review it, then keep this file in place of the original.\n", filepath.ToSlash(im.File), im.Format); err != nil {
		return err
	}
	_, err := w.Write(im.Native)
	return err
}
