package main

import (
	"bytes"
	"fmt"
	"io"
	"iter"

	"github.com/slokit/slokit/generators"
	"github.com/slokit/slokit/generators/openslo"
	"github.com/slokit/slokit/slo"
)

const exportSynopsis = `export --format openslo [-o DIR|FILE.yaml|-] [--strict] PATH...

Writes specs in another tool's format, for the tools that read it:
--format openslo writes openslo/v1 documents (Service, DataSource, SLI,
SLO, AlertPolicy with an AlertCondition per burn-rate tier) for every SLO,
one file per service into a folder (files exported earlier from the same
specs that are no longer exported are removed), every service into one
.yaml file, or standard output. What OpenSLO v1 has no field for (a tier's
short window, grouping, the error-budget policy, maintenance windows, an
SLI kind it cannot say) is carried as native YAML in slokit.dev/
annotations, which slokit import, validate and generate read back: the
export of a spec generates the same rules as the spec. Object names are
DNS labels, SERVICE-SLO; fill in the DataSource's connectionDetails for
the tools that query it.`

// exportFormatOpenSLO is the format export writes: OpenSLO v1.
const exportFormatOpenSLO = "openslo"

func runExport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("export", exportSynopsis, stderr)
	format := fs.String("format", "", "the format to write: "+exportFormatOpenSLO)
	out := fs.String("o", "-", "folder to write one file per service into, a .yaml file to write every service into, or - for standard output")
	strict := fs.Bool("strict", false, "treat warnings as errors")
	maxBytes := maxFileBytesFlag(fs)
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(err)
	}
	if *format != exportFormatOpenSLO {
		fmt.Fprintf(stderr, "slokit export: --format: %q is not a format export writes: use --format %s\n", *format, exportFormatOpenSLO)
		return exitUsage
	}
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "slokit export: no spec paths given")
		fs.Usage()
		return exitUsage
	}
	services, ok := load(paths, specReading{strict: *strict, maxFileBytes: *maxBytes, datadog: true}, stderr)
	if !ok {
		return exitInvalid
	}
	var werr error
	switch {
	case *out == "-":
		werr = openslo.Write(stdout, services)
	case isFileOutput(*out):
		same := generatedHead(*out)
		if werr = checkReplaceable(*out, same); werr == nil {
			var buf bytes.Buffer
			if werr = openslo.Write(&buf, services); werr == nil {
				werr = writeOwnFile(*out, buf.Bytes(), same)
			}
		}
	default:
		_, werr = writeFiles(outputFolder{*out, func(s []*slo.Service) iter.Seq2[generators.File, error] { return openslo.Files(s) }}, services, paths)
	}
	if werr != nil {
		fmt.Fprintf(stderr, "slokit export: %v\n", werr)
		return exitInvalid
	}
	if *out != "-" {
		fmt.Fprintf(stderr, "exported %s as OpenSLO v1 to %s\n", summary(services), *out)
	}
	return exitOK
}
