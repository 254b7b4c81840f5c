package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The Kubernetes page's table of the chart's values is generated from
// values.yaml (each value's default and its comment) and
// values.schema.json (its type): a value without a comment, or one the
// schema does not know, fails; go test ./test -run ChartValuesTable -update
// rewrites the table.
func TestChartValuesTableIsGenerated(t *testing.T) {
	var doc yaml.Node
	data, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var schema schemaNode
	data, err = os.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	out.WriteString("| value | type | default | description |\n| --- | --- | --- | --- |\n")
	var walk func(prefix string, node *yaml.Node, schema schemaNode)
	walk = func(prefix string, node *yaml.Node, schema schemaNode) {
		for i := 0; i+1 < len(node.Content); i += 2 {
			key, value := node.Content[i], node.Content[i+1]
			path := prefix + key.Value
			sub, known := schema.Properties[key.Value]
			if !known {
				t.Errorf("values.yaml: %s: values.schema.json does not know it, so helm would refuse it", path)
				continue
			}
			comment := valueComment(key.HeadComment)
			if len(sub.Properties) > 0 {
				if comment != "" {
					fmt.Fprintf(&out, "| `%s` | | | %s |\n", path, comment)
				}
				walk(path+".", value, sub)
				continue
			}
			if comment == "" {
				t.Errorf("values.yaml:%d: %s has no comment, which is its description in docs/kubernetes.md", key.Line, path)
			}
			fmt.Fprintf(&out, "| `%s` | %s | %s | %s |\n", path, sub.typeName(), defaultValue(value), comment)
		}
	}
	walk("", doc.Content[0], schema)
	goldens.AssertSection(t, "../docs/kubernetes.md", "chart values", []byte(out.String()))
}

// schemaNode is the part of a JSON schema the table reads.
type schemaNode struct {
	Type       any                   `json:"type"`
	Enum       []any                 `json:"enum"`
	Properties map[string]schemaNode `json:"properties"`
}

func (s schemaNode) typeName() string {
	if len(s.Enum) > 0 {
		var values []string
		for _, v := range s.Enum {
			values = append(values, fmt.Sprintf("`%v`", v))
		}
		return "one of " + strings.Join(values, ", ")
	}
	switch t := s.Type.(type) {
	case string:
		return t
	case []any:
		var names []string
		for _, n := range t {
			names = append(names, fmt.Sprint(n))
		}
		return strings.Join(names, " or ")
	}
	return "any"
}

// valueComment is a value's comment in values.yaml as one line of a
// table: its last paragraph (one above it heads a part of the file), its
// lines joined, and example lines (indented further, such as the inline
// specs) left out, since the page shows them in full.
func valueComment(head string) string {
	paragraphs := strings.Split(head, "\n\n")
	var words []string
	for line := range strings.Lines(paragraphs[len(paragraphs)-1]) {
		text := strings.TrimPrefix(strings.TrimRight(line, "\n"), "#")
		if strings.HasPrefix(text, "   ") {
			continue
		}
		words = append(words, strings.Fields(text)...)
	}
	return strings.ReplaceAll(strings.Join(words, " "), "|", `\|`)
}

// defaultValue writes a value's default compactly, as YAML's flow style.
func defaultValue(node *yaml.Node) string {
	if node.Kind == yaml.ScalarNode {
		if node.Value == "" || node.Tag == "!!null" {
			return ""
		}
		return "`" + node.Value + "`"
	}
	out, err := yaml.Marshal(flowCopy(node))
	if err != nil {
		return ""
	}
	return "`" + strings.TrimSpace(string(out)) + "`"
}

// flowCopy is a copy of n in YAML's flow style, without its comments.
func flowCopy(n *yaml.Node) *yaml.Node {
	c := *n
	c.Style |= yaml.FlowStyle
	c.HeadComment, c.LineComment, c.FootComment = "", "", ""
	c.Content = nil
	for _, child := range n.Content {
		c.Content = append(c.Content, flowCopy(child))
	}
	return &c
}
