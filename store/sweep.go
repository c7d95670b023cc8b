package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/domain"
)

// Sweep expires verifications that waited past expires_at and deletes
// failed or expired ones untouched since before cutoff, recording an event
// for each. Every statement selects by the state it changes, so replicas
// sweeping the same database at once never expire or delete a row twice:
// a row another replica already changed no longer matches.
func (s *Store) Sweep(ctx context.Context, now, cutoff time.Time) (expired, deleted int, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, from := range []string{domain.StatusPending, domain.StatusEscalated} {
			var ids []uuid.UUID
			if err := tx.SelectContext(ctx, &ids, s.db.Rebind(`UPDATE verifications
				SET status = ?, error_message = ?, error_traceback = ?, modified = ?, version = version + 1
				WHERE status = ? AND expires_at < ? RETURNING uuid`),
				domain.StatusExpired, domain.ErrorExpired, "The verification expired before it was completed; start a new one.",
				now, from, now); err != nil {
				return s.wrap(ctx, err)
			}
			for _, id := range ids {
				if err := addEvent(ctx, s, tx, &domain.Event{Verification: id, Kind: domain.EventExpired, OldStatus: from,
					NewStatus: domain.StatusExpired, Reason: domain.ErrorExpired}); err != nil {
					return err
				}
			}
			expired += len(ids)
		}
		var stale []struct {
			UUID   uuid.UUID `db:"uuid"`
			Status string    `db:"status"`
		}
		if err := tx.SelectContext(ctx, &stale, s.db.Rebind(`SELECT uuid, status FROM verifications
			WHERE status IN (?, ?) AND modified < ? AND customer_id IS NULL`), domain.StatusFailed, domain.StatusExpired, cutoff); err != nil {
			return s.wrap(ctx, err)
		}
		for _, v := range stale {
			n, err := deleteVerifications(ctx, s, tx, `uuid = ? AND status = ?`, v.UUID, v.Status)
			if err != nil {
				return err
			}
			if n == 0 {
				continue // another replica was first
			}
			deleted++
			if err := addEvent(ctx, s, tx, &domain.Event{Verification: v.UUID, Kind: domain.EventDeleted, OldStatus: v.Status,
				Reason: "retention period passed"}); err != nil {
				return err
			}
		}
		return nil
	})
	return expired, deleted, err
}
