package slo

import (
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
