package validators

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/internal/testnet"
)

// clientCountingServer answers every request with handler and counts the calls.
func clientCountingServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func clientStatus(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
}

func clientGet(c *client) (*response, error) {
	return c.do(context.Background(), func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, c.url("/x"), nil)
	})
}

func wantCode(t *testing.T, err error, want Code) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != want {
		t.Fatalf("err = %v, want an *Error with code %s", err, want)
	}
	return e
}

func TestClientRetriesThenAPIError(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			t.Parallel()
			srv, calls := clientCountingServer(t, clientStatus(code))
			c := newClient("test", Config{BaseURL: srv.URL, Timeout: 200 * time.Millisecond, Deadline: 800 * time.Millisecond})
			_, err := clientGet(c)
			e := wantCode(t, err, CodeAPIError)
			if n := calls.Load(); n < 2 {
				t.Errorf("server called %d times, want a retry", n)
			}
			if !strings.Contains(e.Message, "HTTP") {
				t.Errorf("message %q does not name the HTTP status", e.Message)
			}
		})
	}
}

func TestClientRecoversAfterTransientFailure(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv, _ := clientCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Write([]byte(`ok`))
	})
	c := newClient("test", Config{BaseURL: srv.URL, Timeout: time.Second})
	res, err := clientGet(c)
	if err != nil || res.Status != http.StatusOK || string(res.Body) != "ok" {
		t.Fatalf("got %+v, %v; want the second attempt's 200", res, err)
	}
}

func TestClientCredentialsRejectedNoRetry(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			t.Parallel()
			srv, calls := clientCountingServer(t, clientStatus(code))
			c := newClient("test", Config{BaseURL: srv.URL, Timeout: time.Second})
			_, err := clientGet(c)
			wantCode(t, err, CodeConfigurationError)
			if n := calls.Load(); n != 1 {
				t.Errorf("server called %d times, want exactly 1 (no retry)", n)
			}
		})
	}
}

func TestClientReturnsOtherStatuses(t *testing.T) {
	t.Parallel()
	srv, calls := clientCountingServer(t, clientStatus(http.StatusNotFound))
	c := newClient("test", Config{BaseURL: srv.URL, Timeout: time.Second})
	res, err := clientGet(c)
	if err != nil || res.Status != http.StatusNotFound {
		t.Fatalf("got %+v, %v; want the 404 response", res, err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("server called %d times, want 1", n)
	}
}

func TestClientClassifyHook(t *testing.T) {
	t.Parallel()
	srv, calls := clientCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("bad password"))
	})
	c := newClient("test", Config{BaseURL: srv.URL, Timeout: time.Second})
	c.classify = func(status int, body []byte) *Error {
		if strings.Contains(string(body), "password") {
			return Errorf(CodeConfigurationError, "rejected")
		}
		return nil
	}
	_, err := clientGet(c)
	wantCode(t, err, CodeConfigurationError)
	if n := calls.Load(); n != 1 {
		t.Errorf("server called %d times, want 1 (classified errors are not retried)", n)
	}
}

func TestClientBreakerOpens(t *testing.T) {
	t.Parallel()
	srv, calls := clientCountingServer(t, clientStatus(http.StatusInternalServerError))
	c := newClient("test", Config{BaseURL: srv.URL, Timeout: 50 * time.Millisecond, Deadline: 100 * time.Millisecond,
		BreakerFailures: 2, BreakerCooldown: time.Minute})
	for range 2 {
		_, err := clientGet(c)
		wantCode(t, err, CodeAPIError)
	}
	before := calls.Load()
	start := time.Now()
	_, err := clientGet(c)
	e := wantCode(t, err, CodeAPIError)
	if !strings.Contains(e.Message, "circuit open") {
		t.Errorf("message %q, want the circuit-open explanation", e.Message)
	}
	if calls.Load() != before {
		t.Errorf("server was called while the circuit was open")
	}
	if d := time.Since(start); d > time.Second { // the client's timeout: it did not wait for anything
		t.Errorf("open circuit took %v to answer, want at once", d)
	}
}

func TestClientBreakerIgnoresConfigurationErrors(t *testing.T) {
	t.Parallel()
	srv, calls := clientCountingServer(t, clientStatus(http.StatusUnauthorized))
	c := newClient("test", Config{BaseURL: srv.URL, Timeout: time.Second, BreakerFailures: 1, BreakerCooldown: time.Minute})
	for range 3 {
		_, err := clientGet(c)
		wantCode(t, err, CodeConfigurationError)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("server called %d times, want 3: bad credentials must not open the circuit", n)
	}
}

func TestClientDeadlineBoundsHangingServer(t *testing.T) {
	t.Parallel()
	srv, calls := clientCountingServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c := newClient("test", Config{BaseURL: srv.URL, Timeout: 100 * time.Millisecond, Deadline: 600 * time.Millisecond})
	start := time.Now()
	_, err := clientGet(c)
	e := wantCode(t, err, CodeAPIError)
	if d := time.Since(start); d > time.Second {
		t.Errorf("call took %v, want it bounded by the 600ms deadline", d)
	}
	if !strings.Contains(e.Message, "did not answer in time") {
		t.Errorf("message %q, want a timeout explanation", e.Message)
	}
	if n := calls.Load(); n < 2 {
		t.Errorf("server called %d times, want the timed-out attempt retried", n)
	}
}

func TestClientUnreachable(t *testing.T) {
	t.Parallel()
	c := newClient("test", Config{BaseURL: "http://" + testnet.RefusedAddr(t), Timeout: 100 * time.Millisecond, Deadline: 300 * time.Millisecond})
	_, err := clientGet(c)
	e := wantCode(t, err, CodeAPIError)
	if !strings.Contains(e.Message, "could not be reached") {
		t.Errorf("message %q, want an unreachable explanation", e.Message)
	}
}

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
	c := newClient("test", Config{BaseURL: srv.URL, Timeout: time.Second, Deadline: 10 * time.Second})
	began := time.Now()
	_, err := clientGet(c)
	e := wantCode(t, err, CodeAPIError)
	// At once: far below the 10 s budget a wait would use, with room for a loaded machine.
	if took := time.Since(began); took > 3*time.Second || calls.Load() != 1 {
		t.Errorf("gave up after %v and %d calls, want at once after one", took, calls.Load())
	}
	if !strings.Contains(e.Message, "budget") {
		t.Errorf("message %q does not say why", e.Message)
	}
}
