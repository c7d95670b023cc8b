package validators_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

var bolagsverketTestCreds = validators.Config{ClientID: "kyb-client", ClientSecret: "kyb-secret"}

func TestBolagsverketCheckCode(t *testing.T) {
	t.Parallel()
	v := validators.NewBolagsverket(validators.Config{})
	for _, c := range []string{"2021005489", "202100-5489", sandbox.BolagsverketCodeNotFound, sandbox.BolagsverketCodeBankrupt, sandbox.BolagsverketCodeNotAuthorized,
		sandbox.BolagsverketCodeTimeout, sandbox.BolagsverketCodeDeregistered, sandbox.BolagsverketCodeLiquidation, sandbox.BolagsverketCode429, sandbox.BolagsverketCode500, sandbox.BolagsverketCodeMalformed} {
		if err := v.CheckCode(c); err != nil {
			t.Errorf("CheckCode(%q) = %v, want valid", c, err)
		}
	}
	for _, c := range []string{"2021005488", "2021005498", "202100548", "20210054890", "202100-548X", "SE2021005489", ""} {
		err := v.CheckCode(c)
		wantCode(t, err, validators.CodeInvalidCode)
		if e := err.(*validators.Error); !strings.Contains(e.Message, "10 digits") || !strings.Contains(e.Message, "Luhn") {
			t.Errorf("message %q does not name the rule", e.Message)
		}
	}
}

