package validators

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A 429 with Retry-After within the budget is waited out, then retried.
func TestClientHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	var calls *atomic.Int32
	srv, calls := clientCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Load() == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	c := newClient("test", Config{BaseURL: srv.URL, Timeout: time.Second, Deadline: 3 * time.Second})
	began := time.Now()
	res, err := clientGet(c)
	if err != nil || res.Status != http.StatusOK || calls.Load() != 2 {
		t.Fatalf("%v %v after %d calls", res, err, calls.Load())
	}
	if took := time.Since(began); took < time.Second {
		t.Errorf("retried after %v, before the register's Retry-After of 1s", took)
	}
}

// A Retry-After past the budget ends the call at once with API_ERROR,
// instead of retrying against the register's wish.
func TestClientRetryAfterPastBudget(t *testing.T) {
	t.Parallel()
	srv, calls := clientCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c := newClient("test", Config{BaseURL: srv.URL, Timeout: time.Second, Deadline: 2 * time.Second})
	began := time.Now()
	_, err := clientGet(c)
	e := wantCode(t, err, CodeAPIError)
	if took := time.Since(began); took > 500*time.Millisecond || calls.Load() != 1 {
		t.Errorf("gave up after %v and %d calls, want at once after one", took, calls.Load())
	}
	if !strings.Contains(e.Message, "budget") {
		t.Errorf("message %q does not say why", e.Message)
	}
}

// One validation has one time budget, however many register calls it
// makes: breg asks for the company, then its roles, each slow here.
func TestValidationBudget(t *testing.T) {
	t.Parallel()
	fake := bregFake()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(400 * time.Millisecond)
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"ONBOARDING_BREG_URL": srv.URL, "ONBOARDING_BREG_TIMEOUT": "1s", "ONBOARDING_BREG_BUDGET": "600ms"}
	reg, err := NewRegistry(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	v, _ := reg.ForCountry("NO")
	began := time.Now()
	_, err = v.Validate(context.Background(), Request{Country: "NO", Code: bregCodeVerified,
		Person: bregSandboxPerson})
	wantCode(t, err, CodeAPIError)
	if took := time.Since(began); took > 900*time.Millisecond {
		t.Errorf("validation took %v, budget 600ms", took)
	}
	if reg.Budget() < 600*time.Millisecond {
		t.Errorf("Budget() %v", reg.Budget())
	}
}
