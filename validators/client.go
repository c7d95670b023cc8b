package validators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/sony/gobreaker/v2"
)

// Config configures one register client. The env tags name its variables
// after ONBOARDING_<METHOD>_ (package config reads them); a secret tag marks
// what `onboarding config` masks.
type Config struct {
	// Countries, for a register whose countries are configured rather
	// than fixed (gleif): ISO 3166-1 alpha-2 codes, comma-separated.
	Countries    []string      `env:"COUNTRIES" envSeparator:","`
	BaseURL      string        `env:"URL"` // scheme and host (and optional prefix); the client appends the register's path; default: the real service
	Username     string        `env:"USERNAME"`
	Password     string        `env:"PASSWORD" secret:"true"`
	Token        string        `env:"TOKEN" secret:"true"`
	APIKey       string        `env:"API_KEY" secret:"true"`
	ClientID     string        `env:"CLIENT_ID"`
	ClientSecret string        `env:"CLIENT_SECRET" secret:"true"`
	Timeout      time.Duration `env:"TIMEOUT"` // per attempt; default 10s
	// Deadline is the time budget of one validation: all its calls, retries
	// and waits (Retry-After included); default 3×Timeout. A retry that
	// would end past it is not made: the validation ends with API_ERROR.
	Deadline time.Duration `env:"BUDGET"`
	// Transport, when set, replaces the default HTTP transport (sandbox, tests).
	Transport http.RoundTripper
	// BreakerFailures is how many failed calls in a row open the circuit
	// (default 5); BreakerCooldown how long it then stays open (default 30s).
	BreakerFailures int
	BreakerCooldown time.Duration
	// observer receives every call's outcome and breaker change (Registry.Observe).
	observer *observerBox
}

// Observer learns what the register clients do, for metrics: each call's
// outcome ("ok", "api_error", "configuration_error", "circuit_open") with
// its duration, and each circuit-breaker state change ("closed",
// "half-open", "open").
type Observer interface {
	RegisterCall(method, outcome string, elapsed time.Duration)
	BreakerState(method, state string)
}

// observerBox holds the registry's observer, set after the clients exist.
type observerBox struct{ p atomic.Pointer[Observer] }

func (b *observerBox) get() Observer {
	if b == nil {
		return nil
	}
	if o := b.p.Load(); o != nil {
		return *o
	}
	return nil
}

// client is the HTTP side of one register: per-attempt timeout, retries with
// exponential backoff inside an overall deadline, and a circuit breaker so a
// register that keeps failing answers API_ERROR at once.
type client struct {
	method  string
	cfg     Config
	http    *http.Client
	breaker *gobreaker.CircuitBreaker[*response]
	// classify, when set, lets a register read its own error format (e.g. a
	// SOAP fault) before the status-code rules apply. A non-nil result ends
	// the call with that error, without retrying.
	classify func(status int, body []byte) *Error
}

// response is a register's answer that reached us: any status below 500
// except 429 (those are retried, then reported as API_ERROR).
type response struct {
	Status int
	Body   []byte
	Header http.Header
}

// maxBody bounds what we read from a register.
const maxBody = 8 << 20

// withDefaults fills the timeouts that are unset.
func (cfg Config) withDefaults() Config {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Deadline <= 0 {
		cfg.Deadline = 3 * cfg.Timeout
	}
	return cfg
}

