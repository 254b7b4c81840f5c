package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/slokit/slokit/series"
)

// The routing generated from the example platform's specs (and the
// fixtures with renamed severities and tiers) is a configuration the real
// amtool accepts, and routes each kind of alert to its team's receiver.
func TestAmtoolChecksTheRouting(t *testing.T) {
	amtool := requireTool(t, "amtool", "prometheus-alertmanager")
	config := filepath.Join(t.TempDir(), "alertmanager.yaml")
	slokit(t, append([]string{"generate", "--format", "alertmanager", "-o", config}, specInputs...)...)
	out, err := exec.Command(amtool, "check-config", config).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("amtool check-config: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		labels []string
		want   string
	}{
		{[]string{"alertname=SLOErrorBudgetBurn", "team=checkout", "service=order-api", "severity=page", "priority=P0"}, "checkout-pager"},
		{[]string{"alertname=SLOErrorBudgetBurn", "team=checkout", "service=order-api", "severity=ticket", "priority=P2"}, "checkout-tickets"},
		{[]string{"alertname=SLOErrorBudgetBurn", "team=checkout", "service=order-api", "severity=ticket", "priority=P3"}, "checkout-chat"},
		{[]string{"alertname=SLOErrorBudgetBurn", "team=checkout", "service=checkout", "severity=critical", "priority=P1"}, "checkout-pager"},
		{[]string{"alertname=SLOErrorBudgetBurn", "team=discovery", "service=menu", "severity=ticket", "priority=P3"}, "discovery-chat"},
		{[]string{"alertname=SLOErrorBudgetBurn", "team=payments", "service=payment", "severity=page", "priority=P0"}, "payments-pager"},
		{[]string{"alertname=SLOErrorBudgetBurn", "team=nobody", "severity=page"}, "slokit-unrouted"},
	} {
		args := append([]string{"config", "routes", "test", "--config.file=" + config}, tc.labels...)
		out, err := exec.Command(amtool, args...).Output()
		if got := strings.TrimSpace(string(out)); err != nil || got != tc.want {
			t.Errorf("amtool routes %v to %q (%v), want %s", tc.labels, got, err, tc.want)
		}
	}
}

// Services named like other services' teams are each routed, as the real
// amtool sees it, and the configuration lists every receiver once (the
// cases are the generator's unit test's, TestServiceAndTeamOfOneNameAreBothRouted).
func TestAmtoolRoutesServicesNamedLikeTeams(t *testing.T) {
	amtool := requireTool(t, "amtool", "prometheus-alertmanager")
	config := filepath.Join(t.TempDir(), "alertmanager.yaml")
	slokit(t, "generate", "--format", "alertmanager", "-o", config, "../generators/alertmanager/testdata/colliding")
	if out, err := exec.Command(amtool, "check-config", config).CombinedOutput(); err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("amtool check-config: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		labels []string
		want   string
	}{
		{[]string{"alertname=SLOErrorBudgetBurn", "service=checkout", "slo=a", "severity=page"}, "checkout-pager"},
		{[]string{"alertname=SLOErrorBudgetBurn", "service=other", "team=checkout", "slo=a", "severity=page"}, "checkout-pager"},
		{[]string{"alertname=SLOErrorBudgetBurn", "service=checkout", "team=payments", "slo=b", "severity=page"}, "payments-pager"},
		{[]string{"alertname=SLOErrorBudgetBurn", "service=payments", "slo=a", "severity=ticket"}, "payments-tickets"},
	} {
		args := append([]string{"config", "routes", "test", "--config.file=" + config}, tc.labels...)
		out, err := exec.Command(amtool, args...).Output()
		if got := strings.TrimSpace(string(out)); err != nil || got != tc.want {
			t.Errorf("amtool routes %v to %q (%v), want %s", tc.labels, got, err, tc.want)
		}
	}
}

