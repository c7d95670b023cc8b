// Package checklist holds the onboarding checklist model and its rules:
// answer validation per question type, the comparison operators, visibility,
// review, guidance, completion, metadata and the admin-side configuration
// checks. It has no database and no HTTP: the store and the handlers call it.
package checklist

import (
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// ChecklistTypeCustomerOnboarding is the only checklist type this service uses.
const ChecklistTypeCustomerOnboarding = "customer_onboarding"

// QuestionType says what answer a question expects.
type QuestionType string

const (
	TypeBoolean       QuestionType = "boolean"
	TypeSingleSelect  QuestionType = "single_select"
	TypeMultiSelect   QuestionType = "multi_select"
	TypeTextInput     QuestionType = "text_input"
	TypeTextArea      QuestionType = "text_area"
	TypeNumber        QuestionType = "number"
	TypeDate          QuestionType = "date"
	TypeFile          QuestionType = "file"
	TypeMultipleFiles QuestionType = "multiple_files"
	TypeDatetime      QuestionType = "datetime"
	TypeEmail         QuestionType = "email"
	TypePhoneNumber   QuestionType = "phone_number"
	TypeURL           QuestionType = "url"
	TypeYear          QuestionType = "year"
	TypeCountry       QuestionType = "country"
	TypeRating        QuestionType = "rating"
)

// QuestionTypes lists every type, in the order the API documents them.
var QuestionTypes = []QuestionType{
	TypeBoolean, TypeSingleSelect, TypeMultiSelect, TypeTextInput, TypeTextArea,
	TypeNumber, TypeDate, TypeFile, TypeMultipleFiles, TypeDatetime, TypeEmail,
	TypePhoneNumber, TypeURL, TypeYear, TypeCountry, TypeRating,
}

// Operator compares an answer with a configured value (see Matches).
// The empty Operator means "none".
type Operator string

const (
	OpEquals    Operator = "equals"
	OpNotEquals Operator = "not_equals"
	OpContains  Operator = "contains"
	OpIn        Operator = "in"
	OpNotIn     Operator = "not_in"
)

// Operators lists every operator.
var Operators = []Operator{OpEquals, OpNotEquals, OpContains, OpIn, OpNotIn}

// LogicOperator combines a question's dependencies.
type LogicOperator string

const (
	LogicAnd LogicOperator = "and" // all dependencies satisfied (also the default for "")
	LogicOr  LogicOperator = "or"  // at least one satisfied
)

// Checklist is a questionnaire, attached to countries by configuration.
type Checklist struct {
	UUID          uuid.UUID `json:"uuid"`
	Name          string    `json:"name"`
	Description   string    `json:"description"`
	ChecklistType string    `json:"checklist_type"`
}

// Question is one question of a checklist. Pointer and empty fields mean
// "not set". Review and guidance values are any JSON value (as decoded by
// encoding/json).
type Question struct {
	UUID         uuid.UUID    `json:"uuid"`
	Checklist    uuid.UUID    `json:"checklist"`
	Order        int          `json:"order"`
	Description  string       `json:"description"`
	UserGuidance string       `json:"user_guidance"`
	QuestionType QuestionType `json:"question_type"`
	Required     bool         `json:"required"`

	MinValue *decimal.Decimal `json:"min_value"` // number questions only
	MaxValue *decimal.Decimal `json:"max_value"`

	AllowedFileTypes []string `json:"allowed_file_types"` // extensions with a dot: ".pdf"
	AllowedMimeTypes []string `json:"allowed_mime_types"` // "type/subtype" or "type/*"
	MaxFileSizeMB    *int     `json:"max_file_size_mb"`
	MaxFilesCount    *int     `json:"max_files_count"` // multiple_files only

	Operator             Operator `json:"operator"`
	ReviewAnswerValue    any      `json:"review_answer_value"`
	AlwaysRequiresReview bool     `json:"always_requires_review"`

	GuidanceOperator    Operator `json:"guidance_operator"`
	GuidanceAnswerValue any      `json:"guidance_answer_value"`
	AlwaysShowGuidance  bool     `json:"always_show_guidance"`

	DependencyLogicOperator LogicOperator `json:"dependency_logic_operator"`

	Options []Option `json:"question_options"`

	// Question metadata; empty means none.
	IntentField         string `json:"intent_field"`
	MapsToCustomerField string `json:"maps_to_customer_field"`
}

// Option is a choice of a select question.
type Option struct {
	UUID  uuid.UUID `json:"uuid"`
	Label string    `json:"label"`
	Order int       `json:"order"`
}

// Dependency makes Question visible only when the answer to
// DependsOnQuestion matches RequiredAnswerValue with Operator.
type Dependency struct {
	UUID                uuid.UUID `json:"uuid"`
	Question            uuid.UUID `json:"question"`
	DependsOnQuestion   uuid.UUID `json:"depends_on_question"`
	RequiredAnswerValue any       `json:"required_answer_value"`
	Operator            Operator  `json:"operator"`
}

// File is a validated uploaded file. The store saves Content and replaces the
// answer with {name, size, mime_type, stored_file_id}; Content is never
// marshalled.
type File struct {
	Name     string `json:"name"`
	MimeType string `json:"mime_type"`
	Size     int64  `json:"size"`
	Content  []byte `json:"-"`
}

// FieldErrors are DRF-shaped field errors: {"field": ["message", …]}.
// A nil or empty FieldErrors means valid.
type FieldErrors map[string][]string

func (fe *FieldErrors) add(field, msg string) {
	if *fe == nil {
		*fe = FieldErrors{}
	}
	(*fe)[field] = append((*fe)[field], msg)
}

func isSelect(t QuestionType) bool { return t == TypeSingleSelect || t == TypeMultiSelect }
func isFile(t QuestionType) bool   { return t == TypeFile || t == TypeMultipleFiles }

func (q Question) option(id string) (Option, bool) {
	u, err := uuid.Parse(id)
	if err != nil {
		return Option{}, false
	}
	for _, o := range q.Options {
		if o.UUID == u {
			return o, true
		}
	}
	return Option{}, false
}
