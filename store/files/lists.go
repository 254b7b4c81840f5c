package files

// The service's durable state: overrides and maintenance windows (this
// file) and the audit log (audit.go).

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/store"
)

// durableList is a list kept in one JSON file of the data folder, as
// {"version": 1, KEY: [...]}. Every change is written to a new file,
// synced and renamed over the old one before it is acknowledged, so a
// crash at any moment loses no acknowledged change and never leaves half
// a file.
type durableList[T any] struct {
	mu   sync.Mutex
	path string
	what string // what the list holds, for errors: "overrides"
	key  string // the list's key in the file
	list []T
	// kept, when set (watch), is called with the list once it is read and
	// after every change, under the lock: what is derived from the list
	// follows it.
	kept func(list []T)
}

// watch calls kept with the list now and after every change.
func (l *durableList[T]) watch(kept func(list []T)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.kept = kept
	kept(l.list)
}

// openDurableList reads the list kept in dir/file. A file that cannot be
// read is an error that names it: starting without what it held would
// silently undo people's decisions.
func openDurableList[T any](dir, file, what, key string) (*durableList[T], error) {
	l := &durableList[T]{path: filepath.Join(dir, file), what: what, key: key}
	data, err := os.ReadFile(l.path)
	if errors.Is(err, os.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, l.path, err)
	}
	var doc map[string]json.RawMessage
	var version int
	err = json.Unmarshal(data, &doc)
	if raw, ok := doc["version"]; err == nil && ok {
		err = json.Unmarshal(raw, &version)
	}
	if raw, ok := doc[key]; err == nil && ok {
		err = json.Unmarshal(raw, &l.list)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: not valid JSON (%v); it was not written by slokit or was damaged: repair it or move it away to start without %s", what, l.path, err, what)
	}
	if version != 1 {
		return nil, fmt.Errorf("%s %s: unknown version %d", what, l.path, version)
	}
	return l, nil
}

// errUnchanged is what a change to a durableList returns when it leaves
// the list as it was: nothing is written.
var errUnchanged = errors.New("unchanged")

// update applies change to a copy of the list, writes the result durably
// and only then keeps it. It reports whether the list changed.
func (l *durableList[T]) update(change func(list []T) ([]T, error)) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	next, err := change(slices.Clone(l.list))
	if errors.Is(err, errUnchanged) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if next == nil {
		next = []T{}
	}
	if err := writeJSONDurably(l.path, map[string]any{"version": 1, l.key: next}); err != nil {
		return false, err
	}
	l.list = next
	if l.kept != nil {
		l.kept(next)
	}
	return true, nil
}

// read returns what pick makes of the list, under the lock.
func (l *durableList[T]) read(pick func(list []T) []T) []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return pick(l.list)
}

// Overrides is the durable set of gate overrides, in overrides.json of the
// data folder.
type Overrides struct {
	file *durableList[gate.Override]
	max  int // store.MaxOverrides; lower in tests
	// index is the list by service, built anew at each change (watch):
	// checks read it without a lock.
	index atomic.Pointer[store.OverrideIndex]
}

// OpenOverrides reads the overrides kept in dir, creating dir if needed.
func OpenOverrides(dir string) (*Overrides, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", dir, err)
	}
	file, err := openDurableList[gate.Override](dir, "overrides.json", "overrides", "overrides")
	if err != nil {
		return nil, err
	}
	o := &Overrides{file: file, max: store.MaxOverrides}
	file.watch(func(list []gate.Override) {
		idx := store.NewOverrideIndex(list)
		o.index.Store(&idx)
	})
	return o, nil
}

// Active is the service's override in force at now that lasts longest.
func (o *Overrides) Active(service string, now time.Time) *gate.Override {
	return o.index.Load().Active(service, now)
}

// Add stores an override and returns it with its ID and creation time.
// Overrides that have expired by now are dropped from the file on the way
// (the audit log keeps their record), so it never grows without bound.
func (o *Overrides) Add(ov gate.Override, now time.Time) (gate.Override, error) {
	var err error
	if ov.ID, err = store.NewID("ovr-"); err != nil {
		return ov, err
	}
	ov.Created, ov.Expires = now.UTC(), ov.Expires.UTC()
	_, err = o.file.update(func(list []gate.Override) ([]gate.Override, error) {
		list = slices.DeleteFunc(list, func(old gate.Override) bool { return !old.Active(now) })
		if len(list) >= o.max {
			return nil, store.ErrTooManyOverrides
		}
		return append(list, ov), nil
	})
	return ov, err
}

