package postgres_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/internal/pgtest"
	"github.com/slokit/slokit/report"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/store"
	"github.com/slokit/slokit/store/postgres"
)

// clock is a settable time for a store's Now.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }
func newClock(t time.Time) *clock    { c := &clock{}; c.set(t); return c }
func open(t *testing.T, pg *pgtest.Server, o postgres.Options) *postgres.Store {
	t.Helper()
	if o.URL == "" {
		o.URL = pg.URL
	}
	s, err := postgres.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// eventually polls cond every 20ms until it holds or limit passes.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func has(list []gate.Override, id string) bool {
	for _, ov := range list {
		if ov.ID == id {
			return true
		}
	}
	return false
}

// Replicas that start together apply each migration once.
func TestReplicasStartingTogetherMigrateOnce(t *testing.T) {
	pg := pgtest.Start(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(context.Background(), postgres.Options{URL: pg.URL})
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(pg.Exec(t, "SELECT string_agg(version::text, ',' ORDER BY version) FROM slokit_schema")); got != "1,2" {
		t.Errorf("schema versions %q, want each once", got)
	}
}

// A change on one replica applies on another at once (LISTEN/NOTIFY),
// with its audit record; the audit table refuses to be rewritten.
func TestOverridesReachEveryReplica(t *testing.T) {
	pg := pgtest.Start(t)
	ctx := context.Background()
	a, b := open(t, pg, postgres.Options{Replica: "a"}), open(t, pg, postgres.Options{Replica: "b"})
	now := time.Now()
	ov, err := a.CreateOverride(ctx, gate.Override{Service: "order-api", Reason: "hotfix window", Author: "alice", Expires: now.Add(time.Hour)}, "10.0.0.1", now)
	if err != nil {
		t.Fatal(err)
	}
	if !has(a.Overrides(now), ov.ID) {
		t.Fatal("the replica that made the override does not apply it")
	}
	eventually(t, 2*time.Second, "the override reaching the other replica", func() bool { return has(b.Overrides(time.Now()), ov.ID) })
	got := b.Overrides(time.Now())[0]
	if got.Service != "order-api" || got.Author != "alice" || !got.Expires.Equal(ov.Expires) || !got.Created.Equal(ov.Created) {
		t.Errorf("the other replica has %+v, want %+v", got, ov)
	}
	// Changed on the other replica: extended, with a new reason.
	longer := ov.Expires.Add(2 * time.Hour)
	changed, ok, err := b.ChangeOverride(ctx, ov.ID, store.OverrideChange{Expires: longer, Reason: "the fix needs a rebuild", Author: "bob"}, "10.0.0.2", time.Now())
	if !ok || err != nil || !changed.Expires.Equal(longer) || changed.Author != "alice" || changed.Reason != "the fix needs a rebuild" {
		t.Fatalf("change: %+v %v %v", changed, ok, err)
	}
	eventually(t, 2*time.Second, "the change reaching the first replica", func() bool {
		list := a.Overrides(time.Now())
		return len(list) == 1 && list[0].Expires.Equal(longer) && list[0].Reason == changed.Reason
	})
	// What the gate asks at every check: the service's own, as changed.
	if act := a.ActiveOverride("order-api", time.Now()); act == nil || act.ID != ov.ID || !act.Expires.Equal(longer) {
		t.Errorf("the first replica's active override of order-api: %+v", act)
	}
	if act := b.ActiveOverride("payment", time.Now()); act != nil {
		t.Errorf("payment has an override: %+v", act)
	}
	if _, ok, err := b.ChangeOverride(ctx, "ovr-none", store.OverrideChange{Expires: longer, Reason: "r", Author: "bob"}, "", time.Now()); ok || err != nil {
		t.Errorf("changing an override that does not exist: %v %v", ok, err)
	}
	if ok, err := b.DeleteOverride(ctx, ov.ID, "bob", "10.0.0.2", time.Now()); !ok || err != nil {
		t.Fatalf("delete: %v %v", ok, err)
	}
	if ok, err := b.DeleteOverride(ctx, ov.ID, "bob", "10.0.0.2", time.Now()); ok || err != nil {
		t.Fatalf("deleting twice: %v %v", ok, err)
	}
	eventually(t, 2*time.Second, "the deletion reaching the first replica", func() bool { return !has(a.Overrides(time.Now()), ov.ID) })
	if act := a.ActiveOverride("order-api", time.Now()); act != nil {
		t.Errorf("a deleted override still applies: %+v", act)
	}

	if got := pg.Exec(t, "SELECT kind || ' ' || client || ' ' || (entry->'override'->>'id') FROM slokit_audit ORDER BY seq"); got != "override-created 10.0.0.1 "+ov.ID+"\noverride-changed 10.0.0.2 "+ov.ID+"\noverride-deleted 10.0.0.2 "+ov.ID+"\n" {
		t.Errorf("audit trail:\n%s", got)
	}
	for _, sql := range []string{"UPDATE slokit_audit SET client = 'x'", "DELETE FROM slokit_audit", "TRUNCATE slokit_audit"} {
		out, err := pg.Command("psql", "-h", "127.0.0.1", "-p", pg.PortString(), "-U", "slokit", "-d", "slokit", "-v", "ON_ERROR_STOP=1", "-c", sql).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "append-only") {
			t.Errorf("%s: %v %s", sql, err, out)
		}
	}
}

