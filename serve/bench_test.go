package serve_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
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
	elapsed := load.CheckGates(b, 16, srv.URL)
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
