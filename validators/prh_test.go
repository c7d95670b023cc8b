package validators

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestPRHCheckCode(t *testing.T) {
	t.Parallel()
	v := NewPRH(Config{})
	for _, code := range []string{"0112038-9", "01120389", " 0112038-9 ", "1000002-0", "2646674-9"} {
		if err := v.CheckCode(code); err != nil {
			t.Errorf("CheckCode(%q) = %v, want valid", code, err)
		}
	}
	// 1000008-x: remainder 1, never issued, so no check digit is valid.
	for _, code := range []string{"0112038-8", "112038-9", "00112038-9", "0112038_9", "011203A-9", "0112038-", "", "1000008-0", "1000008-1", "FI01120389"} {
		e := wantCode(t, v.CheckCode(code), CodeInvalidCode)
		if !strings.Contains(e.Message, "mod-11") {
			t.Errorf("CheckCode(%q) message %q does not name the rule", code, e.Message)
		}
	}
	for _, c := range prhSandboxCases {
		if err := v.CheckCode(c.Code); err != nil {
			t.Errorf("sandbox code %s fails CheckCode: %v", c.Code, err)
		}
	}
}

func TestPRHValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		code       string
		wrap       func(http.Handler) http.Handler
		wantErr    Code
		wantStatus string
		wantCalls  int // -1: at least 2 (retried)
	}{
		{name: "active", code: prhCodeVerified, wantStatus: StatusActive, wantCalls: 1},
		{name: "code without hyphen", code: "01120389", wantStatus: StatusActive, wantCalls: 1},
		{name: "bankrupt", code: prhCodeBankrupt, wantStatus: StatusBankrupt, wantCalls: 1},
		{name: "ceased", code: prhCodeDeleted, wantStatus: StatusDeleted, wantCalls: 1},
		{name: "liquidation after ended restructuring", code: prhCodeLiquidation, wantStatus: StatusLiquidation, wantCalls: 1},
		{name: "not found: empty result", code: prhCodeNotFound, wantErr: CodeCompanyNotFound, wantCalls: 1},
		{name: "not found: 404", code: prhCodeVerified, wrap: prhReplyStatus(http.StatusNotFound), wantErr: CodeCompanyNotFound, wantCalls: 1},
		{name: "not found: 410", code: prhCodeVerified, wrap: prhReplyStatus(http.StatusGone), wantErr: CodeCompanyNotFound, wantCalls: 1},
		{name: "blocked by a proxy: 403", code: prhCodeVerified, wrap: prhReplyStatus(http.StatusForbidden), wantErr: CodeConfigurationError, wantCalls: 1},
		{name: "rejected: 401", code: prhCodeVerified, wrap: prhReplyStatus(http.StatusUnauthorized), wantErr: CodeConfigurationError, wantCalls: 1},
		{name: "bad request: 400", code: prhCodeVerified, wrap: prhReplyStatus(http.StatusBadRequest), wantErr: CodeAPIError, wantCalls: 1},
		{name: "rate limited", code: prhCodeRateLimited, wantErr: CodeAPIError, wantCalls: -1},
		{name: "server error", code: prhCodeServerError, wantErr: CodeAPIError, wantCalls: -1},
		{name: "timeout", code: prhCodeTimeout, wantErr: CodeAPIError, wantCalls: -1},
		{name: "malformed body", code: prhCodeMalformed, wantErr: CodeAPIError, wantCalls: 1},
		{name: "invalid code", code: "0112038-8", wantErr: CodeInvalidCode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var h http.Handler = prhFake()
			if tc.wrap != nil {
				h = tc.wrap(h)
			}
			srv, seen := recordingServer(t, h)
			res, err := NewPRH(prhTestConfig(srv.URL)).Validate(context.Background(), Request{Country: "FI", Code: tc.code})
			switch n := len(seen()); {
			case tc.wantCalls == -1 && n < 2:
				t.Errorf("register called %d times, want retries", n)
			case tc.wantCalls >= 0 && n != tc.wantCalls:
				t.Errorf("register called %d times, want %d", n, tc.wantCalls)
			}
			if tc.wantErr != "" {
				wantCode(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			c := res.Company
			if c.Status != tc.wantStatus || c.Registry != "prh" || !strings.Contains(c.LegalPersonIdentifier, "-") ||
				c.Name == "" || c.LegalForm == "" || c.Address == "" || c.RegistrationDate == "" {
				t.Errorf("company = %+v", c)
			}
			if res.PersonChecked || len(res.Roles) != 0 || res.Authorized() {
				t.Errorf("PRH has no person data, got PersonChecked=%v roles=%v", res.PersonChecked, res.Roles)
			}
			if !strings.Contains(string(res.Raw), `"businessId"`) {
				t.Errorf("raw lacks the register's answer: %s", res.Raw)
			}
		})
	}
}

func TestPRHNokia(t *testing.T) {
	t.Parallel()
	srv, seen := recordingServer(t, prhFake())
	res, err := NewPRH(prhTestConfig(srv.URL)).Validate(context.Background(), Request{Country: "FI", Code: "0112038-9", Person: Person{Identifier: "010101-123N"}})
	if err != nil {
		t.Fatal(err)
	}
	want := Company{Name: "Nokia Oyj", LegalPersonIdentifier: "0112038-9", Status: StatusActive, LegalForm: "Public limited company",
		Address: "Karakaari 7, 02610 ESPOO", RegistrationDate: "1978-03-15", Registry: "prh"}
	if res.Company != want {
		t.Errorf("company = %+v\nwant      %+v", res.Company, want)
	}
	r := seen()[0]
	if r.method != http.MethodGet || r.path != "/opendata-ytj-api/v3/companies" || r.query != "businessId=0112038-9" {
		t.Errorf("request = %s %s?%s", r.method, r.path, r.query)
	}
	// Open data: no credentials, and the person's data never leaves the service.
	if r.header.Get("Authorization") != "" || strings.Contains(r.query, "010101") {
		t.Errorf("unexpected credentials or person data sent: %v %s", r.header, r.query)
	}
}

func prhReplyStatus(code int) func(http.Handler) http.Handler {
	return func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			w.Write([]byte(`{"timestamp":"2025-01-01T00:00:00","message":"error","errorcode":"` + http.StatusText(code) + `"}`))
		})
	}
}

// prhTestConfig keeps retries short so a failing register test ends in about a second.
func prhTestConfig(url string) Config {
	return Config{BaseURL: url, Timeout: 200 * time.Millisecond, Deadline: 900 * time.Millisecond}
}
