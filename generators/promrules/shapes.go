package promrules

import (
	"bytes"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/slokit/slokit/slo"
)

// A large estate has thousands of SLOs but few shapes: most differ from
// another only in their service and SLO names, the values of their
// labels and the series their SLI reads, with the same kind of SLI,
// objectives, period and alerting. Their rule groups differ in those
// places only. A compile run therefore builds and prints the group of
// each shape once, with placeholders for those parts, cuts its text at
// them, and fills them in for every SLO of the shape: building and
// printing the expressions was most of what compiling cost.
//
// The filled text is the text writeGroup(Group(s)) gives, byte for byte
// (TestShapesWriteWhatGroupWrites compares the two on every spec the
// tests have). Where that might not hold, the SLO is compiled by Group
// itself: a name a regular expression must escape, a string of the spec
// holding the placeholders' prefix, a label value that is a template, or
// a selector whose text would change how its expression is quoted.

// placeholderPrefix starts every placeholder: a token, then what it
// stands for (Service, Name, sElector i, Label i), then "x".
const placeholderPrefix = "SLOKITx"

func placeholder(kind byte, i int) string {
	if i < 0 {
		return placeholderPrefix + string(kind) + "x"
	}
	return placeholderPrefix + string(kind) + strconv.Itoa(i) + "x"
}

// hole is what a placeholder stands for.
type hole struct {
	kind byte // 0 for none, or 'S', 'N', 'E', 'L'
	i    int  // the selector's or the label's index
}

// parseHole reads the placeholder text starts with, returning the rest of
// text, or false.
func parseHole(text string) (hole, string, bool) {
	if !strings.HasPrefix(text, placeholderPrefix) || len(text) < len(placeholderPrefix)+2 {
		return hole{}, text, false
	}
	h := hole{kind: text[len(placeholderPrefix)], i: -1}
	rest := text[len(placeholderPrefix)+1:]
	digits := 0
	for digits < len(rest) && digits < 3 && rest[digits] >= '0' && rest[digits] <= '9' {
		digits++
	}
	if digits > 0 {
		h.i, _ = strconv.Atoi(rest[:digits])
	}
	if digits == len(rest) || rest[digits] != 'x' {
		return hole{}, text, false
	}
	switch {
	case (h.kind == 'S' || h.kind == 'N') && digits == 0,
		h.kind == 'E' && h.i >= 0 && h.i < len(selectorPlaceholders),
		h.kind == 'L' && h.i >= 0:
		return h, rest[digits+1:], true
	}
	return hole{}, text, false
}

// selectorPlaceholders stand in for an SLI's selectors, in the order
// sliSelectors lists them. They are shared, so that shapes compare equal
// without comparing them.
var selectorPlaceholders = func() [5]*slo.Selector {
	var ps [5]*slo.Selector
	for i := range ps {
		name := placeholder('E', i)
		ps[i] = &slo.Selector{Text: name, Name: name, Matchers: []*labels.Matcher{eq(labels.MetricName, name)}}
	}
	return ps
}()

// sliSelectors returns the addresses of an SLI's selector fields.
func sliSelectors(sli *slo.SLI) [5]**slo.Selector {
	return [5]**slo.Selector{&sli.Total, &sli.Errors, &sli.Good, &sli.Histogram, &sli.Gauge}
}

// shapes holds the text of each shape's rule group compiled so far, cut
// at its placeholders. One shapes serves one indentation (a plain rule
// file's, or a Kubernetes object's), and is safe for concurrent use.
type shapes struct {
	indent string
	tier   Tier
	region string
	mu     sync.Mutex
	byKey  map[string][]*shape
	filled atomic.Int64 // groups written by filling in a shape, for tests
}

type shape struct {
	proxy slo.SLO // the SLO with placeholders
	// text is the group's text cut at each placeholder, or nil if some
	// placeholder stands where filling it in might need other quoting.
	text []segment
	size int // of the group's text with the placeholders
}

// segment is literal text and the placeholder that follows it.
type segment struct {
	text string
	hole hole
	// extras are the matchers the rules add to a selector (a bucket's le).
	extras []string
}

