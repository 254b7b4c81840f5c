package promrules

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slokit/slokit/slo"
)

// shapesSpec has SLOs of a few shapes under several services, with names,
// label values and selectors that fill in as they are and ones that must
// not (the comment on each says which).
const shapesSpec = `apiVersion: slokit.dev/v1
kind: ServiceLevels
service: alpha
labels: {team: payments, tier: "1"}
slos:
  - name: availability # fills
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{job="alpha",code=~"5.."}
        total: http_requests_total{job="alpha"}
  - name: latency # fills, le sorted among the selector's matchers
    objectives:
      - {objective: 99, threshold: 250ms}
      - {objective: 99.9, threshold: 1s}
    sli:
      latency:
        histogram: http_request_duration_seconds_bucket{job="alpha",zone="a",handler="/"}
  - name: probe # fills
    objective: 99.5
    period: 28d
    sli:
      boolGauge:
        selector: probe_success{target="alpha"}
  - name: colon # fills: a colon that is no ": "
    objective: 99.9
    sli:
      ratio:
        good: job:http_requests_ok:rate5m{job="alpha"}
        total: job:http_requests:rate5m
  - name: v1.2 # a dot, escaped in the maintenance rule's regular expression
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{job="alpha",code=~"5.."}
        total: http_requests_total{job="alpha"}
---
apiVersion: slokit.dev/v1
kind: ServiceLevels
service: beta.v2
labels: {team: "search: core", tier: "2"}
slos:
  - name: availability # fills: the same shape, other names and label values
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{job="beta",code=~"5.."}
        total: http_requests_total{job="beta"}
  - name: latency # fills
    objectives:
      - {objective: 99, threshold: 250ms}
      - {objective: 99.9, threshold: 1s}
    sli:
      latency:
        histogram: http_request_duration_seconds_bucket{job="beta"}
  - name: colons # a ": " in a selector would change the quoting
    objective: 99.9
    sli:
      ratio:
        errors: 'http_requests_total{job="beta",path="/a: b",code=~"5.."}'
        total: 'http_requests_total{job="beta",path="/a: b"}'
  - name: quote # a quote would be doubled in a quoted expression
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{job="beta",path="it's",code=~"5.."}
        total: http_requests_total{job="beta",path="it's"}
  - name: hash # a " #" starts a comment in a plain one
    objective: 99.9
    sli:
      ratio:
        errors: 'http_requests_total{job="beta",path=" #1",code=~"5.."}'
        total: 'http_requests_total{job="beta",path=" #1"}'
  - name: unicode # escaped where the expression is double-quoted
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{job="béta",code=~"5.."}
        total: http_requests_total{job="béta"}
---
apiVersion: slokit.dev/v1
kind: ServiceLevels
service: "123"
labels: {team: payments, tier: "1"}
slos:
  - name: availability # a service named like a number is quoted alone
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{job="alpha",code=~"5.."}
        total: http_requests_total{job="alpha"}
---
apiVersion: slokit.dev/v1
kind: ServiceLevels
service: gamma
labels: {team: "{{ oops"}
slos:
  - name: availability # a label value that is a template is escaped on alerts
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{job="gamma",code=~"5.."}
        total: http_requests_total{job="gamma"}
`

// TestShapesWriteWhatGroupWrites holds the shapes' filled-in text to
// Group's, byte for byte, in both indentations, on every spec the tests
// have and on SLOs made to fill in or to fall back.
func TestShapesWriteWhatGroupWrites(t *testing.T) {
	var all []*slo.SLO
	svcs, diags := slo.Parse([]byte(shapesSpec))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	wantFilled := map[string]bool{}
	for _, svc := range svcs {
		for _, s := range svc.SLOs {
			all = append(all, s)
			wantFilled[GroupName(s)] = svc.Name == "alpha" && s.Name != "v1.2" ||
				svc.Name == "beta.v2" && (s.Name == "availability" || s.Name == "latency")
		}
	}
	var files []string
	for _, pattern := range []string{"../../specs/*.yaml", "../../slo/testdata/*.good.yaml", "../../testdata/anchors/*/*.y*ml"} {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, matches...)
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Fatal(err)
		}
		// Warnings, or other SLOs of the file that slokit refuses, do not
		// keep the valid ones out.
		svcs, _ := slo.Load([]string{f})
		svcs, _ = slo.WithoutDatadog(svcs)
		for _, svc := range svcs {
			all = append(all, svc.SLOs...)
		}
	}
	if len(all) < 40 {
		t.Fatalf("only %d SLOs to compare", len(all))
	}
	for _, indent := range []string{"", "  "} {
		c := newShapes(indent, TierAll)
		for _, s := range all {
			var want, got bytes.Buffer
			writeGroup(&want, indent, Group(s))
			before := c.filled.Load()
			c.write(&got, s)
			if got.String() != want.String() {
				t.Errorf("%s: filled-in shape differs from Group's text:\n%s", GroupName(s), firstDifference(got.String(), want.String()))
			}
			filled := c.filled.Load() > before
			if want, ok := wantFilled[GroupName(s)]; ok && filled != want {
				t.Errorf("%s: filled in %v, want %v", GroupName(s), filled, want)
			}
		}
		if n := c.filled.Load(); n < int64(len(all))/2 {
			t.Errorf("indent %q: %d of %d groups filled in, want most", indent, n, len(all))
		}
	}
}

// firstDifference shows the lines where two texts first differ.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return "got:  " + g[i] + "\nwant: " + w[i]
		}
	}
	return "lengths differ"
}
