package validators_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

// TestConformance walks every register the service knows, against its
// sandbox fake: the magic codes pass CheckCode and produce the outcomes the
// README documents; every fault mode (5xx, 429, a body that cannot be read,
// a hanging register, refused or missing credentials) ends in an error and
// never in a verdict; and what is stored of a verified answer keeps no
// personal code or birth date of the person.
func TestConformance(t *testing.T) {
	t.Parallel()
	fakes := map[string]sandbox.Register{}
	for _, f := range sandbox.Registers() {
		fakes[f.Method] = f
	}
	for _, reg := range validators.Registers() {
		fake, ok := fakes[reg.Method]
		if !ok {
			t.Errorf("register %s has no sandbox fake", reg.Method)
			continue
		}
		delete(fakes, reg.Method)
		t.Run(reg.Method, func(t *testing.T) {
			t.Parallel()
			conform(t, reg, fake)
		})
	}
	for m := range fakes {
		t.Errorf("sandbox fake %s stands for no register", m)
	}
}

func conform(t *testing.T, reg validators.Register, fake sandbox.Register) {
	// Countries configured for the registers that take them (gleif).
	creds := validators.Config{Countries: []string{"LI"}}
	if v := reg.New(creds); v.Method() != reg.Method || !strings.HasPrefix(reg.DefaultURL, "https://") || len(v.Countries()) == 0 {
		t.Errorf("validator says %s, default URL %s, countries %v", v.Method(), reg.DefaultURL, v.Countries())
	}
	if fake.Credentials {
		s := validators.SandboxCredential
		creds = validators.Config{Username: s, Password: s, Token: s, APIKey: s, ClientID: s, ClientSecret: s, Countries: creds.Countries}
	}
	// ask runs one validation against a fresh fake.
	ask := func(code string, person validators.Person, cfg validators.Config, override func(http.ResponseWriter, *http.Request) bool) (*validators.Result, error, *recorder) {
		cfg, rec := fakeServer(t, fake.Handler(), cfg)
		rec.override = override
		v := reg.New(cfg)
		res, err := v.Validate(context.Background(), validators.Request{Country: v.Countries()[0], Code: code, Person: person})
		return res, err, rec
	}

	var verified validators.SandboxCase
	outcomes := map[string]int{}
	for _, c := range fake.Cases {
		outcomes[c.Outcome]++
		if c.Outcome == validators.OutcomeVerified {
			verified = c
		}
	}
	required := []string{validators.OutcomeVerified, validators.OutcomeNotFound, validators.OutcomeTimeout}
	if !fake.NoCondition {
		required = append(required, validators.OutcomeBankrupt)
	}
	for _, o := range required {
		if outcomes[o] != 1 {
			t.Errorf("%d %s cases, want 1", outcomes[o], o)
		}
	}
	if outcomes[validators.OutcomeNotAuthorized] > 1 {
		t.Errorf("%d not_authorized cases, want at most 1", outcomes[validators.OutcomeNotAuthorized])
	}

	for _, c := range fake.Cases {
		if err := reg.New(validators.Config{}).CheckCode(c.Code); err != nil {
			t.Errorf("magic code %s fails CheckCode: %v", c.Code, err)
			continue
		}
		person := c.Person
		if person == (validators.Person{}) {
			person = verified.Person // the other cases are asked about the verified person
		}
		res, err, _ := ask(c.Code, person, creds, nil)
		switch c.Outcome {
		case validators.OutcomeVerified:
			if err != nil || !res.Company.Live() || (res.PersonChecked && !res.Authorized()) {
				t.Errorf("%s: want live and authorized (or not checkable), got %+v, %v", c.Code, res, err)
				continue
			}
			stored := string(validators.RedactPersons(res.Raw))
			for _, secret := range personSecrets(person) {
				if strings.Contains(stored, secret) {
					t.Errorf("%s: stored answer keeps %q: %s", c.Code, secret, stored)
				}
			}
		case validators.OutcomeNotAuthorized:
			if err != nil || !res.Company.Live() || !res.PersonChecked || res.Authorized() {
				t.Errorf("%s: want live and not authorized, got %+v, %v", c.Code, res, err)
			}
		case validators.OutcomeBankrupt:
			if err != nil || res.Company.Live() {
				t.Errorf("%s: want an inactive company, got %+v, %v", c.Code, res, err)
			}
		case validators.OutcomeNotFound:
			if validators.ErrorCode(err) != validators.CodeCompanyNotFound {
				t.Errorf("%s: want COMPANY_NOT_FOUND, got %v", c.Code, err)
			}
		case validators.OutcomeTimeout:
			if err == nil || validators.ErrorCode(err) != validators.CodeAPIError {
				t.Errorf("%s: want API_ERROR, got %v", c.Code, err)
			}
		default:
			t.Errorf("%s: unknown outcome %q", c.Code, c.Outcome)
		}
	}

	faults := []struct {
		name, code string
		retried    bool
	}{
		{"server error", fake.ServerError, true},
		{"rate limited", fake.RateLimited, false},
		{"malformed body", fake.Malformed, false},
	}
	for _, f := range faults {
		if f.code == "" {
			t.Errorf("no magic code for the %s fault", f.name)
			continue
		}
		_, err, rec := ask(f.code, verified.Person, creds, nil)
		if validators.ErrorCode(err) != validators.CodeAPIError {
			t.Errorf("%s (%s): want API_ERROR, got %v", f.name, f.code, err)
		}
		if n, _ := rec.seen(); f.retried && n < 2 {
			t.Errorf("%s (%s): %d requests, want retries", f.name, f.code, n)
		}
	}
	_, err, rec := ask(verified.Code, verified.Person, creds, answerStatus(http.StatusUnauthorized))
	if validators.ErrorCode(err) != validators.CodeConfigurationError {
		t.Errorf("register answering 401: want CONFIGURATION_ERROR, got %v", err)
	}
	if n, _ := rec.seen(); n != 1 {
		t.Errorf("register answering 401 was asked %d times, want once (no retries)", n)
	}
	if fake.Credentials {
		if _, err, _ := ask(verified.Code, verified.Person, validators.Config{Countries: creds.Countries}, nil); validators.ErrorCode(err) != validators.CodeConfigurationError {
			t.Errorf("no credentials configured: want CONFIGURATION_ERROR, got %v", err)
		}
	}
	companyOnly(t, reg, fake, creds, verified)
}

