package grafana_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metricsql"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	gprom "github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/generators"
	"github.com/slokit/slokit/generators/grafana"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/internal/golden"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/simulate/simtest"
	"github.com/slokit/slokit/slo"
)

// goldens are this package's golden files: go test ./generators/grafana -update rewrites them.
var goldens = golden.Flag()

func exampleServices(t testing.TB) []*slo.Service {
	t.Helper()
	svcs, diags := slo.Load([]string{"../../specs"})
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	return svcs
}

// query is a PromQL expression found in a dashboard, with where it is.
type query struct {
	where, expr string
	// annotation queries may rightly return nothing.
	annotation bool
}

// queries lists every query of a dashboard: panel targets, annotations,
// and the selectors inside label_values() variables.
func queries(t *testing.T, d dashboard.Dashboard) []query {
	t.Helper()
	var out []query
	for _, p := range d.Panels {
		if p.Panel == nil {
			continue
		}
		for _, target := range p.Panel.Targets {
			q, ok := target.(gprom.Dataquery)
			if !ok {
				t.Fatalf("%s / %s: target %T is not a Prometheus query", *d.Title, *p.Panel.Title, target)
			}
			out = append(out, query{where: *d.Title + " / " + *p.Panel.Title + " / " + *q.RefId, expr: q.Expr})
		}
	}
	for _, a := range d.Annotations.List {
		if a.Expr != nil {
			out = append(out, query{where: *d.Title + " / annotation " + a.Name, expr: *a.Expr, annotation: true})
		}
	}
	labelValues := regexp.MustCompile(`^label_values\((.+), (\w+)\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(*v.Query.String)
		if m == nil {
			t.Fatalf("%s: variable %s: query %q is not label_values(selector, label)", *d.Title, v.Name, *v.Query.String)
		}
		out = append(out, query{where: *d.Title + " / variable " + v.Name, expr: m[1]})
	}
	return out
}

// substitute replaces Grafana's variables the way Grafana would for a
// range starting at from, with every grouping value selected.
func substitute(expr string, from time.Time) string {
	expr = strings.ReplaceAll(expr, grafana.RateInterval, "1m")
	expr = strings.ReplaceAll(expr, grafana.RangeStart, strconv.FormatInt(from.Unix(), 10))
	return regexp.MustCompile(`"\$\w+"`).ReplaceAllString(expr, `".*"`)
}

// seenFrom copies the services with each spec named relative to dir.
func seenFrom(t *testing.T, dir string, svcs []*slo.Service) []*slo.Service {
	t.Helper()
	out := make([]*slo.Service, len(svcs))
	for i, svc := range svcs {
		c := *svc
		rel, err := filepath.Rel(dir, svc.File)
		if err != nil {
			t.Fatal(err)
		}
		c.File = filepath.ToSlash(rel)
		out[i] = &c
	}
	return out
}

func allDashboards(t *testing.T, svcs []*slo.Service) []dashboard.Dashboard {
	t.Helper()
	var all []dashboard.Dashboard
	for _, svc := range svcs {
		ds, err := grafana.Dashboards(svc)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ds...)
	}
	return append(all, fleetDashboards(t)...)
}

// fleetDashboards are the fleet's overview and detail.
func fleetDashboards(t *testing.T) []dashboard.Dashboard {
	t.Helper()
	overview, err := grafana.FleetOverview()
	if err != nil {
		t.Fatal(err)
	}
	detail, err := grafana.FleetDetail()
	if err != nil {
		t.Fatal(err)
	}
	return []dashboard.Dashboard{overview, detail}
}

// The checked-in dashboards/ are what the example specs generate; the
// Kubernetes packagings are golden files. go test ./generators/grafana
// -update rewrites both (make generate rewrites dashboards/ too).
func TestGoldenDashboards(t *testing.T) {
	svcs := exampleServices(t)
	for _, tc := range []struct {
		format grafana.Format
		dir    string
	}{
		{grafana.FormatJSON, "../../dashboards"},
		{grafana.FormatConfigMap, "testdata/configmap"},
		{grafana.FormatGrafanaOperator, "testdata/grafana-operator"},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			// Written into a folder, a file names its spec relative to
			// the folder, as `slokit dashboards -o DIR` does.
			svcs := seenFrom(t, tc.dir, svcs)
			files, err := generators.Collect(grafana.Files(grafana.Output{Format: tc.format}, svcs))
			if err != nil {
				t.Fatal(err)
			}
			again, _ := generators.Collect(grafana.Files(grafana.Output{Format: tc.format}, svcs))
			names := map[string]bool{}
			for i, f := range files {
				if !bytes.Equal(f.Content, again[i].Content) {
					t.Errorf("%s differs between two runs", f.Name)
				}
				goldens.Assert(t, filepath.Join(tc.dir, f.Name), f.Content)
				names[f.Name] = true
			}
			// Nothing left over from services or SLOs that are gone.
			entries, err := os.ReadDir(tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if ext := filepath.Ext(e.Name()); (ext == ".json" || ext == ".yaml") && !names[e.Name()] && !strings.HasPrefix(e.Name(), ".") {
					t.Errorf("%s: %s is not generated from specs/ any more: delete it (make generate does)", tc.dir, e.Name())
				}
			}
		})
	}
}

// Every query parses as PromQL and as MetricsQL, and every recorded series
// a panel reads is one the generated rules record, with the labels the
// panel selects on: renaming a series or a label breaks this test. A
// journey's panels read its members' series, of other services.
func TestQueriesReadWhatTheRulesRecord(t *testing.T) {
	svcs := exampleServices(t)
	p := parser.NewParser(parser.Options{})
	var recorded []map[string]string // labels of every recording rule, __name__ included
	alerts := map[string]bool{}
	for _, svc := range svcs {
		for _, g := range promrules.Groups(svc) {
			for _, r := range g.Rules {
				if r.Alert != "" {
					alerts[r.Alert] = true
					continue
				}
				ls := map[string]string{"__name__": r.Record}
				for k, v := range r.Labels {
					ls[k] = v
				}
				recorded = append(recorded, ls)
			}
		}
	}
	for _, svc := range svcs {
		ds, err := grafana.Dashboards(svc)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			for _, q := range queries(t, d) {
				expr := substitute(q.expr, time.Now())
				if _, err := metricsql.Parse(expr); err != nil {
					t.Errorf("%s: MetricsQL: %v\n%s", q.where, err, expr)
				}
				ast, err := p.ParseExpr(expr)
				if err != nil {
					t.Errorf("%s: PromQL: %v\n%s", q.where, err, expr)
					continue
				}
				parser.Inspect(ast, func(n parser.Node, _ []parser.Node) error {
					vs, ok := n.(*parser.VectorSelector)
					switch {
					case !ok:
					case vs.Name == "ALERTS":
						for _, m := range vs.LabelMatchers {
							if m.Name == "alertname" && !alerts[m.Value] {
								t.Errorf("%s: reads alert %s, which the rules do not define", q.where, m.Value)
							}
						}
					case strings.Contains(vs.Name, ":"):
						if !slices.ContainsFunc(recorded, func(ls map[string]string) bool { return selects(vs.LabelMatchers, ls) }) {
							t.Errorf("%s: reads %s, which no rule records", q.where, vs)
						}
					}
					return nil
				})
			}
		}
	}
}

// selects reports whether the matchers on labels slokit's rules set (the
// metric name, service, slo, window, objective, threshold) accept a rule's
// labels. Grouping labels come from the data, not the rule.
func selects(ms []*labels.Matcher, ls map[string]string) bool {
	for _, m := range ms {
		switch m.Name {
		case "__name__", series.ServiceLabel, series.SLOLabel, series.WindowLabel, series.ObjectiveLabel, series.ThresholdLabel:
			if !m.Matches(ls[m.Name]) {
				return false
			}
		}
	}
	return true
}

// The JSON is Grafana's dashboard model exactly: it reads back into the
// foundation SDK's types and writes out the same, field for field.
func TestDashboardsRoundTripThroughTheSDK(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	for _, d := range allDashboards(t, exampleServices(t)) {
		out, err := grafana.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back dashboard.Dashboard
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%s: %v", *d.Title, err)
		}
		again, err := grafana.Marshal(back)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		_ = json.Unmarshal(out, &a)
		_ = json.Unmarshal(again, &b)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s does not survive a round trip through the SDK's types", *d.Title)
		}
	}
}

// UIDs are unique over every dashboard, valid for Grafana (at most 40
// characters of letters, digits and dashes), and distinct for services
// whose names share a long prefix.
func TestUIDs(t *testing.T) {
	svcs := exampleServices(t)
	more, diags := slo.Parse([]byte(`apiVersion: slokit.dev/v1
kind: ServiceLevels
service: order-api-europe-west-production
slos:
  - name: availability
    objective: 99.9
    sli: {ratio: {errors: 'a{code="500"}', total: a}}
---
apiVersion: slokit.dev/v1
kind: ServiceLevels
service: order-api-europe-west-production-canary
slos:
  - name: availability
    objective: 99.9
    sli: {ratio: {errors: 'a{code="500"}', total: a}}
`))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	valid := regexp.MustCompile(`^[a-z0-9-]{1,40}$`)
	for _, d := range allDashboards(t, append(svcs, more...)) {
		if !valid.MatchString(*d.Uid) {
			t.Errorf("%s: uid %q is not a valid Grafana uid", *d.Title, *d.Uid)
		}
		if prev, dup := seen[*d.Uid]; dup {
			t.Errorf("%s and %s share the uid %s", prev, *d.Title, *d.Uid)
		}
		seen[*d.Uid] = *d.Title
	}
	if grafana.OverviewUID("payment") != "payment-"+grafana.OverviewUID("payment")[len("payment-"):] {
		t.Errorf("the uid does not start with the service: %s", grafana.OverviewUID("payment"))
	}
}

// The Kubernetes packagings carry the dashboard JSON intact, with the
// sidecar label on ConfigMaps.
func TestKubernetesPackaging(t *testing.T) {
	svcs := exampleServices(t)
	jsonFiles, _ := generators.Collect(grafana.Files(grafana.Output{Format: grafana.FormatJSON}, svcs))
	want := map[string]string{}
	for _, f := range jsonFiles {
		want[f.Name] = string(f.Content)
	}
	for _, format := range []grafana.Format{grafana.FormatConfigMap, grafana.FormatGrafanaOperator} {
		files, err := generators.Collect(grafana.Files(grafana.Output{Format: format}, svcs))
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, f := range files {
			if !bytes.HasPrefix(f.Content, []byte(generators.Header)) {
				t.Errorf("%s: no generated-code header", f.Name)
			}
			dec := yaml.NewDecoder(bytes.NewReader(f.Content))
			for {
				var obj struct {
					Kind     string
					Metadata struct{ Labels map[string]string }
					Data     map[string]string
					Spec     struct{ JSON string }
				}
				if err := dec.Decode(&obj); err != nil {
					break
				}
				found++
				switch format {
				case grafana.FormatConfigMap:
					if obj.Kind != "ConfigMap" || obj.Metadata.Labels[grafana.SidecarLabel] != "1" || len(obj.Data) != 1 {
						t.Errorf("%s: %+v", f.Name, obj)
					}
					for name, content := range obj.Data {
						if want[name] != content {
							t.Errorf("%s: %s differs from the JSON output", f.Name, name)
						}
					}
				default:
					if obj.Kind != "GrafanaDashboard" || !slices.Contains(mapsValues(want), obj.Spec.JSON) {
						t.Errorf("%s: a GrafanaDashboard without one of the dashboards' JSON", f.Name)
					}
				}
			}
		}
		if found != len(jsonFiles) {
			t.Errorf("%s: %d objects, want %d", format, found, len(jsonFiles))
		}
	}
}

func mapsValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// A rendered view: every panel query of the example specs' dashboards,
// run on the embedded engine over six hours of the outage scenario with
// the rules evaluated, returns data. No empty panels.
func TestEveryPanelShowsData(t *testing.T) {
	if testing.Short() {
		t.Skip("computes the rules over six hours of traffic")
	}
	svcs := exampleServices(t)
	sc, err := scenario.Lookup("outage")
	if err != nil {
		t.Fatal(err)
	}
	b, end := simtest.Replayed(t, svcs, sc.Name, 0, sc.Duration)
	panels := 0
	for _, d := range allDashboards(t, svcs) {
		for _, q := range queries(t, d) {
			if q.annotation {
				continue
			}
			v, _, err := b.Engine.Query(context.Background(), substitute(q.expr, b.Start()), end)
			if err != nil {
				t.Errorf("%s: %v", q.where, err)
				continue
			}
			if len(v) == 0 {
				t.Errorf("%s: no data\n%s", q.where, q.expr)
			}
			// The order placement journey's three members share what it
			// spent: each a part, together all of it.
			if strings.Contains(q.where, "Members' shares") {
				sum := 0.0
				for _, smp := range v {
					sum += float64(smp.F)
				}
				if len(v) != 3 || math.Abs(sum-1) > 1e-9 {
					t.Errorf("%s: %v, want three shares adding up to 1", q.where, v)
				}
			}
			panels++
		}
	}
	if panels < 100 {
		t.Errorf("only %d queries checked", panels)
	}
}

// Dashboards read as written: no HTML escapes in queries and titles, and
// text that itself holds an escape survives.
func TestJSONKeepsQueriesReadable(t *testing.T) {
	svcs := exampleServices(t)
	svcs[0].SLOs[0].Description = `p99 < 500ms & "fast" \u003c`
	d, err := grafana.Detail(svcs[0].SLOs[0])
	if err != nil {
		t.Fatal(err)
	}
	out, err := grafana.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`p99 < 500ms & \"fast\" \\u003c"`)) {
		t.Errorf("description not kept as written:\n%s", out[:400])
	}
	var back dashboard.Dashboard
	if err := json.Unmarshal(out, &back); err != nil || *back.Description != *d.Description {
		t.Errorf("description after a round trip: %v %q", err, *back.Description)
	}
}

// Every variable a query uses is one the dashboard defines, or one of
// Grafana's own.
func TestQueriesUseDefinedVariables(t *testing.T) {
	builtin := map[string]bool{"__rate_interval": true, "__from": true, "__to": true, "__range": true, "__interval": true}
	variable := regexp.MustCompile(`\$\{?(\w+)`)
	for _, d := range allDashboards(t, exampleServices(t)) {
		defined := map[string]bool{}
		for _, v := range d.Templating.List {
			defined[v.Name] = true
		}
		for _, q := range queries(t, d) {
			for _, m := range variable.FindAllStringSubmatch(q.expr, -1) {
				if !defined[m[1]] && !builtin[m[1]] {
					t.Errorf("%s: uses $%s, which the dashboard does not define\n%s", q.where, m[1], q.expr)
				}
			}
		}
	}
}

// A raw SLI records an error ratio and no event counts: its dashboard
// reads only what its rules record.
func TestRawSLIDashboardReadsWhatItsRulesRecord(t *testing.T) {
	svcs, diags := slo.Parse([]byte(`apiVersion: slokit.dev/v1
kind: ServiceLevels
service: wifi
slos:
  - name: satisfaction
    objective: 95
    sli:
      raw:
        errorRatio: 1 - avg(avg_over_time(client_satisfaction_ratio[$window]))
`))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	recorded := map[string]bool{}
	for _, g := range promrules.Groups(svcs[0]) {
		for _, r := range g.Rules {
			recorded[r.Record] = true
		}
	}
	d, err := grafana.Detail(svcs[0].SLOs[0])
	if err != nil {
		t.Fatal(err)
	}
	p := parser.NewParser(parser.Options{})
	for _, q := range queries(t, d) {
		ast, err := p.ParseExpr(substitute(q.expr, time.Now()))
		if err != nil {
			t.Fatalf("%s: %v", q.where, err)
		}
		parser.Inspect(ast, func(n parser.Node, _ []parser.Node) error {
			if vs, ok := n.(*parser.VectorSelector); ok && strings.Contains(vs.Name, ":") && !recorded[vs.Name] {
				t.Errorf("%s reads %s, which a raw SLI's rules do not record", q.where, vs.Name)
			}
			return nil
		})
	}
}

// Service a's SLO b and service a.b would both write a.b.json: refused,
// naming both, instead of one dashboard silently replacing the other.
func TestDashboardFileNamesNeverCollide(t *testing.T) {
	services, diags := slo.Parse([]byte(`apiVersion: slokit.dev/v1
kind: ServiceLevels
service: a
slos:
  - {name: b, objective: 99.9, sli: {ratio: {errors: 'x{code="5"}', total: x}}}
---
apiVersion: slokit.dev/v1
kind: ServiceLevels
service: a.b
slos:
  - {name: c, objective: 99.9, sli: {ratio: {errors: 'y{code="5"}', total: y}}}
`))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []grafana.Format{grafana.FormatJSON, grafana.FormatConfigMap} {
		_, err := generators.Collect(grafana.Files(grafana.Output{Format: f}, services))
		if err == nil || !strings.Contains(err.Error(), "SLO b of service a") || !strings.Contains(err.Error(), "service a.b") {
			t.Errorf("%s: want an error naming both, got %v", f, err)
		}
	}
}

// The Kubernetes packagings take the user's namespace, labels and
// annotations, a folder (the GrafanaDashboard's, or the annotation the
// sidecar reads) and the operator's instance selector; settings that do
// not apply to a format are refused before anything is written.
func TestKubernetesPackagingOptions(t *testing.T) {
	svcs := exampleServices(t)[:1]
	meta := generators.ObjectMeta{Namespace: "monitoring", Labels: map[string]string{"release": "x"}, Annotations: map[string]string{"owner": "sre"}}
	type object struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Namespace   string            `yaml:"namespace"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"metadata"`
		Spec struct {
			Folder                    string `yaml:"folder"`
			AllowCrossNamespaceImport bool   `yaml:"allowCrossNamespaceImport"`
			InstanceSelector          struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"instanceSelector"`
		} `yaml:"spec"`
	}
	decode := func(o grafana.Output) []object {
		t.Helper()
		files, err := generators.Collect(grafana.Files(o, svcs))
		if err != nil {
			t.Fatal(err)
		}
		var out []object
		dec := yaml.NewDecoder(bytes.NewReader(files[0].Content))
		for {
			var obj object
			if dec.Decode(&obj) != nil {
				return out
			}
			out = append(out, obj)
		}
	}
	for _, obj := range decode(grafana.Output{Format: grafana.FormatGrafanaOperator, Objects: meta, Folder: "SLOs",
		InstanceSelector: map[string]string{"app": "grafana"}, AllowCrossNamespaceImport: true}) {
		m, spec := obj.Metadata, obj.Spec
		if obj.Kind != "GrafanaDashboard" || m.Namespace != "monitoring" || m.Labels["release"] != "x" || m.Annotations["owner"] != "sre" ||
			spec.Folder != "SLOs" || !spec.AllowCrossNamespaceImport || len(spec.InstanceSelector.MatchLabels) != 1 || spec.InstanceSelector.MatchLabels["app"] != "grafana" {
			t.Errorf("operator object: %+v", obj)
		}
	}
	objs := decode(grafana.Output{Format: grafana.FormatConfigMap, Objects: meta, Folder: "SLOs"})
	for _, obj := range objs {
		m := obj.Metadata
		if obj.Kind != "ConfigMap" || m.Namespace != "monitoring" || m.Labels[grafana.SidecarLabel] != "1" || m.Labels["release"] != "x" ||
			m.Annotations[grafana.DefaultFolderAnnotation] != "SLOs" || m.Annotations["owner"] != "sre" {
			t.Errorf("ConfigMap: %+v", obj)
		}
	}
	if len(objs) != 1+len(svcs[0].SLOs) {
		t.Errorf("%d ConfigMaps", len(objs))
	}
	for _, tc := range []struct {
		output grafana.Output
		want   string
	}{
		{grafana.Output{Format: grafana.FormatJSON, Folder: "SLOs"}, "apply to Kubernetes objects"},
		{grafana.Output{Format: grafana.FormatConfigMap, InstanceSelector: map[string]string{"a": "b"}}, "settings of the grafana-operator format"},
		{grafana.Output{Format: grafana.FormatGrafanaOperator, FolderAnnotation: "f"}, "read by the Grafana sidecar"},
		{grafana.Output{Format: grafana.FormatGrafanaOperator, InstanceSelector: map[string]string{"a": "b c"}}, "instance selector"},
		{grafana.Output{Format: grafana.FormatConfigMap, Objects: generators.ObjectMeta{Namespace: "-x"}}, "must be a DNS label"},
	} {
		if _, err := generators.Collect(grafana.Files(tc.output, svcs)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.output, err, tc.want)
		}
	}
}

