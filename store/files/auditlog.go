package files

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/internal/bounds"
	"github.com/slokit/slokit/report"
	"github.com/slokit/slokit/store"
)

// The logs of the data folder; rotated files are NAME.1 (the newest) to
// NAME.N. Changes of state (overrides, maintenance windows, incidents) and
// gate decisions are kept apart: anonymous checks, thousands a second,
// must never rotate away the record of who made an override that is still
// in force. A log written before the two were apart holds both, and is
// read as both.
const (
	auditFile     = "audit.jsonl"
	decisionsFile = "decisions.jsonl"
)

// Audit log bounds by default: 5 files of 64 MiB.
const (
	DefaultAuditMaxBytes = 64 << 20
	DefaultAuditMaxFiles = 5
)

// AuditLog is an append-only JSON-lines log, rotated by size: the data
// folder's audit.jsonl of changes of state (overrides, maintenance
// windows, injected incidents) and its decisions.jsonl of gate decisions
// (OpenDecisionLog).
//
// What it records, so that it stays useful and bounded when pipelines
// poll the gate thousands of times a second, anonymously:
//   - every change of state, synced to disk before it is acknowledged;
//   - every decision that differs from the previous one for the same
//     service and kind of change (in verdict or in the rules behind it),
//     written at once;
//   - repeats of the previous decision, denies included, are counted, not
//     written: Flush writes one "decisions-repeated" record per service
//     and change with their count and time span.
//
// Records are written to the file as they come, one write each, so a
// killed process (SIGKILL) loses none of them; only the repeat counts
// since the last Flush are lost. A machine crash may lose records written
// since the last sync (the last Flush or state change).
//
// The file is rotated when it would grow over MaxBytes, keeping MaxFiles
// files in all, so the log takes at most MaxBytes x MaxFiles of disk.
type AuditLog struct {
	mu       sync.Mutex
	path     string
	f        *os.File
	size     int64
	maxBytes int64
	maxFiles int
	digest   *store.DecisionDigest
	// Repaired is the size of a torn last record dropped when the log was
	// opened (a crash in the middle of a write), 0 when there was none.
	Repaired int
}

// AuditOptions bound the audit log; zero values take the defaults.
type AuditOptions struct {
	MaxBytes int64
	MaxFiles int
}

// OpenAuditLog opens (or creates) the audit log of changes in dir for
// appending. A last record torn by a crash is cut off (Repaired says how
// many bytes), so the next record starts on a line of its own.
func OpenAuditLog(dir string, o ...AuditOptions) (*AuditLog, error) {
	return openLog(dir, auditFile, o)
}

// OpenDecisionLog opens (or creates) the log of gate decisions in dir,
// decisions.jsonl, bounded as the audit log is, but on its own.
func OpenDecisionLog(dir string, o ...AuditOptions) (*AuditLog, error) {
	return openLog(dir, decisionsFile, o)
}

func openLog(dir, file string, o []AuditOptions) (*AuditLog, error) {
	a := &AuditLog{
		path: filepath.Join(dir, file), maxBytes: DefaultAuditMaxBytes, maxFiles: DefaultAuditMaxFiles,
		digest: store.NewDecisionDigest(),
	}
	for _, opt := range o {
		if err := errors.Join(bounds.Number("--audit-max-bytes", opt.MaxBytes, 4096, 1<<40), bounds.Number("--audit-max-files", opt.MaxFiles, 1, 1000)); err != nil {
			return nil, err
		}
		if opt.MaxBytes > 0 {
			a.maxBytes = opt.MaxBytes
		}
		if opt.MaxFiles > 0 {
			a.maxFiles = opt.MaxFiles
		}
	}
	if err := a.open(); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *AuditLog) open() error {
	f, err := os.OpenFile(a.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit log %s: %w", a.path, err)
	}
	size, torn, err := tornTail(f)
	if err == nil && torn > 0 {
		err = f.Truncate(size)
		if err == nil {
			err = f.Sync()
		}
	}
	if err == nil {
		_, err = f.Seek(size, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("audit log %s: %w", a.path, err)
	}
	a.f, a.size, a.Repaired = f, size, torn
	return nil
}

// tornTail finds where the last complete line of f ends, and how many
// bytes follow it.
func tornTail(f *os.File) (end int64, torn int, err error) {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return 0, 0, err
	}
	size := st.Size()
	buf := make([]byte, 64<<10)
	for off := size; off > 0; {
		n := int64(len(buf))
		if n > off {
			n = off
		}
		off -= n
		if _, err := f.ReadAt(buf[:n], off); err != nil {
			return 0, 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			end = off + int64(i) + 1
			return end, int(size - end), nil
		}
	}
	return 0, int(size), nil
}

// Write appends an entry of a state change (an override created or
// deleted, an incident injected) and returns once it is on disk: what
// changed the gate's answers must survive a crash. Decisions, far more
// frequent, go through Decision and reach the disk with Flush.
func (a *AuditLog) Write(e store.AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.write(e); err != nil {
		return err
	}
	return a.f.Sync()
}

// Append appends an entry without waiting for the disk: Flush (or the
// next rotation or Close) writes it there, as with decisions.
func (a *AuditLog) Append(e store.AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.write(e)
}

