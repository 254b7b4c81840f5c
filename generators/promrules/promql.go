package promrules

import (
	"time"

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