// A maintenance window made on one replica is exported by every other,
// and its end reaches them all, with both audited.
func TestMaintenanceWindowsReachEveryReplica(t *testing.T) {
	pg := pgtest.Start(t)
	ctx := context.Background()
	a, b := open(t, pg, postgres.Options{Replica: "a"}), open(t, pg, postgres.Options{Replica: "b"})
	now := time.Now()
	m, err := a.CreateMaintenance(ctx, gate.Maintenance{Service: "order-api", SLO: "availability", Start: now, End: now.Add(time.Hour), Reason: "database upgrade", Author: "alice"}, "10.0.0.1", now)
	if err != nil {
		t.Fatal(err)
	}
	in := func(list []gate.Maintenance) bool {
		return slices.ContainsFunc(list, func(w gate.Maintenance) bool { return w.ID == m.ID })
	}
	if !in(a.Maintenance(now)) {
		t.Fatal("the replica that made the window does not have it")
	}
	eventually(t, 2*time.Second, "the window reaching the other replica", func() bool { return in(b.Maintenance(time.Now())) })
	if got := b.Maintenance(time.Now())[0]; got.SLO != "availability" || !got.End.Equal(m.End) || got.Author != "alice" {
		t.Errorf("the other replica has %+v, want %+v", got, m)
	}
	if in(b.Maintenance(m.End)) {
		t.Error("a window is listed once it has ended")
	}
	if ok, err := b.EndMaintenance(ctx, m.ID, "carol", "10.0.0.2", time.Now()); !ok || err != nil {
		t.Fatalf("end: %v %v", ok, err)
	}
	if ok, err := b.EndMaintenance(ctx, m.ID, "carol", "10.0.0.2", time.Now()); ok || err != nil {
		t.Fatalf("ending twice: %v %v", ok, err)
	}
	eventually(t, 2*time.Second, "the end reaching the first replica", func() bool { return !in(a.Maintenance(time.Now())) })
	if got := pg.Exec(t, "SELECT kind || ' ' || client || ' ' || (entry->'maintenance'->>'id') FROM slokit_audit ORDER BY seq"); got != "maintenance-created 10.0.0.1 "+m.ID+"\nmaintenance-ended 10.0.0.2 "+m.ID+"\n" {
		t.Errorf("audit trail:\n%s", got)
	}

	// What slokit report reads: denials, overrides and windows per service.
	for range 3 {
		if err := a.Decision(gate.Decision{Service: "order-api", Change: "normal", Verdict: gate.Deny}, "10.0.0.3", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Decision(gate.Decision{Service: "order-api", Change: "normal", Verdict: gate.Allow}, "10.0.0.3", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreateOverride(ctx, gate.Override{Service: "payment", Reason: "r", Author: "bob", Expires: time.Now().Add(time.Hour)}, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	act, err := b.Activity(ctx, now.Add(-time.Hour), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if act["order-api"] != (report.Activity{Denies: 3, Maintenance: 1}) || act["payment"] != (report.Activity{Overrides: 1}) {
		t.Errorf("activity %+v", act)
	}
	if act, err := b.Activity(ctx, now.Add(-2*time.Hour), now.Add(-time.Hour)); err != nil || len(act) != 0 {
		t.Errorf("activity before any: %+v %v", act, err)
	}
	// The web UI's audit trail of a service, newest first.
	trail, err := b.Audit(ctx, "order-api", 10)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range trail {
		kinds = append(kinds, e.Kind)
	}
	// Three denies (one written, two counted), the allow, the window made
	// and ended (its end names the service, and who ended it).
	if len(trail) != 5 || kinds[3] != "maintenance-ended" || trail[3].By != "carol" || kinds[4] != "maintenance-created" || !slices.Contains(kinds, "decisions-repeated") {
		t.Errorf("order-api's trail: %v", kinds)
	}
	// A canary verdict, queued with the decisions, joins the trail with
	// its figures, from the other replica too.
	verdict := store.AuditEntry{Time: time.Now(), Kind: "canary-verdict", Client: "10.0.0.4", Canary: &store.CanaryRecord{
		Service: "order-api", Verdict: "fail", Change: "normal", Window: "10m", Confidence: 0.99, Canary: `h="b"`, Baseline: `h="a"`,
		Objectives: []store.CanaryObjectiveRecord{{SLO: "availability", Objective: "99.95", Verdict: "fail", CanaryTotal: 3000, CanaryBad: 15, CanaryBurnRate: 10}},
	}}
	if err := a.Verdict(verdict); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	trail, err = b.Audit(ctx, "order-api", 1)
	if err != nil || len(trail) != 1 || trail[0].Canary == nil || trail[0].Canary.Objectives[0].CanaryBad != 15 || trail[0].Client != "10.0.0.4" {
		t.Errorf("the canary verdict: %v %+v", err, trail)
	}
}

// An override that expires stops applying everywhere, with no change.
func TestExpiredOverridesStopApplying(t *testing.T) {
	pg := pgtest.Start(t)
	c := newClock(time.Now())
	a := open(t, pg, postgres.Options{Now: c.now})
	ov, err := a.CreateOverride(context.Background(), gate.Override{Service: "menu", Reason: "r", Author: "a", Expires: c.now().Add(time.Minute)}, "", c.now())
	if err != nil {
		t.Fatal(err)
	}
	if !has(a.Overrides(c.now()), ov.ID) {
		t.Fatal("not in force")
	}
	c.add(2 * time.Minute)
	b := open(t, pg, postgres.Options{Now: c.now})
	if has(a.Overrides(c.now()), ov.ID) || has(b.Overrides(c.now()), ov.ID) {
		t.Error("an expired override still applies")
	}
}

// With the database down: the gate decides on the last known overrides
// for KnownFor, then Fresh fails; changes answer ErrStoreUnavailable
// without the password; decisions wait in memory. When it returns, the
// replica recovers without a restart: its decisions are written, and a
// change on another replica reaches it again.
func TestDatabaseDownAndBack(t *testing.T) {
	pg := pgtest.Start(t)
	ctx := context.Background()
	c := newClock(time.Now())
	a := open(t, pg, postgres.Options{Now: c.now, KnownFor: time.Minute, Replica: "a"})
	b := open(t, pg, postgres.Options{Replica: "b"})
	ov, err := a.CreateOverride(ctx, gate.Override{Service: "payment", Reason: "r", Author: "a", Expires: c.now().Add(time.Hour)}, "", c.now())
	if err != nil {
		t.Fatal(err)
	}

	pg.Stop(t)
	if !has(a.Overrides(c.now()), ov.ID) || a.Fresh(c.now()) != nil {
		t.Error("the last known overrides must apply while the database is away")
	}
	_, err = a.CreateOverride(ctx, gate.Override{Service: "payment", Reason: "r", Author: "a", Expires: c.now().Add(time.Hour)}, "", c.now())
	if !errors.Is(err, store.ErrStoreUnavailable) || strings.Contains(err.Error(), pg.Password) || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("create with the database down: %v", err)
	}
	if _, err := a.DeleteOverride(ctx, ov.ID, "", "", c.now()); !errors.Is(err, store.ErrStoreUnavailable) {
		t.Errorf("delete with the database down: %v", err)
	}
	for range 3 {
		_ = a.Decision(gate.Decision{Service: "payment", Change: "normal", Verdict: gate.Deny}, "ci", c.now())
	}
	if err := a.Sync(ctx); !errors.Is(err, store.ErrStoreUnavailable) {
		t.Errorf("sync with the database down: %v", err)
	}
	c.add(2 * time.Minute)
	if err := a.Fresh(c.now()); err == nil || !strings.Contains(err.Error(), "has not been reached") {
		t.Errorf("after KnownFor: %v", err)
	}

	pg.StartAgain(t)
	if err := a.Sync(ctx); err != nil {
		t.Fatalf("sync once the database is back: %v", err)
	}
	if err := a.Fresh(c.now()); err != nil {
		t.Errorf("fresh once the database is back: %v", err)
	}
	// The 3 denies made during it: one, and two repeats of it.
	if got := pg.Exec(t, "SELECT kind || ' ' || coalesce(entry->'repeated'->>'count', '-') FROM slokit_decisions WHERE replica = 'a' ORDER BY seq"); got != "decision -\ndecisions-repeated 2\n" {
		t.Errorf("decisions written after the outage:\n%s\nwant the 3 made during it", got)
	}
	// b's listener reconnects by itself.
	eventually(t, 15*time.Second, "a change reaching a replica after the outage", func() bool {
		ok, err := a.DeleteOverride(ctx, ov.ID, "", "", c.now())
		return (ok && err == nil) || !has(a.Overrides(c.now()), ov.ID)
	})
	eventually(t, 15*time.Second, "the deletion reaching the other replica", func() bool { return !has(b.Overrides(time.Now()), ov.ID) })
}

// The decision log is digested as in the file store: repeats of an allow,
// and of a deny, are counted, not written one by one, so an anonymous flood
// of checks of a frozen service costs a row a refresh, not 555 bytes a
// check; slokit report still counts every deny.
func TestDecisionsAreDigested(t *testing.T) {
	pg := pgtest.Start(t)
	a := open(t, pg, postgres.Options{Replica: "a"})
	now := time.Now()
	for i := range 100 {
		_ = a.Decision(gate.Decision{Service: "menu", Change: "normal", Verdict: gate.Allow}, "ci", now.Add(time.Duration(i)*time.Millisecond))
	}
	deny := gate.Decision{Service: "menu", Change: "normal", Verdict: gate.Deny, Reasons: []gate.Reason{{Rule: "budget-exhausted", SLO: "browse", Objective: "99.5"}}}
	for i := range 10000 {
		_ = a.Decision(deny, "anonymous", now.Add(time.Second+time.Duration(i)*time.Millisecond))
	}
	if err := a.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := pg.Exec(t, "SELECT kind || ' ' || coalesce(entry->'repeated'->>'count', '-') FROM slokit_decisions ORDER BY seq")
	if got != "decision -\ndecisions-repeated 99\ndecision -\ndecisions-repeated 9999\n" {
		t.Errorf("decision log:\n%s", got)
	}
	act, err := a.Activity(context.Background(), now.Add(-time.Minute), now.Add(time.Minute))
	if err != nil || act["menu"].Denies != 10000 {
		t.Errorf("activity %+v %v: want 10000 denies", act, err)
	}
}

// One record the database refuses (a NUL byte, which PostgreSQL's text
// cannot hold) never holds back the others: they are written, it is left
// out and counted, and the queue moves on. Before, every decision queued
// after it stayed queued, and was lost at shutdown, uncounted.
func TestABadDecisionRecordBlocksNoOther(t *testing.T) {
	pg := pgtest.Start(t)
	a := open(t, pg, postgres.Options{Replica: "a"})
	now := time.Now()
	for i, service := range []string{"menu", "nul\x00byte", "payment"} {
		_ = a.Decision(gate.Decision{Service: service, Change: "normal", Verdict: gate.Deny}, "ci", now.Add(time.Duration(i)*time.Millisecond))
	}
	if err := a.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = a.Decision(gate.Decision{Service: "dispatch", Change: "normal", Verdict: gate.Deny}, "ci", now.Add(time.Second))
	if err := a.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := pg.Exec(t, "SELECT service FROM slokit_decisions ORDER BY seq"); got != "menu\npayment\ndispatch\n" {
		t.Errorf("written:\n%s", got)
	}
	if n := a.WriteErrors(); n != 1 {
		t.Errorf("write errors %d, want 1", n)
	}
	// And slokit serve's metric counts it.
	srv, err := serve.New(serve.Options{Store: a})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "\nslokit_audit_write_errors_total 1\n") {
		t.Errorf("/metrics:\n%s", rec.Body)
	}
}

// Errors name the database and never its password.
func TestErrorsHideThePassword(t *testing.T) {
	pg := pgtest.Start(t)
	for _, o := range []postgres.Options{
		{URL: strings.Replace(pg.URL, pg.Password, "not-the-password-42", 1)},
		{URL: strings.Replace(pg.URL, pg.PortString(), "1", 1)},
		{URL: "postgres://slokit@127.0.0.1:" + pg.PortString() + "/slokit", Password: "wrong-password-from-a-file"},
	} {
		_, err := postgres.Open(context.Background(), o)
		if err == nil {
			t.Fatalf("opened with %+v", o)
		}
		for _, secret := range []string{"not-the-password-42", "wrong-password-from-a-file", pg.Password} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error shows a password: %v", err)
			}
		}
		if !strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("the error does not name the database: %v", err)
		}
	}
}
