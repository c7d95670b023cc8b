package server_test

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/internal/testnet"
	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
)

// TestDatabaseFaultsUnderLoad is a bounded fault test on PostgreSQL:
// clients keep reading and writing while the database is stopped (the
// proxy cuts and resets connections), then restarted, then hung (it
// accepts and never answers), then back. Every answer is 200 or a 503 with
// Retry-After, none takes much longer than the database deadline, /readyz
// answers within its second even when hung, and the service recovers
// without a restart.
func TestDatabaseFaultsUnderLoad(t *testing.T) {
	t.Parallel()
	const deadline = time.Second
	p, a := proxiedAPI(t, store.Pool{MaxOpen: 4, Timeout: deadline})

	var mu sync.Mutex
	statuses := map[int]int{}
	var slowest time.Duration
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			for ctx.Err() == nil {
				began := time.Now()
				var res response
				if i%2 == 0 {
					res = a.do(t, "GET", base+"?country=EE", a.aliceT, nil)
				} else {
					res = a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "12417834"})
				}
				took := time.Since(began)
				if res.Status == http.StatusServiceUnavailable && res.Header.Get("Retry-After") == "" {
					t.Errorf("503 without Retry-After: %s", res.Body)
				}
				mu.Lock()
				statuses[res.Status]++
				slowest = max(slowest, took)
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	count := func(status int) int {
		mu.Lock()
		defer mu.Unlock()
		return statuses[status]
	}
	waitFor := func(status int, what string) {
		t.Helper()
		seen := count(status)
		limit := time.Now().Add(10 * time.Second)
		for count(status) < seen+5 {
			if time.Now().After(limit) {
				t.Fatalf("%s: no %d answers within 10 s (%v)", what, status, statuses)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	readyWithin := func(want int) {
		t.Helper()
		began := time.Now()
		res := a.do(t, "GET", "/readyz", "", nil)
		// /readyz gives up after 1 s; the bound leaves room for a loaded
		// machine and still tells it from a hang.
		if took := time.Since(began); res.Status != want || took > 2500*time.Millisecond {
			t.Errorf("/readyz: %d in %v, want %d within 1 s", res.Status, took, want)
		}
	}

	waitFor(http.StatusOK, "before the fault")
	p.down()
	waitFor(http.StatusServiceUnavailable, "database stopped")
	readyWithin(http.StatusServiceUnavailable)
	p.up()
	waitFor(http.StatusOK, "database restarted")
	readyWithin(http.StatusOK)

	p.hung.Store(true)
	waitFor(http.StatusServiceUnavailable, "database hung")
	readyWithin(http.StatusServiceUnavailable)
	p.hung.Store(false)
	waitFor(http.StatusOK, "database answering again")
	readyWithin(http.StatusOK)
	stop()
	wg.Wait()

	for status, n := range statuses {
		if status != http.StatusOK && status != http.StatusServiceUnavailable {
			t.Errorf("%d answers with status %d (all: %v)", n, status, statuses)
		}
	}
	// A request may wait for a connection, then for its statement: two
	// deadlines at most, plus scheduling on a busy machine.
	if slowest > 3*deadline+2*time.Second {
		t.Errorf("slowest answer took %v", slowest)
	}
	t.Logf("answers: %v, slowest %v", statuses, slowest)
}

// fakePostgres answers every connection's startup with a PostgreSQL error
// (SQLSTATE code), as a server with too many clients or still starting
// up does, and returns its URL.
func fakePostgres(t *testing.T, code, message string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var size [4]byte
				if _, err := io.ReadFull(c, size[:]); err != nil {
					return
				}
				io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint32(size[:]))-4) // the startup message
				fields := "SFATAL\x00C" + code + "\x00M" + message + "\x00\x00"
				msg := binary.BigEndian.AppendUint32([]byte{'E'}, uint32(4+len(fields)))
				c.Write(append(msg, fields...))
			}()
		}
	}()
	return "postgres://onboarding@" + ln.Addr().String() + "/onboarding?sslmode=disable"
}

// Each way PostgreSQL can be unavailable is 503 with Retry-After, never 500.
func TestDatabaseUnavailableIs503(t *testing.T) {
	t.Parallel()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close() // accepts (the kernel does), never answers
	for name, dbURL := range map[string]string{
		"too many clients": fakePostgres(t, "53300", "sorry, too many clients already"),
		"starting up":      fakePostgres(t, "57P03", "the database system is starting up"),
		"refused":          "postgres://onboarding@" + testnet.RefusedAddr(t) + "/onboarding?sslmode=disable",
		"hung":             "postgres://onboarding@" + silent.Addr().String() + "/onboarding?sslmode=disable",
	} {
		s, err := store.OpenPool(dbURL, store.Pool{Timeout: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		registers := registryFrom(t, sandboxEnv)
		h, err := server.New(server.Config{DBTimeout: 500 * time.Millisecond}, s, registers, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{base, "/readyz"} {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Token 0123456789abcdef")
			rec := httptest.NewRecorder()
			began := time.Now()
			h.ServeHTTP(rec, req)
			res := response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
			checkContract(t, req, res)
			if res.Status != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "5" || time.Since(began) > 3*time.Second {
				t.Errorf("%s: %s: %d %v %s after %v, want 503 with Retry-After", name, path, res.Status, res.Header, res.Body, time.Since(began))
			}
		}
	}
}
