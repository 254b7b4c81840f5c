package promrules

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// The helpers in this file build PromQL as syntax trees and leave the
// printing to the PromQL parser's printer, so generated expressions are
// well-formed by construction and parenthesised exactly where precedence
// requires.

func selector(name string, matchers ...*labels.Matcher) *parser.VectorSelector {
	ms := append([]*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, name)}, matchers...)
	return &parser.VectorSelector{Name: name, LabelMatchers: ms}
}

func eq(name, value string) *labels.Matcher {
	return labels.MustNewMatcher(labels.MatchEqual, name, value)
}

func rangeOf(vs *parser.VectorSelector, r time.Duration) *parser.MatrixSelector {
	return &parser.MatrixSelector{VectorSelector: vs, Range: r}
}

func call(name string, args ...parser.Expr) *parser.Call {
	return &parser.Call{Func: parser.Functions[name], Args: args}
}

func sumBy(grouping []string, e parser.Expr) *parser.AggregateExpr {
	return &parser.AggregateExpr{Op: parser.SUM, Expr: e, Grouping: grouping}
}

func num(v float64) *parser.NumberLiteral {
	return &parser.NumberLiteral{Val: v}
}

// precedence mirrors PromQL's operator precedence for the operators slokit
// generates.
func precedence(op parser.ItemType) int {
	switch op {
	case parser.LOR:
		return 1
	case parser.LAND, parser.LUNLESS:
		return 2
	case parser.EQLC, parser.NEQ, parser.LTE, parser.LSS, parser.GTE, parser.GTR:
		return 3
	case parser.ADD, parser.SUB:
		return 4
	case parser.MUL, parser.DIV, parser.MOD:
		return 5
	}
	return 6
}

func paren(e parser.Expr, minPrec int) parser.Expr {
	if b, ok := e.(*parser.BinaryExpr); ok && precedence(b.Op) < minPrec {
		return &parser.ParenExpr{Expr: e}
	}
	return e
}

// matching describes vector matching: on(labels...) or ignoring(labels...),
// and group_left when many series on the left match one on the right.
type matching struct {
	on        bool
	labels    []string
	groupLeft bool
	include   []string // group_left's labels copied from the right
}

func on(ls ...string) *matching       { return &matching{on: true, labels: ls} }
func ignoring(ls ...string) *matching { return &matching{labels: ls} }

// onGroupLeft is on(labels...) group_left().
func onGroupLeft(ls ...string) *matching { return &matching{on: true, labels: ls, groupLeft: true} }

// onGroupLeftCopying is on(labels...) group_left(include...): each series on
// the left takes the include labels of the one series it matches.
func onGroupLeftCopying(ls []string, include ...string) *matching {
	return &matching{on: true, labels: ls, groupLeft: true, include: include}
}

// binary builds lhs op rhs. Operands of lower precedence are wrapped in
// parentheses (and, on the right, equal precedence too, as PromQL's binary
// operators are left-associative).
func binary(op parser.ItemType, lhs, rhs parser.Expr, m *matching) *parser.BinaryExpr {
	p := precedence(op)
	b := &parser.BinaryExpr{Op: op, LHS: paren(lhs, p), RHS: paren(rhs, p+1)}
	_, lnum := lhs.(*parser.NumberLiteral)
	_, rnum := rhs.(*parser.NumberLiteral)
	if !lnum && !rnum {
		card := parser.CardOneToOne
		if op.IsSetOperator() {
			card = parser.CardManyToMany
		}
		b.VectorMatching = &parser.VectorMatching{Card: card}
		if m != nil {
			b.VectorMatching.On = m.on
			b.VectorMatching.MatchingLabels = m.labels
			if m.groupLeft {
				b.VectorMatching.Card = parser.CardManyToOne
				b.VectorMatching.Include = m.include
			}
		}
	}
	return b
}

// sumWithout is sum without (labels...) (e).
func sumWithout(e parser.Expr, ls ...string) *parser.AggregateExpr {
	return &parser.AggregateExpr{Op: parser.SUM, Expr: e, Grouping: ls, Without: true}
}

// countValues is count_values("label", e): one series per value of e, with
// the value as its label, which turns a computed number (the hour's
// parity, a calendar slot) into a label other series can match on.
func countValues(label string, e parser.Expr) *parser.AggregateExpr {
	return &parser.AggregateExpr{Op: parser.COUNT_VALUES, Param: &parser.StringLiteral{Val: label}, Expr: e}
}

