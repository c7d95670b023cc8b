package checklist

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Matches reports whether answer matches value under op. Answers and values
// may be normalized answers (ValidateAnswer) or decoded JSON; both are
// compared as JSON values.
//
//   - A nil answer matches nothing, not even not_equals / not_in.
//   - Scalars are equal when both are numbers (or numeric strings) with the
//     same value, or both RFC 3339 date-times of the same instant, or else
//     when their text is equal ignoring case and surrounding space
//     (true == "true", "EE" == "ee", uuids in any case).
//   - Select answers are lists of option uuids; values name options by uuid,
//     never by label.
//   - equals: a scalar answer equals a scalar value; a list answer equals a
//     scalar value when it is exactly that one element, and a list value when
//     it holds the same elements in any order.
//   - contains: a string answer contains the value as a substring, ignoring
//     case; a list answer contains the value as an element. A list value
//     means any of its elements (Waldur's "any of these substrings").
//     Numbers and booleans contain nothing.
//   - in: the answer equals an element of the value list (a scalar value is a
//     one-element list); a list answer is in when ANY chosen element is.
//   - not_equals / not_in: the negation, for non-nil answers only.
func Matches(op Operator, answer, value any) bool {
	a, v := canonical(answer), canonical(value)
	if a == nil {
		return false
	}
	switch op {
	case OpEquals:
		return equals(a, v)
	case OpNotEquals:
		return !equals(a, v)
	case OpContains:
		return contains(a, v)
	case OpIn:
		return in(a, v)
	case OpNotIn:
		return !in(a, v)
	}
	return false
}

// canonical turns any value into decoded JSON with json.Number numbers.
func canonical(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	if d.Decode(&out) != nil {
		return nil
	}
	return out
}

func equals(a, v any) bool {
	al, aList := a.([]any)
	vl, vList := v.([]any)
	switch {
	case aList && vList:
		return len(al) == len(vl) && allIn(al, vl) && allIn(vl, al)
	case aList:
		return len(al) == 1 && scalarEq(al[0], v)
	case vList:
		return false
	}
	return scalarEq(a, v)
}

func contains(a, v any) bool {
	vl, ok := v.([]any)
	if !ok {
		vl = []any{v}
	}
	return slices.ContainsFunc(vl, func(x any) bool {
		switch a := a.(type) {
		case []any:
			return elemOf(x, a)
		case string:
			s, ok := text(x)
			return ok && strings.Contains(strings.ToLower(a), strings.ToLower(strings.TrimSpace(s)))
		}
		return false
	})
}

func in(a, v any) bool {
	vl, ok := v.([]any)
	if !ok {
		vl = []any{v}
	}
	if al, ok := a.([]any); ok {
		return slices.ContainsFunc(al, func(x any) bool { return elemOf(x, vl) })
	}
	return elemOf(a, vl)
}

func elemOf(x any, list []any) bool {
	return slices.ContainsFunc(list, func(y any) bool { return scalarEq(x, y) })
}

func allIn(xs, list []any) bool {
	for _, x := range xs {
		if !elemOf(x, list) {
			return false
		}
	}
	return true
}

func scalarEq(a, b any) bool {
	if da, ok := num(a); ok {
		if db, ok := num(b); ok {
			return da.Equal(db)
		}
	}
	sa, oka := text(a)
	sb, okb := text(b)
	if ta, err := time.Parse(time.RFC3339, sa); err == nil {
		if tb, err := time.Parse(time.RFC3339, sb); err == nil {
			return ta.Equal(tb)
		}
	}
	return oka && okb && strings.EqualFold(strings.TrimSpace(sa), strings.TrimSpace(sb))
}

func num(v any) (decimal.Decimal, bool) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = string(v)
	case string:
		s = strings.TrimSpace(v)
	default:
		return decimal.Decimal{}, false
	}
	d, err := decimal.NewFromString(s)
	return d, err == nil
}

