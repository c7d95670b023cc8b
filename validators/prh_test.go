package validators_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

func TestPRHCheckCode(t *testing.T) {
	t.Parallel()
	v := validators.NewPRH(validators.Config{})
	for _, code := range []string{"0112038-9", "01120389", " 0112038-9 ", "1000002-0", "2646674-9"} {
		if err := v.CheckCode(code); err != nil {
			t.Errorf("CheckCode(%q) = %v, want valid", code, err)
		}
	}
	// 1000008-x: remainder 1, never issued, so no check digit is valid.
	for _, code := range []string{"0112038-8", "112038-9", "00112038-9", "0112038_9", "011203A-9", "0112038-", "", "1000008-0", "1000008-1", "FI01120389"} {
		e := wantCode(t, v.CheckCode(code), validators.CodeInvalidCode)
		if !strings.Contains(e.Message, "mod-11") {
			t.Errorf("CheckCode(%q) message %q does not name the rule", code, e.Message)
		}
	}
	for _, c := range sandbox.PrhSandboxCases {
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
		wantErr    validators.Code
		wantStatus string
		wantCalls  int // -1: at least 2 (retried)
	}{
		{name: "active", code: sandbox.PrhCodeVerified, wantStatus: validators.StatusActive, wantCalls: 1},
		{name: "code without hyphen", code: "01120389", wantStatus: validators.StatusActive, wantCalls: 1},
		{name: "bankrupt", code: sandbox.PrhCodeBankrupt, wantStatus: validators.StatusBankrupt, wantCalls: 1},
		{name: "ceased", code: sandbox.PrhCodeDeleted, wantStatus: validators.StatusDeleted, wantCalls: 1},
		{name: "liquidation after ended restructuring", code: sandbox.PrhCodeLiquidation, wantStatus: validators.StatusLiquidation, wantCalls: 1},
		{name: "not found: empty result", code: sandbox.PrhCodeNotFound, wantErr: validators.CodeCompanyNotFound, wantCalls: 1},
		{name: "not found: 404", code: sandbox.PrhCodeVerified, wrap: prhReplyStatus(http.StatusNotFound), wantErr: validators.CodeCompanyNotFound, wantCalls: 1},
		{name: "not found: 410", code: sandbox.PrhCodeVerified, wrap: prhReplyStatus(http.StatusGone), wantErr: validators.CodeCompanyNotFound, wantCalls: 1},
		{name: "blocked by a proxy: 403", code: sandbox.PrhCodeVerified, wrap: prhReplyStatus(http.StatusForbidden), wantErr: validators.CodeConfigurationError, wantCalls: 1},
		{name: "rejected: 401", code: sandbox.PrhCodeVerified, wrap: prhReplyStatus(http.StatusUnauthorized), wantErr: validators.CodeConfigurationError, wantCalls: 1},
		{name: "bad request: 400", code: sandbox.PrhCodeVerified, wrap: prhReplyStatus(http.StatusBadRequest), wantErr: validators.CodeAPIError, wantCalls: 1},
		{name: "rate limited", code: sandbox.PrhCodeRateLimited, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "server error", code: sandbox.PrhCodeServerError, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "timeout", code: sandbox.PrhCodeTimeout, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "malformed body", code: sandbox.PrhCodeMalformed, wantErr: validators.CodeAPIError, wantCalls: 1},
		{name: "invalid code", code: "0112038-8", wantErr: validators.CodeInvalidCode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var h http.Handler = sandbox.PrhFake()
			if tc.wrap != nil {
				h = tc.wrap(h)
			}
			cfg, rec := fakeServer(t, h, validators.Config{})
			seen := rec.all
			res, err := validators.NewPRH(cfg).Validate(context.Background(), validators.Request{Country: "FI", Code: tc.code})
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
	cfg, rec := fakeServer(t, sandbox.PrhFake(), validators.Config{})
	seen := rec.all
	res, err := validators.NewPRH(cfg).Validate(context.Background(), validators.Request{Country: "FI", Code: "0112038-9", Person: validators.Person{Identifier: "010101-123N"}})
	if err != nil {
		t.Fatal(err)
	}
	want := validators.Company{Name: "Nokia Oyj", LegalPersonIdentifier: "0112038-9", Status: validators.StatusActive, LegalForm: "Public limited company",
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
