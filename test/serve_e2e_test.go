package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slokit/slokit/internal/fixture"
)

// This test runs the whole pipeline on loopback: a real Prometheus server
// (Debian's) scrapes an exporter the test controls and evaluates
// slokit-generated rules; slokit serve reads the budgets from it; slokit
// gate check asks the gate, as a CI job would. The gate allows while the
// service is healthy, denies once the test makes it fail, allows again
// under an override, and cannot decide once Prometheus is gone.
//
// The rules' evaluation interval is shortened from 1m to 5s so that a page
// fires within seconds: windows summed from overlapping one-minute
// increments overcount errors and requests alike, so the ratios, burn
// rates and alerts are unchanged.

var e2eSpec = fixture.OrderAPISpec(fixture.OrderAPIOptions{
	ScrapeInterval: "1s",
	SLOYAML:        "alerting:\n  page: {labels: {priority: P0}}",
})

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// exporter serves two counters that grow by rate requests (100 when
// zero) on every scrape; failing makes half of them fail.
type exporter struct {
	mu      sync.Mutex
	rate    float64
	ok, bad float64
	failing atomic.Bool
}

func (e *exporter) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rate := e.rate
	if rate == 0 {
		rate = 100
	}
	if e.failing.Load() {
		e.ok += rate / 2
		e.bad += rate / 2
	} else {
		e.ok += rate
	}
	fmt.Fprintf(w, "# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\"} %g\nhttp_requests_total{code=\"500\"} %g\n", e.ok, e.bad)
}

// process starts a command whose output goes to a log file, and stops it by
// PID when the test ends.
func process(t testing.TB, logName string, name string, args ...string) *exec.Cmd {
	t.Helper()
	log, err := os.Create(filepath.Join(t.TempDir(), logName))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = append(os.Environ(), "SLOKIT_E2E_TOKEN=e2e-override-token-0123456789")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		if t.Failed() {
			out, _ := os.ReadFile(log.Name())
			t.Logf("%s output:\n%s", logName, out)
		}
	})
	return cmd
}

// eventually polls cond every second until it holds or the limit passes.
func eventually(t testing.TB, limit time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(time.Second)
	}
	t.Fatalf("%s did not happen within %s; last: %s", what, limit, last)
}

func gateCheck(server string, extra ...string) (int, string) {
	var out bytes.Buffer
	cmd := exec.Command(slokitBin, append([]string{"gate", "check", "--server", server, "--service", "order-api", "--timeout", "10s"}, extra...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		return -1, err.Error()
	}
	return code, out.String()
}

// story writes the spec and its rules (evaluated every 5s) into dir and
// starts the exporter.
func story(t *testing.T) (dir, spec, rules string, exp *exporter, target string) {
	t.Helper()
	dir = t.TempDir()
	spec = filepath.Join(dir, "order-api.yaml")
	if err := os.WriteFile(spec, []byte(e2eSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(slokit(t, "generate", "-o", "-", spec)), "interval: 1m\n", "interval: 5s\n")
	rules = filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rules, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	exp = &exporter{}
	srv := httptest.NewServer(exp)
	t.Cleanup(srv.Close)
	return dir, spec, rules, exp, strings.TrimPrefix(srv.URL, "http://")
}

// gateStory serves the budgets from backendURL and walks the gate through
// allow, deny, rollback, override, and, once stopBackend is called, the
// refusal to decide on stale data.
func gateStory(t *testing.T, dir, spec, backendURL string, exp *exporter, stopBackend func()) {
	serveAddr := freePort(t)
	process(t, "serve.log", slokitBin, "serve", "--prometheus-url", backendURL, "--listen", serveAddr,
		"--refresh", "2s", "--stale-after", "20s", "--backend-timeout", "2s", "--backend-retries", "1",
		"--data-dir", filepath.Join(dir, "data"), "--token-env", "SLOKIT_E2E_TOKEN", spec)
	server := "http://" + serveAddr

	eventually(t, 60*time.Second, "the gate allowing a healthy service", func() (bool, string) {
		code, out := gateCheck(server)
		return code == 0 && strings.HasPrefix(out, "allow"), out
	})
	// Every state says how old the backend's data is: the rules run every
	// 5s and serve reads every 2s.
	resp, err := http.Get(server + "/api/v1/slos")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		SLOs []struct {
			SLO            string   `json:"slo"`
			DataAgeSeconds *float64 `json:"dataAgeSeconds"`
		} `json:"slos"`
	}
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil || len(list.SLOs) == 0 {
		t.Fatalf("slos: %v %+v", err, list)
	}
	for _, st := range list.SLOs {
		if st.DataAgeSeconds == nil || *st.DataAgeSeconds < 0 || *st.DataAgeSeconds > 15 {
			t.Errorf("%s: data age %v, want the age of the last rule evaluation (under 15 s)", st.SLO, st.DataAgeSeconds)
		}
	}
	exp.failing.Store(true)
	eventually(t, 120*time.Second, "the gate denying once half the requests fail", func() (bool, string) {
		code, out := gateCheck(server)
		return code == 1 && strings.Contains(out, "page-level burn alert firing"), out
	})
	if code, out := gateCheck(server, "--change", "rollback"); code != 0 {
		t.Errorf("a rollback must pass the freeze: exit %d\n%s", code, out)
	}

	req, _ := http.NewRequest("POST", server+"/api/v1/overrides", strings.NewReader(`{"service":"order-api","reason":"the fix ships now","author":"e2e","duration":"1h"}`))
	req.Header.Set("Authorization", "Bearer e2e-override-token-0123456789")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("creating an override: %d", resp.StatusCode)
	}
	if code, out := gateCheck(server); code != 0 || !strings.Contains(out, "override") {
		t.Errorf("under the override the gate must allow: exit %d\n%s", code, out)
	}

	// The backend goes away: once the state is older than --stale-after,
	// the gate says it cannot decide, or allows with --fail-open.
	stopBackend()
	eventually(t, 60*time.Second, "the gate refusing to decide on stale data", func() (bool, string) {
		code, out := gateCheck(server)
		return code == 3 && strings.Contains(out, "could not decide"), out
	})
	if code, out := gateCheck(server, "--fail-open"); code != 0 || !strings.Contains(out, "fail-open") {
		t.Errorf("--fail-open must allow: exit %d\n%s", code, out)
	}
}

