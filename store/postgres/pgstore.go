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
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
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
	"github.com/slokit/slokit/store"
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

// Store is store.Store in PostgreSQL.
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
	index   atomic.Pointer[store.OverrideIndex]
	windows []gate.Maintenance // not ended when last read, by start
	readAt  time.Time          // when the overrides were last read
	changes int                // this replica's changes, so a read that overlaps one is not kept
	digest  *store.DecisionDigest
	pending []store.AuditEntry // decision records not yet written
	dropped int                // decision records dropped at maxPending
	// writeErrors counts decision records never written (WriteErrors).
	writeErrors uint64
	lastPrune   time.Time

	flushMu sync.Mutex // one decision write at a time
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

var _ store.Store = (*Store)(nil)

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
	s := &Store{o: o, target: target, redact: redact, log: o.Logger, digest: store.NewDecisionDigest()}
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
	return fmt.Errorf("%w: PostgreSQL store %s: %s: %s", store.ErrStoreUnavailable, s.target, what, s.redact.String(err.Error()))
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
	windows, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (gate.Maintenance, error) {
		var m gate.Maintenance
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
