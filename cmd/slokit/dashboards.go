package main

import (
	"fmt"
	"io"

	"github.com/slokit/slokit/generators/grafana"
	"github.com/slokit/slokit/slo"
)

const dashboardsSynopsis = `dashboards [--format json|configmap|grafana-operator] [-o DIR|-] [--strict]
       [--namespace NS] [--label k=v]... [--annotation k=v]... [--folder NAME]
       [--instance-selector k=v]... [--allow-cross-namespace-import] [--check] PATH...

Writes Grafana dashboards for the specs at PATH to standard output (JSON
dashboards one after the other, YAML objects separated by ---), or into
DIR with -o DIR: per service an
overview (SERVICE.json; past 30 objectives, pages SERVICE+2.json, ...)
and a detail dashboard per SLO (SERVICE.SLO.json),
or, with --format configmap or grafana-operator, one YAML file per service
holding a ConfigMap (with the grafana_dashboard sidecar label) or a
GrafanaDashboard per dashboard. Dashboards generated earlier for services
that are gone are deleted. --folder puts the dashboards in a Grafana
folder (the GrafanaDashboard's folder, or the annotation the Grafana
sidecar reads, --folder-annotation); --instance-selector chooses the
operator's Grafana instances (default dashboards=grafana; the operator
refuses to change it once applied). --check writes nothing and exits 1,
naming each file, when DIR differs from what the specs generate.`

func runDashboards(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("dashboards", dashboardsSynopsis, stderr)
	format := fs.String("format", string(grafana.FormatJSON), "json, configmap or grafana-operator")
	out := fs.String("o", "-", "folder to write the dashboards into, or - for standard output")
	strict := fs.Bool("strict", false, "treat warnings as errors")
	objects := addObjectFlags(fs)
	folder := fs.String("folder", "", "Grafana folder of the dashboards (configmap, grafana-operator)")
	folderAnnotation := fs.String("folder-annotation", "", "with --format configmap: the annotation the Grafana sidecar reads the folder from (default "+grafana.DefaultFolderAnnotation+")")
	selector := keyValues{}
	fs.Var(selector, "instance-selector", "with --format grafana-operator: label k=v of the Grafana instances to import into (repeatable; default dashboards=grafana)")
	check := fs.Bool("check", false, "write nothing; exit 1, naming the files, when -o DIR differs from what the specs generate")
	crossNamespace := fs.Bool("allow-cross-namespace-import", false, "with --format grafana-operator: let Grafana instances in other namespaces import the dashboards")
	maxBytes := maxFileBytesFlag(fs)
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(err)
	}
	f, err := grafana.ParseFormat(*format)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "slokit dashboards: --format: %v\n", err)
		return exitUsage
	case *check && *out == "-":
		fmt.Fprintln(stderr, "slokit dashboards: --check compares a folder: give -o DIR")
		return exitUsage
	case len(paths) == 0:
		fmt.Fprintln(stderr, "slokit dashboards: no spec paths given")
		fs.Usage()
		return exitUsage
	}
	output := grafana.Output{Format: f, Objects: objects.meta(), Folder: *folder, FolderAnnotation: *folderAnnotation, AllowCrossNamespaceImport: *crossNamespace}
	if len(selector) > 0 {
		output.InstanceSelector = selector
	}
	if err := output.Check(); err != nil {
		fmt.Fprintf(stderr, "slokit dashboards: %v\n", err)
		return exitUsage
	}
	services, ok := load(paths, specReading{strict: *strict, maxFileBytes: *maxBytes}, stderr)
	if !ok {
		return exitInvalid
	}
	if *check {
		return checkFolders("dashboards", []outputFolder{dashboardsFolder(*out, output)}, services, paths, stderr)
	}
	if *out == "-" {
		if err := printDashboards(stdout, output, services); err != nil {
			fmt.Fprintf(stderr, "slokit dashboards: %v\n", err)
			return exitInvalid
		}
		return exitOK
	}
	n, err := writeDashboards(*out, output, services, paths)
	if err != nil {
		fmt.Fprintf(stderr, "slokit dashboards: %v\n", err)
		return exitInvalid
	}
	fmt.Fprintf(stderr, "wrote %d dashboard(s) (%s) and the fleet's SLO overview and SLO detail to %s\n", n, f, *out)
	return exitOK
}

// writeDashboards writes every service's dashboards into dir and deletes
// the ones generated earlier from specs within inputs that no longer
// generate them. It returns how many dashboards of services it wrote
// (the fleet's two besides).
func writeDashboards(dir string, o grafana.Output, services []*slo.Service, inputs []string) (int, error) {
	if _, err := writeFiles(dashboardsFolder(dir, o), services, inputs); err != nil {
		return 0, err
	}
	n := 0 // the fleet's overview and detail are said apart
	for _, svc := range services {
		n += len(grafana.OverviewPages(svc)) + len(svc.SLOs)
	}
	return n, nil
}

// printDashboards writes the dashboards to w: JSON dashboards one after
// the other (a stream jq reads), YAML files as documents separated by ---.
func printDashboards(w io.Writer, o grafana.Output, services []*slo.Service) error {
	first := true
	for f, err := range grafana.Files(o, services) {
		if err != nil {
			return err
		}
		if !first && o.Format != grafana.FormatJSON {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		first = false
		if _, err := w.Write(f.Content); err != nil {
			return err
		}
	}
	return nil
}
