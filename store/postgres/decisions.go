package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slokit/slokit/gate"
	"github.com/slokit/slokit/store"
)

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
func (s *Store) Record(ctx context.Context, e store.AuditEntry) error {
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

// Decision digests the decision (store.DecisionDigest) and queues what is
// worth keeping; a background writer commits the queue every second.
func (s *Store) Decision(d gate.Decision, client string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue(s.digest.Add(d, client, now))
	return nil
}

// Verdict queues a canary verdict with the decision records.
func (s *Store) Verdict(e store.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue([]store.AuditEntry{e})
	return nil
}

// queue adds decision records, dropping (and counting) what does not fit:
// the queue is what a database outage may cost in memory.
func (s *Store) queue(entries []store.AuditEntry) {
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
func (s *Store) writeBatch(ctx context.Context, batch []store.AuditEntry) (handled, refused int, err error) {
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
	if err == nil || errors.Is(err, store.ErrStoreUnavailable) {
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
		if rerr := s.copyDecisions(ctx, [][]any{row}); errors.Is(rerr, store.ErrStoreUnavailable) {
			return i, refused, rerr
		} else if rerr != nil {
			refused++
			s.log.Warn("PostgreSQL store: the database refused a decision record; left out", "err", rerr)
		}
	}
	return len(batch), refused, nil
}

// decisionRow is a decision record as a row of slokit_decisions.
func (s *Store) decisionRow(e store.AuditEntry) ([]any, error) {
	entry, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return []any{e.Time, s.o.Replica, e.Kind, e.Service(), entry}, nil
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
