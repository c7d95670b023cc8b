package store

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/domain"
)

// The admin side: each checklist object on its own. The rules that span
// objects (option only on select questions, dependencies within one
// checklist and without cycles) are checked by the caller.

// inChecklistTx runs fn in one transaction that begins by locking the
// checklist's row, so that changes to one checklist's questions, options
// and dependencies, and the checks on them, happen one after another, also
// across replicas: on PostgreSQL with SELECT … FOR UPDATE; SQLite has one
// writer, and its transactions begin IMMEDIATE (see Open). fn gets the
// checklist's content as read inside the transaction, to check against.
func (s *Store) inChecklistTx(ctx context.Context, id uuid.UUID, fn func(tx *sqlx.Tx, c *ChecklistContent) error) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if s.dialect == "postgres" {
			var locked uuid.UUID
			if err := tx.GetContext(ctx, &locked, `SELECT uuid FROM checklists WHERE uuid = $1 FOR UPDATE`, id); err != nil {
				return s.wrap(ctx, err)
			}
		}
		c, err := checklistContent(ctx, s, tx, id)
		if err != nil {
			return err
		}
		return fn(tx, c)
	})
}

// ChecklistRow is a checklist with its timestamps.
type ChecklistRow struct {
	UUID          uuid.UUID `db:"uuid"`
	Name          string    `db:"name"`
	Description   string    `db:"description"`
	ChecklistType string    `db:"checklist_type"`
	Created       time.Time `db:"created"`
	Modified      time.Time `db:"modified"`
}

// OptionRow is a select option with its question.
type OptionRow struct {
	Question uuid.UUID `db:"question_uuid"`
	checklist.Option
}

// CountryConfig attaches a checklist to a country.
type CountryConfig struct {
	UUID      uuid.UUID `db:"uuid"`
	Country   string    `db:"country"`
	Checklist uuid.UUID `db:"checklist_uuid"`
	IsActive  bool      `db:"is_active"`
	Created   time.Time `db:"created"`
	Modified  time.Time `db:"modified"`
}

