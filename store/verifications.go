package store

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/domain"
)

// verificationColumns are every column, in the order of the named
// parameters used by insert and update.
const verificationColumns = `uuid, user_id, country, legal_person_identifier, legal_name, status,
	validation_method, verified_user_roles, verified_company_data, raw_response, error_traceback,
	error_message, validated_at, expires_at, customer_id, onboarding_metadata,
	user_submitted_customer_data, person_identifier, person_first_name, person_last_name,
	person_birth_date, created, modified, version`

// orderings maps the API's `o` values to SQL; uuid breaks ties so pages
// never overlap.
var orderings = map[string]string{
	"created":   "created ASC, uuid ASC",
	"-created":  "created DESC, uuid DESC",
	"modified":  "modified ASC, uuid ASC",
	"-modified": "modified DESC, uuid DESC",
	"status":    "status ASC, created DESC, uuid DESC",
	"country":   "country ASC, created DESC, uuid DESC",
}

// withDefaults fills the JSON columns a new verification starts with.
func withDefaults(v *domain.Verification) {
	for _, j := range []*domain.JSON{&v.VerifiedCompanyData, &v.RawResponse, &v.OnboardingMetadata, &v.UserSubmittedCustomerData} {
		if *j == nil {
			*j = domain.JSON(`{}`)
		}
	}
	if v.VerifiedUserRoles == nil {
		v.VerifiedUserRoles = domain.JSON(`[]`)
	}
}

