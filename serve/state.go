package serve

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/serve/api"
)

// Store keeps what the service must not lose: the overrides people made
// and the audit trail of changes and decisions. FileStore keeps them in
// the data folder for one instance; a shared store lets replicas give the
// same answers.
//
// The gate reads overrides from memory (Overrides), never from the store
// on the request path, so that a check stays fast and keeps deciding on
// the last known overrides while a shared store is unreachable.
type Store interface {
	// CreateOverride stores ov with its audit record before returning it
	// with its ID and creation time: an acknowledged override is kept.
	CreateOverride(ctx context.Context, ov gate.Override, client string, now time.Time) (gate.Override, error)
	// DeleteOverride removes the override with its audit record, which
	// holds the override as it was (its service, author and reason) and by
	// whom it is deleted, if said; it reports false when there is none
	// with id.
	DeleteOverride(ctx context.Context, id, by, client string, now time.Time) (bool, error)
	// ChangeOverride sets a new end and reason on the override in force
	// with id, with its audit record, and returns it changed; it reports
	// false when no override with id is in force.
	ChangeOverride(ctx context.Context, id string, c OverrideChange, client string, now time.Time) (gate.Override, bool, error)
	// Overrides are those in force at now, oldest first, as last known.
	Overrides(now time.Time) []gate.Override
	// ActiveOverride is the service's override in force at now that lasts
	// longest, if any, as last known, at the cost of the service's own
	// overrides (OverrideIndex): the gate asks it at every check.
	ActiveOverride(service string, now time.Time) *gate.Override
	// CreateMaintenance stores a maintenance window with its audit
	// record before returning it with its ID and creation time.
	CreateMaintenance(ctx context.Context, m api.MaintenanceWindow, client string, now time.Time) (api.MaintenanceWindow, error)
	// EndMaintenance removes the window with its audit record, which
	// holds the window as it was and by whom it is ended, if said; it
	// reports false when there is none with id that has not ended.
	EndMaintenance(ctx context.Context, id, by, client string, now time.Time) (bool, error)
	// Maintenance are the windows that have not ended at now (in force
	// or to come), by start, as last known.
	Maintenance(now time.Time) []api.MaintenanceWindow
	// Audit returns the latest limit records of the audit trail about the
	// service, newest first.
	Audit(ctx context.Context, service string, limit int) ([]AuditEntry, error)
	// Record appends a change of state (an injected incident) to the
	// audit trail.
	Record(ctx context.Context, e AuditEntry) error
	// Decision records a gate decision; repeats may be counted rather
	// than written, as AuditLog does.
	Decision(d gate.Decision, client string, now time.Time) error
	// Fresh is nil while the overrides last known may be decided on; a
	// shared store cut off from its database for too long says so, and
	// the gate then cannot decide.
	Fresh(now time.Time) error
	// Sync runs once per refresh: it writes what is buffered (repeat
	// counts) and, for a shared store, learns other replicas' changes.
	Sync(ctx context.Context) error
	Close() error
}

// OverrideChange is a change of an override in force: a new end (to
// extend or shorten it) and a new reason, by Author, whom the audit record
// names (the override keeps its first author).
type OverrideChange struct {
	Expires        time.Time
	Reason, Author string
}

// ErrTooManyOverrides is a store's answer when MaxOverrides are in force.
var ErrTooManyOverrides = fmt.Errorf("%d overrides are in force, the most slokit keeps: delete some or wait for them to expire", MaxOverrides)

// ErrStoreUnavailable wraps a shared store's failure to reach its
// database: the change was not made, and the client may retry.
var ErrStoreUnavailable = errors.New("the override store is unavailable")

// ErrTooManyWindows is a store's answer when MaxMaintenanceWindows have
// not ended.
var ErrTooManyWindows = fmt.Errorf("%d maintenance windows have not ended, the most slokit keeps: end some or wait", MaxMaintenanceWindows)

// MaxMaintenanceWindows bounds the maintenance windows not yet ended: each
// is a series the rules read.
const MaxMaintenanceWindows = 1000

// Upcoming returns the windows of list that have not ended at now, by
// start.
func Upcoming(list []api.MaintenanceWindow, now time.Time) []api.MaintenanceWindow {
	var out []api.MaintenanceWindow
	for _, m := range list {
		if now.Before(m.End) {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b api.MaintenanceWindow) int { return a.Start.Compare(b.Start) })
	return out
}

// MaxOverrides bounds the overrides in force at once: an override is a
// person's exception, and thousands of them are a script gone wrong.
const MaxOverrides = 1000

// InForce returns the overrides of list that apply at now, in order.
func InForce(list []gate.Override, now time.Time) []gate.Override {
	var out []gate.Override
	for _, ov := range list {
		if ov.Active(now) {
			out = append(out, ov)
		}
	}
	return out
}

// OverrideIndex is a list of overrides by service, for the gate: a check
// looks at its own service's overrides only, so that a check costs the
// same with a thousand overrides of other services, and the overview of
// every service costs services + overrides, not their product. A store
// builds it anew whenever its list changes (rarely: people make
// overrides); it is not changed once built.
type OverrideIndex map[string][]gate.Override

