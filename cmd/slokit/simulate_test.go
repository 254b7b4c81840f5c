//go:build !noengine

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimulateCommand(t *testing.T) {
	rules := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rules, []byte(`groups:
  - name: hand-written
    rules:
      - alert: OrdersFailing
        expr: sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.1
`), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(broken, []byte("groups: [{name: x, rules: [{record: y, expr: 'sum('}]}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	scoped := filepath.Join(t.TempDir(), "scoped.yaml")
	if err := os.WriteFile(scoped, []byte(`apiVersion: slokit.dev/v1
kind: Scenario
name: payment-outage
duration: 2h
traffic: {rate: 20}
errors:
  events: [{kind: step, start: 1h, duration: 10m, ratio: 1, service: payment}]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"list", []string{"simulate", "--list"}, 0, "healthy-30d", ""},
		{"tables", []string{"simulate", "--scenario", "outage", "--spec", "../../specs/order-api.yaml"}, 0, "BUDGET REMAINING", ""},
		{"no scenario", []string{"simulate", "--spec", "../../specs"}, 2, "", "--scenario is required"},
		{"unknown scenario", []string{"simulate", "--scenario", "superbowl", "--spec", "../../specs/order-api.yaml"}, 1, "", `unknown scenario "superbowl"`},
		{"no metrics", []string{"simulate", "--scenario", "outage", "--rules", rules}, 2, "", "--total and --errors"},
		{"foreign rules with explicit metrics", []string{"simulate", "--scenario", "outage", "--rules", rules,
			"--total", `http_requests_total{job="api"}`, "--errors", `http_requests_total{job="api",code="500"}`}, 0, "OrdersFailing", ""},
		{"rule file that does not parse", []string{"simulate", "--scenario", "outage", "--spec", "../../specs/order-api.yaml", "--rules", broken}, 1, "", broken},
		{"invalid spec", []string{"simulate", "--scenario", "outage", "--spec", "../../slo/testdata/values.bad.yaml"}, 1, "", "must be between 0 and 100"},
		{"event for a service not simulated", []string{"simulate", "--scenario", scoped, "--spec", "../../specs/order-api.yaml"}, 0, "", "errors.events[0] fails service payment only, which is not simulated here"},
		{"regions", []string{"simulate", "--scenario", "regional-failover", "--spec", "../../specs/menu.yaml"}, 0, "menu/menu-browsing-probe in eu-west-1", ""},
		{"past and scenario", []string{"simulate", "--scenario", "outage", "--prometheus-url", "http://127.0.0.1:1", "../../specs/menu.yaml"}, 2, "", "give --scenario or --prometheus-url, not both"},
		{"past too long", []string{"simulate", "--prometheus-url", "http://127.0.0.1:1", "--since", "2y", "../../specs/menu.yaml"}, 2, "", "--since 2y: give an hour or more, at most 366d"},
		{"past until a bad time", []string{"simulate", "--prometheus-url", "http://127.0.0.1:1", "--until", "yesterday", "../../specs/menu.yaml"}, 2, "", `--until "yesterday": give an RFC 3339 time`},
		{"past until the future", []string{"simulate", "--prometheus-url", "http://127.0.0.1:1", "--until", "2999-01-01T00:00:00Z", "../../specs/menu.yaml"}, 2, "", "is in the future"},
		{"past without specs", []string{"simulate", "--prometheus-url", "http://127.0.0.1:1"}, 2, "", "give the spec PATHs whose raw series to read"},
		{"backfill without -o", []string{"backfill", "--prometheus-url", "http://127.0.0.1:1", "../../specs/menu.yaml"}, 2, "", "give -o DIR (the folder to write the blocks into) or --remote-write URL, one of them"},
		{"backfill both ways", []string{"backfill", "--prometheus-url", "http://127.0.0.1:1", "-o", "x", "--remote-write", "http://127.0.0.1:2/api/v1/write", "../../specs/menu.yaml"}, 2, "", "one of them"},
		{"backfill to a bad remote write URL", []string{"backfill", "--prometheus-url", "http://127.0.0.1:1", "--remote-write", "ftp://user:secret@host/x", "../../specs/menu.yaml"}, 2, "", "remote write URL ftp://user:xxxxx@host/x: want an http or https URL"},
		{"backfill without a backend", []string{"backfill", "-o", "blocks", "../../specs/menu.yaml"}, 2, "", "--prometheus-url is required"},
		{"backfill of an unreachable backend", []string{"backfill", "--prometheus-url", "http://127.0.0.1:1", "--backend-retries", "0", "--since", "2h", "-o", "../../build/never-written", "../../specs/menu.yaml"}, 1, "",
			`backend http://127.0.0.1:1: query probe_success{job="blackbox",target="menu"}[1h]: `},
		{"past of an unreachable backend", []string{"simulate", "--prometheus-url", "http://127.0.0.1:1", "--backend-retries", "0", "--since", "2h", "../../specs/menu.yaml"}, 1, "",
			`backend http://127.0.0.1:1: query probe_success{job="blackbox",target="menu"}[1h]: `},
		{"scorecard", []string{"simulate", "--scenario", "outage", "--scorecard", "--compare", "pyrra", "--incident", "1%/1h", "../../specs/menu.yaml"}, 0, "scorecard of menu/menu-browsing-probe 99.5%: 1 incident(s) (1%/1h)", ""},
		{"scorecard flags without --scorecard", []string{"simulate", "--scenario", "outage", "--compare", "pyrra", "../../specs/menu.yaml"}, 2, "", "add --scorecard"},
		{"bad incident definition", []string{"simulate", "--scenario", "outage", "--scorecard", "--incident", "2/1h", "../../specs/menu.yaml"}, 2, "", "want SHARE%/WINDOW"},
		{"unknown tier set", []string{"simulate", "--scenario", "outage", "--scorecard", "--compare", "nobl9", "../../specs/menu.yaml"}, 2, "", `--compare "nobl9": neither a tier set (pyrra, sloth, workbook, none)`},
		{"incidents file that does not parse", []string{"simulate", "--scenario", "outage", "--scorecard", "--incidents", broken, "../../specs/menu.yaml"}, 2, "", broken + ":1:"},
		{"advise on a scenario", []string{"advise", "--scenario", "outage", "--objective", "99", "--objective", "99.9", "../../specs/menu.yaml"}, 0, "99.5% (spec)", ""},
		{"advise as markdown", []string{"advise", "--scenario", "outage", "--format", "markdown", "../../specs/menu.yaml"}, 0, "| CANDIDATE | PERIODS MET |", ""},
		{"advise without a source", []string{"advise", "../../specs/menu.yaml"}, 2, "", "give --prometheus-url (the backend's past) or --scenario"},
		{"advise on a bad objective", []string{"advise", "--scenario", "outage", "--objective", "100", "../../specs/menu.yaml"}, 2, "", `--objective "100": give a percentage`},
		{"advise of an unreachable backend", []string{"advise", "--prometheus-url", "http://127.0.0.1:1", "--backend-retries", "0", "--since", "2h", "../../specs/menu.yaml"}, 1, "",
			`backend http://127.0.0.1:1: query probe_success{job="blackbox",target="menu"}[1h]: `},
		{"native histogram SLI", []string{"simulate", "--scenario", "outage", "--spec", "../../slo/testdata/kinds.good.yaml"}, 1, "", "native histograms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stdout.String(), tc.stdout) || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stdout %q, stderr %q", code, tc.code, stdout.String(), stderr.String(), tc.stdout, tc.stderr)
			}
		})
	}
}

func TestSimulateJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"simulate", "--scenario", "outage", "--spec", "../../specs/order-api.yaml", "--json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var res struct {
		Scenario string `json:"scenario"`
		Alerts   []struct {
			Alert            string            `json:"alert"`
			Labels           map[string]string `json:"labels"`
			Severity         string            `json:"severity"`
			FirstFiredAt     *string           `json:"firstFiredAt"`
			DetectionSeconds *float64          `json:"detectionSeconds"`
			ResetSeconds     *float64          `json:"resetSeconds"`
			Firings          int               `json:"firings"`
			FalseFirings     int               `json:"falseFirings"`
		} `json:"alerts"`
		Budgets []struct {
			Service           string   `json:"service"`
			SLO               string   `json:"slo"`
			ReportedRemaining *float64 `json:"reportedRemaining"`
			ExactRemaining    *float64 `json:"exactRemaining"`
		} `json:"budgets"`
		Cost struct {
			SamplesPerEvaluation struct{ Mean, Max float64 } `json:"samplesPerEvaluation"`
			ByGroup              map[string]any              `json:"byGroup"`
		} `json:"cost"`
	}
	dec := json.NewDecoder(&stdout)
	if err := dec.Decode(&res); err != nil {
		t.Fatal(err)
	}
	if res.Scenario != "outage" || len(res.Alerts) != 19 || len(res.Budgets) != 4 || res.Cost.SamplesPerEvaluation.Mean == 0 || len(res.Cost.ByGroup) != 3 {
		t.Fatalf("unexpected result: %+v", res)
	}
	for _, a := range res.Alerts {
		if a.Labels["slo"] == "order-placement-availability" && a.Labels["window"] == "1h" {
			if a.DetectionSeconds == nil || *a.DetectionSeconds > 120 || a.Severity != "page" {
				t.Errorf("the 1h page: %+v", a)
			}
		}
	}
}

