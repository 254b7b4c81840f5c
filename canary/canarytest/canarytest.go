// Package canarytest writes a rollout's traffic into the embedded engine,
// for the tests of the canary check and what calls it: sides of the
// rollout, each with its own labels, rate, errors and slow requests.
package canarytest

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/slokit/slokit/engine"
)

// Side is one side of a rollout's traffic.
type Side struct {
	// Labels tell the side's series apart: name, value pairs such as
	// rollouts_pod_template_hash, 6d4f9.
	Labels []string
	// PerSecond requests arrive, Bad of them (a share) fail and Slow of
	// them are slower than 500ms.
	PerSecond, Bad, Slow float64
	// From is when the side starts serving, after the start.
	From time.Duration
}

// Scrape is how often the sides' counters are written.
const Scrape = 15 * time.Second

// Engine is an engine holding d of the sides' traffic from start: the
// counter http_requests_total{job="order-api",code} (200 or 503) and the
// histogram http_request_duration_seconds_bucket{job="order-api"} with
// buckets 0.5, 2 (every request) and +Inf, each with the side's labels.
func Engine(t testing.TB, start time.Time, d time.Duration, sides ...Side) *engine.Engine {
	t.Helper()
	e, err := engine.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	app := e.Appender(context.Background())
	for _, s := range sides {
		for at := s.From; at <= d; at += Scrape {
			ts := start.Add(at).UnixMilli()
			n := s.PerSecond * (at - s.From).Seconds()
			add := func(v float64, kv ...string) {
				ls := labels.FromStrings(append(append([]string{"job", "order-api"}, s.Labels...), kv...)...)
				if err := app.Add(ls, ts, v); err != nil {
					t.Fatal(err)
				}
			}
			add(n*(1-s.Bad), labels.MetricName, "http_requests_total", "code", "200")
			add(n*s.Bad, labels.MetricName, "http_requests_total", "code", "503")
			add(n*(1-s.Slow), labels.MetricName, "http_request_duration_seconds_bucket", "le", "0.5")
			add(n, labels.MetricName, "http_request_duration_seconds_bucket", "le", "2")
			add(n, labels.MetricName, "http_request_duration_seconds_bucket", "le", "+Inf")
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	return e
}
