package validators

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// seenRequest is what a fake register received.
type seenRequest struct {
	method, path, query string
	header              http.Header
	body                []byte
}

// recordingServer serves fake and records every request it receives.
func recordingServer(t *testing.T, fake http.Handler) (*httptest.Server, func() []seenRequest) {
	t.Helper()
	var mu sync.Mutex
	var seen []seenRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		mu.Lock()
		seen = append(seen, seenRequest{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		mu.Unlock()
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seenRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]seenRequest(nil), seen...)
	}
}

// ariregisterTestConfig keeps retries short so a failing register test ends in about a second.
func ariregisterTestConfig(url string) Config {
	return Config{BaseURL: url, Username: ariregisterFakeUsername, Password: ariregisterFakePassword,
		Timeout: 200 * time.Millisecond, Deadline: 900 * time.Millisecond}
}

func TestAriregisterCheckCode(t *testing.T) {
	t.Parallel()
	v := NewAriregister(Config{})
	for _, code := range []string{"12417834", "70000310", "10000062", " 12417834 ", ariregisterCodeVerified} {
		if err := v.CheckCode(code); err != nil {
			t.Errorf("CheckCode(%q) = %v, want valid", code, err)
		}
	}
	for _, code := range []string{"12417835", "1241783", "124178344", "22417834", "52417834", "1241783A", "", "EE12417834"} {
		err := v.CheckCode(code)
		e := wantCode(t, err, CodeInvalidCode)
		if !strings.Contains(e.Message, "8 digits") || !strings.Contains(e.Message, "mod-11") {
			t.Errorf("CheckCode(%q) message %q does not name the rule", code, e.Message)
		}
	}
	for _, c := range ariregisterSandboxCases {
		if err := v.CheckCode(c.Code); err != nil {
			t.Errorf("sandbox code %s fails CheckCode: %v", c.Code, err)
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

func TestAriregisterValidate(t *testing.T) {
	t.Parallel()
	mari := ariregisterFakePerson
	stranger := Person{Identifier: "49002020002"}
	tests := []struct {
		name       string
		code       string
		person     Person
		cfg        func(*Config)
		wantErr    Code
		wantStatus string
		wantRoles  []string
		wantCalls  int // -1: at least 2 (retried)
	}{
		{name: "verified with two roles", code: ariregisterCodeVerified, person: mari, wantStatus: StatusActive, wantRoles: []string{"JUHL", "PROK"}, wantCalls: 1},
		{name: "code with spaces", code: " 12417834 ", person: mari, wantStatus: StatusActive, wantRoles: []string{"JUHL", "PROK"}, wantCalls: 1},
		{name: "person not listed", code: ariregisterCodeVerified, person: stranger, wantStatus: StatusActive, wantCalls: 1},
		{name: "joint representation only", code: ariregisterCodeNotAuthorized, person: mari, wantStatus: StatusActive, wantCalls: 1},
		{name: "bankrupt", code: ariregisterCodeBankrupt, person: mari, wantStatus: StatusBankrupt, wantRoles: []string{"PANKH"}, wantCalls: 1},
		{name: "deleted", code: ariregisterCodeDeleted, person: mari, wantStatus: StatusDeleted, wantCalls: 1},
		{name: "liquidation, one-item list as object", code: ariregisterCodeLiquidation, person: mari, wantStatus: StatusLiquidation, wantRoles: []string{"LIKV"}, wantCalls: 1},
		{name: "not found", code: ariregisterCodeNotFound, person: mari, wantErr: CodeCompanyNotFound, wantCalls: 1},
		{name: "bad credentials", code: ariregisterCodeVerified, person: mari, cfg: func(c *Config) { c.Password = "wrong" }, wantErr: CodeConfigurationError, wantCalls: 1},
		{name: "rate limited", code: ariregisterCodeRateLimited, person: mari, wantErr: CodeAPIError, wantCalls: -1},
		{name: "server fault", code: ariregisterCodeServerError, person: mari, wantErr: CodeAPIError, wantCalls: -1},
		{name: "timeout", code: ariregisterCodeTimeout, person: mari, wantErr: CodeAPIError, wantCalls: -1},
		{name: "malformed body", code: ariregisterCodeMalformed, person: mari, wantErr: CodeAPIError, wantCalls: 1},
		{name: "missing person code", code: ariregisterCodeVerified, person: Person{FirstName: "Mari"}, wantErr: CodeIdentityValidation},
		{name: "invalid person code", code: ariregisterCodeVerified, person: Person{Identifier: "48001010006"}, wantErr: CodeIdentityValidation},
		{name: "invalid company code", code: "12417835", person: mari, wantErr: CodeInvalidCode},
		{name: "no credentials configured", code: ariregisterCodeVerified, person: mari, cfg: func(c *Config) { c.Username, c.Password = "", "" }, wantErr: CodeConfigurationError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, seen := recordingServer(t, ariregisterFake())
			cfg := ariregisterTestConfig(srv.URL)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			start := time.Now()
			res, err := NewAriregister(cfg).Validate(context.Background(), Request{Country: "EE", Code: tc.code, Person: tc.person})
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Validate took %v", d)
			}
			switch n := len(seen()); {
			case tc.wantCalls == -1 && n < 2:
				t.Errorf("register called %d times, want retries", n)
			case tc.wantCalls >= 0 && n != tc.wantCalls:
				t.Errorf("register called %d times, want %d", n, tc.wantCalls)
			}
			if tc.wantErr != "" {
				e := wantCode(t, err, tc.wantErr)
				if tc.person.Identifier != "" && strings.Contains(e.Error(), tc.person.Identifier) {
					t.Errorf("error %q contains the personal code", e.Error())
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if res.Company.Status != tc.wantStatus || res.Company.Registry != "ariregister" ||
				res.Company.LegalPersonIdentifier != strings.TrimSpace(tc.code) || res.Company.Name == "" || res.Company.LegalForm == "" {
				t.Errorf("company = %+v", res.Company)
			}
			if !res.PersonChecked {
				t.Error("PersonChecked = false, want true")
			}
			var roles []string // the roles that represent the company
			for _, r := range res.Roles {
				if r.Represents {
					roles = append(roles, r.Role)
				}
				if r.Name == "" {
					t.Errorf("role %s has no label", r.Role)
				}
			}
			if strings.Join(roles, ",") != strings.Join(tc.wantRoles, ",") {
				t.Errorf("roles = %v, want %v", roles, tc.wantRoles)
			}
			if res.Authorized() != (len(tc.wantRoles) > 0) {
				t.Errorf("Authorized() = %v", res.Authorized())
			}
			raw := string(res.Raw)
			if !strings.Contains(raw, `"arinimi"`) || !strings.Contains(raw, res.Company.Name) {
				t.Errorf("raw lacks the register's answer: %s", raw)
			}
			if redacted := string(RedactPersons(res.Raw)); strings.Contains(raw, "ariregister_parool") ||
				strings.Contains(redacted, "48001010005") || strings.Contains(redacted, "37505050004") {
				t.Errorf("raw leaks the password or a personal code: %s", redacted)
			}
		})
	}
}

func TestAriregisterSendsCredentialsInSOAPBody(t *testing.T) {
	t.Parallel()
	srv, seen := recordingServer(t, ariregisterFake())
	if _, err := NewAriregister(ariregisterTestConfig(srv.URL)).Validate(context.Background(),
		Request{Country: "EE", Code: ariregisterCodeVerified, Person: ariregisterFakePerson}); err != nil {
		t.Fatal(err)
	}
	reqs := seen()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/xml") {
		t.Errorf("request = %s %s (%s), want a SOAP POST to /", r.method, r.path, r.header.Get("Content-Type"))
	}
	var env struct {
		Keha struct {
			Username string `xml:"ariregister_kasutajanimi"`
			Password string `xml:"ariregister_parool"`
			Format   string `xml:"ariregister_valjundi_formaat"`
			Code     string `xml:"ariregistri_kood"`
		} `xml:"Body>esindus_v1>keha"`
	}
	if err := xml.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("body is not XML: %v\n%s", err, r.body)
	}
	k := env.Keha
	if k.Username != ariregisterFakeUsername || k.Password != ariregisterFakePassword || k.Format != "json" || k.Code != ariregisterCodeVerified {
		t.Errorf("SOAP keha = %+v", k)
	}
	if strings.Contains(string(r.body), ariregisterFakePerson.Identifier) {
		t.Error("the personal code was sent to the register; it is matched locally")
	}
}

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
