package serve_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/slo/slotest"
	"github.com/slokit/slokit/store"
)

// A name no spec can give a service is refused at the edge with 400,
// before anything is decided or recorded: before, with --fail-open while
// discovery warmed up, GET /api/v1/gate/%00nul was allowed and its
// decision recorded, and its NUL byte stalled every decision write to
// PostgreSQL.
func TestInvalidServiceNamesAreRefusedAtTheEdge(t *testing.T) {
	svcs := slotest.Services(t, spec)
	q, ts := backend(t, svcs, 2*time.Hour)
	// Discovering, before the first read, failing open: every name known
	// to be possible would be decided on.
	f := serveOn(t, serve.Options{Discover: true, Querier: q, Token: token, FailOpen: true}, ts)
	for _, name := range []string{"%00nul", "a%0Ab", "a%20b", "-a", strings.Repeat("a", 101), "%E2%80%AEevil"} {
		for _, req := range [][2]string{
			{"GET", "/api/v1/gate/" + name},
			{"POST", "/api/v1/gate/" + name + "/check"},
		} {
			if code, body := f.raw(t, req[0], req[1]); code != 400 || !strings.Contains(body, "is not a service name") {
				t.Errorf("%s %s: %d %s", req[0], req[1], code, body)
			}
		}
		if code, body := f.do(t, "GET", "/api/v1/audit?service="+name, "Bearer "+token, ""); code != 400 {
			t.Errorf("audit of %s: %d %v", name, code, body)
		}
	}
	// A valid name is still decided on (fail-open: not read yet).
	if code, body := f.raw(t, "GET", "/api/v1/gate/order-api"); code != 200 || !strings.Contains(body, "fail-open") {
		t.Errorf("a valid name: %d %s", code, body)
	}
	// Decisions reach the file as they come (repeats are counted later).
	log, err := os.Open(filepath.Join(f.dir, "decisions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	sc := bufio.NewScanner(log)
	for sc.Scan() {
		var e store.AuditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Service() != "order-api" {
			t.Errorf("recorded %s (%v)", sc.Text(), err)
		}
	}
}
