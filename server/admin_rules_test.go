package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAdminQuestionRulesOnEdit: PUT and PATCH check the question as a
// whole, as create does, and a rejected edit stores nothing.
func TestAdminQuestionRulesOnEdit(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cid := a.create(t, adminChecklists, map[string]any{"name": "Rules"})
		other := a.create(t, adminChecklists, map[string]any{"name": "Other"})
		q := func(body map[string]any) string {
			body["checklist"], body["description"] = cid, body["question_type"]
			return adminQuestions + a.create(t, adminQuestions, body) + "/"
		}
		id := func(path string) string { return strings.Split(path, "/")[3] }
		number := q(map[string]any{"question_type": "number", "min_value": "1", "max_value": "10"})
		text := q(map[string]any{"question_type": "text_input"})
		boolean := q(map[string]any{"question_type": "boolean"})
		file := q(map[string]any{"question_type": "file"})
		sel := q(map[string]any{"question_type": "single_select"})
		a.create(t, adminOptions, map[string]any{"question": id(sel), "label": "A"})
		// boolean depends on text containing "abc": text cannot become a type without contains.
		a.create(t, adminDependencies, map[string]any{"question": id(boolean), "depends_on_question": id(text),
			"operator": "contains", "required_answer_value": "abc"})

		for _, c := range []struct {
			path  string
			patch map[string]any
			field string
		}{
			{boolean, map[string]any{"operator": "contains", "review_answer_value": "x"}, "operator"},                       // operator not fitting the type
			{number, map[string]any{"operator": "contains", "review_answer_value": "1"}, "operator"},                        // operator not fitting the type
			{text, map[string]any{"operator": "equals"}, "review_answer_value"},                                             // review operator without value
			{text, map[string]any{"review_answer_value": "x"}, "operator"},                                                  // review value without operator
			{number, map[string]any{"operator": "in", "review_answer_value": 3}, "review_answer_value"},                     // in needs a list
			{text, map[string]any{"user_guidance": "Read this", "always_show_guidance": false}, "guidance_operator"},        // guidance off without operator/value
			{text, map[string]any{"user_guidance": "Read this", "guidance_operator": "equals"}, "guidance_answer_value"},    // guidance operator without value
			{text, map[string]any{"guidance_answer_value": "x"}, "guidance_operator"},                                       // guidance value without operator
			{number, map[string]any{"min_value": "11"}, "min_value"},                                                        // min > max
			{number, map[string]any{"min_value": "abc"}, "min_value"},                                                       // not a decimal
			{text, map[string]any{"max_value": "1"}, "max_value"},                                                           // bounds on a non-number question
			{text, map[string]any{"allowed_mime_types": []string{"application/pdf"}}, "allowed_mime_types"},                 // file limits on a non-file question
			{text, map[string]any{"max_file_size_mb": 1}, "max_file_size_mb"},                                               // file limits on a non-file question
			{file, map[string]any{"max_files_count": 2}, "max_files_count"},                                                 // a count on a single file
			{file, map[string]any{"allowed_mime_types": []string{"application"}}, "allowed_mime_types"},                     // not type/subtype
			{file, map[string]any{"allowed_mime_types": []string{"application/pdf/x"}}, "allowed_mime_types"},               // not type/subtype
			{file, map[string]any{"allowed_file_types": []string{"pdf"}}, "allowed_file_types"},                             // no leading dot
			{file, map[string]any{"max_file_size_mb": 0}, "max_file_size_mb"},                                               // below 1
			{sel, map[string]any{"operator": "equals", "review_answer_value": unknownUUID}, "review_answer_value"},          // not an option of the question
			{sel, map[string]any{"question_type": "text_input"}, "question_options"},                                        // options on a non-select question
			{text, map[string]any{"question_type": "boolean"}, "question_type"},                                             // breaks the dependency on it
			{text, map[string]any{"checklist": other}, "checklist"},                                                         // questions stay in their checklist
			{text, map[string]any{"dependency_logic_operator": "xor"}, "dependency_logic_operator"},                         // not a choice
			{text, map[string]any{"description": " "}, "description"},                                                       // blank
			{text, map[string]any{"description": nil}, "description"},                                                       // not nullable
			{text, map[string]any{"description": "a\u0000b"}, "description"},                                                // NUL
			{text, map[string]any{"operator": "in", "review_answer_value": []string{"a", "\u0000"}}, "review_answer_value"}, // NUL, nested
			{text, map[string]any{"order": 3000000000}, "order"},                                                            // out of range
		} {
			want400(t, a, "PATCH", c.path, c.patch, c.field, c.path)
		}
		// PUT replaces: a review operator left without its value is the same mistake.
		want400(t, a, "PUT", text, map[string]any{"checklist": cid, "description": "T", "question_type": "text_input", "operator": "equals"}, "review_answer_value", text)

		// Creating: a rejected question is not stored.
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"description": "a\u0000", "question_type": "boolean"}, "description"},
			{map[string]any{"description": "Q", "question_type": "boolean", "order": -1}, "order"},
			{map[string]any{"description": "Q", "question_type": "file", "max_file_size_mb": 3000000000}, "max_file_size_mb"},
			{map[string]any{"description": "Q", "question_type": "phone_number", "operator": "equals", "review_answer_value": []any{"+3725"}}, "review_answer_value"},
		} {
			c.body["checklist"] = cid
			want400(t, a, "POST", adminQuestions, c.body, c.field, adminQuestions+"?checklist="+cid)
		}
	})
}

