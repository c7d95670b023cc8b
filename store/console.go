package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/domain"
)

// The review console's rows: passwords, sessions, failed sign-ins, case
// claims and the queue.

// SetPassword stores a user's password hash (empty: no password).
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string) error {
	res, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE users SET password_hash = ? WHERE id = ?`), hash, userID)
	if err != nil {
		return s.wrap(ctx, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &domain.Error{Code: domain.ENotFound, Detail: "Not found."}
	}
	return nil
}

// PasswordHash finds an active user by name with their password hash.
func (s *Store) PasswordHash(ctx context.Context, username string) (*domain.User, string, error) {
	var row struct {
		domain.User
		Hash string `db:"password_hash"`
	}
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT `+userColumns+`, users.password_hash FROM users WHERE username = ? AND is_active`), username)
	if err != nil {
		return nil, "", s.wrap(ctx, err)
	}
	return &row.User, row.Hash, nil
}

// CreateSession starts a console session for userID and returns its secret
// (the cookie's value); only its SHA-256 is stored.
func (s *Store) CreateSession(ctx context.Context, userID int64) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(raw)
	now := s.clock.Now()
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO console_sessions (id_hash, user_id, created, last_seen) VALUES (?, ?, ?, ?)`),
		hashToken(secret), userID, now, now)
	return secret, s.wrap(ctx, err)
}

// SessionUser finds the active user of a session that was seen after
// idleAfter and started after startedAfter, and marks it seen now; any
// other session is ENotFound (and removed).
func (s *Store) SessionUser(ctx context.Context, secret string, idleAfter, startedAfter time.Time) (*domain.User, error) {
	var u domain.User
	err := s.db.GetContext(ctx, &u, s.db.Rebind(`SELECT `+userColumns+` FROM users JOIN console_sessions cs ON cs.user_id = users.id
		WHERE cs.id_hash = ? AND users.is_active AND cs.last_seen > ? AND cs.created > ?`), hashToken(secret), idleAfter, startedAfter)
	if err != nil {
		if domain.CodeOf(s.wrap(ctx, err)) == domain.ENotFound {
			_ = s.DeleteSession(ctx, secret)
		}
		return nil, s.wrap(ctx, err)
	}
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE console_sessions SET last_seen = ? WHERE id_hash = ?`), s.clock.Now(), hashToken(secret)); err != nil {
		return nil, s.wrap(ctx, err)
	}
	return &u, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, secret string) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM console_sessions WHERE id_hash = ?`), hashToken(secret))
	return s.wrap(ctx, err)
}

// SignInFailures counts the failed sign-ins of each key since since and
// returns the largest count.
func (s *Store) SignInFailures(ctx context.Context, keys []string, since time.Time) (int, error) {
	most := 0
	for _, k := range keys {
		var n int
		if err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM sign_in_failures WHERE key = ? AND at > ?`), k, since); err != nil {
			return 0, s.wrap(ctx, err)
		}
		most = max(most, n)
	}
	return most, nil
}

// RecordSignInFailure counts a failed sign-in against each key, and drops
// failures older than forgetBefore.
func (s *Store) RecordSignInFailure(ctx context.Context, keys []string, forgetBefore time.Time) error {
	now := s.clock.Now()
	for _, k := range keys {
		if _, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO sign_in_failures (key, at) VALUES (?, ?)`), k, now); err != nil {
			return s.wrap(ctx, err)
		}
	}
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM sign_in_failures WHERE at < ?`), forgetBefore)
	return s.wrap(ctx, err)
}

// ClearSignInFailures forgets the failures of key (after a sign-in).
func (s *Store) ClearSignInFailures(ctx context.Context, key string) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM sign_in_failures WHERE key = ?`), key)
	return s.wrap(ctx, err)
}

// AssignCase gives verification id to assignee, on behalf of by: only while
// nobody holds it, by holds it, or its claim was taken before staleBefore
// (a reviewer who walked away). Otherwise a conflict: one reviewer at a
// time.
func (s *Store) AssignCase(ctx context.Context, id uuid.UUID, assignee, by int64, staleBefore time.Time) error {
	res, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE verifications SET assignee_id = ?, assigned_at = ?
		WHERE uuid = ? AND (assignee_id IS NULL OR assignee_id = ? OR assigned_at < ?)`), assignee, s.clock.Now(), id, by, staleBefore)
	if err != nil {
		return s.wrap(ctx, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Verification(ctx, id); err != nil {
			return err
		}
		return domain.Errorf(domain.EConflict, "Another reviewer is working on this case.")
	}
	return nil
}

