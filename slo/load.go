package slo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Parse reads every YAML document in data as a native spec. It does no I/O,
// so it serves files, tests and the fuzzer alike. Services are returned only
// for documents without errors; diagnostics (errors and warnings) come sorted
// by position, all of them, not just the first.
func Parse(data []byte) (services []*Service, diags Diagnostics) {
	defer func() {
		// yaml.v3 has panicked on hostile input before; a spec loader must
		// never take the process down with it.
		if r := recover(); r != nil {
			services = nil
			diags = append(diags, &Diagnostic{Message: fmt.Sprintf("cannot read YAML: %v", r)})
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	docs := 0
	for {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			diags = append(diags, yamlError(err))
			break
		}
		docs++
		if len(root.Content) == 0 {
			continue
		}
		d := newDecoder()
		var doc specDocument
		d.decode(root.Content[0], "", reflect.ValueOf(&doc).Elem())
		c := &converter{decoder: d, warned: map[string]bool{}}
		var svc *Service
		if d.visits <= maxVisits {
			svc = c.convert(&doc)
		}
		diags = append(diags, d.diags...)
		if svc != nil && d.diags.Errors(false) == nil {
			services = append(services, svc)
		}
	}
	if docs == 0 && len(diags) == 0 {
		diags = append(diags, &Diagnostic{Message: "no spec found: the file holds no YAML document"})
	}
	diags.sort()
	return services, diags
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a yaml.v3 syntax error into a positioned diagnostic.
func yamlError(err error) *Diagnostic {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Diagnostic{Line: line, Column: 1, Message: "invalid YAML: " + m[2]}
	}
	return &Diagnostic{Message: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// ParseFile reads and parses one spec file, naming it in every diagnostic.
func ParseFile(path string) ([]*Service, Diagnostics) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Diagnostics{{File: path, Message: fmt.Sprintf("cannot read spec: %v", errors.Unwrap(err))}}
	}
	services, diags := Parse(data)
	for _, d := range diags {
		d.File = path
	}
	for _, s := range services {
		s.File = path
	}
	return services, diags
}

// Load parses spec files and folders (recursively, *.yaml and *.yml, in
// lexical order) and checks that no service is defined twice, since each
// service becomes one output file.
func Load(paths []string) ([]*Service, Diagnostics) {
	var (
		services []*Service
		diags    Diagnostics
	)
	var files []string
	for _, p := range paths {
		fs, err := specFiles(p)
		if err != nil {
			diags = append(diags, &Diagnostic{File: p, Message: err.Error()})
			continue
		}
		files = append(files, fs...)
	}
	// Files are independent: parse them on every core, then keep their
	// order, so results never depend on scheduling.
	type result struct {
		services []*Service
		diags    Diagnostics
	}
	results := make([]result, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := range next {
				results[i].services, results[i].diags = ParseFile(files[i])
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, r := range results {
		services = append(services, r.services...)
		diags = append(diags, r.diags...)
	}
	seen := map[string]*Service{}
	kept := services[:0]
	for _, s := range services {
		if first, ok := seen[s.Name]; ok {
			diags = append(diags, &Diagnostic{File: s.File, Path: "service",
				Message: fmt.Sprintf("service %q is already defined in %s: keep each service in one file", s.Name, first.File)})
			continue
		}
		seen[s.Name] = s
		kept = append(kept, s)
	}
	diags.sort()
	return kept, diags
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