func newClient(method string, cfg Config) *client {
	cfg = cfg.withDefaults()
	if cfg.BreakerFailures <= 0 {
		cfg.BreakerFailures = 5
	}
	if cfg.BreakerCooldown <= 0 {
		cfg.BreakerCooldown = 30 * time.Second
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	tr := cfg.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	failures := uint32(cfg.BreakerFailures)
	return &client{
		method: method,
		cfg:    cfg,
		http:   &http.Client{Transport: tr, Timeout: cfg.Timeout},
		breaker: gobreaker.NewCircuitBreaker[*response](gobreaker.Settings{
			Name:    method,
			Timeout: cfg.BreakerCooldown, // how long the circuit stays open
			ReadyToTrip: func(c gobreaker.Counts) bool {
				return c.ConsecutiveFailures >= failures
			},
			// Bad credentials and callers giving up say nothing about the
			// register's health: they neither trip nor reset the breaker.
			OnStateChange: func(name string, _, to gobreaker.State) {
				if o := cfg.observer.get(); o != nil {
					o.BreakerState(name, to.String())
				}
			},
			IsExcluded: func(err error) bool {
				var e *Error
				return errors.Is(err, context.Canceled) ||
					(errors.As(err, &e) && e.Code == CodeConfigurationError)
			},
		}),
	}
}

// url joins the base URL and a register path ("/enheter/123").
func (c *client) url(path string) string { return c.cfg.BaseURL + path }

// do sends the request built by build (called once per attempt, so bodies
// can be re-read) and returns the register's answer. 401/403 become
// CONFIGURATION_ERROR; network errors, timeouts, 429 and 5xx are retried and
// then become API_ERROR. Other statuses are returned for the caller to judge.
func (c *client) do(ctx context.Context, build func(ctx context.Context) (*http.Request, error)) (*response, error) {
	start := time.Now()
	resp, err := c.call(ctx, build)
	if o := c.cfg.observer.get(); o != nil {
		outcome := "ok"
		var e *Error
		switch {
		case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
			outcome = "circuit_open"
		case errors.As(err, &e):
			outcome = strings.ToLower(string(e.Code))
		}
		o.RegisterCall(c.method, outcome, time.Since(start))
	}
	return resp, err
}

// call is do without the observer.
func (c *client) call(ctx context.Context, build func(ctx context.Context) (*http.Request, error)) (*response, error) {
	if _, ok := ctx.Deadline(); !ok { // called outside a budgeted validation
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.Deadline)
		defer cancel()
	}
	var last *Error // the last attempt's failure, to explain a deadline
	resp, err := c.breaker.Execute(func() (*response, error) {
		bo := &withinBudget{ctx: ctx, BackOff: backoff.NewExponentialBackOff(
			backoff.WithInitialInterval(200*time.Millisecond),
			backoff.WithMaxElapsedTime(0), // the budget bounds it
		)}
		return backoff.RetryWithData(func() (*response, error) {
			r, err := c.attempt(ctx, build)
			var e *Error
			if errors.As(err, &e) && e.retryAfter > 0 {
				if deadline, _ := ctx.Deadline(); time.Until(deadline) < e.retryAfter {
					return nil, backoff.Permanent(&Error{Code: CodeAPIError, Err: err, Message: fmt.Sprintf(
						"%s (it asks to retry in %v, past this validation's time budget)", e.Message, e.retryAfter)})
				}
				bo.next = e.retryAfter
			}
			// An attempt cut short by the overall deadline says less than
			// the failure before it.
			if e := (*Error)(nil); errors.As(err, &e) && (last == nil || ctx.Err() == nil) {
				last = e
			}
			return r, err
		}, backoff.WithContext(bo, ctx))
	})
	if err == nil {
		return resp, nil
	}
	var e *Error
	switch {
	case errors.As(err, &e):
		return nil, e
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return nil, &Error{Code: CodeAPIError, Message: c.method + " register is unavailable (circuit open after repeated failures)", Err: err}
	case last != nil:
		return nil, &Error{Code: CodeAPIError, Message: last.Message + " (gave up after retries)", Err: err}
	default:
		return nil, &Error{Code: CodeAPIError, Message: c.method + " register did not answer in time", Err: err}
	}
}

// attempt is one HTTP round trip. Errors wrapped in backoff.Permanent stop the retries.
func (c *client) attempt(ctx context.Context, build func(ctx context.Context) (*http.Request, error)) (*response, error) {
	req, err := build(ctx)
	if err != nil {
		return nil, backoff.Permanent(&Error{Code: CodeConfigurationError, Message: "cannot build request to " + c.method + " register", Err: err})
	}
	req.Header.Set("User-Agent", "onboarding-kyb")
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			return nil, &Error{Code: CodeAPIError, Message: c.method + " register did not answer in time", Err: err}
		}
		return nil, &Error{Code: CodeAPIError, Message: c.method + " register could not be reached", Err: err}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return nil, &Error{Code: CodeAPIError, Message: c.method + " register response could not be read", Err: err}
	}
	if c.classify != nil {
		if e := c.classify(res.StatusCode, body); e != nil {
			return nil, backoff.Permanent(e)
		}
	}
	switch {
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		return nil, backoff.Permanent(&Error{Code: CodeConfigurationError,
			Message: fmt.Sprintf("%s register rejected our credentials (HTTP %d)", c.method, res.StatusCode)})
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return nil, &Error{Code: CodeAPIError, Message: fmt.Sprintf("%s register answered HTTP %d", c.method, res.StatusCode),
			retryAfter: retryAfter(res.Header.Get("Retry-After"))}
	}
	return &response{Status: res.StatusCode, Body: body, Header: res.Header}, nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date; 0 when
// absent or unreadable.
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// withinBudget is the retry schedule of one call: the register's
// Retry-After when it gave one, else exponential backoff; a wait that
// would end past the budget (ctx's deadline) stops the retries at once.
type withinBudget struct {
	backoff.BackOff
	ctx  context.Context
	next time.Duration // the register's Retry-After for the next wait
}

func (b *withinBudget) NextBackOff() time.Duration {
	d := b.BackOff.NextBackOff()
	if b.next > 0 {
		d, b.next = b.next, 0
	}
	if deadline, ok := b.ctx.Deadline(); ok && time.Until(deadline) < d {
		return backoff.Stop
	}
	return d
}
