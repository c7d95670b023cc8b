package validators

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
)

var cvrTestCreds = Config{Username: "kyb-user", Password: "s3cret"}

func TestCVRCheckCode(t *testing.T) {
	t.Parallel()
	v := NewCVR(Config{})
	for _, c := range []string{"13585628", "DK 13585628", "DK13585628", "1358 5628", cvrCodeNotFound, cvrCodeBankrupt,
		cvrCodeNotAuthorized, cvrCodeTimeout, cvrCodeDissolved, cvrCode429, cvrCode500, cvrCodeMalformed, cvrCodeLiquidation} {
		if err := v.CheckCode(c); err != nil {
			t.Errorf("CheckCode(%q) = %v, want valid", c, err)
		}
	}
	for _, c := range []string{"13585629", "31585628", "1358562", "135856280", "1358562A", "03585628", ""} {
		err := v.CheckCode(c)
		nordicWantCode(t, err, CodeInvalidCode)
		if e := err.(*Error); e.Message != "DK CVR number must be 8 digits with a valid mod-11 check digit" {
			t.Errorf("message %q does not name the rule", e.Message)
		}
	}
}

func TestCVRValidate(t *testing.T) {
	t.Parallel()
	mette := cvrSandboxPerson
	tests := []struct {
		name      string
		code      string
		person    Person
		creds     Config
		override  func(http.ResponseWriter, *http.Request) bool
		wantErr   Code
		wantState string
		wantRoles []string
		wantCalls int // -1: retried
	}{
		{name: "verified director", code: cvrCodeVerified, person: mette, wantState: StatusActive, wantRoles: []string{"ADM. DIR."}, wantCalls: 1},
		{name: "full name with middle name", code: cvrCodeVerified, person: Person{FirstName: "mette louise", LastName: "KJAER"}, wantState: StatusActive, wantRoles: []string{"ADM. DIR."}, wantCalls: 1},
		{name: "board chair, folded accents", code: cvrCodeVerified, person: Person{FirstName: "Soren", LastName: "Ostergaard"}, wantState: StatusActive, wantRoles: []string{"FORMAND"}, wantCalls: 1},
		{name: "former board member", code: cvrCodeVerified, person: Person{FirstName: "Anne", LastName: "Holm"}, wantState: StatusActive, wantCalls: 1},
		{name: "owner is not management", code: cvrCodeVerified, person: Person{FirstName: "Jens", LastName: "Møller"}, wantState: StatusActive, wantCalls: 1},
		{name: "deputy board member", code: cvrCodeVerified, person: Person{FirstName: "Peter", LastName: "Lund"}, wantState: StatusActive, wantCalls: 1},
		{name: "auditor", code: cvrCodeVerified, person: Person{FirstName: "Karen", LastName: "Bech"}, wantState: StatusActive, wantCalls: 1},
		{name: "person not listed", code: cvrCodeNotAuthorized, person: mette, wantState: StatusActive, wantCalls: 1},
		{name: "bankrupt", code: cvrCodeBankrupt, person: mette, wantState: StatusBankrupt, wantRoles: []string{"DIREKTØR"}, wantCalls: 1},
		{name: "dissolved", code: cvrCodeDissolved, person: mette, wantState: StatusDeleted, wantRoles: []string{"DIREKTØR"}, wantCalls: 1},
		{name: "liquidation", code: cvrCodeLiquidation, person: mette, wantState: StatusLiquidation, wantRoles: []string{"DIREKTØR"}, wantCalls: 1},
		{name: "not found (no hits)", code: cvrCodeNotFound, person: mette, wantErr: CodeCompanyNotFound, wantCalls: 1},
		{name: "429 retried", code: cvrCode429, person: mette, wantErr: CodeAPIError, wantCalls: -1},
		{name: "500 retried", code: cvrCode500, person: mette, wantErr: CodeAPIError, wantCalls: -1},
		{name: "timeout", code: cvrCodeTimeout, person: mette, wantErr: CodeAPIError, wantCalls: -1},
		{name: "malformed body", code: cvrCodeMalformed, person: mette, wantErr: CodeAPIError, wantCalls: 1},
		{name: "bad credentials (401)", code: cvrCodeVerified, person: mette, override: nordicStatus(http.StatusUnauthorized), wantErr: CodeConfigurationError, wantCalls: 1},
		{name: "no credentials configured", code: cvrCodeVerified, person: mette, creds: Config{Username: "kyb-user"}, wantErr: CodeConfigurationError, wantCalls: 0},
		{name: "missing last name", code: cvrCodeVerified, person: Person{FirstName: "Mette"}, wantErr: CodeIdentityValidation, wantCalls: 0},
		{name: "bad check digit", code: "13585629", person: mette, wantErr: CodeInvalidCode, wantCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			creds := cvrTestCreds
			if tt.creds != (Config{}) {
				creds = tt.creds
			}
			cfg, rec := nordicServer(t, cvrFake(), creds)
			rec.override = tt.override
			res, err := NewCVR(cfg).Validate(context.Background(), Request{Country: "DK", Code: tt.code, Person: tt.person})
			paths, auth := rec.requests()
			switch {
			case tt.wantCalls == -1 && len(paths) < 2:
				t.Errorf("fake saw %d requests, want retries", len(paths))
			case tt.wantCalls >= 0 && len(paths) != tt.wantCalls:
				t.Errorf("fake saw %d requests, want %d", len(paths), tt.wantCalls)
			}
			wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("kyb-user:s3cret"))
			for i, a := range auth {
				if a != wantAuth || paths[i] != "POST /cvr-permanent/virksomhed/_search" {
					t.Errorf("request %d: %s with Authorization %q", i, paths[i], a)
				}
			}
			if tt.wantErr != "" {
				nordicWantCode(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if res.Company.Status != tt.wantState || res.Company.Registry != "cvr" || res.Company.LegalPersonIdentifier != tt.code || !res.PersonChecked {
				t.Errorf("result = %+v, want status %s", res, tt.wantState)
			}
			var got []string
			for _, r := range res.Roles {
				got = append(got, r.Role)
			}
			if !slices.Equal(got, tt.wantRoles) {
				t.Errorf("roles = %v, want %v", got, tt.wantRoles)
			}
		})
	}
}

