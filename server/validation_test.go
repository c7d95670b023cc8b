package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/server"
)

const (
	start = base + "start_verification/"
	// Mari Maasikas, listed by the EE sandbox register for 12417834.
	estonianPerson = "48001010005"
)

// startAndRun starts a verification as alice and runs its validation.
func startAndRun(t *testing.T, a *api, body map[string]any) map[string]any {
	t.Helper()
	res := a.do(t, "POST", start, a.aliceT, body)
	wantStatus(t, res, http.StatusOK)
	v := res.Object(t)
	if v["status"] != "pending" {
		t.Fatalf("started as %v", v["status"])
	}
	res = a.do(t, "POST", base+v["uuid"].(string)+"/run_validation/", a.aliceT, nil)
	wantStatus(t, res, http.StatusOK)
	return res.Object(t)
}

func TestValidationOutcomes(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cases := []struct {
			name       string
			body       map[string]any
			status     string
			code       string
			withMethod bool
		}{
			{"EE verified", map[string]any{"country": "EE", "legal_person_identifier": "12417834", "person_identifier": estonianPerson}, "verified", "", true},
			{"NO verified by name and birth date", map[string]any{"country": "NO", "legal_person_identifier": "923609016",
				"first_name": "Kari", "last_name": "Nordmann", "birth_date": "1975-04-12"}, "verified", "", true},
			{"EE not found", map[string]any{"country": "EE", "legal_person_identifier": "10000001", "person_identifier": estonianPerson}, "failed", "COMPANY_NOT_FOUND", true},
			{"EE bankrupt", map[string]any{"country": "EE", "legal_person_identifier": "10000018", "person_identifier": estonianPerson}, "failed", "COMPANY_INACTIVE", true},
			{"EE person not listed", map[string]any{"country": "EE", "legal_person_identifier": "10000024", "person_identifier": estonianPerson}, "escalated", "NOT_AUTHORIZED", true},
			{"EE register times out", map[string]any{"country": "EE", "legal_person_identifier": "10000030", "person_identifier": estonianPerson}, "escalated", "API_ERROR", true},
			{"EE register answers 500", map[string]any{"country": "EE", "legal_person_identifier": "10000047", "person_identifier": estonianPerson}, "escalated", "API_ERROR", true},
			{"EE register answers garbage", map[string]any{"country": "EE", "legal_person_identifier": "10000062", "person_identifier": estonianPerson}, "escalated", "API_ERROR", true},
			{"SE verified by personal number", map[string]any{"country": "SE", "legal_person_identifier": "2021005489", "person_identifier": "191212121212"}, "verified", "", true},
			{"AT verified by name and birth date", map[string]any{"country": "AT", "legal_person_identifier": "FN 93363z",
				"first_name": "Maria", "last_name": "Huber", "birth_date": "1971-03-14"}, "verified", "", true},
			{"GB verified by name and birth month", map[string]any{"country": "GB", "legal_person_identifier": "00445790",
				"first_name": "Jane", "last_name": "Smith", "birth_date": "1972-06-30"}, "verified", "", true},
			{"FR verified by name and birth month", map[string]any{"country": "FR", "legal_person_identifier": "380129866",
				"first_name": "Claire", "last_name": "Dubois", "birth_date": "1974-09-01"}, "verified", "", true},
			{"GB person only a secretary", map[string]any{"country": "GB", "legal_person_identifier": "00102498",
				"first_name": "Jane", "last_name": "Smith", "birth_date": "1972-06-30"}, "escalated", "NOT_AUTHORIZED", true},
			{"EE person data missing", map[string]any{"country": "EE", "legal_person_identifier": "12417834"}, "escalated", "IDENTITY_VALIDATION_FAILED", true},
			{"FI publishes no roles", map[string]any{"country": "FI", "legal_person_identifier": "0112038-9"}, "escalated", "IDENTITY_VALIDATION_FAILED", true},
			{"no register for US", map[string]any{"country": "US", "legal_person_identifier": "HRB 1234"}, "escalated", "NO_BACKEND_AVAILABLE", false},
			{"BE VAT number known to VIES: the person is for staff", map[string]any{"country": "BE", "legal_person_identifier": "BE 0200.000.142"}, "escalated", "IDENTITY_VALIDATION_FAILED", true},
			{"Northern Ireland (XI) by VIES", map[string]any{"country": "xi", "legal_person_identifier": "XI999000004"}, "escalated", "IDENTITY_VALIDATION_FAILED", true},
			{"DE VAT number unknown to VIES", map[string]any{"country": "DE", "legal_person_identifier": "DE136695976"}, "failed", "COMPANY_NOT_FOUND", true},
			{"CZ verified by name and birth date", map[string]any{"country": "CZ", "legal_person_identifier": "27000010",
				"first_name": "Jan", "last_name": "Novák", "birth_date": "1980-01-15"}, "verified", "", true},
			{"CZ outside the commercial register", map[string]any{"country": "CZ", "legal_person_identifier": "27000061",
				"first_name": "Jan", "last_name": "Novák", "birth_date": "1980-01-15"}, "escalated", "IDENTITY_VALIDATION_FAILED", true},
			{"NO verified, GLEIF agrees", map[string]any{"country": "NO", "legal_person_identifier": "923609016", "lei": "984500sandbox0000l82",
				"first_name": "Kari", "last_name": "Nordmann", "birth_date": "1975-04-12"}, "verified", "", true},
			{"NO, GLEIF names another jurisdiction", map[string]any{"country": "NO", "legal_person_identifier": "923609016", "lei": "984500SANDBOX0000A18",
				"first_name": "Kari", "last_name": "Nordmann", "birth_date": "1975-04-12"}, "escalated", "LEI_MISMATCH", true},
			{"LI by GLEIF (configured)", map[string]any{"country": "LI", "legal_person_identifier": "984500SANDBOX0000A18"}, "escalated", "IDENTITY_VALIDATION_FAILED", true},
			{"VIES cannot check now", map[string]any{"country": "BE", "legal_person_identifier": "0200000538"}, "escalated", "API_ERROR", true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				v := startAndRun(t, a, c.body)
				if v["status"] != c.status || v["error_message"] != c.code {
					t.Fatalf("status %v / %v, want %s / %s (%v)", v["status"], v["error_message"], c.status, c.code, v["error_traceback"])
				}
				if (v["validation_method"] != nil) != c.withMethod {
					t.Errorf("validation_method %v", v["validation_method"])
				}
				if c.code != "" && v["error_traceback"] == "" {
					t.Errorf("no explanation for %s", c.code)
				}
				if c.status == "verified" {
					company := v["verified_company_data"].(map[string]any)
					roles := v["verified_user_roles"].([]any)
					raw := v["raw_response"].(map[string]any)
					if company["name"] == "" || company["status"] != "active" || len(roles) == 0 || raw["sandbox"] != true || v["validated_at"] == nil {
						t.Errorf("verified without evidence: company %v roles %v sandbox %v validated_at %v", company, roles, raw["sandbox"], v["validated_at"])
					}
				} else if v["validated_at"] != nil {
					t.Errorf("validated_at set on %s", c.status)
				}
			})
		}
		// Personal identifiers never leave the service, in responses or logs;
		// the other person data sent never reaches a log line.
		for _, secret := range []string{estonianPerson, "191212121212"} {
			if strings.Contains(a.bodies.String(), secret) {
				t.Errorf("a response contains %q", secret)
			}
		}
		if !regexp.MustCompile(`"msg":"validation finished","request_id":"[A-Za-z0-9]+"`).MatchString(a.logs.String()) {
			t.Errorf("validation log lines carry no request id:\n%.400s", a.logs.String())
		}
		for _, secret := range []string{estonianPerson, "191212121212", "Nordmann", "1975-04-12"} {
			if strings.Contains(a.logs.String(), secret) {
				t.Errorf("a log line contains %q", secret)
			}
		}
	})
}

