package checklist

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/uuid"
)

func TestMatches(t *testing.T) {
	t.Parallel()
	a, b, c := optA.UUID.String(), optB.UUID.String(), optX.String()
	tests := []struct {
		name   string
		op     Operator
		answer any
		value  any
		want   bool
	}{
		{"nil answer equals", OpEquals, nil, "x", false},
		{"nil answer not_equals", OpNotEquals, nil, "x", false},
		{"nil answer not_in", OpNotIn, nil, []any{"x"}, false},
		{"nil answer contains", OpContains, nil, "x", false},
		{"unknown operator", Operator("gt"), "x", "x", false},

		{"bool equals", OpEquals, true, true, true},
		{"bool equals false", OpEquals, false, true, false},
		{"bool equals string", OpEquals, true, "true", true},
		{"bool not_equals", OpNotEquals, false, true, true},
		{"bool is not 1", OpEquals, true, 1, false},

		{"number equals numerically", OpEquals, "12.50", 12.5, true},
		{"number equals json.Number", OpEquals, json.Number("3"), "3.0", true},
		{"number not_equals", OpNotEquals, "12", 13, true},
		{"number in", OpIn, 5, []any{1, 5}, true},
		{"number not_in", OpNotIn, 5, []any{1, 2}, true},
		{"number contains nothing", OpContains, 12, 1, false},

		{"string equals ignores case", OpEquals, "Yes", "yes", true},
		{"string equals trims", OpEquals, "yes ", " yes", true},
		{"string equals other", OpEquals, "yes", "no", false},
		{"string not_equals", OpNotEquals, "yes", "no", true},
		{"string contains", OpContains, "Mining of Bitcoin", "bitcoin", true},
		{"string contains not", OpContains, "Research", "bitcoin", false},
		{"string in", OpIn, "EE", []any{"fi", "ee"}, true},
		{"string in scalar value", OpIn, "EE", "EE", true},
		{"string not_in", OpNotIn, "LV", []any{"FI", "EE"}, true},
		{"string not_in member", OpNotIn, "EE", []any{"FI", "EE"}, false},
		{"string equals list", OpEquals, "a", []any{"a"}, false},

		{"single select equals uuid", OpEquals, []string{a}, a, true},
		{"single select equals other", OpEquals, []string{a}, b, false},
		{"single select equals label: no", OpEquals, []string{a}, "Research", false},
		{"single select uuid case", OpEquals, []any{a}, "00000000-0000-0000-0000-00000000000A", true},
		{"single select not_equals", OpNotEquals, []string{a}, b, true},
		{"single select in", OpIn, []string{a}, []any{b, a}, true},
		{"single select not_in", OpNotIn, []string{a}, []any{b}, true},

		{"multi contains option", OpContains, []string{a, b}, b, true},
		{"multi contains missing", OpContains, []string{a}, b, false},
		{"multi contains all of list", OpContains, []string{a, b}, []any{b, a}, true},
		{"multi contains any of list", OpContains, []string{a}, []any{c, a}, true},
		{"multi contains none of list", OpContains, []string{b}, []any{c, a}, false},
		{"string contains any of list", OpContains, "Mining of Bitcoin", []any{"gold", "bitcoin"}, true},
		{"string contains none of list", OpContains, "Research", []any{"gold", "bitcoin"}, false},
		{"datetime equals the same instant", OpEquals, "2026-01-02T12:00:00+02:00", "2026-01-02T10:00:00Z", true},
		{"datetime in", OpIn, "2026-01-02T10:00:00Z", []any{"2026-01-02T11:00:00+01:00"}, true},
		{"multi equals set any order", OpEquals, []string{a, b}, []any{b, a}, true},
		{"multi equals subset", OpEquals, []string{a, b}, []any{a}, false},
		{"multi equals scalar needs exactly one", OpEquals, []string{a, b}, a, false},
		{"multi in: any chosen", OpIn, []string{a, c}, []any{c}, true},
		{"multi in: none chosen", OpIn, []string{a}, []any{b, c}, false},
		{"multi not_in: none chosen", OpNotIn, []string{a}, []any{b, c}, true},
		{"multi not_in: one chosen", OpNotIn, []string{a, b}, []any{b}, false},

		{"file matches nothing", OpEquals, File{Name: "a.pdf"}, "a.pdf", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Matches(tc.op, tc.answer, tc.value); got != tc.want {
				t.Errorf("Matches(%s, %#v, %#v) = %v, want %v", tc.op, tc.answer, tc.value, got, tc.want)
			}
		})
	}
}

