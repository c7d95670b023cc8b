package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/domain"
)

// Completion is a verification's progress through its checklist.
type Completion struct {
	UUID         uuid.UUID `db:"uuid"`
	Verification uuid.UUID `db:"verification_uuid"`
	Checklist    uuid.UUID `db:"checklist_uuid"`
	Created      time.Time `db:"created"`
	Modified     time.Time `db:"modified"`
}

// Answer is one stored answer.
type Answer struct {
	UUID           uuid.UUID   `db:"uuid"`
	Question       uuid.UUID   `db:"question_uuid"`
	UserID         int64       `db:"user_id"`
	Data           domain.JSON `db:"answer_data"`
	RequiresReview bool        `db:"requires_review"`
	Created        time.Time   `db:"created"`
	Modified       time.Time   `db:"modified"`
}

// CompletionFor returns a verification's checklist completion; ENotFound
// when its country had no checklist configured.
func (s *Store) CompletionFor(ctx context.Context, verification uuid.UUID) (*Completion, error) {
	var c Completion
	err := s.db.GetContext(ctx, &c, s.db.Rebind(`SELECT uuid, verification_uuid, checklist_uuid, created, modified
		FROM completions WHERE verification_uuid = ? ORDER BY created LIMIT 1`), verification)
	if err != nil {
		return nil, s.wrap(ctx, err)
	}
	return &c, nil
}

// Answers returns a completion's answers.
func (s *Store) Answers(ctx context.Context, completion uuid.UUID) ([]Answer, error) {
	var out []Answer
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT uuid, question_uuid, user_id, answer_data, requires_review, created, modified
		FROM answers WHERE completion_uuid = ?`), completion)
	return out, s.wrap(ctx, err)
}

// StoredFile is an uploaded file's content, kept in the database.
type StoredFile struct {
	UUID uuid.UUID
	checklist.File
}

// AnswerChange is one item of a submitted batch: new data for a question's
// answer, or, with nil Data, the answer's removal.
type AnswerChange struct {
	Question       uuid.UUID
	Data           domain.JSON // nil deletes the answer
	RequiresReview bool
	Files          []StoredFile // content the data refers to by stored_file_id
}

// SaveAnswers applies a batch of answer changes and writes v (its derived
// metadata) in one transaction: all of it is stored, or none.
func (s *Store) SaveAnswers(ctx context.Context, c *Completion, userID int64, changes []AnswerChange, v *domain.Verification) error {
	now := s.clock.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, ch := range changes {
			// An answer's old files go with the answer they belonged to.
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM stored_files WHERE uuid IN (
				SELECT f.file_uuid FROM answer_files f JOIN answers a ON a.uuid = f.answer_uuid
				WHERE a.completion_uuid = ? AND a.question_uuid = ?)`), c.UUID, ch.Question); err != nil {
				return s.wrap(ctx, err)
			}
			if ch.Data == nil {
				if _, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM answers WHERE completion_uuid = ? AND question_uuid = ?`), c.UUID, ch.Question); err != nil {
					return s.wrap(ctx, err)
				}
				continue
			}
			var answerID uuid.UUID
			err := tx.QueryRowxContext(ctx, s.db.Rebind(`INSERT INTO answers (uuid, completion_uuid, question_uuid, user_id, answer_data, requires_review, created, modified)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (completion_uuid, question_uuid) DO UPDATE SET
					user_id = excluded.user_id, answer_data = excluded.answer_data,
					requires_review = excluded.requires_review, modified = excluded.modified
				RETURNING uuid`),
				uuid.New(), c.UUID, ch.Question, userID, ch.Data, ch.RequiresReview, now, now).Scan(&answerID)
			if err != nil {
				return s.wrap(ctx, err)
			}
			for _, f := range ch.Files {
				if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO stored_files (uuid, name, mime_type, size, content, created) VALUES (?, ?, ?, ?, ?, ?)`),
					f.UUID, f.Name, f.MimeType, f.Size, f.Content, now); err != nil {
					return s.wrap(ctx, err)
				}
				if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO answer_files (answer_uuid, file_uuid) VALUES (?, ?)`), answerID, f.UUID); err != nil {
					return s.wrap(ctx, err)
				}
			}
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE completions SET modified = ? WHERE uuid = ?`), now, c.UUID); err != nil {
			return s.wrap(ctx, err)
		}
		c.Modified = now
		return updateVerification(ctx, s, tx, v)
	})
}
