package test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/engine"
	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/report"
	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/simulate"
	"github.com/slokit/slokit/slo/slotest"
)

// slokit report against a real Prometheus holding known data: the outage
// scenario's raw counters, the series the rules record over it and the
// ALERTS they raise, computed on the embedded engine, written as
// OpenMetrics and turned into blocks by the real promtool. The report's
// events are the raw counters' growth, and its figures equal those of the
// same report read from the embedded engine.
func TestReportFromARealPrometheus(t *testing.T) {
	promtool := requireTool(t, "promtool", "prometheus")
	requireTool(t, "prometheus", "prometheus")
	t.Parallel()
	dir := t.TempDir()
	spec := filepath.Join(dir, "order-api.yaml")
	text := fixture.OrderAPISpec(fixture.OrderAPIOptions{SLOYAML: "alerting:\n  page: {severity: critical}"})
	if err := os.WriteFile(spec, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	svcs := slotest.Services(t, text)
	sc, err := scenario.Lookup("outage")
	if err != nil {
		t.Fatal(err)
	}
	// Recent enough for Prometheus' retention; whole minutes.
	end := time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)
	ctx := context.Background()
	b, err := simulate.History(ctx, svcs, sc, filepath.Join(dir, "engine"), end)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	from, to := b.Start().Truncate(time.Minute), b.End().Truncate(time.Minute)

	// Every series, as OpenMetrics, into blocks.
	om := filepath.Join(dir, "history.om")
	n := writeOpenMetrics(t, b.Engine, om, to.Sub(from)+time.Hour, to)
	blocks := filepath.Join(dir, "tsdb")
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", om, blocks).CombinedOutput(); err != nil {
		t.Fatalf("promtool: %v\n%s", err, out)
	}
	url, _ := startPrometheusWith(t, dir, "global: {scrape_interval: 1m}\n")
	// startPrometheusWith keeps its TSDB in dir/tsdb: the blocks are there.
	prom, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	value := func(q string) float64 {
		t.Helper()
		v, err := prom.Query(ctx, q, to)
		if err != nil || len(v) != 1 {
			t.Fatalf("%s: %v %v", q, v, err)
		}
		return float64(v[0].Value)
	}
	eventually(t, 30*time.Second, "Prometheus serving the blocks", func() (bool, string) {
		v, err := prom.Query(ctx, "count(last_over_time(ALERTS[1d]))", to)
		return err == nil && len(v) == 1, fmt.Sprint(v, err)
	})
	t.Logf("%d series written as OpenMetrics", n)

	args := []string{"report", "--prometheus-url", url, "--format", "json", "--last", model.Duration(time.Since(from).Truncate(time.Minute) + time.Minute).String(), spec}
	var got report.Report
	if err := json.Unmarshal(slokit(t, args...), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) != 1 {
		t.Fatalf("rows: %+v", got.Rows)
	}
	row := got.Rows[0]
	// The same report over the same stretch, from the embedded engine.
	want, err := report.Build(ctx, report.Options{Services: svcs, From: got.From, To: got.To, Querier: engine.ModelQuerier{Engine: b.Engine}})
	if err != nil {
		t.Fatal(err)
	}
	w := want.Rows[0]
	t.Logf("from Prometheus: %+v", row)
	if row.Events != w.Events || row.BadEvents != w.BadEvents || row.Pages != w.Pages || row.Tickets != w.Tickets {
		t.Errorf("from Prometheus %+v, from the engine %+v", row, w)
	}
	// Staleness markers are not in OpenMetrics: an alert that resolved
	// looks firing for five more minutes, and the budget spent five
	// minutes longer after it recovered, which it does not here.
	if math.Abs(row.PagingSeconds-w.PagingSeconds) > 2*5*60 || math.Abs(row.ExhaustedSeconds-w.ExhaustedSeconds) > 5*60 {
		t.Errorf("paging %.0fs and exhausted %.0fs, from the engine %.0fs and %.0fs", row.PagingSeconds, row.ExhaustedSeconds, w.PagingSeconds, w.ExhaustedSeconds)
	}
	// The raw counters' growth over the whole history, which the
	// report's stretch holds: what the rules counted.
	events := value(`sum(http_requests_total{job="order-api"})`)
	bad := value(`sum(http_requests_total{job="order-api",code=~"5.."})`)
	if math.Abs(row.Events-events) > 0.005*events || math.Abs(row.BadEvents-bad) > 0.01*bad {
		t.Errorf("events %.0f and bad %.0f, the raw counters counted %.0f and %.0f", row.Events, row.BadEvents, events, bad)
	}
	if row.Pages != 2 || row.Tickets != 2 || row.Met == nil || *row.Met {
		t.Errorf("an outage: pages %d, tickets %d, met %v: want 2, 2 and missed", row.Pages, row.Tickets, row.Met)
	}
}

