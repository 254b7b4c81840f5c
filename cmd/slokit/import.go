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
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "slokit import: %v\n", err)
		return exitInvalid
	}
	for _, im := range imported {
		var buf bytes.Buffer
		if err := slo.WriteNative(&buf, im); err != nil {
			fmt.Fprintf(stderr, "slokit import: %s: %v\n", im.File, err)
			return exitInvalid
		}
		if err := writeFileAtomic(filepath.Join(*out, im.Service+".yaml"), buf.Bytes()); err != nil {
			fmt.Fprintf(stderr, "slokit import: %v\n", err)
			return exitInvalid
		}
	}
	fmt.Fprintf(stderr, "imported %d service(s) into %s\n", len(imported), *out)
	return exitOK
}
