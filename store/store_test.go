package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &domain.User{Username: "alice", Email: "a@example.com", IsActive: true}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateUser(ctx, &domain.User{Username: "alice", IsActive: true}); domain.CodeOf(err) != domain.EConflict {
			t.Fatalf("duplicate username: got %v, want conflict", err)
		}
		token, err := s.CreateToken(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(token) != 40 {
			t.Fatalf("token %q: want 40 hex characters", token)
		}
		got, err := s.UserByToken(ctx, token, time.Time{})
		if err != nil || got.ID != u.ID || got.Username != "alice" {
			t.Fatalf("UserByToken = %+v, %v", got, err)
		}
		if _, err := s.UserByToken(ctx, token+"x", time.Time{}); domain.CodeOf(err) != domain.ENotFound {
			t.Fatalf("wrong token: got %v, want not found", err)
		}
	})
}

// getPrepared maps a query's columns to a struct's fields once and keeps
// the mapping: another struct type read from the same query gets its own,
// a column without a field is an error naming it, no row is
// sql.ErrNoRows, and a single value (a count) is scanned as it is.
func TestGetPreparedMapsColumnsToEachType(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &domain.User{Username: "dora", IsActive: true}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		const query = `SELECT id, username FROM users WHERE id = ?`
		type idFirst struct {
			ID       int64  `db:"id"`
			Username string `db:"username"`
		}
		type nameFirst struct {
			Name string `db:"username"`
			ID   int64  `db:"id"`
		}
		for range 2 { // the second time from the kept mappings
			var a idFirst
			if err := s.GetPrepared(ctx, &a, query, u.ID); err != nil || a != (idFirst{u.ID, "dora"}) {
				t.Fatalf("into idFirst: %+v, %v", a, err)
			}
			var b nameFirst
			if err := s.GetPrepared(ctx, &b, query, u.ID); err != nil || b != (nameFirst{"dora", u.ID}) {
				t.Fatalf("into nameFirst: %+v, %v", b, err)
			}
		}
		var idOnly struct {
			ID int64 `db:"id"`
		}
		if err := s.GetPrepared(ctx, &idOnly, query, u.ID); err == nil || !strings.Contains(err.Error(), "username") {
			t.Fatalf("a column without a field: got %v, want an error naming it", err)
		}
		var none idFirst
		if err := s.GetPrepared(ctx, &none, query, u.ID+1000); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("no row: got %v, want sql.ErrNoRows", err)
		}
		var n int
		if err := s.GetPrepared(ctx, &n, `SELECT COUNT(*) FROM users WHERE id = ?`, u.ID); err != nil || n != 1 {
			t.Fatalf("a count: %d, %v", n, err)
		}
	})
}

// TestPreparedQueriesOutliveMigrations: the token lookup and the retrieve
// run as statements prepared once per connection; a later migration that
// adds a column (another replica's, in a rolling deploy) must not break
// them, as it breaks a prepared SELECT * on PostgreSQL ("cached plan must
// not change result type").
func TestPreparedQueriesOutliveMigrations(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &domain.User{Username: "carol", IsActive: true}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		token, err := s.CreateToken(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		v := &domain.Verification{UserID: u.ID, Country: "EE", LegalPersonIdentifier: "12417834", Status: domain.StatusPending}
		if err := s.CreateVerification(ctx, v, u.ID); err != nil {
			t.Fatal(err)
		}
		lookUp := func(when string) {
			t.Helper()
			for range 3 { // on more than one connection of the pool, some reused
				if got, err := s.UserByToken(ctx, token, time.Time{}); err != nil || got.ID != u.ID {
					t.Fatalf("%s: UserByToken = %+v, %v", when, got, err)
				}
				if got, err := s.ShownVerification(ctx, v.UUID); err != nil || got.UUID != v.UUID {
					t.Fatalf("%s: ShownVerification = %+v, %v", when, got, err)
				}
			}
		}
		lookUp("before")
		for _, table := range []string{"users", "verifications"} {
			if _, err := s.DB().ExecContext(ctx, `ALTER TABLE `+table+` ADD COLUMN added_later TEXT`); err != nil {
				t.Fatal(err)
			}
		}
		lookUp("after a column was added")
	})
}

func TestVerificationRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &domain.User{Username: "bob", IsActive: true}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		exp := domain.Clock{}.Now().Add(48 * time.Hour)
		v := &domain.Verification{UserID: u.ID, Country: "EE", LegalPersonIdentifier: "12417834",
			LegalName: "Acme OÜ", Status: domain.StatusPending, ExpiresAt: &exp,
			OnboardingMetadata: domain.JSON(`{"intent":"x"}`)}
		if err := s.CreateVerification(ctx, v, u.ID); err != nil {
			t.Fatal(err)
		}
		got, err := s.Verification(ctx, v.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LegalName != "Acme OÜ" || !got.ExpiresAt.Equal(exp) || !got.Created.Equal(v.Created) ||
			string(got.VerifiedUserRoles) != "[]" {
			t.Fatalf("read back %+v", got)
		}
		var meta map[string]string
		if err := json.Unmarshal(got.OnboardingMetadata, &meta); err != nil || meta["intent"] != "x" {
			t.Fatalf("metadata %s", got.OnboardingMetadata)
		}
		if _, err := s.Verification(ctx, uuid.New()); domain.CodeOf(err) != domain.ENotFound {
			t.Fatalf("unknown uuid: %v", err)
		}
		stale := *got
		got.Status = domain.StatusVerified
		if err := s.UpdateVerification(ctx, got, nil); err != nil {
			t.Fatal(err)
		}
		// An update based on an older read writes nothing.
		stale.LegalName = "Lost Update OÜ"
		if err := s.UpdateVerification(ctx, &stale, nil); domain.CodeOf(err) != domain.EConflict {
			t.Fatalf("stale update: got %v, want conflict", err)
		}
		again, _ := s.Verification(ctx, v.UUID)
		if again.Status != domain.StatusVerified || again.LegalName != "Acme OÜ" || again.Version != 2 || again.Modified.Before(v.Modified) {
			t.Fatalf("after update %+v", again)
		}
		if err := s.DeleteVerification(ctx, v.UUID, u.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteVerification(ctx, v.UUID, u.ID); domain.CodeOf(err) != domain.ENotFound {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestListVerifications(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := &domain.User{Username: "a", IsActive: true}
		b := &domain.User{Username: "b", IsActive: true}
		for _, u := range []*domain.User{a, b} {
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		names := []string{"Alpha AS", "beta_50% OÜ", "Gamma AB", "ALPHABET AS", "Delta"}
		for i, n := range names {
			owner := a.ID
			if i%2 == 1 {
				owner = b.ID
			}
			v := &domain.Verification{UserID: owner, Country: []string{"NO", "EE", "SE", "NO", "DK"}[i], LegalName: n, Status: domain.StatusPending}
			if err := s.CreateVerification(ctx, v, owner); err != nil {
				t.Fatal(err)
			}
		}
		list := func(f domain.VerificationFilter) ([]domain.Verification, int) {
			t.Helper()
			p, err := s.ListVerifications(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Exact {
				t.Fatalf("count of %d rows is not exact", p.Total)
			}
			return p.Rows, p.Total
		}
		page, total := list(domain.VerificationFilter{LegalName: "alpha", Limit: 10})
		if total != 2 || len(page) != 2 || page[0].LegalName != "ALPHABET AS" {
			t.Fatalf("legal_name filter: %d %d %+v", total, len(page), page)
		}
		// LIKE wildcards in the filter are literal.
		if _, total := list(domain.VerificationFilter{LegalName: "_50%", Limit: 10}); total != 1 {
			t.Fatalf("escaped filter total %d, want 1", total)
		}
		if _, total := list(domain.VerificationFilter{LegalName: "lph_", Limit: 10}); total != 0 {
			t.Fatalf("underscore must not be a wildcard, total %d", total)
		}
		page, total = list(domain.VerificationFilter{OwnerID: &b.ID, Limit: 10})
		if total != 2 || len(page) != 2 {
			t.Fatalf("owner filter total %d", total)
		}
		page, total = list(domain.VerificationFilter{Ordering: "created", Limit: 2, Offset: 2})
		if total != 5 || len(page) != 2 || page[0].LegalName != "Gamma AB" {
			t.Fatalf("page 2 ordered by created: total %d %+v", total, page)
		}
		page, _ = list(domain.VerificationFilter{Ordering: "country", Limit: 10})
		if page[0].Country != "DK" || page[4].Country != "SE" {
			t.Fatalf("ordering by country: %v", []string{page[0].Country, page[4].Country})
		}
		// A cursor continues where its page ended, in every ordering, and
		// the pages it walks are the numbered pages.
		for _, o := range []string{"created", "-created", "modified", "-modified", "status", "country"} {
			all, _ := list(domain.VerificationFilter{Ordering: o, Limit: 10})
			var walked []string
			f := domain.VerificationFilter{Ordering: o, Limit: 2}
			for {
				p, err := s.ListVerifications(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range p.Rows {
					walked = append(walked, v.LegalName)
				}
				if p.Next == "" {
					break
				}
				f.After = p.Next
			}
			if len(walked) != len(all) {
				t.Fatalf("o=%s: cursor walked %v", o, walked)
			}
			for i := range all {
				if walked[i] != all[i].LegalName {
					t.Fatalf("o=%s: cursor walked %v, pages %v", o, walked, all)
				}
			}
		}
		if _, err := s.ListVerifications(ctx, domain.VerificationFilter{Ordering: "status", After: "bm90IGEgY3Vyc29y", Limit: 2}); domain.CodeOf(err) != domain.EInvalid {
			t.Fatalf("bad cursor: %v", err)
		}
		p, _ := s.ListVerifications(ctx, domain.VerificationFilter{Ordering: "created", Limit: 2})
		if _, err := s.ListVerifications(ctx, domain.VerificationFilter{Ordering: "status", After: p.Next, Limit: 2}); domain.CodeOf(err) != domain.EInvalid {
			t.Fatalf("cursor of another ordering: %v", err)
		}
		page, _ = list(domain.VerificationFilter{Limit: 10, Offset: 10})
		if len(page) != 0 {
			t.Fatalf("past the end: %d rows", len(page))
		}
		// A page at any depth is bounded by the request's deadline: past
		// it, the database is unavailable for now (503), not an error.
		late, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
		defer cancel()
		if _, err := s.ListVerifications(late, domain.VerificationFilter{Limit: 50, Offset: 1000000}); domain.CodeOf(err) != domain.EUnavailable {
			t.Fatalf("a deep page past the deadline: %v", err)
		}
	})
}

// TestListExpired: the expired filter lists the rows stored as expired and
// those waiting past their time (pending, escalated) as one list in the
// list's order, by page number, by cursor and counted, in each ordering.
func TestListExpired(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &domain.User{Username: "a", IsActive: true}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.SeedVerifications(ctx, 200, []int64{u.ID}); err != nil { // 10 stored as expired
			t.Fatal(err)
		}
		past := domain.Clock{}.Now().Add(-time.Minute)
		late := map[uuid.UUID]bool{}
		for _, st := range []string{domain.StatusPending, domain.StatusEscalated, domain.StatusPending} {
			v := &domain.Verification{UserID: u.ID, Country: "EE", Status: st, ExpiresAt: &past}
			if err := s.CreateVerification(ctx, v, u.ID); err != nil {
				t.Fatal(err)
			}
			late[v.UUID] = true
		}
		for _, o := range []string{"-created", "created", "status", "country", "-modified"} {
			all, err := s.ListVerifications(ctx, domain.VerificationFilter{Status: domain.StatusExpired, Ordering: o, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(all.Rows) != 13 || all.Total != 13 || !all.Exact {
				t.Fatalf("o=%s: %d rows, total %d", o, len(all.Rows), all.Total)
			}
			found := 0
			for _, v := range all.Rows {
				if v.Status != domain.StatusExpired {
					t.Fatalf("o=%s: a %s row", o, v.Status)
				}
				if late[v.UUID] {
					found++
				}
			}
			if found != len(late) {
				t.Fatalf("o=%s: %d of the %d rows past their time", o, found, len(late))
			}
			var byOffset, byCursor []uuid.UUID
			for offset := 0; offset < 13; offset += 4 {
				p, err := s.ListVerifications(ctx, domain.VerificationFilter{Status: domain.StatusExpired, Ordering: o, Limit: 4, Offset: offset})
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range p.Rows {
					byOffset = append(byOffset, v.UUID)
				}
			}
			f := domain.VerificationFilter{Status: domain.StatusExpired, Ordering: o, Limit: 4}
			for {
				p, err := s.ListVerifications(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range p.Rows {
					byCursor = append(byCursor, v.UUID)
				}
				if f.After = p.Next; f.After == "" {
					break
				}
			}
			for i, v := range all.Rows {
				if i >= len(byOffset) || i >= len(byCursor) || byOffset[i] != v.UUID || byCursor[i] != v.UUID {
					t.Fatalf("o=%s: row %d differs between one page, page numbers and cursors", o, i)
				}
			}
		}
		pending, err := s.ListVerifications(ctx, domain.VerificationFilter{Status: domain.StatusPending, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range pending.Rows {
			if late[v.UUID] {
				t.Fatal("a pending row past its time is listed as pending")
			}
		}
	})
}

// TestConcurrentWritesOnAFreshPool: more concurrent writes than
// connections, on a store that has prepared nothing yet, all finish: no
// transaction waits for a second connection (to prepare a statement) that
// the others hold.
func TestConcurrentWritesOnAFreshPool(t *testing.T) {
	t.Parallel()
	storetest.DialectURLs(t, func(t *testing.T, databaseURL string) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		migrated, err := store.Open(databaseURL)
		if err != nil {
			t.Fatal(err)
		}
		defer migrated.Close()
		if err := migrated.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		u := &domain.User{Username: "a", IsActive: true}
		if err := migrated.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		s, err := store.OpenPool(databaseURL, store.Pool{MaxOpen: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		errs := make(chan error, 16)
		for range cap(errs) {
			go func() {
				errs <- s.CreateVerification(ctx, &domain.Verification{UserID: u.ID, Country: "EE", Status: domain.StatusPending}, u.ID)
			}()
		}
		for range cap(errs) {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	})
}

// A database that took a later migration first still takes an earlier one
// it lacks (branches land in another order than they were numbered).
func TestMigrateOutOfOrder(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// Undo migration 10 alone, as if the database had skipped it.
		for _, q := range []string{`DROP INDEX webhook_deliveries_webhook_due`, `ALTER TABLE webhooks DROP COLUMN disabled_reason`,
			`ALTER TABLE webhooks DROP COLUMN disabled_at`, `ALTER TABLE webhooks DROP COLUMN failing_since`,
			`ALTER TABLE webhooks DROP COLUMN consecutive_failures`, `ALTER TABLE webhooks DROP COLUMN next_attempt_at`,
			`DELETE FROM goose_db_version WHERE version_id = 10`} {
			if _, err := s.DB().ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("migrate with an earlier migration missing: %v", err)
		}
		var n int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM webhooks WHERE disabled_reason = ''`).Scan(&n); err != nil {
			t.Fatalf("migration 10 was not applied: %v", err)
		}
	})
}

// TestCountEstimateIsReused: above CountLimit a list's count is
// PostgreSQL's planner estimate, asked again only once EstimateTTL has
// passed for the same filters (however the time in them moves), so a burst
// of list requests plans no EXPLAIN each; other filters are estimated apart.
func TestCountEstimateIsReused(t *testing.T) {
	t.Parallel()
	s := storetest.Postgres(t)
	clock := clockwork.NewFakeClock()
	s.SetClock(domain.NewClock(clock))
	ctx := context.Background()
	u := &domain.User{Username: "a", IsActive: true}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	grow := func(n int) { // n rows more (30% pending), and statistics that count them
		t.Helper()
		if err := s.SeedVerifications(ctx, n, []int64{u.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, `ANALYZE verifications`); err != nil {
			t.Fatal(err)
		}
	}
	count := func(f domain.VerificationFilter) int {
		t.Helper()
		f.Limit = 10
		page, err := s.ListVerifications(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if page.Exact {
			t.Fatalf("%d rows counted exactly, want an estimate", page.Total)
		}
		return page.Total
	}
	pending := domain.VerificationFilter{Status: domain.StatusPending} // its SQL holds the time: pending until now
	grow(6000)                                                         // 1,800 pending
	first := count(pending)
	if first <= store.CountLimit+1 {
		t.Fatalf("estimate %d for 1,800 pending rows: the bound, not an estimate", first)
	}
	grow(12000) // 5,400 pending
	clock.Advance(store.EstimateTTL / 2)
	if again := count(pending); again != first {
		t.Fatalf("within %s the estimate moved from %d to %d", store.EstimateTTL, first, again)
	}
	if mine := count(domain.VerificationFilter{UserID: &u.ID}); mine < 18000*9/10 {
		t.Fatalf("another filter reused the estimate: %d for 18,000 rows", mine)
	}
	clock.Advance(store.EstimateTTL / 2)
	if later := count(pending); later < 2*first {
		t.Fatalf("after %s the estimate is %d, still near %d, for three times the pending rows", store.EstimateTTL, later, first)
	}
}