// writeOpenMetrics writes every series of the engine over the last span up
// to t as OpenMetrics, one family after the other, and returns how many
// series it wrote.
func writeOpenMetrics(t *testing.T, e *engine.Engine, path string, span time.Duration, at time.Time) int {
	return writeSamples(t, e, path, span, at, nil, false)
}

// writeSamples writes the samples of every series of the engine over the
// last span up to at that keep keeps (all when nil), one family after the
// other: as OpenMetrics, or with millis as the Prometheus text format
// VictoriaMetrics imports (timestamps in milliseconds, no # EOF). It
// returns how many series it read.
func writeSamples(t *testing.T, e *engine.Engine, path string, span time.Duration, at time.Time, keep func(name string, ts time.Time) bool, millis bool) int {
	t.Helper()
	m, err := e.QueryMatrix(context.Background(), fmt.Sprintf(`{__name__=~".+"}[%s]`, model.Duration(span)), at)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(m, func(a, b promql.Series) int { return labels.Compare(a.Metric, b.Metric) })
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	for _, s := range m {
		name := s.Metric.Get(labels.MetricName)
		var ls []string
		s.Metric.Range(func(l labels.Label) {
			if l.Name != labels.MetricName {
				ls = append(ls, l.Name+"="+strconv.Quote(l.Value))
			}
		})
		head := name + "{" + strings.Join(ls, ",") + "}"
		for _, p := range s.Floats {
			if keep != nil && !keep(name, time.UnixMilli(p.T)) {
				continue
			}
			ts := strconv.FormatFloat(float64(p.T)/1000, 'f', 3, 64)
			if millis {
				ts = strconv.FormatInt(p.T, 10)
			}
			fmt.Fprintf(w, "%s %s %s\n", head, strconv.FormatFloat(p.F, 'g', -1, 64), ts)
		}
	}
	if !millis {
		w.WriteString("# EOF\n")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return len(m)
}

// A maintenance window made through slokit serve's API reaches the rules
// a real Prometheus evaluates: serve exports it, Prometheus scrapes it, and
// the base increments are zero while it holds, then count again once it
// is ended.
func TestMaintenanceThroughServeReachesPrometheusRules(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus and serve")
	}
	t.Parallel()
	dir, spec, rules, exp, target := story(t)
	serveAddr := freePort(t)
	promURL, _ := startPrometheusWith(t, dir, fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 5s}
rule_files: [%q]
scrape_configs:
  - job_name: order-api
    static_configs: [{targets: [%q]}]
  - job_name: slokit
    static_configs: [{targets: [%q]}]
`, rules, target, serveAddr))
	process(t, "serve.log", slokitBin, "serve", "--prometheus-url", promURL, "--listen", serveAddr, "--refresh", "2s",
		"--data-dir", filepath.Join(dir, "data"), "--token-env", "SLOKIT_E2E_TOKEN", spec)
	exp.failing.Store(true)
	prom, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: promURL})
	if err != nil {
		t.Fatal(err)
	}
	latest := func(q string) (float64, string) {
		v, err := prom.Query(context.Background(), q, time.Now())
		if err != nil || len(v) != 1 {
			return math.NaN(), fmt.Sprint(v, err)
		}
		return float64(v[0].Value), v.String()
	}
	errorsNow := series.Errors + `{service="order-api",window="1m"}`
	active := series.Maintenance + `{service="order-api"}`
	eventually(t, 60*time.Second, "errors counted", func() (bool, string) {
		v, s := latest(errorsNow)
		return v > 0, s
	})
	server := "http://" + serveAddr
	var id string
	eventually(t, 30*time.Second, "the window made", func() (bool, string) {
		code, body := authorized("POST", server+"/api/v1/maintenance", `{"service":"order-api","reason":"database upgrade","author":"e2e","duration":"10m"}`)
		var m struct{ ID string }
		_ = json.Unmarshal([]byte(body), &m)
		id = m.ID
		return code == 201, body
	})
	// While the window holds, the rules record it and no base increment:
	// its minutes count nothing. Outside one, neither is recorded, and
	// Prometheus marks the series stale.
	absent := func(q string) bool {
		v, err := prom.Query(context.Background(), q, time.Now())
		return err == nil && len(v) == 0
	}
	eventually(t, 30*time.Second, "the rules reading the window", func() (bool, string) {
		m, s := latest(active)
		return m == 1 && absent(errorsNow), s
	})
	if code, body := authorized("DELETE", server+"/api/v1/maintenance/"+id, ""); code != 204 {
		t.Fatalf("ending the window: %d %s", code, body)
	}
	// The rules read the window over the last half base window (30s),
	// which at this test's 5s evaluations holds the window's last samples
	// for 30s after it ends.
	eventually(t, 60*time.Second, "errors counted again", func() (bool, string) {
		e, s := latest(errorsNow)
		return absent(active) && e > 0, s
	})
}
