package store

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/domain"
)

// ImportChecklist creates or updates a whole checklist — questions, options,
// dependencies and country configurations — in one transaction. Rows are
// written only where they differ, and questions, options and dependencies
// the definition no longer has are deleted (with their answers), so the
// same definition imported twice changes nothing. It returns how many rows
// it wrote or deleted.
func (s *Store) ImportChecklist(ctx context.Context, def *checklist.Definition) (int64, error) {
	now := s.clock.Now()
	var changed int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		write := func(table string, cols []string, arg any) error {
			// Country configurations are unique per country, the rest per uuid.
			conflict := "uuid"
			if table == "country_configs" {
				conflict = "country"
			}
			n, err := upsertIfChanged(ctx, tx, table, conflict, cols, arg)
			changed += n
			return s.wrap(ctx, err)
		}
		remove := func(query string, args ...any) error {
			q, qargs, err := sqlx.In(query, args...)
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, tx.Rebind(q), qargs...)
			if err != nil {
				return s.wrap(ctx, err)
			}
			n, _ := res.RowsAffected()
			changed += n
			return nil
		}
		c := def.Checklist
		if err := write("checklists", []string{"uuid", "name", "description", "checklist_type", "created", "modified"},
			map[string]any{"uuid": c.UUID, "name": c.Name, "description": c.Description, "checklist_type": c.ChecklistType, "created": now, "modified": now}); err != nil {
			return err
		}
		questionIDs := []uuid.UUID{uuid.Nil} // never empty: IN () is not SQL
		var optionIDs, dependencyIDs = []uuid.UUID{uuid.Nil}, []uuid.UUID{uuid.Nil}
		for _, q := range def.Questions {
			row := fromQuestion(q)
			row.Created, row.Modified = now, now
			if err := write("questions", columnNames(questionColumns), row); err != nil {
				return err
			}
			questionIDs = append(questionIDs, q.UUID)
			for _, o := range q.Options {
				if err := write("question_options", []string{"uuid", "question_uuid", "label", "sort_order", "created"},
					map[string]any{"uuid": o.UUID, "question_uuid": q.UUID, "label": o.Label, "sort_order": o.Order, "created": now}); err != nil {
					return err
				}
				optionIDs = append(optionIDs, o.UUID)
			}
		}
		if err := remove(`DELETE FROM questions WHERE checklist_uuid = ? AND uuid NOT IN (?)`, c.UUID, questionIDs); err != nil {
			return err
		}
		if err := remove(`DELETE FROM question_options WHERE question_uuid IN (?) AND uuid NOT IN (?)`, questionIDs, optionIDs); err != nil {
			return err
		}
		for _, d := range def.Dependencies {
			if err := write("question_dependencies", []string{"uuid", "question_uuid", "depends_on_question_uuid", "required_answer_value", "operator", "created"},
				map[string]any{"uuid": d.UUID, "question_uuid": d.Question, "depends_on_question_uuid": d.DependsOnQuestion,
					"required_answer_value": domain.MustJSON(d.RequiredAnswerValue), "operator": string(d.Operator), "created": now}); err != nil {
				return err
			}
			dependencyIDs = append(dependencyIDs, d.UUID)
		}
		if err := remove(`DELETE FROM question_dependencies WHERE question_uuid IN (?) AND uuid NOT IN (?)`, questionIDs, dependencyIDs); err != nil {
			return err
		}
		for _, cc := range def.Countries {
			if err := write("country_configs", []string{"uuid", "country", "checklist_uuid", "is_active", "created", "modified"},
				map[string]any{"uuid": uuid.NewSHA1(c.UUID, []byte("country/"+cc)), "country": cc, "checklist_uuid": c.UUID,
					"is_active": true, "created": now, "modified": now}); err != nil {
				return err
			}
		}
		return nil
	})
	return changed, err
}

// upsertIfChanged inserts arg into table, or, when a row with the same
// conflict column (its unique key) exists, updates it only if some column differs (created is kept).
// It returns the number of rows written: 0 when nothing changed.
func upsertIfChanged(ctx context.Context, tx *sqlx.Tx, table, conflict string, cols []string, arg any) (int64, error) {
	var sets, differs []string
	for _, c := range cols {
		if c == "uuid" || c == "created" || c == "modified" {
			continue
		}
		sets = append(sets, c+" = excluded."+c)
		differs = append(differs, table+"."+c+" IS DISTINCT FROM excluded."+c)
	}
	if slices.Contains(cols, "modified") {
		sets = append(sets, "modified = excluded.modified")
	}
	named := make([]string, len(cols))
	for i, c := range cols {
		named[i] = ":" + c
	}
	q := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES (` + strings.Join(named, ", ") + `)
		ON CONFLICT (` + conflict + `) DO UPDATE SET ` + strings.Join(sets, ", ") + `
		WHERE ` + strings.Join(differs, " OR ")
	res, err := tx.NamedExecContext(ctx, q, arg)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
