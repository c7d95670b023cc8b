package validators_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

// ariregisterCreds are the credentials the fake accepts.
var ariregisterCreds = validators.Config{Username: sandbox.AriregisterFakeUsername, Password: sandbox.AriregisterFakePassword}

func TestAriregisterCheckCode(t *testing.T) {
	t.Parallel()
	v := validators.NewAriregister(validators.Config{})
	for _, code := range []string{"12417834", "70000310", "10000062", " 12417834 ", sandbox.AriregisterCodeVerified} {
		if err := v.CheckCode(code); err != nil {
			t.Errorf("CheckCode(%q) = %v, want valid", code, err)
		}
	}
	for _, code := range []string{"12417835", "1241783", "124178344", "22417834", "52417834", "1241783A", "", "EE12417834"} {
		err := v.CheckCode(code)
		e := wantCode(t, err, validators.CodeInvalidCode)
		if !strings.Contains(e.Message, "8 digits") || !strings.Contains(e.Message, "mod-11") {
			t.Errorf("CheckCode(%q) message %q does not name the rule", code, e.Message)
		}
	}
	for _, c := range sandbox.AriregisterSandboxCases {
		if err := v.CheckCode(c.Code); err != nil {
			t.Errorf("sandbox code %s fails CheckCode: %v", c.Code, err)
		}
	}
}

func TestAriregisterValidate(t *testing.T) {
	t.Parallel()
	mari := sandbox.AriregisterFakePerson
	stranger := validators.Person{Identifier: "49002020002"}
	tests := []struct {
		name       string
		code       string
		person     validators.Person
		cfg        func(*validators.Config)
		wantErr    validators.Code
		wantStatus string
		wantRoles  []string
		wantCalls  int // -1: at least 2 (retried)
	}{
		{name: "verified with two roles", code: sandbox.AriregisterCodeVerified, person: mari, wantStatus: validators.StatusActive, wantRoles: []string{"JUHL", "PROK"}, wantCalls: 1},
		{name: "code with spaces", code: " 12417834 ", person: mari, wantStatus: validators.StatusActive, wantRoles: []string{"JUHL", "PROK"}, wantCalls: 1},
		{name: "person not listed", code: sandbox.AriregisterCodeVerified, person: stranger, wantStatus: validators.StatusActive, wantCalls: 1},
		{name: "joint representation only", code: sandbox.AriregisterCodeNotAuthorized, person: mari, wantStatus: validators.StatusActive, wantCalls: 1},
		{name: "bankrupt", code: sandbox.AriregisterCodeBankrupt, person: mari, wantStatus: validators.StatusBankrupt, wantRoles: []string{"PANKH"}, wantCalls: 1},
		{name: "deleted", code: sandbox.AriregisterCodeDeleted, person: mari, wantStatus: validators.StatusDeleted, wantCalls: 1},
		{name: "liquidation, one-item list as object", code: sandbox.AriregisterCodeLiquidation, person: mari, wantStatus: validators.StatusLiquidation, wantRoles: []string{"LIKV"}, wantCalls: 1},
		{name: "unknown staatus code", code: sandbox.AriregisterCodeUnknownStatus, person: mari, wantStatus: validators.StatusUnknown, wantRoles: []string{"LIKV"}, wantCalls: 1},
		{name: "not found", code: sandbox.AriregisterCodeNotFound, person: mari, wantErr: validators.CodeCompanyNotFound, wantCalls: 1},
		{name: "bad credentials", code: sandbox.AriregisterCodeVerified, person: mari, cfg: func(c *validators.Config) { c.Password = "wrong" }, wantErr: validators.CodeConfigurationError, wantCalls: 1},
		{name: "rate limited", code: sandbox.AriregisterCodeRateLimited, person: mari, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "server fault", code: sandbox.AriregisterCodeServerError, person: mari, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "timeout", code: sandbox.AriregisterCodeTimeout, person: mari, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "malformed body", code: sandbox.AriregisterCodeMalformed, person: mari, wantErr: validators.CodeAPIError, wantCalls: 1},
		{name: "missing person code", code: sandbox.AriregisterCodeVerified, person: validators.Person{FirstName: "Mari"}, wantErr: validators.CodeIdentityValidation},
		{name: "invalid person code", code: sandbox.AriregisterCodeVerified, person: validators.Person{Identifier: "48001010006"}, wantErr: validators.CodeIdentityValidation},
		{name: "invalid company code", code: "12417835", person: mari, wantErr: validators.CodeInvalidCode},
		{name: "no credentials configured", code: sandbox.AriregisterCodeVerified, person: mari, cfg: func(c *validators.Config) { c.Username, c.Password = "", "" }, wantErr: validators.CodeConfigurationError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, rec := fakeServer(t, sandbox.AriregisterFake(), ariregisterCreds)
			seen := rec.all
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			start := time.Now()
			res, err := validators.NewAriregister(cfg).Validate(context.Background(), validators.Request{Country: "EE", Code: tc.code, Person: tc.person})
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Validate took %v", d)
			}
			switch n := len(seen()); {
			case tc.wantCalls == -1 && n < 2:
				t.Errorf("register called %d times, want retries", n)
			case tc.wantCalls >= 0 && n != tc.wantCalls:
				t.Errorf("register called %d times, want %d", n, tc.wantCalls)
			}
			if tc.wantErr != "" {
				e := wantCode(t, err, tc.wantErr)
				if tc.person.Identifier != "" && strings.Contains(e.Error(), tc.person.Identifier) {
					t.Errorf("error %q contains the personal code", e.Error())
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if res.Company.Status != tc.wantStatus || res.Company.Registry != "ariregister" ||
				res.Company.LegalPersonIdentifier != strings.TrimSpace(tc.code) || res.Company.Name == "" || res.Company.LegalForm == "" {
				t.Errorf("company = %+v", res.Company)
			}
			if !res.PersonChecked {
				t.Error("PersonChecked = false, want true")
			}
			var roles []string // the roles that represent the company
			for _, r := range res.Roles {
				if r.Represents {
					roles = append(roles, r.Role)
				}
				if r.Name == "" {
					t.Errorf("role %s has no label", r.Role)
				}
			}
			if strings.Join(roles, ",") != strings.Join(tc.wantRoles, ",") {
				t.Errorf("roles = %v, want %v", roles, tc.wantRoles)
			}
			if res.Authorized() != (len(tc.wantRoles) > 0) {
				t.Errorf("Authorized() = %v", res.Authorized())
			}
			raw := string(res.Raw)
			if !strings.Contains(raw, `"arinimi"`) || !strings.Contains(raw, res.Company.Name) {
				t.Errorf("raw lacks the register's answer: %s", raw)
			}
			if redacted := string(validators.RedactPersons(res.Raw)); strings.Contains(raw, "ariregister_parool") ||
				strings.Contains(redacted, "48001010005") || strings.Contains(redacted, "37505050004") {
				t.Errorf("raw leaks the password or a personal code: %s", redacted)
			}
		})
	}
}

