package validators_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

// One validation has one time budget, however many register calls it
// makes: breg asks for the company, then its roles, each slow here.
func TestValidationBudget(t *testing.T) {
	t.Parallel()
	fake := sandbox.BregFake()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(400 * time.Millisecond)
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"ONBOARDING_BREG_URL": srv.URL, "ONBOARDING_BREG_TIMEOUT": "1s", "ONBOARDING_BREG_BUDGET": "600ms"}
	reg, err := newRegistry(env, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := reg.ForCountry("NO")
	began := time.Now()
	_, err = v.Validate(context.Background(), validators.Request{Country: "NO", Code: sandbox.BregCodeVerified,
		Person: sandbox.BregSandboxPerson})
	wantCode(t, err, validators.CodeAPIError)
	// API_ERROR already shows the budget cut the second call (both would
	// succeed within their 1 s timeouts); this bounds the wait, loosely.
	if took := time.Since(began); took > 1500*time.Millisecond {
		t.Errorf("validation took %v, budget 600ms", took)
	}
	if reg.Budget() < 600*time.Millisecond {
		t.Errorf("Budget() %v", reg.Budget())
	}
}

// A run may ask its register and then GLEIF for a second opinion: the
// registry's budget, which bounds a run, covers both.
func TestBudgetCoversSecondOpinion(t *testing.T) {
	t.Parallel()
	reg, err := newRegistry((map[string]string{"ONBOARDING_GLEIF_BUDGET": "2s"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := 30*time.Second + 2*time.Second; reg.Budget() != want { // the others' default: 3 × 10s
		t.Errorf("Budget() = %v, want %v", reg.Budget(), want)
	}
}
