package serve

// The service's durable state: overrides and maintenance windows (this
// file) and the audit log (audit.go).

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/serve/api"
)

// overridesFile is the overrides' file in the data folder.
const overridesFile = "overrides.json"

// Overrides is the durable set of gate overrides. Every change is on disk,
// written to a new file, synced and renamed over the old one, before it is
// acknowledged, so a crash at any moment loses no acknowledged override and
// never leaves half a file.
type Overrides struct {
	mu   sync.Mutex
	path string
	list []gate.Override
	max  int // MaxOverrides; lower in tests
}

type overridesDoc struct {
	Version   int             `json:"version"`
	Overrides []gate.Override `json:"overrides"`
}

// OpenOverrides reads the overrides kept in dir, creating dir if needed. A
// file that cannot be read is an error that names it: starting without the
// overrides it held would silently undo people's decisions.
func OpenOverrides(dir string) (*Overrides, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", dir, err)
	}
	o := &Overrides{path: filepath.Join(dir, overridesFile), max: MaxOverrides}
	data, err := os.ReadFile(o.path)
	if errors.Is(err, os.ErrNotExist) {
		return o, nil
	}
	if err != nil {
		return nil, fmt.Errorf("overrides %s: %w", o.path, err)
	}
	var doc overridesDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("overrides %s: not valid JSON (%v); it was not written by slokit or was damaged: repair it or move it away to start without overrides", o.path, err)
	}
	if doc.Version != 1 {
		return nil, fmt.Errorf("overrides %s: unknown version %d", o.path, doc.Version)
	}
	o.list = doc.Overrides
	return o, nil
}

// Add stores an override and returns it with its ID and creation time.
// Overrides that have expired by now are dropped from the file on the way
// (the audit log keeps their record), so it never grows without bound.
func (o *Overrides) Add(ov gate.Override, now time.Time) (gate.Override, error) {
	id := make([]byte, 8)
	if _, err := rand.Read(id); err != nil {
		return ov, err
	}
	ov.ID = "ovr-" + hex.EncodeToString(id)
	ov.Created = now.UTC()
	ov.Expires = ov.Expires.UTC()
	o.mu.Lock()
	defer o.mu.Unlock()
	next := slices.DeleteFunc(slices.Clone(o.list), func(old gate.Override) bool { return !old.Active(now) })
	if len(next) >= o.max {
		return ov, ErrTooManyOverrides
	}
	next = append(next, ov)
	if err := o.save(next); err != nil {
		return ov, err
	}
	o.list = next
	return ov, nil
}

// Delete removes an override; it reports false if there is none with id.
func (o *Overrides) Delete(id string) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	i := slices.IndexFunc(o.list, func(ov gate.Override) bool { return ov.ID == id })
	if i < 0 {
		return false, nil
	}
	next := slices.Delete(slices.Clone(o.list), i, i+1)
	if err := o.save(next); err != nil {
		return false, err
	}
	o.list = next
	return true, nil
}

// Change sets a new end and reason on the override in force with id; it
// reports false if none with id is in force.
func (o *Overrides) Change(id string, c OverrideChange, now time.Time) (gate.Override, bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	i := slices.IndexFunc(o.list, func(ov gate.Override) bool { return ov.ID == id && ov.Active(now) })
	if i < 0 {
		return gate.Override{}, false, nil
	}
	next := slices.Clone(o.list)
	next[i].Expires, next[i].Reason = c.Expires.UTC(), c.Reason
	if err := o.save(next); err != nil {
		return gate.Override{}, false, err
	}
	o.list = next
	return next[i], true, nil
}

// List returns the overrides that have not expired at now, oldest first.
func (o *Overrides) List(now time.Time) []gate.Override {
	o.mu.Lock()
	defer o.mu.Unlock()
	return InForce(o.list, now)
}

// save writes the list durably.
func (o *Overrides) save(list []gate.Override) error {
	if list == nil {
		list = []gate.Override{}
	}
	return writeJSONDurably(o.path, overridesDoc{Version: 1, Overrides: list})
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

// maintenanceFile is the maintenance windows' file in the data folder.
const maintenanceFile = "maintenance.json"

// MaintenanceFile is the durable set of maintenance windows made through
// the API, kept as Overrides keeps overrides: on disk before acknowledged.
type MaintenanceFile struct {
	mu   sync.Mutex
	path string
	list []api.MaintenanceWindow
}

type maintenanceDoc struct {
	Version     int                     `json:"version"`
	Maintenance []api.MaintenanceWindow `json:"maintenance"`
}

// OpenMaintenanceFile reads the windows kept in dir (created before by
// OpenOverrides). A file that cannot be read is an error that names it.
func OpenMaintenanceFile(dir string) (*MaintenanceFile, error) {
	m := &MaintenanceFile{path: filepath.Join(dir, maintenanceFile)}
	data, err := os.ReadFile(m.path)
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("maintenance windows %s: %w", m.path, err)
	}
	var doc maintenanceDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("maintenance windows %s: not valid JSON (%v); it was not written by slokit or was damaged: repair it or move it away", m.path, err)
	}
	if doc.Version != 1 {
		return nil, fmt.Errorf("maintenance windows %s: unknown version %d", m.path, doc.Version)
	}
	m.list = doc.Maintenance
	return m, nil
}

// Add stores a window and returns it with its ID and creation time;
// windows that ended by now are dropped from the file on the way (the
// audit log keeps their record).
func (m *MaintenanceFile) Add(w api.MaintenanceWindow, now time.Time) (api.MaintenanceWindow, error) {
	id := make([]byte, 8)
	if _, err := rand.Read(id); err != nil {
		return w, err
	}
	w.ID = "mnt-" + hex.EncodeToString(id)
	w.Created, w.Start, w.End = now.UTC(), w.Start.UTC(), w.End.UTC()
	m.mu.Lock()
	defer m.mu.Unlock()
	next := Upcoming(m.list, now)
	if len(next) >= MaxMaintenanceWindows {
		return w, ErrTooManyWindows
	}
	next = append(next, w)
	if err := m.save(next); err != nil {
		return w, err
	}
	m.list = next
	return w, nil
}

// Delete removes a window that has not ended; it reports false if there
// is none with id.
func (m *MaintenanceFile) Delete(id string, now time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.list, func(w api.MaintenanceWindow) bool { return w.ID == id && now.Before(w.End) })
	if i < 0 {
		return false, nil
	}
	next := slices.Delete(slices.Clone(m.list), i, i+1)
	if err := m.save(next); err != nil {
		return false, err
	}
	m.list = next
	return true, nil
}

// List returns the windows that have not ended at now, by start.
func (m *MaintenanceFile) List(now time.Time) []api.MaintenanceWindow {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Upcoming(m.list, now)
}

func (m *MaintenanceFile) save(list []api.MaintenanceWindow) error {
	if list == nil {
		list = []api.MaintenanceWindow{}
	}
	return writeJSONDurably(m.path, maintenanceDoc{Version: 1, Maintenance: list})
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
