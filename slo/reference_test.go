package slo_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/slokit/slokit/internal/markdown"
)

// referenceTables names the spec reference's table of each spec type, in
// the order a spec nests them: a spec type without a name here fails the
// test, so a new part of the spec cannot go undocumented.
var referenceTables = []struct{ typ, title string }{
	{"specDocument", "Service: the document"},
	{"specSLO", "SLO: `slos[]`"},
	{"specObjective", "Objective: `slos[].objectives[]`"},
	{"specSLI", "SLI: `slos[].sli`"},
	{"specRatio", "`sli.ratio`"},
	{"specLatency", "`sli.latency`"},
	{"specBoolGauge", "`sli.boolGauge`"},
	{"specRaw", "`sli.raw`"},
	{"specJourney", "`sli.journey`"},
	{"specJourneyMember", "Journey member: `sli.journey.members[]`"},
	{"specTimeslices", "`sli.timeslices`"},
	{"specSlicePercentile", "`sli.timeslices.percentile`"},
	{"specSliceGauge", "`sli.timeslices.gauge`"},
	{"specSliceRatio", "`sli.timeslices.ratio`"},
	{"specDatadog", "`sli.datadog`"},
	{"specDependency", "Dependency: `slos[].dependsOn[]`"},
	{"specAlerting", "Alerting: `slos[].alerting`"},
	{"specSeverity", "Severity: `alerting.page`, `alerting.ticket`"},
	{"specTier", "Tier: `alerting.tiers[]`"},
	{"specBudgetAlerts", "Budget alerts: `alerting.budget`"},
	{"specPolicy", "Error-budget policy: `policy`, `slos[].policy`"},
	{"specMaintenance", "Maintenance window: `maintenance[]`, `slos[].maintenance[]`"},
	{"specWeekly", "Weekly window: `maintenance[].weekly`"},
	{"specRegions", "Regions: `regions`"},
}

// The spec reference's field tables are generated from the spec types in
// spec.go: every field, its type, whether it is required or its default,
// and its doc comment. A field without a doc comment, or a spec type with
// no table, fails; go test ./slo -update rewrites the tables.
func TestSpecReferenceIsGeneratedFromTheSpecTypes(t *testing.T) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "spec.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	structs := map[string]*ast.StructType{}
	ast.Inspect(file, func(n ast.Node) bool {
		if ts, ok := n.(*ast.TypeSpec); ok {
			if st, ok := ts.Type.(*ast.StructType); ok {
				structs[ts.Name.Name] = st
			}
		}
		return true
	})
	anchors := map[string]string{}
	for _, table := range referenceTables {
		if structs[table.typ] == nil {
			t.Fatalf("spec.go has no type %s", table.typ)
		}
		anchors[table.typ] = markdown.Anchor(table.title)
	}
	for name := range structs {
		if anchors[name] == "" {
			t.Errorf("the spec type %s has no table in the spec reference: name it in referenceTables", name)
		}
	}
	var out strings.Builder
	for _, table := range referenceTables {
		fmt.Fprintf(&out, "\n### %s\n\n| field | type | required or default | description |\n| --- | --- | --- | --- |\n", table.title)
		for _, field := range structs[table.typ].Fields.List {
			key, _, _ := strings.Cut(reflect.StructTag(strings.Trim(field.Tag.Value, "`")).Get("yaml"), ",")
			doc := strings.Join(strings.Fields(field.Doc.Text()), " ")
			if doc == "" {
				t.Errorf("spec.go: %s.%s has no doc comment, which is its description in the spec reference", table.typ, field.Names[0].Name)
				continue
			}
			description, required, def := splitFieldDoc(doc)
			column := def
			if required {
				column = "required"
			}
			fmt.Fprintf(&out, "| `%s` | %s | %s | %s |\n", key, typeName(field.Type, anchors), column, description)
		}
	}
	out.WriteString("\n")
	goldens.AssertSection(t, "../docs/spec.md", "spec fields", []byte(out.String()))
}

var defaultSentence = regexp.MustCompile(`\s*Default: (.+?)\.(\s|$)`)

// splitFieldDoc takes a field's doc comment apart: its description, and
// the "Required." and "Default: X." sentences that fill their column.
func splitFieldDoc(doc string) (description string, required bool, def string) {
	if m := defaultSentence.FindStringSubmatch(doc); m != nil {
		def = "`" + m[1] + "`"
		if strings.ContainsAny(m[1], " ,") && !strings.HasPrefix(m[1], "[") {
			def = m[1]
		}
		doc = strings.Replace(doc, strings.TrimRight(m[0], " "), "", 1)
	}
	if before, ok := strings.CutSuffix(doc, " Required."); ok {
		doc, required = before, true
	}
	return strings.TrimSpace(doc), required, def
}

// plural names a list's or a map's elements.
func plural(name string) string {
	if strings.HasPrefix(name, "[object]") {
		return "[objects]" + strings.TrimPrefix(name, "[object]")
	}
	return name + "s"
}

// typeName is how the reference names a field's YAML type.
func typeName(expr ast.Expr, anchors map[string]string) string {
	switch e := expr.(type) {
	case *ast.StarExpr:
		return typeName(e.X, anchors)
	case *ast.ArrayType:
		return "list of " + plural(typeName(e.Elt, anchors))
	case *ast.MapType:
		return "map of " + plural(typeName(e.Value, anchors))
	case *ast.SelectorExpr:
		if e.Sel.Name == "Duration" {
			return "duration"
		}
	case *ast.Ident:
		switch e.Name {
		case "string":
			return "string"
		case "float64":
			return "number"
		case "bool":
			return "boolean"
		}
		if anchor := anchors[e.Name]; anchor != "" {
			return "[object](#" + anchor + ")"
		}
	}
	return fmt.Sprintf("%T", expr)
}
