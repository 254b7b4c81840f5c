package promrules_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/VictoriaMetrics/metricsql"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/generators"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/internal/golden"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// goldens are this package's golden files: go test ./generators/promrules -update rewrites them.
var goldens = golden.Flag()

// inputs are the example specs and the loader's good fixtures: between them
// every SLI kind and every tuning option.
var inputs = []string{"../../specs", "../../slo/testdata/kinds.good.yaml", "../../slo/testdata/tuning.good.yaml", "../../slo/testdata/timeslices.good.yaml"}

func loadInputs(t testing.TB) []*slo.Service {
	t.Helper()
	services, diags := slo.Load(inputs)
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	return services
}

func TestGolden(t *testing.T) {
	for _, svc := range loadInputs(t) {
		for _, f := range promrules.Formats() {
			if promrules.Check(f, []*slo.Service{svc}) != nil {
				continue // native histograms have no VictoriaMetrics output
			}
			t.Run(string(f)+"/"+svc.Name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := promrules.Write(&buf, promrules.Output{Format: f}, []*slo.Service{svc}); err != nil {
					t.Fatal(err)
				}
				goldens.Assert(t, filepath.Join("testdata", string(f), promrules.FileName(svc.Name)), buf.Bytes())
			})
		}
	}
}

func TestOutputIsDeterministic(t *testing.T) {
	render := func() string {
		var buf bytes.Buffer
		if err := promrules.Write(&buf, promrules.Output{Format: promrules.FormatPrometheus}, loadInputs(t)); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	first := render()
	for range 5 {
		if render() != first {
			t.Fatal("two runs over the same specs produced different output")
		}
	}
}

// The prometheus format must be a single YAML document that Prometheus's
// own loader reads whole: every group, every rule.
func TestPrometheusFormatIsOneDocumentWithEveryGroup(t *testing.T) {
	services := loadInputs(t)
	var buf bytes.Buffer
	if err := promrules.Write(&buf, promrules.Output{Format: promrules.FormatPrometheus}, services); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), generators.Header) {
		t.Error("missing the generated-code header")
	}
	if strings.Contains(buf.String(), "\n---") {
		t.Error("a rule file must be one YAML document: Prometheus ignores all but the first")
	}
	groups, errs := rulefmt.Parse(buf.Bytes(), false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	if len(errs) > 0 {
		t.Fatalf("Prometheus rejects the file: %v", errs)
	}
	wantGroups, wantRules := 0, 0
	for _, svc := range services {
		for _, g := range promrules.Groups(svc) {
			wantGroups++
			wantRules += len(g.Rules)
		}
	}
	gotRules := 0
	for _, g := range groups.Groups {
		gotRules += len(g.Rules)
	}
	if len(groups.Groups) != wantGroups || gotRules != wantRules {
		t.Errorf("Prometheus loads %d groups and %d rules, want %d and %d", len(groups.Groups), gotRules, wantGroups, wantRules)
	}
}

var noisyNumber = regexp.MustCompile(`\d\.\d*0000000\d|\d\.\d*9999999\d`)

// Every expression slokit writes must parse with both query languages, so
// the same rules run on Prometheus and on VictoriaMetrics, and carry no
// binary floating-point noise.
func TestEveryExpressionParsesAsPromQLAndMetricsQLAndPrintsAsPrometheusDoes(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	exprs := 0
	for _, svc := range loadInputs(t) {
		groups := promrules.Groups(svc)
		// And each tier's, for a Prometheus per region.
		for _, s := range svc.SLOs {
			for _, tier := range promrules.Tiers() {
				if g, ok := promrules.TierGroup(s, tier); ok {
					groups = append(groups, g)
				}
			}
		}
		for _, g := range groups {
			for _, r := range g.Rules {
				exprs++
				expr, err := p.ParseExpr(r.Expr)
				if err != nil {
					t.Errorf("%s: %s does not parse as PromQL: %v", g.Name, r.Expr, err)
				} else if again := expr.String(); again != r.Expr {
					// The generator prints with its own printer, for speed:
					// it must write what Prometheus' printer writes.
					t.Errorf("%s: printed\n%s\nwhere Prometheus prints\n%s", g.Name, r.Expr, again)
				}
				if noisyNumber.MatchString(r.Expr) {
					t.Errorf("%s: floating-point noise in %s", g.Name, r.Expr)
				}
				native := strings.Contains(r.Expr, "histogram_count") || strings.Contains(r.Expr, "histogram_fraction")
				if native {
					continue // Prometheus native histograms: VictoriaMetrics has no equivalent
				}
				if _, err := metricsql.Parse(r.Expr); err != nil {
					t.Errorf("%s: %s does not parse as MetricsQL: %v", g.Name, r.Expr, err)
				}
			}
		}
	}
	if exprs < 200 {
		t.Errorf("only %d expressions checked", exprs)
	}
}

