// Package pgstore keeps slokit serve's durable state in PostgreSQL, so that
// any number of replicas behind a load balancer give the same answers:
// overrides, their append-only audit trail and the gate's decision log.
//
// Every change is committed, with its audit record, before it is
// acknowledged. Each replica keeps the overrides in force in memory and
// decides from there: a change made on one replica reaches the others at
// once through LISTEN/NOTIFY, and at the latest at their next Sync (one
// refresh). While the database is unreachable, the gate keeps deciding on
// the overrides last read for KnownFor, then cannot decide (Fresh); changes
// answer ErrStoreUnavailable; decision records wait in memory (bounded)
// and are written when it returns. The pool and the listener reconnect on
// their own, so a replica recovers without a restart.
package pgstore

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/internal/bounds"
	"github.com/slokit/slokit/internal/secret"
	"github.com/slokit/slokit/report"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/serve/api"
)

//go:embed migrations/*.sql
var migrations embed.FS

// The advisory locks slokit takes: one while migrating, so that replicas
// starting together apply each migration once; one per change of the
// overrides, so that the cap on overrides in force holds across replicas
// and the audit trail's order (seq, and at: the database's clock at the
// change) is the order of the changes.
const (
	migrateLock   = 0x736c6f6b6974 // "slokit"
	overridesLock = 0x736c6f6b6974 + 1
)

// channel is the LISTEN/NOTIFY channel of override changes.
const channel = "slokit_overrides"

// Defaults.
const (
	DefaultKnownFor   = 5 * time.Minute
	DefaultRetention  = 30 * 24 * time.Hour
	DefaultMaxConns   = 8
	maxPending        = 100_000 // decision records held while the database is away
	operationTimeout  = 5 * time.Second
	decisionFlushTick = time.Second
)

// Options configure Open; zero values take the defaults.
type Options struct {
	// URL is postgres://user[:password]@host[:port]/database[?...].
	URL string
	// Password, when set, is used instead of the URL's, so that the URL
	// can sit in a config and the password in a file or variable.
	Password string
	// MaxConns bounds the pool; default DefaultMaxConns.
	MaxConns int32
	// KnownFor is how long the overrides last read are decided on while
	// the database cannot be reached; default DefaultKnownFor.
	KnownFor time.Duration
	// Retention is how long decision records are kept; default 30 days.
	// Override audit records are never deleted.
	Retention time.Duration
	// Replica names this instance in the decision log; default the host
	// name.
	Replica string
	// Logger receives reconnections and failures; default none.
	Logger *slog.Logger
	// Now is the clock, for tests; default time.Now.
	Now func() time.Time
}

// CheckBounds reports a KnownFor or Retention out of its range, naming the
// flag that sets it; zero stands for the default. Open checks them, and
// slokit serve before anything starts.
func (o Options) CheckBounds() error {
	return errors.Join(
		bounds.Duration("--store-known-for", o.KnownFor, time.Second, 24*time.Hour),
		bounds.Duration("--store-retention", o.Retention, time.Hour, 10*366*24*time.Hour),
	)
}

// Store is serve.Store in PostgreSQL.
type Store struct {
	o      Options
	pool   *pgxpool.Pool
	target string // the URL without its password, for messages
	redact secret.Redactor
	log    *slog.Logger

	mu        sync.Mutex
	overrides []gate.Override // in force when last read, oldest first
	// index is overrides by service, built anew whenever they change:
	// checks read it without a lock.
	index   atomic.Pointer[serve.OverrideIndex]
	windows []api.MaintenanceWindow // not ended when last read, by start
	readAt  time.Time               // when the overrides were last read
	changes int                     // this replica's changes, so a read that overlaps one is not kept
	digest  *serve.DecisionDigest
	pending []serve.AuditEntry // decision records not yet written
	dropped int                // decision records dropped at maxPending
	// writeErrors counts decision records never written (WriteErrors).
	writeErrors uint64
	lastPrune   time.Time

	flushMu sync.Mutex // one decision write at a time
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

var _ serve.Store = (*Store)(nil)

// Open connects, applies the embedded migrations under an advisory lock,
// reads the overrides in force and starts listening for other replicas'
// changes. Its errors name the database without the password.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	if err := o.CheckBounds(); err != nil {
		return nil, err
	}
	if o.KnownFor == 0 {
		o.KnownFor = DefaultKnownFor
	}
	if o.Retention == 0 {
		o.Retention = DefaultRetention
	}
	if o.Replica == "" {
		o.Replica, _ = os.Hostname()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	redact := secret.NewRedactor(o.URL, o.Password)
	target := redact.URL()
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		// pgx's message may quote the URL: give only ours.
		return nil, fmt.Errorf("PostgreSQL store %s: not a valid connection URL", target)
	}
	if o.Password != "" {
		cfg.ConnConfig.Password = o.Password
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = operationTimeout
	}
	cfg.MaxConns = o.MaxConns
	s := &Store{o: o, target: target, redact: redact, log: o.Logger, digest: serve.NewDecisionDigest()}
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, s.fail("connecting", err)
	}
	if err := s.migrate(ctx); err != nil {
		s.pool.Close()
		return nil, err
	}
	if err := s.reload(ctx); err != nil {
		s.pool.Close()
		return nil, err
	}
	bg, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done.Add(2)
	go func() { defer s.done.Done(); s.listen(bg, cfg.ConnConfig) }()
	go func() { defer s.done.Done(); s.writeDecisions(bg) }()
	return s, nil
}

