package datadog_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadogV1"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/slokit/slokit/generators/datadog"
	"github.com/slokit/slokit/internal/golden"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/slo/slotest"
)

// goldens are this package's golden files: go test ./generators/datadog
// -update rewrites them.
var goldens = golden.Flag()

// specs are the specs Datadog objects are written for: the order API on
// Datadog (Datadog SLIs) and ratio SLIs translated from PromQL.
var specs = []string{"../../slo/testdata/datadog.good.yaml", "testdata/translated.yaml"}

func write(t *testing.T, f datadog.Format, services []*slo.Service) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := datadog.Write(&b, f, services); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// unparsed is what the Datadog client could not take of a decoded model:
// an object it did not parse, or fields it does not know.
type unparsed interface {
	GetUnparsedObject() map[string]any
	GetAdditionalProperties() map[string]any
}

func strictly[T any](t *testing.T, what string, v any, models ...func(*T) []unparsed) *T {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m T
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, data)
	}
	for _, parts := range models {
		for _, p := range parts(&m) {
			if p.GetUnparsedObject() != nil || len(p.GetAdditionalProperties()) > 0 {
				t.Errorf("%s: the Datadog client does not take it all: unparsed %v, unknown fields %v\n%s", what, p.GetUnparsedObject(), p.GetAdditionalProperties(), data)
			}
		}
	}
	return &m
}

func sloParts(r *datadogV1.ServiceLevelObjectiveRequest) []unparsed {
	parts := []unparsed{unparsedOf(r.UnparsedObject, r.AdditionalProperties)}
	if q, ok := r.GetQueryOk(); ok {
		parts = append(parts, unparsedOf(q.UnparsedObject, q.AdditionalProperties))
	}
	for _, th := range r.Thresholds {
		parts = append(parts, unparsedOf(th.UnparsedObject, th.AdditionalProperties))
	}
	return parts
}

func monitorParts(m *datadogV1.Monitor) []unparsed {
	parts := []unparsed{unparsedOf(m.UnparsedObject, m.AdditionalProperties)}
	if o, ok := m.GetOptionsOk(); ok {
		parts = append(parts, unparsedOf(o.UnparsedObject, o.AdditionalProperties))
		if th, ok := o.GetThresholdsOk(); ok {
			parts = append(parts, unparsedOf(th.UnparsedObject, th.AdditionalProperties))
		}
	}
	return parts
}

type parts struct{ object, additional map[string]any }

func (p parts) GetUnparsedObject() map[string]any       { return p.object }
func (p parts) GetAdditionalProperties() map[string]any { return p.additional }

func unparsedOf(object, additional map[string]any) unparsed { return parts{object, additional} }

// burnRate is the query of a burn-rate monitor, in Datadog's syntax.
var burnRate = regexp.MustCompile(`^burn_rate\("SLO_ID"\)\.over\("(7d|30d|90d)"\)\.long_window\("(\d+[mh])"\)\.short_window\("(\d+[mh])"\) > ([0-9.]+)$`)

// Every SLO and monitor of the API format decodes strictly into the
// Datadog API client's models (unknown fields or values fail), and there
// is a burn-rate monitor for each of the SLO's tiers, with its windows and
// factor, and an error-budget monitor for each budget alert.
func TestObjectsDecodeStrictlyIntoTheDatadogClientModels(t *testing.T) {
	services := slotest.Load(t, specs...)
	all, err := datadog.Services(services)
	if err != nil {
		t.Fatal(err)
	}
	objectives := 0
	for i, svc := range all {
		for _, o := range svc.Objectives {
			objectives++
			req := strictly(t, o.Key, o.SLO, sloParts)
			if req.GetType() != datadogV1.SLOTYPE_METRIC || req.Query.Numerator == "" {
				t.Errorf("%s: type %s, query %+v", o.Key, req.GetType(), req.Query)
			}
			s := sloNamed(t, services[i], o.SLO.Name)
			var tiers []string
			for _, m := range o.Monitors {
				mon := strictly(t, m.Name, m, monitorParts)
				if mon.Type != datadogV1.MONITORTYPE_SLO_ALERT {
					t.Errorf("%s: type %q", m.Name, mon.Type)
				}
				if g := burnRate.FindStringSubmatch(mon.Query); g != nil {
					tiers = append(tiers, strings.Join(g[1:], " "))
					if th := mon.Options.Thresholds.GetCritical(); strconv.FormatFloat(th, 'f', -1, 64) != g[4] {
						t.Errorf("%s: critical %v, query's factor %s", m.Name, th, g[4])
					}
				}
			}
			var want []string
			for _, tier := range s.Alerting.Tiers {
				want = append(want, fmt.Sprintf("%dd %s %s %s", s.Period/(24*time.Hour), window(tier.Long), window(tier.Short), strconv.FormatFloat(tier.Factor, 'f', -1, 64)))
			}
			if !slices.Equal(tiers, want) {
				t.Errorf("%s: burn-rate monitors %q, want the tiers %q", o.Key, tiers, want)
			}
			if budget := len(o.Monitors) - len(tiers); budget != len(s.Alerting.Budget.Spent) {
				t.Errorf("%s: %d budget monitors, want %d", o.Key, budget, len(s.Alerting.Budget.Spent))
			}
		}
	}
	if objectives != 6 {
		t.Errorf("%d Datadog SLOs, want 6 (one per objective)", objectives)
	}
}