func TestKubernetesFormatsWrapTheSameGroups(t *testing.T) {
	services := loadInputs(t)[:1]
	for _, tc := range []struct {
		format           promrules.Format
		apiVersion, kind string
	}{
		{promrules.FormatPrometheusOperator, "monitoring.coreos.com/v1", "PrometheusRule"},
		{promrules.FormatVictoriaMetrics, "operator.victoriametrics.com/v1beta1", "VMRule"},
	} {
		var buf bytes.Buffer
		if err := promrules.Write(&buf, promrules.Output{Format: tc.format}, services); err != nil {
			t.Fatal(err)
		}
		var obj struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
			Metadata   struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
			Spec struct {
				Groups []rulefmt.RuleGroup `yaml:"groups"`
			} `yaml:"spec"`
		}
		if err := yaml.Unmarshal(buf.Bytes(), &obj); err != nil {
			t.Fatal(err)
		}
		if obj.APIVersion != tc.apiVersion || obj.Kind != tc.kind || obj.Metadata.Name != "slokit-"+services[0].Name {
			t.Errorf("%s: got %s %s %s", tc.format, obj.APIVersion, obj.Kind, obj.Metadata.Name)
		}
		if len(obj.Spec.Groups) != len(promrules.Groups(services[0])) {
			t.Errorf("%s: %d groups, want %d", tc.format, len(obj.Spec.Groups), len(promrules.Groups(services[0])))
		}
	}
}