// CreateVerification inserts v, giving it a UUID and timestamps, and the
// checklist completion of its country's active checklist configuration.
func (s *Store) CreateVerification(ctx context.Context, v *domain.Verification, actor int64) error {
	v.UUID = uuid.New()
	v.Version = 1
	v.Created = domain.Now()
	v.Modified = v.Created
	withDefaults(v)
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.NamedExecContext(ctx, `INSERT INTO verifications (`+verificationColumns+`) VALUES (`+
			namedParams(verificationColumns)+`)`, v)
		if err != nil {
			return s.wrap(ctx, err)
		}
		// The checklist its country is configured with, if any, comes with it.
		_, err = tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO completions (uuid, verification_uuid, checklist_uuid, created, modified)
			SELECT ?, ?, checklist_uuid, ?, ? FROM country_configs WHERE country = ? AND is_active`),
			uuid.New(), v.UUID, v.Created, v.Created, v.Country)
		if err != nil {
			return s.wrap(ctx, err)
		}
		return addEvent(ctx, s, tx, &domain.Event{Verification: v.UUID, Kind: domain.EventCreated, ActorID: &actor, NewStatus: v.Status})
	})
}

// Verification reads one verification.
func (s *Store) Verification(ctx context.Context, id uuid.UUID) (*domain.Verification, error) {
	return getVerification(ctx, s, s.db, id, "")
}

// getVerification reads one row through q (the pool or a transaction),
// with an optional locking suffix.
func getVerification(ctx context.Context, s *Store, q sqlx.QueryerContext, id uuid.UUID, lock string) (*domain.Verification, error) {
	var v domain.Verification
	err := sqlx.GetContext(ctx, q, &v, s.db.Rebind(`SELECT `+verificationColumns+` FROM verifications WHERE uuid = ?`+lock), id)
	if err != nil {
		return nil, s.wrap(ctx, err)
	}
	v.Expire(domain.Now())
	return &v, nil
}

// UpdateVerification writes every column of v, sets Modified and bumps
// Version, and appends ev (if any) to the audit trail, in one transaction.
// When the row changed since v was read it writes nothing and returns a
// conflict.
func (s *Store) UpdateVerification(ctx context.Context, v *domain.Verification, ev *domain.Event) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := updateVerification(ctx, s, tx, v); err != nil {
			return err
		}
		if ev == nil {
			return nil
		}
		ev.Verification = v.UUID
		return addEvent(ctx, s, tx, ev)
	})
}

func updateVerification(ctx context.Context, s *Store, tx *sqlx.Tx, v *domain.Verification) error {
	v.Modified = domain.Now()
	withDefaults(v)
	// An expiry seen on read (Verification.Expire) is stored by this write:
	// record it as the sweeper would have.
	var stored string
	if v.Status == domain.StatusExpired {
		if err := tx.GetContext(ctx, &stored, s.db.Rebind(`SELECT status FROM verifications WHERE uuid = ?`), v.UUID); err != nil {
			return s.wrap(ctx, err)
		}
	}
	var sets []string
	for _, c := range columnNames(verificationColumns) {
		if c != "uuid" && c != "created" && c != "version" {
			sets = append(sets, c+" = :"+c)
		}
	}
	res, err := tx.NamedExecContext(ctx, `UPDATE verifications SET `+strings.Join(sets, ", ")+
		`, version = version + 1 WHERE uuid = :uuid AND version = :version`, v)
	if err != nil {
		return s.wrap(ctx, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := getVerification(ctx, s, tx, v.UUID, ""); err != nil {
			return err
		}
		return domain.Errorf(domain.EConflict, "The verification was changed by another request; read it again and retry.")
	}
	v.Version++
	if stored != "" && stored != domain.StatusExpired {
		return addEvent(ctx, s, tx, expiredEvent(v.UUID, stored))
	}
	return nil
}

// DeleteVerification removes one verification with its answers and their
// files, and records who did it.
func (s *Store) DeleteVerification(ctx context.Context, id uuid.UUID, actor int64) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var status string
		if err := tx.GetContext(ctx, &status, s.db.Rebind(`SELECT status FROM verifications WHERE uuid = ?`), id); err != nil {
			return s.wrap(ctx, err)
		}
		if _, err := deleteVerifications(ctx, s, tx, `uuid = ?`, id); err != nil {
			return err
		}
		return addEvent(ctx, s, tx, &domain.Event{Verification: id, Kind: domain.EventDeleted, ActorID: &actor, OldStatus: status})
	})
}

// deleteVerifications deletes the verifications matching where, and the
// stored files of their answers and justifications (the rest goes by ON
// DELETE CASCADE). It
// returns how many verifications it deleted.
func deleteVerifications(ctx context.Context, s *Store, tx *sqlx.Tx, where string, args ...any) (int64, error) {
	if _, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM stored_files WHERE uuid IN (
		SELECT f.file_uuid FROM answer_files f
		JOIN answers a ON a.uuid = f.answer_uuid
		JOIN completions c ON c.uuid = a.completion_uuid
		WHERE c.verification_uuid IN (SELECT uuid FROM verifications WHERE `+where+`)
		UNION
		SELECT d.file_uuid FROM justification_documents d
		JOIN justifications j ON j.uuid = d.justification_uuid
		WHERE j.verification_uuid IN (SELECT uuid FROM verifications WHERE `+where+`))`), append(args, args...)...); err != nil {
		return 0, s.wrap(ctx, err)
	}
	res, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM verifications WHERE `+where), args...)
	if err != nil {
		return 0, s.wrap(ctx, err)
	}
	return res.RowsAffected()
}

// ListVerifications returns one page of the verifications f selects and
// how many it selects in all.
func (s *Store) ListVerifications(ctx context.Context, f domain.VerificationFilter) ([]domain.Verification, int, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.OwnerID != nil {
		add("user_id = ?", *f.OwnerID)
	}
	if f.UserID != nil {
		add("user_id = ?", *f.UserID)
	}
	now := domain.Now()
	switch f.Status {
	case "":
	case domain.StatusExpired: // stored as expired, or waiting past its time
		where = append(where, `(status = ? OR (status IN (?, ?) AND expires_at < ?))`)
		args = append(args, domain.StatusExpired, domain.StatusPending, domain.StatusEscalated, now)
	case domain.StatusPending, domain.StatusEscalated:
		add("status = ?", f.Status)
		add("(expires_at IS NULL OR expires_at >= ?)", now)
	default:
		add("status = ?", f.Status)
	}
	if f.Country != "" {
		add("country = ?", strings.ToUpper(f.Country))
	}
	if f.LegalPersonIdentifier != "" {
		add("legal_person_identifier = ?", f.LegalPersonIdentifier)
	}
	if f.LegalName != "" {
		// lower() on both sides: LIKE is case-insensitive on SQLite only.
		add(`lower(legal_name) LIKE ? ESCAPE '\'`, "%"+escapeLike(strings.ToLower(f.LegalName))+"%")
	}
	order, ok := orderings[f.Ordering]
	if !ok {
		order = orderings["-created"]
	}
	cond := ""
	if len(where) > 0 {
		cond = ` WHERE ` + strings.Join(where, " AND ")
	}
	// Two queries, not COUNT(*) OVER (): the window function makes the
	// database materialise and sort every matching row with all its columns,
	// while the page alone can walk the ordering index and stop early.
	var total int
	if err := s.db.GetContext(ctx, &total, s.db.Rebind(`SELECT COUNT(*) FROM verifications`+cond), args...); err != nil {
		return nil, 0, s.wrap(ctx, err)
	}
	var out []domain.Verification
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT `+verificationColumns+` FROM verifications`+cond+
		` ORDER BY `+order+` LIMIT ? OFFSET ?`), append(args, f.Limit, f.Offset)...); err != nil {
		return nil, 0, s.wrap(ctx, err)
	}
	for i := range out {
		out[i].Expire(now)
	}
	return out, total, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func columnNames(cols string) []string {
	var out []string
	for _, c := range strings.Split(cols, ",") {
		out = append(out, strings.TrimSpace(c))
	}
	return out
}

func namedParams(cols string) string {
	names := columnNames(cols)
	for i, c := range names {
		names[i] = ":" + c
	}
	return strings.Join(names, ", ")
}
