package checklist

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestValidateQuestion(t *testing.T) {
	t.Parallel()
	base := func(typ QuestionType, edit func(*Question)) Question {
		qq := Question{Description: "Question?", QuestionType: typ}
		if isSelect(typ) {
			qq.Options = []Option{optA, optB}
		}
		if edit != nil {
			edit(&qq)
		}
		return qq
	}
	a, x := optA.UUID.String(), optX.String()
	tests := []struct {
		name  string
		q     Question
		field string // "" means valid
		msg   string
	}{
		{"plain text", base(TypeTextInput, nil), "", ""},
		{"blank description", base(TypeTextInput, func(q *Question) { q.Description = " " }), "description", "blank"},
		{"unknown type", base("essay", nil), "question_type", "not a valid choice"},
		{"bad logic operator", base(TypeTextInput, func(q *Question) { q.DependencyLogicOperator = "xor" }), "dependency_logic_operator", "not a valid choice"},
		{"or logic", base(TypeTextInput, func(q *Question) { q.DependencyLogicOperator = LogicOr }), "", ""},

		{"review ok", base(TypeBoolean, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpEquals, true }), "", ""},
		{"review unknown operator", base(TypeBoolean, func(q *Question) { q.Operator, q.ReviewAnswerValue = "gt", true }), "operator", "not a valid choice"},
		{"review contains on boolean", base(TypeBoolean, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpContains, true }), "operator", "does not apply to boolean"},
		{"review contains on number", base(TypeNumber, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpContains, "1" }), "operator", "does not apply to number"},
		{"review operator on file", base(TypeFile, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpEquals, "a" }), "operator", "does not apply to file"},
		{"review operator without value", base(TypeBoolean, func(q *Question) { q.Operator = OpEquals }), "review_answer_value", "required"},
		{"review value without operator", base(TypeBoolean, func(q *Question) { q.ReviewAnswerValue = true }), "operator", "required"},
		{"review in needs list", base(TypeTextInput, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpIn, "a" }), "review_answer_value", "non-empty list"},
		{"review equals no list", base(TypeTextInput, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpEquals, []any{"a"} }), "review_answer_value", "single value"},
		{"review contains empty", base(TypeTextInput, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpContains, " " }), "review_answer_value", "non-blank string"},
		{"review select option", base(TypeSingleSelect, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpEquals, a }), "", ""},
		{"review select non-option", base(TypeSingleSelect, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpEquals, x }), "review_answer_value", "not an option of this question"},
		{"review select label", base(TypeSingleSelect, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpEquals, "Research" }), "review_answer_value", "not an option"},
		{"review multi in non-option", base(TypeMultiSelect, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpIn, []any{a, x} }), "review_answer_value", "not an option"},
		{"review multi equals set", base(TypeMultiSelect, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpEquals, []any{a} }), "", ""},
		{"review object value", base(TypeTextInput, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpIn, []any{map[string]any{}} }), "review_answer_value", "not a string, number or boolean"},

		{"guidance always", base(TypeTextInput, func(q *Question) { q.UserGuidance, q.AlwaysShowGuidance = "Help", true }), "", ""},
		{"guidance conditional", base(TypeTextInput, func(q *Question) {
			q.UserGuidance, q.GuidanceOperator, q.GuidanceAnswerValue = "Help", OpContains, "ltd"
		}), "", ""},
		{"guidance off without operator", base(TypeTextInput, func(q *Question) { q.UserGuidance = "Help" }), "guidance_operator", "always_show_guidance is false"},
		{"guidance operator without value", base(TypeTextInput, func(q *Question) { q.UserGuidance, q.GuidanceOperator = "Help", OpEquals }), "guidance_answer_value", "required"},
		{"guidance value without operator", base(TypeTextInput, func(q *Question) { q.GuidanceAnswerValue = "x" }), "guidance_operator", "required"},
		{"guidance select non-option", base(TypeMultiSelect, func(q *Question) {
			q.UserGuidance, q.GuidanceOperator, q.GuidanceAnswerValue = "Help", OpContains, x
		}), "guidance_answer_value", "not an option"},

		{"bounds", base(TypeNumber, func(q *Question) { q.MinValue, q.MaxValue = dec("1"), dec("1") }), "", ""},
		{"min > max", base(TypeNumber, func(q *Question) { q.MinValue, q.MaxValue = dec("10"), dec("9.99") }), "min_value", "≤ max_value"},
		{"min on text", base(TypeTextInput, func(q *Question) { q.MinValue = dec("1") }), "min_value", "only number"},
		{"scale on rating", base(TypeRating, func(q *Question) { q.MinValue, q.MaxValue = dec("0"), dec("10") }), "", ""},
		{"bounds on year", base(TypeYear, func(q *Question) { q.MinValue = dec("1900") }), "", ""},
		{"min > max on year", base(TypeYear, func(q *Question) { q.MinValue, q.MaxValue = dec("2000"), dec("1999") }), "min_value", "≤ max_value"},
		{"empty rating scale", base(TypeRating, func(q *Question) { q.MaxValue = dec("0") }), "min_value", "scale from 1 to 0 is empty"},
		{"rating value outside the scale", base(TypeRating, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpEquals, 9 }), "review_answer_value", "from 1 to 5"},
		{"rating value inside a wider scale", base(TypeRating, func(q *Question) { q.MaxValue, q.Operator, q.ReviewAnswerValue = dec("10"), OpEquals, 9 }), "", ""},
		{"bounds on date", base(TypeDate, func(q *Question) { q.MaxValue = dec("3") }), "max_value", "only number, year and rating"},
		{"email equals a non-address", base(TypeEmail, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpEquals, "not-an-email" }), "review_answer_value", "email address"},
		{"phone equals a non-number", base(TypePhoneNumber, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpIn, []any{"12345"} }), "review_answer_value", "E.164"},
		{"phone contains letters", base(TypePhoneNumber, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpContains, "abc" }), "review_answer_value", "never be part of a phone number"},
		{"url contains a space", base(TypeURL, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpContains, "a b" }), "review_answer_value", "no spaces"},
		{"url equals without scheme", base(TypeURL, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpEquals, "example.com" }), "review_answer_value", "http or https"},
		{"boolean equals a string", base(TypeBoolean, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpEquals, "true" }), "review_answer_value", "true or false"},
		{"country equals a name", base(TypeCountry, func(q *Question) { q.Operator, q.ReviewAnswerValue = OpEquals, "Estonia" }), "review_answer_value", "alpha-2"},
		{"whitespace guidance is none", base(TypeTextInput, func(q *Question) { q.UserGuidance = " \n\t " }), "", ""},

		{"file limits", base(TypeFile, func(q *Question) {
			q.AllowedFileTypes, q.AllowedMimeTypes, q.MaxFileSizeMB = []string{".pdf", ".tar.gz"}, []string{"application/pdf", "image/*", "application/vnd.ms-excel"}, ptr(5)
		}), "", ""},
		{"files count", base(TypeMultipleFiles, func(q *Question) { q.MaxFilesCount = ptr(3) }), "", ""},
		{"extensions on text", base(TypeTextInput, func(q *Question) { q.AllowedFileTypes = []string{".pdf"} }), "allowed_file_types", "only file questions"},
		{"mime on number", base(TypeNumber, func(q *Question) { q.AllowedMimeTypes = []string{"application/pdf"} }), "allowed_mime_types", "only file questions"},
		{"size on date", base(TypeDate, func(q *Question) { q.MaxFileSizeMB = ptr(1) }), "max_file_size_mb", "only file questions"},
		{"count on single file", base(TypeFile, func(q *Question) { q.MaxFilesCount = ptr(2) }), "max_files_count", "only multiple_files"},
		{"size zero", base(TypeFile, func(q *Question) { q.MaxFileSizeMB = ptr(0) }), "max_file_size_mb", "≥ 1"},
		{"count zero", base(TypeMultipleFiles, func(q *Question) { q.MaxFilesCount = ptr(0) }), "max_files_count", "≥ 1"},
		{"mime without subtype", base(TypeFile, func(q *Question) { q.AllowedMimeTypes = []string{"pdf"} }), "allowed_mime_types", `"pdf" is not a MIME type`},
		{"mime */*", base(TypeFile, func(q *Question) { q.AllowedMimeTypes = []string{"*/*"} }), "allowed_mime_types", "not a MIME type"},
		{"mime with spaces", base(TypeFile, func(q *Question) { q.AllowedMimeTypes = []string{"image / png"} }), "allowed_mime_types", "not a MIME type"},
		{"extension without dot", base(TypeFile, func(q *Question) { q.AllowedFileTypes = []string{"pdf"} }), "allowed_file_types", "leading dot"},
		{"extension only dot", base(TypeFile, func(q *Question) { q.AllowedFileTypes = []string{"."} }), "allowed_file_types", "leading dot"},

		{"options on text", base(TypeTextInput, func(q *Question) { q.Options = []Option{optA} }), "question_options", "only select"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fe := ValidateQuestion(&tc.q)
			if tc.field == "" {
				if len(fe) != 0 {
					t.Fatalf("want valid, got %v", fe)
				}
				return
			}
			if !slices.ContainsFunc(fe[tc.field], func(m string) bool { return strings.Contains(m, tc.msg) }) {
				t.Fatalf("want %s: …%s…, got %v", tc.field, tc.msg, fe)
			}
		})
	}
}

