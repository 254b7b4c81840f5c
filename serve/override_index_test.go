package serve_test

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/series"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/serve/api"
	"github.com/slokit/slokit/serve/servetest"
	"github.com/slokit/slokit/store"
	"github.com/slokit/slokit/store/files"
)

// listCounting is a store that counts the reads of every override in force.
type listCounting struct {
	store.Store
	lists atomic.Int64
}

func (c *listCounting) Overrides(now time.Time) []gate.Override {
	c.lists.Add(1)
	return c.Store.Overrides(now)
}

// The gate looks at the overrides of the service it decides for only: a
// check, and the overview of every service (anonymous, polled by the UI),
// never read the list of every override. Before, the overview read it once
// per service: with 1,000 services and 900 overrides, 220-340 ms a request
// (BenchmarkGateOverviewWithOverrides: 3.7 ms now).
func TestTheGateLooksAtEachServicesOwnOverrides(t *testing.T) {
	load := servetest.NewGateLoad(100, 1) // one SLO each, its budget spent: frozen
	services := load.Services(t)
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for _, smp := range load.Series["timestamp("+series.BurnRate+")"] {
		smp.Value = model.SampleValue(now.Unix()) // fresh
	}
	files, err := files.OpenFileStore(t.TempDir(), files.AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { files.Close() })
	counting := &listCounting{Store: files}
	f := serveOn(t, serve.Options{Services: services, Querier: staticQuerier(load.Series), Token: token, Store: counting}, now)
	for i := range 90 {
		body := fmt.Sprintf(`{"service":"svc-%03d","reason":"r","author":"a","duration":"1h"}`, i)
		if code, out := f.do(t, "POST", "/api/v1/overrides", "Bearer "+token, body); code != 201 {
			t.Fatalf("override %d: %d %v", i, code, out)
		}
	}
	// One more for svc-000, lasting longer: the longest applies.
	if code, out := f.do(t, "POST", "/api/v1/overrides", "Bearer "+token, `{"service":"svc-000","reason":"r","author":"a","duration":"2h"}`); code != 201 {
		t.Fatalf("override: %d %v", code, out)
	}
	f.refresh(t)
	counting.lists.Store(0)

	code, body := f.raw(t, "GET", "/api/v1/gate")
	var overview api.GateOverview
	if err := json.Unmarshal([]byte(body), &overview); code != 200 || err != nil || len(overview.Services) != 100 {
		t.Fatalf("overview: %d %v", code, err)
	}
	for i, g := range overview.Services {
		want := api.Deny
		if i < 90 {
			want = api.Allow
		}
		if g.Decision != want || (want == api.Allow) != (g.Override != nil) {
			t.Errorf("%s: %s, override %+v: want %s", g.Service, g.Decision, g.Override, want)
		}
	}
	if got := overview.Services[0].Override; got == nil || !got.Expires.Equal(now.Add(2*time.Hour)) {
		t.Errorf("svc-000's override %+v: want the one lasting 2h", got)
	}
	for range 10 {
		f.raw(t, "GET", "/api/v1/gate/svc-001")
	}
	if n := counting.lists.Load(); n != 0 {
		t.Errorf("the overview and 10 checks read every override %d times, want none", n)
	}
}
