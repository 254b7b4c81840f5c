package simulate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/scorecard"
	"github.com/slokit/slokit/simulate"
)

// rowOf finds a scorecard's row by policy and alert.
func rowOf(t *testing.T, sc simulate.Scorecard, policy, alert string) scorecard.Row {
	t.Helper()
	for _, r := range sc.Rows {
		if r.Policy == policy && r.Alert == alert {
			return r
		}
	}
	t.Fatalf("no row %s %s in %+v", policy, alert, sc.Rows)
	return scorecard.Row{}
}

func seconds(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

// The outage scenario's 15 minutes of failures are its one incident in
// the counts; slokit's rules catch it as Sloth's tiers evaluated on the
// counts do (the same windows), and reset their 6h page within five
// minutes where the plain 6h/30m pair takes the half hour of its short
// window.
func TestScorecardFindsTheOutageAndComparesTierSets(t *testing.T) {
	t.Parallel()
	o := simulate.Options{Services: services(t, availability), Scorecard: &simulate.ScorecardOptions{TierSets: []string{"workbook", "pyrra", "sloth"}}}
	res := run(t, "outage", o)
	if len(res.Scorecards) != 1 {
		t.Fatalf("%d scorecards", len(res.Scorecards))
	}
	sc := res.Scorecards[0]
	if sc.IncidentsFrom != "2%/1h, 5%/6h" || len(sc.Incidents) != 1 {
		t.Fatalf("incidents from %s: %+v", sc.IncidentsFrom, sc.Incidents)
	}
	inc := sc.Incidents[0]
	if inc.From.Sub(res.Start) != 3*time.Hour || inc.To.Sub(res.Start) != 3*time.Hour+15*time.Minute {
		t.Errorf("incident %s .. %s, want 3h .. 3h15m", inc.From.Sub(res.Start), inc.To.Sub(res.Start))
	}
	// 15 minutes at 100% errors of a 30-day budget of 0.1%: 15/43.2
	// (the counts' increase() extrapolates a little).
	if inc.Spent < 0.34 || inc.Spent > 0.36 || seconds(inc.PagedAfterSeconds) != 60 {
		t.Errorf("spent %v, paged after %v s", inc.Spent, seconds(inc.PagedAfterSeconds))
	}
	fast, slow := rowOf(t, sc, "rules", "SLOErrorBudgetBurn{severity=page,window=1h}"), rowOf(t, sc, "rules", "SLOErrorBudgetBurn{severity=page,window=6h}")
	sloth, slothSlow := rowOf(t, sc, "sloth", "page 14.4x 1h/5m"), rowOf(t, sc, "sloth", "page 6x 6h/30m")
	for _, r := range []scorecard.Row{fast, slow, sloth, slothSlow} {
		if r.Firings != 1 || r.FalseFirings != 0 || seconds(r.Recall) != 1 || seconds(r.Precision) != 1 {
			t.Errorf("%s %s: %+v", r.Policy, r.Alert, r)
		}
	}
	if seconds(fast.DetectionSeconds) != 60 || seconds(sloth.DetectionSeconds) != 60 || seconds(slow.DetectionSeconds) != seconds(slothSlow.DetectionSeconds) {
		t.Errorf("detection: rules %v/%v, sloth %v/%v", seconds(fast.DetectionSeconds), seconds(slow.DetectionSeconds), seconds(sloth.DetectionSeconds), seconds(slothSlow.DetectionSeconds))
	}
	if seconds(slow.ResetSeconds) != 300 || seconds(slothSlow.ResetSeconds) != 1800 {
		t.Errorf("6h page reset: rules %v s, sloth %v s", seconds(slow.ResetSeconds), seconds(slothSlow.ResetSeconds))
	}
	// A past's expectations are judged by the incidents of its counts.
	if f := res.CheckIncidents(scenario.Expect{PageWithin: 30 * time.Second, NoFalseFirings: true}); len(f) != 1 || !strings.Contains(f[0], "should page within 30s of the incident at") || !strings.Contains(f[0], "only after 1m") {
		t.Errorf("page within 30s: %q", f)
	}
	if f := res.CheckIncidents(scenario.Expect{PageWithin: 2 * time.Minute, NoFalseFirings: true}); len(f) != 0 {
		t.Errorf("page within 2m: %q", f)
	}
	if f := res.CheckIncidents(scenario.Expect{NoPage: true}); len(f) != 2 {
		t.Errorf("no page: %q", f)
	}
	// A run too costly to replay evaluated no alert: nothing is met.
	unevaluated := simulate.Result{Cost: simulate.Cost{Method: "checkpoints"}}
	if f := unevaluated.CheckIncidents(scenario.Expect{NoPage: true}); len(f) != 1 || !strings.Contains(f[0], "no expectation can be checked") {
		t.Errorf("checkpoints only: %q", f)
	}
	// Pyrra's 14x tier waits for its for: of 2 minutes.
	if p := rowOf(t, sc, "pyrra", "any page"); seconds(p.DetectionSeconds) != 180 {
		t.Errorf("pyrra's page after %v s, want 180", seconds(p.DetectionSeconds))
	}
}

// The tier sets are evaluated on the counts, not by the engine: on the
// fast burn, Sloth's tiers, which are slokit's windows and factors, fire
// when slokit's rules do, to the minute, and each resets as the rule does
// but for the 6h page, which slokit's rules clear once the 5m window stops
// burning.
func TestTierSetsOnTheCountsFireAsTheRulesDo(t *testing.T) {
	t.Parallel()
	o := simulate.Options{Services: services(t, availability), Scorecard: &simulate.ScorecardOptions{TierSets: []string{"sloth"}}}
	sc := run(t, "fast-burn", o).Scorecards[0]
	for _, c := range []struct{ rules, sloth string }{
		{"SLOErrorBudgetBurn{severity=page,window=1h}", "page 14.4x 1h/5m"},
		{"SLOErrorBudgetBurn{severity=page,window=6h}", "page 6x 6h/30m"},
		{"SLOErrorBudgetBurn{severity=ticket,window=1d}", "ticket 3x 1d/2h"},
		{"SLOErrorBudgetBurn{severity=ticket,window=3d}", "ticket 1x 3d/6h"},
	} {
		r, s := rowOf(t, sc, "rules", c.rules), rowOf(t, sc, "sloth", c.sloth)
		if r.Firings != s.Firings || seconds(r.DetectionSeconds) != seconds(s.DetectionSeconds) || seconds(r.BudgetSpentBeforeFiring) != seconds(s.BudgetSpentBeforeFiring) ||
			(c.sloth != "page 6x 6h/30m" && seconds(r.ResetSeconds) != seconds(s.ResetSeconds)) {
			t.Errorf("%s: rules %+v\nsloth %+v", c.sloth, r, s)
		}
		t.Logf("%s: detection %v s, reset %v s (rules) %v s (sloth)", c.sloth, seconds(r.DetectionSeconds), seconds(r.ResetSeconds), seconds(s.ResetSeconds))
	}
}

// Rules not slokit's are judged too: slokit's recording rules give the
// counts, after the rules' cost is measured; incidents a team labelled
// replace those of the counts.
func TestScorecardOfForeignRulesAgainstLabelledIncidents(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(file, []byte(flappingAlerts), 0o644); err != nil {
		t.Fatal(err)
	}
	o := simulate.Options{Services: services(t, availability), RuleFiles: []string{file}}
	plain := run(t, "outage", o)
	start := plain.Start
	o.Scorecard = &simulate.ScorecardOptions{Labelled: []scorecard.Labelled{
		{Name: "INC-1", Interval: scorecard.Interval{From: start.Add(time.Hour), To: start.Add(70 * time.Minute)}},
		{Name: "INC-0, the day before", Interval: scorecard.Interval{From: start.Add(-24 * time.Hour), To: start.Add(-23 * time.Hour)}},
	}}
	res := run(t, "outage", o)
	if res.Cost.SamplesPerEvaluation != plain.Cost.SamplesPerEvaluation {
		t.Errorf("cost %+v, without the scorecard %+v", res.Cost.SamplesPerEvaluation, plain.Cost.SamplesPerEvaluation)
	}
	sc := res.Scorecards[0]
	if sc.IncidentsFrom != "labelled" || len(sc.Incidents) != 1 || sc.Incidents[0].Spent != 0 {
		t.Fatalf("incidents: %s %+v", sc.IncidentsFrom, sc.Incidents)
	}
	// The page fires during the outage at 3h, not the labelled hour.
	r := rowOf(t, sc, "rules", "ErrorsFor10m{severity=page}")
	if r.Firings != 1 || r.FalseFirings != 1 || seconds(r.Recall) != 0 || seconds(r.Precision) != 0 {
		t.Errorf("%+v", r)
	}
}

// A grouped SLO's alerts are told apart by their group in its
// scorecard: one row per provider and tier.
func TestScorecardRowsOfAGroupedSLONameTheirGroup(t *testing.T) {
	t.Parallel()
	spec := strings.Replace(availability, "    objective: 99.9\n", "    objective: 99.9\n    grouping: [instance]\n", 1)
	o := simulate.Options{Services: services(t, spec), Scorecard: &simulate.ScorecardOptions{}}
	sc := run(t, "outage", o).Scorecards[0]
	names := map[string]bool{}
	for _, r := range sc.Rows {
		if names[r.Alert] {
			t.Errorf("two rows named %s", r.Alert)
		}
		names[r.Alert] = true
	}
	if !names["SLOErrorBudgetBurn{severity=page,window=1h,instance=instance-0}"] || len(sc.Rows) < 9 {
		t.Errorf("rows %v", names)
	}
}
