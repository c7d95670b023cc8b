package validators_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

func TestBregCheckCode(t *testing.T) {
	t.Parallel()
	v := validators.NewBreg(validators.Config{})
	valid := []string{"923609016", "923 609 016", "974760673", sandbox.BregCodeNotFound, sandbox.BregCodeBankrupt,
		sandbox.BregCodeNotAuthorized, sandbox.BregCodeTimeout, sandbox.BregCodeDeleted, sandbox.BregCodeLiquidation, sandbox.BregCode429, sandbox.BregCode500, sandbox.BregCodeMalformed}
	for _, c := range valid {
		if err := v.CheckCode(c); err != nil {
			t.Errorf("CheckCode(%q) = %v, want valid", c, err)
		}
	}
	// 910000080: the weighted sum leaves remainder 1, so no check digit exists.
	for _, c := range []string{"923609017", "923609061", "92360901", "9236090160", "92360901A", "NO923609016", "", "910000080"} {
		err := v.CheckCode(c)
		wantCode(t, err, validators.CodeInvalidCode)
		if e := err.(*validators.Error); e.Message != "NO organisation number must be 9 digits with a valid mod-11 check digit" {
			t.Errorf("message %q does not name the rule", e.Message)
		}
	}
}

func TestBregValidate(t *testing.T) {
	t.Parallel()
	kari := sandbox.BregSandboxPerson
	tests := []struct {
		name      string
		code      string
		person    validators.Person
		override  func(http.ResponseWriter, *http.Request) bool
		wantErr   validators.Code
		wantState string
		wantRoles []string
		wantCalls int // requests the fake must have seen; -1: more than one (retries)
	}{
		{name: "verified daily manager", code: sandbox.BregCodeVerified, person: kari, wantState: validators.StatusActive, wantRoles: []string{"DAGL"}, wantCalls: 2},
		{name: "board member, accents and middle name folded", code: sandbox.BregCodeVerified,
			person:    validators.Person{FirstName: "bjorn age", LastName: "Haugen-Lie", BirthDate: date("1981-06-30")},
			wantState: validators.StatusActive, wantRoles: []string{"MEDL"}, wantCalls: 2},
		{name: "wrong birth date", code: sandbox.BregCodeVerified, person: validators.Person{FirstName: "Kari", LastName: "Nordmann", BirthDate: date("1975-04-13")}, wantState: validators.StatusActive, wantCalls: 2},
		{name: "resigned board member", code: sandbox.BregCodeVerified, person: validators.Person{FirstName: "Per", LastName: "Hansen", BirthDate: date("1958-09-09")}, wantState: validators.StatusActive, wantCalls: 2},
		{name: "deputy may not represent", code: sandbox.BregCodeVerified, person: validators.Person{FirstName: "Sigrid", LastName: "Dahl", BirthDate: date("1990-01-15")}, wantState: validators.StatusActive, wantCalls: 2},
		{name: "person not listed", code: sandbox.BregCodeNotAuthorized, person: kari, wantState: validators.StatusActive, wantCalls: 2},
		{name: "bankrupt", code: sandbox.BregCodeBankrupt, person: kari, wantState: validators.StatusBankrupt, wantRoles: []string{"DAGL", "LEDE"}, wantCalls: 2},
		{name: "liquidation", code: sandbox.BregCodeLiquidation, person: kari, wantState: validators.StatusLiquidation, wantRoles: []string{"DAGL"}, wantCalls: 2},
		{name: "deleted (410)", code: sandbox.BregCodeDeleted, person: kari, wantState: validators.StatusDeleted, wantCalls: 1},
		{name: "not found (404)", code: sandbox.BregCodeNotFound, person: kari, wantErr: validators.CodeCompanyNotFound, wantCalls: 1},
		{name: "429 asking for a wait past the budget: API error at once", code: sandbox.BregCode429, person: kari, wantErr: validators.CodeAPIError, wantCalls: 1},
		{name: "500 retried then API error", code: sandbox.BregCode500, person: kari, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "timeout", code: sandbox.BregCodeTimeout, person: kari, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "malformed body", code: sandbox.BregCodeMalformed, person: kari, wantErr: validators.CodeAPIError, wantCalls: 1},
		{name: "401 is a configuration error", code: sandbox.BregCodeVerified, person: kari, override: answerStatus(http.StatusUnauthorized), wantErr: validators.CodeConfigurationError, wantCalls: 1},
		{name: "missing birth date", code: sandbox.BregCodeVerified, person: validators.Person{FirstName: "Kari", LastName: "Nordmann"}, wantErr: validators.CodeIdentityValidation, wantCalls: 0},
		{name: "missing last name", code: sandbox.BregCodeVerified, person: validators.Person{FirstName: "Kari", BirthDate: kari.BirthDate}, wantErr: validators.CodeIdentityValidation, wantCalls: 0},
		{name: "bad check digit", code: "923609017", person: kari, wantErr: validators.CodeInvalidCode, wantCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, rec := fakeServer(t, sandbox.BregFake(), validators.Config{})
			rec.override = tt.override
			res, err := validators.NewBreg(cfg).Validate(context.Background(), validators.Request{Country: "NO", Code: tt.code, Person: tt.person})
			paths, auth := rec.requests()
			switch {
			case tt.wantCalls == -1 && len(paths) < 2:
				t.Errorf("fake saw %d requests, want retries", len(paths))
			case tt.wantCalls >= 0 && len(paths) != tt.wantCalls:
				t.Errorf("fake saw %d requests %v, want %d", len(paths), paths, tt.wantCalls)
			}
			for _, a := range auth {
				if a != "" {
					t.Errorf("open API got an Authorization header %q", a)
				}
			}
			if tt.wantErr != "" {
				wantCode(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if res.Company.Status != tt.wantState || res.Company.Registry != "breg" || res.Company.LegalPersonIdentifier != tt.code {
				t.Errorf("company = %+v, want status %s", res.Company, tt.wantState)
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
			if tt.wantState != validators.StatusDeleted && !res.PersonChecked {
				t.Error("PersonChecked = false")
			}
			if !json.Valid(res.Raw) {
				t.Errorf("Raw is not JSON: %s", res.Raw)
			}
		})
	}
}

func TestBregVerifiedDetails(t *testing.T) {
	t.Parallel()
	cfg, rec := fakeServer(t, sandbox.BregFake(), validators.Config{})
	res, err := validators.NewBreg(cfg).Validate(context.Background(), validators.Request{Code: "923 609 016", Person: sandbox.BregSandboxPerson})
	if err != nil {
		t.Fatal(err)
	}
	want := validators.Company{Name: "EQUINOR ASA", LegalPersonIdentifier: "923609016", Status: validators.StatusActive, LegalForm: "Allmennaksjeselskap",
		Address: "Forusbeen 50, 4035 STAVANGER, Norge", RegistrationDate: "1995-03-12", Registry: "breg"}
	if res.Company != want {
		t.Errorf("company = %+v\nwant      %+v", res.Company, want)
	}
	if !res.Authorized() || res.Roles[0].Name != "Daglig leder/ adm.direktør" {
		t.Errorf("roles = %+v", res.Roles)
	}
	paths, _ := rec.requests()
	wantPaths := []string{"GET /enhetsregisteret/api/enheter/923609016", "GET /enhetsregisteret/api/enheter/923609016/roller"}
	if !slices.Equal(paths, wantPaths) {
		t.Errorf("paths = %v, want %v", paths, wantPaths)
	}
	var raw struct{ Company, Roles json.RawMessage }
	if err := json.Unmarshal(res.Raw, &raw); err != nil || len(raw.Company) == 0 || len(raw.Roles) == 0 {
		t.Errorf("raw = %s (%v)", res.Raw, err)
	}
}

func TestBregDescribes(t *testing.T) {
	t.Parallel()
	v := validators.NewBreg(validators.Config{})
	if v.Method() != "breg" || !slices.Equal(v.Countries(), []string{"NO"}) ||
		!slices.Equal(v.PersonFields(), []string{validators.FieldFirstName, validators.FieldLastName, validators.FieldBirthDate}) {
		t.Errorf("breg describes itself as %s %v %v", v.Method(), v.Countries(), v.PersonFields())
	}
	if defaultURL(t, "breg") != "https://data.brreg.no" {
		t.Errorf("default URL %s", defaultURL(t, "breg"))
	}
}
