package monitor_test

import (
	"errors"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/monitor"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/validators"
)

func yes() *bool { b := true; return &b }

// Compare turns a register's answer into the changes to report: outages
// never alert, a missing name or legal form is no change, the
// representation is lost only from a known "represents".
func TestCompare(t *testing.T) {
	t.Parallel()
	const key, person = "k", "48001010005"
	base := store.Watch{Country: "EE", Seen: store.Seen{CompanyStatus: "active", CompanyName: "Acme OÜ", LegalForm: "Osaühing", Represents: yes()},
		PersonCodeHMAC: monitor.PersonHMAC(key, "EE", person)}
	company := validators.Company{Name: "Acme OÜ", Status: "active", LegalForm: "Osaühing"}
	tests := []struct {
		name    string
		watch   store.Watch
		res     *validators.Result
		err     error
		key     string
		outage  string
		changes []store.Change
	}{
		{name: "unchanged, still listed", watch: base, res: &validators.Result{Company: company, Representatives: []string{"37605030299", person}}, key: key},
		{name: "outage", watch: base, err: validators.Errorf(validators.CodeAPIError, "down"), key: key, outage: "API_ERROR"},
		{name: "untyped error is an outage", watch: base, err: errors.New("boom"), key: key, outage: "API_ERROR"},
		{name: "configuration", watch: base, err: validators.Errorf(validators.CodeConfigurationError, "creds"), key: key, outage: "CONFIGURATION_ERROR"},
		{name: "gone from the register", watch: base, err: validators.Errorf(validators.CodeCompanyNotFound, "no"), key: key,
			changes: []store.Change{{Kind: domain.AlertCondition, Old: "active", New: domain.NotFound}}},
		{name: "no longer listed", watch: base, res: &validators.Result{Company: company, Representatives: []string{"37605030299"}}, key: key,
			changes: []store.Change{{Kind: domain.AlertRepresentation, Old: domain.Represents, New: domain.DoesNotRepresent}}},
		{name: "no key: not judged", watch: base, res: &validators.Result{Company: company}, key: ""},
		{name: "name and form blank: no change", watch: base, res: &validators.Result{Company: validators.Company{Status: "deleted"}, Representatives: []string{person}}, key: key,
			changes: []store.Change{{Kind: domain.AlertCondition, Old: "active", New: "deleted"}}},
		{name: "renamed and converted", watch: base, res: &validators.Result{Company: validators.Company{Name: "Acme AS", Status: "active", LegalForm: "Aktsiaselts"}, Representatives: []string{person}}, key: key,
			changes: []store.Change{{Kind: domain.AlertName, Old: "Acme OÜ", New: "Acme AS"}, {Kind: domain.AlertLegalForm, Old: "Osaühing", New: "Aktsiaselts"}}},
		{name: "by name: the register's match", watch: store.Watch{Country: "DK", Seen: base.Seen}, res: &validators.Result{Company: company, PersonChecked: true}, key: key,
			changes: []store.Change{{Kind: domain.AlertRepresentation, Old: domain.Represents, New: domain.DoesNotRepresent}}},
		{name: "unknown before: first answer is no loss", watch: store.Watch{Country: "DK", Seen: store.Seen{CompanyStatus: "active", CompanyName: "Acme OÜ", LegalForm: "Osaühing"}},
			res: &validators.Result{Company: company, PersonChecked: true}, key: key},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, outage := monitor.Compare(&tc.watch, tc.res, tc.err, tc.key)
			if outage != tc.outage || len(got.Changes) != len(tc.changes) {
				t.Fatalf("outage %q, changes %+v; want %q, %+v", outage, got.Changes, tc.outage, tc.changes)
			}
			for i := range tc.changes {
				if got.Changes[i] != tc.changes[i] {
					t.Errorf("change %d = %+v, want %+v", i, got.Changes[i], tc.changes[i])
				}
			}
		})
	}
}

// The keyed hash needs a key and a register that lists codes; the two
// ways of writing a Swedish personal number hash alike.
func TestPersonHMAC(t *testing.T) {
	t.Parallel()
	if monitor.PersonHMAC("", "EE", "48001010005") != "" || monitor.PersonHMAC("k", "NO", "48001010005") != "" || monitor.PersonHMAC("k", "EE", "48001010006") != "" {
		t.Fatal("a hash without a key, for a country without codes, or of an invalid code")
	}
	if a, b := monitor.PersonHMAC("k", "SE", "19121212-1212"), monitor.PersonHMAC("k", "SE", "1212121212"); a == "" || a != b {
		t.Fatalf("SE forms hash differently: %q %q", a, b)
	}
	if monitor.PersonHMAC("k", "EE", "48001010005") == monitor.PersonHMAC("other", "EE", "48001010005") {
		t.Fatal("the key does not matter")
	}
}

func TestIntervals(t *testing.T) {
	t.Parallel()
	var iv monitor.Intervals
	if err := iv.UnmarshalText([]byte(" ee=168h; SE=off ;")); err != nil || iv["EE"] != 168*time.Hour || iv["SE"] != 0 || len(iv) != 2 {
		t.Fatalf("%v %v", iv, err)
	}
	if iv.String() != "EE=168h0m0s;SE=off" {
		t.Fatalf("String() = %q", iv.String())
	}
	for _, bad := range []string{"EE", "EST=1h", "EE=-1h", "EE=soon"} {
		if err := iv.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