func TestStartVerificationChecksInput(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cases := []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"country": "EE", "legal_person_identifier": "12417835"}, "legal_person_identifier"},
			{map[string]any{"country": "NO", "legal_person_identifier": "923609017"}, "legal_person_identifier"},
			{map[string]any{"country": "DE", "legal_person_identifier": "DE136695978"}, "legal_person_identifier"}, // VAT check digit
			{map[string]any{"country": "BE", "legal_person_identifier": "DE136695976"}, "legal_person_identifier"}, // another state's prefix
			{map[string]any{"country": "XX"}, "country"},
			{map[string]any{"country": "NO", "legal_person_identifier": "923609016", "lei": "984500SANDBOX0000A19"}, "lei"},
			{map[string]any{"country": "LI", "legal_person_identifier": "FL-0002.123.456-7"}, "legal_person_identifier"}, // gleif wants the LEI
			{map[string]any{"country": "EE", "legal_person_identifier": "12417834", "person_identifier": "48001010006"}, "person_identifier"},
			{map[string]any{"country": "EE", "birth_date": "1975-13-40"}, "birth_date"},
			{map[string]any{"country": "Estonia"}, "country"},
		}
		for _, c := range cases {
			res := a.do(t, "POST", start, a.aliceT, c.body)
			wantStatus(t, res, http.StatusBadRequest)
			msgs, ok := res.Object(t)[c.field].([]any)
			if !ok || len(msgs) == 0 || msgs[0] == "" {
				t.Errorf("%v: body %s does not explain %s", c.body, res.Body, c.field)
			}
		}
		// The CRUD create checks the code too.
		res := a.do(t, "POST", base, a.aliceT, map[string]any{"user": a.alice.ID, "country": "NO", "legal_person_identifier": "923609017"})
		wantStatus(t, res, http.StatusBadRequest)
		wantStatus(t, a.do(t, "POST", start, a.supportT, map[string]any{"country": "EE"}), http.StatusForbidden)
		if c := a.do(t, "GET", base, a.staffT, nil).Header.Get("X-Result-Count"); c != "0" {
			t.Fatalf("rejected starts stored %s rows", c)
		}
	})
}

