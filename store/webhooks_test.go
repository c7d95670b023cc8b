package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// TestWebhookCacheAcrossReplicas: two replicas on one database. A
// subscription one of them creates reaches the other's write path within
// store.WebhookCacheTTL (not at once: the other cached "no subscribers");
// one it deletes stops the other's deliveries at once.
func TestWebhookCacheAcrossReplicas(t *testing.T) {
	t.Parallel()
	storetest.DialectURLs(t, func(t *testing.T, databaseURL string) {
		ctx := context.Background()
		var replicas []*store.Store
		for range 2 {
			s, err := store.Open(databaseURL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			s.SetWebhookPayload(func(*domain.Event, []string, *domain.Verification) ([]byte, error) { return []byte(`{}`), nil })
			replicas = append(replicas, s)
		}
		a, b := replicas[0], replicas[1]
		u := &domain.User{Username: "alice", IsActive: true}
		if err := a.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		create := func(s *store.Store) {
			t.Helper()
			if err := s.CreateVerification(ctx, &domain.Verification{UserID: u.ID, Country: "EE", Status: domain.StatusPending}, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		pending := func() int {
			t.Helper()
			n, err := a.PendingDeliveries(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		create(a) // a caches: no subscribers
		w := &store.Webhook{URL: "http://127.0.0.1:1/hook", Kinds: store.Strings{domain.WebhookVerificationCreated}, Secret: "s", IsActive: true}
		if err := b.SaveWebhook(ctx, w, true); err != nil {
			t.Fatal(err)
		}
		created := time.Now()
		create(b) // b's own change clears its cache
		if n := pending(); n != 1 {
			t.Fatalf("the replica that subscribed queued %d deliveries, want 1", n)
		}
		time.Sleep(time.Until(created.Add(store.WebhookCacheTTL)))
		create(a)
		if n := pending(); n != 2 {
			t.Fatalf("%s after the subscription, the other replica queued %d deliveries in all, want 2", store.WebhookCacheTTL, n)
		}
		if err := b.DeleteWebhook(ctx, w.UUID); err != nil {
			t.Fatal(err)
		}
		create(a) // a still caches the subscription, and reads it again
		if n := pending(); n != 0 {
			t.Fatalf("after the deletion %d deliveries are pending, want 0", n)
		}
	})
}
