package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/domain"
)

// stale selects the failed or expired verifications without a customer
// that neither they nor their justifications changed since the cutoff (the
// two arguments after the statuses).
const stale = `status IN (?, ?) AND customer_id IS NULL AND modified < ? AND NOT EXISTS (
	SELECT 1 FROM justifications j WHERE j.verification_uuid = verifications.uuid AND j.modified >= ?)`

// Sweep expires verifications that waited past expires_at (erasing their
// person data; a row a validation is running on waits for its outcome) and
// deletes stale ones untouched since before cutoff, recording an event for
// each.
// Every statement selects by the state it changes, so replicas sweeping
// the same database at once never expire or delete a row twice, and a row
// touched meanwhile no longer matches.
func (s *Store) Sweep(ctx context.Context, now, cutoff time.Time) (expired, deleted int, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, from := range domain.ExpiringStatuses() {
			var ids []uuid.UUID
			if err := tx.SelectContext(ctx, &ids, s.db.Rebind(`UPDATE verifications
				SET status = ?, error_message = ?, error_traceback = ?, modified = ?, version = version + 1,
					person_identifier = '', person_first_name = '', person_last_name = '', person_birth_date = NULL
				WHERE status = ? AND expires_at < ? AND (run_claimed_at IS NULL OR run_claimed_at < ?) RETURNING uuid`),
				domain.StatusExpired, domain.ErrorExpired, domain.TracebackExpired, now, from, now,
				now.Add(-domain.RunClaimTimeout)); err != nil {
				return s.wrap(ctx, err)
			}
			for _, id := range ids {
				if err := addEvent(ctx, s, tx, expiredEvent(id, from)); err != nil {
					return err
				}
			}
			expired += len(ids)
		}
		staleArgs := []any{domain.StatusFailed, domain.StatusExpired, cutoff, cutoff}
		// Deleted in one order by every replica, so they queue, not deadlock.
		var rows []domain.Verification // as they were, for the webhook payloads
		if err := tx.SelectContext(ctx, &rows, s.db.Rebind(`SELECT `+verificationColumns+` FROM verifications WHERE `+stale+
			` ORDER BY uuid`), staleArgs...); err != nil {
			return s.wrap(ctx, err)
		}
		for _, v := range rows {
			n, err := deleteVerifications(ctx, s, tx, `uuid = ? AND status = ? AND `+stale, append([]any{v.UUID, v.Status}, staleArgs...)...)
			if err != nil {
				return err
			}
			if n == 0 {
				continue // another replica was first, or it was touched meanwhile
			}
			deleted++
			if err := addEventAbout(ctx, s, tx, &domain.Event{Verification: v.UUID, Kind: domain.EventDeleted, OldStatus: v.Status,
				Reason: "retention period passed"}, &v); err != nil {
				return err
			}
		}
		return nil
	})
	return expired, deleted, err
}

// SweepTrails deletes the audit trails of verifications deleted before
// cutoff: a trail outlives its verification by the retention period. It
// returns how many events it deleted.
func (s *Store) SweepTrails(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM verification_events WHERE verification_uuid IN (
		SELECT verification_uuid FROM verification_events WHERE kind = ? AND created < ?)
		AND NOT EXISTS (SELECT 1 FROM verifications v WHERE v.uuid = verification_events.verification_uuid)`),
		domain.EventDeleted, cutoff)
	if err != nil {
		return 0, s.wrap(ctx, err)
	}
	return res.RowsAffected()
}
