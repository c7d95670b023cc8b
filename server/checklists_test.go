package server_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/domain"
)

// withExampleChecklist imports examples/checklists/company-onboarding.yaml
// (configured for EE, NO, FI) and returns its questions by key.
func withExampleChecklist(t *testing.T, a *api) (uuid.UUID, map[string]checklist.Question) {
	t.Helper()
	f, err := os.Open("../examples/checklists/company-onboarding.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	def, err := checklist.ParseDefinition(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.ImportChecklist(context.Background(), def); err != nil {
		t.Fatal(err)
	}
	byKey := map[string]checklist.Question{}
	for _, q := range def.Questions {
		byKey[keyOf(def, q)] = q
	}
	return def.Checklist.UUID, byKey
}

// keyOf finds a question's key in the example by its description's start.
func keyOf(def *checklist.Definition, q checklist.Question) string {
	keys := map[string]string{
		"Company contact e-mail": "contact_email", "Company phone number": "contact_phone", "Company website": "homepage",
		"VAT number": "vat_code", "How will your organisation use": "planned_usage", "Describe the commercial": "commercial_description",
		"How many people": "expected_users", "A recent extract": "registry_extract", "I confirm": "accepts_terms",
	}
	for prefix, key := range keys {
		if strings.HasPrefix(q.Description, prefix) {
			return key
		}
	}
	return q.Description
}

func optionID(q checklist.Question, label string) string {
	for _, o := range q.Options {
		if o.Label == label {
			return o.UUID.String()
		}
	}
	panic("no option " + label)
}

func answer(q checklist.Question, data any) map[string]any {
	return map[string]any{"question_uuid": q.UUID, "answer_data": data}
}

var (
	pdfFile = base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"))
	pngFile = base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"))
)

