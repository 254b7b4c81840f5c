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
	diags = parse(data, reg, func(_ importer.Document, svc *Service) { services = append(services, svc) })
	return services, diags
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
			svc = (&converter{d}).convert(&doc)
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
	var services []*Service
	diags := parse(data, reg, func(_ importer.Document, svc *Service) { services = append(services, svc) })
	for _, d := range diags {
		if d.File == "" {
			d.File = path
		}
	}
	for _, s := range services {
		s.File = path
	}
	return services, diags
}

// LoadOptions bound what Load and Import read.
type LoadOptions struct {
	// MaxFileBytes is the largest spec file read; 0 means 16 MiB.
	MaxFileBytes int64
}

// Load parses spec files and folders (recursively, *.yaml and *.yml, in
// lexical order) and checks that no service is defined twice, since each
// service becomes one output file. Only regular files are read, each up
// to a size bound (LoadOptions).
func Load(paths []string, opts ...LoadOptions) ([]*Service, Diagnostics) {
	var services []*Service
	files, diags := allSpecFiles(paths)
	// OpenSLO objects may refer to objects in other files: register them
	// all first (only files that mention OpenSLO are read twice).
	contents, reg := readAll(files, opts)
	// Files are then independent: parse them on every core, then keep
	// their order, so results never depend on scheduling.
	type result struct {
		services []*Service
		diags    Diagnostics
	}
	results := parallel.Map(len(files), func(i int) result {
		if contents[i].err != nil {
			return result{diags: Diagnostics{cannotRead(files[i], contents[i].err)}}
		}
		services, diags := parseFile(files[i], contents[i].data, reg)
		return result{services, diags}
	})
	for _, r := range results {
		services = append(services, r.services...)
		diags = append(diags, r.diags...)
	}
	kept, dups := uniqueServices(services, func(s *Service) (string, string) { return s.Name, s.File })
	diags = append(diags, dups...)
	diags.Sort()
	return kept, diags
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

// uniqueServices keeps the first definition of each service and reports
// the others: each service becomes one output file.
func uniqueServices[T any](items []T, key func(T) (service, file string)) ([]T, Diagnostics) {
	var diags Diagnostics
	seen := map[string]string{}
	kept := items[:0]
	for _, it := range items {
		name, file := key(it)
		if first, ok := seen[name]; ok {
			diags = append(diags, &Diagnostic{File: file, Path: "service",
				Message: fmt.Sprintf("service %q is already defined in %s: keep each service in one file", name, first)})
			continue
		}
		seen[name] = file
		kept = append(kept, it)
	}
	return kept, diags
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
