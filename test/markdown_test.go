package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slokit/slokit/slo"
)

// Every Markdown file's code fences close, as CommonMark reads them: a
// closing fence is the opening's backticks (or more) and nothing but
// spaces; one with text after it is no closing fence, and turns the prose
// that follows into code.
func TestMarkdownFencesClose(t *testing.T) {
	out, err := exec.Command("git", "-C", "..", "ls-files", "*.md").Output()
	if err != nil {
		t.Fatal(err)
	}
	files := strings.Fields(string(out))
	if len(files) < 3 {
		t.Fatalf("only %d Markdown files", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			t.Fatal(err)
		}
		open, openedAt := "", 0
		for i, line := range strings.Split(string(data), "\n") {
			trimmed := strings.TrimLeft(line, " ")
			if len(line)-len(trimmed) > 3 || !strings.HasPrefix(trimmed, "```") {
				continue
			}
			ticks := len(trimmed) - len(strings.TrimLeft(trimmed, "`"))
			rest := trimmed[ticks:]
			switch {
			case open == "":
				open, openedAt = trimmed[:ticks], i+1
			case ticks >= len(open) && strings.TrimSpace(rest) == "":
				open = ""
			case ticks >= len(open):
				t.Errorf("%s:%d: a closing fence with text after it (%q) closes nothing", f, i+1, strings.TrimSpace(rest))
			}
		}
		if open != "" {
			t.Errorf("%s:%d: a code fence that never closes", f, openedAt)
		}
	}
}

// Every whole spec the Markdown files show (a yaml block with slokit's
// apiVersion and kind ServiceLevels) is one the validator accepts: a user who copies it gets
// rules, not errors.
func TestDocSpecExamplesValidate(t *testing.T) {
	out, err := exec.Command("git", "-C", "..", "ls-files", "*.md").Output()
	if err != nil {
		t.Fatal(err)
	}
	specs := 0
	for _, f := range strings.Fields(string(out)) {
		data, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			t.Fatal(err)
		}
		blocks := strings.Split(string(data), "```yaml\n")
		for _, b := range blocks[1:] {
			block, _, _ := strings.Cut(b, "\n```")
			if !strings.Contains(block, "apiVersion: slokit.dev/v1") || !strings.Contains(block, "kind: ServiceLevels") {
				continue
			}
			specs++
			if _, diags := slo.Parse([]byte(block)); diags.Errors() != nil {
				t.Errorf("%s: a spec example is refused: %v\n%s", f, diags.Errors(), block)
			}
		}
	}
	if specs == 0 {
		t.Fatal("no spec example found in the Markdown files")
	}
}
