// Package golden compares test output with files under testdata/, and
// rewrites them when the tests run with -update, so expected output is
// reviewed as a diff rather than written by hand.
//
// Only the test packages that keep golden files have the -update flag:
// each declares it once with Flag. Run `make golden` to rewrite all of
// them, or `go test ./PKG -update` for one package.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Files are the golden files of one test package.
type Files struct {
	update *bool
}

// Flag declares this test binary's -update flag. Call it once per package,
// in a package-level var.
func Flag() Files {
	return Files{update: flag.Bool("update", false, "rewrite golden files under testdata/ with the current output")}
}

// Updating reports whether the tests run with -update, for golden text
// kept inside another file (the README's command-line section).
func (f Files) Updating() bool { return *f.update }

// Assert fails the test when got differs from the golden file at path, or
// rewrites the file when the tests run with -update.
func (f Files) Assert(t testing.TB, path string, got []byte) {
	t.Helper()
	if *f.update {
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
		t.Fatalf("%v (run %s to create it)", err, command())
	}
	if string(want) != string(got) {
		t.Errorf("output differs from %s (run %s and review the diff):\n--- got ---\n%s\n--- want ---\n%s", path, command(), got, want)
	}
}

// command is the go test command that rewrites this package's golden
// files: tests run in their package's folder, below the module's go.mod.
func command() string {
	dir, err := os.Getwd()
	if err != nil {
		return "go test . -update"
	}
	for root := dir; ; {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			rel, err := filepath.Rel(root, dir)
			if err != nil {
				break
			}
			return "go test ./" + filepath.ToSlash(rel) + " -update"
		}
		parent := filepath.Dir(root)
		if parent == root {
			break
		}
		root = parent
	}
	return "go test . -update"
}

// AssertSection is Assert for generated text kept inside a hand-written
// file (a reference table in a Markdown page): the text between the lines
// "<!-- generated: NAME -->" and "<!-- end generated: NAME -->" of the file
// at path must be got, or is rewritten to it with -update. The markers
// stay, so the prose around them is edited by hand and the table never is.
func (f Files) AssertSection(t testing.TB, path, name string, got []byte) {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- generated: "+name+" -->\n", "<!-- end generated: "+name+" -->"
	start := strings.Index(string(doc), begin)
	if start < 0 {
		t.Fatalf("%s has no %q line to hold the generated %s", path, strings.TrimSpace(begin), name)
	}
	start += len(begin)
	stop := strings.Index(string(doc[start:]), end)
	if stop < 0 {
		t.Fatalf("%s has no %q line after %q", path, end, strings.TrimSpace(begin))
	}
	stop += start
	if *f.update {
		out := append(append(append([]byte{}, doc[:start]...), got...), doc[stop:]...)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(doc[start:stop]) != string(got) {
		t.Errorf("the generated %s in %s is out of date (run %s and review the diff):\n--- got ---\n%s\n--- in the file ---\n%s", name, path, command(), got, doc[start:stop])
	}
}