func TestValidateQuestionEveryTypeBare(t *testing.T) {
	t.Parallel()
	for _, typ := range QuestionTypes {
		if fe := ValidateQuestion(&Question{Description: "Q?", QuestionType: typ}); len(fe) != 0 {
			t.Errorf("%s: want valid, got %v", typ, fe)
		}
		if len(operatorsFor(typ)) == 0 && !isFile(typ) {
			t.Errorf("%s: no operator applies", typ)
		}
	}
}

func TestValidateDependency(t *testing.T) {
	t.Parallel()
	boolQ := Question{UUID: id(1), QuestionType: TypeBoolean}
	selQ := Question{UUID: id(2), QuestionType: TypeSingleSelect, Options: []Option{optA, optB}}
	fileQ := Question{UUID: id(3), QuestionType: TypeFile}
	tests := []struct {
		name  string
		d     Dependency
		on    Question
		field string
		msg   string
	}{
		{"bool equals", dep(9, 1, OpEquals, true), boolQ, "", ""},
		{"select in options", dep(9, 2, OpIn, []any{optA.UUID.String(), optB.UUID.String()}), selQ, "", ""},
		{"contains on boolean", dep(9, 1, OpContains, true), boolQ, "operator", "does not apply to boolean"},
		{"contains on single select", dep(9, 2, OpContains, optA.UUID.String()), selQ, "operator", "does not apply to single_select"},
		{"on a file", dep(9, 3, OpEquals, "a"), fileQ, "operator", "does not apply to file"},
		{"no operator", dep(9, 1, "", true), boolQ, "operator", "required"},
		{"no value", dep(9, 1, OpEquals, nil), boolQ, "required_answer_value", "required"},
		{"select non-option", dep(9, 2, OpEquals, optX.String()), selQ, "required_answer_value", "not an option"},
		{"self", dep(1, 1, OpEquals, true), boolQ, "depends_on_question", "itself"},
		{"wrong question given", dep(9, 2, OpEquals, true), boolQ, "depends_on_question", "does not match"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fe := ValidateDependency(&tc.d, tc.on)
			if tc.field == "" {
				if len(fe) != 0 {
					t.Fatalf("want valid, got %v", fe)
				}
				return
			}
			if !slices.ContainsFunc(fe[tc.field], func(m string) bool { return strings.Contains(m, tc.msg) }) {
				t.Fatalf("want %s: …%s…, got %v", tc.field, tc.msg, fe)
			}
		})
	}
}

