package openslo_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/slokit/slokit/generators/openslo"
	"github.com/slokit/slokit/generators/promrules"
	"github.com/slokit/slokit/internal/golden"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/slo/slotest"
)

// goldens are this package's golden files: go test ./generators/openslo
// -update rewrites them.
var goldens = golden.Flag()

// roundTrips are the spec sets exported and imported again: the example
// platform (whose journeys need its other services) and every good
// fixture of the loader and the importers, one by one.
func roundTrips(t *testing.T) [][]string {
	sets := [][]string{{"../../specs"}, {"testdata/renamed.yaml"}}
	for _, pattern := range []string{"../../slo/testdata/*.good.yaml", "../../slo/importer/testdata/*.good.yaml"} {
		files, err := filepath.Glob(pattern)
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v (%d files)", pattern, err, len(files))
		}
		for _, f := range files {
			sets = append(sets, []string{f})
		}
	}
	return sets
}

// sourceLine is the header line naming a rule file's spec, which differs
// between a spec and its export by design.
var sourceLine = regexp.MustCompile(`(?m)^# Source: .*\n`)

// rules are the Prometheus rules of the services, and their SLOs as
// native fields (which holds those Datadog measures too).
func rules(t *testing.T, services []*slo.Service) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, svc := range services {
		for _, s := range svc.SLOs {
			b.WriteString(slo.NativeJSON(s.NativeFields()) + "\n")
		}
	}
	services, _ = slo.WithoutDatadog(services)
	if err := promrules.Write(&b, promrules.Output{Format: promrules.FormatPrometheus}, services); err != nil {
		t.Fatal(err)
	}
	return sourceLine.ReplaceAll(b.Bytes(), nil)
}

// Exporting a spec and importing the export gives byte-identical rules,
// with no warning: nothing is lost on the way, whichever kind of SLI, period,
// tiers, policy, maintenance, grouping or regions the spec has.
func TestExportRoundTripsToTheSameRules(t *testing.T) {
	for _, set := range roundTrips(t) {
		t.Run(filepath.Base(set[0]), func(t *testing.T) {
			services, before := slo.Load(set)
			if err := before.Errors(); err != nil {
				t.Fatal(err)
			}
			var exported bytes.Buffer
			if err := openslo.Write(&exported, services); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "openslo.yaml")
			if err := os.WriteFile(path, exported.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			again, diags := slo.Load([]string{path})
			// Only the spec's own warnings come back.
			said := map[string]bool{}
			for _, d := range before {
				said[d.Message] = true
			}
			for _, d := range diags {
				if !d.Warning || !said[d.Message] {
					t.Errorf("importing the export: %v", d)
				}
			}
			want, got := rules(t, services), rules(t, again)
			if !bytes.Equal(want, got) {
				t.Errorf("the export's rules differ from the spec's:\n%s", firstDifference(want, got))
			}
		})
	}
}

func firstDifference(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "line " + itoa(i+1) + ":\n- " + al[i] + "\n+ " + bl[i]
		}
	}
	return "lengths " + itoa(len(al)) + " and " + itoa(len(bl))
}

func itoa(i int) string { return strconv.Itoa(i) }

// schema is the OpenSLO v1 schema in testdata, compiled.
func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	s, err := c.Compile("testdata/openslo-v1.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// documents are the YAML documents of an export, as JSON values.
func documents(t *testing.T, data []byte) []any {
	t.Helper()
	var out []any
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var v any
		if err := dec.Decode(&v); err != nil {
			if err.Error() == "EOF" {
				return out
			}
			t.Fatal(err)
		}
		// Through JSON: the validator takes JSON's types.
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var j any
		if err := json.Unmarshal(b, &j); err != nil {
			t.Fatal(err)
		}
		out = append(out, j)
	}
}

// Every document of every export is valid OpenSLO v1.
func TestExportedDocumentsAreValidOpenSLO(t *testing.T) {
	s := schema(t)
	kinds := map[string]int{}
	for _, set := range roundTrips(t) {
		var exported bytes.Buffer
		if err := openslo.Write(&exported, slotest.Load(t, set...)); err != nil {
			t.Fatal(err)
		}
		for i, doc := range documents(t, exported.Bytes()) {
			if err := s.Validate(doc); err != nil {
				t.Errorf("%s: document %d: %v", set[0], i, err)
			}
			kinds[doc.(map[string]any)["kind"].(string)]++
		}
	}
	for _, k := range []string{"Service", "DataSource", "SLI", "SLO", "AlertPolicy", "AlertCondition", "AlertNotificationTarget"} {
		if kinds[k] == 0 {
			t.Errorf("no %s exported", k)
		}
	}
}

// The schema refuses what OpenSLO v1 does: it is no test if it cannot.
func TestTheSchemaRefusesInvalidDocuments(t *testing.T) {
	s := schema(t)
	for name, doc := range map[string]string{
		"name not a DNS label":    "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: Order_API}\nspec: {}",
		"unknown field":           "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: a}\nspec: {owner: me}",
		"SLO without its service": "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {indicatorRef: b, timeWindow: [{duration: 30d, isRolling: true}], budgetingMethod: Occurrences, objectives: [{target: 0.99}]}",
		"a target in percent":     "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {service: s, indicatorRef: b, timeWindow: [{duration: 30d, isRolling: true}], budgetingMethod: Occurrences, objectives: [{target: 99}]}",
		"two conditions":          "apiVersion: openslo/v1\nkind: AlertPolicy\nmetadata: {name: a}\nspec: {conditions: [{conditionRef: b}, {conditionRef: c}], notificationTargets: [{targetRef: d}]}",
		"a window of two units":   "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {service: s, indicatorRef: b, timeWindow: [{duration: 1d12h, isRolling: true}], budgetingMethod: Occurrences, objectives: [{target: 0.99}]}",
		"good and bad in a ratio": "apiVersion: openslo/v1\nkind: SLI\nmetadata: {name: a}\nspec: {ratioMetric: {counter: true, good: {metricSource: {type: Prometheus, spec: {}}}, bad: {metricSource: {type: Prometheus, spec: {}}}, total: {metricSource: {type: Prometheus, spec: {}}}}}",
		"time slices without one": "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {service: s, indicatorRef: b, timeWindow: [{duration: 30d, isRolling: true}], budgetingMethod: Timeslices, objectives: [{target: 0.99}]}",
	} {
		if err := s.Validate(documents(t, []byte(doc))[0]); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The order API's export, reviewed as a diff.
func TestOrderAPIExport(t *testing.T) {
	var b bytes.Buffer
	if err := openslo.Write(&b, slotest.Load(t, "../../specs/order-api.yaml")); err != nil {
		t.Fatal(err)
	}
	goldens.Assert(t, "testdata/order-api.yaml", b.Bytes())
}

// Names are DNS labels, and names that differ stay apart.
func TestNamesAreDNSLabels(t *testing.T) {
	for in, want := range map[string]string{
		"order-api":             "order-api",
		"Order_API.v2":          "order-api-v2-",
		strings.Repeat("a", 70): strings.Repeat("a", 54) + "-",
	} {
		got := openslo.Name(in)
		if !strings.HasPrefix(got, want) || len(got) > 63 {
			t.Errorf("Name(%q) = %q, want %q...", in, got, want)
		}
	}
	if openslo.Name("a.b") == openslo.Name("a_b") {
		t.Error("a.b and a_b have one name")
	}
}
