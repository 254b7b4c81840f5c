package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
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
	data, err := os.ReadFile(filepath.Join(dir, sourcesFile))
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
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
		if err := writeFileAtomic(filepath.Join(dir, f.Name), f.Content); err != nil {
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
	recorded, err := readSources(dir)
	if err != nil {
		return err
	}
	var roots []string
	for _, in := range inputs {
		abs, err := filepath.Abs(in)
		if err != nil {
			return err
		}
		roots = append(roots, abs)
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	within := func(recorded string) bool {
		spec := filepath.Join(absDir, recorded)
		return slices.ContainsFunc(roots, func(root string) bool {
			return spec == root || strings.HasPrefix(spec, root+string(filepath.Separator))
		})
	}
	names := make([]string, 0, len(recorded.Files))
	for name := range recorded.Files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, ok := written[name]; ok || !within(recorded.Files[name]) {
			continue
		}
		path := filepath.Join(dir, name)
		generated, err := isGenerated(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if generated {
			if err := os.Remove(path); err != nil {
				return err
			}
		}
		delete(recorded.Files, name)
	}
	for name, spec := range written {
		abs, err := filepath.Abs(spec)
		if err == nil {
			spec, err = filepath.Rel(absDir, abs)
		}
		if err != nil {
			return err
		}
		recorded.Files[name] = filepath.ToSlash(spec)
	}
	data, err := json.MarshalIndent(recorded, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, sourcesFile), append(data, '\n'))
}

// isGenerated reports whether a file carries slokit's generated-code mark:
// YAML starting with its header, or a dashboard whose description says
// so. A file edited into something else is kept.
func isGenerated(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, err
	}
	head = head[:n]
	switch filepath.Ext(path) {
	case ".yaml":
		return strings.HasPrefix(string(head), generators.Header), nil
	case ".json":
		return strings.Contains(string(head), `"description": "`+grafana.Description), nil
	}
	return false, nil
}
