package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/domain"
)

const justificationSelect = `SELECT j.uuid, j.verification_uuid, v.status AS verification_status,
	v.expires_at AS verification_expires_at, j.user_id, j.country, j.legal_person_identifier,
	j.user_justification, j.decision, j.staff_notes, j.reviewer_id, j.reviewed_at, j.created, j.modified
	FROM justifications j JOIN verifications v ON v.uuid = j.verification_uuid`

// CreateJustification stores j for verification v and records the event.
func (s *Store) CreateJustification(ctx context.Context, j *domain.Justification, v *domain.Verification) error {
	j.UUID, j.Decision, j.VerificationStatus = uuid.New(), domain.DecisionPending, v.Status
	j.Country, j.LegalPersonIdentifier = v.Country, v.LegalPersonIdentifier
	j.Created = s.clock.Now()
	j.Modified = j.Created
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.NamedExecContext(ctx, `INSERT INTO justifications (uuid, verification_uuid, user_id, country, legal_person_identifier, user_justification, decision, created, modified)
			VALUES (:uuid, :verification_uuid, :user_id, :country, :legal_person_identifier, :user_justification, :decision, :created, :modified)`, j); err != nil {
			return s.wrap(ctx, err)
		}
		return addEvent(ctx, s, tx, &domain.Event{Verification: v.UUID, Kind: domain.EventJustificationSubmitted, ActorID: &j.UserID,
			OldStatus: v.Status, NewStatus: v.Status, Reason: "justification " + j.UUID.String()})
	})
}

// Justification reads one justification with its documents.
func (s *Store) Justification(ctx context.Context, id uuid.UUID) (*domain.Justification, error) {
	var j domain.Justification
	if err := s.db.GetContext(ctx, &j, s.db.Rebind(justificationSelect+` WHERE j.uuid = ?`), id); err != nil {
		return nil, s.wrap(ctx, err)
	}
	page := []domain.Justification{j}
	if err := s.finishJustifications(ctx, page); err != nil {
		return nil, err
	}
	return &page[0], nil
}

// ListJustifications returns one page of justifications, newest first.
func (s *Store) ListJustifications(ctx context.Context, f domain.JustificationFilter) ([]domain.Justification, int, error) {
	var conds []string
	var args []any
	if f.OwnerID != nil {
		conds, args = append(conds, `j.user_id = ?`), append(args, *f.OwnerID)
	}
	if f.Verification != nil {
		conds, args = append(conds, `j.verification_uuid = ?`), append(args, *f.Verification)
	}
	cond := ""
	if len(conds) > 0 {
		cond = " WHERE " + strings.Join(conds, " AND ")
	}
	var total int
	if err := s.db.GetContext(ctx, &total, s.db.Rebind(`SELECT COUNT(*) FROM justifications j`+cond), args...); err != nil {
		return nil, 0, s.wrap(ctx, err)
	}
	out := []domain.Justification{}
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(justificationSelect+cond+` ORDER BY j.created DESC, j.uuid DESC LIMIT ? OFFSET ?`),
		append(args, f.Limit, f.Offset)...); err != nil {
		return nil, 0, s.wrap(ctx, err)
	}
	return out, total, s.finishJustifications(ctx, out)
}

// finishJustifications shows a page of justifications as every read does
// (an expired verification reads as expired) and loads their documents in
// one query.
func (s *Store) finishJustifications(ctx context.Context, page []domain.Justification) error {
	if len(page) == 0 {
		return nil
	}
	now := s.clock.Now()
	ids := make([]uuid.UUID, len(page))
	for i, j := range page {
		ids[i] = j.UUID
		page[i].Documents = []domain.Document{}
		if domain.HasExpired(j.VerificationStatus, j.VerificationExpiresAt, now) {
			page[i].VerificationStatus = domain.StatusExpired
		}
	}
	q, args, err := sqlx.In(`SELECT d.justification_uuid, f.uuid, f.name, f.size, f.mime_type, f.created
		FROM justification_documents d JOIN stored_files f ON f.uuid = d.file_uuid
		WHERE d.justification_uuid IN (?) ORDER BY f.created, f.uuid`, ids)
	if err != nil {
		return err
	}
	var docs []struct {
		Justification uuid.UUID `db:"justification_uuid"`
		domain.Document
	}
	if err := s.db.SelectContext(ctx, &docs, s.db.Rebind(q), args...); err != nil {
		return s.wrap(ctx, err)
	}
	for _, d := range docs {
		for i := range page {
			if page[i].UUID == d.Justification {
				page[i].Documents = append(page[i].Documents, d.Document)
			}
		}
	}
	return nil
}

// DocumentQuota limits one justification's documents.
type DocumentQuota struct {
	Count int64 // documents at most
	Bytes int64 // their total size at most
}

// AttachDocument stores a file and attaches it to a justification, within
// quota: past it, a 400 naming the file and nothing stored. The
// justification's row is updated first, so concurrent attachments to one
// justification queue and the quota holds between them.
func (s *Store) AttachDocument(ctx context.Context, justification uuid.UUID, f StoredFile, quota DocumentQuota) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		now := s.clock.Now()
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE justifications SET modified = ? WHERE uuid = ?`), now, justification); err != nil {
			return s.wrap(ctx, err)
		}
		var used struct {
			Count int64 `db:"count"`
			Bytes int64 `db:"bytes"`
		}
		if err := tx.GetContext(ctx, &used, s.db.Rebind(`SELECT COUNT(*) AS count, COALESCE(SUM(f.size), 0) AS bytes
			FROM justification_documents d JOIN stored_files f ON f.uuid = d.file_uuid WHERE d.justification_uuid = ?`), justification); err != nil {
			return s.wrap(ctx, err)
		}
		switch {
		case used.Count+1 > quota.Count:
			return domain.FieldError("file", fmt.Sprintf("This justification already has %d documents, the most it may have.", used.Count))
		case used.Bytes+f.Size > quota.Bytes:
			return domain.FieldError("file", fmt.Sprintf("This justification's documents would total %d bytes, more than the %d bytes allowed.", used.Bytes+f.Size, quota.Bytes))
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO stored_files (uuid, name, mime_type, size, content, created) VALUES (?, ?, ?, ?, ?, ?)`),
			f.UUID, f.Name, f.MimeType, f.Size, f.Content, now); err != nil {
			return s.wrap(ctx, err)
		}
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO justification_documents (justification_uuid, file_uuid) VALUES (?, ?)`), justification, f.UUID)
		return s.wrap(ctx, err)
	})
}

// Decide records a staff decision on a pending justification and writes
// the verification it changes (version-checked), with the event, in one
// transaction. A justification decided meanwhile is a conflict.
func (s *Store) Decide(ctx context.Context, j *domain.Justification, v *domain.Verification, ev *domain.Event) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.NamedExecContext(ctx, `UPDATE justifications SET decision = :decision, staff_notes = :staff_notes,
			reviewer_id = :reviewer_id, reviewed_at = :reviewed_at, modified = :modified
			WHERE uuid = :uuid AND decision = 'pending'`, j)
		if err != nil {
			return s.wrap(ctx, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.EConflict, "This justification has already been decided.")
		}
		if err := updateVerification(ctx, s, tx, v); err != nil {
			return err
		}
		// A decision ends the case's claim in the console.
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE verifications SET assignee_id = NULL, assigned_at = NULL WHERE uuid = ?`), v.UUID); err != nil {
			return s.wrap(ctx, err)
		}
		ev.Verification = v.UUID
		return addEvent(ctx, s, tx, ev)
	})
}
