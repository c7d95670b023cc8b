package store

import (
	"context"
	"strings"
	"time"

	"github.com/onboarding-kyb/onboarding/domain"
)

// What plan_test (package store_test) needs from inside.

// ListSQL is the SQL and arguments of a verification list page, of its
// count bounded at bound, and of the page after a cursor at the given row.
func ListSQL(f domain.VerificationFilter, now time.Time, bound int, cursorAt *domain.Verification) (page string, pageArgs []any, count string, countArgs []any, afterPage string, afterArgs []any, err error) {
	q, err := listQuery(f, now)
	if err != nil {
		return
	}
	f.After = q.order.encode(q.name, cursorAt)
	after, err := listQuery(f, now)
	return q.page, q.pageArgs, q.count,
		append(q.countArgs, bound), after.page, after.pageArgs, err
}

// Stale is the sweeper's condition for deletable rows.
const Stale = stale

// Plan is how the database would run query: EXPLAIN's lines on
// PostgreSQL, EXPLAIN QUERY PLAN's details on SQLite.
func (s *Store) Plan(ctx context.Context, query string, args ...any) ([]string, error) {
	var plan []string
	if s.dialect == "postgres" {
		err := s.db.SelectContext(ctx, &plan, s.db.Rebind(`EXPLAIN `+query), args...)
		return plan, err
	}
	rows, err := s.db.QueryxContext(ctx, s.db.Rebind(`EXPLAIN QUERY PLAN `+query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		plan = append(plan, strings.TrimSpace(detail))
	}
	return plan, rows.Err()
}

// GetPrepared is getPrepared, for its test.
func (s *Store) GetPrepared(ctx context.Context, dest any, query string, args ...any) error {
	return s.getPrepared(ctx, dest, query, args...)
}
