package validators

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestCompaniesHouseCheckCode(t *testing.T) {
	t.Parallel()
	v := NewCompaniesHouse(Config{})
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
		wantErrCode(t, err, CodeInvalidCode)
		if !strings.Contains(err.(*Error).Message, "8 characters") {
			t.Errorf("CheckCode(%q) message does not name the rule", code)
		}
	}
	n, err := checkCompanyNumber("445790")
	if err != nil || n != "00445790" {
		t.Errorf("checkCompanyNumber(445790) = %q, %v; want 00445790", n, err)
	}
}

func TestCompaniesHouseValidate(t *testing.T) {
	t.Parallel()
	smith := Person{FirstName: "Jane", LastName: "Smith", BirthDate: fakeDate("1972-06-15")}
	cases := []struct {
		name      string
		code      string
		person    Person
		key       string
		wantErr   Code
		wantState string
		wantRoles []string
		noRequest bool
	}{
		{name: "verified director", code: "445790", person: smith, wantState: StatusActive, wantRoles: []string{"director"}},
		{name: "all forenames, any case", code: chFakeVerified, person: Person{FirstName: "jane elizabeth", LastName: "SMITH", BirthDate: fakeDate("1972-06-01")}, wantState: StatusActive, wantRoles: []string{"director"}},
		{name: "apostrophe and accents", code: chFakeVerified, person: Person{FirstName: "Fíona", LastName: "O'Neill", BirthDate: fakeDate("1968-11-30")}, wantState: StatusActive, wantRoles: []string{"director"}},
		{name: "wrong birth month", code: chFakeVerified, person: Person{FirstName: "Jane", LastName: "Smith", BirthDate: fakeDate("1972-07-15")}, wantState: StatusActive},
		{name: "resigned director", code: chFakeVerified, person: Person{FirstName: "Robert", LastName: "Brown", BirthDate: fakeDate("1961-02-03")}, wantState: StatusActive},
		{name: "secretary only", code: chFakeNotListed, person: smith, wantState: StatusActive},
		{name: "administration", code: chFakeAdministrated, person: smith, wantState: StatusBankrupt},
		{name: "liquidation without officers", code: chFakeLiquidation, person: smith, wantState: StatusLiquidation},
		{name: "dissolved", code: chFakeDissolved, person: smith, wantState: StatusDeleted},
		{name: "not found", code: chFakeNotFound, person: smith, wantErr: CodeCompanyNotFound},
		{name: "bad credentials", code: chFakeVerified, person: smith, key: "-", wantErr: CodeConfigurationError},
		{name: "rate limited", code: chFakeRateLimited, person: smith, wantErr: CodeAPIError},
		{name: "server error", code: chFakeServerError, person: smith, wantErr: CodeAPIError},
		{name: "timeout", code: chFakeTimeout, person: smith, wantErr: CodeAPIError},
		{name: "malformed body", code: chFakeMalformed, person: smith, wantErr: CodeAPIError},
		{name: "missing names", code: chFakeVerified, person: Person{BirthDate: smith.BirthDate}, wantErr: CodeIdentityValidation, noRequest: true},
		{name: "invalid code", code: "XX123456", person: smith, wantErr: CodeInvalidCode, noRequest: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, rec := startFake(t, companiesHouseFake())
			cfg := fastConfig(srv.URL)
			cfg.APIKey = "test-key"
			if tc.key == "-" {
				cfg.APIKey = ""
			}
			res, err := NewCompaniesHouse(cfg).Validate(context.Background(), Request{Country: "GB", Code: tc.code, Person: tc.person})
			n, auth := rec.seen()
			if tc.noRequest && n != 0 {
				t.Errorf("register was called %d times, want none", n)
			}
			if tc.wantErr != "" {
				wantErrCode(t, err, tc.wantErr)
				if tc.wantErr == CodeAPIError && tc.code != chFakeMalformed && n < 2 {
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
	fake := companiesHouseFake()
	srv, rec := startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if q := r.URL.Query(); q.Has("items_per_page") {
			q.Set("items_per_page", "2")
			r.URL.RawQuery = q.Encode()
		}
		fake.ServeHTTP(w, r)
	}))
	cfg := fastConfig(srv.URL)
	cfg.APIKey = "test-key"
	res, err := NewCompaniesHouse(cfg).Validate(context.Background(), Request{Country: "GB", Code: chFakeVerified,
		Person: Person{FirstName: "Jane", LastName: "Smith", BirthDate: fakeDate("1972-06-15")}})
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
	want := Company{Name: "TESCO PLC", LegalPersonIdentifier: "00445790", Status: StatusActive, LegalForm: "plc",
		Address:          "Tesco House, Shire Park, Kestrel Way, Welwyn Garden City, AL7 1GA, United Kingdom",
		RegistrationDate: "1947-11-27", Registry: "companies_house"}
	if res.Company != want {
		t.Errorf("company = %+v\nwant      %+v", res.Company, want)
	}
}

func TestCompaniesHouseSandboxCases(t *testing.T) {
	t.Parallel()
	srv, _ := startFake(t, companiesHouseFake())
	cfg := fastConfig(srv.URL)
	cfg.APIKey = "sandbox"
	checkSandboxCases(t, NewCompaniesHouse(cfg), "GB", companiesHouseSandboxCases)
}
