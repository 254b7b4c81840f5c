package files

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/store"
)

// FileStore is the store.Store of one instance: overrides and maintenance
// windows in files rewritten atomically, the audit trail in two rotated
// JSON-lines logs, all in the data folder: audit.jsonl of changes,
// decisions.jsonl of gate decisions, each bounded on its own, so that no
// number of checks rotates away who made a change.
type FileStore struct {
	overrides   *Overrides
	maintenance *MaintenanceFile
	audit       *AuditLog // changes of state
	decisions   *AuditLog
}

// OpenFileStore opens the overrides and the audit log in dir, creating it
// if needed.
func OpenFileStore(dir string, bounds AuditOptions) (*FileStore, error) {
	ov, err := OpenOverrides(dir)
	if err != nil {
		return nil, err
	}
	m, err := OpenMaintenanceFile(dir)
	if err != nil {
		return nil, err
	}
	audit, err := OpenAuditLog(dir, bounds)
	if err != nil {
		return nil, err
	}
	decisions, err := OpenDecisionLog(dir, bounds)
	if err != nil {
		audit.Close()
		return nil, err
	}
	return &FileStore{overrides: ov, maintenance: m, audit: audit, decisions: decisions}, nil
}

func (f *FileStore) CreateMaintenance(_ context.Context, m gate.Maintenance, client string, now time.Time) (gate.Maintenance, error) {
	m, err := f.maintenance.Add(m, now)
	if err != nil {
		return m, err
	}
	if err := f.audit.Write(store.AuditEntry{Time: now, Kind: "maintenance-created", Maintenance: &m, Client: client}); err != nil {
		return m, fmt.Errorf("auditing the maintenance window: %w", err)
	}
	return m, nil
}

func (f *FileStore) EndMaintenance(_ context.Context, id, by, client string, now time.Time) (bool, error) {
	ended, ok, err := f.maintenance.Delete(id, now)
	if !ok || err != nil {
		return ok, err
	}
	if err := f.audit.Write(store.AuditEntry{Time: now, Kind: "maintenance-ended", Maintenance: &ended, By: by, Client: client}); err != nil {
		return true, fmt.Errorf("auditing the end: %w", err)
	}
	return true, nil
}

func (f *FileStore) Maintenance(now time.Time) []gate.Maintenance {
	return f.maintenance.List(now)
}

// Repaired is the size of the torn last records cut off at open.
func (f *FileStore) Repaired() int { return f.audit.Repaired + f.decisions.Repaired }

func (f *FileStore) CreateOverride(_ context.Context, ov gate.Override, client string, now time.Time) (gate.Override, error) {
	ov, err := f.overrides.Add(ov, now)
	if err != nil {
		return ov, err
	}
	if err := f.audit.Write(store.AuditEntry{Time: now, Kind: "override-created", Override: &ov, Client: client}); err != nil {
		return ov, fmt.Errorf("auditing the override: %w", err)
	}
	return ov, nil
}

func (f *FileStore) DeleteOverride(_ context.Context, id, by, client string, now time.Time) (bool, error) {
	deleted, ok, err := f.overrides.Delete(id)
	if !ok || err != nil {
		return ok, err
	}
	if err := f.audit.Write(store.AuditEntry{Time: now, Kind: "override-deleted", Override: &deleted, By: by, Client: client}); err != nil {
		return true, fmt.Errorf("auditing the deletion: %w", err)
	}
	return true, nil
}

func (f *FileStore) ChangeOverride(_ context.Context, id string, c store.OverrideChange, client string, now time.Time) (gate.Override, bool, error) {
	ov, ok, err := f.overrides.Change(id, c, now)
	if !ok || err != nil {
		return ov, ok, err
	}
	if err := f.audit.Write(store.AuditEntry{Time: now, Kind: "override-changed", Override: &ov, By: c.Author, Client: client}); err != nil {
		return ov, true, fmt.Errorf("auditing the change: %w", err)
	}
	return ov, true, nil
}

func (f *FileStore) Overrides(now time.Time) []gate.Override { return f.overrides.List(now) }

func (f *FileStore) ActiveOverride(service string, now time.Time) *gate.Override {
	return f.overrides.Active(service, now)
}

func (f *FileStore) Record(_ context.Context, e store.AuditEntry) error { return f.audit.Write(e) }

// Audit reads the logs' files, keeping only the last limit records about
// the service of each, so memory stays bounded whatever their size, and
// answers the latest limit of both.
func (f *FileStore) Audit(_ context.Context, service string, limit int) ([]store.AuditEntry, error) {
	if err := f.decisions.Flush(); err != nil {
		return nil, err
	}
	dir := filepath.Dir(f.audit.path)
	var all []store.AuditEntry
	for _, file := range []string{auditFile, decisionsFile} {
		last := &lastOf{service: service, n: limit}
		if _, err := readLog(dir, file, last.add); err != nil {
			return nil, err
		}
		slices.Reverse(last.out)
		all = append(all, last.out...)
	}
	// Newest first; records of one time keep their order in their log.
	slices.SortStableFunc(all, func(a, b store.AuditEntry) int { return b.Time.Compare(a.Time) })
	return all[:min(len(all), limit)], nil
}

func (f *FileStore) Decision(d gate.Decision, client string, now time.Time) error {
	return f.decisions.Decision(d, client, now)
}

// Verdict writes the canary verdict to the decisions' log, which Sync
// flushes.
func (f *FileStore) Verdict(e store.AuditEntry) error { return f.decisions.Append(e) }

// Fresh is always nil: the file is the truth, read at start and kept in
// step with every change.
func (f *FileStore) Fresh(time.Time) error { return nil }

func (f *FileStore) Sync(context.Context) error { return f.decisions.Flush() }

func (f *FileStore) Close() error { return errors.Join(f.decisions.Close(), f.audit.Close()) }
