package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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

// Importing a Sloth spec writes a native spec that generates exactly the
// rules slokit generates from the Sloth file itself, and importing again
// writes the same bytes.
func TestImportIsFaithfulAndIdempotent(t *testing.T) {
	for _, src := range []string{"../../slo/testdata/sloth.good.yaml", "../../slo/testdata/sloth-crd.good.yaml"} {
		t.Run(filepath.Base(src), func(t *testing.T) {
			out := t.TempDir()
			_, stderr := runOK(t, "import", "-o", out, src)
			if !strings.Contains(stderr, "imported 1 service(s)") || !strings.Contains(stderr, "warning: ") {
				t.Errorf("stderr: %s", stderr)
			}
			native := filepath.Join(out, "checkout.yaml")
			first, err := os.ReadFile(native)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(first, []byte("# Imported by slokit from ../../slo/testdata/")) {
				t.Errorf("no comment naming the source:\n%s", first)
			}
			runOK(t, "import", "-o", out, src)
			if again, _ := os.ReadFile(native); !bytes.Equal(first, again) {
				t.Errorf("a second import differs:\n%s\n---\n%s", first, again)
			}
			fromSource, _ := runOK(t, "generate", src)
			fromNative, nativeWarnings := runOK(t, "generate", native)
			fromSource, fromNative = withoutSource(fromSource), withoutSource(fromNative)
			if fromSource != fromNative {
				t.Errorf("rules from the imported spec differ from rules from the Sloth spec")
			}
			if nativeWarnings != "" {
				t.Errorf("the imported spec still warns: %s", nativeWarnings)
			}
			// The native spec imports as itself.
			out2 := t.TempDir()
			runOK(t, "import", "-o", out2, native)
			fromReimport, _ := runOK(t, "generate", out2)
			if withoutSource(fromReimport) != fromNative {
				t.Error("re-importing the native spec changed its rules")
			}
		})
	}
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
		{"a plugin SLI", []string{"import", "../../slo/testdata/sloth.bad.yaml"}, 1, `Sloth SLI plugin "sloth-common/kubernetes/apiserver/availability" cannot be imported`},
		{"nothing written on errors", []string{"import", "-o", t.TempDir(), "../../slo/testdata/sloth.bad.yaml"}, 1, "nothing written"},
		{"strict fails on what is not carried over", []string{"import", "--strict", "../../slo/testdata/sloth.good.yaml"}, 1, "label severity=critical not carried over"},
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
