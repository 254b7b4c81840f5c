// Package simtest prepares the embedded engine over a scenario for other
// packages' tests, as httptest prepares a server. It is for tests only.
package simtest

import (
	"context"
	"testing"
	"time"

	"github.com/slokit/slokit/scenario"
	"github.com/slokit/slokit/simulate"
	"github.com/slokit/slokit/slo"
)

// Replayed is an embedded engine holding the named built-in scenario's
// traffic for the services, with their rules as a server evaluating them
// since deployed would have left them at at (offsets from the scenario's
// start; simulate.Replay). It returns the backtest, closed when the test
// ends, and the time at.
func Replayed(t testing.TB, svcs []*slo.Service, name string, deployed, at time.Duration) (*simulate.Backtest, time.Time) {
	t.Helper()
	sc, err := scenario.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	b, ts, err := simulate.Replay(context.Background(), simulate.Options{Scenario: sc, Services: svcs, Dir: t.TempDir()}, deployed, at)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, ts
}
