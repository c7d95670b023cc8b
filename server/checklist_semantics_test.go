package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/checklist/checklisttest"
	"github.com/onboarding-kyb/onboarding/server"
)

// TestAdminEveryCombination: the admin API accepts exactly the operator ×
// value shape × question type combinations of the operator table
// (checklisttest; the checklist package's test shows each accepted one can
// match, as review, guidance and dependency), and refuses the others with a
// 400 naming the field, as review_answer_value, guidance_answer_value and a
// dependency's required_answer_value: every operator and value shape for a
// type of each kind of value check (text, select, number, country; the
// checklist package's test covers every type). On SQLite only: it is
// validation, and hundreds of requests; what is stored is read back on both
// databases by TestWaldurStyleChecklist.
func TestAdminEveryCombination(t *testing.T) {
	t.Parallel()
	func(t *testing.T, a *api) {
		cid := a.create(t, adminChecklists, map[string]any{"name": "Combinations"})
		dependent := a.question(t, cid, "Shown when", "boolean")
		// One question per type to depend on; select options get the sample's labels.
		on := map[checklist.QuestionType]string{}
		realOption := map[string]string{}
		for _, typ := range checklist.QuestionTypes {
			on[typ] = a.question(t, cid, "On "+string(typ), string(typ))
			if typ == checklist.TypeSingleSelect || typ == checklist.TypeMultiSelect {
				for _, o := range []checklist.Option{checklisttest.OptionA, checklisttest.OptionB, checklisttest.OptionC} {
					id := a.create(t, adminOptions, map[string]any{"question": on[typ], "label": o.Label, "order": o.Order})
					realOption[string(typ)+o.UUID.String()] = id
				}
			}
		}
		// value is the combination's value with the sample options replaced by the created ones.
		value := func(c checklisttest.Combination) any {
			raw, _ := json.Marshal(c.Value)
			s := string(raw)
			for _, o := range []checklist.Option{checklisttest.OptionA, checklisttest.OptionB, checklisttest.OptionC} {
				id := realOption[string(c.Type)+o.UUID.String()]
				s = strings.ReplaceAll(s, o.UUID.String(), id)
				s = strings.ReplaceAll(s, strings.ToUpper(o.UUID.String()), strings.ToUpper(id))
			}
			var v any
			_ = json.Unmarshal([]byte(s), &v)
			return v
		}
		check := func(t *testing.T, what string, c checklisttest.Combination, res response, ok int, opField, valueField string) {
			t.Helper()
			name := fmt.Sprintf("%s/%s/%s as %s", c.Type, c.Operator, c.Shape, what)
			switch {
			case c.Accepted && res.Status != ok:
				t.Errorf("%s: %d %s, want %d", name, res.Status, res.Body, ok)
			case !c.Accepted && res.Status != http.StatusBadRequest:
				t.Errorf("%s: %d %s, want 400", name, res.Status, res.Body)
			case !c.Accepted:
				field := valueField
				if c.RefusedField == "operator" {
					field = opField
				}
				if _, ok := res.Object(t)[field]; !ok {
					t.Errorf("%s: %s does not name %s", name, res.Body, field)
				}
			}
		}
		everyPath := map[checklist.QuestionType]bool{checklist.TypeTextArea: true, checklist.TypeMultiSelect: true, checklist.TypeNumber: true, checklist.TypeCountry: true}
		tryCombination := func(t *testing.T, c checklisttest.Combination) {
			v := value(c)
			review := map[string]any{"operator": c.Operator, "review_answer_value": v}
			guidance := map[string]any{"user_guidance": "Read this.", "always_show_guidance": false, "guidance_operator": c.Operator, "guidance_answer_value": v}
			if c.Type == checklist.TypeSingleSelect || c.Type == checklist.TypeMultiSelect {
				// Select values name the question's own options: configure the question that has them.
				path := adminQuestions + on[c.Type] + "/"
				check(t, "review", c, a.do(t, "PATCH", path, a.staffT, review), http.StatusOK, "operator", "review_answer_value")
				check(t, "guidance", c, a.do(t, "PATCH", path, a.staffT, guidance), http.StatusOK, "guidance_operator", "guidance_answer_value")
				wantStatus(t, a.do(t, "PATCH", path, a.staffT, map[string]any{"operator": "", "review_answer_value": nil,
					"user_guidance": "", "guidance_operator": "", "guidance_answer_value": nil}), http.StatusOK)
			} else {
				review["checklist"], review["description"], review["question_type"] = cid, "Review", c.Type
				check(t, "review", c, a.do(t, "POST", adminQuestions, a.staffT, review), http.StatusCreated, "operator", "review_answer_value")
				guidance["checklist"], guidance["description"], guidance["question_type"] = cid, "Guided", c.Type
				check(t, "guidance", c, a.do(t, "POST", adminQuestions, a.staffT, guidance), http.StatusCreated, "guidance_operator", "guidance_answer_value")
			}

			res := a.do(t, "POST", adminDependencies, a.staffT, map[string]any{"question": dependent, "depends_on_question": on[c.Type],
				"operator": c.Operator, "required_answer_value": v})
			check(t, "dependency", c, res, http.StatusCreated, "operator", "required_answer_value")
			if res.Status == http.StatusCreated {
				wantStatus(t, a.do(t, "DELETE", adminDependencies+res.Object(t)["uuid"].(string)+"/", a.staffT, nil), http.StatusNoContent)
			}
		}
		byType := map[checklist.QuestionType][]checklisttest.Combination{}
		for _, c := range checklisttest.Combinations() {
			if !everyPath[c.Type] {
				continue
			}
			byType[c.Type] = append(byType[c.Type], c)
		}
		for typ, combos := range byType {
			// Types in parallel: each has its own questions to configure and depend on.
			t.Run(string(typ), func(t *testing.T) {
				t.Parallel()
				for _, c := range combos {
					tryCombination(t, c)
				}
			})
		}
	}(t, newAPI(t, sqliteStore(t), server.Config{MaxBodyBytes: 1 << 20}))
}

