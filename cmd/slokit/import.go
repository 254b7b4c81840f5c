package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/slokit/slokit/slo"
)

const importSynopsis = `import [-o DIR|-] [--strict] PATH...

Reads SLO specs in the formats other tools keep (Sloth prometheus/v1 and
sloth.slok.dev/v1 PrometheusServiceLevel, Pyrra pyrra.dev/v1alpha1
ServiceLevelObjective) and writes them as native
slokit specs, one file per service (SERVICE.yaml), so a team can switch
over. Every field that cannot be carried over is reported with its
file:line; the exit code is 1 when something essential is unsupported.
validate and generate read these formats directly too.`

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
	imported, diags := slo.Import(paths, slo.LoadOptions{MaxFileBytes: *maxBytes})
	for _, d := range diags {
		fmt.Fprintln(stderr, d.Error())
	}
	if err := (specReading{strict: *strict}).failing(diags); err != nil {
		fmt.Fprintln(stderr, "slokit import: nothing written: fix the errors above")
		return exitInvalid
	}
	if *out == "-" {
		for i, im := range imported {
			if i > 0 {
				fmt.Fprintln(stdout, "---")
			}
			if err := slo.WriteNative(stdout, im); err != nil {
				fmt.Fprintf(stderr, "slokit import: %v\n", err)
				return exitInvalid
			}
		}
		return exitOK
	}
	// Every file is rendered and checked before any is written: an
	// imported spec is meant to be reviewed and edited by hand, so import
	// writes new files only, and leaves as it is one that already holds
	// exactly what it would write.
	files := map[string][]byte{}
	var order []string
	for _, im := range imported {
		var buf bytes.Buffer
		if err := slo.WriteNative(&buf, im); err != nil {
			fmt.Fprintf(stderr, "slokit import: %s: %v\n", im.File, err)
			return exitInvalid
		}
		path := filepath.Join(*out, im.Service+".yaml")
		if _, twice := files[path]; twice {
			fmt.Fprintf(stderr, "slokit import: %s: service %s is imported twice: nothing written\n", im.File, im.Service)
			return exitInvalid
		}
		files[path] = buf.Bytes()
		order = append(order, path)
	}
	var refused []string
	for _, path := range order {
		if err := checkReplaceable(path, func([]byte) bool { return sameContent(path, files[path]) }); err != nil {
			refused = append(refused, err.Error())
		}
	}
	if len(refused) > 0 {
		for _, r := range refused {
			fmt.Fprintf(stderr, "slokit import: %s\n", r)
		}
		fmt.Fprintln(stderr, "slokit import: nothing written: import writes new files only, so that a reviewed spec is never overwritten (import into an empty folder, or remove those files)")
		return exitInvalid
	}
	for _, path := range order {
		if err := writeOwnFile(path, files[path], func([]byte) bool { return sameContent(path, files[path]) }); err != nil {
			fmt.Fprintf(stderr, "slokit import: %v\n", err)
			return exitInvalid
		}
	}
	fmt.Fprintf(stderr, "imported %d service(s) into %s\n", len(imported), *out)
	return exitOK
}

// sameContent reports whether the regular file at path holds content.
func sameContent(path string, content []byte) bool {
	if _, err := regularFile(path); err != nil {
		return false
	}
	old, err := os.ReadFile(path)
	return err == nil && bytes.Equal(old, content)
}
