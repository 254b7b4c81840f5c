package serve_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/slo"
)

// staticQuerier answers the budget queries with fixed series for every SLO
// of the benchmark: the HTTP layer is measured, not a backend.
type staticQuerier map[string]model.Vector

func (q staticQuerier) Query(_ context.Context, query string, _ time.Time) (model.Vector, error) {
	return q[query], nil
}

// BenchmarkGateChecks sends gate checks over loopback to a service holding
// 1,000 SLOs (100 services of 10) with 16 concurrent clients, and reports
// checks per second and the 99th-percentile latency. Run it bounded, as
// make bench does: -benchtime 20000x.
func BenchmarkGateChecks(b *testing.B) {
	load := fixture.NewGateLoad(100, 10)
	q := staticQuerier(load.Series)
	var services []*slo.Service
	for _, spec := range load.Specs {
		svcs, diags := slo.Parse([]byte(spec))
		if err := diags.Errors(); err != nil {
			b.Fatal(err)
		}
		services = append(services, svcs...)
	}
	dir := b.TempDir()
	store, err := serve.OpenFileStore(dir, serve.AuditOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	s, err := serve.New(serve.Options{Services: services, Querier: q, Store: store})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := s.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Logf("refreshing 1,000 SLOs took %s", time.Since(start))
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	const workers = 16
	latencies := make([]time.Duration, b.N)
	var next, failures int64
	var mu sync.Mutex
	b.ResetTimer()
	begin := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				resp, err := client.Get(fmt.Sprintf("%s/api/v1/gate/svc-%03d?change=normal", srv.URL, i%100))
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				latencies[i] = time.Since(t0)
				if err != nil || resp.StatusCode != http.StatusOK {
					mu.Lock()
					failures++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)
	b.StopTimer()
	if failures > 0 {
		b.Errorf("%d of %d checks failed", failures, b.N)
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "checks/s")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	// What the audit log grew by over the run: repeated decisions are
	// counted, not written one by one.
	if err := store.Sync(context.Background()); err != nil {
		b.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "audit.jsonl")); err == nil {
		b.ReportMetric(float64(st.Size()), "audit-bytes")
		b.ReportMetric(elapsed.Seconds(), "seconds")
	}
}