// page runs a count and one page of a SELECT over from (a table with an
// optional WHERE), into dest.
func (s *Store) page(ctx context.Context, dest any, cols, from, order string, offset, limit int, args ...any) (int, error) {
	var total int
	if err := s.db.GetContext(ctx, &total, s.db.Rebind(`SELECT COUNT(*) FROM `+from), args...); err != nil {
		return 0, s.wrap(ctx, err)
	}
	err := s.db.SelectContext(ctx, dest, s.db.Rebind(`SELECT `+cols+` FROM `+from+` ORDER BY `+order+` LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	return total, s.wrap(ctx, err)
}

// deleteRow deletes the row of table with id; ENotFound when there is none.
func (s *Store) deleteRow(ctx context.Context, table string, id uuid.UUID) error {
	res, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM `+table+` WHERE uuid = ?`), id)
	if err != nil {
		return s.wrap(ctx, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &domain.Error{Code: domain.ENotFound, Detail: "Not found."}
	}
	return nil
}

// save inserts (create) or updates the row of arg by uuid; an update of a
// missing row is ENotFound.
func (s *Store) save(ctx context.Context, table string, cols []string, create bool, arg any) error {
	return s.saveIn(ctx, s.db, table, cols, create, arg)
}

// saveIn is save on db, which may be a transaction.
func (s *Store) saveIn(ctx context.Context, db sqlx.ExtContext, table string, cols []string, create bool, arg any) error {
	var q string
	if create {
		q = `INSERT INTO ` + table + ` (` + joinCols(cols, "") + `) VALUES (` + joinCols(cols, ":") + `)`
	} else {
		var sets []string
		for _, c := range cols {
			if c != "uuid" && c != "created" {
				sets = append(sets, c+" = :"+c)
			}
		}
		q = `UPDATE ` + table + ` SET ` + strings.Join(sets, ", ") + ` WHERE uuid = :uuid`
	}
	res, err := sqlx.NamedExecContext(ctx, db, q, arg)
	if err != nil {
		if isUniqueViolation(err) {
			return domain.Errorf(domain.EConflict, "Already exists.")
		}
		return s.wrap(ctx, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &domain.Error{Code: domain.ENotFound, Detail: "Not found."}
	}
	return nil
}

func joinCols(cols []string, prefix string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = prefix + c
	}
	return strings.Join(out, ", ")
}

var checklistCols = []string{"uuid", "name", "description", "checklist_type", "created", "modified"}

// ListChecklists returns a page of checklists by name.
func (s *Store) ListChecklists(ctx context.Context, offset, limit int) ([]ChecklistRow, int, error) {
	out := []ChecklistRow{}
	total, err := s.page(ctx, &out, strings.Join(checklistCols, ", "), `checklists`, `name, uuid`, offset, limit)
	return out, total, err
}

// ChecklistRow reads one checklist.
func (s *Store) ChecklistRow(ctx context.Context, id uuid.UUID) (*ChecklistRow, error) {
	var c ChecklistRow
	if err := s.db.GetContext(ctx, &c, s.db.Rebind(`SELECT `+strings.Join(checklistCols, ", ")+` FROM checklists WHERE uuid = ?`), id); err != nil {
		return nil, s.wrap(ctx, err)
	}
	return &c, nil
}

// SaveChecklist creates or updates a checklist.
func (s *Store) SaveChecklist(ctx context.Context, c *ChecklistRow, create bool) error {
	c.Modified = s.clock.Now()
	if create {
		c.UUID, c.Created = uuid.New(), c.Modified
	}
	return s.save(ctx, "checklists", checklistCols, create, c)
}

// DeleteChecklist deletes a checklist with its questions and configurations.
func (s *Store) DeleteChecklist(ctx context.Context, id uuid.UUID) error {
	return s.deleteRow(ctx, "checklists", id)
}

// ListQuestions returns a page of questions by order, of one checklist
// when checklistID is set, each with its options.
func (s *Store) ListQuestions(ctx context.Context, checklistID *uuid.UUID, offset, limit int) ([]checklist.Question, int, error) {
	var rows []questionRow
	from, args := `questions`, []any{}
	if checklistID != nil {
		from, args = `questions WHERE checklist_uuid = ?`, []any{*checklistID}
	}
	total, err := s.page(ctx, &rows, questionColumns, from, `sort_order, checklist_uuid, created, uuid`, offset, limit, args...)
	if err != nil {
		return nil, 0, err
	}
	out := make([]checklist.Question, len(rows))
	for i, r := range rows {
		out[i] = r.toQuestion()
		opts, _, err := s.ListOptions(ctx, &r.UUID, 0, 10000)
		if err != nil {
			return nil, 0, err
		}
		for _, o := range opts {
			out[i].Options = append(out[i].Options, o.Option)
		}
	}
	return out, total, nil
}

// Question reads one question with its options.
func (s *Store) Question(ctx context.Context, id uuid.UUID) (*checklist.Question, error) {
	var r questionRow
	if err := s.db.GetContext(ctx, &r, s.db.Rebind(`SELECT `+questionColumns+` FROM questions WHERE uuid = ?`), id); err != nil {
		return nil, s.wrap(ctx, err)
	}
	q := r.toQuestion()
	opts, _, err := s.ListOptions(ctx, &id, 0, 10000)
	if err != nil {
		return nil, err
	}
	for _, o := range opts {
		q.Options = append(q.Options, o.Option)
	}
	return &q, nil
}

// SaveQuestion creates or updates a question (not its options). check,
// when not nil, runs first in the same transaction, with the checklist's
// content as it is then (see inChecklistTx); its error stops the save.
func (s *Store) SaveQuestion(ctx context.Context, q *checklist.Question, create bool, check func(*ChecklistContent) error) error {
	return s.inChecklistTx(ctx, q.Checklist, func(tx *sqlx.Tx, c *ChecklistContent) error {
		if check != nil {
			if err := check(c); err != nil {
				return err
			}
		}
		row := fromQuestion(*q)
		row.Modified = s.clock.Now()
		if create {
			q.UUID = uuid.New()
			row.UUID, row.Created = q.UUID, row.Modified
		}
		return s.saveIn(ctx, tx, "questions", columnNames(questionColumns), create, row)
	})
}

// DeleteQuestion deletes a question with its options, dependencies and answers.
func (s *Store) DeleteQuestion(ctx context.Context, id uuid.UUID) error {
	return s.deleteRow(ctx, "questions", id)
}

var optionCols = []string{"uuid", "question_uuid", "label", "sort_order", "created"}

// ListOptions returns a page of options by order, of one question when questionID is set.
func (s *Store) ListOptions(ctx context.Context, questionID *uuid.UUID, offset, limit int) ([]OptionRow, int, error) {
	out := []OptionRow{}
	from, args := `question_options`, []any{}
	if questionID != nil {
		from, args = `question_options WHERE question_uuid = ?`, []any{*questionID}
	}
	total, err := s.page(ctx, &out, `uuid, question_uuid, label, sort_order AS "order"`, from, `sort_order, question_uuid, created, uuid`, offset, limit, args...)
	return out, total, err
}

// OptionRow reads one option.
func (s *Store) OptionRow(ctx context.Context, id uuid.UUID) (*OptionRow, error) {
	var o OptionRow
	if err := s.db.GetContext(ctx, &o, s.db.Rebind(`SELECT uuid, question_uuid, label, sort_order AS "order" FROM question_options WHERE uuid = ?`), id); err != nil {
		return nil, s.wrap(ctx, err)
	}
	return &o, nil
}

// SaveOption creates or updates an option.
func (s *Store) SaveOption(ctx context.Context, o *OptionRow, create bool) error {
	if create {
		o.UUID = uuid.New()
	}
	return s.save(ctx, "question_options", optionCols, create, map[string]any{
		"uuid": o.UUID, "question_uuid": o.Question, "label": o.Label, "sort_order": o.Order, "created": s.clock.Now()})
}

// DeleteOption deletes an option; EConflict, naming them, while a review
// or guidance value or a dependency refers to it, or while answers choose
// it (deleting it would leave them naming an option that is gone).
func (s *Store) DeleteOption(ctx context.Context, id uuid.UUID) error {
	var checklistID uuid.UUID
	err := s.db.GetContext(ctx, &checklistID, s.db.Rebind(`SELECT q.checklist_uuid FROM question_options o
		JOIN questions q ON q.uuid = o.question_uuid WHERE o.uuid = ?`), id)
	if err != nil {
		return s.wrap(ctx, err)
	}
	return s.inChecklistTx(ctx, checklistID, func(tx *sqlx.Tx, c *ChecklistContent) error {
		if refs := checklist.OptionReferences(c.Questions, c.Dependencies, id); len(refs) > 0 {
			return domain.Errorf(domain.EConflict, "This option is referred to by %s; change or delete that first.", strings.Join(refs, " and "))
		}
		chosen, err := answersChoosing(ctx, s, tx, id)
		if err != nil {
			return err
		}
		if chosen > 0 {
			return domain.Errorf(domain.EConflict, "This option is chosen in %d answer(s); relabel it instead, or delete its question with its answers.", chosen)
		}
		res, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM question_options WHERE uuid = ?`), id)
		if err != nil {
			return s.wrap(ctx, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &domain.Error{Code: domain.ENotFound, Detail: "Not found."}
		}
		return nil
	})
}

// answersChoosing counts the answers that choose option, reading them one
// at a time (a question may have an answer in every verification).
func answersChoosing(ctx context.Context, s *Store, tx *sqlx.Tx, option uuid.UUID) (int, error) {
	rows, err := tx.QueryContext(ctx, s.db.Rebind(`SELECT a.answer_data FROM answers a
		JOIN question_options o ON o.question_uuid = a.question_uuid WHERE o.uuid = ?`), option)
	if err != nil {
		return 0, s.wrap(ctx, err)
	}
	defer rows.Close()
	chosen := 0
	for rows.Next() {
		var answer domain.JSON
		if err := rows.Scan(&answer); err != nil {
			return 0, s.wrap(ctx, err)
		}
		if checklist.NamesOption(anyOf(answer), option) {
			chosen++
		}
	}
	return chosen, s.wrap(ctx, rows.Err())
}

type dependencyRow struct {
	UUID      uuid.UUID   `db:"uuid"`
	Question  uuid.UUID   `db:"question_uuid"`
	DependsOn uuid.UUID   `db:"depends_on_question_uuid"`
	Value     domain.JSON `db:"required_answer_value"`
	Operator  string      `db:"operator"`
}

func (r dependencyRow) toDependency() checklist.Dependency {
	return checklist.Dependency{UUID: r.UUID, Question: r.Question, DependsOnQuestion: r.DependsOn,
		RequiredAnswerValue: anyOf(r.Value), Operator: checklist.Operator(r.Operator)}
}

const dependencyCols = `uuid, question_uuid, depends_on_question_uuid, required_answer_value, operator`

// ListDependencies returns a page of dependencies, of one question when set.
func (s *Store) ListDependencies(ctx context.Context, questionID *uuid.UUID, offset, limit int) ([]checklist.Dependency, int, error) {
	var rows []dependencyRow
	from, args := `question_dependencies`, []any{}
	if questionID != nil {
		from, args = `question_dependencies WHERE question_uuid = ?`, []any{*questionID}
	}
	// By the order of the question shown when they hold, as questions are.
	total, err := s.page(ctx, &rows, dependencyCols, from,
		`(SELECT q.sort_order FROM questions q WHERE q.uuid = question_dependencies.question_uuid), question_uuid, created, uuid`, offset, limit, args...)
	out := make([]checklist.Dependency, len(rows))
	for i, r := range rows {
		out[i] = r.toDependency()
	}
	return out, total, err
}

// Dependency reads one dependency.
func (s *Store) Dependency(ctx context.Context, id uuid.UUID) (*checklist.Dependency, error) {
	var r dependencyRow
	if err := s.db.GetContext(ctx, &r, s.db.Rebind(`SELECT `+dependencyCols+` FROM question_dependencies WHERE uuid = ?`), id); err != nil {
		return nil, s.wrap(ctx, err)
	}
	d := r.toDependency()
	return &d, nil
}

// SaveDependency creates or updates a dependency between questions of
// checklist checklistID. check runs first in the same transaction, with
// the checklist's content as it is then (see inChecklistTx), so that two
// dependencies saved at the same moment cannot together close a cycle
// that each alone would not; its error stops the save.
func (s *Store) SaveDependency(ctx context.Context, checklistID uuid.UUID, d *checklist.Dependency, create bool, check func(*ChecklistContent) error) error {
	if create {
		d.UUID = uuid.New()
	}
	err := s.inChecklistTx(ctx, checklistID, func(tx *sqlx.Tx, c *ChecklistContent) error {
		if err := check(c); err != nil {
			return err
		}
		return s.saveIn(ctx, tx, "question_dependencies", append(columnNames(dependencyCols), "created"), create, map[string]any{
			"uuid": d.UUID, "question_uuid": d.Question, "depends_on_question_uuid": d.DependsOnQuestion,
			"required_answer_value": domain.MustJSON(d.RequiredAnswerValue), "operator": string(d.Operator), "created": s.clock.Now()})
	})
	if domain.CodeOf(err) == domain.EConflict {
		return domain.FieldError("depends_on_question", "The question already depends on this question.")
	}
	return err
}

// DeleteDependency deletes a dependency.
func (s *Store) DeleteDependency(ctx context.Context, id uuid.UUID) error {
	return s.deleteRow(ctx, "question_dependencies", id)
}

var countryConfigCols = []string{"uuid", "country", "checklist_uuid", "is_active", "created", "modified"}

// ListCountryConfigs returns a page of country configurations by country.
func (s *Store) ListCountryConfigs(ctx context.Context, offset, limit int) ([]CountryConfig, int, error) {
	out := []CountryConfig{}
	total, err := s.page(ctx, &out, strings.Join(countryConfigCols, ", "), `country_configs`, `country`, offset, limit)
	return out, total, err
}

// CountryConfig reads one country configuration.
func (s *Store) CountryConfig(ctx context.Context, id uuid.UUID) (*CountryConfig, error) {
	var c CountryConfig
	if err := s.db.GetContext(ctx, &c, s.db.Rebind(`SELECT `+strings.Join(countryConfigCols, ", ")+` FROM country_configs WHERE uuid = ?`), id); err != nil {
		return nil, s.wrap(ctx, err)
	}
	return &c, nil
}

// SaveCountryConfig creates or updates a country configuration; a second
// configuration for a country is a 400 on country.
func (s *Store) SaveCountryConfig(ctx context.Context, c *CountryConfig, create bool) error {
	c.Modified = s.clock.Now()
	if create {
		c.UUID, c.Created = uuid.New(), c.Modified
	}
	err := s.save(ctx, "country_configs", countryConfigCols, create, c)
	if domain.CodeOf(err) == domain.EConflict {
		return domain.FieldError("country", "This country already has a checklist configuration.")
	}
	return err
}

// DeleteCountryConfig deletes a country configuration.
func (s *Store) DeleteCountryConfig(ctx context.Context, id uuid.UUID) error {
	return s.deleteRow(ctx, "country_configs", id)
}
