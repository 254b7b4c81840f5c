package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// go test ./... -update must work in every package: a test binary that
// does not know the flag fails. Every folder with tests must therefore
// import internal/golden in one of its test files.
func TestEveryTestPackageAcceptsUpdate(t *testing.T) {
	withTests := map[string]bool{}
	importsGolden := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		dir := filepath.Dir(path)
		withTests[dir] = true
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(data), `"github.com/slokit/slokit/internal/golden"`) {
			importsGolden[dir] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(withTests) < 8 {
		t.Fatalf("found tests in only %d folders", len(withTests))
	}
	for dir := range withTests {
		if !importsGolden[dir] {
			t.Errorf("%s: no test file imports internal/golden, so go test ./... -update fails there", dir)
		}
	}
}
