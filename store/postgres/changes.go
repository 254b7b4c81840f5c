package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/store"
)

// setOverrides keeps list as the overrides in force, and its index; the
// caller holds mu.
func (s *Store) setOverrides(list []gate.Override) {
	s.overrides = list
	idx := store.NewOverrideIndex(list)
	s.index.Store(&idx)
}

// changeOverrides commits one change of the overrides (see commit); edit
// brings this replica's list in line once it is committed.
func (s *Store) changeOverrides(ctx context.Context, id, client string, change func(context.Context, pgx.Tx) (*store.AuditEntry, error), edit func([]gate.Override) []gate.Override) (bool, error) {
	return s.commit(ctx, id, client, change, func() { s.setOverrides(edit(slices.Clone(s.overrides))) })
}

// changeWindows is changeOverrides for maintenance windows.
func (s *Store) changeWindows(ctx context.Context, id, client string, change func(context.Context, pgx.Tx) (*store.AuditEntry, error), edit func([]gate.Maintenance) []gate.Maintenance) (bool, error) {
	return s.commit(ctx, id, client, change, func() { s.windows = edit(slices.Clone(s.windows)) })
}

// commit commits one change of the shared state with its audit record and
// a notification to the other replicas, in one transaction under one
// lock, so the trail is in the order of the changes. change makes the
// change and returns its record, or nil when there was nothing to change.
// Once committed, apply (called under s.mu) brings this replica's memory
// in line at once. It reports whether anything changed.
func (s *Store) commit(ctx context.Context, id, client string, change func(context.Context, pgx.Tx) (*store.AuditEntry, error), apply func()) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, operationTimeout)
	defer cancel()
	changed := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", overridesLock); err != nil {
			return err
		}
		e, err := change(ctx, tx)
		if err != nil || e == nil {
			return err
		}
		entry, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO slokit_audit (at, kind, client, entry) VALUES (clock_timestamp(), $1, $2, $3)`, e.Kind, client, entry); err != nil {
			return err
		}
		changed = true
		_, err = tx.Exec(ctx, "SELECT pg_notify($1, $2)", channel, id)
		return err
	})
	if err != nil || !changed {
		return false, err
	}
	s.mu.Lock()
	s.changes++
	apply()
	s.mu.Unlock()
	return true, nil
}

// CreateMaintenance commits the window and its audit record, and tells
// the other replicas, before returning it.
func (s *Store) CreateMaintenance(ctx context.Context, m gate.Maintenance, client string, now time.Time) (gate.Maintenance, error) {
	var err error
	if m.ID, err = store.NewID("mnt-"); err != nil {
		return m, err
	}
	m.Created = now.UTC().Truncate(time.Microsecond)
	m.Start, m.End = m.Start.UTC().Truncate(time.Microsecond), m.End.UTC().Truncate(time.Microsecond)
	_, err = s.changeWindows(ctx, m.ID, client, func(ctx context.Context, tx pgx.Tx) (*store.AuditEntry, error) {
		var upcoming int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM slokit_maintenance WHERE deleted IS NULL AND ends > $1", now).Scan(&upcoming); err != nil {
			return nil, err
		}
		if upcoming >= store.MaxMaintenanceWindows {
			return nil, store.ErrTooManyWindows
		}
		if _, err := tx.Exec(ctx, `INSERT INTO slokit_maintenance (id, service, slo, reason, author, created, starts, ends) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			m.ID, m.Service, m.SLO, m.Reason, m.Author, m.Created, m.Start, m.End); err != nil {
			return nil, err
		}
		return &store.AuditEntry{Time: m.Created, Kind: "maintenance-created", Maintenance: &m, Client: client}, nil
	}, func(list []gate.Maintenance) []gate.Maintenance {
		if slices.ContainsFunc(list, func(o gate.Maintenance) bool { return o.ID == m.ID }) {
			return list
		}
		return store.Upcoming(append(list, m), now)
	})
	if errors.Is(err, store.ErrTooManyWindows) {
		return m, err
	}
	if err != nil {
		return m, s.fail("storing the maintenance window", err)
	}
	return m, nil
}

// EndMaintenance marks a window that has not ended deleted (the row
// stays, for the record) with its audit record, and tells the other
// replicas.
func (s *Store) EndMaintenance(ctx context.Context, id, by, client string, now time.Time) (bool, error) {
	at := now.UTC().Truncate(time.Microsecond)
	found, err := s.changeWindows(ctx, id, client, func(ctx context.Context, tx pgx.Tx) (*store.AuditEntry, error) {
		var m gate.Maintenance
		err := tx.QueryRow(ctx, `UPDATE slokit_maintenance SET deleted = $2 WHERE id = $1 AND deleted IS NULL AND ends > $2
			RETURNING id, service, slo, reason, author, created, starts, ends`, id, at).Scan(&m.ID, &m.Service, &m.SLO, &m.Reason, &m.Author, &m.Created, &m.Start, &m.End)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		m.Created, m.Start, m.End = m.Created.UTC(), m.Start.UTC(), m.End.UTC()
		return &store.AuditEntry{Time: at, Kind: "maintenance-ended", Maintenance: &m, By: by, Client: client}, nil
	}, func(list []gate.Maintenance) []gate.Maintenance {
		return slices.DeleteFunc(list, func(m gate.Maintenance) bool { return m.ID == id })
	})
	if err != nil {
		return false, s.fail("ending the maintenance window", err)
	}
	return found, nil
}

