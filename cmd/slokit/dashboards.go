package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/slokit/slokit/generators/grafana"
	"github.com/slokit/slokit/slo"
)

const dashboardsSynopsis = `dashboards [--format json|configmap|grafana-operator] -o DIR [--strict] PATH...

Writes Grafana dashboards for the specs at PATH into DIR: per service an
overview (SERVICE.json) and a detail dashboard per SLO (SERVICE.SLO.json),
or, with --format configmap or grafana-operator, one YAML file per service
holding a ConfigMap (with the grafana_dashboard sidecar label) or a
GrafanaDashboard per dashboard. Dashboards generated earlier for services
that are gone are deleted.`

func runDashboards(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("dashboards", dashboardsSynopsis, stderr)
	format := fs.String("format", string(grafana.FormatJSON), "json, configmap or grafana-operator")
	out := fs.String("o", "", "folder to write the dashboards into (required)")
	strict := fs.Bool("strict", false, "treat warnings as errors")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(err)
	}
	f, err := grafana.ParseFormat(*format)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "slokit dashboards: --format: %v\n", err)
		return exitUsage
	case *out == "":
		fmt.Fprintln(stderr, "slokit dashboards: -o DIR is required")
		return exitUsage
	case len(paths) == 0:
		fmt.Fprintln(stderr, "slokit dashboards: no spec paths given")
		fs.Usage()
		return exitUsage
	}
	services, ok := load(paths, *strict, stderr)
	if !ok {
		return exitInvalid
	}
	n, err := writeDashboards(*out, f, services)
	if err != nil {
		fmt.Fprintf(stderr, "slokit dashboards: %v\n", err)
		return exitInvalid
	}
	fmt.Fprintf(stderr, "wrote %d dashboard(s) (%s) to %s\n", n, f, *out)
	return exitOK
}

// writeDashboards writes every service's dashboards into dir and deletes
// the ones generated earlier for services that are gone. It returns how
// many dashboards it wrote.
func writeDashboards(dir string, f grafana.Format, services []*slo.Service) (int, error) {
	files, err := grafana.Files(f, services)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	keep := map[string]bool{}
	for _, file := range files {
		keep[file.Name] = true
		if err := writeFileAtomic(filepath.Join(dir, file.Name), file.Content); err != nil {
			return 0, err
		}
	}
	n := 0
	for _, svc := range services {
		n += 1 + len(svc.SLOs)
	}
	return n, removeStale(dir, keep)
}

// generatedDashboard reports whether a JSON file is a dashboard slokit
// generated: its description starts with grafana.Description.
func generatedDashboard(path string) (bool, error) {
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
	return strings.Contains(string(head[:n]), `"description": "`+grafana.Description), nil
}
