package importer

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// The PromQL shapes the importers recognise in other tools' queries, so
// that an SLI written as a query becomes a native ratio or latency SLI
// (cheap to evaluate, guarded against low traffic) instead of a raw one.
// Every query is parsed by the one parser below, never matched as text.

// promqlParser parses every query the importers read. One instance is
// safe for concurrent use.
var promqlParser = parser.NewParser(parser.Options{})

// windowedQuery is a query whose ranges are a template (Sloth's
// {{.window}}), parsed with each template replaced by a real range, and
// where those replacements are.
type windowedQuery struct {
	text      string // the query as parsed
	expr      parser.Expr
	templates []int // offsets in text of the ranges that were templates
}

// templateRange stands for a window template while a query is parsed.
// Which ranges were templates is known by position, not by value, so a
// user's own range of the same length is never mistaken for a template.
const templateRange = "1m"

// parseWindowed parses a query whose ranges may be the template.
func parseWindowed(query, template string) (windowedQuery, bool) {
	var (
		b  strings.Builder
		at []int
	)
	for rest := query; ; {
		i := strings.Index(rest, template)
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		at = append(at, b.Len())
		b.WriteString(templateRange)
		rest = rest[i+len(template):]
	}
	expr, err := promqlParser.ParseExpr(b.String())
	return windowedQuery{text: b.String(), expr: expr, templates: at}, err == nil
}

// templated reports whether a range selector's range is the template.
func (q windowedQuery) templated(m *parser.MatrixSelector) bool {
	vs, ok := m.VectorSelector.(*parser.VectorSelector)
	if !ok || m.RangeExpr != nil || int(m.EndPos) > len(q.text) || int(vs.PosRange.End) > int(m.EndPos) {
		return false
	}
	// Between the selector and the end: [ RANGE ], spaces allowed.
	brackets := q.text[vs.PosRange.End:m.EndPos]
	open := strings.IndexByte(brackets, '[')
	if open < 0 {
		return false
	}
	inner := brackets[open+1:]
	start := int(vs.PosRange.End) + open + 1 + len(inner) - len(strings.TrimLeft(inner, " \t\n"))
	return slices.Contains(q.templates, start)
}

// summedRate returns SELECTOR when expr is sum(rate(SELECTOR[r])) or
// sum(increase(...)), parentheses aside, with a range that window
// accepts.
func summedRate(expr parser.Expr, window func(*parser.MatrixSelector) bool) (*parser.VectorSelector, bool) {
	agg, ok := unparen(expr).(*parser.AggregateExpr)
	if !ok || agg.Op != parser.SUM || len(agg.Grouping) > 0 || agg.Without {
		return nil, false
	}
	call, ok := agg.Expr.(*parser.Call)
	if !ok || (call.Func.Name != "rate" && call.Func.Name != "increase") || len(call.Args) != 1 {
		return nil, false
	}
	m, ok := call.Args[0].(*parser.MatrixSelector)
	if !ok || !window(m) {
		return nil, false
	}
	vs, ok := m.VectorSelector.(*parser.VectorSelector)
	if !ok || !plain(vs) {
		return nil, false
	}
	return vs, true
}

// unparen is expr without the parentheses around it.
func unparen(expr parser.Expr) parser.Expr {
	for {
		p, ok := expr.(*parser.ParenExpr)
		if !ok {
			return expr
		}
		expr = p.Expr
	}
}

// plain reports whether a selector reads the present: no offset, no @.
func plain(vs *parser.VectorSelector) bool {
	return vs.OriginalOffset == 0 && vs.Timestamp == nil && vs.StartOrEnd == 0
}

// anyRange accepts every range: for queries whose range slokit replaces
// by its own windows.
func anyRange(*parser.MatrixSelector) bool { return true }

// counterSelector accepts a counter's selector, or sum(rate(selector[r]))
// and sum(increase(selector[r])) of one, and returns the selector as
// written.
func counterSelector(q string) (string, bool) {
	expr, err := promqlParser.ParseExpr(q)
	if err != nil {
		return "", false
	}
	if _, ok := expr.(*parser.AggregateExpr); ok {
		vs, ok := summedRate(expr, anyRange)
		if !ok {
			return "", false
		}
		expr = vs
	}
	vs, ok := expr.(*parser.VectorSelector)
	if !ok || !plain(vs) {
		return "", false
	}
	return q[vs.PosRange.Start:vs.PosRange.End], true
}

// histogramBucketAndCount recognises a classic histogram's bucket at one
// le (the good events) and the same histogram's count with the same
// matchers (all events), and returns the bucket selector without le and
// the threshold: a latency SLI.
func histogramBucketAndCount(success, total string) (histogram, threshold string, ok bool) {
	se, err1 := promqlParser.ParseExpr(success)
	te, err2 := promqlParser.ParseExpr(total)
	sv, ok1 := se.(*parser.VectorSelector)
	tv, ok2 := te.(*parser.VectorSelector)
	if err1 != nil || err2 != nil || !ok1 || !ok2 {
		return "", "", false
	}
	base, isBucket := strings.CutSuffix(sv.Name, "_bucket")
	if !isBucket || tv.Name != base+"_count" {
		return "", "", false
	}
	var le float64
	others := map[string]string{}
	for _, m := range sv.LabelMatchers {
		switch {
		case m.Name == labels.MetricName:
		case m.Name == labels.BucketLabel && m.Type == labels.MatchEqual:
			v, err := strconv.ParseFloat(m.Value, 64)
			if err != nil || v <= 0 {
				return "", "", false
			}
			le = v
		default:
			others[m.String()] = ""
		}
	}
	totals := map[string]string{}
	for _, m := range tv.LabelMatchers {
		if m.Name != labels.MetricName {
			totals[m.String()] = ""
		}
	}
	if le == 0 || !maps.Equal(others, totals) {
		return "", "", false
	}
	kept := slices.DeleteFunc(slices.Clone(sv.LabelMatchers), func(m *labels.Matcher) bool { return m.Name == labels.BucketLabel })
	hist := (&parser.VectorSelector{Name: sv.Name, LabelMatchers: kept}).String()
	return hist, model.Duration(time.Duration(le * float64(time.Second))).String(), true
}

// histogramUnit returns the unit of a histogram's _bucket series, from its
// name, as a duration.
func histogramUnit(selector string) (time.Duration, bool) {
	expr, err := promqlParser.ParseExpr(selector)
	if err != nil {
		return 0, false
	}
	vs, ok := expr.(*parser.VectorSelector)
	if !ok {
		return 0, false
	}
	switch {
	case strings.HasSuffix(vs.Name, "_seconds_bucket"):
		return time.Second, true
	case strings.HasSuffix(vs.Name, "_milliseconds_bucket"):
		return time.Millisecond, true
	}
	return 0, false
}
