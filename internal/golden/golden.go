// Package golden compares test output with files under testdata/, and
// rewrites them when tests run with -update, so expected output is reviewed
// as a diff rather than written by hand.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/ with the current output")

// Updating reports whether the tests run with -update, for golden text
// kept inside another file (the README's command-line section).
func Updating() bool { return *update }

// Assert fails the test when got differs from the golden file at path, or
// rewrites the file when the tests run with -update.
func Assert(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./... -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("output differs from %s (run go test ./... -update and review the diff):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}
