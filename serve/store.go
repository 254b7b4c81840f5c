package serve

// The service's durable state: overrides (this file) and the audit log
// (audit.go).

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

// save writes the list durably: to a temporary file in the same folder,
// synced, renamed over the old file, and the folder synced so the rename
// itself survives a crash.
func (o *Overrides) save(list []gate.Override) error {
	if list == nil {
		list = []gate.Override{}
	}
	data, err := json.MarshalIndent(overridesDoc{Version: 1, Overrides: list}, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(o.path)
	tmp, err := os.CreateTemp(dir, ".overrides-*")
	if err != nil {
		return fmt.Errorf("overrides: %w", err)
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
		err = os.Rename(tmp.Name(), o.path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("overrides %s: %w", o.path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