// fail wraps a database error: ErrStoreUnavailable when the database could
// not be reached (the client may retry), the server's message otherwise.
func (s *Store) fail(what string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && !unavailable(pgErr.Code) {
		return fmt.Errorf("PostgreSQL store %s: %s: %s (%s)", s.target, what, pgErr.Message, pgErr.Code)
	}
	return fmt.Errorf("%w: PostgreSQL store %s: %s: %s", serve.ErrStoreUnavailable, s.target, what, s.redact.String(err.Error()))
}

// unavailable tells the server's errors that mean it cannot serve now
// (connection failures, shutting down or starting, out of connections or
// resources) from those about the request.
func unavailable(code string) bool {
	return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "57P") || strings.HasPrefix(code, "53")
}

// migrate applies the embedded migrations not yet applied, in order, each
// in a transaction, under a session advisory lock.
func (s *Store) migrate(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return s.fail("connecting", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLock); err != nil {
		return s.fail("locking for migrations", err)
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", migrateLock) //nolint:errcheck // the session ends with the connection anyway
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS slokit_schema (version int PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		return s.fail("creating the schema table", err)
	}
	var current int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM slokit_schema").Scan(&current); err != nil {
		return s.fail("reading the schema version", err)
	}
	files, _ := fs.Glob(migrations, "migrations/*.sql")
	sort.Strings(files)
	if current > len(files) {
		return fmt.Errorf("PostgreSQL store %s: the schema is at version %d, newer than this slokit knows (%d): run the newer slokit", s.target, current, len(files))
	}
	for i, name := range files {
		version := i + 1
		if prefix, _, _ := strings.Cut(strings.TrimPrefix(name, "migrations/"), "_"); prefix != fmt.Sprintf("%04d", version) {
			return fmt.Errorf("migration %s is out of sequence", name)
		}
		if version <= current {
			continue
		}
		sql, _ := migrations.ReadFile(name)
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO slokit_schema (version) VALUES ($1)", version)
			return err
		})
		if err != nil {
			return s.fail("applying "+name, err)
		}
		s.log.Info("PostgreSQL store: schema migrated", "version", version)
	}
	return nil
}

