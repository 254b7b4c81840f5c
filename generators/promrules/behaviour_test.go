package promrules_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/series"
)

// These tests evaluate the generated rules with the real Prometheus TSDB,
// PromQL engine and rule evaluator (package engine) on synthetic traffic
// whose exact error counts are known.

var epoch = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func TestFullOutagePagesWithinTwoMinutesAndResets(t *testing.T) {
	t.Parallel()
	e, _ := newEngine(t, orderSpec("99.9"))
	outageStart := epoch.Add(6 * time.Hour).Add(20 * time.Second) // mid-minute, as outages are
	outageEnd := outageStart.Add(15 * time.Minute)
	tr := traffic{
		start: epoch, end: outageEnd.Add(30 * time.Minute), scrape: 15 * time.Second,
		rate: constant(20),
		errorRatio: func(t time.Time) float64 {
			if !t.Before(outageStart) && t.Before(outageEnd) {
				return 1
			}
			return 0
		},
		okSeries: 4, errSeries: 2,
	}
	tr.load(t, e)
	liveFrom := outageStart.Truncate(time.Minute).Add(-10 * time.Minute)
	must(t, e.Backfill(context.Background(), epoch, liveFrom.Add(-time.Minute)))

	// Each page tier (named by its long window) must reset within its
	// short window plus one evaluation step after recovery.
	shortWindow := map[string]time.Duration{"1h": 5 * time.Minute, "6h": 30 * time.Minute}
	firstPage, reset := map[string]time.Time{}, map[string]time.Time{}
	for ts := liveFrom; !ts.After(tr.end); ts = ts.Add(time.Minute) {
		_, err := e.Eval(context.Background(), ts)
		must(t, err)
		paging := map[string]bool{}
		for _, a := range e.Alerts() {
			if a.Firing && a.Labels.Get("severity") == "page" {
				paging[a.Labels.Get("window")] = true
			}
		}
		for w := range shortWindow {
			switch {
			case paging[w] && ts.Before(outageStart):
				t.Fatalf("%s tier paged at %s, before the outage started", w, ts)
			case paging[w] && firstPage[w].IsZero():
				firstPage[w] = ts
			case !paging[w] && !firstPage[w].IsZero() && reset[w].IsZero():
				reset[w] = ts
			}
		}
	}
	if firstPage["1h"].IsZero() {
		t.Fatal("a 100% outage of 15 minutes at 99.9% never paged on the 1h/5m tier")
	}
	detection := firstPage["1h"].Sub(outageStart)
	t.Logf("1h tier: detection %s (workbook theory: 52s of errors plus the evaluation step), reset %s after recovery", detection, reset["1h"].Sub(outageEnd))
	if detection > 2*time.Minute {
		t.Errorf("paged %s after the outage started, want at most 2m", detection)
	}
	for w, short := range shortWindow {
		if firstPage[w].IsZero() {
			t.Errorf("the %s page tier never fired on a 15-minute outage", w)
			continue
		}
		if reset[w].IsZero() {
			t.Errorf("the %s page tier never reset after recovery", w)
			continue
		}
		if r := reset[w].Sub(outageEnd); r > short+time.Minute {
			t.Errorf("the %s page tier reset %s after recovery, want within its %s short window plus a 1m step", w, r, short)
		}
	}
}

func TestSlowBurnOpensTicketAndNeverPages(t *testing.T) {
	t.Parallel()
	e, svcs := newEngine(t, orderSpec("99.9"))
	tr := traffic{
		start: epoch, end: epoch.Add(3 * 24 * time.Hour), scrape: 15 * time.Second,
		rate:       diurnal(5, 4),
		errorRatio: constant(0.002), // 2x burn
		okSeries:   3, errSeries: 1,
	}
	tr.load(t, e)
	must(t, e.Backfill(context.Background(), tr.start, tr.end))
	tickets := 0
	for _, r := range alertRules(svcs) {
		steps := firingSteps(t, e, r.Expr, tr.start.Add(time.Hour), tr.end)
		switch r.Labels["severity"] {
		case "page":
			if len(steps) > 0 {
				t.Errorf("2x burn paged at %s: %s", steps[0], r.Expr)
			}
		case "ticket":
			tickets += len(steps)
		}
	}
	if tickets == 0 {
		t.Error("3 days of 2x burn never opened a ticket")
	}
}

