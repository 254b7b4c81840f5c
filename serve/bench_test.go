package serve_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/serve/servetest"
	"github.com/slokit/slokit/store/files"
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
	load, store, dir, srv := loadedServer(b)
	elapsed := load.CheckGates(b, 16, srv.URL)
	// What the audit log grew by over the run: repeated decisions are
	// counted, not written one by one.
	if err := store.Sync(context.Background()); err != nil {
		b.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "decisions.jsonl")); err == nil {
		b.ReportMetric(float64(st.Size()), "audit-bytes")
		b.ReportMetric(elapsed.Seconds(), "seconds")
	}
}

// BenchmarkUIOverview measures what the web UI's overview asks the server
// for, with 1,000 SLOs (100 services of 10): the budget state of every SLO
// and every service's gate decision, over loopback, one page load per op:
// uncompressed, gzip-compressed as a browser asks (bytes on the wire), and
// revalidated with the ETags of the last load (304s, as a browser polls).
// The bound is 50 ms of server time per page.
func BenchmarkUIOverview(b *testing.B) {
	_, _, _, srv := loadedServer(b)
	paths := []string{"/api/v1/slos", "/api/v1/gate"}
	for _, mode := range []string{"identity", "gzip", "revalidated"} {
		b.Run(mode, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
			etags := map[string]string{}
			var bytes int64
			for b.Loop() {
				bytes = 0
				for _, path := range paths {
					req, _ := http.NewRequest("GET", srv.URL+path, nil)
					if mode != "identity" {
						req.Header.Set("Accept-Encoding", "gzip")
					}
					if mode == "revalidated" && etags[path] != "" {
						req.Header.Set("If-None-Match", etags[path])
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotModified {
						b.Fatalf("%s: %s", path, resp.Status)
					}
					etags[path] = resp.Header.Get("ETag")
					bytes += n
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
			b.ReportMetric(float64(bytes), "bytes/page")
		})
	}
}

// loadedServer serves the gate benchmarks' workload, 1,000 SLOs (100
// services of 10), refreshed once, with a file store in dir; both close
// when the benchmark ends.
func loadedServer(b *testing.B) (load servetest.GateLoad, store *files.FileStore, dir string, srv *httptest.Server) {
	b.Helper()
	load = servetest.NewGateLoad(100, 10)
	services := load.Services(b)
	dir = b.TempDir()
	store, err := files.OpenFileStore(dir, files.AuditOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	s, err := serve.New(serve.Options{Services: services, Querier: staticQuerier(load.Series), Store: store})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := s.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Logf("refreshing 1,000 SLOs took %s", time.Since(start))
	srv = httptest.NewServer(s.Handler())
	b.Cleanup(srv.Close)
	return load, store, dir, srv
}

// BenchmarkGateOverviewWithOverrides measures GET /api/v1/gate, which the
// web UI polls anonymously every 30 s, over 1,000 services (of one SLO,
// its budget spent) with 900 overrides in force: it costs services +
// overrides, not their product (TestTheGateLooksAtEachServicesOwnOverrides).
func BenchmarkGateOverviewWithOverrides(b *testing.B) {
	load := servetest.NewGateLoad(1000, 1)
	services := load.Services(b)
	store, err := files.OpenFileStore(b.TempDir(), files.AuditOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	now := time.Now()
	for i := range 900 {
		if _, err := store.CreateOverride(context.Background(), gate.Override{Service: fmt.Sprintf("svc-%03d", i), Reason: "r", Author: "a", Expires: now.Add(time.Hour)}, "", now); err != nil {
			b.Fatal(err)
		}
	}
	s, err := serve.New(serve.Options{Services: services, Querier: staticQuerier(load.Series), Store: store})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	b.Cleanup(srv.Close)
	for b.Loop() {
		resp, err := http.Get(srv.URL + "/api/v1/gate")
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/overview")
}
