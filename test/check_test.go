package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

var specInputs = []string{"../specs", "../slo/testdata/kinds.good.yaml", "../slo/testdata/tuning.good.yaml", "../slo/testdata/journey.good.yaml"}

var rulesFound = regexp.MustCompile(`SUCCESS: (\d+) rules found`)

// promtool must load every generated file whole and report every rule in
// it: a multi-document file, for instance, would load only its first
// document.
func TestPromtoolCheckRulesLoadsEveryRule(t *testing.T) {
	promtool := requireTool(t, "promtool", "prometheus")
	for _, format := range []string{"prometheus", "prometheus-operator"} {
		t.Run(format, func(t *testing.T) {
			out := t.TempDir()
			slokit(t, append([]string{"generate", "--format", format, "-o", out}, specInputs...)...)
			files, err := filepath.Glob(filepath.Join(out, "*.yaml"))
			if err != nil || len(files) != 8 {
				t.Fatalf("want 8 generated files, got %v (%v)", files, err)
			}
			total := 0
			for _, file := range files {
				content, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				groups := ruleGroups(t, content)
				want := countRules(groups)
				total += want
				if format != "prometheus" {
					// The operator hands Prometheus the object's spec.groups.
					file = filepath.Join(t.TempDir(), filepath.Base(file))
					writeRuleFile(t, file, groups)
				}
				res, err := exec.Command(promtool, "check", "rules", file).CombinedOutput()
				if err != nil {
					t.Fatalf("promtool check rules %s: %v\n%s", file, err, res)
				}
				m := rulesFound.FindSubmatch(res)
				if m == nil {
					t.Fatalf("promtool reported no rule count for %s:\n%s", file, res)
				}
				if got, _ := strconv.Atoi(string(m[1])); got != want {
					t.Errorf("%s: promtool found %d rules, slokit generated %d", filepath.Base(file), got, want)
				}
			}
			if total < 300 {
				t.Errorf("only %d rules generated", total)
			}
		})
	}
}

// vmalert parses every expression with MetricsQL and every template, and
// fails on anything it could not run.
func TestVMAlertDryRunAcceptsVictoriaMetricsOutput(t *testing.T) {
	vmalert := requireTool(t, "vmalert", "victoria-metrics")
	// Native histograms have no VictoriaMetrics output, so kinds.good.yaml
	// is left out.
	out := slokit(t, "generate", "--format", "victoriametrics", "-o", "-", "../specs", "../slo/testdata/tuning.good.yaml", "../slo/testdata/journey.good.yaml")
	groups := ruleGroups(t, out)
	file := filepath.Join(t.TempDir(), "rules.yaml")
	writeRuleFile(t, file, groups)
	res, err := exec.Command(vmalert, "-dryRun", "-rule", file).CombinedOutput()
	if err != nil {
		t.Fatalf("vmalert -dryRun rejected the rules: %v\n%s", err, res)
	}

	// The same run must fail on a broken rule, or it checks nothing.
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(broken, []byte("groups:\n  - name: broken\n    rules:\n      - record: x\n        expr: sum(rate(x[5m])\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err := exec.Command(vmalert, "-dryRun", "-rule", broken).CombinedOutput(); err == nil {
		t.Fatalf("vmalert -dryRun accepted a broken rule, so it proves nothing:\n%s", res)
	}
	fmt.Fprintf(os.Stderr, "vmalert -dryRun accepted %d groups, %d rules\n", len(groups), countRules(groups))
}
