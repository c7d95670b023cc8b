package server_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestAdminPermissions(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		body := map[string]any{"name": "KYB"}
		wantStatus(t, a.do(t, "GET", "/api/checklists-admin/", a.aliceT, nil), http.StatusForbidden)
		wantStatus(t, a.do(t, "POST", "/api/checklists-admin/", a.aliceT, body), http.StatusForbidden)
		wantStatus(t, a.do(t, "GET", "/api/checklists-admin/", a.supportT, nil), http.StatusOK)
		wantStatus(t, a.do(t, "POST", "/api/checklists-admin/", a.supportT, body), http.StatusForbidden)
		res := a.do(t, "POST", "/api/checklists-admin/", a.staffT, body)
		wantStatus(t, res, http.StatusCreated)
		c := res.Object(t)
		cc := a.do(t, "POST", "/api/onboarding-country-configs/", a.staffT, map[string]any{"country": "ee", "checklist": c["uuid"]})
		wantStatus(t, cc, http.StatusCreated)
		if cc.Object(t)["country"] != "EE" || cc.Object(t)["is_active"] != true {
			t.Fatalf("country config %s", cc.Body)
		}
		// Any user reads country configurations; only staff write them.
		if got := a.do(t, "GET", "/api/onboarding-country-configs/", a.aliceT, nil); got.Status != http.StatusOK || got.Header.Get("X-Result-Count") != "1" {
			t.Fatalf("alice reads country configs: %d %s", got.Status, got.Header.Get("X-Result-Count"))
		}
		wantStatus(t, a.do(t, "POST", "/api/onboarding-country-configs/", a.aliceT, map[string]any{"country": "NO", "checklist": c["uuid"]}), http.StatusForbidden)
		wantStatus(t, a.do(t, "DELETE", "/api/checklists-admin/"+c["uuid"].(string)+"/", a.supportT, nil), http.StatusForbidden)
	})
}

func TestAdminBuildsAChecklist(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		staff := a.staffT
		c := a.do(t, "POST", "/api/checklists-admin/", staff, map[string]any{"name": "Nordic onboarding", "description": "d"}).Object(t)
		cid := c["uuid"].(string)
		mk := func(body map[string]any) map[string]any {
			t.Helper()
			body["checklist"] = cid
			res := a.do(t, "POST", "/api/checklists-admin-questions/", staff, body)
			wantStatus(t, res, http.StatusCreated)
			return res.Object(t)
		}
		usage := mk(map[string]any{"description": "Usage", "question_type": "single_select", "required": true, "order": 1})
		opt := func(q map[string]any, label string) string {
			t.Helper()
			res := a.do(t, "POST", "/api/checklists-admin-question-options/", staff, map[string]any{"question": q["uuid"], "label": label})
			wantStatus(t, res, http.StatusCreated)
			return res.Object(t)["uuid"].(string)
		}
		opt(usage, "Research")
		commercial := opt(usage, "Commercial")
		details := mk(map[string]any{"description": "Details", "question_type": "text_area", "required": true, "order": 2})
		terms := mk(map[string]any{"description": "Terms", "question_type": "boolean", "order": 3})

		// A review rule that names an option, now that the options exist.
		usageBody := map[string]any{"checklist": cid, "description": "Usage", "question_type": "single_select", "required": true, "order": 1,
			"operator": "equals", "review_answer_value": commercial}
		wantStatus(t, a.do(t, "PUT", "/api/checklists-admin-questions/"+usage["uuid"].(string)+"/", staff, usageBody), http.StatusOK)

		dep := a.do(t, "POST", "/api/checklists-admin-question-dependencies/", staff, map[string]any{
			"question": details["uuid"], "depends_on_question": usage["uuid"], "required_answer_value": commercial, "operator": "equals"})
		wantStatus(t, dep, http.StatusCreated)
		// details → usage exists; usage → terms → details would close a cycle.
		wantStatus(t, a.do(t, "POST", "/api/checklists-admin-question-dependencies/", staff, map[string]any{
			"question": usage["uuid"], "depends_on_question": terms["uuid"], "required_answer_value": true}), http.StatusCreated)
		res := a.do(t, "POST", "/api/checklists-admin-question-dependencies/", staff, map[string]any{
			"question": terms["uuid"], "depends_on_question": details["uuid"], "required_answer_value": "x", "operator": "contains"})
		wantStatus(t, res, http.StatusBadRequest)
		if msg := string(res.Body); !strings.Contains(msg, "cycle") || !strings.Contains(msg, "Terms") {
			t.Fatalf("cycle not named: %s", msg)
		}

		res = a.do(t, "PUT", "/api/onboarding-question-metadata/"+usage["uuid"].(string)+"/", staff, map[string]any{"maps_to_customer_field": "colour"})
		wantStatus(t, res, http.StatusBadRequest)
		if _, ok := res.Object(t)["maps_to_customer_field"]; !ok {
			t.Fatalf("bad customer field: %s", res.Body)
		}
		res = a.do(t, "PUT", "/api/onboarding-question-metadata/"+usage["uuid"].(string)+"/", staff, map[string]any{"intent_field": "planned_usage"})
		wantStatus(t, res, http.StatusOK)

		wantStatus(t, a.do(t, "POST", "/api/onboarding-country-configs/", staff, map[string]any{"country": "NO", "checklist": cid}), http.StatusCreated)
		res = a.do(t, "POST", "/api/onboarding-country-configs/", staff, map[string]any{"country": "no", "checklist": cid})
		wantStatus(t, res, http.StatusBadRequest)
		if _, ok := res.Object(t)["country"]; !ok {
			t.Fatalf("duplicate country: %s", res.Body)
		}

		// The checklist reaches a user's verification in Norway: usage first (terms hides it until answered true).
		v := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "NO"}).Object(t)
		cl := a.do(t, "GET", base+v["uuid"].(string)+"/checklist/", a.aliceT, nil)
		wantStatus(t, cl, http.StatusOK)
		questions := cl.Object(t)["questions"].([]any)
		if len(questions) != 1 || questions[0].(map[string]any)["description"] != "Terms" {
			t.Fatalf("visible questions %v", questions)
		}
		listed := a.do(t, "GET", "/api/checklists-admin/"+cid+"/questions/", a.supportT, nil)
		wantStatus(t, listed, http.StatusOK)
		var all []map[string]any
		listed.JSON(t, &all)
		if len(all) != 3 || len(all[0]["question_options"].([]any)) != 2 || all[0]["intent_field"] != "planned_usage" {
			t.Fatalf("admin questions %v", all)
		}

		// Deleting the checklist takes its questions along.
		wantStatus(t, a.do(t, "DELETE", "/api/checklists-admin/"+cid+"/", staff, nil), http.StatusNoContent)
		wantStatus(t, a.do(t, "GET", "/api/checklists-admin-questions/"+usage["uuid"].(string)+"/", staff, nil), http.StatusNotFound)
	})
}

