package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/slokit/slokit/generators"
	"github.com/slokit/slokit/generators/grafana"
)

// sourcesFile records, in an output folder, the spec file each generated
// file came from. A folder may gather the output of several runs (each
// team's specs into one rules folder): a file is stale, and removed, only
// when its spec lies within the paths of the current run and no longer
// generates it. Files of other runs, and files slokit did not write, are
// never touched.
const sourcesFile = ".slokit-sources.json"

type sources struct {
	Version int `json:"version"`
	// Files maps a file name to its spec's path, relative to the folder,
	// so that a checked-in output folder reads the same on every machine.
	Files map[string]string `json:"files"`
}

func readSources(dir string) (sources, error) {
	s := sources{Version: 1, Files: map[string]string{}}
	path := filepath.Join(dir, sourcesFile)
	exists, err := regularFile(path)
	if !exists || err != nil {
		return s, err
	}
	data, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(data, &s)
	}
	if err != nil || s.Version != 1 {
		return s, fmt.Errorf("%s: not a slokit sources file (%v): remove it, and slokit will remove no stale file this time", filepath.Join(dir, sourcesFile), err)
	}
	if s.Files == nil {
		s.Files = map[string]string{}
	}
	return s, nil
}

// writeFiles is the one writer of generated files: it writes a
// generator's files into dir, each replaced atomically (a rule reloader
// never sees half a file), as they are rendered, then records them and
// removes the files an earlier run generated from specs within inputs
// that this run did not write (finishFolder). It returns how many files
// it wrote. A generator's error stops it before the folder's record
// changes, so nothing is pruned.
func writeFiles(dir string, files iter.Seq2[generators.File, error], inputs []string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	written := map[string]string{}
	for f, err := range files {
		if err != nil {
			return len(written), err
		}
		if err := writeOwnFile(filepath.Join(dir, f.Name), f.Content, generatedHead(f.Name)); err != nil {
			return len(written), err
		}
		written[f.Name] = f.Source
	}
	return len(written), finishFolder(dir, written, inputs)
}

// finishFolder records the files just written into dir (file name -> spec
// file) and removes the files an earlier run generated from specs within
// inputs that this run did not write.
func finishFolder(dir string, written map[string]string, inputs []string) error {
	p, err := planFolder(dir, written, inputs)
	if err != nil {
		return err
	}
	for _, name := range p.stale {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	// readSources, in planFolder, has read it as slokit's own.
	return writeOwnFile(filepath.Join(dir, sourcesFile), p.record, func([]byte) bool { return true })
}

// folderPlan is what finishing a folder does: the stale generated files it
// removes, and the record it writes.
type folderPlan struct {
	stale  []string
	record []byte
}

// planFolder works out what finishFolder does, without doing it, so that
// --check can tell whether a folder is up to date.
func planFolder(dir string, written map[string]string, inputs []string) (folderPlan, error) {
	var p folderPlan
	recorded, err := readSources(dir)
	if err != nil {
		return p, err
	}
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
	within := func(recorded string) bool {
		spec := filepath.Join(absDir, recorded)
		return slices.ContainsFunc(roots, func(root string) bool {
			return spec == root || strings.HasPrefix(spec, root+string(filepath.Separator))
		})
	}
	for _, name := range slices.Sorted(maps.Keys(recorded.Files)) {
		if _, ok := written[name]; ok || !within(recorded.Files[name]) {
			continue
		}
		generated, err := isGenerated(filepath.Join(dir, name))
		if err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, errNotRegular) {
			return p, err
		}
		if generated {
			p.stale = append(p.stale, name)
		}
		delete(recorded.Files, name)
	}
	for name, spec := range written {
		abs, err := filepath.Abs(spec)
		if err == nil {
			spec, err = filepath.Rel(absDir, abs)
		}
		if err != nil {
			return p, err
		}
		recorded.Files[name] = filepath.ToSlash(spec)
	}
	data, err := json.MarshalIndent(recorded, "", "  ")
	p.record = append(data, '\n')
	return p, err
}

// checkFiles compares a folder with what a generator would write into it,
// writing nothing: the files that would change (missing, different, or
// stale and about to be removed), by name, with why.
func checkFiles(dir string, files iter.Seq2[generators.File, error], inputs []string) ([]string, error) {
	var changes []string
	written := map[string]string{}
	same := func(name string, content []byte) (string, error) {
		old, err := os.ReadFile(filepath.Join(dir, name))
		switch {
		case errors.Is(err, os.ErrNotExist):
			return "missing", nil
		case err != nil:
			return "", err
		case !bytes.Equal(old, content):
			return "differs from what the specs generate", nil
		}
		return "", nil
	}
	for f, err := range files {
		if err != nil {
			return nil, err
		}
		written[f.Name] = f.Source
		why, err := same(f.Name, f.Content)
		if err != nil {
			return nil, err
		}
		if why != "" {
			changes = append(changes, filepath.Join(dir, f.Name)+": "+why)
		}
	}
	p, err := planFolder(dir, written, inputs)
	if err != nil {
		return nil, err
	}
	for _, name := range p.stale {
		changes = append(changes, filepath.Join(dir, name)+": generated from specs that no longer generate it")
	}
	why, err := same(sourcesFile, p.record)
	if err != nil {
		return nil, err
	}
	if why != "" {
		changes = append(changes, filepath.Join(dir, sourcesFile)+": "+why)
	}
	slices.Sort(changes)
	return changes, nil
}

// outputFolder is a folder and the files a generator would write into it.
type outputFolder struct {
	dir   string
	files iter.Seq2[generators.File, error]
}

// checkFolders is --check: it prints what differs in each folder and
// returns exit 1 when anything does, 0 when every folder is up to date.
func checkFolders(command string, folders []outputFolder, inputs []string, stderr io.Writer) int {
	stale := 0
	for _, f := range folders {
		changes, err := checkFiles(f.dir, f.files, inputs)
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
		case ".yaml", ".yml":
			return strings.HasPrefix(string(head), generators.Header)
		case ".json":
			return strings.Contains(string(head), `"description": "`+grafana.Description)
		}
		return false
	}
}
