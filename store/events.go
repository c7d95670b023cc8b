package store

import (
	"context"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/domain"
)

const insertEvent = `INSERT INTO verification_events (verification_uuid, kind, actor_id, old_status, new_status, reason, created)
	VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`

// addEvent appends ev to the audit trail inside tx, and to the webhook
// outbox when subscribers want it; the payload shows the verification as
// the transaction has it.
func addEvent(ctx context.Context, s *Store, tx *sqlx.Tx, ev *domain.Event) error {
	return addEventAbout(ctx, s, tx, ev, nil)
}

// addEventAbout is addEvent with the verification the payload shows: v,
// when the transaction has deleted it (as it was), or nil (as it is).
func addEventAbout(ctx context.Context, s *Store, tx *sqlx.Tx, ev *domain.Event, v *domain.Verification) error {
	ev.Created = s.clock.Now()
	err := s.getPreparedTx(ctx, tx, &ev.ID, insertEvent, ev.Verification, ev.Kind, ev.ActorID, ev.OldStatus, ev.NewStatus, ev.Reason, ev.Created)
	if err != nil {
		return s.wrap(ctx, err)
	}
	return enqueueWebhooks(ctx, s, tx, ev, v)
}

// AddEvent appends an event that changes nothing else.
func (s *Store) AddEvent(ctx context.Context, ev *domain.Event) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return addEvent(ctx, s, tx, ev) })
}

// Events returns a verification's audit trail, oldest first.
func (s *Store) Events(ctx context.Context, verification uuid.UUID) ([]domain.Event, error) {
	out := []domain.Event{}
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT id, verification_uuid, kind, actor_id, old_status, new_status, reason, created
		FROM verification_events WHERE verification_uuid = ? ORDER BY id`), verification)
	return out, s.wrap(ctx, err)
}

// expiredEvent records that verification id, waiting in status from, expired.
func expiredEvent(id uuid.UUID, from string) *domain.Event {
	return &domain.Event{Verification: id, Kind: domain.EventExpired, OldStatus: from,
		NewStatus: domain.StatusExpired, Reason: domain.ErrorExpired}
}
