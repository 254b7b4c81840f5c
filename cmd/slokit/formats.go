package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/slokit/slokit/generators"
	"github.com/slokit/slokit/generators/datadog"
	"github.com/slokit/slokit/generators/rollouts"
)

// generateFlags are generate's flags the formats other than rules refuse
// or take.
type generateFlags struct {
	check                    bool
	dashboards, tier, region string
	slokitURL                string
	servicePort              int
	objects                  generators.ObjectMeta
}

// generateOther writes the formats that are not rules (canary analysis,
// routing, Datadog objects), having refused the flags they do not take,
// and reports whether the format was one of them.
func generateOther(format string, paths []string, out string, g generateFlags, reading specReading, stdout, stderr io.Writer) (code int, other bool) {
	if f := rollouts.Format(format); slices.Contains(rollouts.Formats(), f) {
		if g.check || g.dashboards != "" || g.tier != "" || g.region != "" {
			fmt.Fprintf(stderr, "slokit generate: --format %s takes no --check, --dashboards, --tier or --region\n", format)
			return exitUsage, true
		}
		o := rollouts.Options{URL: g.slokitURL, Objects: g.objects, ServicePort: g.servicePort}
		return generateRollouts(paths, f, out, o, reading, stdout, stderr), true
	}
	if g.slokitURL != rollouts.DefaultURL || g.servicePort != 80 {
		fmt.Fprintln(stderr, "slokit generate: --slokit-url and --service-port are for --format argo-rollouts and flagger")
		return exitUsage, true
	}
	dd := datadog.Format(format)
	if format != alertmanagerFormat && !slices.Contains(datadog.Formats(), dd) {
		return 0, false
	}
	// Neither routing nor Datadog objects are rules in a folder.
	if g.check || g.dashboards != "" || !g.objects.Empty() || g.tier != "" || g.region != "" {
		fmt.Fprintf(stderr, "slokit generate: --format %s takes no --check, --dashboards, --namespace, --label, --annotation, --tier or --region\n", format)
		return exitUsage, true
	}
	if format == alertmanagerFormat {
		return generateAlertmanager(paths, out, reading, stdout, stderr), true
	}
	reading.datadog = true
	return generateDatadog(paths, dd, out, reading, stdout, stderr), true
}

// generateRollouts writes the canary analysis of Argo Rollouts or Flagger
// to standard output or one YAML file, replaced atomically, naming the
// SLOs and services left out.
func generateRollouts(paths []string, f rollouts.Format, out string, o rollouts.Options, reading specReading, stdout, stderr io.Writer) int {
	if ext := filepath.Ext(out); out != "-" && ext != ".yaml" && ext != ".yml" {
		fmt.Fprintf(stderr, "slokit generate: --format %s writes one file: give -o FILE.yaml or -o -\n", f)
		return exitUsage
	}
	if err := o.Check(); err != nil {
		fmt.Fprintf(stderr, "slokit generate: %v\n", err)
		return exitUsage
	}
	services, ok := load(paths, reading, stderr)
	if !ok {
		return exitInvalid
	}
	var buf bytes.Buffer
	leftOut, err := rollouts.Write(&buf, f, services, o)
	for _, l := range leftOut {
		fmt.Fprintf(stderr, "slokit generate: left out: %s\n", l)
	}
	if err != nil {
		fmt.Fprintf(stderr, "slokit generate: --format %s: %v\n", f, err)
		return exitInvalid
	}
	return writeOutput(out, buf.Bytes(), string(f)+" canary analysis", "", stdout, stderr)
}
