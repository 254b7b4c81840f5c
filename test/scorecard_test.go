package test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/advise"
	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/scorecard"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/simulate"
	"github.com/slokit/slokit/slo/slotest"
)

// The built-in scenarios of one region, each written as a real
// Prometheus's past (raw series through promtool's OpenMetrics import)
// and replayed by slokit simulate --prometheus-url: the past's scorecard
// is the scenario run's (the same incidents at the same moments, the
// same figures for the rules and for the Workbook's, Sloth's and Pyrra's
// tiers). The table is logged: docs/simulate.md quotes it.
func TestScorecardsOfBuiltinScenariosAsHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus")
	}
	promtool := requireTool(t, "promtool", "prometheus")
	requireTool(t, "prometheus", "prometheus")
	t.Parallel()
	specText := fixture.OrderAPISpec(fixture.OrderAPIOptions{})
	svcs := slotest.Services(t, specText)
	spec := filepath.Join(t.TempDir(), "order-api.yaml")
	if err := os.WriteFile(spec, []byte(specText), 0o644); err != nil {
		t.Fatal(err)
	}
	var table []string
	for _, name := range []string{"outage", "fast-burn", "flapping", "slow-burn", "low-traffic-night", "surge-10x"} {
		sc, err := scenario.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		// At midnight, as the scenario's run starts: traffic follows the
		// time of day.
		from := time.Now().UTC().Add(-sc.Duration - time.Minute).Truncate(24 * time.Hour)
		end := from.Add(sc.Duration)
		_, url, _ := servePast(t, promtool, sc, svcs, end)
		var past, played simulate.Result
		decode(t, slokit(t, "simulate", "--prometheus-url", url, "--since", model.Duration(sc.Duration).String(), "--until", end.Format(time.RFC3339), "--json", spec), &past)
		decode(t, slokit(t, "simulate", "--scenario", name, "--scorecard", "--json", spec), &played)
		if len(past.Scorecards) != 1 || len(played.Scorecards) != 1 {
			t.Fatalf("%s: scorecards %d over the past, %d on the scenario", name, len(past.Scorecards), len(played.Scorecards))
		}
		shift := end.Add(-sc.Duration).Sub(played.Start)
		if diff := cardDifference(past.Scorecards[0], played.Scorecards[0], shift); diff != "" {
			t.Errorf("%s: the past's scorecard differs from the scenario's: %s", name, diff)
		}
		table = append(table, scorecardTable(name, played.Scorecards[0])...)
		if name == "outage" {
			// A past's alerts are judged by its incidents: the outage's
			// firings are all its own.
			for _, a := range past.Alerts {
				if a.Firings == 0 || a.FalseFirings != 0 || a.DetectionSeconds == nil {
					t.Errorf("outage over the past: %s fired %d time(s), %d false, detection %v", simulate.AlertName(a), a.Firings, a.FalseFirings, a.DetectionSeconds)
				}
			}
			// In CI against a staging Prometheus: the expectations hold
			// for a past, judged by its incidents, with the exit codes of
			// a scenario run.
			args := []string{"simulate", "--prometheus-url", url, "--since", "6h", "--until", end.Format(time.RFC3339), spec}
			for _, c := range []struct {
				within string
				code   int
				says   string
			}{{"30s", 1, "expectation failed: order-api/availability (99.9%) should page within 30s of the incident at "}, {"5m", 0, "every expectation met"}} {
				cmd := exec.Command(slokitBin, append(args, "--expect-page-within", c.within)...)
				var stderr strings.Builder
				cmd.Stderr = &stderr
				err := cmd.Run()
				if code := cmd.ProcessState.ExitCode(); code != c.code || !strings.Contains(stderr.String(), c.says) {
					t.Errorf("--expect-page-within %s: exit %d (%v), want %d\n%s", c.within, code, err, c.code, stderr.String())
				}
			}
			// slokit's page clears five minutes after recovery; the plain
			// 6h/30m pair of the Workbook's table holds its 30 minutes.
			rules, workbook := anyPage(played.Scorecards[0], "rules"), anyPage(played.Scorecards[0], "workbook")
			if rules.ResetSeconds == nil || workbook.ResetSeconds == nil || *rules.ResetSeconds != 300 || *workbook.ResetSeconds != 1800 {
				t.Errorf("outage: resets %s, %s", rowText(rules), rowText(workbook))
			}
		}
	}
	// A slow burn is an incident for tickets: 10% of the budget in 3 days.
	var slow simulate.Result
	decode(t, slokit(t, "simulate", "--scenario", "slow-burn", "--scorecard", "--incident", "10%/3d", "--json", spec), &slow)
	table = append(table, scorecardTable("slow-burn, incidents 10%/3d", slow.Scorecards[0])...)
	t.Logf("the built-in scenarios' scorecards (order-api availability 99.9%%, 30d):\n%s", strings.Join(table, "\n"))
}