// companyOnly: monitoring asks about the company alone, after the person
// data is erased. Every register answers for its verified company without
// a person and checks no one; the registers that list people by code (EE,
// SE) name the verified person among the representatives, in PersonKey
// form.
func companyOnly(t *testing.T, reg validators.Register, fake sandbox.Register, creds validators.Config, verified validators.SandboxCase) {
	cfg, _ := fakeServer(t, fake.Handler(), creds)
	v := reg.New(cfg)
	country := v.Countries()[0]
	res, err := v.Validate(context.Background(), validators.Request{Country: country, Code: verified.Code, CompanyOnly: true})
	if err != nil {
		t.Fatalf("company only: %v", err)
	}
	if res.PersonChecked || len(res.Roles) > 0 || !res.Company.Live() || res.Company.Name == "" {
		t.Errorf("company only: checked %v, roles %v, company %+v", res.PersonChecked, res.Roles, res.Company)
	}
	key := validators.PersonKey(country, verified.Person.Identifier)
	switch {
	case (reg.Method == "ariregister" || reg.Method == "bolagsverket") && key == "":
		t.Errorf("no PersonKey for the verified person of %s", reg.Method)
	case key == "" && len(res.Representatives) > 0:
		t.Errorf("representatives' codes from a register that lists none: %d", len(res.Representatives))
	case key != "" && !slices.Contains(res.Representatives, key):
		t.Errorf("the verified person is not among the %d representatives", len(res.Representatives))
	}
}

// personSecrets is what of a person no stored answer may keep: the
// personal code (as typed and digits only) and the birth date.
func personSecrets(p validators.Person) []string {
	var out []string
	if p.Identifier != "" {
		out = append(out, p.Identifier, strings.Map(func(r rune) rune {
			if r < '0' || r > '9' {
				return -1
			}
			return r
		}, p.Identifier))
	}
	if p.BirthDate != nil {
		out = append(out, p.BirthDate.Format("2006-01-02"))
	}
	return out
}