func TestAdminRejectsInvalidQuestions(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cid := a.do(t, "POST", "/api/checklists-admin/", a.staffT, map[string]any{"name": "X"}).Object(t)["uuid"]
		cases := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"operator does not fit the type", map[string]any{"question_type": "boolean", "operator": "contains", "review_answer_value": "x"}, "operator"},
			{"review operator without value", map[string]any{"question_type": "text_input", "operator": "equals"}, "review_answer_value"},
			{"guidance without operator", map[string]any{"question_type": "text_input", "user_guidance": "Read this", "always_show_guidance": false}, "guidance_operator"},
			{"min above max", map[string]any{"question_type": "number", "min_value": "10", "max_value": "1"}, "min_value"},
			{"bounds on text", map[string]any{"question_type": "text_input", "min_value": "1"}, "min_value"},
			{"file limits on text", map[string]any{"question_type": "text_input", "max_file_size_mb": 5}, "max_file_size_mb"},
			{"MIME type without subtype", map[string]any{"question_type": "file", "allowed_mime_types": []string{"pdf"}}, "allowed_mime_types"},
			{"extension without dot", map[string]any{"question_type": "file", "allowed_file_types": []string{"pdf"}}, "allowed_file_types"},
			{"not a decimal", map[string]any{"question_type": "number", "min_value": "ten"}, "min_value"},
			{"unknown checklist", map[string]any{"question_type": "boolean", "checklist": "6f1c1b0e-0000-4000-8000-000000000000"}, "checklist"},
		}
		for _, c := range cases {
			body := map[string]any{"checklist": cid, "description": "Q"}
			for k, v := range c.body {
				body[k] = v
			}
			res := a.do(t, "POST", "/api/checklists-admin-questions/", a.staffT, body)
			if res.Status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", c.name, res.Status, res.Body)
				continue
			}
			if _, ok := res.Object(t)[c.field]; !ok {
				t.Errorf("%s: %s does not name %s", c.name, res.Body, c.field)
			}
		}
		if n := a.do(t, "GET", "/api/checklists-admin-questions/", a.staffT, nil).Header.Get("X-Result-Count"); n != "0" {
			t.Fatalf("rejected questions were stored: %s", n)
		}
		q := a.do(t, "POST", "/api/checklists-admin-questions/", a.staffT, map[string]any{"checklist": cid, "description": "Q", "question_type": "boolean"}).Object(t)
		res := a.do(t, "POST", "/api/checklists-admin-question-options/", a.staffT, map[string]any{"question": q["uuid"], "label": "Yes"})
		wantStatus(t, res, http.StatusBadRequest)
		if _, ok := res.Object(t)["question"]; !ok {
			t.Fatalf("option on a boolean question: %s", res.Body)
		}
	})
}
