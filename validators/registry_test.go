package validators

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func registryEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	r, err := NewRegistry(registryEnv(nil))
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
	if !slices.IsSortedFunc(methods, func(a, b MethodInfo) int { return strings.Compare(a.Method, b.Method) }) || len(methods) != len(registers) {
		t.Errorf("Methods() = %+v", methods)
	}
	for _, m := range methods {
		if len(m.Countries) == 0 || m.PersonFields == nil {
			t.Errorf("method %+v lacks countries or person fields", m)
		}
		for _, cc := range m.Countries {
			if v, ok := r.ForCountry(strings.ToLower(cc)); !ok || v.Method() != m.Method {
				t.Errorf("ForCountry(%s) = %v, %v; want %s", cc, v, ok, m.Method)
			}
		}
	}
	if v, ok := r.ForCountry("EE"); !ok || !slices.Equal(v.PersonFields(), []string{FieldPersonIdentifier}) {
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
	if _, err := NewRegistry(registryEnv(map[string]string{"ONBOARDING_SANDBOX": "maybe"})); err == nil || !strings.Contains(err.Error(), "ONBOARDING_SANDBOX") {
		t.Errorf("bad ONBOARDING_SANDBOX: %v", err)
	}
	if _, err := NewRegistry(registryEnv(map[string]string{"ONBOARDING_PRH_TIMEOUT": "-1s"})); err == nil || !strings.Contains(err.Error(), "ONBOARDING_PRH_TIMEOUT") {
		t.Errorf("bad timeout: %v", err)
	}
}

// TestRegistryTable checks every register's table row: magic codes pass
// CheckCode, and each fake documents the outcomes sandbox mode promises.
func TestRegistryTable(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, reg := range registers {
		v := reg.new(Config{BaseURL: reg.defaultURL})
		if v.Method() != reg.method || seen[reg.method] || !strings.HasPrefix(reg.defaultURL, "https://") {
			t.Errorf("table row %s: validator says %s, default URL %s", reg.method, v.Method(), reg.defaultURL)
		}
		seen[reg.method] = true
		outcomes := map[string]int{}
		for _, c := range reg.cases {
			outcomes[c.Outcome]++
			if err := v.CheckCode(c.Code); err != nil {
				t.Errorf("%s magic code %s: %v", reg.method, c.Code, err)
			}
		}
		for _, o := range []string{OutcomeVerified, OutcomeNotFound, OutcomeBankrupt, OutcomeTimeout} {
			if outcomes[o] != 1 {
				t.Errorf("%s has %d %s cases, want 1", reg.method, outcomes[o], o)
			}
		}
	}
}

// TestSandbox runs every register's magic codes through a sandbox registry.
// The base URLs point at a host that cannot resolve, so any use of the
// network would fail.
func TestSandbox(t *testing.T) {
	t.Parallel()
	env := map[string]string{"ONBOARDING_SANDBOX": "true"}
	for _, reg := range registers {
		p := "ONBOARDING_" + strings.ToUpper(reg.method) + "_"
		env[p+"URL"] = "http://" + reg.method + ".invalid"
		env[p+"TIMEOUT"] = "100ms"
		env[p+"PASSWORD"] = "a-real-secret" // replaced in sandbox mode
	}
	r, err := NewRegistry(registryEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Sandbox() {
		t.Fatal("Sandbox() = false")
	}
	for _, m := range r.Methods() {
		v, _ := r.ForCountry(m.Countries[0])
		cases := r.SandboxCases()[m.Method]
		var verified Person
		for _, c := range cases {
			if c.Outcome == OutcomeVerified {
				verified = c.Person
			}
		}
		for _, c := range cases {
			t.Run(m.Method+"/"+c.Outcome, func(t *testing.T) {
				t.Parallel()
				person := c.Person
				if person == (Person{}) {
					person = verified // the other cases are asked about the verified person
				}
				res, err := v.Validate(context.Background(), Request{Country: m.Countries[0], Code: c.Code, Person: person})
				switch c.Outcome {
				case OutcomeVerified, OutcomeNotAuthorized, OutcomeBankrupt:
					if err != nil {
						t.Fatalf("Validate: %v", err)
					}
					var raw map[string]json.RawMessage
					if json.Unmarshal(res.Raw, &raw) != nil || string(raw["sandbox"]) != "true" || len(raw) < 2 {
						t.Errorf("raw = %s, want the answer plus \"sandbox\": true", res.Raw)
					}
				case OutcomeNotFound:
					wantCode(t, err, CodeCompanyNotFound)
				case OutcomeTimeout:
					wantCode(t, err, CodeAPIError)
				}
				switch c.Outcome {
				case OutcomeVerified:
					if !res.Company.Live() || (res.PersonChecked && !res.Authorized()) {
						t.Errorf("verified case: company %+v, roles %v", res.Company, res.Roles)
					}
				case OutcomeNotAuthorized:
					if !res.Company.Live() || res.Authorized() {
						t.Errorf("not_authorized case: company %+v, roles %v", res.Company, res.Roles)
					}
				case OutcomeBankrupt:
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
	r, err := NewRegistry(registryEnv(map[string]string{"ONBOARDING_SANDBOX": "1", "ONBOARDING_ARIREGISTER_URL": "http://ariregister.invalid"}))
	if err != nil {
		t.Fatal(err)
	}
	v, ok := r.ForCountry("EE")
	if !ok {
		t.Fatal("no EE validator")
	}
	res, err := v.Validate(context.Background(), Request{Country: "EE", Code: "12417834", Person: ariregisterFakePerson})
	if err != nil {
		t.Fatal(err)
	}
	if res.Company.Name != "Bolt Technology OÜ" || res.Company.Status != StatusActive || len(res.Roles) == 0 || !res.Authorized() {
		t.Errorf("result = %+v", res)
	}
	_, err = v.Validate(context.Background(), Request{Country: "EE", Code: ariregisterCodeNotFound, Person: ariregisterFakePerson})
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeCompanyNotFound {
		t.Errorf("not-found code: %v", err)
	}
}
