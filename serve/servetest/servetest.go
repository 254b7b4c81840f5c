// Package servetest holds the gate benchmarks' workload, shared by serve's
// benchmarks and the end-to-end ones. It is for tests only.
package servetest

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/budget"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/slo"
)

// GateLoad is the gate benchmarks' workload: services of ratio SLOs at
// 99.9%, their specs, and the series a backend would answer the budget
// queries with for them (remaining budget, burn rates and their
// timestamps), so that a benchmark measures the gate, not a backend.
type GateLoad struct {
	// Specs are spec files' contents by file name, svc-000.yaml onwards.
	Specs map[string]string
	// Series are the answers by query.
	Series map[string]model.Vector
}

// NewGateLoad builds services of slosPerService SLOs each.
func NewGateLoad(services, slosPerService int) GateLoad {
	load := GateLoad{Specs: map[string]string{}, Series: map[string]model.Vector{}}
	q := budget.ReadQueries
	for i := range services {
		var sb strings.Builder
		fmt.Fprintf(&sb, "apiVersion: slokit.dev/v1\nkind: ServiceLevels\nservice: svc-%03d\nslos:\n", i)
		for j := range slosPerService {
			fmt.Fprintf(&sb, "  - name: slo-%d\n    objective: 99.9\n    sli: {ratio: {errors: 'r{code=\"500\",s=\"%d-%d\"}', total: 'r{s=\"%d-%d\"}'}}\n", j, i, j, i, j)
			m := model.Metric{series.ServiceLabel: model.LabelValue(fmt.Sprintf("svc-%03d", i)), series.SLOLabel: model.LabelValue(fmt.Sprintf("slo-%d", j)), series.ObjectiveLabel: "99.9"}
			rem := m.Clone()
			rem[series.WindowLabel] = "30d"
			load.Series[q.Remaining] = append(load.Series[q.Remaining], &model.Sample{Metric: rem, Value: model.SampleValue(float64(j) / float64(slosPerService))})
			for _, w := range []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d"} {
				br := m.Clone()
				br[series.WindowLabel] = model.LabelValue(w)
				load.Series[q.BurnRates] = append(load.Series[q.BurnRates], &model.Sample{Metric: br, Value: 0.5})
				load.Series[q.Stamps] = append(load.Series[q.Stamps], &model.Sample{Metric: br})
			}
		}
		load.Specs[fmt.Sprintf("svc-%03d.yaml", i)] = sb.String()
	}
	return load
}

// Services are the load's services, parsed from its specs (map order:
// the gate sorts them).
func (l GateLoad) Services(tb testing.TB) []*slo.Service {
	tb.Helper()
	var services []*slo.Service
	for _, spec := range l.Specs {
		svcs, diags := slo.Parse([]byte(spec))
		if err := diags.Errors(); err != nil {
			tb.Fatal(err)
		}
		services = append(services, svcs...)
	}
	return services
}

// CheckGates sends b.N gate checks of normal changes, spread over the
// load's services and over servers (base URLs, taken in turn), from
// workers concurrent clients, fails the benchmark if any check does not
// answer 200, and reports checks per second and the 99th-percentile
// latency. It returns the time the checks took, with the timer stopped.
func (l GateLoad) CheckGates(b *testing.B, workers int, servers ...string) time.Duration {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	services := len(l.Specs)
	latencies := make([]time.Duration, b.N)
	var next, failures atomic.Int64
	b.ResetTimer()
	begin := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				resp, err := client.Get(fmt.Sprintf("%s/api/v1/gate/svc-%03d?change=normal", servers[i%int64(len(servers))], i%int64(services)))
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				latencies[i] = time.Since(t0)
				if err != nil || resp.StatusCode != http.StatusOK {
					failures.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)
	b.StopTimer()
	if failures.Load() > 0 {
		b.Errorf("%d of %d checks failed", failures.Load(), b.N)
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "checks/s")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	return elapsed
}
