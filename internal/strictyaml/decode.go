// Package strictyaml decodes YAML documents into Go structs the strict way
// slokit's file formats need: unknown and duplicate keys are errors with a
// did-you-mean, values are type-checked, every value's node is remembered
// by its field path so later semantic checks can point at line and column,
// and every problem of a document is collected (as diag.Diagnostics), not
// just the first.
package strictyaml

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/diag"
)

// Duration is a Prometheus-style duration (30d, 4w, 500ms) as written in a
// file. The text is kept so that messages quote what the user wrote.
type Duration struct {
	Text  string
	Value time.Duration
}

// Document is one YAML document decoded into a struct. It is strict:
// unknown keys, duplicate keys and wrongly typed values are errors. It
// remembers the node of every value by field path, so later semantic checks
// can point at the exact line and column, and says each field's problem
// once.
type Document struct {
	Diags  diag.Diagnostics
	nodes  map[string]*yaml.Node // value node by field path
	failed map[string]bool       // paths that already have an error
	warned map[string]bool       // paths that already have a warning
	// visits counts decoded nodes; aliases can make a small document
	// expand exponentially ("billion laughs"), so decoding stops at
	// maxVisits.
	visits int
}

// maxVisits bounds the nodes decoded from one document, aliases expanded:
// far beyond any real spec, far below what would exhaust memory or time.
const maxVisits = 200_000

// Decode decodes the document under root (a yaml.DocumentNode) into v, a
// pointer to a struct whose fields carry yaml tags.
func Decode(root *yaml.Node, v any) *Document {
	d := &Document{nodes: map[string]*yaml.Node{}, failed: map[string]bool{}, warned: map[string]bool{}}
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	d.decode(root, "", reflect.ValueOf(v).Elem())
	return d
}

// CheckHeader checks a document's apiVersion and kind against the ones a
// format expects. It reports false when the version is missing or wrong:
// the rest of the document cannot be read as this format. A wrong kind is
// reported but does not stop the reading, so the document's other problems
// are found too.
func (d *Document) CheckHeader(apiVersion, kind, wantVersion, wantKind string) bool {
	switch {
	case !d.Has("apiVersion"):
		d.Fail("apiVersion", "missing: every document must state apiVersion: %s", wantVersion)
		return false
	case apiVersion != wantVersion:
		d.Fail("apiVersion", "unsupported apiVersion %q: this slokit reads %s", apiVersion, wantVersion)
		return false
	}
	if kind != wantKind {
		d.Fail("kind", "must be %s, got %q", wantKind, kind)
	}
	return true
}

// TooLarge reports whether decoding stopped at the size limit; the value is
// then incomplete and should not be checked further.
func (d *Document) TooLarge() bool {
	return d.visits > maxVisits
}

// Has reports whether the document set a field.
func (d *Document) Has(path string) bool {
	_, ok := d.nodes[path]
	return ok
}

func (d *Document) errorf(n *yaml.Node, path, format string, args ...any) {
	d.failed[path] = true
	d.Diags = append(d.Diags, &diag.Diagnostic{Line: n.Line, Column: n.Column, Path: path, Message: fmt.Sprintf(format, args...)})
}

// Fail reports an error at the node of path (or of its nearest parent).
func (d *Document) Fail(path, format string, args ...any) {
	d.report(failure, path, format, args...)
}

// Warn reports a warning at the node of path (or of its nearest parent).
func (d *Document) Warn(path, format string, args ...any) {
	d.report(warning, path, format, args...)
}

// level is how serious a reported problem is.
type level int

const (
	failure level = iota
	warning
)

func (d *Document) report(l level, path, format string, args ...any) {
	// One message per field: a value already reported as malformed (or,
	// for warnings, already warned about) is not reported again.
	isWarning := l == warning
	if d.failed[path] || (isWarning && d.warned[path]) {
		return
	}
	if isWarning {
		d.warned[path] = true
	} else {
		d.failed[path] = true
	}
	p := &diag.Diagnostic{Path: path, Message: fmt.Sprintf(format, args...), Warning: isWarning}
	if n := d.Node(path); n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	d.Diags = append(d.Diags, p)
}

// Add reports a diagnostic the caller positioned itself.
func (d *Document) Add(diag *diag.Diagnostic) {
	if !diag.Warning {
		d.failed[diag.Path] = true
	}
	d.Diags = append(d.Diags, diag)
}

// ErrorCount is the number of errors reported so far.
func (d *Document) ErrorCount() int {
	n := 0
	for _, diag := range d.Diags {
		if !diag.Warning {
			n++
		}
	}
	return n
}

// Node returns the node recorded for path, or for its nearest recorded
// parent, so that a message about a missing field points at the mapping
// that lacks it.
func (d *Document) Node(path string) *yaml.Node {
	for {
		if n, ok := d.nodes[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return d.nodes[""]
		}
		path = path[:i]
	}
}

var durationType = reflect.TypeFor[Duration]()

// JoinPath appends a field to a field path.
func JoinPath(parent, field string) string {
	if parent == "" {
		return field
	}
	return parent + "." + field
}