func TestAriregisterSendsCredentialsInSOAPBody(t *testing.T) {
	t.Parallel()
	cfg, rec := fakeServer(t, sandbox.AriregisterFake(), ariregisterCreds)
	if _, err := validators.NewAriregister(cfg).Validate(context.Background(),
		validators.Request{Country: "EE", Code: sandbox.AriregisterCodeVerified, Person: sandbox.AriregisterFakePerson}); err != nil {
		t.Fatal(err)
	}
	reqs := rec.all()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/xml") {
		t.Errorf("request = %s %s (%s), want a SOAP POST to /", r.method, r.path, r.header.Get("Content-Type"))
	}
	// The WSDL's operation declares soapAction="": send exactly that.
	if got, ok := r.header["Soapaction"]; !ok || len(got) != 1 || got[0] != `""` {
		t.Errorf("SOAPAction = %q, want the WSDL's \"\"", got)
	}
	var env struct {
		Keha struct {
			Username string `xml:"ariregister_kasutajanimi"`
			Password string `xml:"ariregister_parool"`
			Format   string `xml:"ariregister_valjundi_formaat"`
			Code     string `xml:"ariregistri_kood"`
		} `xml:"Body>esindus_v1>keha"`
	}
	if err := xml.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("body is not XML: %v\n%s", err, r.body)
	}
	k := env.Keha
	if k.Username != sandbox.AriregisterFakeUsername || k.Password != sandbox.AriregisterFakePassword || k.Format != "json" || k.Code != sandbox.AriregisterCodeVerified {
		t.Errorf("SOAP keha = %+v", k)
	}
	if strings.Contains(string(r.body), sandbox.AriregisterFakePerson.Identifier) {
		t.Error("the personal code was sent to the register; it is matched locally")
	}
}
