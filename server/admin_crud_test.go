package server_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

const (
	adminChecklists   = "/api/checklists-admin/"
	adminQuestions    = "/api/checklists-admin-questions/"
	adminOptions      = "/api/checklists-admin-question-options/"
	adminDependencies = "/api/checklists-admin-question-dependencies/"
	countryConfigs    = "/api/onboarding-country-configs/"
	questionMetadata  = "/api/onboarding-question-metadata/"
	unknownUUID       = "6f1c1b0e-0000-4000-8000-000000000000"
)

// create POSTs body as staff and returns the new object's uuid.
func (a *api) create(t *testing.T, path string, body map[string]any) string {
	t.Helper()
	res := a.do(t, "POST", path, a.staffT, body)
	wantStatus(t, res, http.StatusCreated)
	return res.Object(t)["uuid"].(string)
}

// question creates a question as staff and returns its uuid.
func (a *api) question(t *testing.T, checklist, description, questionType string) string {
	t.Helper()
	return a.create(t, adminQuestions, map[string]any{"checklist": checklist, "description": description, "question_type": questionType})
}

// wantFields fails unless got holds every field of want (compared as JSON).
func wantFields(t *testing.T, what string, got map[string]any, want map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(want)
	var norm map[string]any
	_ = json.Unmarshal(raw, &norm)
	for k, v := range norm {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s: %s = %#v, want %#v", what, k, got[k], v)
		}
	}
}

// want400 sends a write that must be rejected with a 400 naming field, and
// checks that the object at path reads as before.
func want400(t *testing.T, a *api, method, path string, body any, field, objectPath string) {
	t.Helper()
	before := a.do(t, "GET", objectPath, a.staffT, nil)
	res := a.do(t, method, path, a.staffT, body)
	if res.Status != http.StatusBadRequest {
		t.Errorf("%s %s %v: %d %s, want 400", method, path, body, res.Status, res.Body)
		return
	}
	if _, ok := res.Object(t)[field]; !ok {
		t.Errorf("%s %s %v: %s does not name %s", method, path, body, res.Body, field)
	}
	after := a.do(t, "GET", objectPath, a.staffT, nil)
	if after.Status != before.Status || string(after.Body) != string(before.Body) {
		t.Errorf("%s %s %v changed %s:\n%s\n→ %s", method, path, body, objectPath, before.Body, after.Body)
	}
}

