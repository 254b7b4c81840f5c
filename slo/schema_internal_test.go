package slo

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/slokit/slokit/slo/schema"
)

// The importers write the native spec with schema's keys, and the spec
// types read it with their yaml tags: every key the importers write is a
// tag of the spec types, so a renamed field cannot leave the importers
// writing a key nobody reads.
func TestSpecTagsFollowTheSchema(t *testing.T) {
	tags := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] {
			return
		}
		seen[typ] = true
		for f := range typ.Fields() {
			if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name != "" && name != "-" {
				tags[name] = true
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeFor[specDocument]())
	if len(tags) < 40 {
		t.Fatalf("only %d yaml tags found in the spec types", len(tags))
	}
	for _, k := range schema.Keys() {
		if !tags[k] {
			t.Errorf("the importers write %q, which no spec type reads", k)
		}
	}
}

// The README's spec reference lists every field of a service and of an
// SLO: a field added to the spec types and not to the reference fails.
func TestSpecReferenceListsEveryField(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := func(heading string) string {
		_, rest, ok := strings.Cut(string(readme), "\n"+heading+"\n")
		if !ok {
			t.Fatalf("the README has no %q", heading)
		}
		body, _, _ := strings.Cut(rest, "\n### ")
		return body
	}
	for heading, typ := range map[string]reflect.Type{"### Service": reflect.TypeFor[specDocument](), "### SLO": reflect.TypeFor[specSLO]()} {
		table := section(heading)
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name != "" && name != "-" && !strings.Contains(table, "`"+name+"`") {
				t.Errorf("the spec reference's %s table does not list %s", strings.TrimPrefix(heading, "### "), name)
			}
		}
	}
}