func anyPage(sc simulate.Scorecard, policy string) scorecard.Row {
	for _, r := range sc.Rows {
		if r.Policy == policy && r.Alert == "any page" {
			return r
		}
	}
	return scorecard.Row{}
}

func decode(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
}

// cardDifference says how two scorecards of the same traffic differ, the
// second's times shifted; empty when they agree (budget shares to 0.1
// point: a past read from a minute later holds one minute less).
func cardDifference(a, b simulate.Scorecard, shift time.Duration) string {
	if len(a.Incidents) != len(b.Incidents) {
		return fmt.Sprintf("%d incidents, %d", len(a.Incidents), len(b.Incidents))
	}
	for i := range a.Incidents {
		x, y := a.Incidents[i], b.Incidents[i]
		if !x.From.Equal(y.From.Add(shift)) || !x.To.Equal(y.To.Add(shift)) || math.Abs(x.Spent-y.Spent) > 1e-3 {
			return fmt.Sprintf("incident %d: %+v, %+v", i, x, y)
		}
	}
	if len(a.Rows) != len(b.Rows) {
		return fmt.Sprintf("%d rows, %d", len(a.Rows), len(b.Rows))
	}
	near := func(p, q *float64, tol float64) bool {
		return (p == nil) == (q == nil) && (p == nil || math.Abs(*p-*q) <= tol)
	}
	for i := range a.Rows {
		x, y := a.Rows[i], b.Rows[i]
		if x.Policy != y.Policy || x.Alert != y.Alert || x.Firings != y.Firings || x.FalseFirings != y.FalseFirings || x.Detected != y.Detected ||
			!near(x.DetectionSeconds, y.DetectionSeconds, 0) || !near(x.ResetSeconds, y.ResetSeconds, 0) || !near(x.BudgetSpentBeforeFiring, y.BudgetSpentBeforeFiring, 1e-3) {
			return fmt.Sprintf("row %d: %s", i, strings.Join(append(rowText(x), rowText(y)...), " | "))
		}
	}
	return ""
}

// scorecardTable is a scenario's incidents and, for each tier set, its
// pages and tickets, one line each.
func scorecardTable(name string, sc simulate.Scorecard) []string {
	out := []string{fmt.Sprintf("%s: %d incident(s)", name, len(sc.Incidents))}
	for _, r := range sc.Rows {
		if r.Page && r.Alert != "any page" {
			continue // a tier set's pages are its any-page row
		}
		out = append(out, "  "+strings.Join(rowText(r), "  "))
	}
	return out
}

func rowText(r scorecard.Row) []string {
	f := func(p *float64, unit string) string {
		if p == nil {
			return "-"
		}
		if unit == "s" {
			return (time.Duration(*p) * time.Second).String()
		}
		return fmt.Sprintf("%.1f%%", *p*100)
	}
	return []string{fmt.Sprintf("%-8s %-45s", r.Policy, r.Alert), fmt.Sprintf("firings %d false %d", r.Firings, r.FalseFirings),
		"precision " + f(r.Precision, "%"), "recall " + f(r.Recall, "%"), "detection " + f(r.DetectionSeconds, "s"), "reset " + f(r.ResetSeconds, "s"),
		fmt.Sprintf("%g/week", r.PerWeek), "spent before " + f(r.BudgetSpentBeforeFiring, "%")}
}

