package validators

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// nordicRecorder wraps a fake register and records what reached it.
type nordicRecorder struct {
	next     http.Handler
	override func(w http.ResponseWriter, r *http.Request) bool // answers instead of the fake when it returns true

	mu    sync.Mutex
	paths []string
	auth  []string
}

func (n *nordicRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	n.paths = append(n.paths, r.Method+" "+r.URL.Path)
	n.auth = append(n.auth, r.Header.Get("Authorization"))
	n.mu.Unlock()
	if n.override != nil && n.override(w, r) {
		return
	}
	n.next.ServeHTTP(w, r)
}

func (n *nordicRecorder) requests() ([]string, []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.paths...), append([]string(nil), n.auth...)
}

// nordicServer starts fake behind a recorder; cfg gets its URL and short timeouts
// so the retry and timeout cases stay well under a second each.
func nordicServer(t *testing.T, fake http.Handler, cfg Config) (Config, *nordicRecorder) {
	t.Helper()
	rec := &nordicRecorder{next: fake}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL + "/" // a trailing slash must not break the paths
	cfg.Timeout = 250 * time.Millisecond
	cfg.Deadline = 1000 * time.Millisecond // room for a retry: backoff starts at 200ms ±50%
	return cfg, rec
}

// nordicStatus answers every request with status (for 401/403 tests).
func nordicStatus(status int) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, fmt.Sprintf(`{"status":%d,"title":%q}`, status, http.StatusText(status)), status)
		return true
	}
}

func nordicWantCode(t *testing.T, err error, want Code) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error with code %s", err, err, want)
	}
	if e.Code != want {
		t.Fatalf("error code = %s (%v), want %s", e.Code, err, want)
	}
}

// nordicOutcome maps a Validate answer to the sandbox outcome it stands for.
func nordicOutcome(res *Result, err error) string {
	switch {
	case err != nil && ErrorCode(err) == CodeCompanyNotFound:
		return OutcomeNotFound
	case err != nil && ErrorCode(err) == CodeAPIError:
		return OutcomeTimeout
	case err != nil:
		return "error " + string(ErrorCode(err))
	case res.Company.Status == StatusBankrupt:
		return OutcomeBankrupt
	case !res.Company.Live():
		return "inactive " + res.Company.Status
	case res.Authorized():
		return OutcomeVerified
	default:
		return OutcomeNotAuthorized
	}
}

// nordicRunSandbox checks that every documented magic code produces its outcome.
func nordicRunSandbox(t *testing.T, v func(Config) Validator, fake http.Handler, cases []SandboxCase, base Config) {
	t.Helper()
	if len(cases) < 5 {
		t.Fatalf("only %d sandbox cases", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.Outcome] = true
		cfg, _ := nordicServer(t, fake, base)
		val := v(cfg)
		if err := val.CheckCode(c.Code); err != nil {
			t.Errorf("magic code %s fails CheckCode: %v", c.Code, err)
			continue
		}
		res, err := val.Validate(context.Background(), Request{Code: c.Code, Person: c.Person})
		if got := nordicOutcome(res, err); got != c.Outcome {
			t.Errorf("code %s: outcome %q, want %q (err %v)", c.Code, got, c.Outcome, err)
		}
	}
	for _, o := range []string{OutcomeVerified, OutcomeNotFound, OutcomeBankrupt, OutcomeNotAuthorized, OutcomeTimeout} {
		if !seen[o] {
			t.Errorf("no sandbox case for outcome %s", o)
		}
	}
}

func TestNordicNames(t *testing.T) {
	t.Parallel()
	if got := nameTokens("  Bjørn-Åge O'Neil  ÆRØ"); len(got) != 4 || got[0] != "bjorn" || got[1] != "age" || got[2] != "oneil" || got[3] != "aero" {
		t.Errorf("nordicTokens = %q", got)
	}
	for _, c := range []struct {
		reg, first, last string
		want             bool
	}{
		{"Lars Fruergaard Jørgensen", "Lars", "Jørgensen", true},
		{"Lars Fruergaard Jørgensen", "lars", "Fruergaard Jorgensen", true},
		{"Lars Fruergaard Jørgensen", "Fruergaard", "Jørgensen", false},
		{"Lars Fruergaard Jørgensen", "Lars", "Fruergaard", false},
		{"Lars Jørgensen", "Lars Peter", "Jørgensen", false},
		{"Lars Jørgensen", "", "Jørgensen", false},
	} {
		if got := nordicFullNameMatch(c.reg, c.first, c.last); got != c.want {
			t.Errorf("nordicFullNameMatch(%q, %q, %q) = %v", c.reg, c.first, c.last, got)
		}
	}
}
