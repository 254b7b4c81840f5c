package test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

// Every workflow passes actionlint (its checks of syntax, expressions,
// known actions' inputs and, through shellcheck, the run scripts).
func TestWorkflowsPassActionlint(t *testing.T) {
	shellcheck := requireTool(t, "shellcheck", "shellcheck")
	workflows, err := filepath.Glob("../.github/workflows/*.y*ml")
	if err != nil || len(workflows) < 2 {
		t.Fatalf("workflows: %v %v", workflows, err)
	}
	var out bytes.Buffer
	linter, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{Shellcheck: shellcheck, Oneline: true})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := linter.LintFiles(workflows, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Errorf("actionlint: %d problems:\n%s", len(errs), out.String())
	}
}

// actionlint reads action.yml only for the inputs a workflow passes it, so
// the Action's own scripts go through shellcheck here, each as bash runs
// it.
func TestActionScriptsPassShellcheck(t *testing.T) {
	shellcheck := requireTool(t, "shellcheck", "shellcheck")
	a := readAction(t)
	dir := t.TempDir()
	for i, s := range a.Runs.Steps {
		if s.Run == "" {
			continue
		}
		script := filepath.Join(dir, "step.sh")
		if err := os.WriteFile(script, []byte(s.Run), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(shellcheck, "--shell=bash", "--severity=style", script).CombinedOutput(); err != nil {
			t.Errorf("step %d %q: shellcheck: %v\n%s", i, s.Name, err, strings.ReplaceAll(string(out), script, "action.yml "+s.Name))
		}
	}
	if out, err := exec.Command(shellcheck, "--severity=style", "../.pre-commit/slokit", "../.ci/run").CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}
