package validators_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

func TestARESCheckCode(t *testing.T) {
	t.Parallel()
	v := validators.NewARES(validators.Config{})
	// 27082440 and 00006947 are published IČOs; 6947 is the latter without its leading zeros.
	for _, c := range []string{"27082440", "00006947", "6947", "270 82 440", sandbox.AresVerified, sandbox.AresUnknownStatus} {
		if err := v.CheckCode(c); err != nil {
			t.Errorf("CheckCode(%q) = %v, want valid", c, err)
		}
	}
	for _, c := range []string{"27082441", "00006948", "270824400", "2708244A", "CZ27082440", ""} {
		e := wantCode(t, v.CheckCode(c), validators.CodeInvalidCode)
		if e.Message != "CZ IČO must be 8 digits with a valid mod-11 check digit" {
			t.Errorf("message %q does not name the rule", e.Message)
		}
	}
}

func TestARESValidate(t *testing.T) {
	t.Parallel()
	jan := sandbox.AresPerson
	for _, tc := range []struct {
		name        string
		code        string
		person      validators.Person
		override    func(http.ResponseWriter, *http.Request) bool
		wantErr     validators.Code
		wantStatus  string
		wantRoles   []string // represent alone
		wantListed  int      // roles listed, representing or not
		wantChecked bool
		wantCalls   int // -1: retried
	}{
		{name: "jednatel acting alone", code: sandbox.AresVerified, person: jan, wantStatus: validators.StatusActive, wantRoles: []string{"jednatel"}, wantListed: 1, wantChecked: true, wantCalls: 2},
		{name: "name folded, given names", code: sandbox.AresVerified, person: validators.Person{FirstName: "jan", LastName: "NOVAK", BirthDate: jan.BirthDate}, wantStatus: validators.StatusActive, wantRoles: []string{"jednatel"}, wantListed: 1, wantChecked: true, wantCalls: 2},
		{name: "wrong birth date", code: sandbox.AresVerified, person: validators.Person{FirstName: "Jan", LastName: "Novák", BirthDate: date("1980-01-16")}, wantStatus: validators.StatusActive, wantChecked: true, wantCalls: 2},
		{name: "function ended", code: sandbox.AresVerified, person: validators.Person{FirstName: "Eva", LastName: "Dvořáková", BirthDate: date("1985-06-20")}, wantStatus: validators.StatusActive, wantChecked: true, wantCalls: 2},
		{name: "supervisory board does not represent", code: sandbox.AresVerified, person: validators.Person{FirstName: "Marie", LastName: "Černá", BirthDate: date("1970-11-11")}, wantStatus: validators.StatusActive, wantChecked: true, wantCalls: 2},
		{name: "jointly only", code: sandbox.AresNotAuthorized, person: jan, wantStatus: validators.StatusActive, wantListed: 1, wantChecked: true, wantCalls: 2},
		{name: "insolvency register", code: sandbox.AresBankrupt, person: jan, wantStatus: validators.StatusBankrupt, wantRoles: []string{"jednatel"}, wantListed: 1, wantChecked: true, wantCalls: 2},
		{name: "ceased", code: sandbox.AresDeleted, person: jan, wantStatus: validators.StatusDeleted, wantRoles: []string{"jednatel"}, wantListed: 1, wantChecked: true, wantCalls: 2},
		{name: "condition not stated", code: sandbox.AresUnknownStatus, person: jan, wantStatus: validators.StatusUnknown, wantRoles: []string{"jednatel"}, wantListed: 1, wantChecked: true, wantCalls: 2},
		{name: "no commercial register entry: 400 is no entry, not an outage", code: sandbox.AresNoVREntry, person: jan, wantStatus: validators.StatusActive, wantChecked: false, wantCalls: 2},
		{name: "not found", code: sandbox.AresNotFound, person: jan, wantErr: validators.CodeCompanyNotFound, wantCalls: 1},
		{name: "500 retried", code: sandbox.AresServerError, person: jan, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "429 past the budget", code: sandbox.AresRateLimited, person: jan, wantErr: validators.CodeAPIError, wantCalls: 1},
		{name: "truncated body", code: sandbox.AresMalformed, person: jan, wantErr: validators.CodeAPIError, wantCalls: 1},
		{name: "timeout", code: sandbox.AresTimeout, person: jan, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "401 from a proxy", code: sandbox.AresVerified, person: jan, override: answerStatus(http.StatusUnauthorized), wantErr: validators.CodeConfigurationError, wantCalls: 1},
		{name: "missing birth date", code: sandbox.AresVerified, person: validators.Person{FirstName: "Jan", LastName: "Novák"}, wantErr: validators.CodeIdentityValidation, wantCalls: 0},
		{name: "bad check digit", code: "27000011", person: jan, wantErr: validators.CodeInvalidCode, wantCalls: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, rec := fakeServer(t, sandbox.AresFake(), validators.Config{})
			rec.override = tc.override
			res, err := validators.NewARES(cfg).Validate(context.Background(), validators.Request{Country: "CZ", Code: tc.code, Person: tc.person})
			wantCalls(t, rec, tc.wantCalls, true)
			if tc.wantErr != "" {
				wantCode(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var represent []string
			for _, r := range res.Roles {
				if r.Represents {
					represent = append(represent, r.Role)
				}
			}
			if res.Company.Status != tc.wantStatus || res.PersonChecked != tc.wantChecked || len(res.Roles) != tc.wantListed || !slices.Equal(represent, tc.wantRoles) {
				t.Errorf("status %s checked %v roles %+v; want %s %v %v (%d listed)", res.Company.Status, res.PersonChecked, res.Roles, tc.wantStatus, tc.wantChecked, tc.wantRoles, tc.wantListed)
			}
		})
	}
}

func TestARESCompanyAndPaths(t *testing.T) {
	t.Parallel()
	cfg, rec := fakeServer(t, sandbox.AresFake(), validators.Config{})
	res, err := validators.NewARES(cfg).Validate(context.Background(), validators.Request{Country: "CZ", Code: "2700 0010", Person: sandbox.AresPerson})
	if err != nil {
		t.Fatal(err)
	}
	want := validators.Company{Name: "Příkladová strojírna s.r.o.", LegalPersonIdentifier: "27000010", Status: validators.StatusActive, LegalForm: "112",
		Address: "Vzorová 1234/5, Nové Město, 11000 Praha 1", RegistrationDate: "2005-03-01", Registry: "ares"}
	if res.Company != want {
		t.Errorf("company %+v\nwant    %+v", res.Company, want)
	}
	paths, _ := rec.requests()
	if !slices.Equal(paths, []string{"GET /ekonomicke-subjekty-v-be/rest/ekonomicke-subjekty/27000010", "GET /ekonomicke-subjekty-v-be/rest/ekonomicke-subjekty-vr/27000010"}) {
		t.Errorf("paths %v", paths)
	}
	// What is stored keeps nobody's birth date or home address, the company's seat stays.
	stored := string(validators.RedactPersons(res.Raw))
	for _, gone := range []string{"1980-01-15", "1985-06-20", "1970-11-11", "Fiktivní 12", "Smyšlená 3", "Nevymyšlená 8"} {
		if strings.Contains(stored, gone) {
			t.Errorf("stored answer keeps %s", gone)
		}
	}
	if !strings.Contains(stored, "Vzorová 1234/5") || !json.Valid([]byte(stored)) {
		t.Errorf("stored answer lost the seat: %.300s", stored)
	}
	if shown := string(validators.HideNames(validators.RedactPersons(res.Raw))); strings.Contains(shown, "Novák") || strings.Contains(shown, "Černá") {
		t.Errorf("owner's view shows names: %.300s", shown)
	}
}
