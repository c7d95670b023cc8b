package server_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// upload sends a multipart attach_document request.
func (a *api) upload(t *testing.T, path, token, name string, content []byte) response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", name)
	part.Write(content)
	w.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Token "+token)
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	res := response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	checkContract(t, req, res)
	return res
}

func TestStaffReview(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		v := eeCase(t, a, escalatedCode, "escalated")

		wantStatus(t, a.do(t, "POST", jbase, a.bobT, map[string]any{"verification_uuid": v["uuid"], "user_justification": "mine"}), http.StatusNotFound)
		wantStatus(t, a.do(t, "POST", jbase, a.aliceT, map[string]any{"verification_uuid": v["uuid"], "user_justification": "  "}), http.StatusBadRequest)
		pending := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "NO"}).Object(t)
		res := a.do(t, "POST", jbase, a.aliceT, map[string]any{"verification_uuid": pending["uuid"], "user_justification": "please"})
		wantStatus(t, res, http.StatusBadRequest)
		if _, ok := res.Object(t)["verification_uuid"]; !ok {
			t.Fatalf("pending verification: %s", res.Body)
		}

		res = a.do(t, "POST", jbase, a.aliceT, map[string]any{"verification_uuid": v["uuid"], "user_justification": "I was appointed last week; the register lags."})
		wantStatus(t, res, http.StatusCreated)
		j := res.Object(t)
		if j["decision"] != "pending" || j["verification_status"] != "escalated" || j["reviewer"] != nil {
			t.Fatalf("justification %v", j)
		}
		path := jbase + j["uuid"].(string) + "/"

		// Documents: sniffed, not trusted by name.
		pdf := []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
		res = a.upload(t, path+"attach_document/", a.aliceT, "minutes.pdf", []byte("<html><script>alert(1)</script></html>"))
		wantStatus(t, res, http.StatusBadRequest)
		wantStatus(t, a.upload(t, path+"attach_document/", a.bobT, "minutes.pdf", pdf), http.StatusNotFound)
		res = a.upload(t, path+"attach_document/", a.aliceT, "minutes.pdf", pdf)
		wantStatus(t, res, http.StatusOK)
		docs := res.Object(t)["documents"].([]any)
		if len(docs) != 1 || docs[0].(map[string]any)["mime_type"] != "application/pdf" {
			t.Fatalf("documents %v", docs)
		}

		// Lists: own for users, all for support.
		for token, want := range map[string]string{a.aliceT: "1", a.bobT: "0", a.supportT: "1"} {
			if got := a.do(t, "GET", jbase, token, nil).Header.Get("X-Result-Count"); got != want {
				t.Errorf("justifications list %s, want %s", got, want)
			}
		}

		// Only staff decide; the decision sticks.
		wantStatus(t, a.do(t, "POST", path+"approve/", a.aliceT, map[string]any{"staff_notes": "self-approved"}), http.StatusForbidden)
		wantStatus(t, a.do(t, "POST", path+"approve/", a.supportT, map[string]any{}), http.StatusForbidden)
		wantStatus(t, a.do(t, "POST", jbase+uuid.NewString()+"/approve/", a.staffT, map[string]any{}), http.StatusNotFound)
		res = a.do(t, "POST", path+"approve/", a.staffT, map[string]any{"staff_notes": "Checked the board minutes."})
		wantStatus(t, res, http.StatusOK)
		j = res.Object(t)
		if j["decision"] != "approved" || j["reviewer"] != float64(a.staff.ID) || j["reviewed_at"] == nil || j["verification_status"] != "verified" {
			t.Fatalf("approved %v", j)
		}
		got := a.do(t, "GET", base+v["uuid"].(string)+"/", a.aliceT, nil).Object(t)
		if got["status"] != "verified" || got["validation_method"] != "ariregister" || got["validated_at"] == nil {
			t.Fatalf("verification after approval: %v %v %v", got["status"], got["validation_method"], got["validated_at"])
		}
		wantStatus(t, a.do(t, "POST", path+"reject/", a.staffT, map[string]any{}), http.StatusConflict)
		events := string(a.do(t, "GET", base+v["uuid"].(string)+"/events/", a.staffT, nil).Body)
		for _, kind := range []string{"justification_submitted", "approved"} {
			if !strings.Contains(events, `"kind":"`+kind+`"`) {
				t.Errorf("no %s event: %s", kind, events)
			}
		}
		// Now a customer can be created; approving another case of the same company is a conflict.
		wantStatus(t, a.do(t, "POST", base+v["uuid"].(string)+"/create_customer/", a.aliceT, nil), http.StatusCreated)
		other := eeCase(t, a, escalatedCode, "escalated")
		oj := a.do(t, "POST", jbase, a.aliceT, map[string]any{"verification_uuid": other["uuid"], "user_justification": "again"}).Object(t)
		wantStatus(t, a.do(t, "POST", jbase+oj["uuid"].(string)+"/approve/", a.staffT, map[string]any{}), http.StatusConflict)
		res = a.do(t, "POST", jbase+oj["uuid"].(string)+"/reject/", a.staffT, map[string]any{"staff_notes": "duplicate"})
		wantStatus(t, res, http.StatusOK)
		if res.Object(t)["verification_status"] != "failed" {
			t.Fatalf("rejected: %s", res.Body)
		}
	})
}