func TestFindCycle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		deps []Dependency
		want []uuid.UUID
	}{
		{"none", nil, nil},
		{"chain", []Dependency{dep(1, 2, OpEquals, 1), dep(2, 3, OpEquals, 1)}, nil},
		// 1 → 2 → 4 and 1 → 3 → 4: two paths, no cycle.
		{"diamond", []Dependency{dep(1, 2, OpEquals, 1), dep(1, 3, OpEquals, 1), dep(2, 4, OpEquals, 1), dep(3, 4, OpEquals, 1)}, nil},
		{"3-cycle", []Dependency{dep(1, 2, OpEquals, 1), dep(2, 3, OpEquals, 1), dep(3, 1, OpEquals, 1)}, []uuid.UUID{id(1), id(2), id(3)}},
		// The path 5 → 1 leads into the cycle but is not part of it.
		{"cycle behind a tail", []Dependency{dep(5, 1, OpEquals, 1), dep(1, 2, OpEquals, 1), dep(2, 3, OpEquals, 1), dep(3, 1, OpEquals, 1)}, []uuid.UUID{id(1), id(2), id(3)}},
		{"self", []Dependency{dep(7, 7, OpEquals, 1)}, []uuid.UUID{id(7)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := FindCycle(tc.deps); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestIsCustomerField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"name", true}, {"vat_code", true}, {"notification_emails", true}, {"latitude", true},
		{"backend_id", false}, {"blocked", false}, {"Name", false}, {"", false}, {"uuid", false},
	} {
		if got := IsCustomerField(tc.name); got != tc.want {
			t.Errorf("IsCustomerField(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
