package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slokit/slokit/gate"
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
	CreateMaintenance(ctx context.Context, m gate.Maintenance, client string, now time.Time) (gate.Maintenance, error)
	// EndMaintenance removes the window with its audit record, which
	// holds the window as it was and by whom it is ended, if said; it
	// reports false when there is none with id that has not ended.
	EndMaintenance(ctx context.Context, id, by, client string, now time.Time) (bool, error)
	// Maintenance are the windows that have not ended at now (in force
	// or to come), by start, as last known.
	Maintenance(now time.Time) []gate.Maintenance
	// Audit returns the latest limit records of the audit trail about the
	// service, newest first.
	Audit(ctx context.Context, service string, limit int) ([]AuditEntry, error)
	// Record appends a change of state (an injected incident) to the
	// audit trail.
	Record(ctx context.Context, e AuditEntry) error
	// Decision records a gate decision; repeats may be counted rather
	// than written, as AuditLog does.
	Decision(d gate.Decision, client string, now time.Time) error
	// Verdict records a canary verdict (an entry of kind canary-verdict)
	// among the decisions, kept as long as they are; like them, it may
	// reach the disk or the database with the next Sync.
	Verdict(e AuditEntry) error
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
func Upcoming(list []gate.Maintenance, now time.Time) []gate.Maintenance {
	var out []gate.Maintenance
	for _, m := range list {
		if now.Before(m.End) {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b gate.Maintenance) int { return a.Start.Compare(b.Start) })
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

// NewID is a random ID for an override or a window, with a prefix that
// says which: ovr- or mnt-. Every store makes its IDs with it.
func NewID(prefix string) (string, error) {
	id := make([]byte, 8)
	if _, err := rand.Read(id); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(id), nil
}