const jbase = "/api/onboarding-justifications/"

// escalatedCode is an EE company whose register lists nobody: escalated.
const escalatedCode = "10000024"

// eeCase starts and runs alice's verification of an EE company, which must
// end in status.
func eeCase(t *testing.T, a *api, code, status string) map[string]any {
	t.Helper()
	v := startAndRun(t, a, map[string]any{"country": "EE", "legal_person_identifier": code, "person_identifier": estonianPerson})
	if v["status"] != status {
		t.Fatalf("setup: %s is %v, want %s", code, v["status"], status)
	}
	return v
}

// justify submits a justification for alice's verification v.
func justify(t *testing.T, a *api, v map[string]any) map[string]any {
	t.Helper()
	res := a.do(t, "POST", jbase, a.aliceT, map[string]any{"verification_uuid": v["uuid"], "user_justification": "The register lags."})
	wantStatus(t, res, http.StatusCreated)
	return res.Object(t)
}

// A decision applies only while the verification is still under review:
// once it is verified (another justification approved) or back to pending
// (the company was edited), deciding an older justification is a conflict
// and changes nothing.
func TestDecisionNeedsVerificationUnderReview(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		v := eeCase(t, a, escalatedCode, "escalated")
		first, second := justify(t, a, v), justify(t, a, v)
		wantStatus(t, a.do(t, "POST", jbase+first["uuid"].(string)+"/approve/", a.staffT, map[string]any{}), http.StatusOK)
		path := base + v["uuid"].(string) + "/"
		wantStatus(t, a.do(t, "POST", path+"create_customer/", a.aliceT, nil), http.StatusCreated)
		for _, op := range []string{"reject/", "approve/"} {
			res := a.do(t, "POST", jbase+second["uuid"].(string)+"/"+op, a.staffT, map[string]any{"staff_notes": "late"})
			wantStatus(t, res, http.StatusConflict)
			if !strings.Contains(res.Object(t)["detail"].(string), "verified") {
				t.Fatalf("%s: %s", op, res.Body)
			}
		}
		if got := a.do(t, "GET", path, a.aliceT, nil).Object(t); got["status"] != "verified" {
			t.Fatalf("a late decision changed the verification to %v", got["status"])
		}
		var js []map[string]any
		a.do(t, "GET", jbase, a.aliceT, nil).JSON(t, &js)
		for _, j := range js {
			if j["uuid"] == second["uuid"] && (j["decision"] != "pending" || j["reviewer"] != nil) {
				t.Fatalf("refused decision stored: %v", j)
			}
		}

		// Edited back to pending: nothing left to approve.
		v = eeCase(t, a, escalatedCode, "escalated")
		j := justify(t, a, v)
		path = base + v["uuid"].(string) + "/"
		wantStatus(t, a.do(t, "PATCH", path, a.aliceT, map[string]any{"legal_person_identifier": "12417834"}), http.StatusOK)
		wantStatus(t, a.do(t, "POST", jbase+j["uuid"].(string)+"/approve/", a.staffT, map[string]any{}), http.StatusConflict)
		if got := a.do(t, "GET", path, a.aliceT, nil).Object(t); got["status"] != "pending" {
			t.Fatalf("approved an edited verification: %v", got["status"])
		}
	})
}

