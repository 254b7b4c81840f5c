package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// slokit export writes one OpenSLO file per service into a folder; the
// folder is read back by generate, validate and import as any spec is,
// and its rules are the specs' own, also after import to native specs. Export refuses a format it does not
// write, with a usage error.
func TestExportToAFolderGeneratesTheSameRules(t *testing.T) {
	dir := t.TempDir()
	osl, fromSpecs, fromExport := filepath.Join(dir, "openslo"), filepath.Join(dir, "a"), filepath.Join(dir, "b")
	_, stderr := runOK(t, "export", "--format", "openslo", "-o", osl, "../../specs")
	if !strings.Contains(stderr, "exported 5 service(s), 7 SLO(s)") {
		t.Errorf("stderr: %s", stderr)
	}
	runOK(t, "validate", "--strict", osl)
	runOK(t, "generate", "-o", fromSpecs, "../../specs")
	runOK(t, "generate", "-o", fromExport, osl)
	// And through native specs again, as a team moving back would.
	native, fromNative := filepath.Join(dir, "native"), filepath.Join(dir, "c")
	runOK(t, "import", "--strict", "-o", native, osl)
	runOK(t, "generate", "-o", fromNative, native)
	source := regexp.MustCompile(`(?m)^# Source: .*\n`)
	for name, want := range readFolder(t, fromSpecs) {
		for _, folder := range []string{fromExport, fromNative} {
			got, err := os.ReadFile(filepath.Join(folder, name))
			if err != nil {
				t.Fatal(err)
			}
			if source.ReplaceAllString(want, "") != source.ReplaceAllString(string(got), "") {
				t.Errorf("%s: the rules of %s differ from the spec's", name, folder)
			}
		}
	}
	var stdout, errs bytes.Buffer
	if code := run(context.Background(), []string{"export", "--format", "sloth", "../../specs"}, &stdout, &errs); code != exitUsage || !strings.Contains(errs.String(), "use --format openslo") {
		t.Errorf("export --format sloth: exit %d, %s", code, errs.String())
	}
}
