package validators_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

var cvrTestCreds = validators.Config{Username: "kyb-user", Password: "s3cret"}

func TestCVRCheckCode(t *testing.T) {
	t.Parallel()
	v := validators.NewCVR(validators.Config{})
	for _, c := range []string{"13585628", "DK 13585628", "DK13585628", "1358 5628", sandbox.CvrCodeNotFound, sandbox.CvrCodeBankrupt,
		sandbox.CvrCodeNotAuthorized, sandbox.CvrCodeTimeout, sandbox.CvrCodeDissolved, sandbox.CvrCode429, sandbox.CvrCode500, sandbox.CvrCodeMalformed, sandbox.CvrCodeLiquidation} {
		if err := v.CheckCode(c); err != nil {
			t.Errorf("CheckCode(%q) = %v, want valid", c, err)
		}
	}
	for _, c := range []string{"13585629", "31585628", "1358562", "135856280", "1358562A", "03585628", ""} {
		err := v.CheckCode(c)
		wantCode(t, err, validators.CodeInvalidCode)
		if e := err.(*validators.Error); e.Message != "DK CVR number must be 8 digits with a valid mod-11 check digit" {
			t.Errorf("message %q does not name the rule", e.Message)
		}
	}
}

func TestCVRValidate(t *testing.T) {
	t.Parallel()
	mette := sandbox.CvrSandboxPerson
	tests := []struct {
		name      string
		code      string
		person    validators.Person
		creds     validators.Config
		override  func(http.ResponseWriter, *http.Request) bool
		wantErr   validators.Code
		wantState string
		wantRoles []string
		wantCalls int // -1: retried
	}{
		{name: "verified director", code: sandbox.CvrCodeVerified, person: mette, wantState: validators.StatusActive, wantRoles: []string{"ADM. DIR."}, wantCalls: 1},
		{name: "full name with middle name", code: sandbox.CvrCodeVerified, person: validators.Person{FirstName: "mette louise", LastName: "KJAER"}, wantState: validators.StatusActive, wantRoles: []string{"ADM. DIR."}, wantCalls: 1},
		{name: "board chair, folded accents", code: sandbox.CvrCodeVerified, person: validators.Person{FirstName: "Soren", LastName: "Ostergaard"}, wantState: validators.StatusActive, wantRoles: []string{"FORMAND"}, wantCalls: 1},
		{name: "former board member", code: sandbox.CvrCodeVerified, person: validators.Person{FirstName: "Anne", LastName: "Holm"}, wantState: validators.StatusActive, wantCalls: 1},
		{name: "owner is not management", code: sandbox.CvrCodeVerified, person: validators.Person{FirstName: "Jens", LastName: "Møller"}, wantState: validators.StatusActive, wantCalls: 1},
		{name: "deputy board member", code: sandbox.CvrCodeVerified, person: validators.Person{FirstName: "Peter", LastName: "Lund"}, wantState: validators.StatusActive, wantCalls: 1},
		{name: "auditor", code: sandbox.CvrCodeVerified, person: validators.Person{FirstName: "Karen", LastName: "Bech"}, wantState: validators.StatusActive, wantCalls: 1},
		{name: "person not listed", code: sandbox.CvrCodeNotAuthorized, person: mette, wantState: validators.StatusActive, wantCalls: 1},
		{name: "bankrupt", code: sandbox.CvrCodeBankrupt, person: mette, wantState: validators.StatusBankrupt, wantRoles: []string{"DIREKTØR"}, wantCalls: 1},
		{name: "dissolved", code: sandbox.CvrCodeDissolved, person: mette, wantState: validators.StatusDeleted, wantRoles: []string{"DIREKTØR"}, wantCalls: 1},
		{name: "liquidation", code: sandbox.CvrCodeLiquidation, person: mette, wantState: validators.StatusLiquidation, wantRoles: []string{"DIREKTØR"}, wantCalls: 1},
		{name: "not found (no hits)", code: sandbox.CvrCodeNotFound, person: mette, wantErr: validators.CodeCompanyNotFound, wantCalls: 1},
		{name: "429 retried", code: sandbox.CvrCode429, person: mette, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "500 retried", code: sandbox.CvrCode500, person: mette, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "timeout", code: sandbox.CvrCodeTimeout, person: mette, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "malformed body", code: sandbox.CvrCodeMalformed, person: mette, wantErr: validators.CodeAPIError, wantCalls: 1},
		{name: "bad credentials (401)", code: sandbox.CvrCodeVerified, person: mette, override: answerStatus(http.StatusUnauthorized), wantErr: validators.CodeConfigurationError, wantCalls: 1},
		{name: "no credentials configured", code: sandbox.CvrCodeVerified, person: mette, creds: validators.Config{Username: "kyb-user"}, wantErr: validators.CodeConfigurationError, wantCalls: 0},
		{name: "missing last name", code: sandbox.CvrCodeVerified, person: validators.Person{FirstName: "Mette"}, wantErr: validators.CodeIdentityValidation, wantCalls: 0},
		{name: "bad check digit", code: "13585629", person: mette, wantErr: validators.CodeInvalidCode, wantCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			creds := cvrTestCreds
			if tt.creds.Username != "" || tt.creds.Password != "" {
				creds = tt.creds
			}
			cfg, rec := fakeServer(t, sandbox.CvrFake(), creds)
			rec.override = tt.override
			res, err := validators.NewCVR(cfg).Validate(context.Background(), validators.Request{Country: "DK", Code: tt.code, Person: tt.person})
			paths, auth := rec.requests()
			switch {
			case tt.wantCalls == -1 && len(paths) < 2:
				t.Errorf("fake saw %d requests, want retries", len(paths))
			case tt.wantCalls >= 0 && len(paths) != tt.wantCalls:
				t.Errorf("fake saw %d requests, want %d", len(paths), tt.wantCalls)
			}
			wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("kyb-user:s3cret"))
			for i, a := range auth {
				if a != wantAuth || paths[i] != "POST /cvr-permanent/virksomhed/_search" {
					t.Errorf("request %d: %s with Authorization %q", i, paths[i], a)
				}
			}
			if tt.wantErr != "" {
				wantCode(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if res.Company.Status != tt.wantState || res.Company.Registry != "cvr" || res.Company.LegalPersonIdentifier != tt.code || !res.PersonChecked {
				t.Errorf("result = %+v, want status %s", res, tt.wantState)
			}
			var got []string
			for _, r := range res.Roles {
				got = append(got, r.Role)
			}
			if !slices.Equal(got, tt.wantRoles) {
				t.Errorf("roles = %v, want %v", got, tt.wantRoles)
			}
		})
	}
}

