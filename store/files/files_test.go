package files_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/store"
	"github.com/slokit/slokit/store/files"
)

var now = time.Date(2026, 2, 8, 22, 0, 0, 0, time.UTC)

func TestOverridesSurviveAReopen(t *testing.T) {
	dir := t.TempDir()
	o, err := files.OpenOverrides(dir)
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
	if deleted, ok, err := o.Delete(b.ID); !ok || err != nil || deleted.ID != b.ID || deleted.Service != b.Service {
		t.Fatalf("delete: %+v %v %v", deleted, ok, err)
	}
	if _, ok, _ := o.Delete("ovr-none"); ok {
		t.Error("deleted an override that does not exist")
	}

	// A new process reads what the old one acknowledged.
	reopened, err := files.OpenOverrides(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := reopened.List(now); len(got) != 2 || got[0].ID != a.ID || got[0].Author != "alice" {
		t.Errorf("overrides after reopening: %+v", got)
	}
	if got := reopened.List(now.Add(30 * time.Minute)); len(got) != 1 || got[0].ID != a.ID {
		t.Errorf("after the payment override expired, want only %s: %+v", a.ID, got)
	}
	if got := reopened.List(now.Add(3 * time.Hour)); len(got) != 0 {
		t.Errorf("an expired override is still in force: %+v", got)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".overrides-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

// A damaged or foreign file of overrides or maintenance windows stops
// the start with an error naming it: starting without what it held would
// undo people's decisions.
func TestDamagedListsAreAnErrorNotALoss(t *testing.T) {
	open := map[string]func(dir string) error{
		"overrides.json":   func(dir string) error { _, err := files.OpenOverrides(dir); return err },
		"maintenance.json": func(dir string) error { _, err := files.OpenMaintenanceFile(dir); return err },
	}
	for file, contents := range map[string]map[string]string{
		"overrides.json": {
			"not valid JSON":   `{"version":1,"overrides":[{"id":"ovr-1",`,
			"unknown version":  `{"version":2,"overrides":[]}`,
			"cannot unmarshal": `{"version":1,"overrides":{"id":"ovr-1"}}`,
		},
		"maintenance.json": {
			"not valid JSON":  `[]`,
			"unknown version": `{"maintenance":[]}`,
		},
	} {
		for want, content := range contents {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			err := open[file](dir)
			if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, file)) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s holding %s: want an error naming it and saying %q, got %v", file, content, want, err)
			}
		}
	}
}

