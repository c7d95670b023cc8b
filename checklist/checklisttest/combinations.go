// Package checklisttest lists, for table tests, every combination of
// question type × operator × value shape an administrator can configure
// (review_answer_value, guidance_answer_value, a dependency's
// required_answer_value), with whether the service accepts it. It is the
// operator table of docs/checklists.md as data: the checklist package's test checks that
// each accepted combination can match an answer and that the rest are
// refused; the server's test checks the admin API accepts exactly these.
package checklisttest

import (
	"strings"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/checklist"
)

// The options of the select questions of Question.
var (
	OptionA = checklist.Option{UUID: uuid.MustParse("0e1a0000-0000-4000-8000-00000000000a"), Label: "Research", Order: 1}
	OptionB = checklist.Option{UUID: uuid.MustParse("0e1a0000-0000-4000-8000-00000000000b"), Label: "Commercial", Order: 2}
	OptionC = checklist.Option{UUID: uuid.MustParse("0e1a0000-0000-4000-8000-00000000000c"), Label: "Other", Order: 3}
	// NotAnOption is a uuid that names no option.
	NotAnOption = "0e1a0000-0000-4000-8000-0000000000ff"
)

// Sample is what a table test needs of one question type.
type Sample struct {
	Valid       [2]any   // two different valid answers, as an admin writes them in a value
	Alt         any      // another spelling of Valid[0] that means the same answer; nil when none
	Invalid     any      // a scalar that is no valid answer of the type (nor a substring of one)
	Sub         any      // a substring of Valid[0]'s text (text-like types only), else nil
	SubIsAnswer bool     // Sub is itself a valid answer (free text)
	Answers     []string // answers (raw JSON) to try a configuration against; the first is Valid[0]
}

// Samples has an entry for every question type.
var Samples = map[checklist.QuestionType]Sample{
	checklist.TypeBoolean: {Valid: [2]any{true, false}, Invalid: "yes", Answers: []string{`true`, `false`}},
	checklist.TypeSingleSelect: {Valid: [2]any{OptionA.UUID.String(), OptionB.UUID.String()}, Alt: strings.ToUpper(OptionA.UUID.String()), Invalid: NotAnOption,
		Answers: []string{`["` + OptionA.UUID.String() + `"]`, `["` + OptionB.UUID.String() + `"]`, `["` + OptionC.UUID.String() + `"]`}},
	checklist.TypeMultiSelect: {Valid: [2]any{OptionA.UUID.String(), OptionB.UUID.String()}, Alt: strings.ToUpper(OptionA.UUID.String()), Invalid: NotAnOption,
		Answers: []string{`["` + OptionA.UUID.String() + `"]`, `["` + OptionB.UUID.String() + `", "` + OptionC.UUID.String() + `"]`,
			`["` + OptionC.UUID.String() + `"]`, `["` + OptionA.UUID.String() + `", "` + OptionB.UUID.String() + `"]`}},
	checklist.TypeTextInput: {Valid: [2]any{"Hello world", "Other"}, Alt: " hello WORLD ", Invalid: 12345, Sub: "lo wo", SubIsAnswer: true,
		Answers: []string{`"Hello world"`, `"Other"`, `"nothing"`}},
	checklist.TypeTextArea: {Valid: [2]any{"Contains sensitive data", "Public"}, Alt: "contains SENSITIVE data", Invalid: false, Sub: "sensitive", SubIsAnswer: true,
		Answers: []string{`"Contains sensitive data"`, `"Public"`, `"nothing"`}},
	checklist.TypeNumber: {Valid: [2]any{42, 7.5}, Alt: "42.000", Invalid: "forty", Answers: []string{`42`, `"7.5"`, `0`}},
	checklist.TypeDate:   {Valid: [2]any{"2026-01-02", "2025-12-31"}, Invalid: "02.01.2026", Answers: []string{`"2026-01-02"`, `"2025-12-31"`, `"2020-01-01"`}},
	checklist.TypeDatetime: {Valid: [2]any{"2026-01-02T10:00:00Z", "2026-01-03T00:00:00Z"}, Alt: "2026-01-02T12:00:00+02:00", Invalid: "yesterday",
		Answers: []string{`"2026-01-02T11:00:00+01:00"`, `"2026-01-03T00:00:00Z"`, `"2020-01-01T00:00:00Z"`}},
	checklist.TypeEmail: {Valid: [2]any{"info@example.com", "x@y.org"}, Alt: "INFO@example.com", Invalid: 42, Sub: "@example",
		Answers: []string{`"info@example.com"`, `"x@y.org"`, `"z@z.net"`}},
	checklist.TypePhoneNumber: {Valid: [2]any{"+37251234567", "+37256789012"}, Alt: "+372 5123 4567", Invalid: true, Sub: "5123",
		Answers: []string{`"+37251234567"`, `"+37256789012"`, `"+37255555555"`}},
	checklist.TypeURL: {Valid: [2]any{"https://example.com/a", "http://x.org"}, Alt: "HTTPS://EXAMPLE.COM/a", Invalid: 7, Sub: "example",
		Answers: []string{`"https://example.com/a"`, `"http://x.org"`, `"https://z.net"`}},
	checklist.TypeYear:    {Valid: [2]any{2020, 1999}, Alt: "2020", Invalid: 99, Answers: []string{`2020`, `"1999"`, `2001`}},
	checklist.TypeCountry: {Valid: [2]any{"EE", "FI"}, Alt: "ee", Invalid: "Estonia", Answers: []string{`"EE"`, `"fi"`, `"LV"`}},
	checklist.TypeRating:  {Valid: [2]any{4, 2}, Alt: "4", Invalid: 7, Answers: []string{`4`, `"2"`, `1`}},
	// No operator applies to files; the values are there to be refused.
	checklist.TypeFile:          {Valid: [2]any{"a.pdf", "b.pdf"}, Invalid: 1},
	checklist.TypeMultipleFiles: {Valid: [2]any{"a.pdf", "b.pdf"}, Invalid: 1},
}

