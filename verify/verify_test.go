package verify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

func sandboxRegistry(t *testing.T) *validators.Registry {
	t.Helper()
	clients := map[string]validators.Config{}
	for _, reg := range validators.Registers() {
		clients[reg.Method] = validators.Config{Timeout: 100 * time.Millisecond}
	}
	clients["gleif"] = validators.Config{Timeout: 100 * time.Millisecond, Countries: []string{"LI"}}
	r, err := validators.NewRegistry(validators.Settings{Sandbox: true, Clients: clients}, sandbox.Fakes())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRunOutcomes(t *testing.T) {
	t.Parallel()
	reg := sandboxRegistry(t)
	for _, c := range []struct {
		country, code, person string
		status, errorMessage  string
	}{
		{"EE", "12417834", "48001010005", domain.StatusVerified, ""},
		{"EE", "10000001", "48001010005", domain.StatusFailed, "COMPANY_NOT_FOUND"},
		{"EE", "10000018", "48001010005", domain.StatusFailed, "COMPANY_INACTIVE"},
		{"EE", "10000024", "48001010005", domain.StatusEscalated, "NOT_AUTHORIZED"},
		{"EE", "10000030", "48001010005", domain.StatusEscalated, "API_ERROR"},
		{"FI", "0112038-9", "", domain.StatusEscalated, "IDENTITY_VALIDATION_FAILED"},
		{"SE", "5590000096", "191212121212", domain.StatusFailed, "COMPANY_INACTIVE"},
		{"SE", "5590000112", "191212121212", domain.StatusEscalated, "COMPANY_STATUS_UNKNOWN"},
		{"EE", "10000107", "48001010005", domain.StatusEscalated, "COMPANY_STATUS_UNKNOWN"},
		{"US", "HRB 1", "", domain.StatusEscalated, "NO_BACKEND_AVAILABLE"},
		// VIES: the company exists; who may represent it is for staff.
		{"BE", "BE0200000142", "", domain.StatusEscalated, "IDENTITY_VALIDATION_FAILED"},
		{"BE", "0200000340", "", domain.StatusFailed, "COMPANY_NOT_FOUND"},
		{"BE", "0200000538", "", domain.StatusEscalated, "API_ERROR"},
		// GLEIF for a configured country: the entity, not the person.
		{"LI", "984500SANDBOX0000A18", "", domain.StatusEscalated, "IDENTITY_VALIDATION_FAILED"},
		{"LI", "984500SANDBOX0000B15", "", domain.StatusEscalated, "IDENTITY_VALIDATION_FAILED"}, // lapsed LEI, live entity
		{"LI", "984500SANDBOX0000C12", "", domain.StatusFailed, "COMPANY_INACTIVE"},
		{"LI", "984500SANDBOX0000K85", "", domain.StatusEscalated, "COMPANY_STATUS_UNKNOWN"},
		// Organisations without a register entry go to staff review.
		{"EE", "", "48001010005", domain.StatusEscalated, "NO_REGISTRATION_CODE"},
	} {
		// An earlier outcome's data must not survive the new one.
		old := time.Now()
		v := &domain.Verification{Country: c.country, LegalPersonIdentifier: c.code, Status: domain.StatusPending,
			PersonIdentifier: c.person, PersonFirstName: "Mari", ValidatedAt: &old,
			VerifiedUserRoles: domain.JSON(`[{"role":"OLD"}]`), VerifiedCompanyData: domain.JSON(`{"name":"Old company"}`)}
		clock := clockwork.NewFakeClockAt(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC))
		Run(context.Background(), reg, v, domain.NewClock(clock))
		if v.Status != c.status || v.ErrorMessage != c.errorMessage {
			t.Errorf("%s %s: %s/%s, want %s/%s", c.country, c.code, v.Status, v.ErrorMessage, c.status, c.errorMessage)
		}
		// Kept only while the register could not answer, for a retry.
		if kept := v.PersonIdentifier != "" || v.PersonFirstName != ""; kept != domain.Retryable(c.errorMessage) {
			t.Errorf("%s %s: person data kept %v after %s", c.country, c.code, kept, c.errorMessage)
		}
		if strings.Contains(string(v.VerifiedUserRoles), "OLD") || strings.Contains(string(v.VerifiedCompanyData), "Old company") {
			t.Errorf("%s %s: an earlier outcome survived: %s %s", c.country, c.code, v.VerifiedUserRoles, v.VerifiedCompanyData)
		}
		if (v.ValidatedAt != nil) != (c.status == domain.StatusVerified) || (v.ValidatedAt != nil && !v.ValidatedAt.Equal(clock.Now())) {
			t.Errorf("%s %s: validated_at %v, want the clock's %v when verified", c.country, c.code, v.ValidatedAt, clock.Now())
		}
		if c.errorMessage != "" && v.ErrorTraceback == "" {
			t.Errorf("%s %s: no explanation", c.country, c.code)
		}
	}
}

func TestRawObject(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		`{"a":1}`:  `{"a":1}`,
		`[1,2]`:    `{"response":[1,2]}`,
		`not json`: `{}`,
		``:         `{}`,
	} {
		got := rawObject(json.RawMessage(raw))
		if string(got) != want {
			t.Errorf("rawObject(%q) = %s, want %s", raw, got, want)
		}
	}
}

// A verification that names an LEI gets GLEIF's second opinion: kept for
// staff under raw_response.gleif, and a contradiction escalates.
func TestRunSecondOpinion(t *testing.T) {
	t.Parallel()
	reg := sandboxRegistry(t)
	born := "1975-04-12"
	for _, c := range []struct {
		country, code, lei   string
		status, errorMessage string
		opinion              string // in raw_response.gleif
	}{
		{"NO", "923609016", "984500SANDBOX0000L82", domain.StatusVerified, "", `"registered_as":"923609016"`},
		{"NO", "923609016", "984500SANDBOX0000A18", domain.StatusEscalated, "LEI_MISMATCH", `"jurisdiction":"LI"`},
		{"EE", "12417834", "984500SANDBOX0000L82", domain.StatusEscalated, "LEI_MISMATCH", `"jurisdiction":"NO"`},
		{"NO", "923609016", "984500SANDBOX0000D09", domain.StatusEscalated, "LEI_MISMATCH", `"error":"COMPANY_NOT_FOUND"`},
		// GLEIF down: the register's verdict stands, the reason is kept.
		{"NO", "923609016", "984500SANDBOX0000F03", domain.StatusVerified, "", `"error":"API_ERROR"`},
		// A company the register fails stays failed.
		{"NO", "910000012", "984500SANDBOX0000A18", domain.StatusFailed, "COMPANY_INACTIVE", `"jurisdiction":"LI"`},
	} {
		v := &domain.Verification{Country: c.country, LegalPersonIdentifier: c.code, LEI: c.lei, Status: domain.StatusPending,
			PersonIdentifier: "48001010005", PersonFirstName: "Kari", PersonLastName: "Nordmann", PersonBirthDate: &born}
		Run(context.Background(), reg, v, domain.Clock{})
		if v.Status != c.status || v.ErrorMessage != c.errorMessage {
			t.Errorf("%s %s LEI %s: %s/%s (%s), want %s/%s", c.country, c.code, c.lei, v.Status, v.ErrorMessage, v.ErrorTraceback, c.status, c.errorMessage)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(v.RawResponse, &raw); err != nil || !strings.Contains(string(raw["gleif"]), c.opinion) {
			t.Errorf("%s %s LEI %s: raw_response.gleif = %s, want %s", c.country, c.code, c.lei, raw["gleif"], c.opinion)
		}
	}
}
