package validators_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

func TestLEICheckDigits(t *testing.T) {
	t.Parallel()
	// Published LEIs (GLEIF itself, two banks) and the fake's.
	for _, lei := range []string{"529900T8BM49AURSDO55", "7LTWFZYICNSX8D621K86", "5493001KJTIIGC8Y1R12", "5493 001K JTII GC8Y 1R12", "984500sandbox0000a18", sandbox.GleifNorway} {
		if _, err := validators.NormaliseLEI(lei); err != nil {
			t.Errorf("NormaliseLEI(%q) = %v, want valid", lei, err)
		}
	}
	for _, lei := range []string{"529900T8BM49AURSDO56", "5493001KJTIIGC8Y1R21", "5493001KJTIIGC8Y1R1", "5493001KJTIIGC8Y1R123", "5493001KJTIIGC8Y1RA2", "5493001KJ-IIGC8Y1R12", ""} {
		_, err := validators.NormaliseLEI(lei)
		wantCode(t, err, validators.CodeInvalidCode)
	}
}

func TestGLEIFValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                  string
		code                  string
		override              func(http.ResponseWriter, *http.Request) bool
		wantErr               validators.Code
		wantStatus, wantLEI   string
		wantCalls             int // -1: retried
		wantJurisdiction, reg string
	}{
		{name: "active entity, issued LEI", code: sandbox.GleifVerified, wantStatus: validators.StatusActive, wantLEI: "ISSUED", wantJurisdiction: "LI", reg: "FL-0002.123.456-7", wantCalls: 1},
		{name: "a lapsed LEI of a live company is a live company", code: sandbox.GleifLapsed, wantStatus: validators.StatusActive, wantLEI: "LAPSED", wantJurisdiction: "LI", reg: "FL-0001.987.654-3", wantCalls: 1},
		{name: "inactive entity", code: sandbox.GleifInactive, wantStatus: validators.StatusDeleted, wantLEI: "RETIRED", wantJurisdiction: "LI", reg: "FL-0002.555.111-0", wantCalls: 1},
		{name: "entity status not stated", code: sandbox.GleifUnknown, wantStatus: validators.StatusUnknown, wantLEI: "ISSUED", wantJurisdiction: "LI", reg: "FL-0002.777.888-9", wantCalls: 1},
		{name: "lower case and spaces", code: "9845 00sa ndbo x000 0l82", wantStatus: validators.StatusActive, wantLEI: "ISSUED", wantJurisdiction: "NO", reg: "923609016", wantCalls: 1},
		{name: "not found", code: sandbox.GleifNotFound, wantErr: validators.CodeCompanyNotFound, wantCalls: 1},
		{name: "500 retried", code: sandbox.GleifServerError, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "429 asking past the budget", code: sandbox.GleifRateLimited, wantErr: validators.CodeAPIError, wantCalls: 1},
		{name: "truncated body", code: sandbox.GleifMalformed, wantErr: validators.CodeAPIError, wantCalls: 1},
		{name: "timeout", code: sandbox.GleifTimeout, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "401 from a proxy", code: sandbox.GleifVerified, override: answerStatus(http.StatusUnauthorized), wantErr: validators.CodeConfigurationError, wantCalls: 1},
		{name: "bad check digits", code: "984500SANDBOX0000A19", wantErr: validators.CodeInvalidCode, wantCalls: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, rec := fakeServer(t, sandbox.GleifFake(), validators.Config{Countries: []string{"LI"}})
			rec.override = tc.override
			res, err := validators.NewGLEIF(cfg).Validate(context.Background(), validators.Request{Country: "LI", Code: tc.code})
			wantCalls(t, rec, tc.wantCalls, true)
			if tc.wantErr != "" {
				wantCode(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := res.Company
			if c.Status != tc.wantStatus || c.LEIStatus != tc.wantLEI || c.Jurisdiction != tc.wantJurisdiction || c.RegisteredAs != tc.reg ||
				c.Registry != "gleif" || c.LEI != c.LegalPersonIdentifier || len(c.LEI) != 20 || res.PersonChecked {
				t.Errorf("company %+v (person checked %v)", c, res.PersonChecked)
			}
		})
	}
}

func TestGLEIFCompany(t *testing.T) {
	t.Parallel()
	cfg, rec := fakeServer(t, sandbox.GleifFake(), validators.Config{})
	res, err := validators.NewGLEIF(cfg).Validate(context.Background(), validators.Request{Country: "LI", Code: sandbox.GleifVerified})
	if err != nil {
		t.Fatal(err)
	}
	want := validators.Company{Name: "Beispiel Treuhand AG", LegalPersonIdentifier: sandbox.GleifVerified, Status: validators.StatusActive, LegalForm: "1DGT",
		Address: "Beispielstrasse 1, 9490 Vaduz, LI", RegistrationDate: "2011-05-03", Registry: "gleif",
		LEI: sandbox.GleifVerified, LEIStatus: "ISSUED", Jurisdiction: "LI", RegisteredAs: "FL-0002.123.456-7"}
	if res.Company != want {
		t.Errorf("company %+v\nwant    %+v", res.Company, want)
	}
	if r := rec.all(); len(r) != 1 || r[0].path != "/api/v1/lei-records/"+sandbox.GleifVerified || r[0].header.Get("Accept") != "application/vnd.api+json" {
		t.Errorf("requests %+v", r)
	}
}

// A 429 whose Retry-After fits the validation's budget is waited out.
func TestGLEIFHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	cfg, rec := fakeServer(t, sandbox.GleifFake(), validators.Config{})
	cfg.Deadline = 3 * time.Second
	began := time.Now()
	res, err := validators.NewGLEIF(cfg).Validate(context.Background(), validators.Request{Country: "LI", Code: sandbox.GleifRetryAfter})
	if err != nil || res.Company.Status != validators.StatusActive {
		t.Fatalf("%+v, %v", res, err)
	}
	if n, _ := rec.seen(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	if took := time.Since(began); took < time.Second {
		t.Errorf("retried after %v, before the Retry-After of 1s", took)
	}
}

func TestSameLocalCode(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		registeredAs, code string
		want               bool
	}{
		{"923609016", "923 609 016", true},
		{"556703-7485", "5567037485", true},
		{"FL-0002.123.456-7", "fl00021234567", true},
		{"HRB 12345", "HRB 12346", false},
		{"FN 93363 z", "93363z", true},
		{"HRB 12345", "12345", true},
		{"12345", "112345", false},
		{"", "", false},
	} {
		if got := validators.SameLocalCode(c.registeredAs, c.code); got != c.want {
			t.Errorf("SameLocalCode(%q, %q) = %v", c.registeredAs, c.code, got)
		}
	}
}
