package validators

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestWirtschaftscompassCheckCode(t *testing.T) {
	t.Parallel()
	v := NewWirtschaftscompass(Config{})
	// Real FNs: OMV Aktiengesellschaft, Erste Group Bank AG, voestalpine AG.
	for _, code := range []string{"93363z", "FN 93363 z", "FN93363z", "fn 93363Z", "33209m", "FN 66209t"} {
		if err := v.CheckCode(code); err != nil {
			t.Errorf("CheckCode(%q) = %v, want valid", code, err)
		}
	}
	for _, code := range []string{
		"93363a",   // wrong check letter
		"150913f",  // wrong check letter (150913 takes g)
		"33209",    // no check letter
		"1234567d", // seven digits
		"093363z",  // leading zero
		"93363zz",  // two letters
		"FN abc",   // letters
		"",
	} {
		err := v.CheckCode(code)
		wantErrCode(t, err, CodeInvalidCode)
		if !strings.Contains(err.(*Error).Message, "check letter") {
			t.Errorf("CheckCode(%q) message %q does not name the rule", code, err.(*Error).Message)
		}
	}
}

func TestWirtschaftscompassValidate(t *testing.T) {
	t.Parallel()
	huber := Person{FirstName: "Maria", LastName: "Huber", BirthDate: fakeDate("1971-03-14")}
	cases := []struct {
		name      string
		code      string
		person    Person
		token     string
		wantErr   Code
		wantState string
		wantRoles []string
		represent []string // of wantRoles, those that represent the company
		noRequest bool
	}{
		{name: "verified Vorstand", code: "FN 93363z", person: huber, wantState: StatusActive, wantRoles: []string{"VORSTAND"}, represent: []string{"VORSTAND"}},
		{name: "name case and accents ignored", code: "93363 Z", person: Person{FirstName: "MARIA", LastName: "hûber", BirthDate: huber.BirthDate}, wantState: StatusActive, wantRoles: []string{"VORSTAND"}, represent: []string{"VORSTAND"}},
		{name: "all given names", code: "93363z", person: Person{FirstName: "Maria Anna", LastName: "Huber", BirthDate: huber.BirthDate}, wantState: StatusActive, wantRoles: []string{"VORSTAND"}, represent: []string{"VORSTAND"}},
		{name: "Prokurist", code: "93363z", person: Person{FirstName: "Thomas", LastName: "Gruber", BirthDate: fakeDate("1980-11-02")}, wantState: StatusActive, wantRoles: []string{"PROKURIST"}},
		{name: "shareholder only", code: "33209m", person: Person{FirstName: "Eva", LastName: "Wagner", BirthDate: fakeDate("1990-01-15")}, wantState: StatusActive, wantRoles: []string{"GESELLSCHAFTER"}},
		{name: "wrong birth date", code: "93363z", person: Person{FirstName: "Maria", LastName: "Huber", BirthDate: fakeDate("1971-03-15")}, wantState: StatusActive},
		{name: "ended function", code: "93363z", person: Person{FirstName: "Franz", LastName: "Berger", BirthDate: fakeDate("1962-05-20")}, wantState: StatusActive},
		{name: "person not listed", code: "33209m", person: huber, wantState: StatusActive},
		{name: "bankrupt", code: "123456d", person: Person{FirstName: "Johann", LastName: "Mayr", BirthDate: fakeDate("1968-12-01")}, wantState: StatusBankrupt, wantRoles: []string{"GESCHÄFTSFÜHRER", "GESELLSCHAFTER"}, represent: []string{"GESCHÄFTSFÜHRER"}},
		{name: "deleted", code: "234567b", person: huber, wantState: StatusDeleted},
		{name: "liquidation", code: "345678a", person: huber, wantState: StatusLiquidation},
		{name: "not found", code: wicoFakeNotFound, person: huber, wantErr: CodeCompanyNotFound},
		{name: "bad credentials", code: "93363z", person: huber, token: "-", wantErr: CodeConfigurationError},
		{name: "rate limited", code: wicoFakeRateLimited, person: huber, wantErr: CodeAPIError},
		{name: "server error", code: wicoFakeServerError, person: huber, wantErr: CodeAPIError},
		{name: "timeout", code: wicoFakeTimeout, person: huber, wantErr: CodeAPIError},
		{name: "malformed body", code: "444444w", person: huber, wantErr: CodeAPIError},
		{name: "missing birth date", code: "93363z", person: Person{FirstName: "Maria", LastName: "Huber"}, wantErr: CodeIdentityValidation, noRequest: true},
		{name: "invalid code", code: "93363a", person: huber, wantErr: CodeInvalidCode, noRequest: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, rec := startFake(t, wirtschaftscompassFake())
			cfg := fastConfig(srv.URL)
			cfg.Token = "test-token"
			if tc.token == "-" {
				cfg.Token = ""
			}
			res, err := NewWirtschaftscompass(cfg).Validate(context.Background(), Request{Country: "AT", Code: tc.code, Person: tc.person})
			n, auth := rec.seen()
			if tc.noRequest && n != 0 {
				t.Errorf("register was called %d times, want none", n)
			}
			if tc.wantErr != "" {
				wantErrCode(t, err, tc.wantErr)
				if tc.wantErr == CodeAPIError && tc.code != "444444w" && n < 2 {
					t.Errorf("got %d attempts, want retries", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			for _, a := range auth {
				if a != "Bearer test-token" {
					t.Errorf("fake saw Authorization %q, want the bearer token", a)
				}
			}
			if res.Company.Status != tc.wantState || res.Company.Registry != "wirtschaftscompass" || !res.PersonChecked {
				t.Errorf("company = %+v, PersonChecked %v", res.Company, res.PersonChecked)
			}
			var got, represent []string
			for _, r := range res.Roles {
				got = append(got, r.Role)
				if r.Represents {
					represent = append(represent, r.Role)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.wantRoles, ",") || strings.Join(represent, ",") != strings.Join(tc.represent, ",") {
				t.Errorf("roles = %v (representing: %v), want %v (representing: %v)", got, represent, tc.wantRoles, tc.represent)
			}
		})
	}
}

func TestWirtschaftscompassCompanyData(t *testing.T) {
	t.Parallel()
	srv, _ := startFake(t, wirtschaftscompassFake())
	cfg := fastConfig(srv.URL)
	cfg.Token = "test-token"
	res, err := NewWirtschaftscompass(cfg).Validate(context.Background(), Request{Country: "AT", Code: "FN 93363 z",
		Person: Person{FirstName: "Maria", LastName: "Huber", BirthDate: fakeDate("1971-03-14")}})
	if err != nil {
		t.Fatal(err)
	}
	want := Company{Name: "OMV Aktiengesellschaft", LegalPersonIdentifier: "93363z", Status: StatusActive,
		LegalForm: "Aktiengesellschaft", Address: "Trabrennstraße 6-8, 1020 Wien", RegistrationDate: "1956-07-03", Registry: "wirtschaftscompass"}
	if res.Company != want {
		t.Errorf("company = %+v\nwant      %+v", res.Company, want)
	}
	if len(res.Roles) != 1 || res.Roles[0].Name != "Vorstand" {
		t.Errorf("roles = %+v", res.Roles)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(res.Raw, &raw); err != nil || raw["resolve"] == nil || raw["report"] == nil {
		t.Errorf("raw = %s (%v), want resolve and report bodies", res.Raw, err)
	}
}

func TestWirtschaftscompassSandboxCases(t *testing.T) {
	t.Parallel()
	srv, _ := startFake(t, wirtschaftscompassFake())
	cfg := fastConfig(srv.URL)
	cfg.Token = "sandbox"
	checkSandboxCases(t, NewWirtschaftscompass(cfg), "AT", wirtschaftscompassSandboxCases)
}
