package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/onboarding-kyb/onboarding/contracttest"

	"github.com/onboarding-kyb/onboarding/config"
	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/store/storetest"
	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

// loopback is where the tests' own receivers listen.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// syncBuffer collects log output from concurrent requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// api is a running service with four users: two regular ones, a support
// user and a staff user.
type api struct {
	t                              testing.TB
	store                          *store.Store
	handler                        http.Handler
	server                         *server.Server
	logs                           *syncBuffer // every log line the service wrote
	bodies                         *syncBuffer // every response body the service sent
	alice, bob, support, staff     *domain.User
	aliceT, bobT, supportT, staffT string
}

// forEachDB runs fn against a fresh service on each database.
func forEachDB(t *testing.T, fn func(t *testing.T, a *api)) {
	t.Helper()
	forEachDBWith(t, server.Config{MaxBodyBytes: 1 << 20}, fn)
}

// forEachDBWith is forEachDB with a service configured by cfg.
func forEachDBWith(t *testing.T, cfg server.Config, fn func(t *testing.T, a *api)) {
	t.Helper()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		fn(t, newAPI(t, s, cfg))
	})
}

// sandboxEnv configures the registers as `make run` does, in sandbox mode,
// with short register timeouts so the timing-out magic codes stay fast.
func sandboxEnv(k string) string {
	switch {
	case k == "ONBOARDING_SANDBOX":
		return "true"
	case k == "ONBOARDING_GLEIF_COUNTRIES":
		return "IS,LI"
	case strings.HasSuffix(k, "_TIMEOUT"):
		return "200ms"
	}
	return ""
}

// fakeClock makes s (and a service built on it afterwards) read the time
// from a clock that stands still until the test moves it.
func fakeClock(s *store.Store) *clockwork.FakeClock {
	c := clockwork.NewFakeClockAt(time.Now())
	s.SetClock(domain.NewClock(c))
	return c
}

// registryFrom builds the registers as the service does, from getenv.
func registryFrom(t testing.TB, getenv func(string) string) *validators.Registry {
	t.Helper()
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	registers, err := validators.NewRegistry(cfg.Registry(), sandbox.Fakes())
	if err != nil {
		t.Fatal(err)
	}
	return registers
}

func newAPI(t testing.TB, s *store.Store, cfg server.Config) *api {
	t.Helper()
	return newAPIWithEnv(t, s, cfg, sandboxEnv)
}

// newAPIWithEnv configures the registers from getenv.
func newAPIWithEnv(t testing.TB, s *store.Store, cfg server.Config, getenv func(string) string) *api {
	t.Helper()
	registers := registryFrom(t, getenv)
	if cfg.DBTimeout == 0 {
		cfg.DBTimeout = time.Minute // -race on a busy machine is slow; the deadline has its own tests
	}
	if cfg.WebhookAllowedNetworks == nil { // the tests' receivers listen on loopback; an empty list tests the refusal
		cfg.WebhookAllowedNetworks = loopback
	}
	logs := &syncBuffer{}
	h, err := server.New(cfg, s, registers, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a := &api{t: t, store: s, handler: h, server: h, logs: logs, bodies: &syncBuffer{}}
	a.alice, a.aliceT = a.user(domain.User{Username: "alice"})
	a.bob, a.bobT = a.user(domain.User{Username: "bob"})
	a.support, a.supportT = a.user(domain.User{Username: "sue", IsSupport: true})
	a.staff, a.staffT = a.user(domain.User{Username: "stan", IsStaff: true})
	return a
}

func (a *api) user(u domain.User) (*domain.User, string) {
	a.t.Helper()
	u.IsActive = true
	ctx := context.Background()
	if err := a.store.CreateUser(ctx, &u); err != nil {
		a.t.Fatal(err)
	}
	token, err := a.store.CreateToken(ctx, u.ID)
	if err != nil {
		a.t.Fatal(err)
	}
	return &u, token
}

// response is what a request got back.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("body %q: %v", r.Body, err)
	}
}

// Object decodes the body as a JSON object.
func (r response) Object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// do sends a request with token (empty: none) and a JSON body (a string is
// sent as is), and validates the response against the contract.
func (a *api) do(t testing.TB, method, path, token string, body any) response {
	t.Helper()
	return a.doWith(t, method, path, token, body, nil)
}

// doWith is do with extra request headers.
func (a *api) doWith(t testing.TB, method, path, token string, body any, headers map[string]string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	res := response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	a.bodies.Write(res.Body)
	checkContract(t, req, res)
	return res
}

// checkContract validates a response against openapi.yaml, strictly (see
// contracttest), and records it for the coverage report.
func checkContract(t testing.TB, req *http.Request, res response) {
	t.Helper()
	contracttest.Check(t, req, res.Status, res.Header, res.Body)
}

// wantStatus fails the test when r is not status.
func wantStatus(t testing.TB, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
}

// sqliteStore is a fresh SQLite store, for tests that need one database only.
func sqliteStore(t *testing.T) *store.Store { return storetest.SQLite(t) }