// A service of 200 SLOs gets an overview of several pages, each a
// dashboard under 512 KiB with its own UID and file, holding every SLO
// once, in order; each SLO's detail dashboard links back to its page.
func TestBigServicesGetAnOverviewOfPages(t *testing.T) {
	svcs, diags := slo.Parse([]byte(fixture.EndpointsSpec("big", 200)))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	pages := grafana.OverviewPages(svcs[0])
	files, err := generators.Collect(grafana.Files(grafana.Output{Format: grafana.FormatJSON}, svcs))
	if err != nil {
		t.Fatal(err)
	}
	// Its 7 pages and 200 details, then the fleet's overview and detail.
	if len(pages) != 7 || len(files) != 209 {
		t.Fatalf("%d pages, %d files", len(pages), len(files))
	}
	uids := map[string]bool{}
	var listed []string
	for i, f := range files[:len(pages)] {
		if want := grafana.OverviewFileName("big", i+1); f.Name != want {
			t.Errorf("page %d is %s, want %s", i+1, f.Name, want)
		}
		if len(f.Content) > 512<<10 {
			t.Errorf("%s is %d bytes", f.Name, len(f.Content))
		}
		var d struct {
			UID    string `json:"uid"`
			Title  string `json:"title"`
			Panels []struct {
				Type, Title string
			} `json:"panels"`
		}
		if err := json.Unmarshal(f.Content, &d); err != nil {
			t.Fatal(err)
		}
		if d.UID != grafana.OverviewPageUID("big", i+1) || uids[d.UID] || d.Title != fmt.Sprintf("big SLOs (%d of 7)", i+1) {
			t.Errorf("page %d: uid %s, title %q", i+1, d.UID, d.Title)
		}
		uids[d.UID] = true
		for _, p := range d.Panels {
			if p.Type == "row" {
				listed = append(listed, strings.TrimSuffix(p.Title, ": 99.9% over 30d"))
			}
		}
	}
	if len(listed) != 200 || listed[0] != "endpoint-000" || listed[199] != "endpoint-199" {
		t.Errorf("the pages list %d SLOs: %v ... %v", len(listed), listed[:1], listed[len(listed)-1:])
	}
	// endpoint-100 is on page 4 (30 a page): its detail links there.
	detail := string(files[len(pages)+100].Content)
	if !strings.Contains(detail, `"url": "/d/`+grafana.OverviewPageUID("big", 4)+`?`) {
		t.Errorf("%s does not link to page 4", files[len(pages)+100].Name)
	}
}

