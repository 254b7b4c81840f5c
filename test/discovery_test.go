package test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/serve/api"
)

// teamRules writes a team's spec into a folder of its own, as its
// repository holds it, and returns the rules generated from that folder
// (evaluated every 5s, as the other end-to-end stories do).
func teamRules(t *testing.T, dir, service, spec string) string {
	t.Helper()
	repo := filepath.Join(dir, service+"-repo")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, service+".yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(slokit(t, "generate", "-o", "-", repo)), "interval: 1m\n", "interval: 5s\n")
	rules := filepath.Join(dir, service+"-rules.yaml")
	if err := os.WriteFile(rules, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return rules
}

// gateAnswer asks the gate about a service over HTTP.
func gateAnswer(server, service, change string) (int, api.GateResponse, string) {
	var out api.GateResponse
	resp, err := http.Get(server + "/api/v1/gate/" + service + "?change=" + change)
	if err != nil {
		return 0, out, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = json.Unmarshal(body, &out)
	return resp.StatusCode, out, string(body)
}

// getJSON reads a JSON answer of serve into out.
func getJSON(url string, out any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out)
}

// Two teams keep their specs in their own repositories and load the
// generated rules into the same Prometheus; one slokit serve, given no
// spec at all, finds both services there and judges each by its own
// policy. A service is judged once its rules are loaded, and unknown again
// once they are removed.
func TestServeDiscoversEveryTeamsSLOsInPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus and waits for alerts")
	}
	t.Parallel()
	dir := t.TempDir()
	orderRules := teamRules(t, dir, "order-api", e2eSpec)
	paymentRules := teamRules(t, dir, "payment", fixture.PaymentSpec("1s"))
	orders, payments := &exporter{}, &exporter{}
	targets := map[string]string{}
	for job, exp := range map[string]*exporter{"order-api": orders, "payment": payments} {
		srv := httptest.NewServer(exp)
		t.Cleanup(srv.Close)
		targets[job] = strings.TrimPrefix(srv.URL, "http://")
	}
	config := func(rules ...string) string {
		quoted := make([]string, len(rules))
		for i, r := range rules {
			quoted[i] = fmt.Sprintf("%q", r)
		}
		return fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 5s}
rule_files: [%s]
scrape_configs:
  - job_name: order-api
    static_configs: [{targets: [%q]}]
  - job_name: payment
    static_configs: [{targets: [%q]}]
`, strings.Join(quoted, ", "), targets["order-api"], targets["payment"])
	}
	promURL, prom := startPrometheusWith(t, dir, config(orderRules))
	reload := func(rules ...string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config(rules...)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := prom.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}

	serveAddr := freePort(t)
	process(t, "serve.log", slokitBin, "serve", "--prometheus-url", promURL, "--listen", serveAddr,
		"--refresh", "2s", "--stale-after", "20s", "--data-dir", filepath.Join(dir, "data"))
	server := "http://" + serveAddr

	eventually(t, 60*time.Second, "the order API judged from its rules alone", func() (bool, string) {
		code, resp, body := gateAnswer(server, "order-api", "normal")
		return code == 200 && resp.Decision == "allow", body
	})
	if code, _, body := gateAnswer(server, "payment", "normal"); code != 404 || !strings.Contains(body, "no slokit rules") {
		t.Errorf("payment before its rules are loaded: %d %s", code, body)
	}
	reload(orderRules, paymentRules)
	eventually(t, 60*time.Second, "the payment service judged once its rules are loaded", func() (bool, string) {
		code, resp, body := gateAnswer(server, "payment", "normal")
		return code == 200 && resp.Decision == "allow", body
	})

	// Both services fail: both pages fire and both budgets are spent. The
	// order API's policy (the default) freezes for the page too and lets a
	// hotfix through; the payment team's does not freeze on a page and
	// lets nothing through.
	orders.failing.Store(true)
	payments.failing.Store(true)
	pageFiring := func(resp api.GateResponse) bool {
		for _, s := range resp.SLOs {
			for _, a := range s.FiringAlerts {
				if a.Severity == "page" {
					return true
				}
			}
		}
		return false
	}
	rules := func(resp api.GateResponse) (out []string) {
		for _, r := range resp.Reasons {
			out = append(out, r.Rule)
		}
		return out
	}
	eventually(t, 120*time.Second, "both services' pages firing and their budgets spent", func() (bool, string) {
		_, orderResp, orderBody := gateAnswer(server, "order-api", "normal")
		_, payResp, payBody := gateAnswer(server, "payment", "normal")
		return slices.Contains(rules(orderResp), "page-alert-firing") && slices.Contains(rules(orderResp), "budget-exhausted") &&
			pageFiring(payResp) && slices.Contains(rules(payResp), "budget-exhausted"), orderBody + "\n" + payBody
	})
	for _, tc := range []struct {
		service, change, decision string
		pageFreezes               bool
	}{
		{"order-api", "normal", "deny", true},
		{"order-api", "hotfix", "allow", true},
		{"payment", "normal", "deny", false},
		{"payment", "hotfix", "deny", false},
	} {
		code, resp, body := gateAnswer(server, tc.service, tc.change)
		if code != 200 || resp.Decision != tc.decision || slices.Contains(rules(resp), "page-alert-firing") != tc.pageFreezes {
			t.Errorf("%s, %s change: %d %s", tc.service, tc.change, code, body)
		}
	}

	// The payment team removes its rules: its service leaves the gate.
	reload(orderRules)
	eventually(t, 60*time.Second, "the payment service unknown once its rules are removed", func() (bool, string) {
		code, _, body := gateAnswer(server, "payment", "normal")
		return code == 404, body
	})
	if code, resp, body := gateAnswer(server, "order-api", "normal"); code != 200 || resp.Decision != "deny" {
		t.Errorf("the order API once the payment rules are gone: %d %s", code, body)
	}
}

// A third team keeps a journey over the order API's and payment's SLOs in
// its own repository, naming them without their specs, with a policy that
// freezes its members. One slokit serve given no spec discovers all three
// in Prometheus, and while payment fails, the order API, whose own budget
// is untouched, is held by the journey's freeze.
func TestServeDiscoversAJourneyOverTwoTeams(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus and waits for a budget to be spent")
	}
	t.Parallel()
	dir := t.TempDir()
	orderRules := teamRules(t, dir, "order-api", e2eSpec)
	paymentRules := teamRules(t, dir, "payment", fixture.PaymentSpec("1s"))
	journeyRules := teamRules(t, dir, "order-placement", `apiVersion: slokit.dev/v1
