package test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/history"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/simulate"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/slo/slotest"
)

// Six hours of an SLO's raw series (the outage scenario's traffic, ending
// now), turned into blocks by the real promtool and served by a real
// Prometheus: history.Load reads them into the embedded engine as they
// were written, every sample once, and names a selector that matches
// nothing.
func TestHistoryReadsRawSeriesFromPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus")
	}
	promtool := requireTool(t, "promtool", "prometheus")
	requireTool(t, "prometheus", "prometheus")
	t.Parallel()
	ctx := context.Background()
	svcs := slotest.Services(t, fixture.OrderAPISpec(fixture.OrderAPIOptions{}))
	sc, err := scenario.Lookup("outage")
	if err != nil {
		t.Fatal(err)
	}
	end := time.Now().UTC().Truncate(time.Minute)
	from := end.Add(-sc.Duration)
	// Every command reads the same six hours: one that read them from a
	// minute later, when the clock passed a minute while the test ran,
	// lost the first minute's traffic (-41.6349 for -41.5154; CI failed).
	until := end.Format(time.RFC3339)
	b, url, dir := servePast(t, promtool, sc, svcs, end)
	q, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	selectors, err := history.Selectors(svcs)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := engine.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	var progress []time.Duration
	r, err := history.Load(ctx, q, append(selectors, `absent_requests_total`), dst, history.Options{From: from, To: end,
		Progress: func(read, _ time.Duration) { progress = append(progress, read) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read %d series, %d samples, from %s; gaps %v; empty %v", r.Series, r.Samples, r.Earliest.Format(time.RFC3339), r.Gaps, r.Empty)
	if !slices.Equal(r.Empty, []string{"absent_requests_total"}) || len(r.Gaps) != 0 || len(progress) != 6 || progress[5] != sc.Duration {
		t.Errorf("report %+v, progress %v", r, progress)
	}
	// slokit simulate over that past fires what the scenario fired, at
	// the same moments of its traffic.
	spec := filepath.Join(dir, "order-api.yaml")
	if err := os.WriteFile(spec, []byte(fixture.OrderAPISpec(fixture.OrderAPIOptions{})), 0o644); err != nil {
		t.Fatal(err)
	}
	firings := func(out []byte, shift time.Duration) []string {
		var res simulate.Result
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatal(err)
		}
		var fired []string
		for _, a := range res.Alerts {
			for _, iv := range a.Intervals {
				fired = append(fired, simulate.AlertName(a)+" from "+iv.From.Add(shift).UTC().Format(time.RFC3339))
			}
		}
		slices.Sort(fired)
		return fired
	}
	past := firings(slokit(t, "simulate", "--prometheus-url", url, "--since", "6h", "--until", until, "--json", spec), 0)
	// Through remote read, the same samples, the same firings.
	rq := history.RemoteReader{Backend: q}
	viaRead, err := engine.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer viaRead.Close()
	if rr, err := history.Load(ctx, rq, selectors, viaRead, history.Options{From: from, To: end}); err != nil || rr.Series != r.Series || rr.Samples != r.Samples {
		t.Errorf("remote read: %+v %v, the query API read %d series, %d samples", rr, err, r.Series, r.Samples)
	}
	if remote := firings(slokit(t, "simulate", "--prometheus-url", url, "--remote-read", "--since", "6h", "--until", until, "--json", spec), 0); !slices.Equal(remote, past) {
		t.Errorf("firings through remote read %q, through the query API %q", remote, past)
	}
	if text := string(slokit(t, "simulate", "--prometheus-url", url, "--since", "6h", "--until", until, spec)); !strings.HasPrefix(text, "history: the backend's raw series from ") ||
		!strings.Contains(text, "(6h, 1m evaluation; replayed in ") || !strings.Contains(text, "SLOErrorBudgetBurn{objective=99.9,service=order-api,severity=page") {
		t.Errorf("the tables of a replayed past:\n%s", text)
	}
	scenarioRun := slokit(t, "simulate", "--scenario", "outage", "--json", spec)
	played := firings(scenarioRun, from.Sub(scenario.Start()))
	t.Logf("firings over the past: %q", past)
	if len(played) == 0 || !slices.Equal(past, played) {
		t.Errorf("over the past %q, on the scenario %q", past, played)
	}
	// slokit backfill writes the recorded series of that past as blocks:
	// a Prometheus serving them has the budget the scenario's run
	// records, the exact one's to half a point of every 100 spent (six
	// hours of a 30-day budget magnify each point 120 times: -4,152%
	// where the counts say -4,147%).
	blocks := filepath.Join(t.TempDir(), "tsdb") // the folder the Prometheus below keeps its TSDB in
	t.Logf("%s", slokit(t, "backfill", "--prometheus-url", url, "--since", "6h", "--until", until, "-o", blocks, spec))
	if out, err := exec.Command(slokitBin, "backfill", "--prometheus-url", url, "--since", "6h", "--until", until, "-o", blocks, spec).CombinedOutput(); err == nil || !strings.Contains(string(out), "is not empty") {
		t.Errorf("a second backfill into the same folder: %v %s", err, out)
	}
	backfilled, _ := startPrometheusWith(t, filepath.Dir(blocks), "global: {scrape_interval: 15s}\n")
	bq, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: backfilled})
	if err != nil {
		t.Fatal(err)
	}
	var res simulate.Result
	if err := json.Unmarshal(scenarioRun, &res); err != nil {
		t.Fatal(err)
	}
	want := res.Budgets[0]
	eventually(t, 30*time.Second, "the backfilled budget", func() (bool, string) {
		v, err := bq.Query(ctx, series.BudgetRemaining+`{slo="availability"}`, end)
		if err != nil || len(v) != 1 {
			return false, fmt.Sprint(v, err)
		}
		got := float64(v[0].Value)
		t.Logf("backfilled remaining budget %.4f; the scenario's run %.4f, exact %.4f", got, *want.ReportedRemaining, want.ExactRemaining)
		return math.Abs(got-*want.ReportedRemaining) < 1e-3 && math.Abs(got-want.ExactRemaining) <= 0.005*(1-want.ExactRemaining), v.String()
	})
	// The same through remote write into VictoriaMetrics, twice: a
	// second run sends the same samples again, and the budget stays.
	vmBin := requireTool(t, "victoria-metrics", "victoria-metrics")
	vmAddr := freePort(t)
	process(t, "victoria-metrics.log", vmBin, "-httpListenAddr="+vmAddr, "-storageDataPath="+filepath.Join(t.TempDir(), "vm"), "-search.latencyOffset=1s", "-retentionPeriod=100d")
	vmURL := "http://" + vmAddr
	eventually(t, 30*time.Second, "VictoriaMetrics answering", func() (bool, string) {
		resp, err := http.Get(vmURL + "/health")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
	vq, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: vmURL})
	if err != nil {
		t.Fatal(err)
	}
	for run := range 2 {
		t.Logf("%s", slokit(t, "backfill", "--prometheus-url", url, "--since", "6h", "--until", until, "--remote-write", vmURL+"/api/v1/write", spec))
		if resp, err := http.Get(vmURL + "/internal/force_flush"); err == nil {
			resp.Body.Close()
		}
		eventually(t, 30*time.Second, "the budget sent by remote write", func() (bool, string) {
			v, err := vq.Query(ctx, series.BudgetRemaining+`{slo="availability"}`, end)
			if err != nil || len(v) != 1 {
				return false, fmt.Sprint(v, err)
			}
			got := float64(v[0].Value)
			t.Logf("run %d: remaining budget in VictoriaMetrics %.4f; the scenario's run %.4f", run+1, got, *want.ReportedRemaining)
			return math.Abs(got-*want.ReportedRemaining) < 1e-3, v.String()
		})
	}
	for _, expr := range []string{`count(http_requests_total)`, `sum(count_over_time(http_requests_total[6h]))`, `sum(http_requests_total)`, `sum(increase(http_requests_total{code=~"5.."}[6h]))`} {
		want, _, err := b.Engine.Query(ctx, expr, end)
		if err != nil || len(want) != 1 {
			t.Fatalf("%s on the source: %v %v", expr, want, err)
		}
		got, _, err := dst.Query(ctx, expr, end)
		if err != nil || len(got) != 1 || got[0].F != want[0].F {
			t.Errorf("%s: read %v (%v), written %v", expr, got, err, want[0].F)
		}
	}
}

