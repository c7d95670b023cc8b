package contracttest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps the failures instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

const verification = `{"uuid":"3f1c2a8e-5b7d-4c1e-9a2f-6d8e0b4c7a91","user":1,"country":"EE","legal_person_identifier":"12417834",
"legal_name":"","lei":"","status":"pending","validation_method":null,"verified_user_roles":[],"verified_company_data":{},
"raw_response":{},"error_traceback":"","error_message":"","validated_at":null,"expires_at":null,"customer":null,
"onboarding_metadata":{},"user_submitted_customer_data":{},"created":"2026-11-25T10:00:00Z","modified":"2026-11-25T10:00:00Z"}`

// The harness fails exactly the responses the strict contract refuses.
func TestCheckIsStrict(t *testing.T) {
	t.Setenv(RecordEnv, "") // these responses are made up: not for the coverage report or Ajv
	path := "/api/onboarding-verifications/3f1c2a8e-5b7d-4c1e-9a2f-6d8e0b4c7a91/"
	json := http.Header{"Content-Type": []string{"application/json"}}
	for _, tc := range []struct {
		name   string
		status int
		body   string
		fails  string // "" when the response is valid
	}{
		{"valid", 200, verification, ""},
		{"undeclared status", 418, `{"detail":"teapot"}`, "status"},
		{"property the schema does not declare", 200, strings.Replace(verification, `"user":1,`, `"user":1,"extra":true,`, 1), "extra"},
		{"declared property missing", 200, strings.Replace(verification, `"legal_name":"",`, ``, 1), "legal_name"},
		{"null where not nullable", 200, strings.Replace(verification, `"legal_name":""`, `"legal_name":null`, 1), "legal_name"},
		{"uuid without dashes", 200, strings.Replace(verification, `3f1c2a8e-5b7d-4c1e-9a2f-6d8e0b4c7a91`, `3f1c2a8e5b7d4c1e9a2f6d8e0b4c7a91`, 1), "uuid"},
		{"date-time that is not one", 200, strings.Replace(verification, `"created":"2026-11-25T10:00:00Z"`, `"created":"yesterday"`, 1), "created"},
		{"enum value not listed", 200, strings.Replace(verification, `"validation_method":null`, `"validation_method":"abacus"`, 1), "validation_method"},
		{"declared error", 404, `{"detail":"Not found."}`, ""},
		{"error with another shape", 404, `{"message":"Not found."}`, "detail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			Check(r, httptest.NewRequest("GET", path, nil), tc.status, json, []byte(tc.body))
			got := strings.Join(r.errors, "\n")
			switch {
			case tc.fails == "" && got != "":
				t.Fatalf("valid response refused: %s", got)
			case tc.fails != "" && !strings.Contains(got, tc.fails):
				t.Fatalf("want a failure mentioning %q, got %q", tc.fails, got)
			}
		})
	}
}

// Formats are checked: email and uri too, which kin-openapi leaves alone by
// default.
func TestFormats(t *testing.T) {
	f := Formats()
	for _, tc := range []struct {
		format, value string
		ok            bool
	}{
		{"uuid", "3f1c2a8e-5b7d-4c1e-9a2f-6d8e0b4c7a91", true},
		{"uuid", "3F1C2A8E-5B7D-4C1E-9A2F-6D8E0B4C7A91", false}, // the service writes lower case
		{"uuid", "3f1c2a8e5b7d4c1e9a2f6d8e0b4c7a91", false},
		{"email", "a@example.com", true},
		{"email", "not an email", false},
		{"email", "", false},
		{"uri", "http://localhost/api/customers/x/", true},
		{"uri", "/api/customers/x/", false},
		{"uri", "", false},
	} {
		if err := f[tc.format].Validate(tc.value); (err == nil) != tc.ok {
			t.Errorf("%s %q: error %v, want ok=%v", tc.format, tc.value, err, tc.ok)
		}
	}
}