func newShapes(indent string, t Tier) *shapes {
	return &shapes{indent: indent, tier: t, byKey: map[string][]*shape{}}
}

// write writes the rule group of s to b, as writeGroup(b, indent,
// Group(s)) does.
func (c *shapes) write(b *bytes.Buffer, s *slo.SLO) {
	if proxy, ok := shapeOf(s); ok {
		sh := c.shape(&proxy)
		// Real selectors are longer than their placeholders: an eighth
		// more saves growing the buffer, which would double it.
		b.Grow(sh.size + sh.size/8)
		if sh.text != nil && fill(b, sh.text, s) {
			c.filled.Add(1)
			return
		}
	}
	b.Grow(bytesPerSLO)
	if g, ok := tierGroup(s, c.tier, c.region); ok {
		writeGroup(b, c.indent, g)
	}
}

// shape returns the shape of proxy, compiling it the first time.
func (c *shapes) shape(proxy *slo.SLO) *shape {
	key := shapeKey(proxy)
	c.mu.Lock()
	for _, sh := range c.byKey[key] {
		if reflect.DeepEqual(&sh.proxy, proxy) {
			c.mu.Unlock()
			return sh
		}
	}
	c.mu.Unlock()
	var b bytes.Buffer
	if g, ok := tierGroup(proxy, c.tier, c.region); ok {
		writeGroup(&b, c.indent, g)
	}
	sh := &shape{proxy: *proxy, text: cut(b.String()), size: b.Len()}
	c.mu.Lock()
	c.byKey[key] = append(c.byKey[key], sh)
	c.mu.Unlock()
	return sh
}

// shapeKey sorts shapes into buckets cheaply; reflect.DeepEqual tells the
// shapes of a bucket apart.
func shapeKey(s *slo.SLO) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(s.SLI.Kind)))
	b.WriteByte(' ')
	b.WriteString(s.Period.String())
	for _, o := range s.Objectives {
		b.WriteByte(' ')
		b.WriteString(o.Label())
		b.WriteString(o.Threshold.String())
	}
	return b.String()
}

// shapeOf returns s with placeholders for its names, label values and
// selectors, or false when filling them back in might not give Group's
// text.
func shapeOf(s *slo.SLO) (slo.SLO, bool) {
	// A journey's members are names in its rules, not selectors.
	if s.SLI.Kind == slo.Journey {
		return slo.SLO{}, false
	}
	// The maintenance rule matches the SLO's name as a regular expression.
	if regexp.QuoteMeta(s.Name) != s.Name {
		return slo.SLO{}, false
	}
	proxy := *s
	proxy.Service, proxy.Name = placeholder('S', -1), placeholder('N', -1)
	proxy.Description = "" // in no rule
	if len(s.Labels) > 0 {
		proxy.Labels = make(map[string]string, len(s.Labels))
		for i, k := range slices.Sorted(maps.Keys(s.Labels)) {
			// A value is a literal on recording rules and escaped as one
			// on alerting rules: the same text only if it is no template.
			if slo.LiteralTemplate(s.Labels[k]) != s.Labels[k] {
				return slo.SLO{}, false
			}
			proxy.Labels[k] = placeholder('L', i)
		}
	}
	for i, field := range sliSelectors(&proxy.SLI) {
		if sel := *field; sel != nil {
			if holdsString(reflect.ValueOf(sel).Elem(), hasPlaceholderPrefix) {
				return slo.SLO{}, false
			}
			*field = selectorPlaceholders[i]
		}
	}
	if holdsString(reflect.ValueOf(&proxy).Elem(), func(v string) bool {
		if !hasPlaceholderPrefix(v) {
			return false
		}
		_, rest, ok := parseHole(v)
		return !ok || rest != ""
	}) {
		return slo.SLO{}, false
	}
	return proxy, true
}

func hasPlaceholderPrefix(v string) bool { return strings.Contains(v, placeholderPrefix) }

