package rollouts_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	ro "github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	flagger "github.com/fluxcd/flagger/pkg/apis/flagger/v1beta1"
	"gopkg.in/yaml.v3"
	k8syaml "sigs.k8s.io/yaml"

	"github.com/slokit/slokit/canary"
	"github.com/slokit/slokit/generators"
	"github.com/slokit/slokit/generators/rollouts"
	"github.com/slokit/slokit/internal/golden"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/slo/slotest"
)

// goldens are this package's golden files: go test ./generators/rollouts
// -update rewrites them.
var goldens = golden.Flag()

func write(t *testing.T, f rollouts.Format, services []*slo.Service, o rollouts.Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := rollouts.Write(&b, f, services, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var defaults = rollouts.Options{URL: rollouts.DefaultURL, ServicePort: 80}

// documents splits a YAML stream into its documents, each as YAML.
func documents(t *testing.T, stream []byte) [][]byte {
	t.Helper()
	var out [][]byte
	dec := yaml.NewDecoder(bytes.NewReader(stream))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := yaml.Marshal(&n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
}

// decodeStrictly decodes one document into a controller's own Go type,
// refusing a field the type does not have, as the API server's strict
// field validation does.
func decodeStrictly(t *testing.T, doc []byte, into any) {
	t.Helper()
	if err := k8syaml.UnmarshalStrict(doc, into); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
}

// The example platform's objects decode strictly into Argo Rollouts'
// AnalysisTemplate (v1.10.1) and Flagger's Canary (v1.36.1): one of each
// per service, with a metric or a rollout webhook per SLO that can judge
// a canary, and the gate first in Flagger's.
func TestObjectsDecodeIntoTheControllersTypes(t *testing.T) {
	services := slotest.Load(t, "../../specs")
	o := defaults
	o.Objects = generators.ObjectMeta{Namespace: "shop", Labels: map[string]string{"team": "checkout"}}
	argo := documents(t, write(t, rollouts.FormatArgoRollouts, services, o))
	flag := documents(t, write(t, rollouts.FormatFlagger, services, o))
	// A service whose SLOs are all journeys has none.
	judged := slices.DeleteFunc(slices.Clone(services), func(svc *slo.Service) bool {
		return !slices.ContainsFunc(svc.SLOs, func(s *slo.SLO) bool { return canary.Supports(s) == nil })
	})
	if len(argo) != len(judged) || len(flag) != len(judged) || len(judged) < 4 {
		t.Fatalf("%d AnalysisTemplates and %d Canaries for %d services", len(argo), len(flag), len(judged))
	}
	for i, svc := range judged {
		var tmpl ro.AnalysisTemplate
		decodeStrictly(t, argo[i], &tmpl)
		if tmpl.Kind != "AnalysisTemplate" || tmpl.APIVersion != ro.SchemeGroupVersion.String() || tmpl.Namespace != "shop" || tmpl.Labels["team"] != "checkout" {
			t.Errorf("%s: %+v", svc.Name, tmpl.TypeMeta)
		}
		var c flagger.Canary
		decodeStrictly(t, flag[i], &c)
		if c.Kind != "Canary" || c.APIVersion != flagger.SchemeGroupVersion.String() || c.Spec.TargetRef.Name != svc.Name || c.Spec.Analysis == nil {
			t.Fatalf("%s: %+v", svc.Name, c)
		}
		hooks := c.Spec.Analysis.Webhooks
		if len(hooks) != len(tmpl.Spec.Metrics)+1 || hooks[0].Type != flagger.ConfirmRolloutHook {
			t.Errorf("%s: %d metrics, %d webhooks: %+v", svc.Name, len(tmpl.Spec.Metrics), len(hooks), hooks)
		}
		for j, m := range tmpl.Spec.Metrics {
			if hooks[j+1].Metadata == nil || m.Name != (*hooks[j+1].Metadata)["slo"] || hooks[j+1].Type != flagger.RolloutHook {
				t.Errorf("%s: metric %s, webhook %+v", svc.Name, m.Name, hooks[j+1])
			}
			// Argo Rollouts' own rule (ValidateMetric): count >=
			// failureLimit + consecutiveSuccessLimit.
			if m.Count.IntValue() < m.FailureLimit.IntValue()+m.ConsecutiveSuccessLimit.IntValue() || m.InconclusiveLimit.IntValue() >= m.Count.IntValue() {
				t.Errorf("%s: %s: count %v, limits %v %v %v", svc.Name, m.Name, m.Count, m.FailureLimit, m.ConsecutiveSuccessLimit, m.InconclusiveLimit)
			}
		}
	}
}

// The order API's objects, as reviewed.
func TestOrderAPIObjects(t *testing.T) {
	services := slotest.Load(t, "../../specs/order-api.yaml")
	goldens.Assert(t, "testdata/order-api.argo-rollouts.yaml", write(t, rollouts.FormatArgoRollouts, services, defaults))
	goldens.Assert(t, "testdata/order-api.flagger.yaml", write(t, rollouts.FormatFlagger, services, defaults))
}

// Options a controller could not use are refused, naming why; SLOs no
// canary can be judged by are named; a service with none is left out,
// and nothing at all is an error.
func TestWhatIsRefused(t *testing.T) {
	services := slotest.Load(t, "../../specs/order-api.yaml")
	for _, tc := range []struct {
		o    rollouts.Options
		says string
	}{
		{rollouts.Options{URL: "slokit:8080", ServicePort: 80}, "give scheme and host"},
		{rollouts.Options{URL: "http://u:p@slokit:8080", ServicePort: 80}, "give scheme and host"},
		{rollouts.Options{URL: rollouts.DefaultURL, ServicePort: 0}, "service port 0"},
		{rollouts.Options{URL: rollouts.DefaultURL, ServicePort: 80, Objects: generators.ObjectMeta{Namespace: "Shop"}}, "DNS label"},
	} {
		if _, err := rollouts.Write(io.Discard, rollouts.FormatFlagger, services, tc.o); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.says)
		}
	}
	leftOut, err := rollouts.Write(io.Discard, rollouts.FormatArgoRollouts, services, defaults)
	if err != nil || len(leftOut) != 1 || !strings.Contains(leftOut[0], "order-api/order-placement-p99: a timeslices SLI is not judged") {
		t.Errorf("the time-slice SLO: %v %q", err, leftOut)
	}
	raw := slotest.Load(t, "../../slo/testdata/timeslices.good.yaml")
	if _, err := rollouts.Write(io.Discard, rollouts.FormatArgoRollouts, raw, defaults); err == nil || !strings.Contains(err.Error(), "no service has an SLO that can judge a canary") {
		t.Errorf("time slices only: %v", err)
	}
}
