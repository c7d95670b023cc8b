package validators_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/validators"
)

// seenRequest is one request that reached a fake register.
type seenRequest struct {
	method, path, query string
	header              http.Header
	body                []byte
}

// recorder wraps a fake register and records what reached it.
type recorder struct {
	next     http.Handler
	override func(w http.ResponseWriter, r *http.Request) bool // answers instead of the fake when it returns true

	mu   sync.Mutex
	reqs []seenRequest
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, seenRequest{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
	rec.mu.Unlock()
	if rec.override != nil && rec.override(w, r) {
		return
	}
	rec.next.ServeHTTP(w, r)
}

// all returns the requests seen so far.
func (rec *recorder) all() []seenRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seenRequest(nil), rec.reqs...)
}

// requests returns "METHOD /path" and the Authorization header of each request.
func (rec *recorder) requests() (paths, auth []string) {
	for _, r := range rec.all() {
		paths = append(paths, r.method+" "+r.path)
		auth = append(auth, r.header.Get("Authorization"))
	}
	return paths, auth
}

// seen returns how many requests arrived and their Authorization headers.
func (rec *recorder) seen() (int, []string) {
	_, auth := rec.requests()
	return len(auth), auth
}

// fakeServer serves fake on a loopback test server behind a recorder; cfg
// gets its URL and short timeouts so the retry and timeout cases stay well
// under a second each.
func fakeServer(t *testing.T, fake http.Handler, cfg validators.Config) (validators.Config, *recorder) {
	t.Helper()
	rec := &recorder{next: fake}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL + "/" // a trailing slash must not break the paths
	cfg.Timeout = 250 * time.Millisecond
	cfg.Deadline = 1000 * time.Millisecond // room for a retry: backoff starts at 200ms ±50%
	return cfg, rec
}

// answerStatus answers every request with status (for 401/403 tests).
func answerStatus(status int) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"status":%d,"title":%q}`, status, http.StatusText(status))
		return true
	}
}

// wantCode fails unless err is an *validators.Error with code want.
func wantCode(t *testing.T, err error, want validators.Code) *validators.Error {
	t.Helper()
	var e *validators.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error with code %s", err, err, want)
	}
	if e.Code != want {
		t.Fatalf("error code = %s (%v), want %s", e.Code, err, want)
	}
	return e
}

// date parses a YYYY-MM-DD date.
func date(s string) *time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &d
}

// defaultURL is the base URL a register's client uses unless configured.
func defaultURL(t *testing.T, method string) string {
	t.Helper()
	for _, r := range validators.Registers() {
		if r.Method == method {
			return r.DefaultURL
		}
	}
	t.Fatalf("no register %s", method)
	return ""
}

// wantCalls checks how many requests reached a fake (want -1: more than
// one, the client retried) and, for an open register, that none carried
// credentials.
func wantCalls(t *testing.T, rec *recorder, want int, open bool) {
	t.Helper()
	paths, auth := rec.requests()
	switch {
	case want == -1 && len(paths) < 2:
		t.Errorf("%d requests, want retries", len(paths))
	case want >= 0 && len(paths) != want:
		t.Errorf("requests %v, want %d", paths, want)
	}
	for _, a := range auth {
		if open && a != "" {
			t.Errorf("sent Authorization %q to an open register", a)
		}
	}
}
