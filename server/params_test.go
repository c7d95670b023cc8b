package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/server"
)

// Issue 9 item 5: bad parameters answer as Django REST Framework does,
// keyed by the parameter's name, in a sentence a person understands.
func TestParameterErrorsAreDRFSentences(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{})
	for _, tc := range []struct {
		method, path, token string
		body                any
		field, want         string
	}{
		{"GET", base + "?page_size=abc", a.aliceT, nil, "page_size", "A valid integer is required."},
		{"GET", base + "?page=x", a.aliceT, nil, "page", "A valid integer is required."},
		{"GET", base + "?page_size=0", a.aliceT, nil, "page_size", "Ensure this value is greater than or equal to 1."},
		{"GET", base + "?page_size=301", a.aliceT, nil, "page_size", "Ensure this value is less than or equal to 300."},
		{"GET", base + "?status=bogus", a.aliceT, nil, "status", `"bogus" is not a valid choice.`},
		{"GET", base + "?user=me", a.aliceT, nil, "user", "A valid integer is required."},
		{"GET", base + "not-a-uuid/", a.aliceT, nil, "uuid", "Must be a valid UUID."},
		{"GET", base + "checklist-template/?parent_uuid=12", a.aliceT, nil, "parent_uuid", "Must be a valid UUID."},
		{"GET", base + "checklist-template/", a.aliceT, nil, "parent_uuid", "This field is required."},
		{"GET", "/api/checklists-admin-questions/?checklist=abc", a.staffT, nil, "checklist", "Must be a valid UUID."},
		{"POST", start, a.aliceT, map[string]any{"country": "EST"}, "country", "Ensure this field has no more than 2 characters."},
		{"POST", start, a.aliceT, map[string]any{"country": ""}, "country", "This field may not be blank."},
		{"POST", start, a.aliceT, map[string]any{"country": "EE", "is_manual_validation": "yes"}, "is_manual_validation", "Must be a valid boolean."},
		{"POST", start, a.aliceT, map[string]any{}, "country", "This field is required."},
		{"POST", jbase, a.aliceT, map[string]any{"verification_uuid": "xyz", "user_justification": "x"}, "verification_uuid", "Must be a valid UUID."},
		{"PATCH", base + uuid.NewString() + "/", a.aliceT, map[string]any{"expires_at": "tomorrow"}, "expires_at",
			"Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."},
	} {
		res := a.do(t, tc.method, tc.path, tc.token, tc.body)
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s %s: %d %s, want 400", tc.method, tc.path, res.Status, res.Body)
			continue
		}
		var fields map[string][]string
		res.JSON(t, &fields)
		if len(fields) != 1 || len(fields[tc.field]) != 1 || fields[tc.field][0] != tc.want {
			t.Errorf("%s %s: %s, want {%q: [%q]}", tc.method, tc.path, res.Body, tc.field, tc.want)
		}
		if strings.ContainsAny(string(res.Body), "^$") || strings.Contains(string(res.Body), "regular expression") {
			t.Errorf("%s %s: schema internals in %s", tc.method, tc.path, res.Body)
		}
	}
}

// Issue 9 item 6: a UUID is accepted with or without dashes (Python's
// uuid.hex, as Waldur's URLs write it) wherever one is input: path, query
// and body; the service always writes the canonical dashed form.
func TestUUIDsWithoutDashes(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		hex := func(id any) string { return strings.ReplaceAll(id.(string), "-", "") }
		checklistID, q := withExampleChecklist(t, a)
		v := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "12417834"}).Object(t)
		id := v["uuid"].(string)

		// Path, in either case.
		for _, path := range []string{base + hex(id) + "/", base + strings.ToUpper(hex(id)) + "/"} {
			res := a.do(t, "GET", path, a.aliceT, nil)
			wantStatus(t, res, http.StatusOK)
			if got := res.Object(t)["uuid"]; got != id {
				t.Errorf("GET %s: uuid %v, want the dashed %s", path, got, id)
			}
		}
		wantStatus(t, a.do(t, "GET", base+hex(id)+"/completion_status/", a.aliceT, nil), http.StatusOK)

		// Query.
		res := a.do(t, "GET", base+"checklist-template/?parent_uuid="+hex(checklistID.String()), a.aliceT, nil)
		wantStatus(t, res, http.StatusOK)
		if got := res.Object(t)["checklist"].(map[string]any)["uuid"]; got != checklistID.String() {
			t.Errorf("template of %s: checklist %v", hex(checklistID.String()), got)
		}
		res = a.do(t, "GET", "/api/checklists-admin-questions/?checklist="+hex(checklistID.String()), a.staffT, nil)
		wantStatus(t, res, http.StatusOK)
		if res.Header.Get("X-Result-Count") == "0" {
			t.Error("questions of a checklist named without dashes: none")
		}

		// Body: an answer naming its question, and a select answer naming its option, without dashes.
		usage := q["planned_usage"]
		res = a.do(t, "POST", base+hex(id)+"/submit_answers/", a.aliceT, []any{
			map[string]any{"question_uuid": hex(usage.UUID.String()), "answer_data": []string{hex(optionID(usage, usage.Options[0].Label))}},
		})
		wantStatus(t, res, http.StatusOK)
		cl := a.do(t, "GET", base+id+"/checklist/", a.aliceT, nil).Object(t)
		stored := findQuestion(t, cl, usage.UUID)["existing_answer"].(map[string]any)["answer_data"]
		if want := []any{optionID(usage, usage.Options[0].Label)}; len(stored.([]any)) != 1 || stored.([]any)[0] != want[0] {
			t.Errorf("select answer stored as %v, want the dashed %v", stored, want)
		}

		esc := eeCase(t, a, escalatedCode, "escalated")
		res = a.do(t, "POST", jbase, a.aliceT, map[string]any{"verification_uuid": hex(esc["uuid"]), "user_justification": "The register lags."})
		wantStatus(t, res, http.StatusCreated)
		if got := res.Object(t)["verification_uuid"]; got != esc["uuid"] {
			t.Errorf("justification names verification %v, want the dashed %v", got, esc["uuid"])
		}

		// Neither form with other punctuation.
		for _, bad := range []string{"{" + id + "}", "urn:uuid:" + id, hex(id)[:31]} {
			res := a.do(t, "GET", base+bad+"/", a.aliceT, nil)
			wantStatus(t, res, http.StatusBadRequest)
		}
	})
}