func TestCVRVerifiedDetails(t *testing.T) {
	t.Parallel()
	cfg, _ := nordicServer(t, cvrFake(), cvrTestCreds)
	res, err := NewCVR(cfg).Validate(context.Background(), Request{Code: "DK 1358 5628", Person: cvrSandboxPerson})
	if err != nil {
		t.Fatal(err)
	}
	want := Company{Name: "FJORDLYS RÅDGIVNING A/S", LegalPersonIdentifier: "13585628", Status: StatusActive, LegalForm: "Aktieselskab",
		Address: "Strandvejen 100, 2900 Hellerup, DK", RegistrationDate: "1989-12-27", Registry: "cvr"}
	if res.Company != want {
		t.Errorf("company = %+v\nwant      %+v", res.Company, want)
	}
	if !res.Authorized() || res.Roles[0] != (Role{Role: "ADM. DIR.", Name: "Direktion", Represents: true}) {
		t.Errorf("roles = %+v", res.Roles)
	}
	var raw struct{ Company json.RawMessage }
	if err := json.Unmarshal(res.Raw, &raw); err != nil || len(raw.Company) == 0 {
		t.Errorf("raw = %.80s (%v)", res.Raw, err)
	}
}

func TestCVRFakeRequiresBasicAuth(t *testing.T) {
	t.Parallel()
	cfg, _ := nordicServer(t, cvrFake(), Config{})
	res, err := http.Post(cfg.BaseURL+"cvr-permanent/virksomhed/_search", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d without credentials, want 401", res.StatusCode)
	}
}

func TestCVRStatus(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"NORMAL": StatusActive, "Aktiv": StatusActive, "UNDER KONKURS": StatusBankrupt, "UnderKonkurs": StatusBankrupt,
		"OPLØST EFTER KONKURS": StatusDeleted, "OpløstEfterFusion": StatusDeleted, "Ophørt": StatusDeleted, "TVANGSOPLØST": StatusDeleted,
		"UNDER FRIVILLIG LIKVIDATION": StatusLiquidation, "UNDER TVANGSOPLØSNING": StatusLiquidation, "UNDER REKONSTRUKTION": StatusBankrupt,
	} {
		if got, err := cvrStatus(in); got != want || err != nil {
			t.Errorf("cvrStatus(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := cvrStatus("UNDER REASSUMERING")
	nordicWantCode(t, err, CodeAPIError)
}

func TestCVRSandboxCases(t *testing.T) {
	t.Parallel()
	nordicRunSandbox(t, NewCVR, cvrFake(), cvrSandboxCases, cvrTestCreds)
}

func TestCVRDescribes(t *testing.T) {
	t.Parallel()
	v := NewCVR(Config{})
	if v.Method() != "cvr" || !slices.Equal(v.Countries(), []string{"DK"}) ||
		!slices.Equal(v.PersonFields(), []string{FieldFirstName, FieldLastName}) || cvrDefaultURL != "https://distribution.virk.dk" {
		t.Errorf("cvr describes itself as %s %v %v", v.Method(), v.Countries(), v.PersonFields())
	}
}