func id(n byte) uuid.UUID { return uuid.UUID{15: n} }

func q(n byte, typ QuestionType, required bool) Question {
	return Question{UUID: id(n), Order: int(n), QuestionType: typ, Required: required, Description: "q"}
}

func dep(question, on byte, op Operator, v any) Dependency {
	return Dependency{Question: id(question), DependsOnQuestion: id(on), Operator: op, RequiredAnswerValue: v}
}

func TestVisible(t *testing.T) {
	t.Parallel()
	or := q(4, TypeTextInput, false)
	or.DependencyLogicOperator = LogicOr
	qs := []Question{
		q(1, TypeBoolean, true),    // root
		q(2, TypeTextInput, false), // root
		q(3, TypeTextInput, false), // 1 = true AND 2 contains "x"
		or,                         // 1 = true OR 2 contains "x"
		q(5, TypeTextInput, false), // 3 = "go": transitively hidden when 3 is
		q(6, TypeTextInput, false), // depends on an unknown question
		q(7, TypeTextInput, false), // 7 ↔ 8 cycle
		q(8, TypeTextInput, false),
	}
	deps := []Dependency{
		dep(3, 1, OpEquals, true), dep(3, 2, OpContains, "x"),
		dep(4, 1, OpEquals, true), dep(4, 2, OpContains, "x"),
		dep(5, 3, OpEquals, "go"),
		dep(6, 99, OpEquals, "x"),
		dep(7, 8, OpEquals, "x"), dep(8, 7, OpEquals, "x"),
	}
	tests := []struct {
		name    string
		answers map[uuid.UUID]any
		visible []byte
	}{
		{"no answers", nil, []byte{1, 2}},
		{"only first", map[uuid.UUID]any{id(1): true}, []byte{1, 2, 4}},
		{"only second", map[uuid.UUID]any{id(2): "xyz"}, []byte{1, 2, 4}},
		{"both", map[uuid.UUID]any{id(1): true, id(2): "xyz"}, []byte{1, 2, 3, 4}},
		{"both and chained", map[uuid.UUID]any{id(1): true, id(2): "xyz", id(3): "go"}, []byte{1, 2, 3, 4, 5}},
		// 3's answer stays but 3 is hidden, so 5 is hidden too.
		{"chain broken upstream", map[uuid.UUID]any{id(1): false, id(2): "xyz", id(3): "go"}, []byte{1, 2, 4}},
		{"cycle stays hidden", map[uuid.UUID]any{id(7): "x", id(8): "x"}, []byte{1, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Visible(qs, deps, tc.answers)
			if len(got) != len(qs) {
				t.Fatalf("got %d entries, want %d", len(got), len(qs))
			}
			want := map[uuid.UUID]bool{}
			for _, n := range tc.visible {
				want[id(n)] = true
			}
			for _, qq := range qs {
				if got[qq.UUID] != want[qq.UUID] {
					t.Errorf("question %d visible = %v, want %v", qq.UUID[15], got[qq.UUID], want[qq.UUID])
				}
			}
		})
	}
}

