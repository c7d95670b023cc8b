package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// TestIdempotencyClaims: a key is claimed once; a finished claim is
// returned with its response; a freed claim can be claimed again; an
// unfinished claim older than the lease is taken over by the same request
// only; expired records are deleted.
func TestIdempotencyClaims(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &domain.User{Username: "alice", IsActive: true}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		now := domain.Clock{}.Now()
		claim := func(key, hash string, at time.Time) *store.IdempotencyRecord {
			return &store.IdempotencyRecord{UserID: u.ID, Key: key, Method: "POST", Path: "/p/", RequestHash: hash,
				ClaimedAt: at, ExpiresAt: at.Add(time.Hour)}
		}
		lease := now.Add(-5 * time.Minute)

		first := claim("a", "h1", now)
		if got, err := s.ClaimIdempotencyKey(ctx, first, lease); got != nil || err != nil {
			t.Fatalf("first claim: %+v %v", got, err)
		}
		got, err := s.ClaimIdempotencyKey(ctx, claim("a", "h1", now.Add(time.Millisecond)), lease)
		if err != nil || got == nil || got.Status != nil || !got.ClaimedAt.Equal(now) {
			t.Fatalf("second claim while running: %+v %v", got, err)
		}
		status := 201
		first.Status, first.Headers, first.Body = &status, domain.JSON(`{"Content-Type":["application/json"]}`), []byte(`{"x":1}`)
		if err := s.FinishIdempotencyKey(ctx, first); err != nil {
			t.Fatal(err)
		}
		got, err = s.ClaimIdempotencyKey(ctx, claim("a", "h1", now.Add(time.Second)), lease)
		if err != nil || got == nil || got.Status == nil || *got.Status != 201 || string(got.Body) != `{"x":1}` {
			t.Fatalf("claim after finish: %+v %v", got, err)
		}

		// Freed (the server failed): the next claim wins.
		failed := claim("b", "h1", now)
		if got, err := s.ClaimIdempotencyKey(ctx, failed, lease); got != nil || err != nil {
			t.Fatal(got, err)
		}
		if err := s.ReleaseIdempotencyKey(ctx, failed); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ClaimIdempotencyKey(ctx, claim("b", "h1", now), lease); got != nil || err != nil {
			t.Fatalf("claim after release: %+v %v", got, err)
		}

		// A claim whose process died 10 minutes ago: another body cannot take it, the same can.
		old := now.Add(-10 * time.Minute)
		if got, err := s.ClaimIdempotencyKey(ctx, claim("c", "h1", old), lease); got != nil || err != nil {
			t.Fatal(got, err)
		}
		if got, err := s.ClaimIdempotencyKey(ctx, claim("c", "h2", now), lease); got == nil || err != nil || got.RequestHash != "h1" {
			t.Fatalf("stale claim taken by another body: %+v %v", got, err)
		}
		retry := claim("c", "h1", now)
		if got, err := s.ClaimIdempotencyKey(ctx, retry, lease); got != nil || err != nil {
			t.Fatalf("stale claim not taken over: %+v %v", got, err)
		}
		// The dead request cannot finish over the retry's claim.
		late := claim("c", "h1", old)
		late.Status, late.Headers = &status, domain.JSON(`{}`)
		if err := s.FinishIdempotencyKey(ctx, late); err != nil {
			t.Fatal(err)
		}
		if rec, err := s.IdempotencyRecord(ctx, u.ID, "c"); err != nil || rec.Status != nil || !rec.ClaimedAt.Equal(now) {
			t.Fatalf("after a late finish: %+v %v", rec, err)
		}

		// Expiry: the sweeper deletes records past expires_at.
		n, err := s.DeleteExpiredIdempotencyKeys(ctx, now.Add(2*time.Hour))
		if err != nil || n != 3 {
			t.Fatalf("deleted %d expired keys (%v), want 3", n, err)
		}
		if _, err := s.IdempotencyRecord(ctx, u.ID, "a"); domain.CodeOf(err) != domain.ENotFound {
			t.Fatalf("expired key still there: %v", err)
		}
	})
}