func stop(cmd *exec.Cmd) func() {
	return func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
	}
}

func TestGateEndToEndWithPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus and waits for alerts")
	}
	t.Parallel() // the stories mostly wait for alerts
	dir, spec, rules, exp, target := story(t)
	promURL, promCmd := startPrometheus(t, dir, rules, target)
	gateStory(t, dir, spec, promURL, exp, stop(promCmd))
}

// startPrometheus runs a Prometheus server that scrapes target every
// second and evaluates rules every 5s, keeping its data in dir.
func startPrometheus(t *testing.T, dir, rules, target string) (url string, cmd *exec.Cmd) {
	t.Helper()
	return startPrometheusWith(t, dir, fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 5s}
rule_files: [%q]
scrape_configs:
  - job_name: order-api
    static_configs: [{targets: [%q]}]
`, rules, target))
}

// startPrometheusWith runs a Prometheus server with the configuration,
// kept in dir as prometheus.yml (rewrite it and send SIGHUP to reload it),
// and any further flags.
func startPrometheusWith(t *testing.T, dir, config string, flags ...string) (url string, cmd *exec.Cmd) {
	t.Helper()
	prom := requireTool(t, "prometheus", "prometheus")
	promAddr := freePort(t)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd = process(t, "prometheus.log", prom, append([]string{"--config.file=" + filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path=" + filepath.Join(dir, "tsdb"), "--web.listen-address=" + promAddr}, flags...)...)
	return "http://" + promAddr, cmd
}

// The same story with VictoriaMetrics single-node scraping the exporter and
// vmalert evaluating the rules, writing results and ALERTS back, for users
// of a VictoriaMetrics backend.
func TestGateEndToEndWithVictoriaMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts VictoriaMetrics and vmalert and waits for alerts")
	}
	t.Parallel() // the stories mostly wait for alerts
	vm := requireTool(t, "victoria-metrics", "victoria-metrics")
	vmalert := requireTool(t, "vmalert", "victoria-metrics")
	dir, spec, rules, exp, target := story(t)
	vmAddr, alertAddr := freePort(t), freePort(t)
	scrape := fmt.Sprintf("global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: order-api\n    static_configs: [{targets: [%q]}]\n", target)
	if err := os.WriteFile(filepath.Join(dir, "scrape.yml"), []byte(scrape), 0o644); err != nil {
		t.Fatal(err)
	}
	vmCmd := process(t, "victoria-metrics.log", vm, "-httpListenAddr="+vmAddr, "-storageDataPath="+filepath.Join(dir, "vm"),
		"-promscrape.config="+filepath.Join(dir, "scrape.yml"), "-search.latencyOffset=1s")
	// vmalert will not run alerting rules without somewhere to send alerts.
	notifier := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer notifier.Close()
	process(t, "vmalert.log", vmalert, "-rule="+rules, "-datasource.url=http://"+vmAddr, "-remoteWrite.url=http://"+vmAddr,
		"-remoteWrite.flushInterval=1s", "-evaluationInterval=5s", "-httpListenAddr="+alertAddr, "-notifier.url="+notifier.URL)
	gateStory(t, dir, spec, "http://"+vmAddr, exp, stop(vmCmd))
}

// The embedded default, as make demo runs it: slokit serve with no backend
// URL plays a scenario on its own engine; an incident injected through the
// API freezes the order API within a minute of evaluations, rollbacks still
// pass, and an override lets the fix through. The scenario evaluates every
// 10s so that the story takes seconds.
func TestGateEndToEndWithTheEmbeddedDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("runs slokit serve and waits for alerts")
	}
	t.Parallel() // the stories mostly wait for alerts
	dir := t.TempDir()
	spec := filepath.Join(dir, "order-api.yaml")
	sc := filepath.Join(dir, "quiet.yaml")
	for path, text := range map[string]string{
		spec: e2eSpec,
		sc: `apiVersion: slokit.dev/v1
kind: Scenario
name: quiet-evening
duration: 3h
scrapeInterval: 5s
evaluationInterval: 10s
live: 3h
traffic: {rate: 20}
`,
	} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	serveAddr := freePort(t)
	process(t, "serve.log", slokitBin, "serve", "--scenario", sc, "--listen", serveAddr, "--refresh", "2s",
		"--data-dir", filepath.Join(dir, "data"), "--token-env", "SLOKIT_E2E_TOKEN", spec)
	server := "http://" + serveAddr
	eventually(t, 60*time.Second, "the gate allowing a healthy service", func() (bool, string) {
		code, out := gateCheck(server)
		return code == 0 && strings.HasPrefix(out, "allow"), out
	})
	post := func(path, body string) int {
		req, _ := http.NewRequest("POST", server+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer e2e-override-token-0123456789")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("/api/v1/demo/incident", `{"service":"order-api","duration":"30m","ratio":0.5}`); code != http.StatusCreated {
		t.Fatalf("injecting an incident: %d", code)
	}
	eventually(t, 90*time.Second, "the gate denying during the injected incident", func() (bool, string) {
		code, out := gateCheck(server)
		return code == 1 && strings.Contains(out, "page-level burn alert firing"), out
	})
	if code, out := gateCheck(server, "--change", "rollback"); code != 0 {
		t.Errorf("a rollback must pass the freeze: exit %d\n%s", code, out)
	}
	if code := post("/api/v1/overrides", `{"service":"order-api","reason":"the fix ships now","author":"e2e","duration":"1h"}`); code != http.StatusCreated {
		t.Fatalf("creating an override: %d", code)
	}
	if code, out := gateCheck(server); code != 0 || !strings.Contains(out, "override") {
		t.Errorf("under the override the gate must allow: exit %d\n%s", code, out)
	}
}

// The regional demo, as `slokit serve --demo=regional-failover` runs it:
// it joins the story during eu-west-1's failover, after its outage, so the
// gate denies a deploy to eu-west-1 on that region's spent budget and its
// page, and allows one to us-east-1, whose budget and the global one are
// fine; a region the service is not tracked in is refused.
func TestGateByRegionOnTheRegionalDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs slokit serve")
	}
	t.Parallel()
	dir := t.TempDir()
	serveAddr := freePort(t)
	process(t, "serve.log", slokitBin, "serve", "--demo=regional-failover", "--listen", serveAddr,
		"--data-dir", filepath.Join(dir, "data"), "../specs/order-api.yaml")
	server := "http://" + serveAddr
	// eu-west-1's outage leaves a deploy to us-east-1 alone as far as the
	// request-ratio SLOs go (their global budgets do not page); the p99
	// minutes' global budget counts every region's minutes, half of them
	// bad during the outage, and pages: it alone denies.
	eventually(t, 60*time.Second, "the gate answering for us-east-1", func() (bool, string) {
		code, out := gateCheck(server, "--region", "us-east-1")
		return code == 1 && strings.Contains(out, "order-placement-p99 (99.5%): page-level burn alert firing") &&
			!strings.Contains(out, "order-placement-availability") && !strings.Contains(out, "order-placement-latency"), out
	})
	if code, out := gateCheck(server, "--region", "eu-west-1"); code != 1 || !strings.Contains(out, "region=eu-west-1") || !strings.Contains(out, "page-level burn alert firing") {
		t.Errorf("a deploy to eu-west-1 after its outage: exit %d\n%s", code, out)
	}
	if code, out := gateCheck(server, "--region", "ap-south-1"); code == 0 || !strings.Contains(out, `not tracked in region "ap-south-1"`) {
		t.Errorf("a region the service is not tracked in: exit %d\n%s", code, out)
	}
}