// ReleaseCase gives a case up, when by holds it.
func (s *Store) ReleaseCase(ctx context.Context, id uuid.UUID, by int64) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE verifications SET assignee_id = NULL, assigned_at = NULL WHERE uuid = ? AND assignee_id = ?`), id, by)
	return s.wrap(ctx, err)
}

// Case is a verification as the console's queue shows it.
type Case struct {
	domain.Verification
	AssigneeID *int64     `db:"assignee_id"`
	Assignee   *string    `db:"assignee"`
	AssignedAt *time.Time `db:"assigned_at"`
	// PendingJustifications counts the justifications waiting for a decision.
	PendingJustifications int `db:"pending_justifications"`
}

// Queue tabs.
const (
	QueueReview      = "review"      // escalated (and not expired), or with a justification waiting
	QueueFailed      = "failed"      // failed
	QueueUnonboarded = "unonboarded" // verified, no customer yet
	QueueAll         = "all"
)

// QueueTabs are the tabs, in the console's order.
var QueueTabs = []string{QueueReview, QueueFailed, QueueUnonboarded, QueueAll}

// QueueFilter selects the console's cases.
type QueueFilter struct {
	Tab       string
	Country   string
	Method    string // validation_method
	ErrorCode string // error_message
	// Assignee: "me" (Me's cases), "unassigned", or "" for anyone.
	Assignee string
	Me       int64
	// ClaimedAfter: claims taken before it have lapsed and count as none.
	ClaimedAfter time.Time
	OlderThan    time.Time // created before it (zero: any age)
	Search       string    // in the legal name, or the whole registration code
	Offset       int
	Limit        int
	// After, when set, continues after that case instead of from Offset:
	// the same cost at any depth (the export walks a whole queue so).
	After *Case
}

// branch is one way of matching a tab: a WHERE clause and its arguments.
type branch struct {
	conds []string
	args  []any
}

// branches are the ways a case matches tab and f's filters: one for most
// tabs; two for review (escalated, or with a justification waiting), so that
// each walks its own index in the queue's order instead of the whole table
// being filtered row by row.
func (f QueueFilter) branches(tab string, now time.Time) []branch {
	var common branch
	for col, value := range map[string]string{"v.country": f.Country, "v.validation_method": f.Method, "v.error_message": f.ErrorCode} {
		if value != "" {
			common.conds, common.args = append(common.conds, col+` = ?`), append(common.args, value)
		}
	}
	switch f.Assignee {
	case "me":
		common.conds, common.args = append(common.conds, `v.assignee_id = ? AND v.assigned_at > ?`), append(common.args, f.Me, f.ClaimedAfter)
	case "unassigned":
		common.conds, common.args = append(common.conds, `(v.assignee_id IS NULL OR v.assigned_at <= ?)`), append(common.args, f.ClaimedAfter)
	}
	if !f.OlderThan.IsZero() {
		common.conds, common.args = append(common.conds, `v.created < ?`), append(common.args, f.OlderThan)
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		common.conds, common.args = append(common.conds, `(lower(v.legal_name) LIKE ? ESCAPE '\' OR v.legal_person_identifier = ?)`),
			append(common.args, "%"+escapeLike(strings.ToLower(q))+"%", q)
	}
	with := func(cond string, args ...any) branch {
		return branch{conds: append([]string{cond}, common.conds...), args: append(args, common.args...)}
	}
	switch tab {
	case QueueReview:
		return []branch{
			with(`v.status = 'escalated' AND (v.expires_at IS NULL OR v.expires_at > ?)`, now),
			with(`v.uuid IN (SELECT j.verification_uuid FROM justifications j WHERE j.decision = 'pending')`),
		}
	case QueueFailed:
		return []branch{with(`v.status = 'failed'`)}
	case QueueUnonboarded:
		return []branch{with(`v.status = 'verified' AND v.customer_id IS NULL`)}
	}
	return []branch{common}
}

// ids is a query of the uuid and created of the first limit cases of tab
// (after the given case, or before it backwards, when after is set), in the
// queue's order: the union of the branches' own ordered walks.
func (f QueueFilter) ids(tab string, now time.Time, limit int, after *Case, backwards bool) (string, []any) {
	order, step := `v.created, v.uuid`, `(v.created > ? OR (v.created = ? AND v.uuid > ?))`
	if backwards {
		order, step = `v.created DESC, v.uuid DESC`, `(v.created < ? OR (v.created = ? AND v.uuid < ?))`
	}
	var parts []string
	var args []any
	for _, b := range f.branches(tab, now) {
		if after != nil {
			b.conds, b.args = append(b.conds, step), append(b.args, after.Created, after.Created, after.UUID)
		}
		where := ""
		if len(b.conds) > 0 {
			where = " WHERE " + strings.Join(b.conds, " AND ")
		}
		parts = append(parts, `SELECT * FROM (SELECT v.uuid, v.created FROM verifications v`+where+` ORDER BY `+order+` LIMIT ?) AS b`+strconv.Itoa(len(parts)))
		args = append(args, append(b.args, limit)...)
	}
	return strings.Join(parts, " UNION "), args
}

