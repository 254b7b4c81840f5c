package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/slokit/slokit/generators"
	"github.com/slokit/slokit/generators/grafana"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/slo"
)

// A folder may gather the output of several runs (each team's specs into
// one rules folder): a file is stale, and removed, only when it carries
// slokit's mark naming a spec within the paths of the current run, and
// that run no longer generates it. Files of other runs, and files slokit
// did not write, are never touched. The mark is each file's own header
// (generators.HeaderFor, grafana.DescriptionFor), naming its spec
// relative to the folder, so that a checked-in output folder reads the
// same on every machine and holds nothing but what kubectl, kustomize,
// Argo CD or Grafana read.

// legacySourcesFile is where slokit before 0.1.0 recorded each generated
// file's spec, a file `kubectl apply -f DIR` stopped on. A run that writes
// the folder reads it one last time, for the files it lists, and removes
// it; --check reports it.
const legacySourcesFile = ".slokit-sources.json"

type legacySources struct {
	Version int               `json:"version"`
	Files   map[string]string `json:"files"`
}

func readLegacySources(dir string) (map[string]string, bool, error) {
	path := filepath.Join(dir, legacySourcesFile)
	exists, err := regularFile(path)
	if !exists || err != nil {
		return nil, false, err
	}
	var s legacySources
	data, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(data, &s)
	}
	if err != nil || s.Version != 1 {
		return nil, false, fmt.Errorf("%s: not a slokit sources file (%v): remove it", path, err)
	}
	return s.Files, true, nil
}

// outputFolder is a folder and the generator of the files to write into
// it, given the services as seen from the folder (seenFrom).
type outputFolder struct {
	dir      string
	generate func([]*slo.Service) iter.Seq2[generators.File, error]
}

// files are the folder's files: their headers name each spec relative to
// the folder.
func (f outputFolder) files(services []*slo.Service) (iter.Seq2[generators.File, error], error) {
	seen, err := seenFrom(f.dir, services)
	if err != nil {
		return nil, err
	}
	return f.generate(seen), nil
}

// seenFrom copies the services with each spec file named relative to dir.
func seenFrom(dir string, services []*slo.Service) ([]*slo.Service, error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	out := make([]*slo.Service, len(services))
	for i, svc := range services {
		c := *svc
		if c.File != "" {
			abs, err := filepath.Abs(c.File)
			if err != nil {
				return nil, err
			}
			if rel, err := filepath.Rel(absDir, abs); err == nil {
				c.File = filepath.ToSlash(rel)
			} else {
				c.File = filepath.ToSlash(abs)
			}
		}
		out[i] = &c
	}
	return out, nil
}

// writeFiles is the one writer of generated files: it writes the folder's
// files, each replaced atomically (a rule reloader never sees half a
// file), as they are rendered, then removes the files an earlier run
// generated from specs within inputs that this run did not write. It
// returns how many files it wrote. A generator's error stops it before
// anything is pruned.
func writeFiles(folder outputFolder, services []*slo.Service, inputs []string) (int, error) {
	dir := folder.dir
	files, err := folder.files(services)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	written := map[string]bool{}
	for f, err := range files {
		if err != nil {
			return len(written), err
		}
		if err := writeOwnFile(filepath.Join(dir, f.Name), f.Content, generatedHead(f.Name)); err != nil {
			return len(written), err
		}
		written[f.Name] = true
	}
	p, err := planFolder(dir, written, inputs)
	if err != nil {
		return len(written), err
	}
	for _, name := range p.stale {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return len(written), err
		}
	}
	if p.legacy {
		if err := os.Remove(filepath.Join(dir, legacySourcesFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return len(written), err
		}
	}
	return len(written), nil
}

// folderPlan is what finishing a folder removes: the stale generated
// files, and the legacy sources file.
type folderPlan struct {
	stale  []string
	legacy bool
}

// planFolder works out what writeFiles removes after writing, without
// doing it, so that --check can tell whether a folder is up to date.
func planFolder(dir string, written map[string]bool, inputs []string) (folderPlan, error) {
	var p folderPlan
	legacy, hasLegacy, err := readLegacySources(dir)
	if err != nil {
		return p, err
	}
	p.legacy = hasLegacy
	var roots []string
	for _, in := range inputs {
		abs, err := filepath.Abs(in)
		if err != nil {
			return p, err
		}
		roots = append(roots, abs)
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return p, err
	}
	within := func(source string) bool {
		spec := filepath.Join(absDir, filepath.FromSlash(source))
		if filepath.IsAbs(filepath.FromSlash(source)) {
			spec = filepath.Clean(filepath.FromSlash(source))
		}
		return slices.ContainsFunc(roots, func(root string) bool {
			return spec == root || strings.HasPrefix(spec, root+string(filepath.Separator))
		})
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return p, err
	}
	for _, e := range entries {
		name := e.Name()
		if written[name] || !e.Type().IsRegular() {
			continue
		}
		source, generated, err := generatedSource(filepath.Join(dir, name))
		if err != nil {
			return p, err
		}
		if recorded, ok := legacy[name]; ok && generated {
			// slokit before 0.1.0 named the spec as given on its command
			// line; its record named it relative to the folder.
			source = recorded
		}
		if generated && source != "" && within(source) {
			p.stale = append(p.stale, name)
		}
	}
	return p, nil
}