func TestAdminOptionRules(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cid := a.create(t, adminChecklists, map[string]any{"name": "Options"})
		sel := a.question(t, cid, "Pick", "single_select")
		boolean := a.question(t, cid, "Yes?", "boolean")
		opt := adminOptions + a.create(t, adminOptions, map[string]any{"question": sel, "label": "A"}) + "/"
		all := adminOptions
		want400(t, a, "POST", adminOptions, map[string]any{"question": boolean, "label": "B"}, "question", all)
		want400(t, a, "POST", adminOptions, map[string]any{"question": unknownUUID, "label": "B"}, "question", all)
		want400(t, a, "POST", adminOptions, map[string]any{"question": sel, "label": "  "}, "label", all)
		want400(t, a, "PATCH", opt, map[string]any{"question": boolean}, "question", all)
		want400(t, a, "PUT", opt, map[string]any{"question": boolean, "label": "A"}, "question", all)
		want400(t, a, "PATCH", opt, map[string]any{"label": "x\u0000"}, "label", all)
		want400(t, a, "PATCH", opt, map[string]any{"order": -1}, "order", all)
	})
}

func TestAdminDependencyRules(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cid := a.create(t, adminChecklists, map[string]any{"name": "Dependencies"})
		other := a.create(t, adminChecklists, map[string]any{"name": "Other"})
		q := func(checklist, description, typ string) string {
			return a.create(t, adminQuestions, map[string]any{"checklist": checklist, "description": description, "question_type": typ})
		}
		sel, boolean, text, number := q(cid, "Pick", "single_select"), q(cid, "Agree", "boolean"), q(cid, "Name", "text_input"), q(cid, "Count", "number")
		elsewhere := q(other, "Elsewhere", "boolean")
		optA := a.create(t, adminOptions, map[string]any{"question": sel, "label": "A"})
		dep := func(question, on string, value any, operator string) map[string]any {
			return map[string]any{"question": question, "depends_on_question": on, "required_answer_value": value, "operator": operator}
		}
		all := adminDependencies
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{dep(text, elsewhere, true, "equals"), "depends_on_question"},     // another checklist
			{dep(text, text, "x", "equals"), "depends_on_question"},           // itself
			{dep(text, boolean, "x", "contains"), "operator"},                 // operator not fitting the type depended on
			{dep(text, sel, unknownUUID, "equals"), "required_answer_value"},  // not an option
			{dep(text, number, 3, "in"), "required_answer_value"},             // in needs a list
			{dep(text, boolean, nil, "equals"), "required_answer_value"},      // no value
			{dep(unknownUUID, boolean, true, "equals"), "question"},           // no such question
			{dep(text, boolean, true, "matches"), "operator"},                 // not an operator
			{dep(number, text, "a\u0000", "equals"), "required_answer_value"}, // NUL
		} {
			want400(t, a, "POST", adminDependencies, c.body, c.field, all)
		}

		// Name → Agree → Count exist; Count → Name closes a cycle, named in order.
		a.create(t, adminDependencies, dep(text, boolean, true, "equals"))
		agreeOnCount := adminDependencies + a.create(t, adminDependencies, dep(boolean, number, []any{1, 2}, "in")) + "/"
		want400(t, a, "POST", adminDependencies, dep(text, boolean, false, "equals"), "depends_on_question", all) // the same pair twice
		before := a.do(t, "GET", all, a.staffT, nil)
		res := a.do(t, "POST", adminDependencies, a.staffT, dep(number, text, "x", "equals"))
		wantStatus(t, res, http.StatusBadRequest)
		msg := strings.Join(toStrings(res.Object(t)["depends_on_question"]), " ")
		if !strings.Contains(msg, `"Count" → "Name" → "Agree"`) {
			t.Errorf("cycle not named in order: %s", res.Body)
		}
		if after := a.do(t, "GET", all, a.staffT, nil); string(after.Body) != string(before.Body) {
			t.Errorf("a rejected cycle was stored: %s", after.Body)
		}
		// Changing a dependency can close a cycle too: Agree → Name while Name → Agree.
		want400(t, a, "PATCH", agreeOnCount, map[string]any{"depends_on_question": text, "required_answer_value": "x", "operator": "contains"}, "depends_on_question", agreeOnCount)
		// A PATCH is checked as a whole: the kept operator (in) needs a list.
		want400(t, a, "PATCH", agreeOnCount, map[string]any{"required_answer_value": 1}, "required_answer_value", agreeOnCount)
		// Moving a dependency to another question of the same checklist is fine.
		res = a.do(t, "PATCH", agreeOnCount, a.staffT, map[string]any{"depends_on_question": sel, "required_answer_value": []string{optA}})
		wantStatus(t, res, http.StatusOK)
		wantFields(t, "moved dependency", res.Object(t), map[string]any{"depends_on_question": sel, "operator": "in", "required_answer_value": []string{optA}})
	})
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestAdminCountryConfigRules(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cid := a.create(t, adminChecklists, map[string]any{"name": "Countries"})
		a.create(t, countryConfigs, map[string]any{"country": "EE", "checklist": cid})
		lv := countryConfigs + a.create(t, countryConfigs, map[string]any{"country": "LV", "checklist": cid}) + "/"
		all := countryConfigs
		want400(t, a, "POST", countryConfigs, map[string]any{"country": "ee", "checklist": cid}, "country", all) // duplicate, any case
		want400(t, a, "POST", countryConfigs, map[string]any{"country": "XX", "checklist": cid}, "country", all)
		want400(t, a, "POST", countryConfigs, map[string]any{"country": "EST", "checklist": cid}, "country", all)
		want400(t, a, "POST", countryConfigs, map[string]any{"country": "LT", "checklist": unknownUUID}, "checklist", all)
		want400(t, a, "PATCH", lv, map[string]any{"country": "ee"}, "country", all)
		want400(t, a, "PUT", lv, map[string]any{"country": "EE", "checklist": cid}, "country", all)
	})
}

