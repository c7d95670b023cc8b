package checklist_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/checklist/checklisttest"
)

// decode reads stored answer JSON as the server does (numbers exact).
func decode(t *testing.T, raw []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// answersFor are the answers a combination is tried against: the type's
// samples and every element of the value that is itself a valid answer.
func answersFor(t *testing.T, q checklist.Question, value any) map[string]any {
	t.Helper()
	raws := append([]string{}, checklisttest.Samples[q.QuestionType].Answers...)
	elems, ok := value.([]any)
	if !ok {
		elems = []any{value}
	}
	for _, x := range elems {
		if x == nil {
			continue
		}
		if q.QuestionType == checklist.TypeSingleSelect || q.QuestionType == checklist.TypeMultiSelect {
			x = []any{x}
		}
		raw, _ := json.Marshal(x)
		raws = append(raws, string(raw))
	}
	out := map[string]any{}
	for _, raw := range raws {
		v, err := checklist.ValidateAnswer(q, json.RawMessage(raw))
		if err != nil {
			continue
		}
		stored, _ := json.Marshal(v)
		out[raw] = decode(t, stored)
	}
	return out
}

// TestEveryCombination: every question type × operator × value shape, as
// a review trigger, a guidance trigger and a dependency. A combination the
// table accepts is accepted by the configuration checks and works: some
// answer makes review, guidance and the dependency fire and some does not.
// Every other combination is refused, naming the operator or the value.
func TestEveryCombination(t *testing.T) {
	t.Parallel()
	combos := checklisttest.Combinations()
	accepted := 0
	for _, c := range combos {
		name := fmt.Sprintf("%s/%s/%s", c.Type, c.Operator, c.Shape)
		q := checklisttest.Question(c.Type)

		review := q
		review.Operator, review.ReviewAnswerValue = c.Operator, c.Value
		reviewErrs := checklist.ValidateQuestion(&review)

		guidance := q
		guidance.UserGuidance, guidance.AlwaysShowGuidance = "Read this.", false
		guidance.GuidanceOperator, guidance.GuidanceAnswerValue = c.Operator, c.Value
		guidanceErrs := checklist.ValidateQuestion(&guidance)

		other := checklist.Question{UUID: uuid.New(), Description: "Shown when", QuestionType: checklist.TypeBoolean}
		dep := checklist.Dependency{UUID: uuid.New(), Question: other.UUID, DependsOnQuestion: q.UUID, Operator: c.Operator, RequiredAnswerValue: c.Value}
		depErrs := checklist.ValidateDependency(&dep, q)

		for _, r := range []struct {
			what         string
			errs         checklist.FieldErrors
			opField, val string
		}{
			{"review", reviewErrs, "operator", "review_answer_value"},
			{"guidance", guidanceErrs, "guidance_operator", "guidance_answer_value"},
			{"dependency", depErrs, "operator", "required_answer_value"},
		} {
			switch {
			case c.Accepted && len(r.errs) > 0:
				t.Errorf("%s as %s: refused, the table accepts it: %v", name, r.what, r.errs)
			case !c.Accepted && len(r.errs) == 0:
				t.Errorf("%s as %s: accepted, the table refuses it", name, r.what)
			case !c.Accepted:
				field := r.val
				if c.RefusedField == "operator" {
					field = r.opField
				}
				if len(r.errs[field]) == 0 {
					t.Errorf("%s as %s: refusal does not name %s: %v", name, r.what, field, r.errs)
				}
			}
		}
		if !c.Accepted || len(reviewErrs)+len(guidanceErrs)+len(depErrs) > 0 {
			continue
		}
		accepted++
		var fires, quiet []string
		for raw, answer := range answersFor(t, q, c.Value) {
			r := checklist.RequiresReview(review, answer)
			g := checklist.ShowGuidance(guidance, answer)
			d := checklist.Visible([]checklist.Question{q, other}, []checklist.Dependency{dep}, map[uuid.UUID]any{q.UUID: answer})[other.UUID]
			if r != g || r != d {
				t.Errorf("%s, answer %s: review %v, guidance %v, dependency %v disagree", name, raw, r, g, d)
			}
			if r {
				fires = append(fires, raw)
			} else {
				quiet = append(quiet, raw)
			}
		}
		if len(fires) == 0 {
			t.Errorf("%s (value %#v → %#v): accepted but no answer matches it", name, c.Value, review.ReviewAnswerValue)
		}
		if len(quiet) == 0 {
			t.Errorf("%s (value %#v): every answer matches it", name, c.Value)
		}
	}
	if accepted < 100 || accepted == len(combos) {
		t.Errorf("%d of %d combinations accepted: the table is not exercising both sides", accepted, len(combos))
	}
}

// TestContainsAnyOf is the example: contains with a list value
// (Waldur's usual form) matches a text answer that contains any element.
func TestContainsAnyOf(t *testing.T) {
	t.Parallel()
	q := checklisttest.Question(checklist.TypeTextArea)
	q.Operator, q.ReviewAnswerValue = checklist.OpContains, []any{"sensitive"}
	if errs := checklist.ValidateQuestion(&q); len(errs) > 0 {
		t.Fatal(errs)
	}
	for answer, want := range map[string]bool{
		"contains sensitive data": true, "SENSITIVE": true, "public data": false,
	} {
		if got := checklist.RequiresReview(q, answer); got != want {
			t.Errorf("RequiresReview(%q) = %v, want %v", answer, got, want)
		}
	}
	q.ReviewAnswerValue = []any{"secret", "personal"}
	if !checklist.RequiresReview(q, "Personal data") || checklist.RequiresReview(q, "public") {
		t.Errorf("any of several substrings does not work")
	}
}
