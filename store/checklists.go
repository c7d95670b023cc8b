package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/domain"
)

// questionRow is a questions row; toQuestion turns it into the domain type.
type questionRow struct {
	UUID                    uuid.UUID      `db:"uuid"`
	Checklist               uuid.UUID      `db:"checklist_uuid"`
	Order                   int            `db:"sort_order"`
	Description             string         `db:"description"`
	UserGuidance            string         `db:"user_guidance"`
	QuestionType            string         `db:"question_type"`
	Required                bool           `db:"required"`
	MinValue                sql.NullString `db:"min_value"`
	MaxValue                sql.NullString `db:"max_value"`
	AllowedFileTypes        domain.JSON    `db:"allowed_file_types"`
	AllowedMimeTypes        domain.JSON    `db:"allowed_mime_types"`
	MaxFileSizeMB           sql.NullInt64  `db:"max_file_size_mb"`
	MaxFilesCount           sql.NullInt64  `db:"max_files_count"`
	Operator                string         `db:"operator"`
	ReviewAnswerValue       domain.JSON    `db:"review_answer_value"`
	AlwaysRequiresReview    bool           `db:"always_requires_review"`
	GuidanceOperator        string         `db:"guidance_operator"`
	GuidanceAnswerValue     domain.JSON    `db:"guidance_answer_value"`
	AlwaysShowGuidance      bool           `db:"always_show_guidance"`
	DependencyLogicOperator string         `db:"dependency_logic_operator"`
	MapsToCustomerField     string         `db:"maps_to_customer_field"`
	IntentField             string         `db:"intent_field"`
	Created                 time.Time      `db:"created"`
	Modified                time.Time      `db:"modified"`
}

const questionColumns = `uuid, checklist_uuid, sort_order, description, user_guidance, question_type, required,
	min_value, max_value, allowed_file_types, allowed_mime_types, max_file_size_mb, max_files_count,
	operator, review_answer_value, always_requires_review, guidance_operator, guidance_answer_value,
	always_show_guidance, dependency_logic_operator, maps_to_customer_field, intent_field, created, modified`

func (r questionRow) toQuestion() checklist.Question {
	q := checklist.Question{
		UUID: r.UUID, Checklist: r.Checklist, Order: r.Order, Description: r.Description,
		UserGuidance: r.UserGuidance, QuestionType: checklist.QuestionType(r.QuestionType), Required: r.Required,
		Operator: checklist.Operator(r.Operator), AlwaysRequiresReview: r.AlwaysRequiresReview,
		GuidanceOperator: checklist.Operator(r.GuidanceOperator), AlwaysShowGuidance: r.AlwaysShowGuidance,
		DependencyLogicOperator: checklist.LogicOperator(r.DependencyLogicOperator),
		MapsToCustomerField:     r.MapsToCustomerField, IntentField: r.IntentField,
		AllowedFileTypes: []string{}, AllowedMimeTypes: []string{}, Options: []checklist.Option{},
	}
	q.MinValue, q.MaxValue = decimalOf(r.MinValue), decimalOf(r.MaxValue)
	q.MaxFileSizeMB, q.MaxFilesCount = intOf(r.MaxFileSizeMB), intOf(r.MaxFilesCount)
	_ = json.Unmarshal(r.AllowedFileTypes, &q.AllowedFileTypes)
	_ = json.Unmarshal(r.AllowedMimeTypes, &q.AllowedMimeTypes)
	q.ReviewAnswerValue, q.GuidanceAnswerValue = anyOf(r.ReviewAnswerValue), anyOf(r.GuidanceAnswerValue)
	return q
}

func fromQuestion(q checklist.Question) questionRow {
	r := questionRow{
		UUID: q.UUID, Checklist: q.Checklist, Order: q.Order, Description: q.Description,
		UserGuidance: q.UserGuidance, QuestionType: string(q.QuestionType), Required: q.Required,
		AllowedFileTypes: domain.MustJSON(nonNilStrings(q.AllowedFileTypes)),
		AllowedMimeTypes: domain.MustJSON(nonNilStrings(q.AllowedMimeTypes)),
		Operator:         string(q.Operator), AlwaysRequiresReview: q.AlwaysRequiresReview,
		GuidanceOperator: string(q.GuidanceOperator), AlwaysShowGuidance: q.AlwaysShowGuidance,
		DependencyLogicOperator: string(q.DependencyLogicOperator),
		MapsToCustomerField:     q.MapsToCustomerField, IntentField: q.IntentField,
		ReviewAnswerValue: jsonOf(q.ReviewAnswerValue), GuidanceAnswerValue: jsonOf(q.GuidanceAnswerValue),
	}
	if r.DependencyLogicOperator == "" {
		r.DependencyLogicOperator = string(checklist.LogicAnd)
	}
	if q.MinValue != nil {
		r.MinValue = sql.NullString{String: q.MinValue.String(), Valid: true}
	}
	if q.MaxValue != nil {
		r.MaxValue = sql.NullString{String: q.MaxValue.String(), Valid: true}
	}
	if q.MaxFileSizeMB != nil {
		r.MaxFileSizeMB = sql.NullInt64{Int64: int64(*q.MaxFileSizeMB), Valid: true}
	}
	if q.MaxFilesCount != nil {
		r.MaxFilesCount = sql.NullInt64{Int64: int64(*q.MaxFilesCount), Valid: true}
	}
	return r
}