func TestRequiresReviewAndShowGuidance(t *testing.T) {
	t.Parallel()
	review := Question{QuestionType: TypeNumber, Operator: OpIn, ReviewAnswerValue: []any{0, 13}}
	always := Question{QuestionType: TypeNumber, AlwaysRequiresReview: true}
	guide := Question{QuestionType: TypeBoolean, UserGuidance: "Attach the statute.", GuidanceOperator: OpEquals, GuidanceAnswerValue: true}
	alwaysGuide := Question{QuestionType: TypeBoolean, UserGuidance: "Read this.", AlwaysShowGuidance: true}
	noText := Question{QuestionType: TypeBoolean, AlwaysShowGuidance: true}
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"review match", RequiresReview(review, "13"), true},
		{"review no match", RequiresReview(review, "12"), false},
		{"review nil answer", RequiresReview(review, nil), false},
		{"review always", RequiresReview(always, "1"), true},
		{"review no operator", RequiresReview(Question{QuestionType: TypeNumber, ReviewAnswerValue: 1}, 1), false},
		{"guidance match", ShowGuidance(guide, true), true},
		{"guidance no match", ShowGuidance(guide, false), false},
		{"guidance unanswered", ShowGuidance(guide, nil), false},
		{"guidance always", ShowGuidance(alwaysGuide, nil), true},
		{"guidance without text", ShowGuidance(noText, true), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.got != tc.want {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	qs := []Question{
		q(3, TypeTextInput, true),  // required, shown when 1 = true
		q(1, TypeBoolean, true),    // required root
		q(2, TypeTextInput, false), // optional root
	}
	deps := []Dependency{dep(3, 1, OpEquals, true)}
	tests := []struct {
		name       string
		qs         []Question
		answers    map[uuid.UUID]any
		completed  bool
		percentage float64
		unanswered []byte
	}{
		{"nothing answered", qs, nil, false, 0, []byte{1}},
		{"root answered no", qs, map[uuid.UUID]any{id(1): false}, true, 50, nil},
		{"root yes reveals required", qs, map[uuid.UUID]any{id(1): true}, false, 33.33, []byte{3}},
		{"all answered", qs, map[uuid.UUID]any{id(1): true, id(2): "a", id(3): "b"}, true, 100, nil},
		// The answer to 3 is kept but 3 is hidden: not counted.
		{"hidden answer not counted", qs, map[uuid.UUID]any{id(1): false, id(3): "b"}, true, 50, nil},
		{"nil answer is unanswered", qs, map[uuid.UUID]any{id(1): nil}, false, 0, []byte{1}},
		{"no questions", nil, nil, true, 100, nil},
		{"unanswered by order", []Question{q(9, TypeTextInput, true), q(4, TypeTextInput, true)}, nil, false, 0, []byte{4, 9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			done, pct, un := Completion(tc.qs, deps, tc.answers)
			if done != tc.completed || pct != tc.percentage {
				t.Errorf("got (%v, %v), want (%v, %v)", done, pct, tc.completed, tc.percentage)
			}
			if un == nil {
				t.Fatal("unanswered is nil, want a list")
			}
			var got []byte
			for _, u := range un {
				got = append(got, u.UUID[15])
			}
			if !reflect.DeepEqual(got, tc.unanswered) {
				t.Errorf("unanswered = %v, want %v", got, tc.unanswered)
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	t.Parallel()
	usage := Question{UUID: id(1), QuestionType: TypeMultiSelect, Options: []Option{optA, optB}, IntentField: "planned_usage"}
	sector := Question{UUID: id(2), QuestionType: TypeSingleSelect, Options: []Option{optA, optB}, IntentField: "sector", MapsToCustomerField: "description"}
	mail := Question{UUID: id(3), QuestionType: TypeEmail, MapsToCustomerField: "email"}
	staff := Question{UUID: id(4), QuestionType: TypeNumber, IntentField: "staff"}
	plain := Question{UUID: id(5), QuestionType: TypeTextInput}
	unanswered := Question{UUID: id(6), QuestionType: TypeTextInput, MapsToCustomerField: "homepage"}
	answers := map[uuid.UUID]any{
		id(1): []string{optB.UUID.String(), optA.UUID.String()},
		id(2): []any{optA.UUID.String()}, // as read back from the database
		id(3): "info@example.ee",
		id(4): "12",
		id(5): "ignored",
	}
	meta, cust := Metadata([]Question{usage, sector, mail, staff, plain, unanswered}, answers)
	wantMeta := map[string]any{"planned_usage": []string{"Teaching", "Research"}, "sector": "Research", "staff": "12"}
	wantCust := map[string]any{"description": "Research", "email": "info@example.ee"}
	if !reflect.DeepEqual(meta, wantMeta) {
		t.Errorf("onboarding_metadata = %#v, want %#v", meta, wantMeta)
	}
	if !reflect.DeepEqual(cust, wantCust) {
		t.Errorf("user_submitted_customer_data = %#v, want %#v", cust, wantCust)
	}
	meta, cust = Metadata(nil, nil)
	if meta == nil || cust == nil {
		t.Errorf("empty metadata must be non-nil maps, got %v %v", meta, cust)
	}
}