kind: ServiceLevels
service: order-placement
slos:
  - name: order-placement
    objective: 99.9
    policy: {freezeMembers: true}
    sli:
      journey:
        members:
          - {service: order-api, slo: availability}
          - {service: payment, slo: availability}
`)
	orders, payments := &exporter{}, &exporter{}
	var targets []string
	for _, exp := range []*exporter{orders, payments} {
		srv := httptest.NewServer(exp)
		t.Cleanup(srv.Close)
		targets = append(targets, strings.TrimPrefix(srv.URL, "http://"))
	}
	promURL, _ := startPrometheusWith(t, dir, fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 5s}
rule_files: [%q, %q, %q]
scrape_configs:
  - job_name: order-api
    static_configs: [{targets: [%q]}]
  - job_name: payment
    static_configs: [{targets: [%q]}]
`, orderRules, paymentRules, journeyRules, targets[0], targets[1]))
	serveAddr := freePort(t)
	process(t, "serve.log", slokitBin, "serve", "--prometheus-url", promURL, "--listen", serveAddr,
		"--refresh", "2s", "--stale-after", "20s", "--data-dir", filepath.Join(dir, "data"))
	server := "http://" + serveAddr

	eventually(t, 90*time.Second, "the journey discovered and judged", func() (bool, string) {
		code, resp, body := gateAnswer(server, "order-placement", "normal")
		return code == 200 && resp.Decision == "allow", body
	})
	payments.failing.Store(true)
	eventually(t, 150*time.Second, "the order API held by the journey's freeze, naming payment", func() (bool, string) {
		code, resp, body := gateAnswer(server, "order-api", "normal")
		held := false
		for _, r := range resp.Reasons {
			held = held || r.Rule == "journey-budget-exhausted" && strings.HasPrefix(r.Message, "journey order-placement/order-placement (99.9%): the error budget is spent") &&
				strings.Contains(r.Message, "spent most: payment/availability (")
		}
		return code == 200 && resp.Decision == "deny" && held, body
	})
	// The journey's members, read from its rules' Policy series, with
	// payment's share of the spending the larger.
	var state struct {
		SLOs []struct {
			Members []struct {
				Service string   `json:"service"`
				Share   *float64 `json:"share"`
			} `json:"members"`
		} `json:"slos"`
	}
	if err := getJSON(server+"/api/v1/slos/order-placement/order-placement", &state); err != nil || len(state.SLOs) != 1 || len(state.SLOs[0].Members) != 2 {
		t.Fatalf("the discovered journey's state: %+v (%v)", state, err)
	}
	if m := state.SLOs[0].Members; m[1].Service != "payment" || m[0].Share == nil || m[1].Share == nil || *m[1].Share <= *m[0].Share {
		t.Errorf("the discovered journey's members: %+v", m)
	}
	// Its own SLO is fine: the journey's freeze is all that holds it.
	_, resp, body := gateAnswer(server, "order-api", "normal")
	for _, r := range resp.Reasons {
		if r.Rule == "budget-exhausted" || r.Rule == "page-alert-firing" {
			t.Errorf("the order API held by its own SLO: %s", body)
		}
	}
}