// The fleet's dashboards follow their variables: on the engine, over the
// outage scenario with every example spec's rules, each query with a team,
// a service and an SLO picked returns data of those only, and "All"
// (.*) returns every service's; each recorded series they read is one
// some service's rules record.
func TestFleetDashboardsFollowTheirVariables(t *testing.T) {
	if testing.Short() {
		t.Skip("computes the rules over six hours of traffic")
	}
	svcs := exampleServices(t)
	var recorded []map[string]string
	for _, svc := range svcs {
		for _, g := range promrules.Groups(svc) {
			for _, r := range g.Rules {
				if r.Record != "" {
					ls := map[string]string{"__name__": r.Record}
					for k, v := range r.Labels {
						ls[k] = v
					}
					recorded = append(recorded, ls)
				}
			}
		}
	}
	sc, err := scenario.Lookup("outage")
	if err != nil {
		t.Fatal(err)
	}
	b, end := simtest.Replayed(t, svcs, sc.Name, 0, sc.Duration)
	checkout := map[string]bool{}
	for _, svc := range svcs {
		if svc.Labels["team"] == "checkout" {
			checkout[svc.Name] = true
		}
	}
	picked := strings.NewReplacer(`"$team"`, `"checkout"`, `"$service"`, `"order-api"`, `"$slo"`, `"order-placement-availability"`, `"$objective"`, `"99.95"`)
	p := parser.NewParser(parser.Options{})
	for _, d := range fleetDashboards(t) {
		for _, q := range queries(t, d) {
			if q.annotation {
				continue
			}
			ast, err := p.ParseExpr(substitute(q.expr, b.Start()))
			if err != nil {
				t.Fatalf("%s: %v", q.where, err)
			}
			parser.Inspect(ast, func(n parser.Node, _ []parser.Node) error {
				if vs, ok := n.(*parser.VectorSelector); ok && strings.Contains(vs.Name, ":") &&
					!slices.ContainsFunc(recorded, func(ls map[string]string) bool { return selects(vs.LabelMatchers, ls) }) {
					t.Errorf("%s: reads %s, which no rule records", q.where, vs)
				}
				return nil
			})
			all, _, err := b.Engine.Query(context.Background(), substitute(q.expr, b.Start()), end)
			if err != nil {
				t.Fatalf("%s: %v", q.where, err)
			}
			one, _, err := b.Engine.Query(context.Background(), substitute(picked.Replace(q.expr), b.Start()), end)
			if err != nil {
				t.Fatalf("%s: %v", q.where, err)
			}
			if len(all) == 0 || len(one) == 0 {
				t.Errorf("%s: %d series for every SLO, %d for the order API's availability\n%s", q.where, len(all), len(one), q.expr)
			}
			services := map[string]bool{}
			for _, s := range all {
				services[s.Metric.Get(series.ServiceLabel)] = true
			}
			// A variable is narrowed by those before it: a panel, by all.
			variable := strings.Contains(q.where, " / variable ")
			for _, s := range one {
				svc, name := s.Metric.Get(series.ServiceLabel), s.Metric.Get(series.SLOLabel)
				// The overview's service variable lists the services of the
				// team picked (the order API and the order-placement journey).
				wrongService := svc != "" && svc != "order-api" && !strings.HasSuffix(q.where, "variable team") && !strings.HasSuffix(q.where, "detail / variable service") &&
					!(strings.HasSuffix(q.where, "overview / variable service") && checkout[svc])
				wrongSLO := name != "" && name != "order-placement-availability" && !variable
				if wrongService || wrongSLO {
					t.Errorf("%s: with order-api's availability picked, it reads %s", q.where, s.Metric)
				}
			}
			if strings.Contains(q.where, "variable service") && len(services) != len(svcs) {
				t.Errorf("%s: every team lists %d services, want %d", q.where, len(services), len(svcs))
			}
		}
	}
	// The overview's table of budgets, for the logistics team only, is
	// the dispatch service's, with its team.
	overview := fleetDashboards(t)[0]
	for _, q := range queries(t, overview) {
		if !strings.Contains(q.where, "worst first") {
			continue
		}
		expr := substitute(strings.ReplaceAll(q.expr, `"$team"`, `"logistics"`), b.Start())
		v, _, err := b.Engine.Query(context.Background(), expr, end)
		if err != nil || len(v) != 1 || v[0].Metric.Get(series.ServiceLabel) != "dispatch" || v[0].Metric.Get(grafana.TeamLabel) != "logistics" {
			t.Errorf("the logistics team's budgets: %v (%v)", v, err)
		}
	}
}
