package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
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
	"pyrra/pyrra-connect-errors.yaml", "pyrra/pyrra-connect-latency.yaml",
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

// The Sloth and Pyrra example folders import in one command, as a team
// moving over would run it: a service spread over files (home-wifi,
// k8s-apiserver) becomes one spec, Pyrra's groupings by service are
// renamed, and the files that cannot be imported are named with the
// position of each problem while the rest are written (the same SLO in
// another of Sloth's formats, and a MetricsQL-only expression). promtool
// loads every rule file generated from what was imported.
func TestImportWholeAnchorFolders(t *testing.T) {
	promtool := requireTool(t, "promtool", "prometheus")
	imported, rules := t.TempDir(), t.TempDir()
	cmd := exec.Command(slokitBin, "import", "-o", imported, filepath.Join(anchors, "sloth"), filepath.Join(anchors, "pyrra"))
	out, err := cmd.CombinedOutput()
	if exitCode(t, err) != 1 {
		t.Fatalf("slokit import: %v\n%s", err, out)
	}
	failed := []string{"sloth/k8s-getting-started.yml", "sloth/k8s-multifile.yml", "sloth/multifile.yml", "sloth/victoria-metrics.yml"}
	var named []string
	for _, f := range failed {
		named = append(named, filepath.Join(anchors, f))
	}
	for _, want := range []string{
		"slokit import: 4 file(s) not imported, for the errors above: " + strings.Join(named, ", "),
		filepath.Join(anchors, "sloth/victoria-metrics.yml") + `:27:20: slos[0].sli.raw.errorRatio: parse error (with $window as 5m): unknown function with name "histogram_share"`,
		filepath.Join(anchors, "sloth/multifile.yml") + `:10:11: slos[0].name: SLO "requests-availability" of service "myservice" is already defined in ` + filepath.Join(anchors, "sloth/getting-started.yml") + ":9",
		filepath.Join(anchors, "pyrra/pyrra-connect-errors.yaml") + `:20:11: warning: spec.indicator.ratio.grouping[0]: label "service" is one slokit sets`,
		"imported 13 service(s) into " + imported,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("slokit import: no %q in\n%s", want, out)
		}
	}
	for service, sources := range map[string]int{"home-wifi": 2, "k8s-apiserver": 2} {
		data, err := os.ReadFile(filepath.Join(imported, service+".yaml"))
		if err != nil || strings.Count(strings.SplitN(string(data), "\n", 2)[0], ".yml (") != sources {
			t.Errorf("%s.yaml: %v\n%.300s", service, err, data)
		}
	}
	slokit(t, "generate", "-o", rules, imported)
	files, _ := filepath.Glob(filepath.Join(rules, "*.yaml"))
	if len(files) != 13 {
		t.Errorf("%d rule files, want one per imported service", len(files))
	}
	if out, err := exec.Command(promtool, append([]string{"check", "rules"}, files...)...).CombinedOutput(); err != nil {
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

// gcHeap matches the heap sizes of a line of GODEBUG=gctrace=1: at the
// collection's start, its end, and what it found live, in MB.
var gcHeap = regexp.MustCompile(`(\d+)->\d+->\d+ MB`)

// peakHeap runs slokit and returns its exit code and the largest its heap
// grew to, in MB, as the Go runtime's own trace says at each collection.
// (The kernel's peak RSS of a child counts its parent's memory at the
// fork, which here is the test's.)
func peakHeap(t *testing.T, args ...string) (int, int) {
	t.Helper()
	cmd := exec.Command(slokitBin, args...)
	cmd.Env = append(os.Environ(), "GODEBUG=gctrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run()
	peak := 0
	for _, m := range gcHeap.FindAllStringSubmatch(stderr.String(), -1) {
		n, _ := strconv.Atoi(m[1])
		peak = max(peak, n)
	}
	return cmd.ProcessState.ExitCode(), peak
}

// Memory is bounded per input byte: documents are read, translated and
// checked one at a time (import keeps each spec's text, not its tree),
// and a file holds at most 5,000 documents. Measured as the Go runtime
// traces its heap. Before: validate of 5,000 Pyrra documents (2 MB) grew
// the heap to 164 MB, import to 144 MB, and validate of a 16 MB file of
// 41,451 documents took 1.6 GB of memory in 8.8 s.
func TestManyDocumentsTakeBoundedMemory(t *testing.T) {
	file, size := manyPyrraDocuments(t, 5000)
	if code, mb := peakHeap(t, "validate", file); code != 0 || mb > 110 {
		t.Errorf("validate of %d bytes: exit %d, heap up to %d MB (at most 110)", size, code, mb)
	} else {
		t.Logf("validate of 5,000 documents (%d bytes): heap up to %d MB", size, mb)
	}
	if code, mb := peakHeap(t, "import", "-o", t.TempDir(), file); code != 0 || mb > 60 {
		t.Errorf("import of %d bytes: exit %d, heap up to %d MB (at most 60)", size, code, mb)
	} else {
		t.Logf("import of 5,000 documents: heap up to %d MB", mb)
	}
	big, size := manyPyrraDocuments(t, 40000)
	out, _ := exec.Command(slokitBin, "validate", big).CombinedOutput()
	if !strings.Contains(string(out), "more than 5000 YAML documents in one file") {
		t.Errorf("validate of 40,000 documents:\n%.2000s", out)
	}
	if code, mb := peakHeap(t, "validate", big); code != 1 || mb > 150 {
		t.Errorf("validate of 40,000 documents (%d bytes): exit %d, heap up to %d MB (at most 150)", size, code, mb)
	}
}