// servePast writes a scenario's traffic as the services' raw series over
// the stretch ending at end, turns it into blocks with the real promtool
// (from OpenMetrics) and serves them from a real Prometheus. It returns
// the engine the traffic was written into, the Prometheus's URL once it
// answers, and the folder its TSDB lives in.
func servePast(t *testing.T, promtool string, sc *scenario.Scenario, svcs []*slo.Service, end time.Time) (*simulate.Backtest, string, string) {
	t.Helper()
	ctx := context.Background()
	b, err := simulate.Prepare(ctx, simulate.Options{Scenario: sc, Services: svcs, Dir: t.TempDir(), Start: end.Add(-sc.Duration)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	url, dir := prometheusWithPast(t, promtool, b.Engine, sc.Duration+time.Minute, end)
	return b, url, dir
}

// prometheusWithPast starts a Prometheus whose past up to end is the
// last span of the engine's raw samples, turned into blocks by promtool,
// and returns its URL, once it answers, and its folder.
func prometheusWithPast(t *testing.T, promtool string, e *engine.Engine, span time.Duration, end time.Time) (url, dir string) {
	t.Helper()
	dir = t.TempDir()
	om := filepath.Join(dir, "raw.om")
	writeSamples(t, e, om, span, end, nil, false)
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", om, filepath.Join(dir, "tsdb")).CombinedOutput(); err != nil {
		t.Fatalf("promtool: %v\n%s", err, out)
	}
	os.Remove(om)
	url, _ = startPrometheusWith(t, dir, "global: {scrape_interval: 15s}\n")
	q, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "Prometheus answering", func() (bool, string) {
		_, err := q.Query(context.Background(), "vector(1)", time.Now())
		return err == nil, fmt.Sprint(err)
	})
	return url, dir
}