// A real Alertmanager running the generated configuration holds back an
// SLO's ticket while its page fires, and only that SLO's: the alerts carry
// the labels of the generated alerting rules.
func TestAlertmanagerInhibitsTicketsWhilePagesFire(t *testing.T) {
	am := requireTool(t, "prometheus-alertmanager", "prometheus-alertmanager")
	dir := t.TempDir()
	config := filepath.Join(dir, "alertmanager.yaml")
	slokit(t, "generate", "--format", "alertmanager", "-o", config, "../specs")
	rules := slokit(t, "generate", "-o", "-", "../specs")

	addr := freePort(t)
	process(t, "alertmanager.log", am, "--config.file="+config, "--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--cluster.listen-address=")
	base := "http://" + addr
	eventually(t, 30*time.Second, "Alertmanager ready", func() (bool, string) {
		resp, err := http.Get(base + "/-/ready")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})

	page := alertRuleLabels(t, rules, "order-placement-availability", "page", "1h", "")
	ticket := alertRuleLabels(t, rules, "order-placement-availability", "ticket", "1d", "")
	otherTicket := alertRuleLabels(t, rules, "menu-browsing-probe", "ticket", "17h", "")
	post := func(alerts ...map[string]string) {
		t.Helper()
		var body []map[string]any
		for _, ls := range alerts {
			body = append(body, map[string]any{"labels": ls, "startsAt": time.Now().Add(-time.Minute).Format(time.RFC3339)})
		}
		b, _ := json.Marshal(body)
		resp, err := http.Post(base+"/api/v2/alerts", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("posting alerts: %s", resp.Status)
		}
	}
	state := func(ls map[string]string) string {
		resp, err := http.Get(base + "/api/v2/alerts")
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		var alerts []struct {
			Labels map[string]string `json:"labels"`
			Status struct {
				State       string   `json:"state"`
				InhibitedBy []string `json:"inhibitedBy"`
			} `json:"status"`
			Receivers []struct {
				Name string `json:"name"`
			} `json:"receivers"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&alerts); err != nil {
			return err.Error()
		}
		for _, a := range alerts {
			if a.Labels[series.SeverityLabel] == ls[series.SeverityLabel] && a.Labels["slo"] == ls["slo"] && a.Labels["service"] == ls["service"] && a.Labels["window"] == ls["window"] && a.Labels[series.BudgetSpentLabel] == ls[series.BudgetSpentLabel] {
				var names []string
				for _, r := range a.Receivers {
					names = append(names, r.Name)
				}
				return fmt.Sprintf("%s to %s", a.Status.State, strings.Join(names, ","))
			}
		}
		return "absent"
	}

	// The order-placement journey depends on its members: its page alone goes
	// to checkout's pager; while payment's page fires, the journey's is
	// held back, payment's is not.
	journeyPage := alertRuleLabels(t, rules, "order-placement", "page", "1h", "")
	paymentPage := alertRuleLabels(t, rules, "payment-processing-availability", "page", "1h", "")
	post(journeyPage)
	eventually(t, 20*time.Second, "the journey's page active", func() (bool, string) {
		s := state(journeyPage)
		return s == "active to checkout-pager", s
	})
	post(journeyPage, paymentPage)
	eventually(t, 20*time.Second, "the journey's page suppressed by payment's", func() (bool, string) {
		s := state(journeyPage)
		return s == "suppressed to checkout-pager", s
	})
	// The ticket alone is sent to the team's ticket receiver.
	post(ticket, otherTicket)
	eventually(t, 20*time.Second, "the ticket active", func() (bool, string) {
		s := state(ticket)
		return s == "active to checkout-tickets", s
	})
	// With the page firing, the same SLO's ticket is held back; another
	// SLO's ticket is not.
	post(page, ticket, otherTicket)
	eventually(t, 20*time.Second, "the ticket suppressed by the page", func() (bool, string) {
		s := state(ticket)
		return s == "suppressed to checkout-tickets", s
	})
	// With all of the budget spent, the alert at half of it is held back.
	half := alertRuleLabels(t, rules, "order-placement-availability", "ticket", "30d", "50")
	all := alertRuleLabels(t, rules, "order-placement-availability", "ticket", "30d", "100")
	post(page, ticket, otherTicket, half, all)
	eventually(t, 20*time.Second, "the 50% budget alert suppressed by the 100% one", func() (bool, string) {
		s := state(half)
		return s == "suppressed to checkout-tickets", s
	})
	for _, tc := range []struct {
		alert map[string]string
		want  string
	}{{page, "active to checkout-pager"}, {otherTicket, "active to discovery-chat"}, {all, "active to checkout-tickets"}, {paymentPage, "active to payments-pager"}} {
		if got := state(tc.alert); got != tc.want {
			t.Errorf("%s/%s: %s, want %s", tc.alert["slo"], tc.alert[series.SeverityLabel], got, tc.want)
		}
	}
}

// alertRuleLabels are the labels of the generated alerting rule of an SLO
// with the severity and window (and, for a budget alert, the share spent):
// what its alerts carry, besides the labels of the series, which the rule
// repeats.
func alertRuleLabels(t *testing.T, rules []byte, sloName, severity, window, spent string) map[string]string {
	t.Helper()
	for _, g := range ruleGroups(t, rules) {
		var group rulefmt.RuleGroup
		if err := g.Decode(&group); err != nil {
			t.Fatal(err)
		}
		for _, r := range group.Rules {
			if r.Alert == "" || r.Labels["slo"] != sloName || r.Labels[series.SeverityLabel] != severity || r.Labels["window"] != window || r.Labels[series.BudgetSpentLabel] != spent {
				continue
			}
			ls := map[string]string{"alertname": r.Alert}
			for k, v := range r.Labels {
				ls[k] = v
			}
			return ls
		}
	}
	t.Fatalf("no %s alert over %s for %s in the rules", severity, window, sloName)
	return nil
}
