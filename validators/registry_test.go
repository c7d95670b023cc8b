package validators_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/onboarding-kyb/onboarding/config"
	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

// newRegistry builds the registry as the service does, from these
// environment variables.
func newRegistry(env map[string]string, fakes map[string]validators.Fake) (*validators.Registry, error) {
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	return validators.NewRegistry(cfg.Registry(), fakes)
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	r, err := newRegistry((nil), sandbox.Fakes())
	if err != nil {
		t.Fatal(err)
	}
	if r.Sandbox() {
		t.Error("sandbox on without ONBOARDING_SANDBOX")
	}
	countries := r.Countries()
	if !slices.IsSorted(countries) || !slices.Contains(countries, "EE") || !slices.Contains(countries, "FI") {
		t.Errorf("Countries() = %v", countries)
	}
	methods := r.Methods()
	if !slices.IsSortedFunc(methods, func(a, b validators.MethodInfo) int { return strings.Compare(a.Method, b.Method) }) || len(methods) != len(validators.Registers()) {
		t.Errorf("Methods() = %+v", methods)
	}
	for _, m := range methods {
		if m.Countries == nil || (len(m.Countries) == 0 && m.Method != "gleif") || m.PersonFields == nil { // gleif serves the countries configured
			t.Errorf("method %+v lacks countries or person fields", m)
		}
		for _, cc := range m.Countries {
			if v, ok := r.ForCountry(strings.ToLower(cc)); !ok || v.Method() != m.Method {
				t.Errorf("ForCountry(%s) = %v, %v; want %s", cc, v, ok, m.Method)
			}
		}
	}
	if v, ok := r.ForCountry("EE"); !ok || !slices.Equal(v.PersonFields(), []string{validators.FieldPersonIdentifier}) {
		t.Errorf("EE validator %v needs %v", v, v.PersonFields())
	}
	if _, ok := r.ForCountry("XX"); ok {
		t.Error("ForCountry(XX) found a validator")
	}
	cases := r.SandboxCases()
	if len(cases["ariregister"]) == 0 || len(cases["prh"]) == 0 {
		t.Errorf("SandboxCases() = %v", cases)
	}
}

func TestRegistryConfigErrors(t *testing.T) {
	t.Parallel()
	if _, err := newRegistry((map[string]string{"ONBOARDING_SANDBOX": "maybe"}), nil); err == nil || !strings.Contains(err.Error(), "ONBOARDING_SANDBOX") {
		t.Errorf("bad ONBOARDING_SANDBOX: %v", err)
	}
	if _, err := newRegistry((map[string]string{"ONBOARDING_SANDBOX": "true"}), nil); err == nil || !strings.Contains(err.Error(), "no fake register") {
		t.Errorf("sandbox mode without fakes: %v", err)
	}
	if _, err := newRegistry((map[string]string{"ONBOARDING_GLEIF_COUNTRIES": "LI,Liechtenstein"}), nil); err == nil || !strings.Contains(err.Error(), "ONBOARDING_GLEIF_COUNTRIES") {
		t.Errorf("bad country list: %v", err)
	}
	if _, err := newRegistry((map[string]string{"ONBOARDING_GLEIF_COUNTRIES": "EE"}), nil); err == nil || !strings.Contains(err.Error(), "EE is served by both") {
		t.Errorf("gleif for a country with a register: %v", err)
	}
	if _, err := newRegistry((map[string]string{"ONBOARDING_PRH_TIMEOUT": "-1s"}), nil); err == nil || !strings.Contains(err.Error(), "ONBOARDING_PRH_TIMEOUT") {
		t.Errorf("bad timeout: %v", err)
	}
}