func (d *Document) decode(n *yaml.Node, path string, v reflect.Value) {
	if d.visits++; d.visits > maxVisits {
		if d.visits == maxVisits+1 {
			d.errorf(n, path, "document too large: more than %d values once aliases are expanded", maxVisits)
		}
		return
	}
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	d.nodes[path] = n
	if v.Kind() == reflect.Pointer {
		if isNull(n) {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		v = v.Elem()
	}
	switch {
	case v.Type() == nodeType:
		// Free-form YAML (another tool's plugin configuration): kept
		// as it is, not checked.
		v.Set(reflect.ValueOf(*n))
	case v.Type() == durationType:
		d.decodeDuration(n, path, v)
	case v.Kind() == reflect.Struct:
		d.decodeStruct(n, path, v)
	case v.Kind() == reflect.Map:
		d.decodeStringMap(n, path, v)
	case v.Kind() == reflect.Slice:
		d.decodeSlice(n, path, v)
	case v.Kind() == reflect.String:
		if s, ok := d.scalar(n, path, "a string"); ok {
			v.SetString(s)
		}
	case v.Kind() == reflect.Float64:
		s, ok := d.scalar(n, path, "a number")
		if !ok {
			return
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || (n.Tag != "!!int" && n.Tag != "!!float") || math.IsNaN(f) || math.IsInf(f, 0) {
			d.errorf(n, path, "must be a number, got %q", s)
			return
		}
		v.SetFloat(f)
	case v.Kind() == reflect.Int:
		s, ok := d.scalar(n, path, "a whole number")
		if !ok {
			return
		}
		i, err := strconv.ParseInt(s, 0, 64)
		if err != nil || n.Tag != "!!int" {
			d.errorf(n, path, "must be a whole number, got %q", s)
			return
		}
		v.SetInt(i)
	case v.Kind() == reflect.Bool:
		s, ok := d.scalar(n, path, "true or false")
		if !ok {
			return
		}
		if n.Tag != "!!bool" {
			d.errorf(n, path, "must be true or false, got %q", s)
			return
		}
		v.SetBool(s == "true" || s == "True" || s == "TRUE")
	default:
		// Only reachable if a spec type gains a field of an unhandled kind.
		d.errorf(n, path, "internal error: cannot decode into %s", v.Type())
	}
}

var nodeType = reflect.TypeOf(yaml.Node{})

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func (d *Document) scalar(n *yaml.Node, path, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.errorf(n, path, "must be %s, got %s", want, describe(n))
		return "", false
	}
	return n.Value, true
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if isNull(n) {
		return "nothing (null)"
	}
	return strconv.Quote(n.Value)
}

func (d *Document) decodeDuration(n *yaml.Node, path string, v reflect.Value) {
	s, ok := d.scalar(n, path, "a duration such as 30d, 1h or 500ms")
	if !ok {
		return
	}
	md, err := model.ParseDuration(s)
	if err != nil {
		d.errorf(n, path, "must be a duration such as 30d, 1h or 500ms, got %q", s)
		return
	}
	v.Set(reflect.ValueOf(Duration{Text: s, Value: time.Duration(md)}))
}

func (d *Document) decodeStruct(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "must be a mapping, got %s", describe(n))
		return
	}
	t := v.Type()
	fields := make(map[string]int, t.NumField())
	names := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name := t.Field(i).Tag.Get("yaml")
		fields[name] = i
		names = append(names, name)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		fieldPath := JoinPath(path, key.Value)
		idx, ok := fields[key.Value]
		if !ok {
			msg := fmt.Sprintf("unknown field %q", key.Value)
			if s := suggest(key.Value, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.errorf(key, fieldPath, "%s", msg)
			continue
		}
		if seen[key.Value] {
			d.errorf(key, fieldPath, "field is set twice")
			continue
		}
		seen[key.Value] = true
		d.decode(val, fieldPath, v.Field(idx))
	}
}

func (d *Document) decodeStringMap(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "must be a mapping of names to values, got %s", describe(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		for val.Kind == yaml.AliasNode {
			val = val.Alias
		}
		entryPath := JoinPath(path, key.Value)
		d.nodes[entryPath] = key
		if m.MapIndex(reflect.ValueOf(key.Value)).IsValid() {
			d.errorf(key, entryPath, "key is set twice")
			continue
		}
		if s, ok := d.scalar(val, entryPath, "a string"); ok {
			m.SetMapIndex(reflect.ValueOf(key.Value), reflect.ValueOf(s))
		}
	}
	v.Set(m)
}

func (d *Document) decodeSlice(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "must be a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, fmt.Sprintf("%s[%d]", path, i), s.Index(i))
	}
	v.Set(s)
}

// suggest returns the known name closest to an unknown one, if it is close
// enough to be a plausible typo.
func suggest(unknown string, known []string) string {
	if len(unknown) > 64 {
		return "" // no field name is that long, and edit distance is quadratic
	}
	best, bestDist := "", len(unknown)/2+1
	for _, k := range known {
		if strings.EqualFold(k, unknown) {
			return k
		}
		if dist := editDistance(strings.ToLower(unknown), strings.ToLower(k)); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if bestDist > 3 {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
