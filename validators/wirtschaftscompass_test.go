package validators_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

func TestWirtschaftscompassCheckCode(t *testing.T) {
	t.Parallel()
	v := validators.NewWirtschaftscompass(validators.Config{})
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
		wantCode(t, err, validators.CodeInvalidCode)
		if !strings.Contains(err.(*validators.Error).Message, "check letter") {
			t.Errorf("CheckCode(%q) message %q does not name the rule", code, err.(*validators.Error).Message)
		}
	}
}

func TestWirtschaftscompassValidate(t *testing.T) {
	t.Parallel()
	huber := validators.Person{FirstName: "Maria", LastName: "Huber", BirthDate: date("1971-03-14")}
	cases := []struct {
		name      string
		code      string
		person    validators.Person
		token     string
		wantErr   validators.Code
		wantState string
		wantRoles []string
		represent []string // of wantRoles, those that represent the company
		noRequest bool
	}{
		{name: "verified Vorstand", code: "FN 93363z", person: huber, wantState: validators.StatusActive, wantRoles: []string{"VORSTAND"}, represent: []string{"VORSTAND"}},
		{name: "name case and accents ignored", code: "93363 Z", person: validators.Person{FirstName: "MARIA", LastName: "hûber", BirthDate: huber.BirthDate}, wantState: validators.StatusActive, wantRoles: []string{"VORSTAND"}, represent: []string{"VORSTAND"}},
		{name: "all given names", code: "93363z", person: validators.Person{FirstName: "Maria Anna", LastName: "Huber", BirthDate: huber.BirthDate}, wantState: validators.StatusActive, wantRoles: []string{"VORSTAND"}, represent: []string{"VORSTAND"}},
		{name: "Prokurist", code: "93363z", person: validators.Person{FirstName: "Thomas", LastName: "Gruber", BirthDate: date("1980-11-02")}, wantState: validators.StatusActive, wantRoles: []string{"PROKURIST"}},
		{name: "shareholder only", code: "33209m", person: validators.Person{FirstName: "Eva", LastName: "Wagner", BirthDate: date("1990-01-15")}, wantState: validators.StatusActive, wantRoles: []string{"GESELLSCHAFTER"}},
		{name: "wrong birth date", code: "93363z", person: validators.Person{FirstName: "Maria", LastName: "Huber", BirthDate: date("1971-03-15")}, wantState: validators.StatusActive},
		{name: "ended function", code: "93363z", person: validators.Person{FirstName: "Franz", LastName: "Berger", BirthDate: date("1962-05-20")}, wantState: validators.StatusActive},
		{name: "person not listed", code: "33209m", person: huber, wantState: validators.StatusActive},
		{name: "bankrupt", code: "123456d", person: validators.Person{FirstName: "Johann", LastName: "Mayr", BirthDate: date("1968-12-01")}, wantState: validators.StatusBankrupt, wantRoles: []string{"GESCHÄFTSFÜHRER", "GESELLSCHAFTER"}, represent: []string{"GESCHÄFTSFÜHRER"}},
		{name: "deleted", code: "234567b", person: huber, wantState: validators.StatusDeleted},
		{name: "liquidation", code: "345678a", person: huber, wantState: validators.StatusLiquidation},
		{name: "condition not stated explicitly", code: "456789z", person: huber, wantState: validators.StatusUnknown, wantRoles: []string{"VORSTAND"}, represent: []string{"VORSTAND"}},
		{name: "not found", code: sandbox.WicoFakeNotFound, person: huber, wantErr: validators.CodeCompanyNotFound},
		{name: "bad credentials", code: "93363z", person: huber, token: "-", wantErr: validators.CodeConfigurationError},
		{name: "rate limited", code: sandbox.WicoFakeRateLimited, person: huber, wantErr: validators.CodeAPIError},
		{name: "server error", code: sandbox.WicoFakeServerError, person: huber, wantErr: validators.CodeAPIError},
		{name: "timeout", code: sandbox.WicoFakeTimeout, person: huber, wantErr: validators.CodeAPIError},
		{name: "malformed body", code: "444444w", person: huber, wantErr: validators.CodeAPIError},
		{name: "missing birth date", code: "93363z", person: validators.Person{FirstName: "Maria", LastName: "Huber"}, wantErr: validators.CodeIdentityValidation, noRequest: true},
		{name: "invalid code", code: "93363a", person: huber, wantErr: validators.CodeInvalidCode, noRequest: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, rec := fakeServer(t, sandbox.WirtschaftscompassFake(), validators.Config{})
			cfg.Token = "test-token"
			if tc.token == "-" {
				cfg.Token = ""
			}
			res, err := validators.NewWirtschaftscompass(cfg).Validate(context.Background(), validators.Request{Country: "AT", Code: tc.code, Person: tc.person})
			n, auth := rec.seen()
			if tc.noRequest && n != 0 {
				t.Errorf("register was called %d times, want none", n)
			}
			if tc.wantErr != "" {
				wantCode(t, err, tc.wantErr)
				if tc.wantErr == validators.CodeAPIError && tc.code != "444444w" && n < 2 {
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
	cfg, _ := fakeServer(t, sandbox.WirtschaftscompassFake(), validators.Config{})
	cfg.Token = "test-token"
	res, err := validators.NewWirtschaftscompass(cfg).Validate(context.Background(), validators.Request{Country: "AT", Code: "FN 93363 z",
		Person: validators.Person{FirstName: "Maria", LastName: "Huber", BirthDate: date("1971-03-14")}})
	if err != nil {
		t.Fatal(err)
	}
	want := validators.Company{Name: "OMV Aktiengesellschaft", LegalPersonIdentifier: "93363z", Status: validators.StatusActive,
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