func window(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

func sloNamed(t *testing.T, svc *slo.Service, name string) *slo.SLO {
	t.Helper()
	for _, s := range svc.SLOs {
		if name == svc.Name+"/"+s.Name || strings.HasPrefix(name, svc.Name+"/"+s.Name+" (") {
			return s
		}
	}
	t.Fatalf("no SLO of %s behind %q", svc.Name, name)
	return nil
}

// The strict check fails on a field the Datadog client does not know: it
// is no test otherwise.
func TestTheStrictCheckFailsOnUnknownFields(t *testing.T) {
	var m datadogV1.Monitor
	if err := json.Unmarshal([]byte(`{"name": "x", "type": "slo alert", "query": "q", "burn": 1}`), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.AdditionalProperties) == 0 {
		t.Error("an unknown field went unnoticed")
	}
	if err := json.Unmarshal([]byte(`{"name": "x", "type": "slo alarm", "query": "q"}`), &m); err != nil {
		t.Fatal(err)
	}
	if m.UnparsedObject == nil {
		t.Error("an unknown monitor type went unnoticed")
	}
}

// The Terraform parses with HashiCorp's HCL parser: an SLO resource per
// Datadog SLO and a monitor resource per monitor, each monitor's query a
// template that refers to its SLO's id.
func TestTerraformParses(t *testing.T) {
	services := slotest.Load(t, specs...)
	data := write(t, datadog.FormatTerraform, services)
	file, diags := hclparse.NewParser().ParseHCL(data, "datadog.tf")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	all, _ := datadog.Services(services)
	want := map[string]int{}
	for _, svc := range all {
		for _, o := range svc.Objectives {
			want["datadog_service_level_objective"]++
			want["datadog_monitor"] += len(o.Monitors)
		}
	}
	got := map[string]int{}
	for _, b := range file.Body.(*hclsyntax.Body).Blocks {
		if b.Type != "resource" || len(b.Labels) != 2 {
			t.Fatalf("block %s %v", b.Type, b.Labels)
		}
		got[b.Labels[0]]++
		if b.Labels[0] != "datadog_monitor" {
			continue
		}
		query := b.Body.Attributes["query"]
		refs := query.Expr.Variables()
		if len(refs) != 1 || refs[0].RootName() != "datadog_service_level_objective" || !strings.HasPrefix(b.Labels[1], refs[0][1].(hcl.TraverseAttr).Name+"_") {
			t.Errorf("%s: the query refers to %v, not to its SLO's id", b.Labels[1], refs)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("resources %v, want %v", got, want)
	}
	goldens.Assert(t, "testdata/datadog.tf", data)
	goldens.Assert(t, "testdata/datadog.json", write(t, datadog.FormatJSON, services))
}

// A spec the Datadog formats cannot write is refused whole, every SLO
// named with its reason: the example platform's SLIs read Prometheus
// series Datadog has no exact query for.
func TestUntranslatableSLOsAreNamed(t *testing.T) {
	_, err := datadog.Services(slotest.Load(t, "../../specs"))
	if err == nil {
		t.Fatal("specs/ written for Datadog")
	}
	for _, want := range []string{
		`order-api/order-placement-availability: http_requests_total{job="order-api",handler="/orders",code=~"5.."}: regex code=~"5.." has no exact Datadog tag filter`,
		"order-api/order-placement-latency: a latency SLI has no Datadog translation",
		"payment/payment-processing-availability: a grouped SLO is not translated",
		"dispatch/courier-assignment: a Datadog SLO's period is 7d, 30d or 90d, not 28d",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

// Selectors translate to Datadog queries only where a tag filter says
// exactly what the matcher does.
func TestSelectorTranslation(t *testing.T) {
	for sel, want := range map[string]string{
		`requests_total`:                            "sum:requests_total{*}.as_count()",
		`requests_total{job="api",code!="404"}`:     "sum:requests_total{job:api,!code:404}.as_count()",
		`requests_total{code=~"500|503"}`:           "sum:requests_total{code IN (500,503)}.as_count()",
		`requests_total{job="api",code!~"500|503"}`: "sum:requests_total{job:api AND code NOT IN (500,503)}.as_count()",
		`requests_total{Region=~"EU.*"}`:            "sum:requests_total{region:eu*}.as_count()",
		`requests_total{code=~"5.."}`:               "error",
		`requests_total{path="/a b"}`:               "error",
		`requests_total{code=~"5.*|4.*"}`:           "error",
	} {
		spec := fmt.Sprintf("apiVersion: slokit.dev/v1\nkind: ServiceLevels\nservice: s\nslos:\n  - name: a\n    objective: 99\n    sli:\n      ratio:\n        good: '%s'\n        total: all_requests_total\n", sel)
		services, diags := slo.Parse([]byte(spec))
		if err := diags.Errors(); err != nil {
			t.Fatal(err)
		}
		objectives, err := datadog.Objectives(services[0].SLOs[0])
		switch {
		case want == "error" && err == nil:
			t.Errorf("%s: translated to %s", sel, objectives[0].SLO.Query.Numerator)
		case want != "error" && err != nil:
			t.Errorf("%s: %v", sel, err)
		case want != "error" && objectives[0].SLO.Query.Numerator != want:
			t.Errorf("%s: %s, want %s", sel, objectives[0].SLO.Query.Numerator, want)
		}
	}
}
