// Package test holds integration tests against real components: the
// slokit binary (also built with -tags noengine), Debian's promtool and
// Prometheus server (Prometheus 2), vmalert (VictoriaMetrics), buildah for
// the container image, Helm's own packages for the chart, and the package
// structure itself. `make deps` installs the tools; outside CI a test whose
// tool is absent is skipped with a message, in CI it fails.
package test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

// slokitBin is the binary built once for all tests.
var slokitBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "slokit-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	slokitBin = filepath.Join(dir, "slokit")
	build := releaseBuild("-o", slokitBin, "../cmd/slokit")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building slokit:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// releaseBuild is go build as make dist and make image run it (static,
// -trimpath), so that the tests run the binary as it is released, and the
// packages compiled once here serve the image and the linux/amd64 archive
// too: a cold compile of every dependency costs minutes on two cores.
func releaseBuild(args ...string) *exec.Cmd {
	cmd := exec.Command("go", append([]string{"build", "-trimpath", "-buildvcs=false"}, args...)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	return cmd
}

// requireTool returns the path of a command, skipping the test when it is
// missing outside CI and failing it in CI, where `make test` installs it.
func requireTool(t testing.TB, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("%s not found: install Debian's %s package (make deps does)", name, debianPackage)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// exitCode is the exit code of a command that ran, failing the test when
// it could not run at all.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// slokit runs the binary and fails the test unless it exits 0.
func slokit(t *testing.T, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(slokitBin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("slokit %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}

// ruleGroups extracts the rule groups from generated output of any format:
// a rule file, or Kubernetes objects holding the groups under spec.
func ruleGroups(t *testing.T, content []byte) []yaml.Node {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(content))
	var groups []yaml.Node
	for {
		var doc struct {
			Groups []yaml.Node `yaml:"groups"`
			Spec   struct {
				Groups []yaml.Node `yaml:"groups"`
			} `yaml:"spec"`
		}
		if err := dec.Decode(&doc); err != nil {
			break
		}
		groups = append(groups, doc.Groups...)
		groups = append(groups, doc.Spec.Groups...)
	}
	return groups
}

// writeRuleFile writes groups as a plain rule file.
func writeRuleFile(t *testing.T, path string, groups []yaml.Node) {
	t.Helper()
	data, err := yaml.Marshal(map[string]any{"groups": groups})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// countRules counts the rules in groups.
func countRules(groups []yaml.Node) int {
	n := 0
	for _, g := range groups {
		var group struct {
			Rules []yaml.Node `yaml:"rules"`
		}
		if g.Decode(&group) == nil {
			n += len(group.Rules)
		}
	}
	return n
}