// Maintenance returns the windows that have not ended at now, as last
// read or changed here.
func (s *Store) Maintenance(now time.Time) []gate.Maintenance {
	s.mu.Lock()
	defer s.mu.Unlock()
	return store.Upcoming(s.windows, now)
}

// CreateOverride commits the override and its audit record, and tells the
// other replicas, before returning it.
func (s *Store) CreateOverride(ctx context.Context, ov gate.Override, client string, now time.Time) (gate.Override, error) {
	var err error
	if ov.ID, err = store.NewID("ovr-"); err != nil {
		return ov, err
	}
	ov.Created = now.UTC().Truncate(time.Microsecond) // PostgreSQL's precision
	ov.Expires = ov.Expires.UTC().Truncate(time.Microsecond)
	_, err = s.changeOverrides(ctx, ov.ID, client, func(ctx context.Context, tx pgx.Tx) (*store.AuditEntry, error) {
		var inForce int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM slokit_overrides WHERE deleted IS NULL AND expires > $1", now).Scan(&inForce); err != nil {
			return nil, err
		}
		if inForce >= store.MaxOverrides {
			return nil, store.ErrTooManyOverrides
		}
		if _, err := tx.Exec(ctx, `INSERT INTO slokit_overrides (id, service, reason, author, created, expires) VALUES ($1, $2, $3, $4, $5, $6)`,
			ov.ID, ov.Service, ov.Reason, ov.Author, ov.Created, ov.Expires); err != nil {
			return nil, err
		}
		return &store.AuditEntry{Time: ov.Created, Kind: "override-created", Override: &ov, Client: client}, nil
	}, func(list []gate.Override) []gate.Override {
		if slices.ContainsFunc(list, func(o gate.Override) bool { return o.ID == ov.ID }) {
			return list
		}
		return append(list, ov)
	})
	if errors.Is(err, store.ErrTooManyOverrides) {
		return ov, err
	}
	if err != nil {
		return ov, s.fail("storing the override", err)
	}
	return ov, nil
}

// DeleteOverride marks the override deleted (the row stays, for the
// record) with its audit record, and tells the other replicas.
func (s *Store) DeleteOverride(ctx context.Context, id, by, client string, now time.Time) (bool, error) {
	at := now.UTC().Truncate(time.Microsecond)
	found, err := s.changeOverrides(ctx, id, client, func(ctx context.Context, tx pgx.Tx) (*store.AuditEntry, error) {
		var ov gate.Override
		err := tx.QueryRow(ctx, `UPDATE slokit_overrides SET deleted = $2 WHERE id = $1 AND deleted IS NULL
			RETURNING id, service, reason, author, created, expires`, id, at).Scan(&ov.ID, &ov.Service, &ov.Reason, &ov.Author, &ov.Created, &ov.Expires)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		ov.Created, ov.Expires = ov.Created.UTC(), ov.Expires.UTC()
		return &store.AuditEntry{Time: at, Kind: "override-deleted", Override: &ov, By: by, Client: client}, nil
	}, func(list []gate.Override) []gate.Override {
		return slices.DeleteFunc(list, func(o gate.Override) bool { return o.ID == id })
	})
	if err != nil {
		return false, s.fail("deleting the override", err)
	}
	return found, nil
}

// ChangeOverride sets the override's new end and reason with its audit
// record, if it is in force, and tells the other replicas.
func (s *Store) ChangeOverride(ctx context.Context, id string, c store.OverrideChange, client string, now time.Time) (gate.Override, bool, error) {
	at := now.UTC().Truncate(time.Microsecond)
	var ov gate.Override
	found, err := s.changeOverrides(ctx, id, client, func(ctx context.Context, tx pgx.Tx) (*store.AuditEntry, error) {
		err := tx.QueryRow(ctx, `UPDATE slokit_overrides SET expires = $2, reason = $3
			WHERE id = $1 AND deleted IS NULL AND expires > $4
			RETURNING id, service, reason, author, created, expires`, id, c.Expires.UTC().Truncate(time.Microsecond), c.Reason, at).
			Scan(&ov.ID, &ov.Service, &ov.Reason, &ov.Author, &ov.Created, &ov.Expires)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		ov.Created, ov.Expires = ov.Created.UTC(), ov.Expires.UTC()
		return &store.AuditEntry{Time: at, Kind: "override-changed", Override: &ov, By: c.Author, Client: client}, nil
	}, func(list []gate.Override) []gate.Override {
		if i := slices.IndexFunc(list, func(o gate.Override) bool { return o.ID == id }); i >= 0 {
			list[i] = ov
			return list
		}
		return append(list, ov)
	})
	if err != nil {
		return gate.Override{}, false, s.fail("changing the override", err)
	}
	return ov, found, nil
}

// Overrides are those in force at now among the last read.
func (s *Store) Overrides(now time.Time) []gate.Override {
	s.mu.Lock()
	defer s.mu.Unlock()
	return store.InForce(s.overrides, now)
}

// ActiveOverride is the service's override in force at now that lasts
// longest among the last read.
func (s *Store) ActiveOverride(service string, now time.Time) *gate.Override {
	idx := s.index.Load()
	if idx == nil {
		return nil
	}
	return idx.Active(service, now)
}