// Documents: a field name in every 400, the size limit, nothing after the decision.
func TestAttachDocumentRules(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		v := eeCase(t, a, escalatedCode, "escalated")
		path := jbase + justify(t, a, v)["uuid"].(string) + "/attach_document/"
		png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
		big := append(append([]byte{}, png...), make([]byte, 10<<20)...)
		for name, c := range map[string]struct {
			file    string
			content []byte
			want    string
		}{
			"empty":          {"scan.png", nil, "empty"},
			"too large":      {"scan.png", big, "10 MB"},
			"wrong type":     {"notes.txt", []byte("plain text"), "extension"},
			"sniffed":        {"scan.png", []byte("just text, named like a picture"), "text/plain"},
			"pdf named png":  {"scan.png", []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"), "does not match"},
			"name not UTF-8": {"scan\xff\xfe.png", png, "UTF-8"},
		} {
			res := a.upload(t, path, a.aliceT, c.file, c.content)
			wantStatus(t, res, http.StatusBadRequest)
			if msgs, ok := res.Object(t)["file"].([]any); !ok || !strings.Contains(msgs[0].(string), c.want) {
				t.Errorf("%s: %s", name, res.Body)
			}
		}
		var js []map[string]any
		a.do(t, "GET", jbase, a.aliceT, nil).JSON(t, &js)
		if docs := js[0]["documents"].([]any); len(docs) != 0 {
			t.Fatalf("refused uploads stored: %v", docs)
		}
		res := a.upload(t, path, a.aliceT, "scan.png", png)
		wantStatus(t, res, http.StatusOK)
		if docs := res.Object(t)["documents"].([]any); len(docs) != 1 || docs[0].(map[string]any)["mime_type"] != "image/png" {
			t.Fatalf("documents %v", docs)
		}
		wantStatus(t, a.do(t, "POST", strings.TrimSuffix(path, "attach_document/")+"reject/", a.staffT, map[string]any{}), http.StatusOK)
		wantStatus(t, a.upload(t, path, a.aliceT, "scan.png", png), http.StatusConflict)
	})
}

// A justification shows its verification's status as every read does:
// expired once expires_at has passed, even before the sweeper ran.
func TestJustificationShowsExpiry(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		v := eeCase(t, a, escalatedCode, "escalated")
		j := justify(t, a, v)
		past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
		wantStatus(t, a.do(t, "PATCH", base+v["uuid"].(string)+"/", a.staffT, map[string]any{"expires_at": past}), http.StatusOK)
		var js []map[string]any
		a.do(t, "GET", jbase, a.aliceT, nil).JSON(t, &js)
		if len(js) != 1 || js[0]["verification_status"] != "expired" {
			t.Fatalf("justifications %v", js)
		}
		res := a.do(t, "POST", jbase+j["uuid"].(string)+"/approve/", a.staffT, map[string]any{})
		wantStatus(t, res, http.StatusConflict)
		if !strings.Contains(res.Object(t)["detail"].(string), "expired") {
			t.Fatalf("approve expired: %s", res.Body)
		}
	})
}

// A body of a type its operation does not take is a 400 naming the media
// type (or the missing multipart boundary), for a justification that exists
// and one that does not, and for JSON operations sent something else; never
// a 500, and nothing is stored.
func TestBodyOfTheWrongMediaType(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		v := eeCase(t, a, escalatedCode, "escalated")
		existing := jbase + justify(t, a, v)["uuid"].(string) + "/attach_document/"
		unknown := jbase + uuid.NewString() + "/attach_document/"
		for _, c := range []struct{ path, contentType, body, want string }{
			{existing, "application/json", `{"file": "x"}`, "application/json"},
			{unknown, "application/json", `{"file": "x"}`, "application/json"},
			{existing, "multipart/form-data", "--x\r\n\r\n--x--\r\n", "boundary"},
			{unknown, "multipart/form-data", "--x\r\n\r\n--x--\r\n", "boundary"},
			{existing, "text/plain", "minutes", "text/plain"},
			{existing, "", "minutes", "multipart/form-data"},
			{start, "multipart/form-data; boundary=x", "--x\r\n\r\n--x--\r\n", "multipart/form-data"},
			{start, "text/plain", `{"country": "EE"}`, "text/plain"},
			{base + v["uuid"].(string) + "/submit_answers/", "application/x-www-form-urlencoded", "a=b", "application/x-www-form-urlencoded"},
		} {
			res := a.send(t, "POST", c.path, c.contentType, strings.NewReader(c.body))
			wantStatus(t, res, http.StatusBadRequest)
			if !strings.Contains(string(res.Body), c.want) {
				t.Errorf("%s as %q: %s does not name %q", c.path, c.contentType, res.Body, c.want)
			}
		}
		var js []map[string]any
		a.do(t, "GET", jbase, a.aliceT, nil).JSON(t, &js)
		if docs := js[0]["documents"].([]any); len(docs) != 0 {
			t.Fatalf("documents stored from refused bodies: %v", docs)
		}
	})
}
