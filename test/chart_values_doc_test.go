package test

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/slo"
)

// The inline `specs:` example that values.yaml's comments show is a spec
// the validator accepts: a user who uncomments it gets a running chart,
// not a refusal.
func TestChartValuesSpecExampleValidates(t *testing.T) {
	data, err := os.ReadFile("../deploy/helm/slokit/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var example []string
	in := false
	for line := range strings.Lines(string(data)) {
		switch {
		case strings.HasPrefix(line, "#   specs:"):
			in = true
		case in && strings.HasPrefix(line, "#   "):
		default:
			in = false
		}
		if in {
			example = append(example, strings.TrimPrefix(line, "#"))
		}
	}
	if len(example) < 3 {
		t.Fatalf("no inline specs example in values.yaml's comments")
	}
	var values struct {
		Specs map[string]string `yaml:"specs"`
	}
	if err := yaml.Unmarshal([]byte(strings.Join(example, "")), &values); err != nil || len(values.Specs) == 0 {
		t.Fatalf("the example is no specs map: %v\n%s", err, strings.Join(example, ""))
	}
	for name, spec := range values.Specs {
		if _, diags := slo.Parse([]byte(spec)); diags.Errors() != nil {
			t.Errorf("%s, as values.yaml shows it: %v", name, diags.Errors())
		}
	}
}