// TestWaldurStyleChecklist: a checklist configured the way Waldur's
// administrators configure one behaves as Waldur's does: contains with a
// list value is "any of these substrings" for review, guidance and
// dependencies; always_show_guidance defaults to true; whitespace-only
// guidance is none; numbers are answered as numbers or numeric strings and
// returned as numbers; year and rating questions take bounds.
func TestWaldurStyleChecklist(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cid := a.create(t, adminChecklists, map[string]any{"name": "Waldur style"})
		q := func(body map[string]any) string {
			body["checklist"] = cid
			return a.create(t, adminQuestions, body)
		}
		data := q(map[string]any{"description": "Which data will you process?", "question_type": "text_area", "order": 1,
			"operator": "contains", "review_answer_value": []string{"sensitive"},
			"user_guidance": "Sensitive data needs a DPA.", "always_show_guidance": false, "guidance_operator": "contains", "guidance_answer_value": []string{"health", "sensitive"}})
		dpa := q(map[string]any{"description": "DPA contact", "question_type": "email", "order": 2})
		a.create(t, adminDependencies, map[string]any{"question": dpa, "depends_on_question": data, "operator": "contains", "required_answer_value": []string{"personal", "sensitive"}})
		// always_show_guidance left out: true, as in Waldur; whitespace guidance is none.
		guided := a.do(t, "POST", adminQuestions, a.staffT, map[string]any{"checklist": cid, "description": "Employees", "question_type": "number", "order": 3, "user_guidance": "Count heads."})
		wantStatus(t, guided, http.StatusCreated)
		if guided.Object(t)["always_show_guidance"] != true {
			t.Errorf("always_show_guidance left out: %s", guided.Body)
		}
		employees := guided.Object(t)["uuid"].(string)
		blank := a.do(t, "POST", adminQuestions, a.staffT, map[string]any{"checklist": cid, "description": "Founded", "question_type": "year", "order": 4,
			"user_guidance": " \n\t ", "always_show_guidance": false, "min_value": "1900"})
		wantStatus(t, blank, http.StatusCreated)
		if blank.Object(t)["user_guidance"] != "" {
			t.Errorf("whitespace guidance kept: %s", blank.Body)
		}
		founded := blank.Object(t)["uuid"].(string)
		rating := q(map[string]any{"description": "Satisfaction", "question_type": "rating", "order": 5, "min_value": "0", "max_value": "10"})
		a.create(t, countryConfigs, map[string]any{"country": "DK", "checklist": cid})

		v := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "DK"}).Object(t)
		path := base + v["uuid"].(string) + "/"
		submit := func(items ...map[string]any) response {
			return a.do(t, "POST", path+"submit_answers/", a.aliceT, items)
		}
		item := func(question string, data any) map[string]any {
			return map[string]any{"question_uuid": question, "answer_data": data}
		}
		view := func() map[string]map[string]any {
			res := a.do(t, "GET", path+"checklist/", a.staffT, nil)
			wantStatus(t, res, http.StatusOK)
			out := map[string]map[string]any{}
			for _, x := range res.Object(t)["questions"].([]any) {
				out[x.(map[string]any)["uuid"].(string)] = x.(map[string]any)
			}
			return out
		}
		before := view()
		if before[employees]["user_guidance"] != "Count heads." || before[data]["user_guidance"] != "" || before[founded]["user_guidance"] != "" {
			t.Errorf("guidance before answering: %v / %v / %v", before[employees]["user_guidance"], before[data]["user_guidance"], before[founded]["user_guidance"])
		}
		if _, shown := before[dpa]; shown {
			t.Errorf("DPA contact shown before the answer that it depends on")
		}

		wantStatus(t, submit(item(data, "This contains Sensitive data"), item(employees, 50), item(founded, "1999"), item(rating, 0)), http.StatusOK)
		after := view()
		answer := func(q string) map[string]any { return after[q]["existing_answer"].(map[string]any) }
		if answer(data)["requires_review"] != true {
			t.Errorf("contains [sensitive] did not flag %q: %v", "This contains Sensitive data", answer(data))
		}
		if after[data]["user_guidance"] != "Sensitive data needs a DPA." {
			t.Errorf("guidance for contains [health, sensitive]: %q", after[data]["user_guidance"])
		}
		if _, shown := after[dpa]; !shown {
			t.Errorf("DPA contact hidden although the answer contains one of [personal, sensitive]")
		}
		// Numbers come back as numbers (the documented type), also from a numeric string.
		if got := answer(employees)["answer_data"]; got != 50.0 {
			t.Errorf("number answer 50 came back as %#v", got)
		}
		if got := answer(founded)["answer_data"]; got != 1999.0 {
			t.Errorf("year answer \"1999\" came back as %#v", got)
		}
		if got := answer(rating)["answer_data"]; got != 0.0 {
			t.Errorf("rating 0 on a 0–10 scale came back as %#v", got)
		}
		wantStatus(t, submit(item(employees, "42.50")), http.StatusOK)
		if got := view()[employees]["existing_answer"].(map[string]any)["answer_data"]; got != 42.5 {
			t.Errorf("number answer \"42.50\" came back as %#v", got)
		}

		// An answer that matches nothing clears review and guidance and hides the dependent question.
		wantStatus(t, submit(item(data, "Public data only")), http.StatusOK)
		after = view()
		if after[data]["existing_answer"].(map[string]any)["requires_review"] != false || after[data]["user_guidance"] != "" {
			t.Errorf("non-matching answer: %v", after[data])
		}
		if _, shown := after[dpa]; shown {
			t.Errorf("DPA contact shown for a non-matching answer")
		}

		// The bounds of year and rating questions hold, with the same checks as number's.
		for _, c := range []struct {
			question string
			data     any
			msg      string
		}{
			{founded, 1899, "≥ 1900"},
			{rating, 11, "from 0 to 10"},
			{rating, -1, "from 0 to 10"},
			{employees, "1e30", "at most 20 digits"},
		} {
			res := submit(item(c.question, c.data))
			if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), c.msg) {
				t.Errorf("answer %v: %d %s, want 400 …%s…", c.data, res.Status, res.Body, c.msg)
			}
		}
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"question_type": "rating", "min_value": "6"}, "min_value"},                       // empty scale (max 5 by default)
			{map[string]any{"question_type": "year", "min_value": "2000", "max_value": "1999"}, "min_value"}, // min > max
			{map[string]any{"question_type": "year", "max_value": "soon"}, "max_value"},                      // not a decimal
			{map[string]any{"question_type": "date", "min_value": "1"}, "min_value"},                         // no bounds on dates
			{map[string]any{"question_type": "number", "max_value": "0.00001"}, "max_value"},                 // more than 4 decimals
			{map[string]any{"question_type": "rating", "operator": "equals", "review_answer_value": 9}, "review_answer_value"},
		} {
			c.body["checklist"], c.body["description"] = cid, "Bounded"
			want400(t, a, "POST", adminQuestions, c.body, c.field, adminQuestions+"?checklist="+cid)
		}
		// A rating value inside the question's scale is accepted, and rechecked when the scale changes.
		wide := q(map[string]any{"description": "Wide", "question_type": "rating", "max_value": "10", "operator": "in", "review_answer_value": []any{9, "10"}})
		want400(t, a, "PATCH", adminQuestions+wide+"/", map[string]any{"max_value": "8"}, "review_answer_value", adminQuestions+wide+"/")
	})
}