func TestCVRVerifiedDetails(t *testing.T) {
	t.Parallel()
	cfg, _ := fakeServer(t, sandbox.CvrFake(), cvrTestCreds)
	res, err := validators.NewCVR(cfg).Validate(context.Background(), validators.Request{Code: "DK 1358 5628", Person: sandbox.CvrSandboxPerson})
	if err != nil {
		t.Fatal(err)
	}
	want := validators.Company{Name: "FJORDLYS RÅDGIVNING A/S", LegalPersonIdentifier: "13585628", Status: validators.StatusActive, LegalForm: "Aktieselskab",
		Address: "Strandvejen 100, 2900 Hellerup, DK", RegistrationDate: "1989-12-27", Registry: "cvr"}
	if res.Company != want {
		t.Errorf("company = %+v\nwant      %+v", res.Company, want)
	}
	if !res.Authorized() || res.Roles[0] != (validators.Role{Role: "ADM. DIR.", Name: "Direktion", Represents: true}) {
		t.Errorf("roles = %+v", res.Roles)
	}
	var raw struct{ Company json.RawMessage }
	if err := json.Unmarshal(res.Raw, &raw); err != nil || len(raw.Company) == 0 {
		t.Errorf("raw = %.80s (%v)", res.Raw, err)
	}
}

func TestCVRFakeRequiresBasicAuth(t *testing.T) {
	t.Parallel()
	cfg, _ := fakeServer(t, sandbox.CvrFake(), validators.Config{})
	res, err := http.Post(cfg.BaseURL+"cvr-permanent/virksomhed/_search", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d without credentials, want 401", res.StatusCode)
	}
}

func TestCVRDescribes(t *testing.T) {
	t.Parallel()
	v := validators.NewCVR(validators.Config{})
	if v.Method() != "cvr" || !slices.Equal(v.Countries(), []string{"DK"}) ||
		!slices.Equal(v.PersonFields(), []string{validators.FieldFirstName, validators.FieldLastName}) || defaultURL(t, "cvr") != "https://distribution.virk.dk" {
		t.Errorf("cvr describes itself as %s %v %v", v.Method(), v.Countries(), v.PersonFields())
	}
}