func TestAuditLogAppends(t *testing.T) {
	dir := t.TempDir()
	for round := range 2 {
		log, err := files.OpenAuditLog(dir)
		if err != nil {
			t.Fatal(err)
		}
		d := gate.Decision{Service: "order-api", Change: "normal", Verdict: gate.Deny}
		if err := log.Write(store.AuditEntry{Time: now, Kind: "decision", Decision: store.RecordOf(d)}); err != nil {
			t.Fatal(err)
		}
		if err := log.Write(store.AuditEntry{Time: now, Kind: "override-created", Override: &gate.Override{ID: "ovr-" + string(rune('a'+round))}}); err != nil {
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
		var e store.AuditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		kinds = append(kinds, e.Kind)
	}
	if strings.Join(kinds, ",") != "decision,override-created,decision,override-created" {
		t.Errorf("audit log holds %v", kinds)
	}
}

// readAudit returns the entries of an audit log file.
func readAudit(t *testing.T, path string) []store.AuditEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []store.AuditEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e store.AuditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("%s: line %q: %v", path, sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// Identical decisions polled again and again, denies too, are counted,
// not written one by one; a change of decision (its verdict, or the rules
// behind it) is written at once, before Flush, so a killed process loses
// none of them.
func TestAuditLogRecordsChangesAndCountsRepeats(t *testing.T) {
	dir := t.TempDir()
	log, err := files.OpenAuditLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	decide := func(v gate.Verdict, n int) {
		for i := range n {
			if err := log.Decision(gate.Decision{Service: "order-api", Change: "normal", Verdict: v}, "127.0.0.1", now.Add(time.Duration(i)*time.Second)); err != nil {
				t.Fatal(err)
			}
		}
	}
	decide(gate.Allow, 1000)
	decide(gate.Deny, 3)
	// The same verdict for another reason is another decision.
	if err := log.Decision(gate.Decision{Service: "order-api", Change: "normal", Verdict: gate.Deny,
		Reasons: []gate.Reason{{Rule: "budget-exhausted", SLO: "availability", Objective: "99.9"}}}, "127.0.0.1", now); err != nil {
		t.Fatal(err)
	}
	decide(gate.Allow, 500)
	// Not flushed, not closed: what a SIGKILL leaves.
	var kinds []string
	for _, e := range readAudit(t, filepath.Join(dir, "audit.jsonl")) {
		if e.Kind == "decisions-repeated" {
			kinds = append(kinds, fmt.Sprintf("repeated:%d", e.Repeated.Count))
		} else {
			kinds = append(kinds, e.Kind+":"+string(e.Decision.Verdict))
		}
	}
	want := "decision:allow,repeated:999,decision:deny,repeated:2,decision:deny,decision:allow"
	if got := strings.Join(kinds, ","); got != want {
		t.Errorf("before Flush the log holds\n%s\nwant\n%s", got, want)
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	entries := readAudit(t, filepath.Join(dir, "audit.jsonl"))
	last := entries[len(entries)-1]
	if last.Kind != "decisions-repeated" || last.Repeated.Count != 499 || last.Repeated.Decision != gate.Allow || !last.Repeated.Last.After(last.Repeated.First) {
		t.Errorf("after Close the repeats are counted: %+v", last.Repeated)
	}
}

// A record torn by a crash is cut off when the log is opened again, so
// the next record is whole.
func TestAuditLogRepairsATornRecord(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	whole := `{"time":"2026-02-08T22:00:00Z","kind":"override-deleted","override":{"id":"ovr-1"}}` + "\n"
	torn := `{"time":"2026-02-08T22:00:01Z","kind":"deci`
	if err := os.WriteFile(path, []byte(whole+torn), 0o600); err != nil {
		t.Fatal(err)
	}
	log, err := files.OpenAuditLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	if log.Repaired != len(torn) {
		t.Errorf("repaired %d bytes, want %d", log.Repaired, len(torn))
	}
	if err := log.Write(store.AuditEntry{Time: now, Kind: "override-created", Override: &gate.Override{ID: "ovr-2"}}); err != nil {
		t.Fatal(err)
	}
	log.Close()
	entries := readAudit(t, path) // fails on a glued line
	if len(entries) != 2 || entries[1].Override.ID != "ovr-2" {
		t.Errorf("after the repair: %+v", entries)
	}
}

// The log rotates by size and keeps a bounded number of files.
func TestAuditLogRotatesAndKeepsBoundedFiles(t *testing.T) {
	dir := t.TempDir()
	log, err := files.OpenAuditLog(dir, files.AuditOptions{MaxBytes: 4096, MaxFiles: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		if err := log.Write(store.AuditEntry{Time: now, Kind: "override-created", Override: &gate.Override{ID: fmt.Sprintf("ovr-%04d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "audit.jsonl*"))
	if len(files) != 3 {
		t.Fatalf("files %v, want 3", files)
	}
	for _, f := range files {
		st, _ := os.Stat(f)
		if st.Size() > 4096 {
			t.Errorf("%s is %d bytes, over the 4096 bound", f, st.Size())
		}
	}
	// The newest records are in the current file, the next in .1.
	cur, prev := readAudit(t, filepath.Join(dir, "audit.jsonl")), readAudit(t, filepath.Join(dir, "audit.jsonl.1"))
	if cur[len(cur)-1].Override.ID != "ovr-0499" || prev[len(prev)-1].Override.ID >= cur[0].Override.ID {
		t.Errorf("rotation order: .1 ends %s, current %s..%s", prev[len(prev)-1].Override.ID, cur[0].Override.ID, cur[len(cur)-1].Override.ID)
	}
}

// Expired overrides leave the file at the next write, and the number in
// force is capped.
func TestOverridesArePrunedAndCapped(t *testing.T) {
	dir := t.TempDir()
	o, err := files.OpenOverrides(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Add(gate.Override{Service: "a", Expires: now.Add(time.Minute)}, now); err != nil {
		t.Fatal(err)
	}
	const max = 20
	o.SetMaxOverrides(max)
	later := now.Add(time.Hour)
	for i := range max {
		if _, err := o.Add(gate.Override{Service: "a", Expires: later.Add(time.Hour)}, later); err != nil {
			t.Fatalf("override %d: %v", i, err)
		}
	}
	if _, err := o.Add(gate.Override{Service: "a", Expires: later.Add(time.Hour)}, later); !errors.Is(err, store.ErrTooManyOverrides) {
		t.Fatalf("override over the cap: %v", err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "overrides.json"))
	var doc struct{ Overrides []gate.Override }
	if err := json.Unmarshal(data, &doc); err != nil || len(doc.Overrides) != max {
		t.Errorf("the file holds %d overrides, want the %d in force (%v)", len(doc.Overrides), max, err)
	}
}