// What the user adds to every object (--namespace, --label, --annotation)
// is on every object, next to slokit's own labels, which it cannot
// replace; what Kubernetes would refuse is refused before anything is
// written.
func TestKubernetesObjectsTakeNamespaceLabelsAndAnnotations(t *testing.T) {
	services := loadInputs(t)
	meta := generators.ObjectMeta{Namespace: "monitoring", Labels: map[string]string{"release": "kube-prometheus-stack"},
		Annotations: map[string]string{"example.com/owner": "team checkout: #sre"}}
	var buf bytes.Buffer
	if err := promrules.Write(&buf, promrules.Output{Format: promrules.FormatPrometheusOperator, Objects: meta}, services); err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(&buf)
	objects := 0
	for {
		var obj struct {
			Metadata struct {
				Name        string            `yaml:"name"`
				Namespace   string            `yaml:"namespace"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"metadata"`
		}
		if err := dec.Decode(&obj); err != nil {
			break
		}
		objects++
		m := obj.Metadata
		if m.Namespace != "monitoring" || m.Labels["release"] != "kube-prometheus-stack" || m.Labels[generators.ManagedByLabel] != "slokit" ||
			m.Labels[generators.ServiceLabel] == "" || m.Annotations["example.com/owner"] != "team checkout: #sre" {
			t.Errorf("%s: %+v", m.Name, m)
		}
	}
	if objects != len(services) {
		t.Errorf("%d objects for %d services", objects, len(services))
	}
	for _, tc := range []struct {
		output promrules.Output
		want   string
	}{
		{promrules.Output{Format: promrules.FormatPrometheus, Objects: meta}, "apply to Kubernetes objects"},
		{promrules.Output{Format: promrules.FormatVictoriaMetrics, Objects: generators.ObjectMeta{Namespace: "Monitoring"}}, `namespace "Monitoring": must be a DNS label`},
		{promrules.Output{Format: promrules.FormatVictoriaMetrics, Objects: generators.ObjectMeta{Labels: map[string]string{generators.ManagedByLabel: "me"}}}, "slokit sets it"},
		{promrules.Output{Format: promrules.FormatVictoriaMetrics, Objects: generators.ObjectMeta{Labels: map[string]string{"release": "a b"}}}, `label release="a b"`},
		{promrules.Output{Format: promrules.FormatVictoriaMetrics, Objects: generators.ObjectMeta{Annotations: map[string]string{"-bad": "x"}}}, `annotation "-bad"`},
	} {
		var out bytes.Buffer
		err := promrules.Write(&out, tc.output, services)
		if err == nil || !strings.Contains(err.Error(), tc.want) || out.Len() > 0 {
			t.Errorf("%+v: got %v (and %d bytes), want %q", tc.output, err, out.Len(), tc.want)
		}
	}
}

func TestNativeHistogramsCannotGoToVictoriaMetrics(t *testing.T) {
	services, _ := slo.ParseFile("../../slo/testdata/kinds.good.yaml")
	err := promrules.Write(&bytes.Buffer{}, promrules.Output{Format: promrules.FormatVictoriaMetrics}, services)
	if err == nil || !strings.Contains(err.Error(), "api-latency-native uses a native histogram") {
		t.Errorf("got %v", err)
	}
}

// Prometheus 3 normalises le="1" to le="1.0" on ingestion; a selector must
// find the bucket either way.
func TestLatencyBucketMatchesBothLeSpellings(t *testing.T) {
	services, _ := slo.ParseFile("../../slo/testdata/kinds.good.yaml")
	var latency *slo.SLO
	for _, s := range services[0].SLOs {
		if s.Name == "image-latency" {
			latency = s
		}
	}
	rules := promrules.Group(latency).Rules
	p := parser.NewParser(parser.Options{})
	for _, tc := range []struct {
		threshold string
		match     []string
		noMatch   []string
	}{
		{"250ms", []string{"0.25"}, []string{"0.255", "0x25", "2.5"}},
		{"1s", []string{"1", "1.0"}, []string{"10", "1.5", "0.1"}},
	} {
		found := false
		for _, r := range rules {
			if r.Record != series.Errors || r.Labels["threshold"] != tc.threshold || r.Labels["window"] != "1m" {
				continue
			}
			found = true
			expr, err := p.ParseExpr(r.Expr)
			if err != nil {
				t.Fatal(err)
			}
			parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
				vs, ok := n.(*parser.VectorSelector)
				if !ok || !strings.HasSuffix(vs.Name, "_bucket") {
					return nil
				}
				for _, m := range vs.LabelMatchers {
					if m.Name != "le" {
						continue
					}
					for _, v := range tc.match {
						if !m.Matches(v) {
							t.Errorf("threshold %s: le=%q not matched by %s", tc.threshold, v, m)
						}
					}
					for _, v := range tc.noMatch {
						if m.Matches(v) {
							t.Errorf("threshold %s: le=%q wrongly matched by %s", tc.threshold, v, m)
						}
					}
				}
				return nil
			})
		}
		if !found {
			t.Errorf("no error increments recorded for threshold %s", tc.threshold)
		}
	}
}

