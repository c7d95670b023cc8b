package validators

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestSireneCheckCode(t *testing.T) {
	t.Parallel()
	v := NewSirene(Config{})
	// Real SIRENs from issue 4 and the register: 404833048, ORANGE, TOTALENERGIES SE.
	for _, code := range []string{"404833048", "404 833 048", "380129866", "542051180"} {
		if err := v.CheckCode(code); err != nil {
			t.Errorf("CheckCode(%q) = %v, want valid", code, err)
		}
	}
	for _, code := range []string{
		"404833049",  // wrong check digit
		"404833084",  // swapped digits
		"40483304",   // eight digits
		"4048330480", // ten digits
		"40483304A",  // letter
		"000000000",  // Luhn-valid but never issued
		"",
	} {
		err := v.CheckCode(code)
		wantErrCode(t, err, CodeInvalidCode)
		if !strings.Contains(err.(*Error).Message, "Luhn") {
			t.Errorf("CheckCode(%q) message does not name the rule", code)
		}
	}
}

func TestSireneValidate(t *testing.T) {
	t.Parallel()
	dubois := Person{FirstName: "Claire", LastName: "Dubois", BirthDate: fakeDate("1974-09-21")}
	cases := []struct {
		name      string
		code      string
		person    Person
		status    int // the fake answers this HTTP status instead of searching
		wantErr   Code
		wantState string
		wantRoles []string
		noRequest bool
	}{
		{name: "verified", code: "380 129 866", person: dubois, wantState: StatusActive, wantRoles: []string{"Directeur Général"}},
		{name: "all prenoms, any case", code: sireneFakeVerified, person: Person{FirstName: "CLAIRE MARIE", LastName: "dubois", BirthDate: fakeDate("1974-09-01")}, wantState: StatusActive, wantRoles: []string{"Directeur Général"}},
		{name: "year only, accents ignored", code: sireneFakeVerified, person: Person{FirstName: "Etienne", LastName: "Lefevre", BirthDate: fakeDate("1969-12-31")}, wantState: StatusActive, wantRoles: []string{"Directeur Général Délégué"}},
		{name: "a board member does not represent", code: sireneFakeVerified, person: Person{FirstName: "Paul", LastName: "Martin", BirthDate: fakeDate("1960-02-10")}, wantState: StatusActive},
		{name: "wrong birth month", code: sireneFakeVerified, person: Person{FirstName: "Claire", LastName: "Dubois", BirthDate: fakeDate("1974-10-21")}, wantState: StatusActive},
		{name: "wrong birth year", code: sireneFakeVerified, person: Person{FirstName: "Etienne", LastName: "Lefevre", BirthDate: fakeDate("1970-01-01")}, wantState: StatusActive},
		{name: "person not listed", code: sireneFakeNotListed, person: Person{FirstName: "Jean", LastName: "Dupont", BirthDate: fakeDate("1970-01-01")}, wantState: StatusActive},
		{name: "ceased", code: sireneFakeCeased, person: dubois, wantState: StatusDeleted},
		{name: "empty results", code: sireneFakeEmpty, person: dubois, wantErr: CodeCompanyNotFound},
		{name: "only another SIREN", code: sireneFakeOtherSiren, person: dubois, wantErr: CodeCompanyNotFound},
		{name: "404", code: sireneFakeVerified, person: dubois, status: http.StatusNotFound, wantErr: CodeCompanyNotFound},
		{name: "401 from a proxy", code: sireneFakeVerified, person: dubois, status: http.StatusUnauthorized, wantErr: CodeConfigurationError},
		{name: "rate limited", code: sireneFakeRateLimited, person: dubois, wantErr: CodeAPIError},
		{name: "server error", code: sireneFakeServerError, person: dubois, wantErr: CodeAPIError},
		{name: "timeout", code: sireneFakeTimeout, person: dubois, wantErr: CodeAPIError},
		{name: "malformed body", code: sireneFakeMalformed, person: dubois, wantErr: CodeAPIError},
		{name: "missing person data", code: sireneFakeVerified, person: Person{LastName: "Dubois"}, wantErr: CodeIdentityValidation, noRequest: true},
		{name: "invalid code", code: "404833049", person: dubois, wantErr: CodeInvalidCode, noRequest: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := sireneFake()
			if tc.status != 0 {
				h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fakeJSON(w, tc.status, `{}`) })
			}
			srv, rec := startFake(t, h)
			res, err := NewSirene(fastConfig(srv.URL)).Validate(context.Background(), Request{Country: "FR", Code: tc.code, Person: tc.person})
			n, auth := rec.seen()
			if tc.noRequest && n != 0 {
				t.Errorf("register was called %d times, want none", n)
			}
			for _, a := range auth {
				if a != "" {
					t.Errorf("sent Authorization %q to a register that needs none", a)
				}
			}
			if tc.wantErr != "" {
				wantErrCode(t, err, tc.wantErr)
				if tc.wantErr == CodeAPIError && tc.code != sireneFakeMalformed && n < 2 {
					t.Errorf("got %d attempts, want retries", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if res.Company.Status != tc.wantState || res.Company.Registry != "sirene" || !res.PersonChecked {
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

func TestSireneCompanyData(t *testing.T) {
	t.Parallel()
	srv, _ := startFake(t, sireneFake())
	res, err := NewSirene(fastConfig(srv.URL)).Validate(context.Background(), Request{Country: "FR", Code: sireneFakeVerified,
		Person: Person{FirstName: "Claire", LastName: "Dubois", BirthDate: fakeDate("1974-09-21")}})
	if err != nil {
		t.Fatal(err)
	}
	want := Company{Name: "ORANGE", LegalPersonIdentifier: "380129866", Status: StatusActive, LegalForm: "5599",
		Address: "111 QUAI DU PRESIDENT ROOSEVELT 92130 ISSY-LES-MOULINEAUX", RegistrationDate: "1991-01-01", Registry: "sirene"}
	if res.Company != want {
		t.Errorf("company = %+v\nwant      %+v", res.Company, want)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(res.Raw, &raw); err != nil || raw["search"] == nil {
		t.Errorf("raw = %s (%v), want the search body", res.Raw, err)
	}
}

func TestSireneSandboxCases(t *testing.T) {
	t.Parallel()
	srv, _ := startFake(t, sireneFake())
	checkSandboxCases(t, NewSirene(fastConfig(srv.URL)), "FR", sireneSandboxCases)
}
