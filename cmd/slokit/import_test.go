package main

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func runOK(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("slokit %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// Importing a spec of another tool writes native specs that generate
// exactly the rules slokit generates from the original file, and
// importing again writes the same bytes.
func TestImportIsFaithfulAndIdempotent(t *testing.T) {
	for _, src := range []string{"../../slo/importer/testdata/sloth.good.yaml", "../../slo/importer/testdata/sloth-crd.good.yaml", "../../slo/importer/testdata/pyrra.good.yaml", "../../slo/importer/testdata/openslo.good.yaml", "../../slo/importer/testdata/openslo-v1alpha.good.yaml"} {
		t.Run(filepath.Base(src), func(t *testing.T) {
			out := t.TempDir()
			_, stderr := runOK(t, "import", "-o", out, src)
			if !strings.Contains(stderr, "imported ") || !strings.Contains(stderr, "warning: ") {
				t.Errorf("stderr: %s", stderr)
			}
			first := readFolder(t, out)
			for name, content := range first {
				if !strings.HasPrefix(content, "# Imported by slokit from ../../slo/importer/testdata/") {
					t.Errorf("%s: no comment naming the source:\n%s", name, content)
				}
			}
			runOK(t, "import", "-o", out, src)
			if again := readFolder(t, out); !maps.Equal(first, again) {
				t.Error("a second import differs")
			}
			fromSource, fromNative := t.TempDir(), t.TempDir()
			runOK(t, "generate", "-o", fromSource, src)
			_, nativeWarnings := runOK(t, "generate", "-o", fromNative, out)
			if !strings.Contains(nativeWarnings, "wrote ") || strings.Contains(nativeWarnings, "warning:") {
				t.Errorf("the imported specs still warn: %s", nativeWarnings)
			}
			a, b := readFolder(t, fromSource), readFolder(t, fromNative)
			if len(a) == 0 || len(a) != len(b) {
				t.Fatalf("%d rule files from the source, %d from the import", len(a), len(b))
			}
			for name := range a {
				if withoutSource(a[name]) != withoutSource(b[name]) {
					t.Errorf("%s: rules from the imported spec differ from rules from the original", name)
				}
			}
			// The native specs import as themselves.
			again := t.TempDir()
			runOK(t, "import", "-o", again, out)
			fromReimport := t.TempDir()
			runOK(t, "generate", "-o", fromReimport, again)
			for name, content := range readFolder(t, fromReimport) {
				if withoutSource(content) != withoutSource(b[name]) {
					t.Errorf("%s: re-importing the native spec changed its rules", name)
				}
			}
		})
	}
}

func readFolder(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

// withoutSource drops the comment naming the spec file rules came from.
func withoutSource(rules string) string {
	var keep []string
	for _, l := range strings.Split(rules, "\n") {
		if !strings.HasPrefix(l, "# Source: ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func TestImportErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no paths", []string{"import"}, 2, "no spec paths given"},
		{"a plugin SLI", []string{"import", "../../slo/importer/testdata/sloth.bad.yaml"}, 1, `Sloth SLI plugin "sloth-common/kubernetes/apiserver/availability" cannot be imported`},
		{"the failed file named", []string{"import", "-o", t.TempDir(), "../../slo/importer/testdata/sloth.bad.yaml"}, 1, "1 file(s) not imported, for the errors above: ../../slo/importer/testdata/sloth.bad.yaml"},
		{"strict fails on what is not carried over", []string{"import", "--strict", "../../slo/importer/testdata/sloth-crd.good.yaml"}, 1, "ticket alerts keep severity=ticket"},
		{"a format slokit does not read", []string{"import", "../../slo/testdata/other-apiversion.bad.yaml"}, 1, `unsupported apiVersion "monitoring.coreos.com/v1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("exit %d (want %d)\nstderr: %s\nwant %q", code, tc.code, stderr.String(), tc.stderr)
			}
		})
	}
}

// One bad file no longer loses the others: import writes every file it
// can, names every file it cannot, with the position of each problem,
// and exits 1.
func TestImportWritesWhatItCan(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	for name, from := range map[string]string{
		"a-good.yml": "../../testdata/anchors/sloth/home-wifi.yml",
		"b-bad.yml":  "../../testdata/anchors/sloth/victoria-metrics.yml",
		"c-good.yml": "../../testdata/anchors/pyrra/nginx.yaml",
	} {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"import", "-o", out, in}, &stdout, &stderr)
	for _, want := range []string{
		filepath.Join(in, "b-bad.yml") + `:27:20: slos[0].sli.raw.errorRatio: parse error`,
		"imported 3 service(s) into " + out,
		"1 file(s) not imported, for the errors above: " + filepath.Join(in, "b-bad.yml"),
	} {
		if code != 1 || !strings.Contains(stderr.String(), want) {
			t.Errorf("exit %d, want 1 and %q:\n%s", code, want, stderr.String())
		}
	}
	if got := slices.Sorted(maps.Keys(readFolder(t, out))); len(got) != 3 || got[0] != "home-wifi.yaml" {
		t.Errorf("written: %v", got)
	}

	// Again, with one of the files edited by hand since: it is kept and
	// named, the others are left as they are.
	edited := filepath.Join(out, "home-wifi.yaml")
	if err := os.WriteFile(edited, []byte("# reviewed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	code = run(context.Background(), []string{"import", "-o", out, filepath.Join(in, "a-good.yml"), filepath.Join(in, "c-good.yml")}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), edited) || !strings.Contains(stderr.String(), "imported 2 service(s)") {
		t.Errorf("a reviewed file in the way: exit %d\n%s", code, stderr.String())
	}
	if data, _ := os.ReadFile(edited); string(data) != "# reviewed\n" {
		t.Errorf("the reviewed file was overwritten: %q", data)
	}
}