func TestTrafficSurgeAtHealthyErrorRatioFiresNothing(t *testing.T) {
	t.Parallel()
	e, svcs := newEngine(t, orderSpec("99.9"))
	surgeStart := epoch.Add(30 * time.Hour)
	surgeEnd := surgeStart.Add(3 * time.Hour)
	base := diurnal(4, 5)
	tr := traffic{
		start: epoch, end: surgeEnd.Add(6 * time.Hour), scrape: 15 * time.Second,
		rate: func(t time.Time) float64 {
			if !t.Before(surgeStart) && t.Before(surgeEnd) {
				return 10 * base(t)
			}
			return base(t)
		},
		errorRatio: constant(0.0005), // 0.5x burn, unchanged by the surge
		okSeries:   3, errSeries: 1,
	}
	tr.load(t, e)
	must(t, e.Backfill(context.Background(), tr.start, tr.end))

	// The surge must be visible in the recorded traffic, or the test proves
	// nothing.
	lastHour := `sum(sum_over_time(` + series.Total + `{window="1m"}[59m30s]))`
	before := queryValue(t, e, lastHour, surgeStart)
	during := queryValue(t, e, lastHour, surgeEnd)
	if during < 8*before {
		t.Fatalf("recorded traffic rose from %.0f to %.0f per hour, want a 10x surge", before, during)
	}
	for _, r := range alertRules(svcs) {
		if steps := firingSteps(t, e, r.Expr, tr.start.Add(time.Hour), tr.end); len(steps) > 0 {
			t.Errorf("%s alert fired at %s during a healthy surge: %s", r.Labels["severity"], steps[0], r.Expr)
		}
	}
}

func TestOneErrorAmongFewNightRequestsDoesNotPage(t *testing.T) {
	t.Parallel()
	e, svcs := newEngine(t, orderSpec("99.9"))
	night := epoch.Add(26 * time.Hour) // 02:00 on the second day
	errorAt := night.Add(2 * time.Hour)
	tr := traffic{
		start: epoch, end: night.Add(4 * time.Hour), scrape: 15 * time.Second,
		rate: func(t time.Time) float64 {
			if t.After(night) {
				return 1.0 / 60 // one request a minute
			}
			return 5
		},
		errorRatio: func(t time.Time) float64 {
			if t.After(errorAt) && !t.After(errorAt.Add(time.Minute)) {
				return 1 // the one request of that minute fails
			}
			return 0
		},
		okSeries: 2, errSeries: 1,
	}
	tr.load(t, e)
	must(t, e.Backfill(context.Background(), tr.start, tr.end))
	from, to := errorAt, errorAt.Add(10*time.Minute)

	var pages int
	for _, r := range alertRules(svcs) {
		if r.Labels["severity"] != "page" {
			continue
		}
		if steps := firingSteps(t, e, r.Expr, from, to); len(steps) > 0 {
			t.Errorf("one error among a minute's single request paged at %s", steps[0])
		}
		pages++
		// Without the minimum-traffic guard the same alert would fire: the
		// guard, not the data, is what keeps it quiet.
		unguarded := r.Expr[:strings.Index(r.Expr, " and ignoring (window, objective)")]
		if strings.Contains(r.Expr, "14.4") && len(firingSteps(t, e, unguarded, from, to)) == 0 {
			t.Errorf("the scenario is too mild to test the guard: the 14.4x tier would not fire without it")
		}
	}
	if pages == 0 {
		t.Fatal("no page tiers generated")
	}
}

// A quiet hour with enough requests for a meaningful ratio, but whose few
// failures are a sliver of the month's budget, must not page either: the
// second part of the guard weighs the window's errors against the period's
// budget in events.
func TestFewErrorsInAQuietHourDoNotPage(t *testing.T) {
	t.Parallel()
	e, svcs := newEngine(t, orderSpec("99.9"))
	quiet := epoch.Add(26 * time.Hour)
	errorsAt := quiet.Add(2 * time.Hour)
	tr := traffic{
		start: epoch, end: quiet.Add(4 * time.Hour), scrape: 15 * time.Second,
		rate: func(t time.Time) float64 {
			if t.After(quiet) {
				return 10.0 / 60 // 600 requests an hour: above the 100-event minimum
			}
			return 50
		},
		errorRatio: func(t time.Time) float64 {
			if t.After(errorsAt) && !t.After(errorsAt.Add(time.Minute)) {
				return 1 // ten failed requests: 1.7% of the hour, 0.001% of the day's 4.3 million
			}
			return 0
		},
		okSeries: 2, errSeries: 1,
	}
	tr.load(t, e)
	must(t, e.Backfill(context.Background(), tr.start, tr.end))
	from, to := errorsAt, errorsAt.Add(10*time.Minute)
	for _, r := range alertRules(svcs) {
		if r.Labels["severity"] != "page" || !strings.Contains(r.Expr, "> 14.4") {
			continue
		}
		if steps := firingSteps(t, e, r.Expr, from, to); len(steps) > 0 {
			t.Errorf("ten errors in a quiet hour paged at %s", steps[0])
		}
		// Without the budget-share part, the minimum-event part alone lets
		// it fire.
		withoutShare := r.Expr[:strings.LastIndex(r.Expr, " and ignoring (window, objective)")]
		if len(firingSteps(t, e, withoutShare, from, to)) == 0 {
			t.Error("the scenario is too mild: the tier would not fire without the budget-share guard")
		}
	}
}