// reload reads the overrides in force.
func (s *Store) reload(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, operationTimeout)
	defer cancel()
	now := s.o.Now()
	s.mu.Lock()
	changes := s.changes
	s.mu.Unlock()
	rows, err := s.pool.Query(ctx, `SELECT id, service, reason, author, created, expires FROM slokit_overrides
		WHERE deleted IS NULL AND expires > $1 ORDER BY created, id`, now)
	if err != nil {
		return s.fail("reading overrides", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (gate.Override, error) {
		var ov gate.Override
		err := row.Scan(&ov.ID, &ov.Service, &ov.Reason, &ov.Author, &ov.Created, &ov.Expires)
		ov.Created, ov.Expires = ov.Created.UTC(), ov.Expires.UTC()
		return ov, err
	})
	if err != nil {
		return s.fail("reading overrides", err)
	}
	rows, err = s.pool.Query(ctx, `SELECT id, service, slo, reason, author, created, starts, ends FROM slokit_maintenance
		WHERE deleted IS NULL AND ends > $1 ORDER BY starts, id`, now)
	if err != nil {
		return s.fail("reading maintenance windows", err)
	}
	windows, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (api.MaintenanceWindow, error) {
		var m api.MaintenanceWindow
		err := row.Scan(&m.ID, &m.Service, &m.SLO, &m.Reason, &m.Author, &m.Created, &m.Start, &m.End)
		m.Created, m.Start, m.End = m.Created.UTC(), m.Start.UTC(), m.End.UTC()
		return m, err
	})
	if err != nil {
		return s.fail("reading maintenance windows", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readAt = now
	// A change this replica made while the queries ran may be missing
	// from their results: keep the memory, which has it; the change's
	// notification brings a read that follows it.
	if s.changes == changes {
		s.setOverrides(list)
		s.windows = windows
	}
	return nil
}

// setOverrides keeps list as the overrides in force, and its index; the
// caller holds mu.
func (s *Store) setOverrides(list []gate.Override) {
	s.overrides = list
	idx := serve.NewOverrideIndex(list)
	s.index.Store(&idx)
}

// changeOverrides commits one change of the overrides (see commit); edit
// brings this replica's list in line once it is committed.
func (s *Store) changeOverrides(ctx context.Context, id, client string, change func(context.Context, pgx.Tx) (*serve.AuditEntry, error), edit func([]gate.Override) []gate.Override) (bool, error) {
	return s.commit(ctx, id, client, change, func() { s.setOverrides(edit(slices.Clone(s.overrides))) })
}

// changeWindows is changeOverrides for maintenance windows.
func (s *Store) changeWindows(ctx context.Context, id, client string, change func(context.Context, pgx.Tx) (*serve.AuditEntry, error), edit func([]api.MaintenanceWindow) []api.MaintenanceWindow) (bool, error) {
	return s.commit(ctx, id, client, change, func() { s.windows = edit(slices.Clone(s.windows)) })
}

// commit commits one change of the shared state with its audit record and
// a notification to the other replicas, in one transaction under one
// lock, so the trail is in the order of the changes. change makes the
// change and returns its record, or nil when there was nothing to change.
// Once committed, apply (called under s.mu) brings this replica's memory
// in line at once. It reports whether anything changed.
func (s *Store) commit(ctx context.Context, id, client string, change func(context.Context, pgx.Tx) (*serve.AuditEntry, error), apply func()) (bool, error) {
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
func (s *Store) CreateMaintenance(ctx context.Context, m api.MaintenanceWindow, client string, now time.Time) (api.MaintenanceWindow, error) {
	var err error
	if m.ID, err = serve.NewID("mnt-"); err != nil {
		return m, err
	}
	m.Created = now.UTC().Truncate(time.Microsecond)
	m.Start, m.End = m.Start.UTC().Truncate(time.Microsecond), m.End.UTC().Truncate(time.Microsecond)
	_, err = s.changeWindows(ctx, m.ID, client, func(ctx context.Context, tx pgx.Tx) (*serve.AuditEntry, error) {
		var upcoming int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM slokit_maintenance WHERE deleted IS NULL AND ends > $1", now).Scan(&upcoming); err != nil {
			return nil, err
		}
		if upcoming >= serve.MaxMaintenanceWindows {
			return nil, serve.ErrTooManyWindows
		}
		if _, err := tx.Exec(ctx, `INSERT INTO slokit_maintenance (id, service, slo, reason, author, created, starts, ends) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			m.ID, m.Service, m.SLO, m.Reason, m.Author, m.Created, m.Start, m.End); err != nil {
			return nil, err
		}
		return &serve.AuditEntry{Time: m.Created, Kind: "maintenance-created", Maintenance: &m, Client: client}, nil
	}, func(list []api.MaintenanceWindow) []api.MaintenanceWindow {
		if slices.ContainsFunc(list, func(o api.MaintenanceWindow) bool { return o.ID == m.ID }) {
			return list
		}
		return serve.Upcoming(append(list, m), now)
	})
	if errors.Is(err, serve.ErrTooManyWindows) {
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
	found, err := s.changeWindows(ctx, id, client, func(ctx context.Context, tx pgx.Tx) (*serve.AuditEntry, error) {
		var m api.MaintenanceWindow
		err := tx.QueryRow(ctx, `UPDATE slokit_maintenance SET deleted = $2 WHERE id = $1 AND deleted IS NULL AND ends > $2
			RETURNING id, service, slo, reason, author, created, starts, ends`, id, at).Scan(&m.ID, &m.Service, &m.SLO, &m.Reason, &m.Author, &m.Created, &m.Start, &m.End)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		m.Created, m.Start, m.End = m.Created.UTC(), m.Start.UTC(), m.End.UTC()
		return &serve.AuditEntry{Time: at, Kind: "maintenance-ended", Maintenance: &m, By: by, Client: client}, nil
	}, func(list []api.MaintenanceWindow) []api.MaintenanceWindow {
		return slices.DeleteFunc(list, func(m api.MaintenanceWindow) bool { return m.ID == id })
	})
	if err != nil {
		return false, s.fail("ending the maintenance window", err)
	}
	return found, nil
}

// Maintenance returns the windows that have not ended at now, as last
// read or changed here.
func (s *Store) Maintenance(now time.Time) []api.MaintenanceWindow {
	s.mu.Lock()
	defer s.mu.Unlock()
	return serve.Upcoming(s.windows, now)
}

// CreateOverride commits the override and its audit record, and tells the
// other replicas, before returning it.
func (s *Store) CreateOverride(ctx context.Context, ov gate.Override, client string, now time.Time) (gate.Override, error) {
	var err error
	if ov.ID, err = serve.NewID("ovr-"); err != nil {
		return ov, err
	}
	ov.Created = now.UTC().Truncate(time.Microsecond) // PostgreSQL's precision
	ov.Expires = ov.Expires.UTC().Truncate(time.Microsecond)
	_, err = s.changeOverrides(ctx, ov.ID, client, func(ctx context.Context, tx pgx.Tx) (*serve.AuditEntry, error) {
		var inForce int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM slokit_overrides WHERE deleted IS NULL AND expires > $1", now).Scan(&inForce); err != nil {
			return nil, err
		}
		if inForce >= serve.MaxOverrides {
			return nil, serve.ErrTooManyOverrides
		}
		if _, err := tx.Exec(ctx, `INSERT INTO slokit_overrides (id, service, reason, author, created, expires) VALUES ($1, $2, $3, $4, $5, $6)`,
			ov.ID, ov.Service, ov.Reason, ov.Author, ov.Created, ov.Expires); err != nil {
			return nil, err
		}
		return &serve.AuditEntry{Time: ov.Created, Kind: "override-created", Override: &ov, Client: client}, nil
	}, func(list []gate.Override) []gate.Override {
		if slices.ContainsFunc(list, func(o gate.Override) bool { return o.ID == ov.ID }) {
			return list
		}
		return append(list, ov)
	})
	if errors.Is(err, serve.ErrTooManyOverrides) {
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
	found, err := s.changeOverrides(ctx, id, client, func(ctx context.Context, tx pgx.Tx) (*serve.AuditEntry, error) {
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
		return &serve.AuditEntry{Time: at, Kind: "override-deleted", Override: &ov, By: by, Client: client}, nil
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
func (s *Store) ChangeOverride(ctx context.Context, id string, c serve.OverrideChange, client string, now time.Time) (gate.Override, bool, error) {
	at := now.UTC().Truncate(time.Microsecond)
	var ov gate.Override
	found, err := s.changeOverrides(ctx, id, client, func(ctx context.Context, tx pgx.Tx) (*serve.AuditEntry, error) {
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
		return &serve.AuditEntry{Time: at, Kind: "override-changed", Override: &ov, By: c.Author, Client: client}, nil
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
	return serve.InForce(s.overrides, now)
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

// Fresh fails once the overrides were last read more than KnownFor ago:
// another replica may have frozen or thawed a service since.
func (s *Store) Fresh(now time.Time) error {
	s.mu.Lock()
	readAt := s.readAt
	s.mu.Unlock()
	if age := now.Sub(readAt); age > s.o.KnownFor {
		return fmt.Errorf("the override store %s has not been reached for %s, over the %s the last known overrides are decided on", s.target, age.Round(time.Second), s.o.KnownFor)
	}
	return nil
}

// Record appends a change of state to the audit trail.
func (s *Store) Record(ctx context.Context, e serve.AuditEntry) error {
	entry, err := json.Marshal(e)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, operationTimeout)
	defer cancel()
	if _, err := s.pool.Exec(ctx, `INSERT INTO slokit_audit (at, kind, client, entry) VALUES ($1, $2, $3, $4)`, e.Time, e.Kind, e.Client, entry); err != nil {
		return s.fail("auditing", err)
	}
	return nil
}

// Decision digests the decision (serve.DecisionDigest) and queues what is
// worth keeping; a background writer commits the queue every second.
func (s *Store) Decision(d gate.Decision, client string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue(s.digest.Add(d, client, now))
	return nil
}

// queue adds decision records, dropping (and counting) what does not fit:
// the queue is what a database outage may cost in memory.
func (s *Store) queue(entries []serve.AuditEntry) {
	room := maxPending - len(s.pending)
	if len(entries) > room {
		s.dropped += len(entries) - max(room, 0)
		entries = entries[:max(room, 0)]
	}
	s.pending = append(s.pending, entries...)
}

// Sync reads the overrides again (in case a notification was missed) and
// writes the decision records, with the counts of repeats.
func (s *Store) Sync(ctx context.Context) error {
	s.mu.Lock()
	s.queue(s.digest.Flush())
	s.mu.Unlock()
	return errors.Join(s.reload(ctx), s.flushDecisions(ctx))
}

// flushDecisions writes the queued decision records in one batch; on
// failure they stay queued for the next try. Once an hour it deletes
// records older than Retention.
func (s *Store) flushDecisions(ctx context.Context) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.Lock()
	batch := slices.Clone(s.pending)
	dropped := s.dropped
	s.mu.Unlock()
	// handled counts the records of the batch written or refused, in
	// order: they leave the queue, the rest stays for the next try.
	handled, refused, err := s.writeBatch(ctx, batch)
	s.mu.Lock()
	s.pending = slices.Delete(s.pending, 0, handled)
	s.writeErrors += uint64(refused)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	// Said once, when the database is back, not every second while away.
	if dropped > 0 {
		s.log.Warn("PostgreSQL store: decision records dropped while the database was unreachable", "dropped", dropped)
	}
	s.mu.Lock()
	s.dropped -= dropped
	s.writeErrors += uint64(dropped)
	prune := s.o.Now().Sub(s.lastPrune) > time.Hour
	s.mu.Unlock()
	if prune {
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if _, err := s.pool.Exec(cctx, "DELETE FROM slokit_decisions WHERE at < $1", s.o.Now().Add(-s.o.Retention)); err != nil {
			return s.fail("pruning decisions", err)
		}
		s.mu.Lock()
		s.lastPrune = s.o.Now()
		s.mu.Unlock()
	}
	return nil
}

// writeBatch writes decision records in one COPY. Should the database
// refuse something in it (bad data), one bad record must not hold back the
// others forever: it writes them one at a time and leaves out, counted,
// what the database refuses. It returns how many records, from the first,
// were written or refused, and an error when the database is unavailable.
func (s *Store) writeBatch(ctx context.Context, batch []serve.AuditEntry) (handled, refused int, err error) {
	rows := make([][]any, 0, len(batch))
	for _, e := range batch {
		row, err := s.decisionRow(e)
		if err != nil {
			// Cannot happen (the records hold plain values); as refused.
			refused++
			row = nil
		}
		rows = append(rows, row)
	}
	err = s.copyDecisions(ctx, slices.DeleteFunc(slices.Clone(rows), func(r []any) bool { return r == nil }))
	if err == nil || errors.Is(err, serve.ErrStoreUnavailable) {
		if err != nil {
			return 0, 0, err
		}
		return len(batch), refused, nil
	}
	refused = 0
	for i, row := range rows {
		if row == nil {
			refused++
			continue
		}
		if rerr := s.copyDecisions(ctx, [][]any{row}); errors.Is(rerr, serve.ErrStoreUnavailable) {
			return i, refused, rerr
		} else if rerr != nil {
			refused++
			s.log.Warn("PostgreSQL store: the database refused a decision record; left out", "err", rerr)
		}
	}
	return len(batch), refused, nil
}

// decisionRow is a decision record as a row of slokit_decisions.
func (s *Store) decisionRow(e serve.AuditEntry) ([]any, error) {
	entry, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	service := ""
	switch {
	case e.Decision != nil:
		service = e.Decision.Service
	case e.Repeated != nil:
		service = e.Repeated.Service
	}
	return []any{e.Time, s.o.Replica, e.Kind, service, entry}, nil
}

// copyDecisions writes rows in one COPY, all or none.
func (s *Store) copyDecisions(ctx context.Context, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, operationTimeout)
	defer cancel()
	if _, err := s.pool.CopyFrom(cctx, pgx.Identifier{"slokit_decisions"}, []string{"at", "replica", "kind", "service", "entry"}, pgx.CopyFromRows(rows)); err != nil {
		return s.fail("writing decisions", err)
	}
	return nil
}

// WriteErrors counts the decision records this store could not write: left
// out because the database refused them, or dropped from a full queue while
// it was away. slokit serve adds them to slokit_audit_write_errors_total.
func (s *Store) WriteErrors() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeErrors
}

// writeDecisions commits queued decision records every second.
func (s *Store) writeDecisions(ctx context.Context) {
	t := time.NewTicker(decisionFlushTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = s.flushDecisions(ctx) // kept queued; Sync reports failures
		}
	}
}

// listen holds a connection that LISTENs for override changes and reads
// the overrides on each, reconnecting with backoff when the connection
// drops, and reading them again once reconnected (a notification sent
// meanwhile is lost).
func (s *Store) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, cfg, func() { backoff = 100 * time.Millisecond })
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("PostgreSQL store: listening for override changes failed; reconnecting", "err", s.fail("listening", err), "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context, cfg *pgx.ConnConfig, connected func()) error {
	cctx, cancel := context.WithTimeout(ctx, operationTimeout)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	connected()
	if err := s.reload(ctx); err != nil {
		return err
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		if err := s.reload(ctx); err != nil {
			return err
		}
	}
}

// Close stops listening, writes what is queued and closes the pool.
func (s *Store) Close() error {
	s.cancel()
	s.done.Wait()
	s.mu.Lock()
	s.queue(s.digest.Flush())
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), operationTimeout)
	defer cancel()
	err := s.flushDecisions(ctx)
	s.pool.Close()
	return err
}

// String names the store for logs.
func (s *Store) String() string {
	return "postgres " + s.target + " (replica " + strconv.Quote(s.o.Replica) + ")"
}

// Activity counts, per service, the deny decisions (written, or counted as
// repeats), the overrides created
// and the maintenance windows made in [from, to), for slokit report.
// Decision records older than --store-retention are gone.
func (s *Store) Activity(ctx context.Context, from, to time.Time) (map[string]report.Activity, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out := map[string]report.Activity{}
	count := func(what, sql string, add func(*report.Activity, int)) error {
		rows, err := s.pool.Query(ctx, sql, from, to)
		if err != nil {
			return s.fail("reading "+what, err)
		}
		defer rows.Close()
		for rows.Next() {
			var service string
			var n int
			if err := rows.Scan(&service, &n); err != nil {
				return s.fail("reading "+what, err)
			}
			act := out[service]
			add(&act, n)
			out[service] = act
		}
		if err := rows.Err(); err != nil {
			return s.fail("reading "+what, err)
		}
		return nil
	}
	err := errors.Join(
		// Denies written, and denies counted as repeats of one.
		count("deny decisions", `SELECT service, sum(CASE WHEN kind = 'decision' THEN 1 ELSE (entry->'repeated'->>'count')::bigint END)::bigint FROM slokit_decisions
			WHERE at >= $1 AND at < $2 AND ((kind = 'decision' AND entry->'decision'->>'decision' = 'deny') OR (kind = 'decisions-repeated' AND entry->'repeated'->>'decision' = 'deny')) GROUP BY service`,
			func(a *report.Activity, n int) { a.Denies = n }),
		count("overrides", `SELECT entry->'override'->>'service', count(*) FROM slokit_audit WHERE at >= $1 AND at < $2 AND kind = 'override-created' GROUP BY 1`,
			func(a *report.Activity, n int) { a.Overrides = n }),
		count("maintenance windows", `SELECT entry->'maintenance'->>'service', count(*) FROM slokit_audit WHERE at >= $1 AND at < $2 AND kind = 'maintenance-created' GROUP BY 1`,
			func(a *report.Activity, n int) { a.Maintenance = n }),
	)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Audit returns the latest limit records about the service, newest first:
// its gate decisions and the overrides and maintenance windows made for
// it (an override's deletion names only its ID, so it is not among them).
func (s *Store) Audit(ctx context.Context, service string, limit int) ([]serve.AuditEntry, error) {
	ctx, cancel := context.WithTimeout(ctx, operationTimeout)
	defer cancel()
	rows, err := s.pool.Query(ctx, `(SELECT at, entry FROM slokit_decisions WHERE service = $1 ORDER BY at DESC LIMIT $2)
		UNION ALL (SELECT at, entry FROM slokit_audit WHERE entry->'override'->>'service' = $1 OR entry->'maintenance'->>'service' = $1 OR entry->'incident'->>'service' = $1 ORDER BY seq DESC LIMIT $2)
		ORDER BY at DESC LIMIT $2`, service, limit)
	if err != nil {
		return nil, s.fail("reading the audit trail", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (serve.AuditEntry, error) {
		var at time.Time
		var e serve.AuditEntry
		err := row.Scan(&at, &e)
		return e, err
	})
	if err != nil {
		return nil, s.fail("reading the audit trail", err)
	}
	return out, nil
}