// Expectations turn a backtest into a CI check: met, exit 0; not met,
// exit 1 naming each. A ticket the long window holds after a short
// outage is the outage's, not a false firing.
func TestSimulateExpectations(t *testing.T) {
	expectFile := filepath.Join(t.TempDir(), "expect.yaml")
	if err := os.WriteFile(expectFile, []byte(`apiVersion: slokit.dev/v1
kind: Scenario
name: outage-must-page
duration: 6h
traffic: {rate: 50}
errors:
  events: [{kind: step, start: 3h, duration: 15m, ratio: 1}]
incidents: [{start: 3h, duration: 15m}]
expect: {pageWithin: 10m, noFalseFirings: true}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"an outage pages in time, and its tickets are not false", []string{"--scenario", "outage", "--expect-page-within", "10m", "--expect-no-false-firing"}, 0, "every expectation met"},
		{"an outage is not quiet", []string{"--scenario", "outage", "--expect-no-page"}, 1, "expectation failed: no page expected, but SLOErrorBudgetBurn"},
		{"too tight a detection time", []string{"--scenario", "outage", "--expect-page-within", "30s"}, 1, "should page within 30s of the first incident, and paged only after 1m"},
		{"a surge pages nothing", []string{"--scenario", "surge-10x", "--expect-no-page", "--expect-no-false-firing"}, 0, "every expectation met"},
		{"expectations in the scenario file", []string{"--scenario", expectFile}, 0, "every expectation met"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"simulate", "--spec", "../../specs/order-api.yaml"}, tc.args...)
			if code := run(context.Background(), args, &stdout, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
		})
	}
	var stdout, stderr bytes.Buffer
	run(context.Background(), []string{"simulate", "--spec", "../../specs/order-api.yaml", "--scenario", "outage", "--json", "--expect-no-page"}, &stdout, &stderr)
	var res struct {
		FailedExpectations []string
		Budgets            []struct{ PeriodSeconds, CoveredSeconds float64 }
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || len(res.FailedExpectations) == 0 || res.Budgets[0].CoveredSeconds != 6*3600 || res.Budgets[0].PeriodSeconds != 30*86400 {
		t.Errorf("JSON: %v %+v", err, res)
	}
}
