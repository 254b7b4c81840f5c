package simulate

import (
	"fmt"
	"regexp/syntax"
	"slices"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
)

// requirement is one selector's matchers that a synthesized series must
// satisfy (match) or must fail (match false: at least one matcher fails).
type requirement struct {
	matchers []*labels.Matcher
	match    bool
}

// candidateValues are tried, after values derived from the matchers
// themselves, to satisfy or defeat a matcher.
var candidateValues = []string{"sim", "200", "500", "ok", "error", "success", "failed", "0", "1", "true", "false", ""}

// synthesize returns a label set that satisfies every requirement, or an
// error naming the label that could not be satisfied. Labels that no
// requirement constrains are left out; extra labels are added as given.
func synthesize(reqs []requirement, extra map[string]string) (labels.Labels, error) {
	// Labels mentioned by any matcher, in a stable order.
	var names []string
	for _, r := range reqs {
		for _, m := range r.matchers {
			if !slices.Contains(names, m.Name) {
				names = append(names, m.Name)
			}
		}
	}
	slices.Sort(names)
	values := map[string]string{}
	for k, v := range extra {
		values[k] = v
	}
	// Each label is chosen on its own: a value that satisfies every
	// positive requirement's matcher on that label. Negative requirements
	// need only one failing matcher; they are settled after.
	for _, name := range names {
		if _, fixed := extra[name]; fixed {
			continue
		}
		var must []*labels.Matcher
		for _, r := range reqs {
			if r.match {
				for _, m := range r.matchers {
					if m.Name == name {
						must = append(must, m)
					}
				}
			}
		}
		v, ok := pick(must, nil)
		if !ok {
			return labels.EmptyLabels(), fmt.Errorf("no value of label %s satisfies %s", name, describe(must))
		}
		values[name] = v
	}
	for _, r := range reqs {
		if r.match || !matchesAll(r.matchers, values) {
			continue
		}
		// Defeat one matcher of this selector without breaking the
		// positive ones on the same label.
		defeated := false
		for _, m := range r.matchers {
			if _, fixed := extra[m.Name]; fixed || m.Name == labels.MetricName {
				continue
			}
			var must []*labels.Matcher
			for _, other := range reqs {
				if other.match {
					for _, om := range other.matchers {
						if om.Name == m.Name {
							must = append(must, om)
						}
					}
				}
			}
			if v, ok := pick(must, m); ok {
				values[m.Name] = v
				defeated = true
				break
			}
		}
		if !defeated {
			return labels.EmptyLabels(), fmt.Errorf("cannot make a series that %s selects without %s selecting it too", describe(otherPositive(reqs)), describe(r.matchers))
		}
	}
	b := labels.NewScratchBuilder(len(values))
	for k, v := range values {
		if v != "" {
			b.Add(k, v)
		}
	}
	b.Sort()
	return b.Labels(), nil
}

func otherPositive(reqs []requirement) []*labels.Matcher {
	for _, r := range reqs {
		if r.match {
			return r.matchers
		}
	}
	return nil
}

func matchesAll(ms []*labels.Matcher, values map[string]string) bool {
	for _, m := range ms {
		if !m.Matches(values[m.Name]) {
			return false
		}
	}
	return true
}

// pick returns a value every matcher in must accepts and that defeat, if
// given, rejects.
func pick(must []*labels.Matcher, defeat *labels.Matcher) (string, bool) {
	var tries []string
	for _, m := range must {
		switch m.Type {
		case labels.MatchEqual:
			tries = append(tries, m.Value)
		case labels.MatchRegexp:
			if ex, ok := example(m.Value); ok {
				tries = append(tries, ex)
			}
		}
	}
	tries = append(tries, candidateValues...)
	for _, v := range tries {
		ok := defeat == nil || !defeat.Matches(v)
		for _, m := range must {
			ok = ok && m.Matches(v)
		}
		if ok {
			return v, true
		}
	}
	return "", false
}

// example returns a short string the regular expression matches in full,
// built from its syntax tree, preferring digits for wildcards so that
// code=~"5.." yields 500.
func example(expr string) (string, bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	if !write(&b, re.Simplify()) {
		return "", false
	}
	return b.String(), true
}

func write(b *strings.Builder, re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		if len(re.Rune) < 2 {
			return false
		}
		r := re.Rune[0]
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i] <= '0' && '0' <= re.Rune[i+1] {
				r = '0'
			}
		}
		b.WriteRune(r)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteRune('0')
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !write(b, sub) {
				return false
			}
		}
	case syntax.OpAlternate:
		return write(b, re.Sub[0])
	case syntax.OpCapture:
		return write(b, re.Sub[0])
	case syntax.OpPlus:
		return write(b, re.Sub[0])
	case syntax.OpRepeat:
		for range re.Min {
			if !write(b, re.Sub[0]) {
				return false
			}
		}
	case syntax.OpStar, syntax.OpQuest, syntax.OpEmptyMatch,
		syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
	default:
		return false
	}
	return true
}

func describe(ms []*labels.Matcher) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return "{" + strings.Join(parts, ",") + "}"
}
