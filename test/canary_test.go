package test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/canary/canarytest"
)

// slokit canary check against a real Prometheus: thirty minutes of a
// rollout, 95 requests a second on the stable pods and 5 on each of two
// canaries, one as good as the baseline and one with ten times its
// errors, turned into blocks by promtool. The good canary passes (exit
// 0), the bad one fails (exit 1).
func TestCanaryCheckOnPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus")
	}
	promtool := requireTool(t, "promtool", "prometheus")
	requireTool(t, "prometheus", "prometheus")
	t.Parallel()
	end := time.Now().UTC().Truncate(time.Minute)
	side := func(hash string, bad float64, perSecond float64) canarytest.Side {
		return canarytest.Side{Labels: []string{"handler", "/orders", "rollouts_pod_template_hash", hash}, PerSecond: perSecond, Bad: bad}
	}
	e := canarytest.Engine(t, end.Add(-30*time.Minute), 30*time.Minute, side("stable", 0.0002, 95), side("good", 0.0002, 5), side("bad", 0.002, 5))
	url, dir := prometheusWithPast(t, promtool, e, 31*time.Minute, end)
	for _, tc := range []struct {
		hash string
		code int
		says string
	}{{"good", 0, "pass "}, {"bad", 1, "fail "}} {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(slokitBin, "canary", "check", "--prometheus-url", url, "--slo", "order-placement-availability",
			"--canary", `rollouts_pod_template_hash="`+tc.hash+`"`, "--baseline", `rollouts_pod_template_hash="stable"`,
			"../specs/order-api.yaml")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code || !strings.HasPrefix(stdout.String(), tc.says) {
			t.Errorf("canary %s: exit %d, want %d\n%s%s", tc.hash, code, tc.code, stdout.String(), stderr.String())
		}
		t.Logf("canary %s: %s", tc.hash, strings.TrimSpace(stdout.String()))
	}
	canaryOnServe(t, url, dir)
}

// canaryOnServe asks slokit serve, reading the same Prometheus, as Argo
// Rollouts' web provider (GET) and Flagger's webhook (POST) do: the good
// canary passes (200), the bad one fails (the verdict, 403 for Flagger),
// and both verdicts are recorded.
func canaryOnServe(t *testing.T, promURL, dir string) {
	addr := freePort(t)
	process(t, "serve.log", slokitBin, "serve", "--prometheus-url", promURL, "--listen", addr, "--data-dir", filepath.Join(dir, "data"), "../specs/order-api.yaml")
	server := "http://" + addr
	serveReady(t, server, 60*time.Second)
	side := func(hash string) string { return `rollouts_pod_template_hash="` + hash + `"` }
	for hash, want := range map[string]struct {
		verdict string
		flagger int
	}{"good": {"pass", 200}, "bad": {"fail", 403}} {
		q := url.Values{"slo": {"order-placement-availability"}, "canary": {side(hash)}, "baseline": {side("stable")}}
		var report struct{ Verdict string }
		resp, err := http.Get(server + "/api/v1/canary/order-api?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&report)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || report.Verdict != want.verdict {
			t.Errorf("GET, canary %s: %d %+v %v", hash, resp.StatusCode, report, err)
		}
		payload, _ := json.Marshal(map[string]any{"name": "order-api", "namespace": "shop", "phase": "Progressing", "checksum": "x",
			"metadata": map[string]string{"slo": "order-placement-availability", "canary": side(hash), "baseline": side("stable")}})
		if resp, err = http.Post(server+"/api/v1/canary/order-api", "application/json", bytes.NewReader(payload)); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want.flagger {
			t.Errorf("POST, canary %s: %d, want %d", hash, resp.StatusCode, want.flagger)
		}
	}
	var recorded struct{ Verdicts []struct{ Verdict string } }
	resp, err := http.Get(server + "/api/v1/canary/order-api/verdicts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&recorded); err != nil || len(recorded.Verdicts) != 4 {
		t.Errorf("the verdicts recorded: %+v %v", recorded, err)
	}
}
