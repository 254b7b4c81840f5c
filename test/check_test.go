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

var specInputs = []string{"../specs", "../slo/testdata/kinds.good.yaml", "../slo/testdata/tuning.good.yaml"}

var rulesFound = regexp.MustCompile(`SUCCESS: (\d+) rules found`)

// promtool must load every generated file whole and report every rule: a
// multi-document file, for instance, would load only its first document.
func TestPromtoolCheckRulesLoadsEveryRule(t *testing.T) {
	promtool := requireTool(t, "promtool", "prometheus")
	for _, format := range []string{"prometheus", "prometheus-operator"} {
		t.Run(format, func(t *testing.T) {
			out := slokit(t, append([]string{"generate", "--format", format, "-o", "-"}, specInputs...)...)
			groups := ruleGroups(t, out)
			want := countRules(groups)
			if want < 300 {
				t.Fatalf("only %d rules generated", want)
			}
			file := filepath.Join(t.TempDir(), "rules.yaml")
			if format == "prometheus" {
				if err := os.WriteFile(file, out, 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				writeRuleFile(t, file, groups) // the operator hands promtool spec.groups
			}
			res, err := exec.Command(promtool, "check", "rules", file).CombinedOutput()
			if err != nil {
				t.Fatalf("promtool check rules: %v\n%s", err, res)
			}
			m := rulesFound.FindSubmatch(res)
			if m == nil {
				t.Fatalf("promtool reported no rule count:\n%s", res)
			}
			if got, _ := strconv.Atoi(string(m[1])); got != want {
				t.Errorf("promtool found %d rules, slokit generated %d", got, want)
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
	out := slokit(t, "generate", "--format", "victoriametrics", "-o", "-", "../specs", "../slo/testdata/tuning.good.yaml")
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
