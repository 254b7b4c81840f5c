package serve_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/internal/golden"
)

// goldens are this package's generated files: go test ./serve -update
// rewrites them.
var goldens = golden.Flag()

// The HTTP API page lists every operation of openapi.yaml, in its order:
// summary, whether it needs the token, parameters, body fields and
// answers. The page is generated, so it cannot differ from the file that
// TestOpenAPIDocumentsEveryRoute holds to the routes served.
func TestAPIReferenceIsGeneratedFromOpenAPI(t *testing.T) {
	data, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var file yaml.Node
	if err := yaml.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	checkNoStrayKeys(t, &file)
	var out strings.Builder
	paths := doc.Paths.Content
	for i := 0; i+1 < len(paths); i += 2 {
		path := paths[i].Value
		ops := paths[i+1].Content
		for j := 0; j+1 < len(ops); j += 2 {
			var op operation
			if err := ops[j+1].Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", ops[j].Value, path, err)
			}
			if op.Summary == "" {
				t.Errorf("%s %s has no summary in openapi.yaml", strings.ToUpper(ops[j].Value), path)
			}
			op.write(&out, strings.ToUpper(ops[j].Value), path)
		}
	}
	goldens.AssertSection(t, "../docs/api.md", "api operations", []byte(out.String()))
}

// checkNoStrayKeys fails on a key with no value and a space in it: a
// description with a comma, unquoted in a flow mapping, which YAML splits
// into a shorter description and a stray key ({description: Wrong token,
// or no token configured}).
func checkNoStrayKeys(t *testing.T, n *yaml.Node) {
	t.Helper()
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			if strings.Contains(key.Value, " ") && value.Tag == "!!null" && !strings.HasPrefix(key.Value, "/") {
				t.Errorf("openapi.yaml:%d:%d: %q is a key with no value: quote the description before it, whose comma split it", key.Line, key.Column, key.Value)
			}
		}
	}
	for _, c := range n.Content {
		checkNoStrayKeys(t, c)
	}
}

type operation struct {
	Summary    string `yaml:"summary"`
	Security   []any  `yaml:"security"`
	Parameters []struct {
		Name        string         `yaml:"name"`
		In          string         `yaml:"in"`
		Required    bool           `yaml:"required"`
		Description string         `yaml:"description"`
		Schema      map[string]any `yaml:"schema"`
	} `yaml:"parameters"`
	RequestBody struct {
		Content map[string]struct {
			Schema struct {
				Required   []string                  `yaml:"required"`
				Properties map[string]map[string]any `yaml:"properties"`
			} `yaml:"schema"`
		} `yaml:"content"`
	} `yaml:"requestBody"`
	Responses map[string]struct {
		Description string `yaml:"description"`
	} `yaml:"responses"`
}

func (op operation) write(out *strings.Builder, method, path string) {
	fmt.Fprintf(out, "\n### %s %s\n\n%s.", method, path, strings.TrimSuffix(op.Summary, "."))
	if len(op.Security) > 0 {
		out.WriteString(" Needs the token (`Authorization: Bearer TOKEN`).")
	}
	out.WriteString("\n")
	if len(op.Parameters) > 0 {
		out.WriteString("\n| parameter | in | |\n| --- | --- | --- |\n")
		for _, p := range op.Parameters {
			var notes []string
			if p.Required {
				notes = append(notes, "required")
			}
			if enum, ok := p.Schema["enum"].([]any); ok {
				notes = append(notes, "one of "+joinValues(enum))
			}
			if def, ok := p.Schema["default"]; ok {
				notes = append(notes, fmt.Sprintf("default `%v`", def))
			}
			if p.Description != "" {
				notes = append(notes, p.Description)
			}
			fmt.Fprintf(out, "| `%s` | %s | %s |\n", p.Name, p.In, cell(strings.Join(notes, "; ")))
		}
	}
	for _, body := range op.RequestBody.Content {
		if len(body.Schema.Properties) == 0 {
			continue
		}
		out.WriteString("\n| body field | type | |\n| --- | --- | --- |\n")
		names := make([]string, 0, len(body.Schema.Properties))
		for name := range body.Schema.Properties {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			p := body.Schema.Properties[name]
			var notes []string
			for _, r := range body.Schema.Required {
				if r == name {
					notes = append(notes, "required")
				}
			}
			if d, ok := p["description"].(string); ok {
				notes = append(notes, d)
			}
			if e, ok := p["example"]; ok {
				notes = append(notes, fmt.Sprintf("such as `%v`", e))
			}
			fmt.Fprintf(out, "| `%s` | %v | %s |\n", name, p["type"], cell(strings.Join(notes, "; ")))
		}
	}
	codes := make([]string, 0, len(op.Responses))
	for code := range op.Responses {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	out.WriteString("\n| answer | when |\n| --- | --- |\n")
	for _, code := range codes {
		fmt.Fprintf(out, "| %s | %s |\n", code, cell(op.Responses[code].Description))
	}
}

func joinValues(values []any) string {
	var s []string
	for _, v := range values {
		s = append(s, fmt.Sprintf("`%v`", v))
	}
	return strings.Join(s, ", ")
}

// cell makes text one Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", `\|`)
}

// The operating page's table of serve's own metrics lists every slokit_
// metric /metrics exports, and no other: those only some setups export
// (discovery, spec reloads) must at least be named in serve's code.
func TestOperatingPageListsEveryMetric(t *testing.T) {
	page, err := os.ReadFile("../docs/operating.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(slokit_[a-z_]+)` \\|").FindAllStringSubmatch(string(page), -1) {
		documented[m[1]] = true
	}
	f := newServer(t, 30*time.Minute, false)
	f.refresh(t)
	f.do(t, "GET", "/api/v1/gate/order-api", "", "")
	code, body := f.raw(t, "GET", "/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	exported := regexp.MustCompile(`(?m)^# HELP (slokit_[a-z_]+) `).FindAllStringSubmatch(body, -1)
	if len(exported) < 5 {
		t.Fatalf("only %d slokit metrics exported:\n%s", len(exported), body)
	}
	var source strings.Builder
	for _, dir := range []string{".", "../series"} {
		names, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, name := range names {
			if !strings.HasSuffix(name, "_test.go") {
				data, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				source.Write(data)
			}
		}
	}
	for _, m := range exported {
		if !documented[m[1]] {
			t.Errorf("serve exports %s, which docs/operating.md's metrics table does not list", m[1])
		}
		delete(documented, m[1])
	}
	for name := range documented {
		if !strings.Contains(source.String(), `"`+name+`"`) {
			t.Errorf("docs/operating.md lists %s, which serve does not export", name)
		}
	}
}
