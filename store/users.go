package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/domain"
)

// CreateUser inserts u and sets its ID and Created. A taken username is a
// conflict.
func (s *Store) CreateUser(ctx context.Context, u *domain.User) error {
	u.Created = s.clock.Now()
	err := s.db.QueryRowxContext(ctx, s.db.Rebind(`
		INSERT INTO users (username, email, first_name, last_name, is_staff, is_support, is_active, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		u.Username, u.Email, u.FirstName, u.LastName, u.IsStaff, u.IsSupport, u.IsActive, u.Created).Scan(&u.ID)
	if err != nil && isUniqueViolation(err) {
		return domain.Errorf(domain.EConflict, "a user named %q already exists", u.Username)
	}
	return s.wrap(ctx, err)
}

// userColumns are the columns of domain.User, named (see getPrepared).
const userColumns = `users.id, users.username, users.email, users.first_name, users.last_name,
	users.is_staff, users.is_support, users.is_active, users.created`

// UserByUsername finds a user by name.
func (s *Store) UserByUsername(ctx context.Context, username string) (*domain.User, error) {
	var u domain.User
	err := s.db.GetContext(ctx, &u, s.db.Rebind(`SELECT `+userColumns+` FROM users WHERE username = ?`), username)
	if err != nil {
		return nil, s.wrap(ctx, err)
	}
	return &u, nil
}

// UserExists reports whether a user with id exists.
func (s *Store) UserExists(ctx context.Context, id int64) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM users WHERE id = ?`), id)
	return n > 0, s.wrap(ctx, err)
}

// CreateToken issues a new API token for userID. Only its SHA-256 is
// stored; the token itself is returned once.
func (s *Store) CreateToken(ctx context.Context, userID int64) (string, error) {
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := hex.EncodeToString(raw)
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO tokens (key_hash, user_id, created) VALUES (?, ?, ?)`),
		hashToken(token), userID, s.clock.Now())
	if err != nil {
		return "", s.wrap(ctx, err)
	}
	return token, nil
}

// UserByToken finds the active user a token issued after issuedAfter (zero:
// whenever) belongs to; an unknown, revoked or too old token, or an
// inactive user, is ENotFound.
func (s *Store) UserByToken(ctx context.Context, token string, issuedAfter time.Time) (*domain.User, error) {
	var u domain.User
	if err := s.getPrepared(ctx, &u, `SELECT `+userColumns+` FROM users JOIN tokens ON tokens.user_id = users.id
		WHERE tokens.key_hash = ? AND users.is_active AND tokens.created > ?`, hashToken(token), issuedAfter); err != nil {
		return nil, s.wrap(ctx, err)
	}
	return &u, nil
}

// RevokeToken deletes one token; it reports whether it existed.
func (s *Store) RevokeToken(ctx context.Context, token string) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM tokens WHERE key_hash = ?`), hashToken(token))
	if err != nil {
		return false, s.wrap(ctx, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// RevokeTokens deletes every token of user id and returns how many.
func (s *Store) RevokeTokens(ctx context.Context, id int64) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM tokens WHERE user_id = ?`), id)
	if err != nil {
		return 0, s.wrap(ctx, err)
	}
	return res.RowsAffected()
}

// DeactivateUser marks a user inactive (no token of theirs works; their
// records stay) and revokes their tokens; it returns how many tokens went.
func (s *Store) DeactivateUser(ctx context.Context, id int64) (int64, error) {
	var revoked int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE users SET is_active = ? WHERE id = ?`), false, id); err != nil {
			return s.wrap(ctx, err)
		}
		res, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM tokens WHERE user_id = ?`), id)
		if err != nil {
			return s.wrap(ctx, err)
		}
		revoked, err = res.RowsAffected()
		return err
	})
	return revoked, err
}

// hashToken: tokens are 160 random bits, so a plain SHA-256 (no salt, no
// stretching) cannot be reversed and lets the lookup use the primary key.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