func TestBolagsverketValidate(t *testing.T) {
	t.Parallel()
	tolvan := sandbox.BolagsverketSandboxPerson
	tests := []struct {
		name      string
		code      string
		person    validators.Person
		creds     *validators.Config
		override  func(http.ResponseWriter, *http.Request) bool
		wantErr   validators.Code
		wantState string
		wantRoles []string
		wantCalls int // -1: retried
	}{
		{name: "verified managing director", code: sandbox.BolagsverketCodeVerified, person: tolvan, wantState: validators.StatusActive, wantRoles: []string{"VD"}, wantCalls: 3},
		{name: "10-digit personal number, chair", code: "202100-5489", person: validators.Person{Identifier: "811228-9874"}, wantState: validators.StatusActive, wantRoles: []string{"OF", "LE"}, wantCalls: 3},
		{name: "deputy board member", code: sandbox.BolagsverketCodeVerified, person: validators.Person{Identifier: "198507099805"}, wantState: validators.StatusActive, wantCalls: 3},
		{name: "auditor's representative", code: sandbox.BolagsverketCodeVerified, person: validators.Person{Identifier: "196408233234"}, wantState: validators.StatusActive, wantCalls: 3},
		{name: "person not listed", code: sandbox.BolagsverketCodeNotAuthorized, person: tolvan, wantState: validators.StatusActive, wantCalls: 3},
		{name: "bankrupt", code: sandbox.BolagsverketCodeBankrupt, person: tolvan, wantState: validators.StatusBankrupt, wantRoles: []string{"LE", "VD"}, wantCalls: 3},
		{name: "deregistered", code: sandbox.BolagsverketCodeDeregistered, person: tolvan, wantState: validators.StatusDeleted, wantCalls: 3},
		{name: "company reconstruction (FR)", code: sandbox.BolagsverketCodeReconstructed, person: tolvan, wantState: validators.StatusReconstruction, wantRoles: []string{"LE", "VD"}, wantCalls: 3},
		{name: "composition with creditors (AC)", code: sandbox.BolagsverketCodeComposition, person: tolvan, wantState: validators.StatusReconstruction, wantRoles: []string{"LE", "VD"}, wantCalls: 3},
		{name: "unknown proceeding code", code: sandbox.BolagsverketCodeUnknownCase, person: tolvan, wantState: validators.StatusUnknown, wantRoles: []string{"LE", "VD"}, wantCalls: 3},
		{name: "liquidation", code: sandbox.BolagsverketCodeLiquidation, person: tolvan, wantState: validators.StatusLiquidation, wantRoles: []string{"LI"}, wantCalls: 3},
		{name: "not found", code: sandbox.BolagsverketCodeNotFound, person: tolvan, wantErr: validators.CodeCompanyNotFound, wantCalls: 2},
		{name: "429 retried", code: sandbox.BolagsverketCode429, person: tolvan, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "500 retried", code: sandbox.BolagsverketCode500, person: tolvan, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "timeout", code: sandbox.BolagsverketCodeTimeout, person: tolvan, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "malformed body", code: sandbox.BolagsverketCodeMalformed, person: tolvan, wantErr: validators.CodeAPIError, wantCalls: 2},
		{name: "401 everywhere", code: sandbox.BolagsverketCodeVerified, person: tolvan, override: answerStatus(http.StatusUnauthorized), wantErr: validators.CodeConfigurationError, wantCalls: 1},
		{name: "token endpoint rejects the client", code: sandbox.BolagsverketCodeVerified, person: tolvan,
			override: func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != "/oauth2/token" {
					return false
				}
				http.Error(w, `{"error":"invalid_client"}`, http.StatusBadRequest)
				return true
			}, wantErr: validators.CodeConfigurationError, wantCalls: 1},
		{name: "no client credentials configured", code: sandbox.BolagsverketCodeVerified, person: tolvan, creds: &validators.Config{ClientID: "kyb-client"}, wantErr: validators.CodeConfigurationError, wantCalls: 0},
		{name: "missing personal number", code: sandbox.BolagsverketCodeVerified, person: validators.Person{FirstName: "Tolvan", LastName: "Tolvansson"}, wantErr: validators.CodeIdentityValidation, wantCalls: 0},
		{name: "personal number fails Luhn", code: sandbox.BolagsverketCodeVerified, person: validators.Person{Identifier: "19121212-1213"}, wantErr: validators.CodeIdentityValidation, wantCalls: 0},
		{name: "bad organisation number", code: "2021005488", person: tolvan, wantErr: validators.CodeInvalidCode, wantCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			creds := bolagsverketTestCreds
			if tt.creds != nil {
				creds = *tt.creds
			}
			cfg, rec := fakeServer(t, sandbox.BolagsverketFake(), creds)
			rec.override = tt.override
			res, err := validators.NewBolagsverket(cfg).Validate(context.Background(), validators.Request{Country: "SE", Code: tt.code, Person: tt.person})
			paths, auth := rec.requests()
			switch {
			case tt.wantCalls == -1 && len(paths) < 3:
				t.Errorf("fake saw %v, want retries", paths)
			case tt.wantCalls >= 0 && len(paths) != tt.wantCalls:
				t.Errorf("fake saw %v, want %d requests", paths, tt.wantCalls)
			}
			basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("kyb-client:kyb-secret"))
			for i, p := range paths {
				want := "Bearer sandbox-1-kyb-client"
				if p == "POST /oauth2/token" {
					want = basic
				}
				if auth[i] != want {
					t.Errorf("%s sent Authorization %q, want %q", p, auth[i], want)
				}
			}
			if tt.wantErr != "" {
				wantCode(t, err, tt.wantErr)
				if tt.person.Identifier != "" && strings.Contains(err.Error(), strings.ReplaceAll(tt.person.Identifier, "-", "")[2:]) {
					t.Errorf("error %q reveals the personal number", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if res.Company.Status != tt.wantState || res.Company.Registry != "bolagsverket" || !res.PersonChecked {
				t.Errorf("result = %+v, want status %s", res, tt.wantState)
			}
			var got []string
			for _, r := range res.Roles {
				if r.Represents { // the roles that represent the company
					got = append(got, r.Role)
				}
			}
			if !slices.Equal(got, tt.wantRoles) {
				t.Errorf("roles = %v, want %v", got, tt.wantRoles)
			}
		})
	}
}

