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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/series"
)

// clockExporter serves a counter that grows with the wall clock, scraped or
// not, as a service's does while its Prometheus is down: rate requests a
// second, none failing.
type clockExporter struct {
	mu    sync.Mutex
	start time.Time
	rate  float64
}

func (e *clockExporter) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fmt.Fprintf(w, "# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\"} %g\n", e.count(time.Now()))
}

func (e *clockExporter) count(t time.Time) float64 { return t.Sub(e.start).Seconds() * e.rate }

// A region's Prometheus stopped for three minutes, at the rules' real
// interval: at its first evaluation after, its edge records what the gap
// missed from the raw counter, and the global evaluator, federating it,
// counts the region's events over the gap in full. (The edge must have
// run before the gap: an hour of its history is written first.)
func TestARegionsPrometheusDownIsRecovered(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Prometheus servers at their real rule interval for minutes")
	}
	promtool := requireTool(t, "promtool", "prometheus")
	prom := requireTool(t, "prometheus", "prometheus")
	t.Parallel()
	dir := t.TempDir()
	spec := filepath.Join(dir, "order-api.yaml")
	if err := os.WriteFile(spec, []byte(regionSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	edgeRules, globalRules := filepath.Join(dir, "edge.yaml"), filepath.Join(dir, "global.yaml")
	if err := os.WriteFile(edgeRules, slokit(t, "generate", "--tier", "edge", spec), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(globalRules, slokit(t, "generate", "--tier", "global", spec), 0o644); err != nil {
		t.Fatal(err)
	}
	exp := &clockExporter{start: time.Now().Add(-3 * time.Hour), rate: 10}
	srv := httptest.NewServer(exp)
	t.Cleanup(srv.Close)

	// The edge's last two hours, as it would have recorded them, into the
	// region's storage (OpenMetrics wants one family after the other).
	edgeDir := t.TempDir()
	now := time.Now().Truncate(time.Minute)
	var om bytes.Buffer
	for _, name := range []string{series.EdgeTotal, series.EdgeErrors} {
		v := 0.0
		if name == series.EdgeTotal {
			v = 60 * exp.rate
		}
		for ts := now.Add(-2 * time.Hour); ts.Before(now.Add(-time.Minute)); ts = ts.Add(time.Minute) {
			fmt.Fprintf(&om, "%s{service=\"order-api\",slo=\"availability\",window=\"1m\"} %g %s\n", name, v, strconv.FormatInt(ts.Unix(), 10))
		}
	}
	// And the raw counter, as the edge scraped it: the gap's recovery
	// reads it an hour back.
	target := strings.TrimPrefix(srv.URL, "http://")
	for ts := now.Add(-2 * time.Hour); ts.Before(now.Add(-time.Minute)); ts = ts.Add(15 * time.Second) {
		fmt.Fprintf(&om, "http_requests_total{code=\"200\",instance=%q,job=\"order-api\"} %g %s\n", target, exp.count(ts), strconv.FormatInt(ts.Unix(), 10))
	}
	om.WriteString("# EOF\n")
	omFile := filepath.Join(dir, "edge.om")
	if err := os.WriteFile(omFile, om.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", omFile, filepath.Join(edgeDir, "tsdb")).CombinedOutput(); err != nil {
		t.Fatalf("promtool: %v\n%s", err, out)
	}
	edgeAddr := freePort(t)
	config := fmt.Sprintf(`global:
  scrape_interval: 5s
  evaluation_interval: 1m
  external_labels: {region: eu-west-1}
rule_files: [%q]
scrape_configs:
  - job_name: order-api
    static_configs: [{targets: [%q]}]
`, edgeRules, target)
	if err := os.WriteFile(filepath.Join(edgeDir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	startEdge := func() *exec.Cmd {
		return process(t, "edge.log", prom, "--config.file="+filepath.Join(edgeDir, "prometheus.yml"),
			"--storage.tsdb.path="+filepath.Join(edgeDir, "tsdb"), "--web.listen-address="+edgeAddr)
	}
	edge := startEdge()
	gdir := t.TempDir()
	url, _ := startPrometheusWith(t, gdir, fmt.Sprintf(`global: {scrape_interval: 5s, evaluation_interval: 1m}
rule_files: [%q]
scrape_configs:
  - job_name: federate
    honor_labels: true
    metrics_path: /federate
    params: {'match[]': ['{__name__=~"%s"}']}
    static_configs: [{targets: [%q]}]
`, globalRules, edgeSeries, edgeAddr))
	q, err := budget.NewHTTPQuerier(budget.HTTPOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	value := func(expr string, at time.Time) (float64, string) {
		v, err := q.Query(ctx, expr, at)
		if err != nil || len(v) != 1 {
			return math.NaN(), fmt.Sprint(v, err)
		}
		return float64(v[0].Value), v.String()
	}
	regional := series.Total + `{region="eu-west-1",window="1m"}`
	// The two minutes before the gap, which the count below starts with,
	// hold two of the region's increments and no recovery: the edge's
	// first evaluation recovers what the minutes between its history and
	// its start missed, which the exporter's count below leaves out.
	eventually(t, 5*time.Minute, "the global evaluator counting eu-west-1's increments", func() (bool, string) {
		v, s := value(`count_over_time(`+regional+`[2m])`, time.Now())
		early, _ := value(`count_over_time(`+series.EdgeTotal+`{recovered="gap"}[150s])`, time.Now())
		return v >= 2 && !(early > 0), s
	})

	// Three minutes down (two or three evaluations missed), then back on
	// the same storage.
	stop(edge)()
	down := time.Now()
	time.Sleep(3 * time.Minute)
	startEdge()
	var recovered float64
	eventually(t, 4*time.Minute, "the edge's recovery reaching the global evaluator", func() (bool, string) {
		v, s := value(`sum(max_over_time(`+series.EdgeTotal+`{recovered="gap"}[10m]))`, time.Now())
		recovered = v
		return v > 0, s
	})
	// What the gap hid, at least the two evaluations surely missed.
	if recovered < 2*60*exp.rate {
		t.Errorf("the edge recovered %.0f events of a 3-minute gap at %g a second", recovered, exp.rate)
	}
	// Within two base windows' events, where the range cuts the minutes
	// (seen: 3,638 counted where the exporter counted 3,000, over a 3m
	// gap whose 2,098 recovered events made up the difference), once the
	// global evaluator has added the recovery up. The range starts two
	// minutes before the gap and ends now: the global evaluator's
	// increments lag the exporter's count by a minute and a half at both
	// ends, which a steady rate evens out.
	from := down.Add(-2 * time.Minute)
	var got, want float64
	eventually(t, 4*time.Minute, "the global evaluator's count over the gap within two base windows of the exporter's", func() (bool, string) {
		to := time.Now().Add(-5 * time.Second)
		var s string
		got, s = value(fmt.Sprintf(`sum_over_time(%s[%ds])`, regional, int(to.Sub(from).Seconds())), to)
		want = exp.count(to) - exp.count(from)
		return to.After(down.Add(4*time.Minute)) && math.Abs(got-want) <= 2*60*exp.rate, fmt.Sprintf("%s, the exporter counted %.0f", s, want)
	})
	t.Logf("eu-west-1 down 3m: the edge recovered %.0f events; the global evaluator counted %.0f around the gap, the exporter %.0f", recovered, got, want)
}
