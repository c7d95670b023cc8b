package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/domain"
)

// TestOutboxFollowsTheTransaction: an event's deliveries are written with
// it: none when its transaction rolls back, one per matching active
// subscription when it commits.
func TestOutboxFollowsTheTransaction(t *testing.T) {
	// storetest imports this package, so this internal test opens its SQLite
	// file itself; PostgreSQL's outbox writes are covered by server's tests.
	s, err := Open("sqlite://" + filepath.Join(t.TempDir(), "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s.SetWebhookPayload(func(ev *domain.Event, kinds []string, v *domain.Verification) ([]byte, error) {
		return []byte(`{"kind":"` + kinds[0] + `"}`), nil
	})
	for _, w := range []*Webhook{
		{URL: "http://127.0.0.1:1/a", Kinds: Strings{domain.WebhookVerificationCreated}, IsActive: true},
		{URL: "http://127.0.0.1:1/b", Kinds: Strings{domain.WebhookVerificationCreated}, IsActive: false},
		{URL: "http://127.0.0.1:1/c", Kinds: Strings{domain.WebhookCustomerCreated}, IsActive: true},
	} {
		w.Secret = "s"
		if err := s.SaveWebhook(ctx, w, true); err != nil {
			t.Fatal(err)
		}
	}
	u := &domain.User{Username: "alice", IsActive: true}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	rollback := errors.New("rolled back")
	v := &domain.Verification{UUID: uuid.New(), UserID: u.ID, Country: "EE", Status: domain.StatusPending, Created: domain.Clock{}.Now(), Modified: domain.Clock{}.Now()}
	withDefaults(v)
	if err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.NamedExecContext(ctx, `INSERT INTO verifications (`+verificationColumns+`) VALUES (`+namedParams(verificationColumns)+`)`, v); err != nil {
			return err
		}
		if err := addEvent(ctx, s, tx, &domain.Event{Verification: v.UUID, Kind: domain.EventCreated, NewStatus: domain.StatusPending}); err != nil {
			return err
		}
		return rollback
	}); !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	if n, err := s.PendingDeliveries(ctx); n != 0 || err != nil {
		t.Fatalf("%d deliveries of a rolled-back event (%v)", n, err)
	}
	if err := s.CreateVerification(ctx, &domain.Verification{UserID: u.ID, Country: "EE", Status: domain.StatusPending}, u.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PendingDeliveries(ctx); n != 1 || err != nil {
		t.Fatalf("%d deliveries of a committed event, want 1 (%v)", n, err)
	}
}
