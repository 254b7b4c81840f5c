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
	if out == "-" {
		_, err := stdout.Write(buf.Bytes())
		return exitCodeOf(err, stderr)
	}
	if err := writeOwnFile(out, buf.Bytes(), generatedHead(out)); err != nil {
		fmt.Fprintf(stderr, "slokit generate: %v\n", err)
		return exitInvalid
	}
	fmt.Fprintf(stderr, "wrote Datadog SLOs and monitors (%s) to %s: %s\n", f, out, summary(services))
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