func TestAdminMetadataRules(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cid := a.create(t, adminChecklists, map[string]any{"name": "Metadata"})
		md := questionMetadata + a.question(t, cid, "VAT", "text_input") + "/"
		wantStatus(t, a.do(t, "PUT", md, a.staffT, map[string]any{"maps_to_customer_field": "vat_code", "intent_field": "vat"}), http.StatusOK)
		want400(t, a, "PATCH", md, map[string]any{"maps_to_customer_field": "colour"}, "maps_to_customer_field", md)
		want400(t, a, "PUT", md, map[string]any{"maps_to_customer_field": "slug"}, "maps_to_customer_field", md) // a Customer field, not a user-facing one
		want400(t, a, "PATCH", md, map[string]any{"intent_field": "a\u0000"}, "intent_field", md)
	})
}

// TestAdminConfiguresVerificationChecklist: what staff configure over the
// admin API is what a user of the configured country answers.
func TestAdminConfiguresVerificationChecklist(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cid := a.create(t, adminChecklists, map[string]any{"name": "Danish onboarding"})
		name := a.create(t, adminQuestions, map[string]any{"checklist": cid, "description": "Trading name", "question_type": "text_input", "required": true, "order": 1})
		cc := countryConfigs + a.create(t, countryConfigs, map[string]any{"country": "dk", "checklist": cid}) + "/"

		v := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "DK"}).Object(t)
		checklistOf := func(v map[string]any) response {
			return a.do(t, "GET", base+v["uuid"].(string)+"/checklist/", a.aliceT, nil)
		}
		descriptions := func() []string {
			res := checklistOf(v)
			wantStatus(t, res, http.StatusOK)
			var out []string
			for _, q := range res.Object(t)["questions"].([]any) {
				out = append(out, q.(map[string]any)["description"].(string))
			}
			return out
		}
		if got := descriptions(); strings.Join(got, ",") != "Trading name" {
			t.Fatalf("questions %v", got)
		}

		// A question added later, with an option, shows up for the same verification.
		plan := a.create(t, adminQuestions, map[string]any{"checklist": cid, "description": "Plan", "question_type": "single_select", "order": 2})
		basic := a.create(t, adminOptions, map[string]any{"question": plan, "label": "Basic"})
		res := checklistOf(v)
		questions := res.Object(t)["questions"].([]any)
		if len(questions) != 2 || questions[1].(map[string]any)["question_options"].([]any)[0].(map[string]any)["uuid"] != basic {
			t.Fatalf("after adding Plan: %s", res.Body)
		}
		// A dependency added later hides it until the answer matches.
		a.create(t, adminDependencies, map[string]any{"question": plan, "depends_on_question": name, "operator": "contains", "required_answer_value": "ApS"})
		if got := descriptions(); strings.Join(got, ",") != "Trading name" {
			t.Fatalf("Plan should be hidden: %v", got)
		}
		wantStatus(t, a.do(t, "POST", base+v["uuid"].(string)+"/submit_answers/", a.aliceT, []any{map[string]any{"question_uuid": name, "answer_data": "Hygge ApS"}}), http.StatusOK)
		if got := descriptions(); strings.Join(got, ",") != "Trading name,Plan" {
			t.Fatalf("Plan should show: %v", got)
		}

		// An inactive configuration gives new verifications no checklist.
		wantStatus(t, a.do(t, "PATCH", cc, a.staffT, map[string]any{"is_active": false}), http.StatusOK)
		later := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "DK"}).Object(t)
		if res := checklistOf(later); res.Status != http.StatusBadRequest || res.Object(t)["detail"] != "No checklist configured for this object" {
			t.Fatalf("inactive configuration: %d %s", res.Status, res.Body)
		}

		// Deleting the checklist deletes its questions, options, dependencies and configuration.
		wantStatus(t, a.do(t, "DELETE", adminChecklists+cid+"/", a.staffT, nil), http.StatusNoContent)
		for _, path := range []string{adminQuestions + "?checklist=" + cid, adminOptions + "?question=" + plan, adminDependencies + "?question=" + plan, countryConfigs} {
			if n := a.do(t, "GET", path, a.staffT, nil).Header.Get("X-Result-Count"); n != "0" {
				t.Errorf("%s after deleting the checklist: %s left", path, n)
			}
		}
		wantStatus(t, a.do(t, "GET", cc, a.staffT, nil), http.StatusNotFound)
		if res := checklistOf(v); res.Status != http.StatusBadRequest {
			t.Errorf("verification's checklist after deleting it: %d %s", res.Status, res.Body)
		}
	})
}
