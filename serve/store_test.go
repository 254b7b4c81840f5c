package serve_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/serve"

	// Registers -update, so that go test ./... -update runs in every package.
	_ "github.com/slokit/slokit/internal/golden"
)

var now = time.Date(2026, 2, 8, 22, 0, 0, 0, time.UTC)

func TestOverridesSurviveAReopen(t *testing.T) {
	dir := t.TempDir()
	o, err := serve.OpenOverrides(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := o.Add(gate.Override{Service: "order-api", Reason: "fix for the incident", Author: "alice", Expires: now.Add(2 * time.Hour)}, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := o.Add(gate.Override{Service: "order-api", Reason: "longer", Author: "bob", Expires: now.Add(4 * time.Hour)}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Add(gate.Override{Service: "payment", Reason: "short", Author: "carol", Expires: now.Add(time.Minute)}, now); err != nil {
		t.Fatal(err)
	}
	if a.ID == "" || a.ID == b.ID || !a.Created.Equal(now) {
		t.Fatalf("ids %q %q, created %s", a.ID, b.ID, a.Created)
	}
	if ok, err := o.Delete(b.ID); !ok || err != nil {
		t.Fatalf("delete: %v %v", ok, err)
	}
	if ok, _ := o.Delete("ovr-none"); ok {
		t.Error("deleted an override that does not exist")
	}

	// A new process reads what the old one acknowledged.
	reopened, err := serve.OpenOverrides(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := reopened.Active("order-api", now); got == nil || got.ID != a.ID || got.Author != "alice" {
		t.Errorf("active override after reopening: %+v", got)
	}
	if got := reopened.List(now.Add(30 * time.Minute)); len(got) != 1 || got[0].ID != a.ID {
		t.Errorf("after the payment override expired, want only %s: %+v", a.ID, got)
	}
	if got := reopened.Active("order-api", now.Add(3*time.Hour)); got != nil {
		t.Errorf("an expired override still applies: %+v", got)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".overrides-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestDamagedOverridesAreAnErrorNotALoss(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "overrides.json"), []byte(`{"version":1,"overrides":[{"id":"ovr-1",`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := serve.OpenOverrides(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "overrides.json")) || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("want an error naming the damaged file, got %v", err)
	}
}

func TestAuditLogAppends(t *testing.T) {
	dir := t.TempDir()
	for round := range 2 {
		log, err := serve.OpenAuditLog(dir)
		if err != nil {
			t.Fatal(err)
		}
		d := gate.Decision{Service: "order-api", Change: "normal", Decision: gate.Deny}
		if err := log.Write(serve.AuditEntry{Time: now, Kind: "decision", Decision: &d}, false); err != nil {
			t.Fatal(err)
		}
		if err := log.Write(serve.AuditEntry{Time: now, Kind: "override-created", Override: &gate.Override{ID: "ovr-" + string(rune('a'+round))}}, true); err != nil {
			t.Fatal(err)
		}
		if err := log.Close(); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var kinds []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e serve.AuditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		kinds = append(kinds, e.Kind)
	}
	if strings.Join(kinds, ",") != "decision,override-created,decision,override-created" {
		t.Errorf("audit log holds %v", kinds)
	}
}