// TestSandbox runs every register's magic codes through a sandbox registry.
// The base URLs point at a host that cannot resolve, so any use of the
// network would fail.
func TestSandbox(t *testing.T) {
	t.Parallel()
	env := map[string]string{"ONBOARDING_SANDBOX": "true", "ONBOARDING_GLEIF_COUNTRIES": "li, IS"}
	for _, reg := range validators.Registers() {
		p := "ONBOARDING_" + strings.ToUpper(reg.Method) + "_"
		env[p+"URL"] = "http://" + reg.Method + ".invalid"
		env[p+"TIMEOUT"] = "100ms"
		env[p+"PASSWORD"] = "a-real-secret" // replaced in sandbox mode
	}
	r, err := newRegistry((env), sandbox.Fakes())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Sandbox() {
		t.Fatal("Sandbox() = false")
	}
	for _, m := range r.Methods() {
		v, _ := r.ForCountry(m.Countries[0])
		cases := r.SandboxCases()[m.Method]
		var verified validators.Person
		for _, c := range cases {
			if c.Outcome == validators.OutcomeVerified {
				verified = c.Person
			}
		}
		for _, c := range cases {
			t.Run(m.Method+"/"+c.Outcome, func(t *testing.T) {
				t.Parallel()
				person := c.Person
				if person == (validators.Person{}) {
					person = verified // the other cases are asked about the verified person
				}
				res, err := v.Validate(context.Background(), validators.Request{Country: m.Countries[0], Code: c.Code, Person: person})
				switch c.Outcome {
				case validators.OutcomeVerified, validators.OutcomeNotAuthorized, validators.OutcomeBankrupt:
					if err != nil {
						t.Fatalf("Validate: %v", err)
					}
					var raw map[string]json.RawMessage
					if json.Unmarshal(res.Raw, &raw) != nil || string(raw["sandbox"]) != "true" || len(raw) < 2 {
						t.Errorf("raw = %s, want the answer plus \"sandbox\": true", res.Raw)
					}
				case validators.OutcomeNotFound:
					wantCode(t, err, validators.CodeCompanyNotFound)
				case validators.OutcomeTimeout:
					wantCode(t, err, validators.CodeAPIError)
				}
				switch c.Outcome {
				case validators.OutcomeVerified:
					if !res.Company.Live() || (res.PersonChecked && !res.Authorized()) {
						t.Errorf("verified case: company %+v, roles %v", res.Company, res.Roles)
					}
				case validators.OutcomeNotAuthorized:
					if !res.Company.Live() || res.Authorized() {
						t.Errorf("not_authorized case: company %+v, roles %v", res.Company, res.Roles)
					}
				case validators.OutcomeBankrupt:
					if res.Company.Live() {
						t.Errorf("bankrupt case is live: %+v", res.Company)
					}
				}
			})
		}
	}
}

func TestSandboxEE(t *testing.T) {
	t.Parallel()
	r, err := newRegistry((map[string]string{"ONBOARDING_SANDBOX": "1", "ONBOARDING_ARIREGISTER_URL": "http://ariregister.invalid"}), sandbox.Fakes())
	if err != nil {
		t.Fatal(err)
	}
	v, ok := r.ForCountry("EE")
	if !ok {
		t.Fatal("no EE validator")
	}
	res, err := v.Validate(context.Background(), validators.Request{Country: "EE", Code: "12417834", Person: sandbox.AriregisterFakePerson})
	if err != nil {
		t.Fatal(err)
	}
	if res.Company.Name != "Bolt Technology OÜ" || res.Company.Status != validators.StatusActive || len(res.Roles) == 0 || !res.Authorized() {
		t.Errorf("result = %+v", res)
	}
	_, err = v.Validate(context.Background(), validators.Request{Country: "EE", Code: sandbox.AriregisterCodeNotFound, Person: sandbox.AriregisterFakePerson})
	var e *validators.Error
	if !errors.As(err, &e) || e.Code != validators.CodeCompanyNotFound {
		t.Errorf("not-found code: %v", err)
	}
}

// Every EU member state and Northern Ireland has a validation method.
func TestRegistryCoversEU(t *testing.T) {
	t.Parallel()
	r, err := newRegistry((nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, cc := range strings.Fields("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI") {
		if _, ok := r.ForCountry(cc); !ok {
			t.Errorf("no validation method for %s", cc)
		}
	}
}