func TestChecklistFlow(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		_, q := withExampleChecklist(t, a)
		v := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "12417834"}).Object(t)
		path := base + v["uuid"].(string) + "/"

		// Initially: the conditional question is hidden, guidance only where always shown.
		res := a.do(t, "GET", path+"checklist/", a.aliceT, nil)
		wantStatus(t, res, http.StatusOK)
		cl := res.Object(t)
		questions := cl["questions"].([]any)
		if len(questions) != 8 {
			t.Fatalf("%d visible questions, want 8 (commercial_description hidden)", len(questions))
		}
		for _, x := range questions {
			qq := x.(map[string]any)
			wantGuidance := qq["uuid"] == q["accepts_terms"].UUID.String()
			if (qq["user_guidance"] != "") != wantGuidance {
				t.Errorf("question %v guidance %q", qq["description"], qq["user_guidance"])
			}
		}
		completion := cl["completion"].(map[string]any)
		if completion["is_completed"] != false || completion["completion_percentage"] != 0.0 || len(completion["unanswered_required_questions"].([]any)) != 5 {
			t.Fatalf("initial completion %v", completion)
		}

		// A batch with two invalid items stores nothing and names both.
		res = a.do(t, "POST", path+"submit_answers/", a.aliceT, []any{
			answer(q["contact_email"], "not-an-email"),
			answer(q["homepage"], "https://example.com"),
			answer(q["planned_usage"], []string{uuid.NewString()}),
			answer(q["registry_extract"], map[string]any{"name": "extract.pdf", "content": pngFile}), // a PNG that says it is a PDF
			map[string]any{"question_uuid": uuid.New(), "answer_data": "x"},
		})
		wantStatus(t, res, http.StatusBadRequest)
		errs := res.Object(t)
		for _, field := range []string{"0.answer_data", "2.answer_data", "3.answer_data", "4.question_uuid"} {
			if _, ok := errs[field]; !ok {
				t.Errorf("400 does not name %s: %s", field, res.Body)
			}
		}
		if _, ok := errs["1.answer_data"]; ok {
			t.Errorf("the valid item is reported invalid: %s", res.Body)
		}
		if c := a.do(t, "GET", path+"completion_status/", a.aliceT, nil).Object(t); c["completion_percentage"] != 0.0 {
			t.Fatalf("a rejected batch stored answers: %v", c)
		}

		// Commercial use: review triggered, the conditional question appears.
		res = a.do(t, "POST", path+"submit_answers/", a.aliceT, []any{
			answer(q["contact_email"], "info@bolt.example"),
			answer(q["contact_phone"], "+372 5555 1234"),
			answer(q["planned_usage"], []string{optionID(q["planned_usage"], "Commercial services")}),
			answer(q["expected_users"], "250"),
			answer(q["accepts_terms"], true),
			answer(q["registry_extract"], map[string]any{"name": "extract.PDF", "content": pdfFile}),
		})
		wantStatus(t, res, http.StatusOK)
		done := res.Object(t)["completion"].(map[string]any)
		unanswered := done["unanswered_required_questions"].([]any)
		if done["is_completed"] != false || len(unanswered) != 1 || unanswered[0].(map[string]any)["uuid"] != q["commercial_description"].UUID.String() ||
			unanswered[0].(map[string]any)["question_type"] != "text_area" {
			t.Fatalf("after commercial answers: %v", done)
		}
		mine := a.do(t, "GET", path+"checklist/", a.aliceT, nil).Object(t)
		staffView := a.do(t, "GET", path+"checklist/", a.staffT, nil).Object(t)
		usage := findQuestion(t, mine, q["planned_usage"].UUID)
		if usage["user_guidance"] == "" {
			t.Error("guidance for commercial use not shown")
		}
		if flag, present := usage["existing_answer"].(map[string]any)["requires_review"]; !present || flag != nil {
			t.Errorf("the answering user sees the review flag %v (present %v), want null", flag, present)
		}
		if findQuestion(t, staffView, q["planned_usage"].UUID)["existing_answer"].(map[string]any)["requires_review"] != true {
			t.Error("staff do not see that commercial use requires review")
		}
		extract := findQuestion(t, mine, q["registry_extract"].UUID)["existing_answer"].(map[string]any)["answer_data"].(map[string]any)
		if extract["mime_type"] != "application/pdf" || extract["stored_file_id"] == nil || extract["content"] != nil {
			t.Fatalf("file answer %v", extract)
		}
		if findQuestion(t, mine, q["commercial_description"].UUID) == nil {
			t.Fatal("conditional question still hidden")
		}

		// Review is re-evaluated on update; the now-hidden answer is kept but not counted.
		wantStatus(t, a.do(t, "POST", path+"submit_answers/", a.aliceT, []any{
			answer(q["commercial_description"], "Consulting."),
		}), http.StatusOK)
		res = a.do(t, "POST", path+"submit_answers/", a.aliceT, []any{
			answer(q["planned_usage"], optionID(q["planned_usage"], "Research")),
		})
		wantStatus(t, res, http.StatusOK)
		done = res.Object(t)["completion"].(map[string]any)
		if done["is_completed"] != true {
			t.Fatalf("research use should be complete: %v", done)
		}
		staffView = a.do(t, "GET", path+"checklist/", a.staffT, nil).Object(t)
		if findQuestion(t, staffView, q["planned_usage"].UUID)["existing_answer"].(map[string]any)["requires_review"] != false {
			t.Error("review flag not cleared by the update")
		}
		if findQuestion(t, staffView, q["commercial_description"].UUID) != nil {
			t.Error("hidden question still listed")
		}

		// Metadata on the verification; null deletes an answer.
		got := a.do(t, "GET", path, a.aliceT, nil).Object(t)
		meta := got["onboarding_metadata"].(map[string]any)
		customer := got["user_submitted_customer_data"].(map[string]any)
		if meta["planned_usage"] != "Research" || customer["email"] != "info@bolt.example" || customer["phone_number"] != "+37255551234" {
			t.Fatalf("metadata %v, customer data %v", meta, customer)
		}
		res = a.do(t, "POST", path+"submit_answers/", a.aliceT, []any{answer(q["accepts_terms"], nil)})
		wantStatus(t, res, http.StatusOK)
		if res.Object(t)["completion"].(map[string]any)["is_completed"] != false {
			t.Fatal("deleting a required answer kept the checklist complete")
		}

		// Visibility: bob sees nothing, support reads but may not answer.
		wantStatus(t, a.do(t, "GET", path+"checklist/", a.bobT, nil), http.StatusNotFound)
		wantStatus(t, a.do(t, "POST", path+"submit_answers/", a.bobT, []any{answer(q["vat_code"], "EE1")}), http.StatusNotFound)
		wantStatus(t, a.do(t, "GET", path+"completion_status/", a.supportT, nil), http.StatusOK)
		wantStatus(t, a.do(t, "POST", path+"submit_answers/", a.supportT, []any{answer(q["vat_code"], "EE1")}), http.StatusForbidden)

		// Once expired, answers no longer change.
		stored, _ := a.store.Verification(context.Background(), uuid.MustParse(v["uuid"].(string)))
		stored.Status = domain.StatusExpired
		if err := a.store.UpdateVerification(context.Background(), stored, nil); err != nil {
			t.Fatal(err)
		}
		res = a.do(t, "POST", path+"submit_answers/", a.aliceT, []any{answer(q["vat_code"], "EE1")})
		wantStatus(t, res, http.StatusConflict)
		if !strings.Contains(res.Object(t)["detail"].(string), "expired") {
			t.Fatalf("409 does not say why: %s", res.Body)
		}
	})
}