func TestBolagsverketVerifiedDetails(t *testing.T) {
	t.Parallel()
	cfg, rec := fakeServer(t, sandbox.BolagsverketFake(), bolagsverketTestCreds)
	res, err := validators.NewBolagsverket(cfg).Validate(context.Background(), validators.Request{Code: "202100-5489", Person: sandbox.BolagsverketSandboxPerson})
	if err != nil {
		t.Fatal(err)
	}
	want := validators.Company{Name: "Telefonaktiebolaget L M Ericsson", LegalPersonIdentifier: "2021005489", Status: validators.StatusActive, LegalForm: "Aktiebolag",
		Address: "Torshamnsgatan 21, 16483 STOCKHOLM, Sverige", RegistrationDate: "1918-06-13", Registry: "bolagsverket"}
	if res.Company != want {
		t.Errorf("company = %+v\nwant      %+v", res.Company, want)
	}
	if len(res.Roles) != 1 || res.Roles[0] != (validators.Role{Role: "VD", Name: "Verkställande direktör", Represents: true}) {
		t.Errorf("roles = %+v", res.Roles)
	}
	paths, _ := rec.requests()
	wantPaths := []string{"POST /oauth2/token", "POST /vardefulla-datamangder/v1/organisationer", "POST /foretagsinformation/v4/organisationer"}
	if !slices.Equal(paths, wantPaths) {
		t.Errorf("paths = %v, want %v", paths, wantPaths)
	}
	var raw struct{ Company, Roles json.RawMessage }
	if err := json.Unmarshal(res.Raw, &raw); err != nil || len(raw.Company) == 0 || len(raw.Roles) == 0 {
		t.Errorf("raw = %.80s (%v)", res.Raw, err)
	}
	// The redaction policy keeps no officer's personal number; the company number stays.
	if redacted := string(validators.RedactPersons(res.Raw)); strings.Contains(redacted, "191212121212") || strings.Contains(redacted, "198112289874") ||
		strings.Contains(redacted, "196408233234") || !strings.Contains(redacted, "2021005489") {
		t.Errorf("raw keeps personal numbers or lost the company number: %s", redacted)
	}
}

func TestBolagsverketTokenCache(t *testing.T) {
	t.Parallel()
	cfg, rec := fakeServer(t, sandbox.BolagsverketFake(), bolagsverketTestCreds)
	v := validators.NewBolagsverket(cfg)
	req := validators.Request{Code: sandbox.BolagsverketCodeVerified, Person: sandbox.BolagsverketSandboxPerson}
	for range 3 {
		if _, err := v.Validate(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	// A revoked token: the first API call answers 401; the validator must
	// fetch a new token once and succeed.
	var revoked atomic.Bool
	revoked.Store(true)
	rec.override = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/oauth2/token" && revoked.CompareAndSwap(true, false) {
			http.Error(w, `{"status":401,"title":"Unauthorized"}`, http.StatusUnauthorized)
			return true
		}
		return false
	}
	res, err := v.Validate(context.Background(), req)
	if err != nil || !res.Authorized() {
		t.Fatalf("after revocation: %+v, %v", res, err)
	}
	paths, auth := rec.requests()
	tokens := 0
	for _, p := range paths {
		if p == "POST /oauth2/token" {
			tokens++
		}
	}
	if tokens != 2 || len(paths) != 2+3*2+3 {
		t.Errorf("requests %v: want one token for three validations and one more after the 401", paths)
	}
	if last := auth[len(auth)-1]; last != "Bearer sandbox-2-kyb-client" {
		t.Errorf("last call used %q, want the new token", last)
	}
}

func TestBolagsverketDescribes(t *testing.T) {
	t.Parallel()
	v := validators.NewBolagsverket(validators.Config{})
	if v.Method() != "bolagsverket" || !slices.Equal(v.Countries(), []string{"SE"}) ||
		!slices.Equal(v.PersonFields(), []string{validators.FieldPersonIdentifier}) {
		t.Errorf("bolagsverket describes itself as %s %v %v", v.Method(), v.Countries(), v.PersonFields())
	}
}
