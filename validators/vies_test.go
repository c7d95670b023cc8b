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

// Per member state: numbers that pass the offline check (format and, where
// public, check digit; with and without prefix, with separators) and
// numbers that fail it.
func TestVATNumbers(t *testing.T) {
	t.Parallel()
	v := validators.NewVIES(validators.Config{})
	for _, c := range []struct {
		country      string
		valid, wrong []string
	}{
		{"AT", []string{"U13585627", "ATU13585627"}, []string{"U13585628", "13585627", "U1358562"}},
		{"BE", []string{"0403170701", "BE 0403.170.701", "0200000142"}, []string{"0403170702", "2403170701", "403170701"}},
		{"BG", []string{"123456789", "1234567890"}, []string{"12345678", "12345678901"}},
		{"CY", []string{"12345678X"}, []string{"123456789", "1234567X"}},
		{"CZ", []string{"12345678", "1234567890"}, []string{"1234567", "12345678901"}},
		{"DE", []string{"136695976", "DE 136 695 976", "100000016"}, []string{"136695978", "13669597", "1366959760"}},
		{"DK", []string{"13585628", "DK13585628"}, []string{"13585629", "1358562"}},
		{"EE", []string{"100931558"}, []string{"10093155"}},
		{"GR", []string{"800000001", "EL800000001", "GR800000001"}, []string{"80000000", "EL80000000A"}},
		{"ES", []string{"A28015865", "ESA28015865", "12345678Z", "X1234567L", "P2800000H"}, []string{"A28015866", "12345678A", "P28000000", "I2801586A"}},
		{"FI", []string{"01120389", "FI01120389"}, []string{"01120388", "0112038"}},
		{"FR", []string{"40303265045", "FR 40 303265045", "AB303265045"}, []string{"41303265045", "IO303265045", "4030326504"}},
		{"HR", []string{"94577403194"}, []string{"94577403195", "9457740319"}},
		{"HU", []string{"12345678"}, []string{"1234567"}},
		{"IE", []string{"1234567T", "1234567TW", "1A23456T"}, []string{"1234567", "12345678T"}},
		{"IT", []string{"00950501007", "IT00950501007"}, []string{"00950501008", "0095050100"}},
		{"LT", []string{"123456789", "123456789012"}, []string{"1234567890"}},
		{"LU", []string{"15027442"}, []string{"15027443", "1502744"}},
		{"LV", []string{"12345678901"}, []string{"1234567890"}},
		{"MT", []string{"12345678"}, []string{"123456789"}},
		{"NL", []string{"004495445B01", "NL004495445B01"}, []string{"004495446B01", "004495445A01", "004495445B1"}},
		{"PL", []string{"5260250274", "PL 526-025-02-74"}, []string{"5260250275", "526025027"}},
		{"PT", []string{"501964843", "PT501964843"}, []string{"501964844", "50196484"}},
		{"RO", []string{"18547290", "12"}, []string{"1", "12345678901", "01234567"}},
		{"SE", []string{"556703748501", "SE556703748501"}, []string{"556703748601", "556703748502", "5567037485"}},
		{"SI", []string{"12345678"}, []string{"1234567"}},
		{"SK", []string{"1234567890"}, []string{"123456789"}},
		{"XI", []string{"999000004", "XI 999 0000 04", "GD123"}, []string{"99900000", "GD1234"}},
	} {
		for _, n := range c.valid {
			if err := validators.CheckCode(v, c.country, n); err != nil {
				t.Errorf("%s %q: %v, want valid", c.country, n, err)
			}
		}
		for _, n := range c.wrong {
			err := validators.CheckCode(v, c.country, n)
			if e := wantCode(t, err, validators.CodeInvalidCode); !strings.Contains(e.Message, c.country+" VAT number") {
				t.Errorf("%s %q: message %q does not name the rule", c.country, n, e.Message)
			}
		}
	}
	// Without a country, the prefix says which state's rule applies.
	for code, want := range map[string]bool{"DE136695976": true, "DE136695978": false, "136695976": false, "EL800000001": true, "NO923609016": false} {
		if err := v.CheckCode(code); (err == nil) != want {
			t.Errorf("CheckCode(%q) = %v, want valid %v", code, err, want)
		}
	}
}

func TestVIESValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, country, code string
		override            func(http.ResponseWriter, *http.Request) bool
		wantErr             validators.Code
		wantCalls           int // -1: retried
		wantSent            string
		wantCompany         validators.Company
	}{
		{name: "valid, name and address shared", country: "BE", code: sandbox.ViesVerified, wantCalls: 1, wantSent: `{"countryCode":"BE","vatNumber":"0200000142"}`,
			wantCompany: validators.Company{Name: "NV VOORBEELD LOGISTIEK", LegalPersonIdentifier: "BE0200000142", Status: validators.StatusActive, Address: "Havenlaan 12, 1000 Brussel", Registry: "vies"}},
		{name: "separators, no prefix", country: "BE", code: "0200.000.142", wantCalls: 1, wantSent: `{"countryCode":"BE","vatNumber":"0200000142"}`,
			wantCompany: validators.Company{Name: "NV VOORBEELD LOGISTIEK", LegalPersonIdentifier: "BE0200000142", Status: validators.StatusActive, Address: "Havenlaan 12, 1000 Brussel", Registry: "vies"}},
		{name: "valid, name and address withheld", country: "BE", code: sandbox.ViesWithheld, wantCalls: 1,
			wantCompany: validators.Company{LegalPersonIdentifier: "BE0200000241", Status: validators.StatusActive, Registry: "vies"}},
		{name: "Germany withholds", country: "DE", code: "DE 100 000 016", wantCalls: 1, wantSent: `{"countryCode":"DE","vatNumber":"100000016"}`,
			wantCompany: validators.Company{LegalPersonIdentifier: "DE100000016", Status: validators.StatusActive, Registry: "vies"}},
		{name: "Greece is EL in VIES", country: "GR", code: "GR800000001", wantCalls: 1, wantSent: `{"countryCode":"EL","vatNumber":"800000001"}`,
			wantCompany: validators.Company{Name: "ΠΑΡΑΔΕΙΓΜΑ ΜΟΝΟΠΡΟΣΩΠΗ Ι.Κ.Ε.", LegalPersonIdentifier: "EL800000001", Status: validators.StatusActive, Address: "ΟΔΟΣ ΠΑΡΑΔΕΙΓΜΑΤΟΣ 1, 10431 - ΑΘΗΝΑ", Registry: "vies"}},
		{name: "Northern Ireland", country: "XI", code: sandbox.ViesNorthernIreland, wantCalls: 1, wantSent: `{"countryCode":"XI","vatNumber":"999000004"}`,
			wantCompany: validators.Company{Name: "EXAMPLE TRADING LTD", LegalPersonIdentifier: "XI999000004", Status: validators.StatusActive, Address: "1 EXAMPLE STREET, BELFAST, BT1 1AA", Registry: "vies"}},
		{name: "valid: false", country: "BE", code: sandbox.ViesNotFound, wantErr: validators.CodeCompanyNotFound, wantCalls: 1},
		{name: "MS_UNAVAILABLE beside valid: false in HTTP 200", country: "BE", code: sandbox.ViesUnavailable, wantErr: validators.CodeAPIError, wantCalls: 1},
		{name: "errorWrappers in HTTP 200", country: "BE", code: sandbox.ViesConcurrent, wantErr: validators.CodeAPIError, wantCalls: 1},
		{name: "500 retried", country: "BE", code: sandbox.ViesServerError, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "429 past the budget", country: "BE", code: sandbox.ViesRateLimited, wantErr: validators.CodeAPIError, wantCalls: 1},
		{name: "truncated body", country: "BE", code: sandbox.ViesMalformed, wantErr: validators.CodeAPIError, wantCalls: 1},
		{name: "timeout", country: "BE", code: sandbox.ViesTimeout, wantErr: validators.CodeAPIError, wantCalls: -1},
		{name: "401 from a proxy", country: "BE", code: sandbox.ViesVerified, override: answerStatus(http.StatusUnauthorized), wantErr: validators.CodeConfigurationError, wantCalls: 1},
		{name: "bad check digit", country: "BE", code: "BE0200000143", wantErr: validators.CodeInvalidCode, wantCalls: 0},
		{name: "another state's prefix", country: "BE", code: "DE100000016", wantErr: validators.CodeInvalidCode, wantCalls: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, rec := fakeServer(t, sandbox.ViesFake(), validators.Config{})
			rec.override = tc.override
			res, err := validators.NewVIES(cfg).Validate(context.Background(), validators.Request{Country: tc.country, Code: tc.code})
			wantCalls(t, rec, tc.wantCalls, true)
			reqs := rec.all()
			if tc.wantSent != "" && (len(reqs) == 0 || strings.TrimSpace(string(reqs[0].body)) != tc.wantSent) {
				t.Errorf("sent %q, want %s", reqs[0].body, tc.wantSent)
			}
			if tc.wantErr != "" {
				wantCode(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Company != tc.wantCompany || res.PersonChecked || res.Authorized() || !json.Valid(res.Raw) {
				t.Errorf("result %+v\nwant company %+v, no person check", res, tc.wantCompany)
			}
		})
	}
}
