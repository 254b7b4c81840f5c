package slo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/slokit/slokit/internal/inputfile"
	"github.com/slokit/slokit/internal/parallel"
	"github.com/slokit/slokit/internal/strictyaml"
	"github.com/slokit/slokit/slo/importer"
)

// Parse reads every YAML document in data as a spec: native, or in a
// format it imports (Sloth, Pyrra, OpenSLO), told apart by each document's
// header. It does no I/O, so it serves files, tests and the fuzzer alike.
// Services are returned only for documents without errors; diagnostics
// (errors and warnings) come sorted by position, all of them, not just
// the first. OpenSLO references resolve within data.
func Parse(data []byte) (services []*Service, diags Diagnostics) {
	reg := importer.NewRegistry()
	reg.Add("", data)
	return parseFile("", data, reg)
}

// parse translates every document of data into native documents, decodes
// and checks each, and calls each for every one without errors.
func parse(data []byte, reg *importer.Registry, each func(importer.Document, *Service)) Diagnostics {
	var diags Diagnostics
	// One document at a time, from its YAML to its service: memory grows
	// with what the documents make, not with their trees.
	translated := importer.Translate(data, reg, func(nd importer.Document) {
		var doc specDocument
		d := strictyaml.Decode(nd.Root, &doc)
		var svc *Service
		if !d.TooLarge() {
			svc = (&converter{Document: d}).convert(&doc)
		}
		diags = append(diags, d.Diags...)
		if svc != nil && d.ErrorCount() == 0 {
			each(nd, svc)
		}
	})
	diags = append(diags, translated...)
	diags.Sort()
	return diags
}

// ParseFile reads and parses one spec file, naming it in every diagnostic.
// OpenSLO references resolve within the file.
func ParseFile(path string) ([]*Service, Diagnostics) {
	data, err := inputfile.Read(path, 0)
	if err != nil {
		return nil, Diagnostics{cannotRead(path, err)}
	}
	reg := importer.NewRegistry()
	reg.Add(path, data)
	return parseFile(path, data, reg)
}

func parseFile(path string, data []byte, reg *importer.Registry) ([]*Service, Diagnostics) {
	services, defs, diags := parseDefinitions(path, data, reg)
	merged, dups := mergeServices(services, defs)
	diags = append(diags, dups...)
	merged, wrong := CheckJourneys(merged)
	diags = append(diags, wrong...)
	diags.Sort()
	return merged, diags
}

// parseDefinitions parses one file's documents into services, unmerged,
// each with its definition (for merging with other files').
func parseDefinitions(path string, data []byte, reg *importer.Registry) ([]*Service, []definition, Diagnostics) {
	var (
		services []*Service
		defs     []definition
	)
	diags := parse(data, reg, func(nd importer.Document, svc *Service) {
		svc.File = path
		services = append(services, svc)
		defs = append(defs, definitionOf(svc, path, nd.Root))
	})
	for _, d := range diags {
		if d.File == "" {
			d.File = path
		}
	}
	return services, defs, diags
}

// LoadOptions bound what Load and Import read.
type LoadOptions struct {
	// MaxFileBytes is the largest spec file read; 0 means 16 MiB.
	MaxFileBytes int64
	// SkipInvalidFiles leaves out every service a file with an error
	// defines, so that the other files' services are whole (slokit serve
	// judges every team's valid specs while one team's file is broken).
	// Without it, only the documents with errors are left out.
	SkipInvalidFiles bool
}

// Load parses spec files and folders (recursively, *.yaml and *.yml, in
// lexical order) and merges the definitions of a service that several
// files define, when their SLO names differ (see mergeable): each service
// becomes one output file. Only regular files are read, each up to a size
// bound (LoadOptions).
func Load(paths []string, opts ...LoadOptions) ([]*Service, Diagnostics) {
	var (
		services []*Service
		defs     []definition
	)
	files, diags := allSpecFiles(paths)
	// OpenSLO objects may refer to objects in other files: register them
	// all first (only files that mention OpenSLO are read twice).
	contents, reg := readAll(files, opts)
	// Files are then independent: parse them on every core, then keep
	// their order, so results never depend on scheduling.
	type result struct {
		services []*Service
		defs     []definition
		diags    Diagnostics
	}
	results := parallel.Map(len(files), func(i int) result {
		if contents[i].err != nil {
			return result{diags: Diagnostics{cannotRead(files[i], contents[i].err)}}
		}
		services, defs, diags := parseDefinitions(files[i], contents[i].data, reg)
		return result{services, defs, diags}
	})
	skip := false
	for _, o := range opts {
		skip = o.SkipInvalidFiles
	}
	for _, r := range results {
		if skip && r.diags.Errors() != nil {
			diags = append(diags, r.diags...)
			continue
		}
		services = append(services, r.services...)
		defs = append(defs, r.defs...)
		diags = append(diags, r.diags...)
	}
	merged, dups := mergeServices(services, defs)
	diags = append(diags, dups...)
	merged, wrong := CheckJourneys(merged)
	diags = append(diags, wrong...)
	diags.Sort()
	return merged, diags
}

// allSpecFiles lists the spec files of every path, saying which paths
// cannot be read.
func allSpecFiles(paths []string) ([]string, Diagnostics) {
	var (
		files []string
		diags Diagnostics
	)
	for _, p := range paths {
		fs, err := specFiles(p)
		if err != nil {
			diags = append(diags, &Diagnostic{File: p, Message: err.Error()})
			continue
		}
		files = append(files, fs...)
	}
	return files, diags
}

type content struct {
	data []byte
	err  error
}

// cannotRead is the diagnostic of a spec file that could not be read.
func cannotRead(file string, err error) *Diagnostic {
	return &Diagnostic{File: file, Message: fmt.Sprintf("cannot read spec: %v", inputfile.Cause(err))}
}

// readAll reads files and registers the OpenSLO objects they hold.
func readAll(files []string, opts []LoadOptions) ([]content, *importer.Registry) {
	var max int64
	for _, o := range opts {
		max = o.MaxFileBytes
	}
	contents := make([]content, len(files))
	reg := importer.NewRegistry()
	for i, f := range files {
		contents[i].data, contents[i].err = inputfile.Read(f, max)
		if contents[i].err == nil {
			reg.Add(f, contents[i].data)
		}
	}
	return contents, reg
}

func specFiles(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read spec: %v", errors.Unwrap(err))
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// Hidden entries are skipped: a ConfigMap or Secret volume holds
		// each file twice, as name -> ..data/name and again in the
		// hidden, timestamped folder ..data points at, and a checkout's
		// .git holds no specs.
		if p != path && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read spec folder: %v", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .yaml or .yml files in folder")
	}
	slices.Sort(files)
	return files, nil
}
