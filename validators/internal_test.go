package validators

import (
	"fmt"
	"testing"
	"time"
)

// Tests of the registers' unexported parsing helpers.

func TestAriregisterFaultClassification(t *testing.T) {
	t.Parallel()
	fault := func(msg string) []byte {
		return []byte(`<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode><faultstring>` + msg + `</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>`)
	}
	if e := ariregisterFault(500, fault("Vale kasutajanimi või parool")); e == nil || e.Code != CodeConfigurationError {
		t.Errorf("credential fault = %v, want CONFIGURATION_ERROR", e)
	}
	if e := ariregisterFault(500, fault("Internal error")); e != nil {
		t.Errorf("server fault = %v, want nil (retried by the client)", e)
	}
	if e := ariregisterFault(200, fault("Päringu viga")); e == nil || e.Code != CodeAPIError {
		t.Errorf("fault with 200 = %v, want API_ERROR", e)
	}
	if e := ariregisterFault(200, []byte(`{"keha":{}}`)); e != nil {
		t.Errorf("JSON body classified as fault: %v", e)
	}
}

func TestBolagsverketPersonnummer(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"19121212-1212": "191212121212",
		"191212121212":  "191212121212",
		"121212+1212":   "191212121212", // "+" marks a centenarian
		"121212-1212":   "201212121212",
		"811228-9874":   "198112289874",
		"8112289874":    "198112289874",
		"811288-9871":   "198112889871", // co-ordination number (day + 60)
	} {
		if got, ok := bolagsverketPersonnummer(in, now); !ok || got != want {
			t.Errorf("personnummer(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"811228-9875", "19811228-9875", "811328-9874", "81122898", "81122-89874A", "1981122898740", ""} {
		if got, ok := bolagsverketPersonnummer(in, now); ok {
			t.Errorf("personnummer(%q) = %q, want invalid", in, got)
		}
	}
}

func TestBolagsverketTokenURL(t *testing.T) {
	t.Parallel()
	for base, want := range map[string]string{
		bolagsverketDefaultURL:                   "https://portal.api.bolagsverket.se/oauth2/token",
		"https://gw-accept2.api.bolagsverket.se": "https://portal-accept2.api.bolagsverket.se/oauth2/token",
		"http://127.0.0.1:8080/bv":               "http://127.0.0.1:8080/bv/oauth2/token",
		"https://gwen.example.com":               "https://gwen.example.com/oauth2/token",
	} {
		if got := bolagsverketTokenURL(base); got != want {
			t.Errorf("bolagsverketTokenURL(%q) = %q, want %q", base, got, want)
		}
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
	wantCode(t, err, CodeAPIError)
}

func TestNordicNames(t *testing.T) {
	t.Parallel()
	if got := nameTokens("  Bjørn-Åge O'Neil  ÆRØ"); len(got) != 4 || got[0] != "bjorn" || got[1] != "age" || got[2] != "oneil" || got[3] != "aero" {
		t.Errorf("nordicTokens = %q", got)
	}
	for _, c := range []struct {
		reg, first, last string
		want             bool
	}{
		{"Lars Fruergaard Jørgensen", "Lars", "Jørgensen", true},
		{"Lars Fruergaard Jørgensen", "lars", "Fruergaard Jorgensen", true},
		{"Lars Fruergaard Jørgensen", "Fruergaard", "Jørgensen", false},
		{"Lars Fruergaard Jørgensen", "Lars", "Fruergaard", false},
		{"Lars Jørgensen", "Lars Peter", "Jørgensen", false},
		{"Lars Jørgensen", "", "Jørgensen", false},
	} {
		if got := nordicFullNameMatch(c.reg, c.first, c.last); got != c.want {
			t.Errorf("nordicFullNameMatch(%q, %q, %q) = %v", c.reg, c.first, c.last, got)
		}
	}
}

func TestCheckEstonianPersonalCode(t *testing.T) {
	t.Parallel()
	// 2001-02-30 does not exist: give it a correct check digit so only the date is wrong.
	badDate := "5010230000" + fmt.Sprint(estonianCheckDigit("5010230000"))
	badMonth := "4801301000" + fmt.Sprint(estonianCheckDigit("4801301000"))
	for _, code := range []string{"48001010005", "37505050004", "38001085718", "60001010007", "49002020002"} {
		if err := CheckEstonianPersonalCode(code); err != nil {
			t.Errorf("CheckEstonianPersonalCode(%q) = %v, want valid", code, err)
		}
	}
	for _, code := range []string{"48001010006", "78001010005", "08001010005", "4800101000", "480010100050", "4800101000A", "", badDate, badMonth} {
		if err := CheckEstonianPersonalCode(code); err == nil {
			t.Errorf("CheckEstonianPersonalCode(%q) accepted an invalid code", code)
		}
	}
}

func TestCheckCompanyNumberPads(t *testing.T) {
	t.Parallel()
	n, err := checkCompanyNumber("445790")
	if err != nil || n != "00445790" {
		t.Errorf("checkCompanyNumber(445790) = %q, %v; want 00445790", n, err)
	}
}
