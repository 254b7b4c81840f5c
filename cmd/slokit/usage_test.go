package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/slokit/slokit/internal/golden"
)

// goldens are this package's golden files: go test ./cmd/slokit -update rewrites them.
var goldens = golden.Flag()

const readme = "../../README.md"

// readmeUsage returns the README's command-line block and where it is.
func readmeUsage(t *testing.T) (text string, start, end int, doc []byte) {
	t.Helper()
	doc, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	const heading = "## Command line\n\n```\n"
	start = bytes.Index(doc, []byte(heading))
	if start < 0 {
		t.Fatalf("%s has no %q section", readme, "## Command line")
	}
	start += len(heading)
	end = start + bytes.Index(doc[start:], []byte("```\n"))
	return string(doc[start:end]), start, end, doc
}

// The README's command-line section is slokit's usage text, word for
// word: go test ./cmd/slokit -update rewrites it.
func TestReadmeShowsTheUsageText(t *testing.T) {
	got, start, end, doc := readmeUsage(t)
	if goldens.Updating() {
		out := append(append(append([]byte{}, doc[:start]...), usage()...), doc[end:]...)
		if err := os.WriteFile(readme, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got != usage() {
		t.Errorf("the README's command-line section differs from slokit --help (go test ./cmd/slokit -update rewrites it):\n--- README ---\n%s\n--- usage ---\n%s", got, usage())
	}
}

// Every command's help starts with its usage line as the top-level usage
// lists it; help COMMAND, COMMAND --help, --version and -v work.
func TestHelpAndVersion(t *testing.T) {
	top := usage()
	for _, c := range commands() {
		first, _, _ := strings.Cut(c.synopsis, "\n")
		if !strings.Contains(top, "slokit "+first+"\n") {
			t.Errorf("the usage does not list %q", first)
		}
		var out bytes.Buffer
		if code := run(context.Background(), []string{"help", c.name}, &out, &out); code != 0 || !strings.Contains(out.String(), "Usage: slokit "+first) {
			t.Errorf("help %s: exit %d\n%s", c.name, code, out.String())
		}
	}
	for _, flag := range []string{"--version", "-v", "version"} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), []string{flag}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "slokit ") {
			t.Errorf("%s: exit %d %q", flag, code, out.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"help", "compile"}, &out, &errOut); code != 2 {
		t.Errorf("help of an unknown command: exit %d", code)
	}
	// OpenSLO is read, so the usage says so; serve's backend is optional.
	if !strings.Contains(top, "OpenSLO") || strings.Contains(top, "serve --prometheus-url URL [") {
		t.Errorf("usage:\n%s", top)
	}
}
