package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/slokit/slokit/internal/golden"
)

// goldens are this package's golden files: go test ./cmd/slokit -update rewrites them.
var goldens = golden.Flag()

// The CLI reference, docs/cli.md, holds slokit's usage text and every
// command's help, word for word, generated from the command table: go
// test ./cmd/slokit -update rewrites it.
func TestCLIReferenceIsTheHelpText(t *testing.T) {
	var b strings.Builder
	b.WriteString("```\n" + usage() + "```\n")
	for _, c := range commands() {
		var out bytes.Buffer
		if code := run(context.Background(), []string{"help", c.name}, &out, &out); code != 0 {
			t.Fatalf("help %s: exit %d\n%s", c.name, code, out.String())
		}
		fmt.Fprintf(&b, "\n## slokit %s\n\n```\n%s```\n", c.name, out.String())
	}
	goldens.AssertSection(t, "../../docs/cli.md", "cli help", []byte(b.String()))
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