// TestAdminCRUD: every resource through create, retrieve, list (with its
// filter), replace, partial update (absent keeps, null clears) and delete.
func TestAdminCRUD(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cid := a.create(t, adminChecklists, map[string]any{"name": "Scratch"})
		other := a.create(t, adminChecklists, map[string]any{"name": "Other"})
		sel := a.question(t, cid, "Pick", "multi_select")
		yes := a.question(t, cid, "Yes?", "boolean")
		a.question(t, other, "Elsewhere", "boolean")

		for _, c := range []struct {
			path                string
			create, put, patch  map[string]any
			wantCreate, wantPut map[string]any
			wantPatch           map[string]any
			filter              string // a list query selecting only the created object and its siblings
			filterCount         string
		}{
			{
				path:       adminChecklists,
				create:     map[string]any{"name": " KYB ", "description": "d"},
				wantCreate: map[string]any{"name": "KYB", "description": "d", "checklist_type": "customer_onboarding"},
				put:        map[string]any{"name": "KYB 2"},
				wantPut:    map[string]any{"name": "KYB 2", "description": ""},
				patch:      map[string]any{"description": "patched"},
				wantPatch:  map[string]any{"name": "KYB 2", "description": "patched"},
			},
			{
				path: adminQuestions,
				create: map[string]any{"checklist": cid, "description": "Employees", "question_type": "number", "required": true, "order": 4,
					"min_value": "1", "max_value": "10.50", "user_guidance": "Count heads", "always_show_guidance": true},
				wantCreate: map[string]any{"checklist": cid, "min_value": "1", "max_value": "10.5", "required": true, "order": 4,
					"question_options": []any{}, "operator": "", "review_answer_value": nil, "dependency_logic_operator": "and"},
				put: map[string]any{"checklist": cid, "description": "Staff", "question_type": "number", "min_value": "2",
					"operator": "in", "review_answer_value": []any{7, 8}, "dependency_logic_operator": "or"},
				wantPut: map[string]any{"description": "Staff", "min_value": "2", "max_value": nil, "required": false, "order": 0,
					"user_guidance": "", "operator": "in", "review_answer_value": []any{7, 8}, "dependency_logic_operator": "or"},
				patch:     map[string]any{"min_value": nil, "max_value": "9", "guidance_operator": "equals", "guidance_answer_value": 3, "user_guidance": "Many?"},
				wantPatch: map[string]any{"description": "Staff", "min_value": nil, "max_value": "9", "operator": "in", "guidance_answer_value": 3.0},
				filter:    "?checklist=" + cid, filterCount: "3",
			},
			{
				path:       adminQuestions,
				create:     map[string]any{"checklist": cid, "description": "Extract", "question_type": "multiple_files", "allowed_file_types": []string{".pdf"}, "allowed_mime_types": []string{"application/pdf", "image/*"}, "max_file_size_mb": 5, "max_files_count": 3},
				wantCreate: map[string]any{"allowed_file_types": []string{".pdf"}, "allowed_mime_types": []string{"application/pdf", "image/*"}, "max_file_size_mb": 5, "max_files_count": 3},
				put:        map[string]any{"checklist": cid, "description": "Extract", "question_type": "file", "max_file_size_mb": 2},
				wantPut:    map[string]any{"question_type": "file", "allowed_file_types": []string{}, "max_file_size_mb": 2, "max_files_count": nil},
				patch:      map[string]any{"max_file_size_mb": nil},
				wantPatch:  map[string]any{"question_type": "file", "max_file_size_mb": nil},
			},
			{
				path:       adminOptions,
				create:     map[string]any{"question": sel, "label": "Research", "order": 1},
				wantCreate: map[string]any{"question": sel, "label": "Research", "order": 1},
				put:        map[string]any{"question": sel, "label": "Commerce"},
				wantPut:    map[string]any{"label": "Commerce", "order": 0},
				patch:      map[string]any{"order": 5},
				wantPatch:  map[string]any{"label": "Commerce", "order": 5},
				filter:     "?question=" + sel, filterCount: "1",
			},
			{
				path:       adminDependencies,
				create:     map[string]any{"question": sel, "depends_on_question": yes, "required_answer_value": true},
				wantCreate: map[string]any{"question": sel, "depends_on_question": yes, "required_answer_value": true, "operator": "equals"},
				put:        map[string]any{"question": sel, "depends_on_question": yes, "required_answer_value": false, "operator": "not_equals"},
				wantPut:    map[string]any{"required_answer_value": false, "operator": "not_equals"},
				patch:      map[string]any{"required_answer_value": true},
				wantPatch:  map[string]any{"required_answer_value": true, "operator": "not_equals"},
				filter:     "?question=" + sel, filterCount: "1",
			},
			{
				path:       countryConfigs,
				create:     map[string]any{"country": " ee", "checklist": cid},
				wantCreate: map[string]any{"country": "EE", "checklist": cid, "is_active": true},
				put:        map[string]any{"country": "lv", "checklist": other, "is_active": false},
				wantPut:    map[string]any{"country": "LV", "checklist": other, "is_active": false},
				patch:      map[string]any{"is_active": true},
				wantPatch:  map[string]any{"country": "LV", "checklist": other, "is_active": true},
			},
		} {
			t.Run(strings.Trim(c.path, "/"), func(t *testing.T) {
				res := a.do(t, "POST", c.path, a.staffT, c.create)
				wantStatus(t, res, http.StatusCreated)
				created := res.Object(t)
				wantFields(t, "create", created, c.wantCreate)
				obj := c.path + created["uuid"].(string) + "/"
				if got := a.do(t, "GET", obj, a.supportT, nil); got.Status != http.StatusOK || !reflect.DeepEqual(got.Object(t), created) {
					t.Errorf("retrieve %d %s, want %v", got.Status, got.Body, created)
				}
				list := a.do(t, "GET", c.path+c.filter, a.supportT, nil)
				wantStatus(t, list, http.StatusOK)
				if c.filter != "" && list.Header.Get("X-Result-Count") != c.filterCount {
					t.Errorf("list %s: X-Result-Count %s, want %s", c.filter, list.Header.Get("X-Result-Count"), c.filterCount)
				}
				if !strings.Contains(string(list.Body), created["uuid"].(string)) {
					t.Errorf("list %s misses the new object: %s", c.filter, list.Body)
				}

				res = a.do(t, "PUT", obj, a.staffT, c.put)
				wantStatus(t, res, http.StatusOK)
				wantFields(t, "put", res.Object(t), c.wantPut)
				wantFields(t, "put, read back", a.do(t, "GET", obj, a.staffT, nil).Object(t), c.wantPut)

				res = a.do(t, "PATCH", obj, a.staffT, c.patch)
				wantStatus(t, res, http.StatusOK)
				wantFields(t, "patch", res.Object(t), c.wantPatch)
				wantFields(t, "patch, read back", a.do(t, "GET", obj, a.staffT, nil).Object(t), c.wantPatch)

				wantStatus(t, a.do(t, "DELETE", obj, a.staffT, nil), http.StatusNoContent)
				wantStatus(t, a.do(t, "GET", obj, a.staffT, nil), http.StatusNotFound)
				wantStatus(t, a.do(t, "DELETE", obj, a.staffT, nil), http.StatusNotFound)
				wantStatus(t, a.do(t, "PUT", obj, a.staffT, c.put), http.StatusNotFound)
				wantStatus(t, a.do(t, "PATCH", obj, a.staffT, c.patch), http.StatusNotFound)
			})
		}

		// Metadata is a view of a question: no create or delete.
		md := questionMetadata + yes + "/"
		wantFields(t, "metadata", a.do(t, "GET", md, a.supportT, nil).Object(t), map[string]any{"question": yes, "checklist": cid, "description": "Yes?", "maps_to_customer_field": "", "intent_field": ""})
		res := a.do(t, "PUT", md, a.staffT, map[string]any{"maps_to_customer_field": "email"})
		wantStatus(t, res, http.StatusOK)
		wantFields(t, "metadata put", res.Object(t), map[string]any{"maps_to_customer_field": "email", "intent_field": ""})
		res = a.do(t, "PATCH", md, a.staffT, map[string]any{"intent_field": "contact"})
		wantStatus(t, res, http.StatusOK)
		wantFields(t, "metadata patch", res.Object(t), map[string]any{"maps_to_customer_field": "email", "intent_field": "contact"})
		wantFields(t, "metadata on the question", a.do(t, "GET", adminQuestions+yes+"/", a.staffT, nil).Object(t), map[string]any{"maps_to_customer_field": "email", "intent_field": "contact", "description": "Yes?"})
		for _, filter := range []string{"?checklist_uuid=" + other, "?checklist=" + other, "?checklist_uuid=" + other + "&checklist=" + other} {
			list := a.do(t, "GET", questionMetadata+filter, a.staffT, nil)
			if list.Header.Get("X-Result-Count") != "1" || strings.Contains(string(list.Body), yes) {
				t.Errorf("metadata filtered by %s: %s %s", filter, list.Header.Get("X-Result-Count"), list.Body)
			}
		}
		if res := a.do(t, "GET", questionMetadata+"?checklist_uuid="+other+"&checklist="+cid, a.staffT, nil); res.Status != http.StatusBadRequest || res.Object(t)["checklist_uuid"] == nil {
			t.Errorf("metadata filtered by two different checklists: %d %s", res.Status, res.Body)
		}
		// Editing a question keeps its metadata.
		wantStatus(t, a.do(t, "PATCH", adminQuestions+yes+"/", a.staffT, map[string]any{"required": true}), http.StatusOK)
		wantFields(t, "metadata after a question edit", a.do(t, "GET", md, a.staffT, nil).Object(t), map[string]any{"maps_to_customer_field": "email", "intent_field": "contact"})
		wantStatus(t, a.do(t, "GET", questionMetadata+unknownUUID+"/", a.staffT, nil), http.StatusNotFound)
		wantStatus(t, a.do(t, "PATCH", questionMetadata+unknownUUID+"/", a.staffT, map[string]any{}), http.StatusNotFound)
		wantStatus(t, a.do(t, "GET", adminChecklists+unknownUUID+"/questions/", a.staffT, nil), http.StatusNotFound)
	})
}

