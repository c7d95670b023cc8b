package validators

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var bolagsverketTestCreds = Config{ClientID: "kyb-client", ClientSecret: "kyb-secret"}

func TestBolagsverketCheckCode(t *testing.T) {
	t.Parallel()
	v := NewBolagsverket(Config{})
	for _, c := range []string{"2021005489", "202100-5489", bolagsverketCodeNotFound, bolagsverketCodeBankrupt, bolagsverketCodeNotAuthorized,
		bolagsverketCodeTimeout, bolagsverketCodeDeregistered, bolagsverketCodeLiquidation, bolagsverketCode429, bolagsverketCode500, bolagsverketCodeMalformed} {
		if err := v.CheckCode(c); err != nil {
			t.Errorf("CheckCode(%q) = %v, want valid", c, err)
		}
	}
	for _, c := range []string{"2021005488", "2021005498", "202100548", "20210054890", "202100-548X", "SE2021005489", ""} {
		err := v.CheckCode(c)
		nordicWantCode(t, err, CodeInvalidCode)
		if e := err.(*Error); !strings.Contains(e.Message, "10 digits") || !strings.Contains(e.Message, "Luhn") {
			t.Errorf("message %q does not name the rule", e.Message)
		}
	}
}

func TestBolagsverketPersonnummer(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"19121212-1212": "191212121212",
		"191212121212":  "191212121212",
		"121212+1212":   "191212121212", // "+" marks a centenarian
		"121212-1212":   "201212121212",
		"811228-9874":   "198112289874",
		"8112289874":    "198112289874",
		"811288-9871":   "198112889871", // co-ordination number (day + 60)
	} {
		if got, ok := bolagsverketPersonnummer(in, now); !ok || got != want {
			t.Errorf("personnummer(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"811228-9875", "19811228-9875", "811328-9874", "81122898", "81122-89874A", "1981122898740", ""} {
		if got, ok := bolagsverketPersonnummer(in, now); ok {
			t.Errorf("personnummer(%q) = %q, want invalid", in, got)
		}
	}
}

func TestBolagsverketValidate(t *testing.T) {
	t.Parallel()
	tolvan := bolagsverketSandboxPerson
	tests := []struct {
		name      string
		code      string
		person    Person
		creds     *Config
		override  func(http.ResponseWriter, *http.Request) bool
		wantErr   Code
		wantState string
		wantRoles []string
		wantCalls int // -1: retried
	}{
		{name: "verified managing director", code: bolagsverketCodeVerified, person: tolvan, wantState: StatusActive, wantRoles: []string{"VD"}, wantCalls: 3},
		{name: "10-digit personal number, chair", code: "202100-5489", person: Person{Identifier: "811228-9874"}, wantState: StatusActive, wantRoles: []string{"OF", "LE"}, wantCalls: 3},
		{name: "deputy board member", code: bolagsverketCodeVerified, person: Person{Identifier: "198507099805"}, wantState: StatusActive, wantCalls: 3},
		{name: "auditor's representative", code: bolagsverketCodeVerified, person: Person{Identifier: "196408233234"}, wantState: StatusActive, wantCalls: 3},
		{name: "person not listed", code: bolagsverketCodeNotAuthorized, person: tolvan, wantState: StatusActive, wantCalls: 3},
		{name: "bankrupt", code: bolagsverketCodeBankrupt, person: tolvan, wantState: StatusBankrupt, wantRoles: []string{"LE", "VD"}, wantCalls: 3},
		{name: "deregistered", code: bolagsverketCodeDeregistered, person: tolvan, wantState: StatusDeleted, wantCalls: 3},
		{name: "liquidation", code: bolagsverketCodeLiquidation, person: tolvan, wantState: StatusLiquidation, wantRoles: []string{"LI"}, wantCalls: 3},
		{name: "not found", code: bolagsverketCodeNotFound, person: tolvan, wantErr: CodeCompanyNotFound, wantCalls: 2},
		{name: "429 retried", code: bolagsverketCode429, person: tolvan, wantErr: CodeAPIError, wantCalls: -1},
		{name: "500 retried", code: bolagsverketCode500, person: tolvan, wantErr: CodeAPIError, wantCalls: -1},
		{name: "timeout", code: bolagsverketCodeTimeout, person: tolvan, wantErr: CodeAPIError, wantCalls: -1},
		{name: "malformed body", code: bolagsverketCodeMalformed, person: tolvan, wantErr: CodeAPIError, wantCalls: 2},
		{name: "401 everywhere", code: bolagsverketCodeVerified, person: tolvan, override: nordicStatus(http.StatusUnauthorized), wantErr: CodeConfigurationError, wantCalls: 1},
		{name: "token endpoint rejects the client", code: bolagsverketCodeVerified, person: tolvan,
			override: func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != "/oauth2/token" {
					return false
				}
				http.Error(w, `{"error":"invalid_client"}`, http.StatusBadRequest)
				return true
			}, wantErr: CodeConfigurationError, wantCalls: 1},
		{name: "no client credentials configured", code: bolagsverketCodeVerified, person: tolvan, creds: &Config{ClientID: "kyb-client"}, wantErr: CodeConfigurationError, wantCalls: 0},
		{name: "missing personal number", code: bolagsverketCodeVerified, person: Person{FirstName: "Tolvan", LastName: "Tolvansson"}, wantErr: CodeIdentityValidation, wantCalls: 0},
		{name: "personal number fails Luhn", code: bolagsverketCodeVerified, person: Person{Identifier: "19121212-1213"}, wantErr: CodeIdentityValidation, wantCalls: 0},
		{name: "bad organisation number", code: "2021005488", person: tolvan, wantErr: CodeInvalidCode, wantCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			creds := bolagsverketTestCreds
			if tt.creds != nil {
				creds = *tt.creds
			}
			cfg, rec := nordicServer(t, bolagsverketFake(), creds)
			rec.override = tt.override
			res, err := NewBolagsverket(cfg).Validate(context.Background(), Request{Country: "SE", Code: tt.code, Person: tt.person})
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
				nordicWantCode(t, err, tt.wantErr)
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
	cfg, rec := nordicServer(t, bolagsverketFake(), bolagsverketTestCreds)
	res, err := NewBolagsverket(cfg).Validate(context.Background(), Request{Code: "202100-5489", Person: bolagsverketSandboxPerson})
	if err != nil {
		t.Fatal(err)
	}
	want := Company{Name: "Telefonaktiebolaget L M Ericsson", LegalPersonIdentifier: "2021005489", Status: StatusActive, LegalForm: "Aktiebolag",
		Address: "Torshamnsgatan 21, 16483 STOCKHOLM, Sverige", RegistrationDate: "1918-06-13", Registry: "bolagsverket"}
	if res.Company != want {
		t.Errorf("company = %+v\nwant      %+v", res.Company, want)
	}
	if len(res.Roles) != 1 || res.Roles[0] != (Role{Role: "VD", Name: "Verkställande direktör", Represents: true}) {
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
	if redacted := string(RedactPersons(res.Raw)); strings.Contains(redacted, "191212121212") || strings.Contains(redacted, "198112289874") ||
		strings.Contains(redacted, "196408233234") || !strings.Contains(redacted, "2021005489") {
		t.Errorf("raw keeps personal numbers or lost the company number: %s", redacted)
	}
}

func TestBolagsverketTokenCache(t *testing.T) {
	t.Parallel()
	cfg, rec := nordicServer(t, bolagsverketFake(), bolagsverketTestCreds)
	v := NewBolagsverket(cfg)
	req := Request{Code: bolagsverketCodeVerified, Person: bolagsverketSandboxPerson}
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

func TestBolagsverketTokenURL(t *testing.T) {
	t.Parallel()
	for base, want := range map[string]string{
		bolagsverketDefaultURL:                   "https://portal.api.bolagsverket.se/oauth2/token",
		"https://gw-accept2.api.bolagsverket.se": "https://portal-accept2.api.bolagsverket.se/oauth2/token",
		"http://127.0.0.1:8080/bv":               "http://127.0.0.1:8080/bv/oauth2/token",
		"https://gwen.example.com":               "https://gwen.example.com/oauth2/token",
	} {
		if got := bolagsverketTokenURL(base); got != want {
			t.Errorf("bolagsverketTokenURL(%q) = %q, want %q", base, got, want)
		}
	}
}

func TestBolagsverketSandboxCases(t *testing.T) {
	t.Parallel()
	nordicRunSandbox(t, NewBolagsverket, bolagsverketFake(), bolagsverketSandboxCases, bolagsverketTestCreds)
}

func TestBolagsverketDescribes(t *testing.T) {
	t.Parallel()
	v := NewBolagsverket(Config{})
	if v.Method() != "bolagsverket" || !slices.Equal(v.Countries(), []string{"SE"}) ||
		!slices.Equal(v.PersonFields(), []string{FieldPersonIdentifier}) {
		t.Errorf("bolagsverket describes itself as %s %v %v", v.Method(), v.Countries(), v.PersonFields())
	}
}