// Decision records a gate decision: denies and changes of decision at
// once, repeats as a count (see store.DecisionDigest).
func (a *AuditLog) Decision(d gate.Decision, client string, now time.Time) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range a.digest.Add(d, client, now) {
		if err := a.write(e); err != nil {
			return err
		}
	}
	return nil
}

func (a *AuditLog) write(e store.AuditEntry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if a.size > 0 && a.size+int64(len(line)) > a.maxBytes {
		if err := a.rotate(); err != nil {
			return err
		}
	}
	n, err := a.f.Write(line)
	a.size += int64(n)
	if err != nil {
		return fmt.Errorf("audit log %s: %w", a.path, err)
	}
	return nil
}

// rotate syncs and closes the file, shifts audit.jsonl.N-1 to .N (the
// oldest beyond MaxFiles is removed) and starts a new file.
func (a *AuditLog) rotate() error {
	err := errors.Join(a.f.Sync(), a.f.Close())
	name := func(i int) string {
		if i == 0 {
			return a.path
		}
		return a.path + "." + strconv.Itoa(i)
	}
	if rerr := os.Remove(name(a.maxFiles - 1)); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	for i := a.maxFiles - 2; i >= 0; i-- {
		if rerr := os.Rename(name(i), name(i+1)); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}
	if oerr := a.open(); oerr != nil {
		return errors.Join(err, oerr)
	}
	if err != nil {
		return fmt.Errorf("audit log %s: rotating: %w", a.path, err)
	}
	return syncDir(filepath.Dir(a.path))
}

// Flush writes the counts of repeated decisions and syncs the log.
func (a *AuditLog) Flush() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.flush()
}

func (a *AuditLog) flush() error {
	var err error
	for _, e := range a.digest.Flush() {
		err = errors.Join(err, a.write(e))
	}
	return errors.Join(err, a.f.Sync())
}

// Close flushes and closes the log.
func (a *AuditLog) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return errors.Join(a.flush(), a.f.Close())
}

// AuditActivity reads the gate's activity per service from the logs in a
// data folder, the rotated files included, for slokit report.
type AuditActivity struct{ Dir string }

// Activity counts, per service, the deny decisions (those written and
// those counted as repeats), the overrides created and the maintenance
// windows made in [from, to). A torn last line is skipped.
func (a AuditActivity) Activity(_ context.Context, from, to time.Time) (map[string]report.Activity, error) {
	out := map[string]report.Activity{}
	err := readAudit(a.Dir, func(e store.AuditEntry) {
		if e.Time.Before(from) || !e.Time.Before(to) {
			return
		}
		switch {
		case e.Kind == "decision" && e.Decision != nil && e.Decision.Verdict == gate.Deny:
			act := out[e.Decision.Service]
			act.Denies++
			out[e.Decision.Service] = act
		case e.Kind == "decisions-repeated" && e.Repeated != nil && e.Repeated.Decision == gate.Deny:
			act := out[e.Repeated.Service]
			act.Denies += e.Repeated.Count
			out[e.Repeated.Service] = act
		case e.Kind == "override-created" && e.Override != nil:
			act := out[e.Override.Service]
			act.Overrides++
			out[e.Override.Service] = act
		case e.Kind == "maintenance-created" && e.Maintenance != nil:
			act := out[e.Maintenance.Service]
			act.Maintenance++
			out[e.Maintenance.Service] = act
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readAudit calls fn with every record of the logs in dir, the audit log
// of changes then the decisions' (readLog). A folder with neither is an
// error.
func readAudit(dir string, fn func(store.AuditEntry)) error {
	found := false
	for _, file := range []string{auditFile, decisionsFile} {
		ok, err := readLog(dir, file, fn)
		if err != nil {
			return err
		}
		found = found || ok
	}
	if !found {
		return fmt.Errorf("no audit log (%s or %s) in %s: give the data folder slokit serve keeps", auditFile, decisionsFile, dir)
	}
	return nil
}

// readLog calls fn with every record of the log file in dir, oldest
// first: the rotated files (FILE.N is the oldest), then the current one.
// A line that does not parse (a torn last line) is skipped. It reports
// whether the log has any file.
func readLog(dir, file string, fn func(store.AuditEntry)) (bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, file+".*"))
	if err != nil {
		return false, err
	}
	number := func(name string) int {
		n, _ := strconv.Atoi(strings.TrimPrefix(filepath.Ext(name), "."))
		return n
	}
	slices.SortFunc(files, func(a, b string) int { return number(b) - number(a) })
	if _, err := os.Stat(filepath.Join(dir, file)); err == nil {
		files = append(files, filepath.Join(dir, file))
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return true, fmt.Errorf("audit log %s: %w", name, err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			var e store.AuditEntry
			if json.Unmarshal(sc.Bytes(), &e) == nil {
				fn(e)
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return true, fmt.Errorf("audit log %s: %w", name, err)
		}
	}
	return len(files) > 0, nil
}

// lastOf keeps the last n records about a service, oldest first.
type lastOf struct {
	service string
	n       int
	out     []store.AuditEntry
}

func (l *lastOf) add(e store.AuditEntry) {
	if e.Service() != l.service {
		return
	}
	if len(l.out) == l.n {
		l.out = l.out[1:]
	}
	l.out = append(l.out, e)
}