func decimalOf(s sql.NullString) *decimal.Decimal {
	if !s.Valid {
		return nil
	}
	d, err := decimal.NewFromString(s.String)
	if err != nil {
		return nil
	}
	return &d
}

func intOf(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

// anyOf decodes a JSON column into a plain Go value (nil for SQL NULL).
func anyOf(j domain.JSON) any {
	var v any
	if len(j) > 0 {
		_ = json.Unmarshal(j, &v)
	}
	return v
}

// jsonOf encodes a plain value; nil becomes SQL NULL.
func jsonOf(v any) domain.JSON {
	if v == nil {
		return nil
	}
	return domain.MustJSON(v)
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Checklist reads one checklist.
func (s *Store) Checklist(ctx context.Context, id uuid.UUID) (*checklist.Checklist, error) {
	var c checklist.Checklist
	err := s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT uuid, name, description, checklist_type FROM checklists WHERE uuid = ?`), id).
		Scan(&c.UUID, &c.Name, &c.Description, &c.ChecklistType)
	if err != nil {
		return nil, s.wrap(ctx, err)
	}
	return &c, nil
}

// ActiveChecklistFor returns the checklist configured and active for a
// country; ENotFound when there is none.
func (s *Store) ActiveChecklistFor(ctx context.Context, country string) (uuid.UUID, error) {
	var id uuid.UUID
	err := s.db.GetContext(ctx, &id, s.db.Rebind(`SELECT checklist_uuid FROM country_configs WHERE country = ? AND is_active`), country)
	return id, s.wrap(ctx, err)
}

// ChecklistContent is a checklist with everything its rules need.
type ChecklistContent struct {
	Checklist    checklist.Checklist
	Questions    []checklist.Question // by order, each with its options
	Dependencies []checklist.Dependency
}

// ChecklistContent reads a checklist's questions, options and dependencies.
func (s *Store) ChecklistContent(ctx context.Context, id uuid.UUID) (*ChecklistContent, error) {
	return checklistContent(ctx, s, s.db, id)
}

func checklistContent(ctx context.Context, s *Store, q sqlx.QueryerContext, id uuid.UUID) (*ChecklistContent, error) {
	var out ChecklistContent
	err := q.QueryRowxContext(ctx, s.db.Rebind(`SELECT uuid, name, description, checklist_type FROM checklists WHERE uuid = ?`), id).
		Scan(&out.Checklist.UUID, &out.Checklist.Name, &out.Checklist.Description, &out.Checklist.ChecklistType)
	if err != nil {
		return nil, s.wrap(ctx, err)
	}
	var rows []questionRow
	if err := sqlx.SelectContext(ctx, q, &rows, s.db.Rebind(`SELECT `+questionColumns+` FROM questions WHERE checklist_uuid = ? ORDER BY sort_order, created, uuid`), id); err != nil {
		return nil, s.wrap(ctx, err)
	}
	index := map[uuid.UUID]int{}
	out.Questions = make([]checklist.Question, len(rows))
	for i, r := range rows {
		out.Questions[i] = r.toQuestion()
		index[r.UUID] = i
	}
	var opts []struct {
		Question uuid.UUID `db:"question_uuid"`
		checklist.Option
	}
	if err := sqlx.SelectContext(ctx, q, &opts, s.db.Rebind(`SELECT o.question_uuid, o.uuid, o.label, o.sort_order AS "order"
		FROM question_options o JOIN questions q ON q.uuid = o.question_uuid
		WHERE q.checklist_uuid = ? ORDER BY o.sort_order, o.created, o.uuid`), id); err != nil {
		return nil, s.wrap(ctx, err)
	}
	for _, o := range opts {
		qi := index[o.Question]
		out.Questions[qi].Options = append(out.Questions[qi].Options, o.Option)
	}
	var deps []struct {
		UUID      uuid.UUID   `db:"uuid"`
		Question  uuid.UUID   `db:"question_uuid"`
		DependsOn uuid.UUID   `db:"depends_on_question_uuid"`
		Value     domain.JSON `db:"required_answer_value"`
		Operator  string      `db:"operator"`
	}
	if err := sqlx.SelectContext(ctx, q, &deps, s.db.Rebind(`SELECT d.uuid, d.question_uuid, d.depends_on_question_uuid, d.required_answer_value, d.operator
		FROM question_dependencies d JOIN questions q ON q.uuid = d.question_uuid
		WHERE q.checklist_uuid = ? ORDER BY d.created, d.uuid`), id); err != nil {
		return nil, s.wrap(ctx, err)
	}
	out.Dependencies = make([]checklist.Dependency, len(deps))
	for i, d := range deps {
		out.Dependencies[i] = checklist.Dependency{UUID: d.UUID, Question: d.Question, DependsOnQuestion: d.DependsOn,
			RequiredAnswerValue: anyOf(d.Value), Operator: checklist.Operator(d.Operator)}
	}
	return &out, nil
}