// NewOverrideIndex indexes list, copied.
func NewOverrideIndex(list []gate.Override) OverrideIndex {
	idx := OverrideIndex{}
	for _, ov := range list {
		idx[ov.Service] = append(idx[ov.Service], ov)
	}
	return idx
}

// Active is the service's override in force at now that lasts longest, if
// any, as a copy.
func (idx OverrideIndex) Active(service string, now time.Time) *gate.Override {
	var best *gate.Override
	for i, ov := range idx[service] {
		if ov.Active(now) && (best == nil || ov.Expires.After(best.Expires)) {
			best = &idx[service][i]
		}
	}
	if best == nil {
		return nil
	}
	ov := *best
	return &ov
}

// FileStore is the Store of one instance: overrides and maintenance
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

func (f *FileStore) CreateMaintenance(_ context.Context, m api.MaintenanceWindow, client string, now time.Time) (api.MaintenanceWindow, error) {
	m, err := f.maintenance.Add(m, now)
	if err != nil {
		return m, err
	}
	if err := f.audit.Write(AuditEntry{Time: now, Kind: "maintenance-created", Maintenance: &m, Client: client}); err != nil {
		return m, fmt.Errorf("auditing the maintenance window: %w", err)
	}
	return m, nil
}

func (f *FileStore) EndMaintenance(_ context.Context, id, by, client string, now time.Time) (bool, error) {
	ended, ok, err := f.maintenance.Delete(id, now)
	if !ok || err != nil {
		return ok, err
	}
	if err := f.audit.Write(AuditEntry{Time: now, Kind: "maintenance-ended", Maintenance: &ended, By: by, Client: client}); err != nil {
		return true, fmt.Errorf("auditing the end: %w", err)
	}
	return true, nil
}

func (f *FileStore) Maintenance(now time.Time) []api.MaintenanceWindow {
	return f.maintenance.List(now)
}

// Repaired is the size of the torn last records cut off at open.
func (f *FileStore) Repaired() int { return f.audit.Repaired + f.decisions.Repaired }

func (f *FileStore) CreateOverride(_ context.Context, ov gate.Override, client string, now time.Time) (gate.Override, error) {
	ov, err := f.overrides.Add(ov, now)
	if err != nil {
		return ov, err
	}
	if err := f.audit.Write(AuditEntry{Time: now, Kind: "override-created", Override: &ov, Client: client}); err != nil {
		return ov, fmt.Errorf("auditing the override: %w", err)
	}
	return ov, nil
}

func (f *FileStore) DeleteOverride(_ context.Context, id, by, client string, now time.Time) (bool, error) {
	deleted, ok, err := f.overrides.Delete(id)
	if !ok || err != nil {
		return ok, err
	}
	if err := f.audit.Write(AuditEntry{Time: now, Kind: "override-deleted", Override: &deleted, By: by, Client: client}); err != nil {
		return true, fmt.Errorf("auditing the deletion: %w", err)
	}
	return true, nil
}

func (f *FileStore) ChangeOverride(_ context.Context, id string, c OverrideChange, client string, now time.Time) (gate.Override, bool, error) {
	ov, ok, err := f.overrides.Change(id, c, now)
	if !ok || err != nil {
		return ov, ok, err
	}
	if err := f.audit.Write(AuditEntry{Time: now, Kind: "override-changed", Override: &ov, By: c.Author, Client: client}); err != nil {
		return ov, true, fmt.Errorf("auditing the change: %w", err)
	}
	return ov, true, nil
}

func (f *FileStore) Overrides(now time.Time) []gate.Override { return f.overrides.List(now) }

func (f *FileStore) ActiveOverride(service string, now time.Time) *gate.Override {
	return f.overrides.Active(service, now)
}

func (f *FileStore) Record(_ context.Context, e AuditEntry) error { return f.audit.Write(e) }

// Audit reads the logs' files, keeping only the last limit records about
// the service of each, so memory stays bounded whatever their size, and
// answers the latest limit of both.
func (f *FileStore) Audit(_ context.Context, service string, limit int) ([]AuditEntry, error) {
	if err := f.decisions.Flush(); err != nil {
		return nil, err
	}
	dir := filepath.Dir(f.audit.path)
	var all []AuditEntry
	for _, file := range []string{auditFile, decisionsFile} {
		last := &lastOf{service: service, n: limit}
		if _, err := readLog(dir, file, last.add); err != nil {
			return nil, err
		}
		slices.Reverse(last.out)
		all = append(all, last.out...)
	}
	// Newest first; records of one time keep their order in their log.
	slices.SortStableFunc(all, func(a, b AuditEntry) int { return b.Time.Compare(a.Time) })
	return all[:min(len(all), limit)], nil
}

func (f *FileStore) Decision(d gate.Decision, client string, now time.Time) error {
	return f.decisions.Decision(d, client, now)
}

// Fresh is always nil: the file is the truth, read at start and kept in
// step with every change.
func (f *FileStore) Fresh(time.Time) error { return nil }

func (f *FileStore) Sync(context.Context) error { return f.decisions.Flush() }

func (f *FileStore) Close() error { return errors.Join(f.decisions.Close(), f.audit.Close()) }
