package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slokit/slokit/report"
	"github.com/slokit/slokit/store"
)

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
func (s *Store) Audit(ctx context.Context, service string, limit int) ([]store.AuditEntry, error) {
	ctx, cancel := context.WithTimeout(ctx, operationTimeout)
	defer cancel()
	rows, err := s.pool.Query(ctx, `(SELECT at, entry FROM slokit_decisions WHERE service = $1 ORDER BY at DESC LIMIT $2)
		UNION ALL (SELECT at, entry FROM slokit_audit WHERE entry->'override'->>'service' = $1 OR entry->'maintenance'->>'service' = $1 OR entry->'incident'->>'service' = $1 ORDER BY seq DESC LIMIT $2)
		ORDER BY at DESC LIMIT $2`, service, limit)
	if err != nil {
		return nil, s.fail("reading the audit trail", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.AuditEntry, error) {
		var at time.Time
		var e store.AuditEntry
		err := row.Scan(&at, &e)
		return e, err
	})
	if err != nil {
		return nil, s.fail("reading the audit trail", err)
	}
	return out, nil
}
