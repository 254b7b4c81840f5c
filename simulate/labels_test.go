package simulate

import (
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

func matchers(t *testing.T, sel string) []*labels.Matcher {
	t.Helper()
	ms, err := parser.NewParser(parser.Options{}).ParseMetricSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestSynthesizeSatisfiesAndDefeatsSelectors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		match, not []string
		want       string // substring of the label set, or an error
	}{
		{"errors are 5xx", []string{`http_requests_total{job="api"}`, `http_requests_total{job="api",code=~"5.."}`}, nil, `code="500"`},
		{"good requests are not", []string{`http_requests_total{job="api"}`}, []string{`http_requests_total{job="api",code=~"5.."}`}, `job="api"`},
		{"bad outcome avoids both", []string{`payments_total{outcome!="declined"}`}, []string{`payments_total{outcome="success"}`}, `outcome="sim"`},
		{"regex job", []string{`up{job=~"order-.+"}`}, nil, `job="order-0"`},
		{"alternatives", []string{`x{le=~"0\\.5|0\\.50"}`}, nil, `le="0.5"`},
		{"impossible", []string{`x{a="1"}`, `x{a="2"}`}, nil, "error: no value of label a"},
		{"cannot avoid", []string{`x{a="1"}`}, []string{`x{a="1"}`}, "error: cannot make a series"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reqs []requirement
			for _, s := range tc.match {
				reqs = append(reqs, requirement{matchers: matchers(t, s), match: true})
			}
			for _, s := range tc.not {
				reqs = append(reqs, requirement{matchers: matchers(t, s)})
			}
			ls, err := synthesize(reqs, map[string]string{"sim_series": "0"})
			got := ls.String()
			if err != nil {
				got = "error: " + err.Error()
			}
			if !strings.Contains(got, tc.want) {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if err != nil {
				return
			}
			for _, r := range reqs {
				all := true
				for _, m := range r.matchers {
					all = all && m.Matches(ls.Get(m.Name))
				}
				if all != r.match {
					t.Errorf("%s: selector %s matches %v, want %v", ls, describe(r.matchers), all, r.match)
				}
			}
		})
	}
}
