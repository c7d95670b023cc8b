package validators_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

// Monitoring asks about the company alone, after the person data is
// erased: every register answers for its verified company without a
// person and checks no one; the registers that list people by code (EE,
// SE) name the verified person among the representatives, in PersonKey
// form.
func TestCompanyOnly(t *testing.T) {
	t.Parallel()
	byMethod := map[string]validators.Register{}
	for _, r := range validators.Registers() {
		byMethod[r.Method] = r
	}
	var byCode atomic.Int32
	for _, fake := range sandbox.Registers() {
		t.Run(fake.Method, func(t *testing.T) {
			t.Parallel()
			creds := validators.Config{Countries: []string{"LI"}}
			if fake.Credentials {
				s := validators.SandboxCredential
				creds = validators.Config{Username: s, Password: s, Token: s, APIKey: s, ClientID: s, ClientSecret: s, Countries: creds.Countries}
			}
			var verified validators.SandboxCase
			for _, c := range fake.Cases {
				if c.Outcome == validators.OutcomeVerified {
					verified = c
				}
			}
			cfg, _ := fakeServer(t, fake.Handler(), creds)
			v := byMethod[fake.Method].New(cfg)
			country := v.Countries()[0]
			res, err := v.Validate(context.Background(), validators.Request{Country: country, Code: verified.Code, CompanyOnly: true})
			if err != nil {
				t.Fatalf("company only: %v", err)
			}
			if res.PersonChecked || len(res.Roles) > 0 || res.Company.Status != validators.StatusActive || res.Company.Name == "" {
				t.Errorf("company only: checked %v, roles %v, company %+v", res.PersonChecked, res.Roles, res.Company)
			}
			key := validators.PersonKey(country, verified.Person.Identifier)
			if key == "" {
				if len(res.Representatives) > 0 {
					t.Errorf("representatives' codes from a register that lists none: %d", len(res.Representatives))
				}
				return
			}
			byCode.Add(1)
			if !slices.Contains(res.Representatives, key) {
				t.Errorf("the verified person is not among the %d representatives", len(res.Representatives))
			}
		})
	}
	t.Cleanup(func() {
		if n := byCode.Load(); n != 2 {
			t.Errorf("%d registers list representatives by code, want 2 (EE, SE)", n)
		}
	})
}
