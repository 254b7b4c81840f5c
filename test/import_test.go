package test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// anchors holds other tools' example specs, copied into the repository
// with their licence (testdata/anchors/README.md).
const anchors = "../testdata/anchors"

// importable are the anchors slokit imports (the others are clear errors,
// checked in slo's conformance test).
var importable = []string{
	"sloth/getting-started.yml", "sloth/home-wifi.yml", "sloth/raw-home-wifi.yml", "sloth/kubernetes-apiserver.yml",
	"sloth/multifile.yml", "sloth/k8s-getting-started.yml", "sloth/k8s-multifile.yml",
	"sloth/openslo-getting-started.yml", "sloth/openslo-kubernetes-apiserver.yml",
	"pyrra/caddy-response-latency.yaml", "pyrra/nginx.yaml", "pyrra/parca-grpc-queryrange-errors.yaml",
	"pyrra/prometheus-http.yaml", "pyrra/prometheus-probe-success.yaml", "pyrra/thanos-http.yaml",
}

// The rules generated from every importable anchor, read directly or
// through slokit import, pass the real promtool.
func TestImportedAnchorsPassPromtool(t *testing.T) {
	promtool := requireTool(t, "promtool", "prometheus")
	// One at a time: several anchors define the same example service in
	// different formats.
	var files []string
	for _, a := range importable {
		imported, rules := t.TempDir(), t.TempDir()
		slokit(t, "import", "-o", imported, filepath.Join(anchors, a))
		slokit(t, "generate", "-o", rules, imported)
		fs, _ := filepath.Glob(filepath.Join(rules, "*.yaml"))
		if len(fs) == 0 {
			t.Fatalf("%s: no rules", a)
		}
		files = append(files, fs...)
	}
	args := append([]string{"check", "rules"}, files...)
	if out, err := exec.Command(promtool, args...).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}

// An outage pages for an imported Sloth SLO and an imported Pyrra SLO on
// the embedded engine: their alerts work as the source tool intended.
func TestImportedAnchorsPageOnAnOutage(t *testing.T) {
	for _, tc := range []struct {
		anchor  string
		maxWait float64 // seconds from the outage's start to the page
	}{
		{"sloth/getting-started.yml", 120},
		// 99%: Pyrra's 14x over 1h needs 8.4 minutes of errors, then for: 2m.
		{"pyrra/thanos-http.yaml", 12 * 60},
	} {
		t.Run(tc.anchor, func(t *testing.T) {
			out := slokit(t, "simulate", "--scenario", "outage", "--spec", filepath.Join(anchors, tc.anchor), "--json")
			var res struct {
				Alerts []struct {
					Page             bool       `json:"page"`
					FirstFiredAt     *time.Time `json:"firstFiredAt"`
					DetectionSeconds *float64   `json:"detectionSeconds"`
				} `json:"alerts"`
			}
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			outageStart := time.Date(2026, 1, 5, 3, 0, 0, 0, time.UTC) // the outage scenario's, 3h in
			paged := false
			for _, a := range res.Alerts {
				if a.Page && a.DetectionSeconds != nil && *a.DetectionSeconds <= tc.maxWait {
					paged = true
				}
				if a.FirstFiredAt != nil && a.FirstFiredAt.Before(outageStart) {
					t.Errorf("an alert fired before the outage: %+v", a)
				}
			}
			if !paged {
				t.Errorf("no page within %v s of the outage: %s", tc.maxWait, out)
			}
		})
	}
}
