package slo_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slokit/slokit/internal/golden"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/slo/slotest"
)

// goldens are this package's golden files: go test ./slo -update rewrites them.
var goldens = golden.Flag()

// Every native fixture's diagnostics are kept beside it (the importers'
// fixtures are in importer/testdata).
func TestFixtures(t *testing.T) {
	slotest.CheckSpecFiles(t, goldens, "testdata")
}

func TestExampleSpecsLoadWithoutWarnings(t *testing.T) {
	services, diags := slo.Load([]string{"../specs"})
	for _, d := range diags {
		t.Errorf("specs/ must be clean: %s", d)
	}
	if len(services) < 4 {
		t.Errorf("want the four example services, got %d", len(services))
	}
}

func TestDiagnosticNamesFileLineColumnAndPath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "order.yaml")
	spec := `apiVersion: slokit.dev/v1
kind: ServiceLevels
service: order-api
slos:
  - name: availability
    objective: 100.5
    sli:
      ratio:
        errors: http_requests_total{code=~"5.."}
        total: http_requests_total
`
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags := slo.ParseFile(path)
	want := path + ":6:16: slos[0].objective: must be between 0 and 100, got 100.5"
	if len(diags) != 1 || diags[0].Error() != want {
		t.Fatalf("got %v, want exactly %q", diags, want)
	}
}

// A service defined in several files (a file per SLO, as Sloth users
// often keep them) is one service when its SLO names differ; a file that
// repeats an SLO name is left out, with an error at that SLO naming where
// it was defined first.
func TestLoadMergesAServiceAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	spec := func(slo, team string) []byte {
		return []byte("apiVersion: slokit.dev/v1\nkind: ServiceLevels\nservice: checkout\nlabels: {team: " + team + ", tier: \"1\"}\nslos:\n  - name: " + slo + "\n    objective: 99\n    sli: {boolGauge: {selector: up}}\n")
	}
	for name, content := range map[string][]byte{"a.yaml": spec("availability", "pay"), "b.yml": spec("latency", "web"), "ignored.txt": spec("x", "y")} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	services, diags := slo.Load([]string{dir})
	if err := diags.Errors(); err != nil || len(services) != 1 {
		t.Fatalf("%d services: %v", len(services), err)
	}
	svc := services[0]
	if len(svc.SLOs) != 2 || svc.SLOs[0].Name != "availability" || svc.SLOs[1].Name != "latency" || svc.File != filepath.Join(dir, "a.yaml") {
		t.Errorf("merged service: %+v", svc)
	}
	// Each SLO keeps its own file's labels; the service keeps the common.
	if svc.SLOs[0].Labels["team"] != "pay" || svc.SLOs[1].Labels["team"] != "web" || len(svc.Labels) != 1 || svc.Labels["tier"] != "1" {
		t.Errorf("labels: service %v, SLOs %v %v", svc.Labels, svc.SLOs[0].Labels, svc.SLOs[1].Labels)
	}

	if err := os.WriteFile(filepath.Join(dir, "c.yaml"), spec("latency", "web"), 0o644); err != nil {
		t.Fatal(err)
	}
	services, diags = slo.Load([]string{dir})
	want := filepath.Join(dir, "c.yaml") + `:6:11: slos[0].name: SLO "latency" of service "checkout" is already defined in ` + filepath.Join(dir, "b.yml") + ":6"
	if err := diags.Errors(); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("want %q, got %v", want, err)
	}
	if len(services) != 1 || len(services[0].SLOs) != 2 {
		t.Errorf("the repeated SLO is not left out: %+v", services)
	}
}

// TestLoadReadsAConfigMapVolumeOnce lays a folder out as the kubelet
// mounts a ConfigMap (files in a hidden timestamped folder, ..data
// pointing at it, each name a link through ..data) and wants each spec
// read once, through its visible name.
func TestLoadReadsAConfigMapVolumeOnce(t *testing.T) {
	dir := t.TempDir()
	stamped := filepath.Join(dir, "..2026_12_01_20_00_00.123456789")
	if err := os.Mkdir(stamped, 0o755); err != nil {
		t.Fatal(err)
	}
	spec := []byte("apiVersion: slokit.dev/v1\nkind: ServiceLevels\nservice: mounted\nslos:\n  - name: a\n    objective: 99\n    sli: {boolGauge: {selector: up}}\n")
	if err := os.WriteFile(filepath.Join(stamped, "mounted.yaml"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Base(stamped), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..data", "mounted.yaml"), filepath.Join(dir, "mounted.yaml")); err != nil {
		t.Fatal(err)
	}
	services, diags := slo.Load([]string{dir})
	if err := diags.ErrorsOrWarnings(); err != nil {
		t.Fatalf("want the mounted spec read once, got %v", err)
	}
	if len(services) != 1 || services[0].File != filepath.Join(dir, "mounted.yaml") {
		t.Errorf("want one service from %s, got %+v", filepath.Join(dir, "mounted.yaml"), services)
	}
}

func TestLoadReportsMissingPaths(t *testing.T) {
	_, diags := slo.Load([]string{"testdata/does-not-exist.yaml"})
	if err := diags.Errors(); err == nil || !strings.Contains(err.Error(), "testdata/does-not-exist.yaml: cannot read spec: no such file or directory") {
		t.Errorf("got %v", err)
	}
}

func TestStrictTurnsWarningsIntoErrors(t *testing.T) {
	_, diags := slo.ParseFile("testdata/warnings.good.yaml")
	if diags.Errors() != nil {
		t.Fatal("warnings alone must not fail validation")
	}
	if len(diags.Warnings()) != 2 || diags.ErrorsOrWarnings() == nil {
		t.Errorf("want 2 warnings that fail with strict, got %v", diags)
	}
}

func TestAliasBombIsRejectedNotExpanded(t *testing.T) {
	// 1,000 SLOs that each alias 1,000 tiers: a few kilobytes of YAML that
	// would expand to a million tiers.
	spec := `apiVersion: slokit.dev/v1
kind: ServiceLevels
service: bomb
slos:
  - &slo
    name: a
    objective: 99
    sli: {boolGauge: {selector: up}}
    alerting:
      tiers:
        - &tier {severity: page, factor: 14.4, long: 1h, short: 5m}
` + strings.Repeat("        - *tier\n", 999) + strings.Repeat("  - *slo\n", 999)
	services, diags := slo.Parse([]byte(spec))
	err := diags.Errors()
	if len(services) > 0 || err == nil || !strings.Contains(err.Error(), "document too large") {
		t.Errorf("want a document-too-large error, got %v", err)
	}
}

// A file holds at most 5,000 YAML documents: the one after is an error at
// its line, and the documents before it are still checked.
func TestAFileHoldsAtMost5000Documents(t *testing.T) {
	doc := "apiVersion: slokit.dev/v1\nkind: ServiceLevels\nservice: s%d\nslos: [{name: a, objective: 99.9, sli: {ratio: {errors: 'r{code=\"500\"}', total: r}}}]\n"
	for _, n := range []int{5000, 5001} {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString("---\n")
			}
			fmt.Fprintf(&b, doc, i)
		}
		services, diags := slo.Parse([]byte(b.String()))
		err := diags.Errors()
		switch {
		case n == 5000 && (err != nil || len(services) != 5000):
			t.Errorf("5,000 documents: %d services, %v", len(services), err)
		case n == 5001 && (err == nil || !strings.Contains(err.Error(), "25001:1: more than 5000 YAML documents in one file") || len(services) != 5000):
			t.Errorf("5,001 documents: %d services, %v", len(services), err)
		}
	}
}
