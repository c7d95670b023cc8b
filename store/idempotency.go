package store

import (
	"context"
	"time"

	"github.com/onboarding-kyb/onboarding/domain"
)

// IdempotencyRecord is one user's Idempotency-Key: what request claimed it
// and, once that request finished, its response.
type IdempotencyRecord struct {
	UserID      int64       `db:"user_id"`
	Key         string      `db:"key"`
	Method      string      `db:"method"`
	Path        string      `db:"path"`
	RequestHash string      `db:"request_hash"`
	Status      *int        `db:"status"` // nil while the first request runs
	Headers     domain.JSON `db:"headers"`
	Body        []byte      `db:"body"`
	ClaimedAt   time.Time   `db:"claimed_at"`
	ExpiresAt   time.Time   `db:"expires_at"`
}

const idempotencyColumns = `user_id, key, method, path, request_hash, status, headers, body, claimed_at, expires_at`

// ClaimIdempotencyKey claims rec's key for rec's request; rec.ClaimedAt
// and rec.ExpiresAt must be set. It returns nil when the key is now this
// request's: it was free, its record had expired, or the same request
// claimed it before staleBefore and never finished (its process died).
// Otherwise it returns the key's record. The primary key decides between
// concurrent claims, on every replica.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, rec *IdempotencyRecord, staleBefore time.Time) (*IdempotencyRecord, error) {
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND expires_at < ?`),
		rec.UserID, rec.Key, rec.ClaimedAt); err != nil {
		return nil, s.wrap(ctx, err)
	}
	res, err := s.db.NamedExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, claimed_at, expires_at)
		VALUES (:user_id, :key, :method, :path, :request_hash, :claimed_at, :expires_at) ON CONFLICT (user_id, key) DO NOTHING`, rec)
	if err != nil {
		return nil, s.wrap(ctx, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, nil
	}
	res, err = s.db.ExecContext(ctx, s.db.Rebind(`UPDATE idempotency_keys SET claimed_at = ?, expires_at = ?
		WHERE user_id = ? AND key = ? AND method = ? AND path = ? AND request_hash = ? AND status IS NULL AND claimed_at < ?`),
		rec.ClaimedAt, rec.ExpiresAt, rec.UserID, rec.Key, rec.Method, rec.Path, rec.RequestHash, staleBefore)
	if err != nil {
		return nil, s.wrap(ctx, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, nil
	}
	var got IdempotencyRecord
	err = s.db.GetContext(ctx, &got, s.db.Rebind(`SELECT `+idempotencyColumns+` FROM idempotency_keys WHERE user_id = ? AND key = ?`), rec.UserID, rec.Key)
	if err != nil {
		// Deleted meanwhile (its request failed): the caller may try again.
		return nil, s.wrap(ctx, err)
	}
	return &got, nil
}

// IdempotencyRecord reads one user's key.
func (s *Store) IdempotencyRecord(ctx context.Context, userID int64, key string) (*IdempotencyRecord, error) {
	var got IdempotencyRecord
	err := s.db.GetContext(ctx, &got, s.db.Rebind(`SELECT `+idempotencyColumns+` FROM idempotency_keys WHERE user_id = ? AND key = ?`), userID, key)
	if err != nil {
		return nil, s.wrap(ctx, err)
	}
	return &got, nil
}

// FinishIdempotencyKey stores the response of the request that claimed
// rec (same ClaimedAt); a claim taken over meanwhile is left alone.
func (s *Store) FinishIdempotencyKey(ctx context.Context, rec *IdempotencyRecord) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE idempotency_keys SET status = ?, headers = ?, body = ?
		WHERE user_id = ? AND key = ? AND claimed_at = ? AND status IS NULL`),
		rec.Status, rec.Headers, rec.Body, rec.UserID, rec.Key, rec.ClaimedAt)
	return s.wrap(ctx, err)
}

// ReleaseIdempotencyKey frees the key claimed by rec without a response
// (its request failed on the server's side), so a retry runs again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, rec *IdempotencyRecord) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND claimed_at = ? AND status IS NULL`),
		rec.UserID, rec.Key, rec.ClaimedAt)
	return s.wrap(ctx, err)
}

// DeleteExpiredIdempotencyKeys removes the records expired before now.
func (s *Store) DeleteExpiredIdempotencyKeys(ctx context.Context, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM idempotency_keys WHERE expires_at < ?`), now)
	if err != nil {
		return 0, s.wrap(ctx, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