// Delete removes an override and returns it as it was; it reports false
// if there is none with id.
func (o *Overrides) Delete(id string) (gate.Override, bool, error) {
	var deleted gate.Override
	ok, err := o.file.update(func(list []gate.Override) ([]gate.Override, error) {
		i := slices.IndexFunc(list, func(ov gate.Override) bool { return ov.ID == id })
		if i < 0 {
			return nil, errUnchanged
		}
		deleted = list[i]
		return slices.Delete(list, i, i+1), nil
	})
	return deleted, ok, err
}

// Change sets a new end and reason on the override in force with id; it
// reports false if none with id is in force.
func (o *Overrides) Change(id string, c store.OverrideChange, now time.Time) (gate.Override, bool, error) {
	var changed gate.Override
	ok, err := o.file.update(func(list []gate.Override) ([]gate.Override, error) {
		i := slices.IndexFunc(list, func(ov gate.Override) bool { return ov.ID == id && ov.Active(now) })
		if i < 0 {
			return nil, errUnchanged
		}
		list[i].Expires, list[i].Reason = c.Expires.UTC(), c.Reason
		changed = list[i]
		return list, nil
	})
	return changed, ok, err
}

// List returns the overrides that have not expired at now, oldest first.
func (o *Overrides) List(now time.Time) []gate.Override {
	return o.file.read(func(list []gate.Override) []gate.Override { return store.InForce(list, now) })
}

// writeJSONDurably writes v as JSON to a temporary file in the same
// folder, synced, renamed over path, and the folder synced so the rename
// itself survives a crash.
func writeJSONDurably(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(data, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// MaintenanceFile is the durable set of maintenance windows made through
// the API, in maintenance.json of the data folder.
type MaintenanceFile struct {
	file *durableList[gate.Maintenance]
}

// OpenMaintenanceFile reads the windows kept in dir (created before by
// OpenOverrides).
func OpenMaintenanceFile(dir string) (*MaintenanceFile, error) {
	file, err := openDurableList[gate.Maintenance](dir, "maintenance.json", "maintenance windows", "maintenance")
	if err != nil {
		return nil, err
	}
	return &MaintenanceFile{file: file}, nil
}

// Add stores a window and returns it with its ID and creation time;
// windows that ended by now are dropped from the file on the way (the
// audit log keeps their record).
func (m *MaintenanceFile) Add(w gate.Maintenance, now time.Time) (gate.Maintenance, error) {
	var err error
	if w.ID, err = store.NewID("mnt-"); err != nil {
		return w, err
	}
	w.Created, w.Start, w.End = now.UTC(), w.Start.UTC(), w.End.UTC()
	_, err = m.file.update(func(list []gate.Maintenance) ([]gate.Maintenance, error) {
		list = store.Upcoming(list, now)
		if len(list) >= store.MaxMaintenanceWindows {
			return nil, store.ErrTooManyWindows
		}
		return append(list, w), nil
	})
	return w, err
}

// Delete removes a window that has not ended and returns it as it was;
// it reports false if there is none with id.
func (m *MaintenanceFile) Delete(id string, now time.Time) (gate.Maintenance, bool, error) {
	var ended gate.Maintenance
	ok, err := m.file.update(func(list []gate.Maintenance) ([]gate.Maintenance, error) {
		i := slices.IndexFunc(list, func(w gate.Maintenance) bool { return w.ID == id && now.Before(w.End) })
		if i < 0 {
			return nil, errUnchanged
		}
		ended = list[i]
		return slices.Delete(list, i, i+1), nil
	})
	return ended, ok, err
}

// List returns the windows that have not ended at now, by start.
func (m *MaintenanceFile) List(now time.Time) []gate.Maintenance {
	return m.file.read(func(list []gate.Maintenance) []gate.Maintenance { return store.Upcoming(list, now) })
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
