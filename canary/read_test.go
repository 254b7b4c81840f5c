package canary_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/slokit/slokit/canary"
	"github.com/slokit/slokit/canary/canarytest"
	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/slo/slotest"
)

const spec = `apiVersion: slokit.dev/v1
kind: ServiceLevels
service: order-api
slos:
  - name: availability
    objective: 99.95
    sli:
      ratio:
        errors: http_requests_total{job="order-api",code=~"5.."}
        total: http_requests_total{job="order-api"}
  - name: latency
    objective: 99
    sli:
      latency:
        histogram: http_request_duration_seconds_bucket{job="order-api"}
        threshold: 500ms
`

var start = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// side is one side of a 95/5 split from the start: its pod template
// hash, requests a second, the share failing and the share slower than
// 500ms.
func side(hash string, perSecond, bad, slow float64) canarytest.Side {
	return canarytest.Side{Labels: []string{"rollouts_pod_template_hash", hash}, PerSecond: perSecond, Bad: bad, Slow: slow}
}

// hashSides tells the canary's series from the stable ones by their pod
// template hash.
var hashSides = canary.Sides{
	Canary:   []*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, "rollouts_pod_template_hash", "canary")},
	Baseline: []*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, "rollouts_pod_template_hash", "stable")},
}

// serve writes 30 minutes of the sides' traffic into an engine.
func serve(t *testing.T, sides ...canarytest.Side) *engine.Engine {
	return canarytest.Engine(t, start, 30*time.Minute, sides...)
}

