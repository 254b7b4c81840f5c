package rollouts_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/argoproj/argo-rollouts/metricproviders/webmetric"
	ro "github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	argotemplate "github.com/argoproj/argo-rollouts/utils/template"
	flagger "github.com/fluxcd/flagger/pkg/apis/flagger/v1beta1"
	log "github.com/sirupsen/logrus"

	"github.com/slokit/slokit/canary/canarytest"
	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/generators/rollouts"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/slo/slotest"
	"github.com/slokit/slokit/store/files"
)

// rollout serves the canary check of the order API over 30 minutes of a
// 95/5 split: the stable pods (Flagger's primary), and canaries as good
// as them, with 25 times their errors (one of Flagger's pods), and a
// trickle of 3 requests in ten minutes.
func rollout(t *testing.T) (services []*slo.Service, url string) {
	t.Helper()
	start := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	side := func(hash, pod string, perSecond, bad float64) canarytest.Side {
		return canarytest.Side{Labels: []string{"handler", "/orders", "rollouts_pod_template_hash", hash, "namespace", "shop", "pod", pod}, PerSecond: perSecond, Bad: bad, Slow: 0.002}
	}
	e := canarytest.Engine(t, start, 30*time.Minute,
		side("stable", "order-api-primary-5c8d9-x1x2z", 95, 0.0002), side("good", "web-6d4f1-a1b2c", 5, 0.0002),
		side("bad", "order-api-7b9e4-q8w2e", 5, 0.005), side("trickle", "web-8a8a8-z9z9z", 0.005, 0.2))
	services = slotest.Load(t, "../../specs/order-api.yaml")
	st, err := files.OpenFileStore(t.TempDir(), files.AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := serve.New(serve.Options{Services: services, Querier: engine.ModelQuerier{Engine: e}, Token: "test-token", Store: st,
		Now: func() time.Time { return start.Add(30 * time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return services, srv.URL
}

// Argo Rollouts' own web provider, given the generated AnalysisTemplate
// with the Rollout's arguments filled in as its controller does, reads
// the verdict by the template's JSON path, and its conditions make a pass
// Successful, a fail Failed and an inconclusive answer Inconclusive.
func TestArgoRolloutsWebProviderReadsTheVerdict(t *testing.T) {
	services, url := rollout(t)
	var tmpl ro.AnalysisTemplate
	decodeStrictly(t, write(t, rollouts.FormatArgoRollouts, services, rollouts.Options{URL: url, ServicePort: 80}), &tmpl)
	for _, tc := range []struct {
		hash         string
		availability ro.AnalysisPhase
		latency      ro.AnalysisPhase
	}{
		{"good", ro.AnalysisPhaseSuccessful, ro.AnalysisPhaseSuccessful},
		{"bad", ro.AnalysisPhaseFailed, ro.AnalysisPhaseSuccessful},
		{"trickle", ro.AnalysisPhaseInconclusive, ro.AnalysisPhaseInconclusive},
	} {
		args := tmpl.Spec.Args
		for i := range args {
			switch args[i].Name {
			case rollouts.ArgCanaryHash:
				args[i].Value = &tc.hash
			case rollouts.ArgStableHash:
				stable := "stable"
				args[i].Value = &stable
			}
		}
		want := map[string]ro.AnalysisPhase{"order-placement-availability": tc.availability, "order-placement-latency": tc.latency}
		for _, m := range tmpl.Spec.Metrics {
			m = resolve(t, m, args)
			client, err := webmetric.NewWebMetricHttpClient(m)
			if err != nil {
				t.Fatal(err)
			}
			parser, err := webmetric.NewWebMetricJsonParser(m)
			if err != nil {
				t.Fatal(err)
			}
			got := webmetric.NewWebMetricProvider(*log.NewEntry(log.New()), client, parser).Run(&ro.AnalysisRun{}, m)
			if got.Phase != want[m.Name] {
				t.Errorf("canary %s, %s: %s (%q %s), want %s", tc.hash, m.Name, got.Phase, got.Value, got.Message, want[m.Name])
			}
		}
	}
}

// resolve fills a metric's {{args.…}} in as Argo Rollouts' controller
// does (its ResolveMetricArgs, whose package needs Kubernetes itself):
// in the metric's JSON, with the values quoted for it.
func resolve(t *testing.T, m ro.Metric, args []ro.Argument) ro.Metric {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	resolved, err := argotemplate.ResolveQuotedArgs(string(b), args)
	if err != nil {
		t.Fatal(err)
	}
	var out ro.Metric
	if err := json.Unmarshal([]byte(resolved), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Flagger's rollout webhooks, as its controller sends them (its
// CanaryWebhookPayload with the webhook's metadata), get 200 for an SLO
// the canary passes and a refusal for one it fails: the canary's pods
// and the primary's are found by the Canary's name and namespace.
func TestFlaggerWebhooksGetTheVerdict(t *testing.T) {
	services, url := rollout(t)
	var c flagger.Canary
	decodeStrictly(t, write(t, rollouts.FormatFlagger, services, rollouts.Options{URL: url, ServicePort: 80}), &c)
	want := map[string]int{"order-placement-availability": http.StatusForbidden, "order-placement-latency": http.StatusOK}
	for _, hook := range c.Spec.Analysis.Webhooks {
		if hook.Type != flagger.RolloutHook {
			continue
		}
		payload := flagger.CanaryWebhookPayload{Name: c.Name, Namespace: "shop", Phase: flagger.CanaryPhaseProgressing, Checksum: "6d4f9", Metadata: *hook.Metadata}
		body, err := json.Marshal(payload)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(hook.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if slo := (*hook.Metadata)["slo"]; resp.StatusCode != want[slo] {
			t.Errorf("%s: %d, want %d", hook.Name, resp.StatusCode, want[slo])
		}
	}
}
