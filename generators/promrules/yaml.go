package promrules

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
)

// Rule files have one fixed shape, so they are written by hand rather than
// through a generic YAML encoder: yaml.v3's encoder spent more than a second
// on the rules of 1,000 SLOs, several times the whole compile budget. The
// output is plain YAML that any parser reads back to the same values; a
// test round-trips it through Prometheus's own rule parser.

// yamlWords are plain scalars that YAML 1.1 parsers read as booleans or
// null rather than strings.
var yamlWords = []string{"~", "y", "n", "yes", "no", "on", "off", "true", "false", "null"}

// numberLike reports whether a YAML parser may read s as a number, a
// sexagesimal number or a date rather than a string.
func numberLike(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if len(s) > 1 && s[0] == '.' {
		s = s[1:]
	}
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	if len(s) > 1 && s[0] == '0' && strings.ContainsRune("xXoObB", rune(s[1])) {
		return true
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789_.:eE+-", rune(s[i])) {
			return false
		}
	}
	return true
}

// isYAMLWord reports whether s is a plain scalar that YAML 1.1 parsers read
// as a boolean or null.
func isYAMLWord(s string) bool {
	if len(s) > 5 {
		return false
	}
	return slices.Contains(yamlWords, strings.ToLower(s))
}

// printable reports whether s can stand in a YAML scalar without escapes.
func printable(s string) bool {
	for _, r := range s {
		if r < 0x80 {
			if r < 0x20 || r == 0x7f {
				return false
			}
			continue
		}
		if !unicode.IsPrint(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			return false
		}
	}
	return true
}

// plain reports whether s reads back as the same string when written
// unquoted in block context: it must not start with an indicator, hold ": "
// or " #", end in ":", or look like a number, boolean or null.
func plain(s string) bool {
	return s != "" && s[0] != ' ' && s[len(s)-1] != ' ' &&
		!strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`") &&
		!strings.Contains(s, ": ") && !strings.Contains(s, " #") && s[len(s)-1] != ':' &&
		!numberLike(s) && !isYAMLWord(s) && printable(s)
}

// quote renders s as a YAML scalar that reads back as exactly s: plain
// where that is safe, single-quoted where s is printable on one line (no
// escapes needed, so PromQL stays readable), double-quoted with escapes
// otherwise.
func quote(s string) string {
	if plain(s) {
		return s
	}
	if s != "" && printable(s) {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	// Go's escapes (\n, \t, \xHH, \uHHHH, ...) are all valid YAML escapes.
	return strconv.Quote(s)
}

// line writes indent, then the parts, then a newline, without building
// intermediate strings: the writer runs for every line of thousands of
// rules.
func line(b *bytes.Buffer, indent string, parts ...string) {
	b.WriteString(indent)
	for _, p := range parts {
		b.WriteString(p)
	}
	b.WriteByte('\n')
}

func writeMap(b *bytes.Buffer, indent, key string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	line(b, indent, key, ":")
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		line(b, indent, "  ", quote(k), ": ", quote(m[k]))
	}
}

// writeGroup writes one entry of a groups: list at the given indentation.
func writeGroup(b *bytes.Buffer, indent string, g rulefmt.RuleGroup) {
	line(b, indent, "  - name: ", quote(g.Name))
	in := indent + "    "
	if g.Interval != 0 {
		line(b, in, "interval: ", model.Duration(g.Interval).String())
	}
	line(b, in, "rules:")
	rin := in + "    "
	for _, r := range g.Rules {
		if r.Record != "" {
			line(b, in, "  - record: ", quote(r.Record))
		} else {
			line(b, in, "  - alert: ", quote(r.Alert))
		}
		line(b, rin, "expr: ", quote(r.Expr))
		if r.For != 0 {
			line(b, rin, "for: ", r.For.String())
		}
		writeMap(b, rin, "labels", r.Labels)
		writeMap(b, rin, "annotations", r.Annotations)
	}
}