// holdsString reports whether f holds for some string in v: in fields, map
// keys and values, and elements, through pointers.
func holdsString(v reflect.Value, f func(string) bool) bool {
	switch v.Kind() {
	case reflect.String:
		return f(v.String())
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && holdsString(v.Elem(), f)
	case reflect.Struct:
		switch v.Type() {
		case reflect.TypeFor[labels.Matcher]():
			// Not its compiled regular expression.
			return f(v.FieldByName("Name").String()) || f(v.FieldByName("Value").String())
		case reflect.TypeFor[time.Location]():
			return false // zone names and transitions, in no rule
		}
		for i := range v.NumField() {
			if holdsString(v.Field(i), f) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if holdsString(v.Index(i), f) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if holdsString(it.Key(), f) || holdsString(it.Value(), f) {
				return true
			}
		}
	}
	return false
}

// cut cuts a group's text at its placeholders, or returns nil if one
// stands where its text might change the quoting: a label value anywhere
// but as a whole value, a selector anywhere but inside a plain or
// single-quoted expression.
func cut(text string) []segment {
	var segs []segment
	from := 0 // where the next segment's text starts
	for {
		i := strings.Index(text[from:], placeholderPrefix)
		if i < 0 {
			return append(segs, segment{text: text[from:]})
		}
		at := from + i
		h, rest, ok := parseHole(text[at:])
		if !ok {
			return nil
		}
		seg := segment{text: text[from:at], hole: h}
		line := strings.TrimLeft(text[strings.LastIndexByte(text[:at], '\n')+1:at], " -")
		switch h.kind {
		case 'L':
			if !strings.HasSuffix(line, ": ") || strings.Count(line, ": ") != 1 || !strings.HasPrefix(rest, "\n") {
				return nil
			}
		case 'E':
			if !strings.HasPrefix(line, "expr: ") || line == "expr: " || strings.HasPrefix(line, `expr: "`) {
				return nil
			}
			if strings.HasPrefix(rest, "{") {
				end := strings.IndexByte(rest, '}')
				if end < 0 {
					return nil
				}
				seg.extras = strings.Split(rest[1:end], ",")
				rest = rest[end+1:]
			}
		}
		segs = append(segs, seg)
		from = len(text) - len(rest)
	}
}

// fill writes a shape's text with s's names, label values and selectors,
// or reports false, having written nothing, if some of them might need
// other quoting than their placeholders had.
func fill(b *bytes.Buffer, text []segment, s *slo.SLO) bool {
	// Names are letters, digits and ".-_" (slo checks): quoted only where
	// they stand alone and read as a number or a boolean.
	if !plain(s.Service) || !plain(s.Name) {
		return false
	}
	var sels [len(selectorPlaceholders)]*parser.VectorSelector
	var ms [len(selectorPlaceholders)][]string
	for i, field := range sliSelectors(&s.SLI) {
		if sel := *field; sel != nil {
			sels[i] = sel.VectorSelector()
			ms[i] = matcherTexts(nil, sels[i])
			if !inert(sels[i].Name) || slices.IndexFunc(ms[i], func(m string) bool { return !inert(m) }) >= 0 {
				return false
			}
		}
	}
	values := make([]string, 0, len(s.Labels))
	for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
		values = append(values, quote(s.Labels[k]))
	}
	var sorted []string
	for _, seg := range text {
		b.WriteString(seg.text)
		switch seg.hole.kind {
		case 'S':
			b.WriteString(s.Service)
		case 'N':
			b.WriteString(s.Name)
		case 'L':
			b.WriteString(values[seg.hole.i])
		case 'E':
			i := seg.hole.i
			b.WriteString(sels[i].Name)
			sorted = append(append(sorted[:0], ms[i]...), seg.extras...)
			if len(seg.extras) > 0 {
				slices.Sort(sorted)
			}
			for j, m := range sorted {
				if j == 0 {
					b.WriteByte('{')
				} else {
					b.WriteByte(',')
				}
				b.WriteString(m)
			}
			if len(sorted) > 0 {
				b.WriteByte('}')
			}
		}
	}
	return true
}

// inert reports whether a selector's text can stand in a plain or a
// single-quoted YAML scalar, after any text, without changing how it must
// be quoted: printable ASCII without a quote, a comment sign or ": ".
func inert(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '\'' || c == '#' || c == ':' && (i+1 == len(s) || s[i+1] == ' ') {
			return false
		}
	}
	return true
}
