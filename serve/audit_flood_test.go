package serve_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/slo"
	"github.com/slokit/slokit/store/files"
)

// Anonymous checks of a frozen service, however many, never rotate away
// who made an override still in force: decisions and changes are kept in
// logs of their own, and repeated denies are counted, not written one by
// one. Before, with 1 MiB x 2 files, 10,000 denies rotated the
// override-created record (author, reason) out of the log while the
// override was in force.
func TestADenyFloodKeepsWhoMadeTheOverride(t *testing.T) {
	svcs, diags := slo.Parse([]byte(spec + "---\n" + fixture.PaymentSpec("15s")))
	if err := diags.Errors(); err != nil {
		t.Fatal(err)
	}
	q, ts := backend(t, svcs, 3*time.Hour+10*time.Minute)
	dir := t.TempDir()
	const maxBytes, maxFiles = 4096, 2
	store, err := files.OpenFileStore(dir, files.AuditOptions{MaxBytes: maxBytes, MaxFiles: maxFiles})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s, err := serve.New(serve.Options{Services: svcs, Querier: q, Store: store, Token: token, Now: func() time.Time { return ts }})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	ask := func(method, path, auth, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.RemoteAddr = "192.0.2.7:4242"
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	made := ask("POST", "/api/v1/overrides", "Bearer "+token, `{"service":"payment","reason":"the payment fix","author":"alice","duration":"2h"}`)
	if made.Code != http.StatusCreated {
		t.Fatalf("override: %d %s", made.Code, made.Body)
	}
	const checks = 10000
	for i := range checks {
		if rec := ask("GET", "/api/v1/gate/order-api", "", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"decision":"deny"`) {
			t.Fatalf("check %d: %d %s", i, rec.Code, rec.Body)
		}
		if i%1000 == 0 { // a refresh's sync, every so often
			if err := store.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := store.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}

	trail := ask("GET", "/api/v1/audit?service=payment", "Bearer "+token, "")
	if !strings.Contains(trail.Body.String(), `"kind":"override-created"`) || !strings.Contains(trail.Body.String(), `"author":"alice"`) {
		t.Errorf("payment's audit trail lost the override: %s", trail.Body)
	}
	changes, err := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if err != nil || !strings.Contains(string(changes), `"the payment fix"`) {
		t.Errorf("audit.jsonl: %v\n%s", err, changes)
	}
	// The decisions' log stays bounded, and still counts every deny.
	logs, _ := filepath.Glob(filepath.Join(dir, "decisions.jsonl*"))
	var size int64
	for _, f := range logs {
		st, _ := os.Stat(f)
		size += st.Size()
	}
	if len(logs) > maxFiles || size > maxBytes*maxFiles {
		t.Errorf("decision log: %d files, %d bytes", len(logs), size)
	}
	act, err := files.AuditActivity{Dir: dir}.Activity(context.Background(), ts.Add(-time.Hour), ts.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if act["order-api"].Denies != checks || act["payment"].Overrides != 1 {
		t.Errorf("activity %+v: want %d denies of order-api, payment's override", act, checks)
	}
}
