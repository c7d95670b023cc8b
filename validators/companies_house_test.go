package validators_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

func TestCompaniesHouseCheckCode(t *testing.T) {
	t.Parallel()
	v := validators.NewCompaniesHouse(validators.Config{})
	// Real numbers: TESCO PLC, BP P.L.C.; prefixed and short forms.
	for _, code := range []string{"00445790", "445790", "00102498", "102498", "SC999001", "sc 999001", "NI000002", "OC123456", "R0123456"} {
		if err := v.CheckCode(code); err != nil {
			t.Errorf("CheckCode(%q) = %v, want valid", code, err)
		}
	}
	for _, code := range []string{
		"004457901", // nine digits
		"XX123456",  // unknown prefix
		"SC12345",   // prefix and five digits
		"SC1234567", // prefix and seven digits
		"0044579A",  // letter at the end
		"",
	} {
		err := v.CheckCode(code)
		wantCode(t, err, validators.CodeInvalidCode)
		if !strings.Contains(err.(*validators.Error).Message, "8 characters") {
			t.Errorf("CheckCode(%q) message does not name the rule", code)
		}
	}
}

func TestCompaniesHouseValidate(t *testing.T) {
	t.Parallel()
	smith := validators.Person{FirstName: "Jane", LastName: "Smith", BirthDate: date("1972-06-15")}
	cases := []struct {
		name      string
		code      string
		person    validators.Person
		key       string
		wantErr   validators.Code
		wantState string
		wantRoles []string
		noRequest bool
	}{
		{name: "verified director", code: "445790", person: smith, wantState: validators.StatusActive, wantRoles: []string{"director"}},
		{name: "all forenames, any case", code: sandbox.ChFakeVerified, person: validators.Person{FirstName: "jane elizabeth", LastName: "SMITH", BirthDate: date("1972-06-01")}, wantState: validators.StatusActive, wantRoles: []string{"director"}},
		{name: "apostrophe and accents", code: sandbox.ChFakeVerified, person: validators.Person{FirstName: "Fíona", LastName: "O'Neill", BirthDate: date("1968-11-30")}, wantState: validators.StatusActive, wantRoles: []string{"director"}},
		{name: "wrong birth month", code: sandbox.ChFakeVerified, person: validators.Person{FirstName: "Jane", LastName: "Smith", BirthDate: date("1972-07-15")}, wantState: validators.StatusActive},
		{name: "resigned director", code: sandbox.ChFakeVerified, person: validators.Person{FirstName: "Robert", LastName: "Brown", BirthDate: date("1961-02-03")}, wantState: validators.StatusActive},
		{name: "secretary only", code: sandbox.ChFakeNotListed, person: smith, wantState: validators.StatusActive},
		{name: "administration", code: sandbox.ChFakeAdministrated, person: smith, wantState: validators.StatusBankrupt},
		{name: "liquidation without officers", code: sandbox.ChFakeLiquidation, person: smith, wantState: validators.StatusLiquidation},
		{name: "dissolved", code: sandbox.ChFakeDissolved, person: smith, wantState: validators.StatusDeleted},
		{name: "not found", code: sandbox.ChFakeNotFound, person: smith, wantErr: validators.CodeCompanyNotFound},
		{name: "bad credentials", code: sandbox.ChFakeVerified, person: smith, key: "-", wantErr: validators.CodeConfigurationError},
		{name: "rate limited", code: sandbox.ChFakeRateLimited, person: smith, wantErr: validators.CodeAPIError},
		{name: "server error", code: sandbox.ChFakeServerError, person: smith, wantErr: validators.CodeAPIError},
		{name: "timeout", code: sandbox.ChFakeTimeout, person: smith, wantErr: validators.CodeAPIError},
		{name: "malformed body", code: sandbox.ChFakeMalformed, person: smith, wantErr: validators.CodeAPIError},
		{name: "missing names", code: sandbox.ChFakeVerified, person: validators.Person{BirthDate: smith.BirthDate}, wantErr: validators.CodeIdentityValidation, noRequest: true},
		{name: "invalid code", code: "XX123456", person: smith, wantErr: validators.CodeInvalidCode, noRequest: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, rec := fakeServer(t, sandbox.CompaniesHouseFake(), validators.Config{})
			cfg.APIKey = "test-key"
			if tc.key == "-" {
				cfg.APIKey = ""
			}
			res, err := validators.NewCompaniesHouse(cfg).Validate(context.Background(), validators.Request{Country: "GB", Code: tc.code, Person: tc.person})
			n, auth := rec.seen()
			if tc.noRequest && n != 0 {
				t.Errorf("register was called %d times, want none", n)
			}
			if tc.wantErr != "" {
				wantCode(t, err, tc.wantErr)
				if tc.wantErr == validators.CodeAPIError && tc.code != sandbox.ChFakeMalformed && n < 2 {
					t.Errorf("got %d attempts, want retries", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			want := "Basic " + base64.StdEncoding.EncodeToString([]byte("test-key:"))
			for _, a := range auth {
				if a != want {
					t.Errorf("fake saw Authorization %q, want %q", a, want)
				}
			}
			if res.Company.Status != tc.wantState || res.Company.Registry != "companies_house" || !res.PersonChecked {
				t.Errorf("company = %+v, PersonChecked %v", res.Company, res.PersonChecked)
			}
			var got []string
			for _, r := range res.Roles {
				if r.Represents { // the roles that represent the company
					got = append(got, r.Role)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.wantRoles, ",") {
				t.Errorf("roles = %v, want %v", got, tc.wantRoles)
			}
		})
	}
}

// The officer list is read page by page: force pages of two.
func TestCompaniesHouseOfficerPages(t *testing.T) {
	t.Parallel()
	fake := sandbox.CompaniesHouseFake()
	cfg, rec := fakeServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if q := r.URL.Query(); q.Has("items_per_page") {
			q.Set("items_per_page", "2")
			r.URL.RawQuery = q.Encode()
		}
		fake.ServeHTTP(w, r)
	}), validators.Config{})
	cfg.APIKey = "test-key"
	res, err := validators.NewCompaniesHouse(cfg).Validate(context.Background(), validators.Request{Country: "GB", Code: sandbox.ChFakeVerified,
		Person: validators.Person{FirstName: "Jane", LastName: "Smith", BirthDate: date("1972-06-15")}})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := rec.seen(); n != 4 { // profile + 3 pages of 5 officers
		t.Errorf("got %d requests, want 4", n)
	}
	if !res.Authorized() {
		t.Errorf("director on the third page not found: %+v", res.Roles)
	}
	var raw struct {
		Company  json.RawMessage   `json:"company"`
		Officers []json.RawMessage `json:"officers"`
	}
	if err := json.Unmarshal(res.Raw, &raw); err != nil || raw.Company == nil || len(raw.Officers) != 3 {
		t.Errorf("raw = %s (%v), want the profile and 3 officer pages", res.Raw, err)
	}
	want := validators.Company{Name: "TESCO PLC", LegalPersonIdentifier: "00445790", Status: validators.StatusActive, LegalForm: "plc",
		Address:          "Tesco House, Shire Park, Kestrel Way, Welwyn Garden City, AL7 1GA, United Kingdom",
		RegistrationDate: "1947-11-27", Registry: "companies_house"}
	if res.Company != want {
		t.Errorf("company = %+v\nwant      %+v", res.Company, want)
	}
}
