package server_test

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// proxy forwards TCP to PostgreSQL and can be cut and restored, to play a
// database outage, or hung (connections accepted, nothing forwarded), to
// play a database that stopped answering (SIGSTOP). It keeps its address
// while cut (it resets every connection instead): a closed port could be
// given to another test's listener before the outage ends.
type proxy struct {
	target string
	ln     net.Listener
	mu     sync.Mutex
	conns  []net.Conn
	cut    atomic.Bool
	hung   atomic.Bool
}

// pipe copies from src to dst, holding the bytes while the proxy is hung.
func (p *proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for p.hung.Load() {
			time.Sleep(10 * time.Millisecond)
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// listen starts forwarding from a new loopback address, until the test ends.
func (p *proxy) listen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.ln = ln
	t.Cleanup(func() { p.hung.Store(false); ln.Close(); p.down() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if p.cut.Load() {
				c.(*net.TCPConn).SetLinger(0) // a reset, as from a host whose database is gone
				c.Close()
				continue
			}
			d, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, d)
			p.mu.Unlock()
			go p.pipe(d, c)
			go p.pipe(c, d)
		}
	}()
}

// down cuts every connection and resets new ones until up.
func (p *proxy) down() {
	p.cut.Store(true)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) up() { p.cut.Store(false) }

// proxiedPostgres is a fresh PostgreSQL schema behind a proxy: the proxy,
// and the database URL through it. Without PostgreSQL the test is skipped,
// except under CI=true.
func proxiedPostgres(t *testing.T) (*proxy, string) {
	t.Helper()
	if os.Getenv(storetest.EnvURL) == "" && os.Getenv("CI") != "true" {
		t.Skip("needs PostgreSQL (" + storetest.EnvURL + ")")
	}
	u, err := url.Parse(storetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{target: u.Host}
	p.listen(t)
	u.Host = p.ln.Addr().String()
	return p, u.String()
}

// proxiedAPI is a service on a fresh, migrated PostgreSQL schema behind a
// proxy, with pool's settings; pool.Timeout is also its DBTimeout.
func proxiedAPI(t *testing.T, pool store.Pool) (*proxy, *api) {
	t.Helper()
	p, dbURL := proxiedPostgres(t)
	s, err := store.OpenPool(dbURL, pool)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return p, newAPI(t, s, server.Config{DBTimeout: pool.Timeout})
}

// TestDatabaseOutage: with PostgreSQL gone, requests get 503 with a detail
// and /readyz says so; when it is back, the service recovers by itself.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	p, dbURL := proxiedPostgres(t)
	s, err := store.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	a := newAPI(t, s, server.Config{})
	wantStatus(t, a.do(t, "GET", base, a.aliceT, nil), http.StatusOK)

	p.down()
	for _, path := range []string{base, "/readyz"} {
		res := a.do(t, "GET", path, a.aliceT, nil)
		wantStatus(t, res, http.StatusServiceUnavailable)
		if d, _ := res.Object(t)["detail"].(string); path == base && d == "" {
			t.Fatalf("503 without a detail: %s", res.Body)
		}
	}
	p.up()
	deadline := time.Now().Add(5 * time.Second)
	for {
		res := a.do(t, "GET", base, a.aliceT, nil)
		if res.Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not recovered: %d %s", res.Status, res.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantStatus(t, a.do(t, "GET", "/readyz", "", nil), http.StatusOK)
}

// TestHungDatabaseOneDeadline: with the database hung (connections held,
// nothing answered), every request answers 503 within one DBTimeout
// (plus scheduling), reads as writes: the token lookup, the handler's
// statements and the driver's cancellation share the request's deadline.
func TestHungDatabaseOneDeadline(t *testing.T) {
	t.Parallel()
	// Two seconds, so that scheduling on a loaded machine (up to 1.5 s seen
	// beside another make test with one second) stays apart from a second
	// deadline spent.
	const deadline = 2 * time.Second
	p, a := proxiedAPI(t, store.Pool{Timeout: deadline})
	created := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "12417834"}).Object(t)
	p.hung.Store(true)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", base, nil},
		{"GET", base + created["uuid"].(string) + "/", nil},
		{"GET", "/api/customers/", nil},
		{"POST", start, map[string]any{"country": "EE", "legal_person_identifier": "12417834"}},
		{"PATCH", base + created["uuid"].(string) + "/", map[string]any{"legal_name": "Bolt"}},
	} {
		began := time.Now()
		res := a.do(t, c.method, c.path, a.aliceT, c.body)
		took := time.Since(began)
		wantStatus(t, res, http.StatusServiceUnavailable)
		if took > deadline+3*deadline/4 {
			t.Errorf("%s %s: 503 after %v, want within one deadline (%v)", c.method, c.path, took, deadline)
		}
		t.Logf("%s %s: 503 after %v", c.method, c.path, took)
	}
}
