package validators_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

func TestSireneCheckCode(t *testing.T) {
	t.Parallel()
	v := validators.NewSirene(validators.Config{})
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
		wantCode(t, err, validators.CodeInvalidCode)
		if !strings.Contains(err.(*validators.Error).Message, "Luhn") {
			t.Errorf("CheckCode(%q) message does not name the rule", code)
		}
	}
}

func TestSireneValidate(t *testing.T) {
	t.Parallel()
	dubois := validators.Person{FirstName: "Claire", LastName: "Dubois", BirthDate: date("1974-09-21")}
	cases := []struct {
		name      string
		code      string
		person    validators.Person
		status    int // the fake answers this HTTP status instead of searching
		wantErr   validators.Code
		wantState string
		wantRoles []string
		noRequest bool
	}{
		{name: "verified", code: "380 129 866", person: dubois, wantState: validators.StatusActive, wantRoles: []string{"Directeur Général"}},
		{name: "all prenoms, any case", code: sandbox.SireneFakeVerified, person: validators.Person{FirstName: "CLAIRE MARIE", LastName: "dubois", BirthDate: date("1974-09-01")}, wantState: validators.StatusActive, wantRoles: []string{"Directeur Général"}},
		{name: "year only, accents ignored", code: sandbox.SireneFakeVerified, person: validators.Person{FirstName: "Etienne", LastName: "Lefevre", BirthDate: date("1969-12-31")}, wantState: validators.StatusActive, wantRoles: []string{"Directeur Général Délégué"}},
		{name: "a board member does not represent", code: sandbox.SireneFakeVerified, person: validators.Person{FirstName: "Paul", LastName: "Martin", BirthDate: date("1960-02-10")}, wantState: validators.StatusActive},
		{name: "wrong birth month", code: sandbox.SireneFakeVerified, person: validators.Person{FirstName: "Claire", LastName: "Dubois", BirthDate: date("1974-10-21")}, wantState: validators.StatusActive},
		{name: "wrong birth year", code: sandbox.SireneFakeVerified, person: validators.Person{FirstName: "Etienne", LastName: "Lefevre", BirthDate: date("1970-01-01")}, wantState: validators.StatusActive},
		{name: "person not listed", code: sandbox.SireneFakeNotListed, person: validators.Person{FirstName: "Jean", LastName: "Dupont", BirthDate: date("1970-01-01")}, wantState: validators.StatusActive},
		{name: "ceased", code: sandbox.SireneFakeCeased, person: dubois, wantState: validators.StatusDeleted},
		{name: "empty results", code: sandbox.SireneFakeEmpty, person: dubois, wantErr: validators.CodeCompanyNotFound},
		{name: "only another SIREN", code: sandbox.SireneFakeOtherSiren, person: dubois, wantErr: validators.CodeCompanyNotFound},
		{name: "404", code: sandbox.SireneFakeVerified, person: dubois, status: http.StatusNotFound, wantErr: validators.CodeCompanyNotFound},
		{name: "401 from a proxy", code: sandbox.SireneFakeVerified, person: dubois, status: http.StatusUnauthorized, wantErr: validators.CodeConfigurationError},
		{name: "rate limited", code: sandbox.SireneFakeRateLimited, person: dubois, wantErr: validators.CodeAPIError},
		{name: "server error", code: sandbox.SireneFakeServerError, person: dubois, wantErr: validators.CodeAPIError},
		{name: "timeout", code: sandbox.SireneFakeTimeout, person: dubois, wantErr: validators.CodeAPIError},
		{name: "malformed body", code: sandbox.SireneFakeMalformed, person: dubois, wantErr: validators.CodeAPIError},
		{name: "missing person data", code: sandbox.SireneFakeVerified, person: validators.Person{LastName: "Dubois"}, wantErr: validators.CodeIdentityValidation, noRequest: true},
		{name: "invalid code", code: "404833049", person: dubois, wantErr: validators.CodeInvalidCode, noRequest: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := sandbox.SireneFake()
			if tc.status != 0 {
				h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { answerStatus(tc.status)(w, r) })
			}
			cfg, rec := fakeServer(t, h, validators.Config{})
			res, err := validators.NewSirene(cfg).Validate(context.Background(), validators.Request{Country: "FR", Code: tc.code, Person: tc.person})
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
				wantCode(t, err, tc.wantErr)
				if tc.wantErr == validators.CodeAPIError && tc.code != sandbox.SireneFakeMalformed && n < 2 {
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
	cfg, _ := fakeServer(t, sandbox.SireneFake(), validators.Config{})
	res, err := validators.NewSirene(cfg).Validate(context.Background(), validators.Request{Country: "FR", Code: sandbox.SireneFakeVerified,
		Person: validators.Person{FirstName: "Claire", LastName: "Dubois", BirthDate: date("1974-09-21")}})
	if err != nil {
		t.Fatal(err)
	}
	want := validators.Company{Name: "ORANGE", LegalPersonIdentifier: "380129866", Status: validators.StatusActive, LegalForm: "5599",
		Address: "111 QUAI DU PRESIDENT ROOSEVELT 92130 ISSY-LES-MOULINEAUX", RegistrationDate: "1991-01-01", Registry: "sirene"}
	if res.Company != want {
		t.Errorf("company = %+v\nwant      %+v", res.Company, want)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(res.Raw, &raw); err != nil || raw["search"] == nil {
		t.Errorf("raw = %s (%v), want the search body", res.Raw, err)
	}
}
