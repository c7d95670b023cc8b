package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// TestConcurrentSweeps: replicas sweeping one database at once, each with
// its own connection pool, expire and delete every row exactly once.
func TestConcurrentSweeps(t *testing.T) {
	t.Parallel()
	storetest.DialectURLs(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		var replicas []*store.Store
		for range 2 {
			s, err := store.Open(dbURL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			replicas = append(replicas, s)
		}
		s := replicas[0]
		u := &domain.User{Username: "alice", IsActive: true}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		past := domain.Clock{}.Now().Add(-time.Minute)
		var all []*domain.Verification
		const perStatus = 10
		for _, status := range []string{domain.StatusPending, domain.StatusEscalated, domain.StatusFailed} {
			for range perStatus {
				v := &domain.Verification{UserID: u.ID, Country: "EE", Status: status, ExpiresAt: &past}
				if err := s.CreateVerification(ctx, v, u.ID); err != nil {
					t.Fatal(err)
				}
				all = append(all, v)
			}
		}

		// Everything is past retention: expired now, then deleted with the failed ones.
		var mu sync.Mutex
		expired, deleted := 0, 0
		sweep := func(s *store.Store) {
			now := domain.Clock{}.Now()
			e, d, err := s.Sweep(ctx, now, now.Add(time.Hour))
			if err != nil {
				t.Logf("sweep: %v (rolled back; the next sweep redoes it)", err)
			}
			mu.Lock()
			expired, deleted = expired+e, deleted+d
			mu.Unlock()
		}
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Go(func() { sweep(replicas[i%2]) })
		}
		wg.Wait()
		sweep(s)
		if expired != 2*perStatus || deleted != 3*perStatus {
			t.Fatalf("expired %d, deleted %d; want %d and %d", expired, deleted, 2*perStatus, 3*perStatus)
		}
		for _, v := range all {
			if _, err := s.Verification(ctx, v.UUID); domain.CodeOf(err) != domain.ENotFound {
				t.Fatalf("%s left: %v", v.UUID, err)
			}
			events, err := s.Events(ctx, v.UUID)
			if err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for _, e := range events {
				count[e.Kind]++
			}
			wantExpired := 1
			if v.Status == domain.StatusFailed {
				wantExpired = 0
			}
			if count[domain.EventExpired] != wantExpired || count[domain.EventDeleted] != 1 {
				t.Fatalf("%s (%s): events %v", v.UUID, v.Status, count)
			}
		}
	})
}
