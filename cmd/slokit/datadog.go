package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/slokit/slokit/generators/datadog"
)

// generateDatadog writes Datadog SLOs and burn-rate monitors to standard
// output or one file (FILE.json for the API bodies, FILE.tf for
// Terraform), replaced atomically; every SLO that cannot be written is
// named, and nothing is written.
func generateDatadog(paths []string, f datadog.Format, out string, reading specReading, stdout, stderr io.Writer) int {
	want := map[datadog.Format]string{datadog.FormatJSON: ".json", datadog.FormatTerraform: ".tf"}[f]
	if out != "-" && filepath.Ext(out) != want {
		fmt.Fprintf(stderr, "slokit generate: --format %s writes one file: give -o FILE%s or -o -\n", f, want)
		return exitUsage
	}
	services, ok := load(paths, reading, stderr)
	if !ok {
		return exitInvalid
	}
	var buf bytes.Buffer
	if err := datadog.Write(&buf, f, services); err != nil {
		fmt.Fprintf(stderr, "slokit generate: --format %s: %v\n", f, strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return exitInvalid
	}
	return writeOutput(out, buf.Bytes(), fmt.Sprintf("Datadog SLOs and monitors (%s)", f), summary(services), stdout, stderr)
}

// writeOutput writes generated content to standard output (out "-") or
// replaces the file out atomically, if slokit generated it or it does not
// exist, saying what it wrote (and details, if any); it returns the exit
// code.
func writeOutput(out string, content []byte, what, details string, stdout, stderr io.Writer) int {
	if out == "-" {
		_, err := stdout.Write(content)
		return exitCodeOf(err, stderr)
	}
	if err := writeOwnFile(out, content, generatedHead(out)); err != nil {
		fmt.Fprintf(stderr, "slokit generate: %v\n", err)
		return exitInvalid
	}
	if details != "" {
		details = ": " + details
	}
	fmt.Fprintf(stderr, "wrote %s to %s%s\n", what, out, details)
	return exitOK
}

// exitCodeOf is the exit code of a final write: 0, or 1 having said why.
func exitCodeOf(err error, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintf(stderr, "slokit generate: %v\n", err)
		return exitInvalid
	}
	return exitOK
}