func TestStartVerificationDefaults(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		before := time.Now()
		res := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "ee", "legal_person_identifier": "12417834",
			"person_identifier": estonianPerson, "first_name": "Mari"})
		wantStatus(t, res, http.StatusOK)
		v := res.Object(t)
		exp, err := time.Parse(time.RFC3339, v["expires_at"].(string))
		if err != nil || exp.Before(before.Add(48*time.Hour-time.Minute)) || exp.After(before.Add(48*time.Hour+time.Minute)) {
			t.Fatalf("expires_at %v, want now+48h", v["expires_at"])
		}
		if v["user"] != float64(a.alice.ID) || v["country"] != "EE" {
			t.Fatalf("started %v", v)
		}
		if strings.Contains(string(res.Body), estonianPerson) || strings.Contains(string(res.Body), "Mari") {
			t.Fatalf("person data in the response: %s", res.Body)
		}
		// Kept for the validation, erased once it has run.
		id := uuid.MustParse(v["uuid"].(string))
		stored, _ := a.store.Verification(context.Background(), id)
		if stored.PersonIdentifier != estonianPerson {
			t.Fatalf("person code not kept for validation")
		}
		wantStatus(t, a.do(t, "POST", base+id.String()+"/run_validation/", a.aliceT, nil), http.StatusOK)
		stored, _ = a.store.Verification(context.Background(), id)
		if stored.PersonIdentifier != "" || stored.PersonFirstName != "" || stored.Status != "verified" {
			t.Fatalf("after validation: person %q %q, status %s", stored.PersonIdentifier, stored.PersonFirstName, stored.Status)
		}
	})
}

func TestManualValidationAndRunValidationRules(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		res := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "12417834", "is_manual_validation": true})
		wantStatus(t, res, http.StatusOK)
		v := res.Object(t)
		if v["status"] != "escalated" || v["validation_method"] != "manual" {
			t.Fatalf("manual: %v / %v", v["status"], v["validation_method"])
		}
		wantStatus(t, a.do(t, "POST", base+v["uuid"].(string)+"/run_validation/", a.aliceT, nil), http.StatusConflict)

		v = a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "12417834", "person_identifier": estonianPerson}).Object(t)
		run := base + v["uuid"].(string) + "/run_validation/"
		wantStatus(t, a.do(t, "POST", run, a.bobT, nil), http.StatusNotFound)
		wantStatus(t, a.do(t, "POST", run, a.supportT, nil), http.StatusForbidden)
		wantStatus(t, a.do(t, "POST", base+uuid.NewString()+"/run_validation/", a.aliceT, nil), http.StatusNotFound)
	})
}

