package test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/simulate/simtest"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/slo/slotest"
)

// edgeSeries matches what the edge tier records, for federation.
const edgeSeries = series.EdgeTotal + "|" + series.EdgeErrors

// regionSpec is the order API tracked in two regions.
var regionSpec = fixture.OrderAPISpec(fixture.OrderAPIOptions{ServiceYAML: "regions: {expected: [eu-west-1, us-east-1]}"})

// region is one region of the test: its traffic (requests per minute and
// error ratio in the history, per scrape live), its exporter, and where
// its Prometheus listens.
type region struct {
	name      string
	perMinute float64 // the history's requests per minute; live, per second
	ratio     float64 // the history's error ratio
	exp       *exporter
	addr      string
}

// regionHistory is 30 days of what the regions' edge tiers recorded, as
// they reach the global evaluator (with their external labels and the
// federation job's), and the global tier's rules evaluated over it on the
// embedded engine: the history a global Prometheus that has run for a
// month holds. It returns the engine and, per region, the exact events
// and bad events of each minute.
func regionHistory(t *testing.T, svcs []*slo.Service, regions []*region, start, end time.Time) (*engine.Engine, map[string][][2]float64) {
	t.Helper()
	e := simtest.GlobalEngine(t, svcs)
	var err error
	counts := map[string][][2]float64{}
	app := e.Appender(context.Background())
	for _, r := range regions {
		id := []string{"service", "order-api", "slo", "availability", "window", "1m", "region", r.name,
			"prometheus_replica", r.name + "-a", "job", "federate", "instance", r.addr}
		total := labels.FromStrings(append([]string{labels.MetricName, series.EdgeTotal}, id...)...)
		errs := labels.FromStrings(append([]string{labels.MetricName, series.EdgeErrors}, id...)...)
		var tref, eref storage.SeriesRef
		for ts := start; !ts.After(end); ts = ts.Add(time.Minute) {
			// A night-time burst of errors on the 10th day, in this
			// region only.
			ratio := r.ratio
			if ts.Sub(start) > 10*24*time.Hour && ts.Sub(start) < 10*24*time.Hour+20*time.Minute && r.name == "eu-west-1" {
				ratio = 0.05
			}
			n, bad := r.perMinute, r.perMinute*ratio
			counts[r.name] = append(counts[r.name], [2]float64{n, bad})
			if tref, err = app.AddRef(tref, total, ts.UnixMilli(), n); err != nil {
				t.Fatal(err)
			}
			if eref, err = app.AddRef(eref, errs, ts.UnixMilli(), bad); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := e.Backfill(context.Background(), start, end.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	return e, counts
}

// writeHistory writes what a global Prometheus reads of the history as
// OpenMetrics: the blocks (hourly, daily) whole, every other series over
// the last three hours and around the start of each window the rules
// subtract (hour to date 6h, 1d, 3d and 30d ago).
//
// With millis, timestamps are written in milliseconds, as the Prometheus
// text format VictoriaMetrics imports has them.
func writeHistory(t *testing.T, e *engine.Engine, path string, start, end time.Time, millis bool) {
	t.Helper()
	kept := func(name string, ts time.Time) bool {
		if strings.Contains(name, "hourly_increase") || strings.Contains(name, "daily_increase") {
			return true
		}
		for _, ago := range []time.Duration{0, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour, 30 * 24 * time.Hour} {
			if d := end.Add(-ago).Sub(ts); d > -10*time.Minute && d < 3*time.Hour {
				return true
			}
		}
		return false
	}
	writeSamples(t, e, path, end.Sub(start)+time.Minute, end, kept, millis)
}

// Two regions, each with its own Prometheus (Debian's) scraping its
// exporter and evaluating the edge tier, and a global Prometheus that
// federates both, another that receives their edge series by remote
// write, each evaluating the global tier over a month of history:
// its 30-day budgets, per region and global, equal the exact ones; an
// outage in the small region pages that region alone, and one in the
// large region pages globally too.
func TestRegionsOnRealPrometheusServers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three Prometheus servers and waits for alerts")
	}
	promtool := requireTool(t, "promtool", "prometheus")
	requireTool(t, "prometheus", "prometheus")
	t.Parallel()
	svcs := slotest.Services(t, regionSpec)
	dir := t.TempDir()
	spec := filepath.Join(dir, "order-api.yaml")
	if err := os.WriteFile(spec, []byte(regionSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	// The rules run every 5s instead of every minute, so the test takes
	// a minute, not ten: each evaluation still adds a minute's increase,
	// which weighs the live minutes twelvefold in every window, and the
	// hourly blocks are recorded for the history only.
	fast := func(text []byte) []byte {
		return bytes.ReplaceAll(text, []byte("interval: 1m\n"), []byte("interval: 5s\n"))
	}
	edgeRules, globalRules := filepath.Join(dir, "edge.yaml"), filepath.Join(dir, "global.yaml")
	if err := os.WriteFile(edgeRules, fast(slokit(t, "generate", "--tier", "edge", spec)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(globalRules, fast(slokit(t, "generate", "--tier", "global", spec)), 0o644); err != nil {
		t.Fatal(err)
	}
	// eu-west-1 serves 1% of the traffic: its outage burns its budget at
	// 500x, the global one at 5x.
	regions := []*region{
		{name: "eu-west-1", perMinute: 600, ratio: 0.0002, exp: &exporter{rate: 10}},
		{name: "us-east-1", perMinute: 60000, ratio: 0.0004, exp: &exporter{rate: 1000}},
	}
	for _, r := range regions {
		r.addr = freePort(t)
	}

	// A month of history, up to a minute ago, into the global
	// Prometheus servers' storage.
	end := time.Now().UTC().Truncate(time.Minute).Add(-time.Minute)
	start := end.Add(-31 * 24 * time.Hour)
	hist, counts := regionHistory(t, svcs, regions, start, end)
	gdir, rwdir := t.TempDir(), t.TempDir()
	om := filepath.Join(gdir, "history.om")
	writeHistory(t, hist, om, start, end, false)
	for _, dir := range []string{gdir, rwdir} {
		if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", om, filepath.Join(dir, "tsdb")).CombinedOutput(); err != nil {
			t.Fatalf("promtool: %v\n%s", err, out)
		}
	}
	// One global Prometheus federates the regions'; another receives
	// what they send by remote write.
	targets := fmt.Sprintf("%q, %q", regions[0].addr, regions[1].addr)
	url, _ := startPrometheusWith(t, gdir, fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 5s}
rule_files: [%q]
scrape_configs:
  - job_name: federate
    honor_labels: true
    metrics_path: /federate
    params: {'match[]': ['{__name__=~"%s"}']}
    static_configs: [{targets: [%s]}]
`, globalRules, edgeSeries, targets), "--storage.tsdb.retention.time=60d") // the month of history, which the default 15d would drop
	prom, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	rwURL, _ := startPrometheusWith(t, rwdir, fmt.Sprintf("global: {evaluation_interval: 5s}\nrule_files: [%q]\n", globalRules),
		"--storage.tsdb.retention.time=60d", "--web.enable-remote-write-receiver")
	received, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: rwURL})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range regions {
		srv := httptest.NewServer(r.exp)
		t.Cleanup(srv.Close)
		rdir := t.TempDir()
		config := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 5s
  external_labels: {region: %s, prometheus_replica: %s-a}
rule_files: [%q]
scrape_configs:
  - job_name: order-api
    static_configs: [{targets: [%q]}]
remote_write:
  - url: %s/api/v1/write
    write_relabel_configs: [{source_labels: [__name__], regex: %q, action: keep}]
    queue_config: {batch_send_deadline: 1s}
`, r.name, r.name, edgeRules, strings.TrimPrefix(srv.URL, "http://"), rwURL, edgeSeries)
		if err := os.WriteFile(filepath.Join(rdir, "prometheus.yml"), []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
		process(t, r.name+".log", "prometheus", "--config.file="+filepath.Join(rdir, "prometheus.yml"),
			"--storage.tsdb.path="+filepath.Join(rdir, "tsdb"), "--web.listen-address="+r.addr)
	}
	vm := startVictoriaMetricsGlobal(t, hist, regions, globalRules, start, end)
	backends := map[string]*budget.HTTPQuerier{"Prometheus federating": prom, "Prometheus receiving remote write": received, "VictoriaMetrics": vm}
	for name, q := range backends {
		t.Run(name+" budgets", func(t *testing.T) { checkRegionBudgets(t, q, counts) })
	}
	regionOutages(t, backends, regions)
}

// startVictoriaMetricsGlobal runs the global tier on VictoriaMetrics: the
// month of history imported, a vmagent per region scraping its
// Prometheus' edge series (as it would scrape the targets themselves)
// and writing them to VictoriaMetrics, and vmalert evaluating the global
// tier's rule file unchanged.
func startVictoriaMetricsGlobal(t *testing.T, hist *engine.Engine, regions []*region, rules string, start, end time.Time) *budget.HTTPQuerier {
	t.Helper()
	vmBin := requireTool(t, "victoria-metrics", "victoria-metrics")
	vmagent := requireTool(t, "vmagent", "victoria-metrics")
	vmalert := requireTool(t, "vmalert", "victoria-metrics")
	dir := t.TempDir()
	vmAddr := freePort(t)
	process(t, "victoria-metrics.log", vmBin, "-httpListenAddr="+vmAddr, "-storageDataPath="+filepath.Join(dir, "vm"), "-search.latencyOffset=1s", "-retentionPeriod=100d")
	vmURL := "http://" + vmAddr
	history := filepath.Join(dir, "history.prom")
	writeHistory(t, hist, history, start, end, true)
	eventually(t, 30*time.Second, "VictoriaMetrics importing the history", func() (bool, string) {
		f, err := os.Open(history)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		resp, err := http.Post(vmURL+"/api/v1/import/prometheus", "text/plain", f)
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusNoContent, resp.Status
	})
	if resp, err := http.Get(vmURL + "/internal/force_flush"); err == nil {
		resp.Body.Close()
	}
	for _, r := range regions {
		config := filepath.Join(dir, r.name+".yml")
		text := fmt.Sprintf(`scrape_configs:
  - job_name: federate
    scrape_interval: 1s
    honor_labels: true
    metrics_path: /federate
    params: {'match[]': ['{__name__=~"%s"}']}
    static_configs: [{targets: [%q]}]
`, edgeSeries, r.addr)
		if err := os.WriteFile(config, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		process(t, "vmagent-"+r.name+".log", vmagent, "-promscrape.config="+config, "-remoteWrite.url="+vmURL+"/api/v1/write",
			"-remoteWrite.flushInterval=1s", "-remoteWrite.tmpDataPath="+filepath.Join(dir, "vmagent-"+r.name), "-httpListenAddr="+freePort(t))
	}
	// vmalert will not run alerting rules without somewhere to send alerts.
	notifier := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(notifier.Close)
	process(t, "vmalert.log", vmalert, "-rule="+rules, "-datasource.url="+vmURL, "-remoteWrite.url="+vmURL,
		"-remoteWrite.flushInterval=1s", "-evaluationInterval=5s", "-httpListenAddr="+freePort(t), "-notifier.url="+notifier.URL)
	q, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: vmURL})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// checkRegionBudgets waits for both regions to report through the global
// evaluator, then holds its 30-day budgets, each region's and the global
// one, to the exact ones of the history (to 0.5 points: the live minutes
// add a little).
func checkRegionBudgets(t *testing.T, prom *budget.HTTPQuerier, counts map[string][][2]float64) {
	t.Helper()
	ctx := context.Background()
	value := func(q string) (float64, string) {
		v, err := prom.Query(ctx, q, time.Now())
		if err != nil || len(v) != 1 {
			return math.NaN(), fmt.Sprint(v, err)
		}
		return float64(v[0].Value), v.String()
	}
	eventually(t, 60*time.Second, "both regions reporting", func() (bool, string) {
		v, s := value(`sum(` + series.RegionReporting + `{service="order-api"})`)
		return v == 2, s
	})
	exact := func(names ...string) float64 {
		var total, bad float64
		for _, name := range names {
			c := counts[name]
			// The last 30 days of minutes.
			for _, m := range c[len(c)-30*24*60:] {
				total, bad = total+m[0], bad+m[1]
			}
		}
		return 1 - bad/total/0.001
	}
	for _, tc := range []struct {
		selector string
		want     float64
	}{
		{`region="eu-west-1"`, exact("eu-west-1")},
		{`region="us-east-1"`, exact("us-east-1")},
		{`region=""`, exact("eu-west-1", "us-east-1")},
	} {
		// vmalert reads what its group's earlier rules wrote once
		// VictoriaMetrics has it: a few evaluations after it starts.
		got := math.NaN()
		eventually(t, 60*time.Second, "the remaining budget {"+tc.selector+"} within 0.5 points of exact", func() (bool, string) {
			var s string
			got, s = value(series.BudgetRemaining + `{service="order-api",` + tc.selector + `}`)
			return math.Abs(got-tc.want) <= 0.005, fmt.Sprintf("%s, exact %.4f", s, tc.want)
		})
		t.Logf("remaining budget {%s}: %.4f, exact %.4f", tc.selector, got, tc.want)
	}
}

// regionOutages fails half the small region's requests: its page fires,
// the global one does not; then the large region's: the global page
// fires too.
func regionOutages(t *testing.T, backends map[string]*budget.HTTPQuerier, regions []*region) {
	t.Helper()
	ctx := context.Background()
	// Which regions page on every backend ("" for the global budget), and
	// which on some.
	pages := func() (all, some map[string]bool, state string) {
		all, some = map[string]bool{"eu-west-1": true, "us-east-1": true, "": true}, map[string]bool{}
		for name, q := range backends {
			v, err := q.Query(ctx, `ALERTS{alertstate="firing",severity="page",service="order-api"}`, time.Now())
			if err != nil {
				return nil, nil, name + ": " + err.Error()
			}
			firing := map[string]bool{}
			for _, s := range v {
				firing[string(s.Metric["region"])] = true
			}
			for r := range all {
				all[r] = all[r] && firing[r]
				some[r] = some[r] || firing[r]
			}
			state += name + ": " + v.String() + "\n"
		}
		return all, some, state
	}
	began := time.Now()
	regions[0].exp.failing.Store(true)
	eventually(t, 120*time.Second, "eu-west-1 paging on every backend", func() (bool, string) {
		all, _, s := pages()
		return all["eu-west-1"], s
	})
	t.Logf("eu-west-1 paged on every backend %s after its outage began", time.Since(began).Round(time.Second))
	// A while longer: the global burn stays under the page's factor.
	for range 15 {
		if _, some, s := pages(); some[""] || some["us-east-1"] {
			t.Fatalf("an outage of 1%% of the traffic paged beyond its region: %s", s)
		}
		time.Sleep(time.Second)
	}
	began = time.Now()
	regions[1].exp.failing.Store(true)
	eventually(t, 120*time.Second, "the global page on every backend", func() (bool, string) {
		all, _, s := pages()
		return all[""] && all["us-east-1"], s
	})
	t.Logf("us-east-1 and the global budget paged on every backend %s after its outage began", time.Since(began).Round(time.Second))
}