// Three days of a service that fails 0.03% of its requests (99.97%),
// served by a real Prometheus: slokit advise finds the objective it was
// built to meet, 99.95% (every daily period met it, none 99.99%), and
// says the history begins later than asked.
func TestAdviseFindsTheObjectiveAServiceMeets(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus")
	}
	promtool := requireTool(t, "promtool", "prometheus")
	requireTool(t, "prometheus", "prometheus")
	t.Parallel()
	sc, diags := scenario.Parse([]byte(`apiVersion: slokit.dev/v1
kind: Scenario
name: meets-99.97
duration: 3d
traffic: {rate: 20}
errors:
  baseline: {ratio: 0.0003}
`))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	specText := fixture.OrderAPISpec(fixture.OrderAPIOptions{SLOYAML: "period: 1d\n"})
	spec := filepath.Join(t.TempDir(), "order-api.yaml")
	if err := os.WriteFile(spec, []byte(specText), 0o644); err != nil {
		t.Fatal(err)
	}
	end := time.Now().UTC().Add(-time.Minute).Truncate(time.Hour)
	src, url, _ := servePast(t, promtool, sc, slotest.Services(t, specText), end)
	var out struct{ Advice []advise.Advice }
	decode(t, slokit(t, "advise", "--prometheus-url", url, "--since", "3d", "--until", end.Format(time.RFC3339), "--format", "json", spec), &out)
	if len(out.Advice) != 1 {
		t.Fatalf("%+v", out)
	}
	a := out.Advice[0]
	t.Logf("achieved %+v; periods %+v; recommended %v", a.Achieved, a.Periods, *a.Recommended)
	if a.Recommended == nil || *a.Recommended != 99.95 || a.Achieved.Periods != 3 || a.Achieved.Min < 99.95 || a.Achieved.Median > 99.99 || len(a.Periods) != 3 {
		t.Errorf("advice %+v", a)
	}
	// Backfilled, a Prometheus serving the blocks has the day's budget
	// the raw counters say, to half a point.
	blocks := filepath.Join(t.TempDir(), "tsdb")
	slokit(t, "backfill", "--prometheus-url", url, "--since", "3d", "--until", end.Format(time.RFC3339), "-o", blocks, spec)
	backfilled, _ := startPrometheusWith(t, filepath.Dir(blocks), "global: {scrape_interval: 15s}\n")
	bq, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: backfilled})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	overDay := func(sel string) float64 {
		v, _, err := src.Engine.Query(ctx, "sum("+sel+") - sum("+sel+" offset 1d)", end)
		if err != nil || len(v) != 1 {
			t.Fatalf("%s: %v %v", sel, v, err)
		}
		return v[0].F
	}
	exact := 1 - overDay(`http_requests_total{code=~"5.."}`)/overDay(`http_requests_total`)/0.001
	eventually(t, 30*time.Second, "the backfilled budget", func() (bool, string) {
		v, err := bq.Query(ctx, series.BudgetRemaining+`{slo="availability"}`, end)
		if err != nil || len(v) != 1 {
			return false, fmt.Sprint(v, err)
		}
		got := float64(v[0].Value)
		t.Logf("backfilled remaining budget of the last day %.4f, exact %.4f", got, exact)
		return math.Abs(got-exact) <= 0.005, v.String()
	})
	cmd := exec.Command(slokitBin, "advise", "--prometheus-url", url, "--since", "5d", "--until", end.Format(time.RFC3339), spec)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || !strings.Contains(stderr.String(), "warning: history: the backend's data begins at") || !strings.Contains(stderr.String(), "retention") {
		t.Errorf("a history past the data: %v\n%s", err, stderr.String())
	}
}