// TestAdminPagination: every list pages like the verifications list.
func TestAdminPagination(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		for _, name := range []string{"C", "A", "B"} {
			a.create(t, adminChecklists, map[string]any{"name": name})
		}
		res := a.do(t, "GET", adminChecklists+"?page_size=2&page=2", a.staffT, nil)
		wantStatus(t, res, http.StatusOK)
		var page []map[string]any
		res.JSON(t, &page)
		if len(page) != 1 || page[0]["name"] != "C" || res.Header.Get("X-Result-Count") != "3" {
			t.Fatalf("page 2 of 2: %s (count %s)", res.Body, res.Header.Get("X-Result-Count"))
		}
		if link := res.Header.Get("Link"); !strings.Contains(link, `page=1&page_size=2>; rel="prev"`) || strings.Contains(link, `rel="next"`) {
			t.Fatalf("Link %s", link)
		}
		wantStatus(t, a.do(t, "GET", adminChecklists+"?page_size=301", a.staffT, nil), http.StatusBadRequest)
		for _, path := range []string{adminChecklists, adminQuestions, adminOptions, adminDependencies, countryConfigs, questionMetadata} {
			res := a.do(t, "GET", path+"?page=9", a.staffT, nil)
			if res.Status != http.StatusNotFound || res.Object(t)["detail"] != "Invalid page." {
				t.Errorf("%s?page=9: %d %s", path, res.Status, res.Body)
			}
			res = a.do(t, "GET", path+"?page_size=300", a.staffT, nil)
			if res.Status != http.StatusOK || res.Header.Get("X-Result-Count") == "" || !strings.Contains(res.Header.Get("Link"), `rel="last"`) {
				t.Errorf("%s: %d, X-Result-Count %q, Link %q", path, res.Status, res.Header.Get("X-Result-Count"), res.Header.Get("Link"))
			}
		}
	})
}

