package test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The migration guide's side-by-side examples are what slokit import
// writes for each format's example, warnings included: go test ./test
// -run MigrationExamples -update (make docs) writes them again.
func TestMigrationExamplesAreWhatImportWrites(t *testing.T) {
	var out strings.Builder
	for _, ex := range []struct{ title, path string }{
		{"Sloth", "testdata/anchors/sloth/getting-started.yml"},
		{"Pyrra", "testdata/anchors/pyrra/prometheus-http.yaml"},
		{"OpenSLO", "testdata/docs/openslo-checkout.yaml"},
	} {
		source, err := os.ReadFile(filepath.Join("..", ex.path))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(slokitBin, "import", ex.path, "-o", "-")
		cmd.Dir = ".."
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("slokit import %s: %v\n%s", ex.path, err, stderr.String())
		}
		fmt.Fprintf(&out, "\n### From %s\n\n[`%s`](../%s):\n\n```yaml\n%s```\n\n", ex.title, ex.path, ex.path, source)
		fmt.Fprintf(&out, "`slokit import %s -o -` writes\n\n```yaml\n%s```\n", ex.path, stdout.String())
		if stderr.Len() > 0 {
			fmt.Fprintf(&out, "\nand warns, naming what does not carry over:\n\n```\n%s```\n", stderr.String())
		}
	}
	goldens.AssertSection(t, "../docs/migrating.md", "side by side", []byte(out.String()))
}