// The hand-written YAML must read back, through Prometheus's own rule
// parser, to exactly the rules that were generated.
func TestRuleFileReadsBackToTheGeneratedRules(t *testing.T) {
	services := loadInputs(t)
	var buf bytes.Buffer
	if err := promrules.Write(&buf, promrules.Output{Format: promrules.FormatPrometheus}, services); err != nil {
		t.Fatal(err)
	}
	parsed, errs := rulefmt.Parse(buf.Bytes(), false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var want []rulefmt.RuleGroup
	for _, svc := range services {
		want = append(want, promrules.Groups(svc)...)
	}
	if len(parsed.Groups) != len(want) {
		t.Fatalf("read back %d groups, want %d", len(parsed.Groups), len(want))
	}
	for i, g := range parsed.Groups {
		w := want[i]
		if g.Name != w.Name || g.Interval != w.Interval || len(g.Rules) != len(w.Rules) {
			t.Fatalf("group %d reads back as %s/%s/%d rules, want %s/%s/%d", i, g.Name, g.Interval, len(g.Rules), w.Name, w.Interval, len(w.Rules))
		}
		for j, r := range g.Rules {
			got := rulefmt.Rule{Record: r.Record, Alert: r.Alert, Expr: r.Expr, For: r.For, Labels: r.Labels, Annotations: r.Annotations}
			if fmt.Sprint(got) != fmt.Sprint(w.Rules[j]) {
				t.Errorf("group %s rule %d reads back as\n%v\nwant\n%v", g.Name, j, got, w.Rules[j])
			}
		}
	}
}

// quote must render any string so that YAML reads it back unchanged.
func FuzzYAMLQuoting(f *testing.F) {
	for _, s := range []string{"", "plain", "0", "true", "no", "a: b", "'quoted'", `{{ printf "%q" $labels.x }}`, "line\nbreak", " lead", "tab\t", "\u2028", "#comment", "- item", "&anchor", "*alias", "https://x.example/a?b=c#d", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // label values and expressions are UTF-8
		}
		var buf bytes.Buffer
		rules := []rulefmt.Rule{{Record: "r", Expr: "x", Labels: map[string]string{"k": s}}}
		promrules.WriteGroupsForTest(&buf, []rulefmt.RuleGroup{{Name: s, Rules: rules}})
		var back struct {
			Groups []struct {
				Name  string `yaml:"name"`
				Rules []struct {
					Labels map[string]string `yaml:"labels"`
				} `yaml:"rules"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatalf("%q: %v\n%s", s, err, buf.String())
		}
		if len(back.Groups) != 1 || back.Groups[0].Name != s || back.Groups[0].Rules[0].Labels["k"] != s {
			t.Fatalf("%q did not read back:\n%s", s, buf.String())
		}
	})
}

// Group names carry no /, which the Mimir and Cortex ruler APIs read as a
// path separator, and tell services and SLOs apart.
func TestGroupNamesSuitRulerAPIs(t *testing.T) {
	seen := map[string]bool{}
	for _, svc := range loadInputs(t) {
		for _, g := range promrules.Groups(svc) {
			if strings.Contains(g.Name, "/") || seen[g.Name] {
				t.Errorf("group name %q: a / or a duplicate", g.Name)
			}
			seen[g.Name] = true
		}
	}
	if len(seen) < 5 {
		t.Errorf("only %d groups", len(seen))
	}
}

// A service of 200 SLOs is more rules than one Kubernetes object holds:
// its PrometheusRule and VMRule are split into objects of at most
// MaxObjectBytes, named slokit-big, slokit-big-2, ..., holding every
// group once, in order, and named the same every time.
func TestBigServicesAreSplitIntoObjectsKubernetesTakes(t *testing.T) {
	svcs, diags := slo.Parse([]byte(fixture.EndpointsSpec("big", 200)))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []promrules.Format{promrules.FormatPrometheusOperator, promrules.FormatVictoriaMetrics} {
		files, err := generators.Collect(promrules.Files(promrules.Output{Format: f}, svcs))
		if err != nil {
			t.Fatal(err)
		}
		again, _ := generators.Collect(promrules.Files(promrules.Output{Format: f}, svcs))
		if !bytes.Equal(files[0].Content, again[0].Content) {
			t.Errorf("%s: two generations differ", f)
		}
		docs := strings.Split(string(files[0].Content), "\n---\n")
		var groups []string
		for i, doc := range docs {
			if len(doc) > promrules.MaxObjectBytes {
				t.Errorf("%s: object %d is %d bytes, over %d", f, i+1, len(doc), promrules.MaxObjectBytes)
			}
			var obj struct {
				Metadata struct{ Name string }
				Spec     struct{ Groups []struct{ Name string } }
			}
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
				t.Fatalf("%s: object %d: %v", f, i+1, err)
			}
			want := "slokit-big"
			if i > 0 {
				want = fmt.Sprintf("slokit-big-%d", i+1)
			}
			if obj.Metadata.Name != want {
				t.Errorf("%s: object %d is named %q, want %q", f, i+1, obj.Metadata.Name, want)
			}
			for _, g := range obj.Spec.Groups {
				groups = append(groups, g.Name)
			}
		}
		if len(docs) < 2 || len(groups) != 200 || groups[0] != "slokit:big:endpoint-000" || groups[199] != "slokit:big:endpoint-199" {
			t.Errorf("%s: %d objects holding %d groups (%v ... %v)", f, len(docs), len(groups), groups[:1], groups[len(groups)-1:])
		}
	}
}