// Queue returns a page of f's tab, oldest first (QueueCount counts the
// tab).
func (s *Store) Queue(ctx context.Context, f QueueFilter) ([]Case, error) {
	now := s.clock.Now()
	if f.After != nil {
		f.Offset = 0
	}
	ids, args := f.ids(f.Tab, now, f.Offset+f.Limit, f.After, false)
	out := []Case{}
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(fmt.Sprintf(caseSelect, prefixed("v.", shownColumns))+
		` WHERE v.uuid IN (SELECT uuid FROM (`+ids+`) AS page ORDER BY created, uuid LIMIT ? OFFSET ?) ORDER BY v.created, v.uuid`),
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, s.wrap(ctx, err)
	}
	for i := range out {
		out[i].finish(now, f.ClaimedAfter)
	}
	return out, nil
}

// QueueCount counts the cases of tab that f's other filters select, up to
// CountLimit; above, CountLimit+1.
func (s *Store) QueueCount(ctx context.Context, f QueueFilter, tab string) (int, error) {
	ids, args := f.ids(tab, s.clock.Now(), CountLimit+1, nil, false)
	var n int
	err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM (`+ids+`) AS bounded`), args...)
	return min(n, CountLimit+1), s.wrap(ctx, err)
}

// Document reads one document of a justification, content included.
func (s *Store) Document(ctx context.Context, justification, file uuid.UUID) (*StoredFile, error) {
	var f struct {
		UUID     uuid.UUID `db:"uuid"`
		Name     string    `db:"name"`
		MimeType string    `db:"mime_type"`
		Size     int64     `db:"size"`
		Content  []byte    `db:"content"`
	}
	err := s.db.GetContext(ctx, &f, s.db.Rebind(`SELECT f.uuid, f.name, f.mime_type, f.size, f.content
		FROM justification_documents d JOIN stored_files f ON f.uuid = d.file_uuid
		WHERE d.justification_uuid = ? AND f.uuid = ?`), justification, file)
	if err != nil {
		return nil, s.wrap(ctx, err)
	}
	out := &StoredFile{UUID: f.UUID}
	out.Name, out.MimeType, out.Size, out.Content = f.Name, f.MimeType, f.Size, f.Content
	return out, nil
}

// caseSelect reads cases: the verification (without person data), its
// claim with the claimant's name, and its justifications waiting.
const caseSelect = `SELECT ` + `%s` + `, v.assignee_id, v.assigned_at, u.username AS assignee,
	(SELECT COUNT(*) FROM justifications j WHERE j.verification_uuid = v.uuid AND j.decision = 'pending') AS pending_justifications
	FROM verifications v LEFT JOIN users u ON u.id = v.assignee_id`

// Case reads one case; a claim taken before claimedAfter has lapsed.
func (s *Store) Case(ctx context.Context, id uuid.UUID, claimedAfter time.Time) (*Case, error) {
	var c Case
	if err := s.db.GetContext(ctx, &c, s.db.Rebind(fmt.Sprintf(caseSelect, prefixed("v.", shownColumns))+` WHERE v.uuid = ?`), id); err != nil {
		return nil, s.wrap(ctx, err)
	}
	c.finish(s.clock.Now(), claimedAfter)
	return &c, nil
}

// finish shows a case as every read does: expired when past its time, and
// without a lapsed claim.
func (c *Case) finish(now, claimedAfter time.Time) {
	c.Expire(now)
	if c.AssignedAt != nil && !c.AssignedAt.After(claimedAfter) {
		c.AssigneeID, c.Assignee, c.AssignedAt = nil, nil, nil
	}
}

// QueueNeighbour is the uuid of the case after c in f's queue (before it,
// when !forward), or uuid.Nil at the end.
func (s *Store) QueueNeighbour(ctx context.Context, f QueueFilter, c *Case, forward bool) (uuid.UUID, error) {
	ids, args := f.ids(f.Tab, s.clock.Now(), 1, c, !forward)
	order := `created, uuid`
	if !forward {
		order = `created DESC, uuid DESC`
	}
	var next uuid.UUID
	err := s.db.GetContext(ctx, &next, s.db.Rebind(`SELECT uuid FROM (`+ids+`) AS near ORDER BY `+order+` LIMIT 1`), args...)
	if domain.CodeOf(s.wrap(ctx, err)) == domain.ENotFound {
		return uuid.Nil, nil
	}
	return next, s.wrap(ctx, err)
}

// Reviewers are the active staff users, by name: who a case can be
// assigned to.
func (s *Store) Reviewers(ctx context.Context) ([]domain.User, error) {
	out := []domain.User{}
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT `+userColumns+` FROM users WHERE is_staff AND is_active ORDER BY username`))
	return out, s.wrap(ctx, err)
}

// Usernames maps user ids to their names.
func (s *Store) Usernames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT id, username FROM users WHERE id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID       int64  `db:"id"`
		Username string `db:"username"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(q), args...); err != nil {
		return nil, s.wrap(ctx, err)
	}
	for _, r := range rows {
		out[r.ID] = r.Username
	}
	return out, nil
}