// text is the comparable text of a scalar; lists, objects and null have none.
func text(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return string(v), true
	case bool:
		if v {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// Visible reports, for every question, whether it is shown. A question
// without dependencies is visible. Otherwise each dependency is satisfied
// when the depended-on question is itself visible and its answer matches;
// the results are combined with the question's and|or ("" means and). A
// dependency on an unknown question, or one inside a cycle, is unsatisfied.
func Visible(questions []Question, deps []Dependency, answers map[uuid.UUID]any) map[uuid.UUID]bool {
	byID := make(map[uuid.UUID]Question, len(questions))
	for _, q := range questions {
		byID[q.UUID] = q
	}
	depsOf := map[uuid.UUID][]Dependency{}
	for _, d := range deps {
		depsOf[d.Question] = append(depsOf[d.Question], d)
	}
	memo := make(map[uuid.UUID]bool, len(questions))
	busy := map[uuid.UUID]bool{}
	var visible func(id uuid.UUID) bool
	visible = func(id uuid.UUID) bool {
		if v, ok := memo[id]; ok {
			return v
		}
		q, ok := byID[id]
		if !ok || busy[id] { // unknown, or a cycle: hidden
			return false
		}
		ds := depsOf[id]
		if len(ds) == 0 {
			memo[id] = true
			return true
		}
		busy[id] = true
		or := q.DependencyLogicOperator == LogicOr
		result := !or
		for _, d := range ds {
			ok := visible(d.DependsOnQuestion) && Matches(d.Operator, answers[d.DependsOnQuestion], d.RequiredAnswerValue)
			if ok == or { // first true under OR, first false under AND decides
				result = or
				break
			}
		}
		delete(busy, id)
		memo[id] = result
		return result
	}
	out := make(map[uuid.UUID]bool, len(questions))
	for _, q := range questions {
		out[q.UUID] = visible(q.UUID)
	}
	return out
}

// RequiresReview reports whether an answer must be reviewed by staff: always
// when the question says so, else when the answer matches the question's
// review operator and value. Call it on every create and update.
func RequiresReview(q Question, answer any) bool {
	return q.AlwaysRequiresReview || (q.Operator != "" && Matches(q.Operator, answer, q.ReviewAnswerValue))
}

// ShowGuidance reports whether the question's user_guidance is shown: never
// when there is no guidance text (whitespace is none); always when
// always_show_guidance; else when the answer matches the guidance operator
// and value.
func ShowGuidance(q Question, answer any) bool {
	if strings.TrimSpace(q.UserGuidance) == "" {
		return false
	}
	return q.AlwaysShowGuidance || (q.GuidanceOperator != "" && Matches(q.GuidanceOperator, answer, q.GuidanceAnswerValue))
}

// Completion summarises a checklist for the given answers (a nil answer
// counts as unanswered). Only visible questions count: it is completed when
// every visible required question is answered, and percentage is answered
// visible / visible × 100 rounded to two decimals (100 with none visible).
// Answers to hidden questions are ignored, not deleted. unanswered lists the
// visible required unanswered questions by order, never nil.
func Completion(questions []Question, deps []Dependency, answers map[uuid.UUID]any) (isCompleted bool, percentage float64, unanswered []Question) {
	vis := Visible(questions, deps, answers)
	unanswered = []Question{}
	var shown, answered int
	for _, q := range questions {
		if !vis[q.UUID] {
			continue
		}
		shown++
		if answers[q.UUID] != nil {
			answered++
		} else if q.Required {
			unanswered = append(unanswered, q)
		}
	}
	slices.SortStableFunc(unanswered, func(a, b Question) int { return a.Order - b.Order })
	percentage = 100
	if shown > 0 {
		percentage = math.Round(float64(answered)/float64(shown)*10000) / 100
	}
	return len(unanswered) == 0, percentage, unanswered
}

// Metadata collects answers keyed by intent_field (onboarding_metadata) and
// by maps_to_customer_field (user_submitted_customer_data). Select answers
// are given as option labels (a string for single_select, a list for
// multi_select); other answers as stored. Unanswered questions are left out;
// pass only the visible questions to leave hidden answers out too. Both maps
// are non-nil.
func Metadata(questions []Question, answers map[uuid.UUID]any) (onboardingMetadata, userSubmittedCustomerData map[string]any) {
	onboardingMetadata, userSubmittedCustomerData = map[string]any{}, map[string]any{}
	for _, q := range questions {
		a := answers[q.UUID]
		if a == nil || (q.IntentField == "" && q.MapsToCustomerField == "") {
			continue
		}
		v := display(q, a)
		if q.IntentField != "" {
			onboardingMetadata[q.IntentField] = v
		}
		if q.MapsToCustomerField != "" {
			userSubmittedCustomerData[q.MapsToCustomerField] = v
		}
	}
	return onboardingMetadata, userSubmittedCustomerData
}

func display(q Question, a any) any {
	c := canonical(a)
	if !isSelect(q.QuestionType) {
		return c
	}
	var ids []any
	switch c := c.(type) {
	case []any:
		ids = c
	case string:
		ids = []any{c}
	}
	labels := []string{}
	for _, id := range ids {
		if s, ok := id.(string); ok {
			if o, ok := q.option(s); ok {
				labels = append(labels, o.Label)
			}
		}
	}
	if q.QuestionType == TypeSingleSelect {
		if len(labels) == 0 {
			return nil
		}
		return labels[0]
	}
	return labels
}
