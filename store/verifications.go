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
const verificationColumns = `uuid, user_id, country, legal_person_identifier, legal_name, lei, status,
	validation_method, verified_user_roles, verified_company_data, raw_response, error_traceback,
	error_message, validated_at, expires_at, customer_id, onboarding_metadata,
	user_submitted_customer_data, person_identifier, person_first_name, person_last_name,
	person_birth_date, person_code_hmac, created, modified, version, run_claim, run_claimed_at`

var insertVerification = `INSERT INTO verifications (` + verificationColumns + `) VALUES (` + namedParams(verificationColumns) + `)`

// insertCompletion gives a new verification the checklist its country is
// configured with, if any.
const insertCompletion = `INSERT INTO completions (uuid, verification_uuid, checklist_uuid, created, modified)
	SELECT ?, ?, checklist_uuid, ?, ? FROM country_configs WHERE country = ? AND is_active`

// shownColumns are the columns a response shows and Verification.Expire
// needs: every column but the person data, which is never shown.
var shownColumns = func() string {
	var out []string
	for _, c := range columnNames(verificationColumns) {
		if !strings.HasPrefix(c, "person_") {
			out = append(out, c)
		}
	}
	return strings.Join(out, ", ")
}()

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
	v.Created = s.clock.Now()
	v.Modified = v.Created
	withDefaults(v)
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.execNamed(ctx, tx, insertVerification, v); err != nil {
			return s.wrap(ctx, err)
		}
		// The checklist its country is configured with, if any, comes with it.
		err := s.execPrepared(ctx, tx, insertCompletion, uuid.New(), v.UUID, v.Created, v.Created, v.Country)
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

// ShownVerification reads one verification without its person data, for
// a response.
func (s *Store) ShownVerification(ctx context.Context, id uuid.UUID) (*domain.Verification, error) {
	var v domain.Verification
	if err := s.getPrepared(ctx, &v, `SELECT `+shownColumns+` FROM verifications WHERE uuid = ?`, id); err != nil {
		return nil, s.wrap(ctx, err)
	}
	v.Expire(s.clock.Now())
	return &v, nil
}

// getVerification reads one row through q (the pool or a transaction),
// with an optional locking suffix.
func getVerification(ctx context.Context, s *Store, q sqlx.QueryerContext, id uuid.UUID, lock string) (*domain.Verification, error) {
	var v domain.Verification
	err := sqlx.GetContext(ctx, q, &v, s.db.Rebind(`SELECT `+verificationColumns+` FROM verifications WHERE uuid = ?`+lock), id)
	if err != nil {
		return nil, s.wrap(ctx, err)
	}
	v.Expire(s.clock.Now())
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
	v.Modified = s.clock.Now()
	withDefaults(v)
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
	// A pending justification speaks for the company it was written for:
	// when the verification's company is another now, it is superseded.
	if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE justifications SET decision = ?, modified = ?
		WHERE verification_uuid = ? AND decision = ? AND (country <> ? OR legal_person_identifier <> ?)`),
		domain.DecisionSuperseded, v.Modified, v.UUID, domain.DecisionPending, v.Country, v.LegalPersonIdentifier); err != nil {
		return s.wrap(ctx, err)
	}
	return nil
}

// ClaimRun claims verification id for one run_validation by actor: on the
// locked row it checks the lifecycle table (a live claim refuses with 409),
// records a dead claim's run as abandoned, takes the claim and records
// validation_started, in one transaction. Of concurrent calls, from one
// process or many, one gets the claim and the others a 409 at once.
func (s *Store) ClaimRun(ctx context.Context, id uuid.UUID, actor int64) (*domain.Verification, error) {
	var v *domain.Verification
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		lock := ""
		if s.dialect == "postgres" {
			lock = " FOR UPDATE" // SQLite's immediate transactions already serialise writers
		}
		var err error
		if v, err = getVerification(ctx, s, tx, id, lock); err != nil {
			return err
		}
		now := s.clock.Now()
		if err := v.Check(domain.ActionRun, now); err != nil {
			return err
		}
		if v.RunClaim != "" { // a claim past RunClaimTimeout: its run died
			if err := addEvent(ctx, s, tx, &domain.Event{Verification: id, Kind: domain.EventValidationFinished,
				OldStatus: v.Status, NewStatus: v.Status, Reason: "ABANDONED"}); err != nil {
				return err
			}
		}
		v.RunClaim, v.RunClaimedAt = uuid.NewString(), &now
		if err := updateVerification(ctx, s, tx, v); err != nil {
			return err
		}
		return addEvent(ctx, s, tx, &domain.Event{Verification: id, Kind: domain.EventValidationStarted, ActorID: &actor,
			OldStatus: v.Status, NewStatus: v.Status})
	})
	return v, err
}

// FinishRun stores the outcome of the run holding v's claim, releases the
// claim and records ev, in one transaction. It writes only what a run
// decides, so answers submitted meanwhile stay. A claim taken over (the run
// outlived RunClaimTimeout) is a conflict and stores nothing.
func (s *Store) FinishRun(ctx context.Context, v *domain.Verification, ev *domain.Event) error {
	withDefaults(v)
	claim := v.RunClaim
	v.RunClaim, v.RunClaimedAt, v.Modified = "", nil, s.clock.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE verifications SET status = ?, validation_method = ?,
			verified_user_roles = ?, verified_company_data = ?, raw_response = ?, error_traceback = ?, error_message = ?,
			validated_at = ?, person_identifier = ?, person_first_name = ?, person_last_name = ?, person_birth_date = ?,
			person_code_hmac = ?, run_claim = '', run_claimed_at = NULL, modified = ?, version = version + 1
			WHERE uuid = ? AND run_claim = ?`),
			v.Status, v.ValidationMethod, v.VerifiedUserRoles, v.VerifiedCompanyData, v.RawResponse, v.ErrorTraceback,
			v.ErrorMessage, v.ValidatedAt, v.PersonIdentifier, v.PersonFirstName, v.PersonLastName, v.PersonBirthDate,
			v.PersonCodeHMAC, v.Modified, v.UUID, claim)
		if err != nil {
			return s.wrap(ctx, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.EConflict, "The validation took longer than its claim lasts and was taken over; its outcome was not stored.")
		}
		ev.Verification = v.UUID
		return addEvent(ctx, s, tx, ev)
	})
}

// DeleteVerification removes one verification with its answers and their
// files, and records who did it.
func (s *Store) DeleteVerification(ctx context.Context, id uuid.UUID, actor int64) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		v, err := getVerification(ctx, s, tx, id, "") // as it was, for the webhook payload
		if err != nil {
			return err
		}
		if _, err := deleteVerifications(ctx, s, tx, `uuid = ?`, id); err != nil {
			return err
		}
		return addEventAbout(ctx, s, tx, &domain.Event{Verification: id, Kind: domain.EventDeleted, ActorID: &actor, OldStatus: v.Status}, v)
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