// TestAdminPermissionMatrix: every operation for no user (401), a regular
// user (403; country configurations readable), support (reads, 403 on
// writes) and staff (everything). Refused writes change nothing.
func TestAdminPermissionMatrix(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cid := a.create(t, adminChecklists, map[string]any{"name": "KYB"})
		sel := a.question(t, cid, "Pick", "single_select")
		yes := a.question(t, cid, "Yes?", "boolean")
		txt := a.question(t, cid, "Text", "text_input")
		opt := a.create(t, adminOptions, map[string]any{"question": sel, "label": "A"})
		dep := a.create(t, adminDependencies, map[string]any{"question": sel, "depends_on_question": yes, "required_answer_value": true})
		cc := a.create(t, countryConfigs, map[string]any{"country": "EE", "checklist": cid})

		type op struct {
			method, path string
			body         any
			public       bool // any authenticated user may call it
		}
		reads := []op{
			{"GET", adminChecklists, nil, false}, {"GET", adminChecklists + cid + "/", nil, false},
			{"GET", adminChecklists + cid + "/questions/", nil, false},
			{"GET", adminQuestions, nil, false}, {"GET", adminQuestions + sel + "/", nil, false},
			{"GET", adminOptions, nil, false}, {"GET", adminOptions + opt + "/", nil, false},
			{"GET", adminDependencies, nil, false}, {"GET", adminDependencies + dep + "/", nil, false},
			{"GET", countryConfigs, nil, true}, {"GET", countryConfigs + cc + "/", nil, true},
			{"GET", questionMetadata, nil, false}, {"GET", questionMetadata + sel + "/", nil, false},
		}
		question := map[string]any{"checklist": cid, "description": "New", "question_type": "text_input"}
		option := map[string]any{"question": sel, "label": "B"}
		config := map[string]any{"country": "LV", "checklist": cid}
		writes := []op{
			{"POST", adminChecklists, map[string]any{"name": "N"}, false},
			{"PUT", adminChecklists + cid + "/", map[string]any{"name": "N"}, false},
			{"PATCH", adminChecklists + cid + "/", map[string]any{"name": "N"}, false},
			{"POST", adminQuestions, question, false},
			{"PUT", adminQuestions + sel + "/", map[string]any{"checklist": cid, "description": "N", "question_type": "single_select"}, false},
			{"PATCH", adminQuestions + sel + "/", map[string]any{"description": "N"}, false},
			{"POST", adminOptions, option, false},
			{"PUT", adminOptions + opt + "/", option, false},
			{"PATCH", adminOptions + opt + "/", map[string]any{"label": "N"}, false},
			{"POST", adminDependencies, map[string]any{"question": txt, "depends_on_question": yes, "required_answer_value": false}, false},
			{"PUT", adminDependencies + dep + "/", map[string]any{"question": sel, "depends_on_question": yes, "required_answer_value": false}, false},
			{"PATCH", adminDependencies + dep + "/", map[string]any{"required_answer_value": false}, false},
			{"POST", countryConfigs, config, false},
			{"PUT", countryConfigs + cc + "/", map[string]any{"country": "LT", "checklist": cid}, false},
			{"PATCH", countryConfigs + cc + "/", map[string]any{"is_active": false}, false},
			{"PUT", questionMetadata + sel + "/", map[string]any{"intent_field": "x"}, false},
			{"PATCH", questionMetadata + sel + "/", map[string]any{"intent_field": "x"}, false},
			{"DELETE", adminDependencies + dep + "/", nil, false},
			{"DELETE", adminOptions + opt + "/", nil, false},
			{"DELETE", countryConfigs + cc + "/", nil, false},
			{"DELETE", adminQuestions + sel + "/", nil, false},
			{"DELETE", adminChecklists + cid + "/", nil, false},
		}
		snapshot := func() string {
			var all []string
			for _, r := range reads {
				all = append(all, string(a.do(t, "GET", r.path, a.staffT, nil).Body))
			}
			return strings.Join(all, "\n")
		}
		before := snapshot()
		for _, o := range append(append([]op{}, reads...), writes...) {
			wantStatus := func(who, token string, want int) {
				t.Helper()
				if res := a.do(t, o.method, o.path, token, o.body); res.Status != want {
					t.Errorf("%s %s as %s: %d %s, want %d", o.method, o.path, who, res.Status, res.Body, want)
				}
			}
			wantStatus("nobody", "", http.StatusUnauthorized)
			if o.public {
				wantStatus("alice", a.aliceT, http.StatusOK)
			} else {
				wantStatus("alice", a.aliceT, http.StatusForbidden)
			}
			if o.method == "GET" {
				wantStatus("support", a.supportT, http.StatusOK)
			} else {
				wantStatus("support", a.supportT, http.StatusForbidden)
			}
		}
		if after := snapshot(); after != before {
			t.Fatalf("refused writes changed something:\n%s\n→\n%s", before, after)
		}
		// Staff may do every write (the deletes last, in an order that leaves each target in place).
		for _, o := range writes {
			res := a.do(t, o.method, o.path, a.staffT, o.body)
			if res.Status >= 300 {
				t.Errorf("%s %s as staff: %d %s", o.method, o.path, res.Status, res.Body)
			}
		}
	})
}