func TestRegisterRejectsCredentials(t *testing.T) {
	t.Parallel()
	register := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"message":"Unauthorized"}`, http.StatusUnauthorized)
	}))
	defer register.Close()
	env := func(k string) string {
		if k == "ONBOARDING_BREG_URL" {
			return register.URL
		}
		return ""
	}
	a := newAPIWithEnv(t, sqliteStore(t), server.Config{}, env)
	v := startAndRun(t, a, map[string]any{"country": "NO", "legal_person_identifier": "923609016",
		"first_name": "Kari", "last_name": "Nordmann", "birth_date": "1975-04-12"})
	if v["status"] != "escalated" || v["error_message"] != "CONFIGURATION_ERROR" {
		t.Fatalf("bad credentials: %v / %v", v["status"], v["error_message"])
	}
	if raw := v["raw_response"].(map[string]any); raw["sandbox"] != nil {
		t.Fatalf("not in sandbox mode, yet raw_response says %v", raw["sandbox"])
	}
}

func TestSupportedCountriesAndMethods(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{})
	res := a.do(t, "GET", "/api/onboarding/supported-countries/", a.aliceT, nil)
	wantStatus(t, res, http.StatusOK)
	countries := res.Object(t)["supported_countries"].([]any)
	if len(countries) < 5 || countries[0].(string) > countries[1].(string) {
		t.Fatalf("countries %v", countries)
	}
	res = a.do(t, "GET", "/api/onboarding/validation-methods/", a.aliceT, nil)
	wantStatus(t, res, http.StatusOK)
	var methods []map[string]any
	res.JSON(t, &methods)
	found := false
	for _, m := range methods {
		if m["name"] == "breg" {
			found = true
			if m["sandbox"] != true || len(m["person_fields"].([]any)) != 3 {
				t.Fatalf("breg: %v", m)
			}
		}
	}
	if !found {
		t.Fatalf("breg missing from %v", methods)
	}
	// Issue 9 item 4: configuration, not data: public as declared (security: []),
	// even with a token that is not valid.
	for _, path := range []string{"/api/onboarding/supported-countries/", "/api/onboarding/validation-methods/"} {
		for _, token := range []string{"", "not-a-token"} {
			if res := a.do(t, "GET", path, token, nil); res.Status != http.StatusOK || !strings.Contains(string(res.Body), "EE") {
				t.Errorf("GET %s with token %q: %d %s, want 200 with the countries", path, token, res.Status, res.Body)
			}
		}
	}
	if r := a.do(t, "GET", "/readyz", "", nil).Object(t); r["sandbox"] != true {
		t.Fatalf("readyz does not say sandbox: %v", r)
	}
}

// The LEI is part of the company: changing it sends the verification back
// to pending, stored as GLEIF writes it; a bad one is a 400 that changes nothing.
func TestVerificationLEIEdit(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		v := startAndRun(t, a, map[string]any{"country": "NO", "legal_person_identifier": "923609016", "lei": "984500SANDBOX0000A18",
			"first_name": "Kari", "last_name": "Nordmann", "birth_date": "1975-04-12"})
		if v["status"] != "escalated" || v["error_message"] != "LEI_MISMATCH" || v["lei"] != "984500SANDBOX0000A18" {
			t.Fatalf("started and run: %v / %v, lei %v", v["status"], v["error_message"], v["lei"])
		}
		path := base + v["uuid"].(string) + "/"
		res := a.do(t, "PATCH", path, a.aliceT, map[string]any{"lei": "984500SANDBOX0000A19"})
		wantStatus(t, res, http.StatusBadRequest)
		if msgs, ok := res.Object(t)["lei"].([]any); !ok || len(msgs) == 0 {
			t.Errorf("400 does not explain lei: %s", res.Body)
		}
		res = a.do(t, "PATCH", path, a.aliceT, map[string]any{"lei": "984500sandbox0000l82"})
		wantStatus(t, res, http.StatusOK)
		if got := res.Object(t); got["status"] != "pending" || got["error_message"] != "" || got["lei"] != "984500SANDBOX0000L82" {
			t.Errorf("after changing the LEI: %v / %v, lei %v", got["status"], got["error_message"], got["lei"])
		}
	})
}
