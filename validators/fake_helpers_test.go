package validators

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeRecorder wraps a fake register and remembers what reached it.
type fakeRecorder struct {
	mu       sync.Mutex
	requests int
	auth     []string
}

func (f *fakeRecorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests++
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (f *fakeRecorder) seen() (int, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, append([]string(nil), f.auth...)
}

// startFake serves h on a local test server.
func startFake(t *testing.T, h http.Handler) (*httptest.Server, *fakeRecorder) {
	t.Helper()
	rec := &fakeRecorder{}
	srv := httptest.NewServer(rec.wrap(h))
	t.Cleanup(srv.Close)
	return srv, rec
}

// fastConfig keeps retries and timeouts short so the suite stays fast.
func fastConfig(baseURL string) Config {
	return Config{BaseURL: baseURL, Timeout: 100 * time.Millisecond, Deadline: 800 * time.Millisecond} // room for a retry: backoff starts at 200ms ±50%
}

// wantErrCode fails unless err is an *Error with code.
func wantErrCode(t *testing.T, err error, code Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("got error %v, want code %s", err, code)
	}
}

// checkSandboxCases runs every sandbox case of a register against its fake
// and checks the documented outcome.
func checkSandboxCases(t *testing.T, v Validator, country string, cases []SandboxCase) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.Outcome] = true
		if err := v.CheckCode(c.Code); err != nil {
			t.Errorf("magic code %q fails CheckCode: %v", c.Code, err)
			continue
		}
		p := c.Person
		if c.Outcome != OutcomeVerified {
			p = Person{FirstName: "Nobody", LastName: "Listed", BirthDate: fakeDate("1990-01-01")}
		}
		res, err := v.Validate(context.Background(), Request{Country: country, Code: c.Code, Person: p})
		switch c.Outcome {
		case OutcomeVerified:
			if err != nil || !res.Company.Live() || !res.Authorized() {
				t.Errorf("%s: want live and authorized, got %+v, %v", c.Code, res, err)
			}
		case OutcomeNotAuthorized:
			if err != nil || !res.Company.Live() || res.Authorized() || !res.PersonChecked {
				t.Errorf("%s: want live and not authorized, got %+v, %v", c.Code, res, err)
			}
		case OutcomeBankrupt:
			if err != nil || res.Company.Live() {
				t.Errorf("%s: want an inactive company, got %+v, %v", c.Code, res, err)
			}
		case OutcomeNotFound:
			if ErrorCode(err) != CodeCompanyNotFound {
				t.Errorf("%s: want COMPANY_NOT_FOUND, got %v", c.Code, err)
			}
		case OutcomeTimeout:
			if err == nil || ErrorCode(err) != CodeAPIError {
				t.Errorf("%s: want API_ERROR, got %v", c.Code, err)
			}
		default:
			t.Errorf("%s: unknown outcome %q", c.Code, c.Outcome)
		}
	}
	for _, o := range []string{OutcomeVerified, OutcomeNotFound, OutcomeBankrupt, OutcomeNotAuthorized, OutcomeTimeout} {
		if !seen[o] {
			t.Errorf("no sandbox case for outcome %s", o)
		}
	}
}
