package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/resource"

	"github.com/slokit/slokit/internal/fixture"
)

// readAsKubectl reads a folder as `kubectl apply -f DIR --dry-run=client`
// does, with kubectl's own resource builder: every .yaml, .yml and .json
// file in it must be Kubernetes objects. It returns the objects' kinds.
func readAsKubectl(dir string) ([]string, error) {
	infos, err := resource.NewLocalBuilder().
		Unstructured().
		FilenameParam(false, &resource.FilenameOptions{Filenames: []string{dir}}).
		Flatten().
		Do().
		Infos()
	var kinds []string
	for _, info := range infos {
		kinds = append(kinds, info.Object.GetObjectKind().GroupVersionKind().Kind+"/"+info.Name)
	}
	return kinds, err
}

// Every output folder of every Kubernetes format, as generate -o DIR and
// dashboards -o DIR leave it, is what kubectl apply -f DIR (and so Argo
// CD and kustomize, which read folders the same way) takes as it is:
// nothing in it but the objects, also after a second run that pruned a
// service's files.
func TestOutputFoldersApplyAsTheyAre(t *testing.T) {
	specs := t.TempDir()
	for _, name := range []string{"order-api.yaml", "payment.yaml", "menu.yaml"} {
		data, err := os.ReadFile(filepath.Join("../specs", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(specs, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		command, format, kind string
	}{
		{"generate", "prometheus-operator", "PrometheusRule"},
		{"generate", "victoriametrics", "VMRule"},
		{"dashboards", "configmap", "ConfigMap"},
		{"dashboards", "grafana-operator", "GrafanaDashboard"},
	} {
		dir := filepath.Join(t.TempDir(), tc.format)
		slokit(t, tc.command, "--format", tc.format, "-o", dir, specs)
		kinds, err := readAsKubectl(dir)
		if err != nil {
			t.Errorf("%s --format %s: kubectl apply -f %s: %v", tc.command, tc.format, dir, err)
			continue
		}
		if len(kinds) < 3 || !strings.HasPrefix(kinds[0], tc.kind+"/") {
			t.Errorf("%s --format %s: objects %v", tc.command, tc.format, kinds)
		}
		// A second run without menu prunes menu's file and adds nothing.
		if err := os.Rename(filepath.Join(specs, "menu.yaml"), filepath.Join(t.TempDir(), "menu.yaml")); err != nil {
			t.Fatal(err)
		}
		slokit(t, tc.command, "--format", tc.format, "-o", dir, specs)
		again, err := readAsKubectl(dir)
		if err != nil || len(again) >= len(kinds) {
			t.Errorf("%s --format %s, run again without menu: %v %v", tc.command, tc.format, again, err)
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".yaml") {
				t.Errorf("%s --format %s: %s in the folder", tc.command, tc.format, e.Name())
			}
		}
		data, _ := os.ReadFile(filepath.Join("../specs", "menu.yaml"))
		if err := os.WriteFile(filepath.Join(specs, "menu.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// What the test holds slokit to: a file that is no object, such as
	// the record earlier versions kept in the folder, stops kubectl.
	dir := t.TempDir()
	slokit(t, "generate", "--format", "prometheus-operator", "-o", dir, specs)
	if err := os.WriteFile(filepath.Join(dir, ".slokit-sources.json"), []byte(`{"version": 1, "files": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readAsKubectl(dir); err == nil || !strings.Contains(err.Error(), "Object 'Kind' is missing") {
		t.Errorf("kubectl's builder read a folder with a sources record: %v", err)
	}
}

// A service of 200 SLOs gives several PrometheusRules (or VMRules), and an
// overview of several pages, each object under 512 KiB, which kubectl's
// builder reads as they are.
func TestBigServiceObjectsApplyAsTheyAre(t *testing.T) {
	file := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(file, []byte(fixture.EndpointsSpec("big", 200)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ command, format string }{
		{"generate", "prometheus-operator"}, {"generate", "victoriametrics"},
		{"dashboards", "configmap"}, {"dashboards", "grafana-operator"},
	} {
		dir := filepath.Join(t.TempDir(), c.format)
		slokit(t, c.command, "--format", c.format, "-o", dir, file)
		kinds, err := readAsKubectl(dir)
		if err != nil || len(kinds) < 2 {
			t.Errorf("%s: %v %v", c.format, kinds, err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "big.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range strings.Split(string(data), "\n---\n") {
			if len(doc) > 512<<10 {
				t.Errorf("%s: object %d is %d bytes", c.format, i+1, len(doc))
			}
		}
	}
}
