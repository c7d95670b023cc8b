package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// TestListPlansUseIndexes asks each database (PostgreSQL and SQLite) how it
// would run every filtered and ordered page of the verification list, its
// bounded count and the sweeper's selections on a large table, and fails on
// a sequential scan of verifications, or on a page or count that sorts
// instead of walking an index in the list's order.
func TestListPlansUseIndexes(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		rows := 30000 // PostgreSQL's planner weighs the table's size...
		if s.Dialect() == "sqlite" {
			rows = 2000 // ...SQLite's, without statistics, does not
		}
		checkPlans(t, s, rows)
	})
}

// countBound stands for store.CountLimit+1 on the test's table: a small
// part of it, as CountLimit is of the large tables the bound is for
// (counting most of a small table is cheaper without an index, and the
// planner knows it).
func countBound(rows int) int {
	return rows / 100
}

func checkPlans(t *testing.T, s *store.Store, rows int) {
	ctx := context.Background()
	owner := &domain.User{Username: "owner", IsActive: true}
	other := &domain.User{Username: "other", IsActive: true}
	for _, u := range []*domain.User{owner, other} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SeedVerifications(ctx, rows, []int64{owner.ID, other.ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	now := domain.Clock{}.Now()
	var filters []domain.VerificationFilter
	for _, o := range []string{"created", "-created", "modified", "-modified", "status", "country"} {
		filters = append(filters, domain.VerificationFilter{Ordering: o})
	}
	for _, st := range []string{domain.StatusPending, domain.StatusVerified, domain.StatusFailed, domain.StatusEscalated, domain.StatusExpired} {
		filters = append(filters, domain.VerificationFilter{Status: st}, domain.VerificationFilter{Status: st, Country: "EE"})
	}
	filters = append(filters,
		domain.VerificationFilter{Country: "no"},
		domain.VerificationFilter{Country: "no", Ordering: "country"},
		domain.VerificationFilter{Status: domain.StatusVerified, Ordering: "status"},
		domain.VerificationFilter{OwnerID: &owner.ID},
		domain.VerificationFilter{UserID: &owner.ID, Ordering: "created"},
		domain.VerificationFilter{LegalPersonIdentifier: "10000042"},
		domain.VerificationFilter{Offset: 9950},
	)
	if s.Dialect() == "postgres" { // SQLite has no index for "contains"
		filters = append(filters, domain.VerificationFilter{LegalName: "company 1234"})
	}
	at := &domain.Verification{Created: now.Add(-time.Hour), Modified: now.Add(-time.Hour), Status: "pending", Country: "LV"}
	for _, f := range filters {
		f.Limit = 50
		page, pageArgs, count, countArgs, after, afterArgs, err := store.ListSQL(f, now, countBound(rows), at)
		if err != nil {
			t.Fatal(err)
		}
		noSeqScan(t, s, page, pageArgs...)
		noSeqScan(t, s, count, countArgs...)
		noSeqScan(t, s, after, afterArgs...) // a page reached by cursor seeks to it
		if f.LegalName != "" {
			continue // trigram matches come unordered: sorted (README, Performance)
		}
		// Each page walks its index in the list's order and stops: no sort,
		// but of the page's own rows after a deep page's skip, and, for the
		// expired filter, of the rows waiting past their time that the
		// sweeper has not yet marked (few: one sweep interval's).
		pageSorts := 0
		if f.Offset > 0 {
			pageSorts = 1
		}
		afterSorts := 0
		if f.Status == domain.StatusExpired {
			pageSorts, afterSorts = 2, 2
		}
		sortsAtMost(t, s, pageSorts, page, pageArgs...)
		sortsAtMost(t, s, afterSorts, after, afterArgs...)
		if s.Dialect() == "sqlite" { // PostgreSQL may sort a count whose bound nears all its rows: cheaper, by its statistics
			sortsAtMost(t, s, 0, count, countArgs...)
		}
	}
	// The sweeper: what expires (status = ? AND expires_at < ?), what the
	// retention period deletes (stale).
	for _, st := range []string{domain.StatusPending, domain.StatusEscalated} {
		noSeqScan(t, s, `SELECT uuid FROM verifications WHERE status = ? AND expires_at < ?`, st, now)
	}
	noSeqScan(t, s, `SELECT uuid, status FROM verifications WHERE `+store.Stale+` ORDER BY uuid`,
		domain.StatusFailed, domain.StatusExpired, now.Add(-30*24*time.Hour), now.Add(-30*24*time.Hour))
}

// sortsAtMost fails when the plan of query sorts more than n times: "Sort"
// on PostgreSQL, "USE TEMP B-TREE FOR ORDER BY" on SQLite. A list that
// sorts reads every matching row before its first page.
func sortsAtMost(t *testing.T, s *store.Store, n int, query string, args ...any) {
	t.Helper()
	plan, err := s.Plan(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	sorts := 0
	for _, line := range plan {
		line = strings.TrimLeft(line, " ->")
		if strings.HasPrefix(line, "Sort  ") || strings.HasPrefix(line, "Incremental Sort  ") || strings.HasPrefix(line, "USE TEMP B-TREE FOR ORDER BY") {
			sorts++
		}
	}
	if sorts > n {
		t.Errorf("%d sorts, at most %d:\n%s\n%v\n%s", sorts, n, query, args, strings.Join(plan, "\n"))
	}
}

// noSeqScan fails when the plan of query reads verifications from end to
// end: "Seq Scan" on PostgreSQL, "SCAN verifications" without an index on
// SQLite.
func noSeqScan(t *testing.T, s *store.Store, query string, args ...any) {
	t.Helper()
	plan, err := s.Plan(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	text := strings.Join(plan, "\n")
	for _, line := range plan {
		if strings.Contains(line, "Seq Scan on verifications") ||
			(strings.HasPrefix(line, "SCAN verifications") && !strings.Contains(line, " USING ")) {
			t.Errorf("sequential scan:\n%s\n%v\n%s", query, args, text)
			return
		}
	}
	if testing.Verbose() {
		t.Logf("%s\n%s", query, text)
	}
}