// verdicts reads the last ten minutes of both sides and judges each SLO.
func verdicts(t *testing.T, e *engine.Engine) map[string]canary.Judgement {
	t.Helper()
	services := slotest.Services(t, spec)
	out := map[string]canary.Judgement{}
	for _, s := range services[0].SLOs {
		observed, err := canary.Read(context.Background(), engine.ModelQuerier{Engine: e}, s, hashSides, 10*time.Minute, start.Add(30*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range observed {
			j, err := canary.Judge(o.Canary, o.Baseline, canary.Criteria{Budget: o.Objective.Budget(), MaxBurnRate: canary.MaxBurnRate(s), Confidence: canary.DefaultConfidence})
			if err != nil {
				t.Fatal(err)
			}
			out[s.Name] = j
		}
	}
	return out
}

// On the embedded engine, 100 requests a second split 95/5: the canary's
// and the baseline's events are read from the raw series by the rollout's
// label, and judged.
func TestVerdictsFromTheRawSeries(t *testing.T) {
	stable := side("stable", 95, 0.0002, 0.002)
	for _, tc := range []struct {
		name   string
		canary canarytest.Side
		want   string
	}{
		{"equal", side("canary", 5, 0.0002, 0.002), "availability=pass latency=pass"},
		{"10x the errors", side("canary", 5, 0.002, 0.002), "availability=fail latency=pass"},
		{"slower", side("canary", 5, 0.0002, 0.05), "availability=pass latency=fail"},
		{"a trickle", side("canary", 0.005, 0.2, 0.002), "availability=inconclusive latency=inconclusive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := verdicts(t, serve(t, stable, tc.canary))
			summary := fmt.Sprintf("availability=%s latency=%s", got["availability"].Verdict, got["latency"].Verdict)
			if summary != tc.want {
				t.Errorf("%s, want %s\n%+v", summary, tc.want, got)
			}
		})
	}
	// An incident on both sides is not the canary's doing.
	got := verdicts(t, serve(t, side("stable", 95, 0.02, 0.002), side("canary", 5, 0.02, 0.002)))
	if j := got["availability"]; j.Verdict == canary.Fail || !strings.Contains(j.Reason, "incident") {
		t.Errorf("the baseline burning: %+v", j)
	}
}

// An SLI whose events are not raw counters of the rollout's pods (a raw
// expression, a journey, time slices, Datadog's) is refused, as is an
// empty window.
func TestWhatIsNotJudged(t *testing.T) {
	services := slotest.Services(t, `apiVersion: slokit.dev/v1
kind: ServiceLevels
service: s
slos:
  - name: raw
    objective: 99
    sli:
      raw:
        errorRatio: sum(rate(errors_total[$window])) / sum(rate(requests_total[$window]))
`)
	e := serve(t)
	q := engine.ModelQuerier{Engine: e}
	if _, err := canary.Read(context.Background(), q, services[0].SLOs[0], canary.Sides{}, time.Minute, start); err == nil || !strings.Contains(err.Error(), "a raw SLI is not judged for canaries") {
		t.Errorf("raw: %v", err)
	}
	if _, err := canary.Read(context.Background(), q, services[0].SLOs[0], canary.Sides{}, 0, start); err == nil {
		t.Error("an empty window was read")
	}
	// Nor an SLO without a burn-rate tier: no rate to stay under.
	services = slotest.Services(t, strings.Replace(spec, "objective: 99.95\n", "objective: 99.95\n    alerting: {page: {disabled: true}, ticket: {disabled: true}}\n", 1))
	report, err := canary.Check(context.Background(), q, services[0], canary.Request{Window: time.Minute, Confidence: 0.99}, start)
	if err != nil || len(report.LeftOut) != 1 || !strings.Contains(report.LeftOut[0], "availability has no burn-rate tier") {
		t.Errorf("no tiers: %v %+v", err, report)
	}
}

// The times to verdict of a 95/5 rollout on the embedded engine: the
// stable pods serve 100 requests a second from the start, the canary
// takes 5 of them from minute 10, and the check (a 10-minute window, 99%
// confidence) runs every minute after, as a rollout's analysis does. Each
// case reaches its verdict, and keeps it, within its bound; go test -v
// prints the times.
func TestTimesToVerdict(t *testing.T) {
	deploy := 10 * time.Minute
	stable, incident := side("stable", 95, 0.0002, 0.002), side("stable", 95, 0.02, 0.002)
	canarySide := func(perSecond, bad, slow float64) canarytest.Side {
		s := side("canary", perSecond, bad, slow)
		s.From = deploy
		return s
	}
	for _, tc := range []struct {
		name             string
		baseline, canary canarytest.Side
		change           slo.Change
		slo              string
		want             canary.Verdict
		within           time.Duration
	}{
		{"equal", stable, canarySide(5, 0.0002, 0.002), "", "", canary.Pass, 5 * time.Minute},
		{"10x the errors", stable, canarySide(5, 0.002, 0.002), "", "availability", canary.Fail, 10 * time.Minute},
		{"25x the errors", stable, canarySide(5, 0.005, 0.002), "", "availability", canary.Fail, 5 * time.Minute},
		{"slower: 5% over 500ms", stable, canarySide(5, 0.0002, 0.05), "", "latency", canary.Fail, 5 * time.Minute},
		{"3 requests in 10 minutes", stable, canarySide(0.005, 0.3, 0.002), "", "", canary.Inconclusive, 30 * time.Minute},
		{"an incident on both sides", incident, canarySide(5, 0.02, 0.002), "", "availability", canary.Inconclusive, 30 * time.Minute},
		{"a hotfix mending it", incident, canarySide(5, 0.002, 0.002), slo.HotfixChange, "availability", canary.Pass, 10 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := canarytest.Engine(t, start, deploy+30*time.Minute, tc.baseline, tc.canary)
			services := slotest.Services(t, spec)
			var verdicts []canary.Verdict // at minute 1, 2, … after the deploy
			for m := 1; m <= 30; m++ {
				rep, err := canary.Check(context.Background(), engine.ModelQuerier{Engine: e}, services[0],
					canary.Request{SLO: tc.slo, Sides: hashSides, Window: 10 * time.Minute, Confidence: canary.DefaultConfidence, Change: tc.change},
					start.Add(deploy+time.Duration(m)*time.Minute))
				if err != nil {
					t.Fatal(err)
				}
				if rep.Verdict == canary.Fail && tc.want != canary.Fail {
					t.Fatalf("minute %d: failed: %+v", m, rep)
				}
				verdicts = append(verdicts, rep.Verdict)
			}
			// The first minute from which the verdict is the wanted one.
			settled := len(verdicts)
			for settled > 0 && verdicts[settled-1] == tc.want {
				settled--
			}
			took := time.Duration(settled+1) * time.Minute
			if settled == len(verdicts) || took > tc.within {
				t.Errorf("%s from minute %d after the deploy, want within %s: %v", tc.want, settled+1, tc.within, verdicts)
			}
			t.Logf("%s: %s %s after the deploy", tc.name, tc.want, took)
		})
	}
}

// The cost of one check of the test spec's two SLOs (an objective each:
// eight queries) over 30 minutes of a 95/5 split on the
// embedded engine.
func BenchmarkCheck(b *testing.B) {
	e := canarytest.Engine(b, start, 30*time.Minute, side("stable", 95, 0.0002, 0.002), side("canary", 5, 0.0002, 0.002))
	services := slotest.Services(b, spec)
	q := engine.ModelQuerier{Engine: e}
	for b.Loop() {
		if _, err := canary.Check(context.Background(), q, services[0], canary.Request{Sides: hashSides, Window: 10 * time.Minute, Confidence: 0.99}, start.Add(30*time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
}