// Question is a bare question of type t; select questions have OptionA,
// OptionB and OptionC.
func Question(t checklist.QuestionType) checklist.Question {
	q := checklist.Question{UUID: uuid.NewSHA1(uuid.NameSpaceOID, []byte(t)), Description: string(t) + "?", QuestionType: t,
		Options: []checklist.Option{}, AllowedFileTypes: []string{}, AllowedMimeTypes: []string{}}
	if t == checklist.TypeSingleSelect || t == checklist.TypeMultiSelect {
		q.Options = []checklist.Option{OptionA, OptionB, OptionC}
	}
	return q
}

// Combination is one configuration: a comparison of a question of Type
// with Operator and Value, which the service accepts or refuses.
type Combination struct {
	Type     checklist.QuestionType
	Operator checklist.Operator
	Shape    string
	Value    any
	Accepted bool
	// RefusedField is the field a refusal names: "operator" when the
	// operator does not apply to the type, else "value".
	RefusedField string
}

// textLike are the free-text types that take contains as substrings.
var textLike = []checklist.QuestionType{checklist.TypeTextInput, checklist.TypeTextArea, checklist.TypeEmail, checklist.TypePhoneNumber, checklist.TypeURL}

// operators is docs/checklists.md's operator table.
func operators(t checklist.QuestionType) []checklist.Operator {
	all := checklist.Operators
	switch {
	case t == checklist.TypeBoolean:
		return []checklist.Operator{checklist.OpEquals, checklist.OpNotEquals}
	case t == checklist.TypeMultiSelect || contains(textLike, t):
		return all
	case t == checklist.TypeFile || t == checklist.TypeMultipleFiles:
		return nil
	}
	return []checklist.Operator{checklist.OpEquals, checklist.OpNotEquals, checklist.OpIn, checklist.OpNotIn}
}

func contains[T comparable](list []T, x T) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// Combinations lists every question type × operator × value shape.
func Combinations() []Combination {
	var out []Combination
	for _, t := range checklist.QuestionTypes {
		s := Samples[t]
		text := contains(textLike, t)
		sel := t == checklist.TypeSingleSelect || t == checklist.TypeMultiSelect
		for _, op := range checklist.Operators {
			applies := contains(operators(t), op)
			list := op == checklist.OpIn || op == checklist.OpNotIn
			equals := op == checklist.OpEquals || op == checklist.OpNotEquals
			cont := op == checklist.OpContains
			_, validIsString := s.Valid[0].(string)
			shapes := []struct {
				name     string
				value    any
				accepted bool
			}{
				{"one", s.Valid[0], equals || (cont && (sel || validIsString))},
				{"list", []any{s.Valid[0], s.Valid[1]}, list || cont || (equals && t == checklist.TypeMultiSelect)},
				{"list of one", []any{s.Valid[0]}, list || cont || (equals && sel)},
				{"empty list", []any{}, false},
				{"invalid", s.Invalid, false},
				{"list with an invalid element", []any{s.Valid[0], s.Invalid}, false},
				{"object", map[string]any{"value": s.Valid[0]}, false},
				{"nested list", []any{[]any{s.Valid[0]}}, false},
				{"blank string", "  ", false},
				{"null", nil, false},
			}
			if s.Alt != nil {
				shapes = append(shapes, struct {
					name     string
					value    any
					accepted bool
				}{"another spelling", s.Alt, equals || (cont && (sel || text))}, struct {
					name     string
					value    any
					accepted bool
				}{"list with another spelling", []any{s.Alt, s.Valid[1]}, list || cont || (equals && t == checklist.TypeMultiSelect)})
			}
			if s.Sub != nil {
				shapes = append(shapes, struct {
					name     string
					value    any
					accepted bool
				}{"substring", s.Sub, cont || (equals && s.SubIsAnswer)}, struct {
					name     string
					value    any
					accepted bool
				}{"substrings, one matching", []any{"0000000", s.Sub}, cont || (list && s.SubIsAnswer)})
			}
			for _, sh := range shapes {
				c := Combination{Type: t, Operator: op, Shape: sh.name, Value: sh.value, Accepted: applies && sh.accepted}
				if !c.Accepted {
					c.RefusedField = "value"
					if !applies {
						c.RefusedField = "operator"
					}
				}
				out = append(out, c)
			}
		}
	}
	return out
}
