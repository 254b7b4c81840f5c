package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/slokit/slokit/diag"
	"github.com/slokit/slokit/slo"
)

const importSynopsis = `import [-o DIR|-] [--strict] PATH...

Reads SLO specs in the formats other tools keep (Sloth prometheus/v1 and
sloth.slok.dev/v1 PrometheusServiceLevel, Pyrra pyrra.dev/v1alpha1
ServiceLevelObjective, OpenSLO) and writes them as native slokit specs,
one file per service (SERVICE.yaml), so a team can switch over. A service
defined in several files (a file per SLO) becomes one spec when its SLO
names differ. Every field that cannot be carried over is reported with its
file:line. A file with an error (or, with --strict, a warning) is not
imported, and is named; every other file is: the exit code is 1 when any
file was not. validate and generate read these formats directly too.`

func runImport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("import", importSynopsis, stderr)
	out := fs.String("o", "-", "folder to write one native spec per service into, or - for standard output")
	strict := fs.Bool("strict", false, "treat warnings as errors")
	maxBytes := maxFileBytesFlag(fs)
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "slokit import: no spec paths given")
		fs.Usage()
		return exitUsage
	}
	reading := specReading{strict: *strict}
	imported, diags := slo.Import(paths, slo.LoadOptions{MaxFileBytes: *maxBytes})
	// A file that fails is left out whole, before the services that span
	// files are merged: a service never takes half of a failed file.
	failed := failedFiles(diags, reading)
	merged, mergeDiags := slo.Merge(withoutFiles(imported, failed))
	if more := failedFiles(mergeDiags, reading); len(more) > 0 {
		maps.Copy(failed, more)
		merged, _ = slo.Merge(withoutFiles(imported, failed))
	}
	diags = append(diags, mergeDiags...)
	diags.Sort()
	for _, d := range diags {
		fmt.Fprintln(stderr, d.Error())
	}
	code := exitOK
	if len(failed) > 0 {
		code = exitInvalid
	}
	if *out == "-" {
		for i, im := range merged {
			if i > 0 {
				fmt.Fprintln(stdout, "---")
			}
			if err := slo.WriteNative(stdout, im); err != nil {
				fmt.Fprintf(stderr, "slokit import: %v\n", err)
				return exitInvalid
			}
		}
		reportFailed(stderr, failed)
		return code
	}
	// import writes new files only, and leaves as it is one that already
	// holds exactly what it would write: an imported spec is meant to be
	// reviewed and edited by hand, and is never overwritten.
	written := 0
	for _, im := range merged {
		var buf bytes.Buffer
		if err := slo.WriteNative(&buf, im); err != nil {
			fmt.Fprintf(stderr, "slokit import: %s: %v\n", im.File, err)
			code = exitInvalid
			continue
		}
		path := filepath.Join(*out, im.Service+".yaml")
		content := buf.Bytes()
		same := func([]byte) bool { return sameContent(path, content) }
		if err := checkReplaceable(path, same); err != nil {
			fmt.Fprintf(stderr, "slokit import: %v: not written: import writes new files only, so that a reviewed spec is never overwritten (remove it, or import into an empty folder)\n", err)
			code = exitInvalid
			continue
		}
		if err := os.MkdirAll(*out, 0o755); err != nil {
			fmt.Fprintf(stderr, "slokit import: %v\n", err)
			return exitInvalid
		}
		if err := writeOwnFile(path, content, same); err != nil {
			fmt.Fprintf(stderr, "slokit import: %v\n", err)
			code = exitInvalid
			continue
		}
		written++
	}
	fmt.Fprintf(stderr, "imported %d service(s) into %s\n", written, *out)
	reportFailed(stderr, failed)
	return code
}

// failedFiles are the files whose diagnostics stop their import: errors,
// and warnings too when reading strictly.
func failedFiles(diags diag.Diagnostics, r specReading) map[string]bool {
	failed := map[string]bool{}
	for _, d := range diags {
		if !d.Warning || r.strict {
			failed[d.File] = true
		}
	}
	return failed
}

func withoutFiles(ims []slo.Imported, files map[string]bool) []slo.Imported {
	var out []slo.Imported
	for _, im := range ims {
		if !files[im.File] {
			out = append(out, im)
		}
	}
	return out
}

// reportFailed names the files not imported, after their diagnostics.
func reportFailed(stderr io.Writer, failed map[string]bool) {
	if len(failed) == 0 {
		return
	}
	files := slices.Sorted(maps.Keys(failed))
	fmt.Fprintf(stderr, "slokit import: %d file(s) not imported, for the errors above: %s\n", len(files), strings.Join(files, ", "))
}

// sameContent reports whether the regular file at path holds content.
func sameContent(path string, content []byte) bool {
	if _, err := regularFile(path); err != nil {
		return false
	}
	old, err := os.ReadFile(path)
	return err == nil && bytes.Equal(old, content)
}
