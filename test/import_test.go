package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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

// manyPyrraDocuments writes a file of n copies of the Pyrra anchor, each
// its own SLO, and returns its path and size.
func manyPyrraDocuments(t *testing.T, n int) (string, int) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join(anchors, "pyrra/prometheus-http.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString("---\n")
		}
		b.WriteString(strings.Replace(string(doc), "name: prometheus-api-query", fmt.Sprintf("name: query-%d", i), 1))
	}
	path := filepath.Join(t.TempDir(), "slos.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, b.Len()
}

// peakRSS runs slokit and returns its exit code and its peak resident
// memory in MiB, as the kernel counted it.
func peakRSS(t *testing.T, args ...string) (int, int64) {
	t.Helper()
	cmd := exec.Command(slokitBin, args...)
	_ = cmd.Run()
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Skip("no rusage here")
	}
	return cmd.ProcessState.ExitCode(), ru.Maxrss >> 10 // KiB on Linux
}

// Memory is bounded per input byte: documents are read, translated and
// checked one at a time (import keeps each spec's text, not its tree),
// and a file holds at most 5,000 documents. Measured as the kernel counts
// the process's peak memory. Before: validate of 5,000 Pyrra documents (2
// MB) peaked at 209 MiB, import at 209 MiB, and validate of a 16 MB file
// of 41,451 documents at 1.6 GB in 8.8 s.
func TestManyDocumentsTakeBoundedMemory(t *testing.T) {
	file, size := manyPyrraDocuments(t, 5000)
	if code, mib := peakRSS(t, "validate", file); code != 0 || mib > 150 {
		t.Errorf("validate of %d bytes: exit %d, peak %d MiB (at most 150)", size, code, mib)
	} else {
		t.Logf("validate of 5,000 documents (%d bytes): peak %d MiB", size, mib)
	}
	if code, mib := peakRSS(t, "import", "-o", t.TempDir(), file); code != 0 || mib > 100 {
		t.Errorf("import of %d bytes: exit %d, peak %d MiB (at most 100)", size, code, mib)
	} else {
		t.Logf("import of 5,000 documents: peak %d MiB", mib)
	}
	big, size := manyPyrraDocuments(t, 40000)
	out, _ := exec.Command(slokitBin, "validate", big).CombinedOutput()
	if !strings.Contains(string(out), "more than 5000 YAML documents in one file") {
		t.Errorf("validate of 40,000 documents:\n%.2000s", out)
	}
	if code, mib := peakRSS(t, "validate", big); code != 1 || mib > 200 {
		t.Errorf("validate of 40,000 documents (%d bytes): exit %d, peak %d MiB (at most 200)", size, code, mib)
	}
}