// printCached writes e as the PromQL printer does (parser.Expr.String),
// into one buffer: the printer builds each node's text from its children's,
// which copies a deep expression once per level and made printing the bulk
// of compiling. The text of selectors whose matcher slice is known (by the
// address of its first element) is taken from known: the generator's own
// selectors, built once per SLO and printed dozens of times. Node kinds
// the generator does not build fall back to the printer.
// TestEveryExpressionParsesAsPromQLAndMetricsQLAndPrintsAsPrometheusDoes
// holds the two to the same text. It is long as Prometheus' printer is:
// one case per node kind, which split up would only move apart.
func printCached(b *strings.Builder, e parser.Expr, known map[**labels.Matcher]string) {
	switch n := e.(type) {
	case *parser.BinaryExpr:
		printCached(b, n.LHS, known)
		b.WriteByte(' ')
		b.WriteString(n.Op.String())
		if n.ReturnBool {
			b.WriteString(" bool")
		}
		if vm := n.VectorMatching; vm != nil && vm.FillValues.LHS == nil && vm.FillValues.RHS == nil {
			grouped := vm.Card == parser.CardManyToOne || vm.Card == parser.CardOneToMany
			if len(vm.MatchingLabels) > 0 || vm.On || grouped {
				if vm.On {
					b.WriteString(" on (")
				} else {
					b.WriteString(" ignoring (")
				}
				printLabels(b, vm.MatchingLabels)
				b.WriteByte(')')
			}
			if grouped {
				if vm.Card == parser.CardManyToOne {
					b.WriteString(" group_left (")
				} else {
					b.WriteString(" group_right (")
				}
				printLabels(b, vm.Include)
				b.WriteByte(')')
			}
		} else if vm != nil {
			b.WriteString(n.String())
			return
		}
		b.WriteByte(' ')
		printCached(b, n.RHS, known)
	case *parser.ParenExpr:
		b.WriteByte('(')
		printCached(b, n.Expr, known)
		b.WriteByte(')')
	case *parser.AggregateExpr:
		b.WriteString(n.Op.String())
		switch {
		case n.Without:
			b.WriteString(" without (")
			printLabels(b, n.Grouping)
			b.WriteString(") ")
		case len(n.Grouping) > 0:
			b.WriteString(" by (")
			printLabels(b, n.Grouping)
			b.WriteString(") ")
		}
		b.WriteByte('(')
		if n.Op.IsAggregatorWithParam() && n.Param != nil {
			printCached(b, n.Param, known)
			b.WriteString(", ")
		}
		printCached(b, n.Expr, known)
		b.WriteByte(')')
	case *parser.Call:
		b.WriteString(n.Func.Name)
		b.WriteByte('(')
		for i, a := range n.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			printCached(b, a, known)
		}
		b.WriteByte(')')
	case *parser.MatrixSelector:
		vs, ok := n.VectorSelector.(*parser.VectorSelector)
		if !ok || vs.Timestamp != nil || vs.StartOrEnd != 0 || vs.Anchored || vs.Smoothed || vs.OriginalOffsetExpr != nil || n.RangeExpr != nil {
			b.WriteString(n.String())
			return
		}
		printSelector(b, vs, known)
		b.WriteByte('[')
		b.WriteString(model.Duration(n.Range).String())
		b.WriteByte(']')
		printOffset(b, vs.OriginalOffset)
	case *parser.SubqueryExpr:
		if n.Timestamp != nil || n.StartOrEnd != 0 || n.OriginalOffsetExpr != nil || n.RangeExpr != nil || n.StepExpr != nil {
			b.WriteString(n.String())
			return
		}
		printCached(b, n.Expr, known)
		b.WriteByte('[')
		b.WriteString(model.Duration(n.Range).String())
		b.WriteByte(':')
		if n.Step != 0 {
			b.WriteString(model.Duration(n.Step).String())
		}
		b.WriteByte(']')
		printOffset(b, n.OriginalOffset)
	case *parser.VectorSelector:
		if n.Timestamp != nil || n.StartOrEnd != 0 || n.Anchored || n.Smoothed || n.OriginalOffsetExpr != nil {
			b.WriteString(n.String())
			return
		}
		printSelector(b, n, known)
		printOffset(b, n.OriginalOffset)
	case *parser.NumberLiteral:
		if n.Duration {
			b.WriteString(n.String())
			return
		}
		b.WriteString(strconv.FormatFloat(n.Val, 'f', -1, 64))
	case *parser.StringLiteral:
		b.WriteString(strconv.Quote(n.Val))
	default:
		b.WriteString(e.String())
	}
}

// printSelector writes a selector's name and matchers, sorted as the
// printer sorts them, without its modifiers.
func printSelector(b *strings.Builder, vs *parser.VectorSelector, known map[**labels.Matcher]string) {
	if len(vs.LabelMatchers) > 0 {
		if text, ok := known[&vs.LabelMatchers[0]]; ok {
			b.WriteString(text)
			return
		}
	}
	var buf [8]string
	ms := matcherTexts(buf[:0], vs)
	b.WriteString(vs.Name)
	if len(ms) > 0 {
		b.WriteByte('{')
		for i, m := range ms {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(m)
		}
		b.WriteByte('}')
	}
}

// matcherTexts appends the text of a selector's matchers to dst, sorted as
// the printer sorts them, leaving out the one on __name__ that the name
// already says.
func matcherTexts(dst []string, vs *parser.VectorSelector) []string {
	n := len(dst)
	for _, m := range vs.LabelMatchers {
		if m == nil || m.Name == labels.MetricName && m.Type == labels.MatchEqual && m.Value == vs.Name && m.Value != "" {
			continue
		}
		if model.LegacyValidation.IsValidLabelName(m.Name) {
			dst = append(dst, m.Name+m.Type.String()+strconv.Quote(m.Value))
		} else {
			dst = append(dst, m.String())
		}
	}
	slices.Sort(dst[n:])
	return dst
}

func printOffset(b *strings.Builder, offset time.Duration) {
	switch {
	case offset > 0:
		b.WriteString(" offset ")
		b.WriteString(model.Duration(offset).String())
	case offset < 0:
		b.WriteString(" offset -")
		b.WriteString(model.Duration(-offset).String())
	}
}

func printLabels(b *strings.Builder, ls []string) {
	for i, l := range ls {
		if i > 0 {
			b.WriteString(", ")
		}
		if model.LegacyValidation.IsValidLabelName(l) {
			b.WriteString(l)
		} else {
			b.WriteString(strconv.Quote(l))
		}
	}
}
