// Package slotest holds test helpers over the model: specs parsed or
// failing the test, and the spec fixtures checked against their golden
// diagnostics. It is for tests only.
package slotest

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/slokit/slokit/internal/golden"
	"github.com/slokit/slokit/slo"
)

// Services parses spec, failing the test on any error.
func Services(t testing.TB, spec string) []*slo.Service {
	t.Helper()
	svcs, diags := slo.Parse([]byte(spec))
	if err := diags.Errors(); err != nil {
		t.Fatalf("%v\n%s", err, spec)
	}
	return svcs
}

// Load loads the specs at paths (files or folders), failing the test on
// any error.
func Load(t testing.TB, paths ...string) []*slo.Service {
	t.Helper()
	services, diags := slo.Load(paths)
	if err := diags.Errors(); err != nil {
		t.Fatalf("%v: %v", paths, err)
	}
	return services
}

// CheckSpecFiles checks the spec fixtures in dir: every fixture's
// diagnostics, errors and warnings in position order, are kept in a
// golden file beside it (NAME.yaml -> NAME.txt); *.good.yaml must load
// without errors, *.bad.yaml must not load, and every diagnostic has a
// position unless the file has no YAML to point into.
func CheckSpecFiles(t *testing.T, goldens golden.Files, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s: %v", dir, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			services, diags := slo.ParseFile(f)
			var out strings.Builder
			for _, d := range diags {
				out.WriteString(d.Error() + "\n")
			}
			goldens.Assert(t, strings.TrimSuffix(f, ".yaml")+".txt", []byte(out.String()))
			err := diags.Errors()
			switch {
			case strings.HasSuffix(f, ".good.yaml") && err != nil:
				t.Errorf("good fixture does not load: %v", err)
			case strings.HasSuffix(f, ".good.yaml") && len(services) == 0:
				t.Error("good fixture yields no service")
			case strings.HasSuffix(f, ".bad.yaml") && err == nil:
				t.Error("bad fixture loads without error")
			case strings.HasSuffix(f, ".bad.yaml") && len(services) > 0:
				t.Error("bad fixture yields a service")
			}
			for _, d := range diags {
				if d.Line == 0 && !strings.HasPrefix(filepath.Base(f), "empty") && !strings.HasPrefix(filepath.Base(f), "yaml-syntax") {
					t.Errorf("diagnostic without a position: %s", d)
				}
			}
		})
	}
}