// generatedSource reads the mark of a file in an output folder: whether
// slokit generated it, and from which spec, relative to the folder.
func generatedSource(path string) (string, bool, error) {
	ext := filepath.Ext(path)
	if ext != ".yaml" && ext != ".yml" && ext != ".json" {
		return "", false, nil
	}
	head, err := readHead(path)
	if err != nil {
		return "", false, err
	}
	if ext != ".json" {
		source, generated := generators.SourceOf(head)
		return source, generated, nil
	}
	m := dashboardDescription.FindSubmatch(head)
	var description string
	if m == nil || json.Unmarshal(m[1], &description) != nil {
		return "", false, nil
	}
	source, generated := grafana.SourceOfDescription(description)
	return source, generated, nil
}

// dashboardDescription finds a dashboard's description, the first one in
// the file (Marshal writes it before the panels').
var dashboardDescription = regexp.MustCompile(`"description":\s*("(?:[^"\\]|\\.)*")`)

// checkFiles compares a folder with what a generator would write into it,
// writing nothing: the files that would change (missing, different, or
// stale and about to be removed), by name, with why.
func checkFiles(folder outputFolder, services []*slo.Service, inputs []string) ([]string, error) {
	dir := folder.dir
	files, err := folder.files(services)
	if err != nil {
		return nil, err
	}
	var changes []string
	written := map[string]bool{}
	for f, err := range files {
		if err != nil {
			return nil, err
		}
		written[f.Name] = true
		old, err := os.ReadFile(filepath.Join(dir, f.Name))
		switch {
		case errors.Is(err, os.ErrNotExist):
			changes = append(changes, filepath.Join(dir, f.Name)+": missing")
		case err != nil:
			return nil, err
		case !bytes.Equal(old, f.Content):
			changes = append(changes, filepath.Join(dir, f.Name)+": differs from what the specs generate")
		}
	}
	p, err := planFolder(dir, written, inputs)
	if err != nil {
		return nil, err
	}
	for _, name := range p.stale {
		changes = append(changes, filepath.Join(dir, name)+": generated from specs that no longer generate it")
	}
	if p.legacy {
		changes = append(changes, filepath.Join(dir, legacySourcesFile)+": no longer used (each file's header names its spec)")
	}
	slices.Sort(changes)
	return changes, nil
}

// checkFolders is --check: it prints what differs in each folder and
// returns exit 1 when anything does, 0 when every folder is up to date.
func checkFolders(command string, folders []outputFolder, services []*slo.Service, inputs []string, stderr io.Writer) int {
	stale := 0
	for _, f := range folders {
		changes, err := checkFiles(f, services, inputs)
		if err != nil {
			fmt.Fprintf(stderr, "slokit %s: %v\n", command, err)
			return exitInvalid
		}
		for _, c := range changes {
			fmt.Fprintln(stderr, c)
		}
		stale += len(changes)
	}
	if stale > 0 {
		fmt.Fprintf(stderr, "slokit %s --check: %d file(s) out of date: run slokit %s without --check and commit the result\n", command, stale, command)
		return exitInvalid
	}
	for _, f := range folders {
		fmt.Fprintf(stderr, "up to date: %s\n", f.dir)
	}
	return exitOK
}

// isGenerated reports whether a file carries slokit's generated-code mark
// (generatedHead); a file edited into something else is kept.
func isGenerated(path string) (bool, error) {
	head, err := readHead(path)
	if err != nil {
		return false, err
	}
	return generatedHead(path)(head), nil
}

// generatedHead recognises the files generate and dashboards write, by
// the name's extension: YAML starting with slokit's header, or a
// dashboard whose description says so.
func generatedHead(name string) ownedBy {
	return func(head []byte) bool {
		switch filepath.Ext(name) {
		case ".yaml", ".yml", ".tf":
			return strings.HasPrefix(string(head), generators.Header)
		case ".json":
			return strings.Contains(string(head), `"description": "`+grafana.Description)
		}
		return false
	}
}

// rulesFolder is generate's output folder in format o.
func rulesFolder(dir string, o promrules.Output) outputFolder {
	return outputFolder{dir, func(services []*slo.Service) iter.Seq2[generators.File, error] {
		return promrules.Files(o, services)
	}}
}

// dashboardsFolder is the dashboards' output folder in format o.
func dashboardsFolder(dir string, o grafana.Output) outputFolder {
	return outputFolder{dir, func(services []*slo.Service) iter.Seq2[generators.File, error] {
		return grafana.Files(o, services)
	}}
}