func findQuestion(t *testing.T, checklistBody map[string]any, id uuid.UUID) map[string]any {
	t.Helper()
	for _, x := range checklistBody["questions"].([]any) {
		if q := x.(map[string]any); q["uuid"] == id.String() {
			return q
		}
	}
	return nil
}

func TestChecklistTemplateAndMissingChecklist(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		checklistID, q := withExampleChecklist(t, a)
		tmpl := base + "checklist-template/"
		// Review triggers are for staff and support; a regular user sees none.
		for token, reviewer := range map[string]bool{a.staffT: true, a.supportT: true, a.aliceT: false} {
			res := a.do(t, "GET", tmpl+"?parent_uuid="+checklistID.String(), token, nil)
			wantStatus(t, res, http.StatusOK)
			body := res.Object(t)
			if len(body["questions"].([]any)) != 9 || len(body["initial_visible_questions"].([]any)) != 8 {
				t.Fatalf("template: %d questions, %d initially visible", len(body["questions"].([]any)), len(body["initial_visible_questions"].([]any)))
			}
			usage := body["questions"].([]any)[4].(map[string]any)
			if reviewer && (usage["operator"] != "equals" || usage["review_answer_value"] != optionID(q["planned_usage"], "Commercial services")) {
				t.Fatalf("template question for a reviewer %v", usage)
			}
			for _, question := range body["questions"].([]any) {
				for _, key := range []string{"operator", "review_answer_value", "always_requires_review"} {
					if value := question.(map[string]any)[key]; !reviewer && value != nil {
						t.Errorf("a regular user sees %s = %v", key, value)
					}
				}
			}
		}
		v := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "NO"}).Object(t)
		res := a.do(t, "GET", tmpl+"?parent_uuid="+v["uuid"].(string), a.aliceT, nil)
		wantStatus(t, res, http.StatusOK)
		if res.Object(t)["checklist"].(map[string]any)["uuid"] != checklistID.String() {
			t.Fatal("template of a verification is not its country's checklist")
		}
		wantStatus(t, a.do(t, "GET", tmpl+"?parent_uuid="+v["uuid"].(string), a.bobT, nil), http.StatusNotFound)
		wantStatus(t, a.do(t, "GET", tmpl+"?parent_uuid="+uuid.NewString(), a.aliceT, nil), http.StatusNotFound)
		res = a.do(t, "GET", tmpl, a.aliceT, nil)
		wantStatus(t, res, http.StatusBadRequest)
		if msgs, _ := res.Object(t)["parent_uuid"].([]any); len(msgs) != 1 || msgs[0] != "This field is required." {
			t.Fatalf("missing parent_uuid: %s", res.Body)
		}

		// SE has no checklist configured.
		se := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "SE"}).Object(t)
		for _, op := range []string{"checklist/", "completion_status/"} {
			res := a.do(t, "GET", base+se["uuid"].(string)+"/"+op, a.aliceT, nil)
			wantStatus(t, res, http.StatusBadRequest)
			if res.Object(t)["detail"] != "No checklist configured for this object" {
				t.Fatalf("%s without checklist: %s", op, res.Body)
			}
		}
		wantStatus(t, a.do(t, "POST", base+se["uuid"].(string)+"/submit_answers/", a.aliceT, []any{}), http.StatusBadRequest)
	})
}