// Budget alerts fire once the share of the period's budget they are set at
// is spent. Six quiet hours, then errors at twice the budget: the period
// has spent 2(t-6h)/t of its budget at t, half at 8h and all at 12h.
func TestBudgetAlertsFireAsTheBudgetIsSpent(t *testing.T) {
	t.Parallel()
	e, _ := newEngine(t, fixture.OrderAPISpec(fixture.OrderAPIOptions{
		Objective: "99",
		SLOYAML:   "period: 7d\nalerting:\n  ticket: {labels: {priority: P2}}\n  budget: {spent: [50, 100]}",
	}))
	errorsFrom := epoch.Add(6 * time.Hour)
	tr := traffic{
		start: epoch, end: epoch.Add(12*time.Hour + 30*time.Minute), scrape: 15 * time.Second,
		rate: constant(20),
		errorRatio: func(t time.Time) float64 {
			if t.Before(errorsFrom) {
				return 0
			}
			return 0.02
		},
		okSeries: 4, errSeries: 2,
	}
	tr.load(t, e)
	liveFrom := epoch.Add(7*time.Hour + 30*time.Minute)
	must(t, e.Backfill(context.Background(), epoch, liveFrom.Add(-time.Minute)))
	first := map[string]time.Time{}
	for ts := liveFrom; !ts.After(tr.end); ts = ts.Add(time.Minute) {
		_, err := e.Eval(context.Background(), ts)
		must(t, err)
		for _, a := range e.Alerts() {
			if a.Labels.Get("alertname") != "SLOErrorBudgetSpent" || !a.Firing {
				continue
			}
			if a.Labels.Get("severity") != "ticket" || a.Labels.Get("priority") != "P2" || a.Labels.Get("slo") != "availability" {
				t.Fatalf("a budget alert without the ticket's labels: %s", a.Labels)
			}
			if spent := a.Labels.Get(series.BudgetSpentLabel); first[spent].IsZero() {
				first[spent] = ts
			}
		}
	}
	for spent, want := range map[string]time.Time{"50": epoch.Add(8 * time.Hour), "100": epoch.Add(12 * time.Hour)} {
		got := first[spent]
		if got.IsZero() {
			t.Errorf("the %s%% budget alert never fired", spent)
			continue
		}
		t.Logf("the %s%% budget alert fired at %s (exact: %s)", spent, got.Sub(epoch), want.Sub(epoch))
		if d := got.Sub(want); d < -2*time.Minute || d > 3*time.Minute {
			t.Errorf("the %s%% budget alert fired at %s, want about %s", spent, got.Sub(epoch), want.Sub(epoch))
		}
	}
}

// An SLO grouped by a label slokit sets itself, service, reads it from the
// raw series under another name (renameLabels, as slokit import does for
// Pyrra's examples): each group gets its own error ratio, and the recorded
// series keep slokit's own service label.
func TestGroupingByARenamedReservedLabel(t *testing.T) {
	t.Parallel()
	e, _ := newEngine(t, fixture.OrderAPISpec(fixture.OrderAPIOptions{
		SLOYAML: "grouping: [exported_service]\nrenameLabels: {service: exported_service}\n",
	}))
	// Two services behind the one job: cart fails every tenth request,
	// search none; each at 10 requests per second, scraped every 15s.
	app := e.Appender(context.Background())
	end := epoch.Add(2 * time.Hour)
	var refs [4]storage.SeriesRef
	for i, ts := 0, epoch; !ts.After(end); i, ts = i+1, ts.Add(15*time.Second) {
		n := float64(i) * 150
		for j, s := range []struct {
			service, code string
			value         float64
		}{{"cart", "200", n * 0.9}, {"cart", "500", n * 0.1}, {"search", "200", n}, {"search", "500", 0}} {
			ls := labels.FromStrings("__name__", "http_requests_total", "job", "order-api", "service", s.service, "code", s.code)
			var err error
			refs[j], err = app.AddRef(refs[j], ls, ts.UnixMilli(), s.value)
			must(t, err)
		}
	}
	must(t, app.Commit())
	must(t, e.Backfill(context.Background(), epoch, end))

	// The error ratio is the burn rate times the budget (0.1%).
	v, _, err := e.Query(context.Background(), series.BurnRate+`{window="1h"} * 0.001`, end)
	must(t, err)
	got := map[string]float64{}
	for _, s := range v {
		if s.Metric.Get("service") != "order-api" {
			t.Errorf("a recorded series with service=%q: %s", s.Metric.Get("service"), s.Metric)
		}
		got[s.Metric.Get("exported_service")] = s.F
	}
	if len(got) != 2 || math.Abs(got["cart"]-0.1) > 1e-9 || got["search"] != 0 {
		t.Errorf("error ratio over 1h by exported_service: %v, want cart 0.1 and search 0", got)
	}
}
