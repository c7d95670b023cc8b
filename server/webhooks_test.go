package server_test

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

const hooks = "/api/onboarding-webhooks/"

var allKinds = []string{"verification.created", "verification.status_changed", "verification.expired", "verification.deleted", "customer.created", "justification.decided"}

// receiver is a webhook endpoint on 127.0.0.1 that checks every signature.
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	status int              // what it answers; 0: 200
	got    []map[string]any // payloads it accepted, in order
	seen   map[float64]int  // accepted deliveries per event_id
	calls  int
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{t: t, seen: map[float64]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if err := verifySignature(r.secret, req.Header.Get("Onboarding-Signature"), body, time.Now()); err != "" {
		r.t.Errorf("signature: %s", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if r.status != 0 {
		w.WriteHeader(r.status)
		return
	}
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		r.t.Errorf("payload %s: %v", body, err)
	}
	if req.Header.Get("Onboarding-Event") != p["type"] || req.Header.Get("Content-Type") != "application/json" {
		r.t.Errorf("headers %v for payload type %v", req.Header, p["type"])
	}
	r.got = append(r.got, p)
	r.seen[p["event_id"].(float64)]++
}

func (r *receiver) setStatus(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = status
}

func (r *receiver) payloads() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.got...)
}

// verifySignature checks "t=<unix>,v1=<hex>" as a receiver would, written
// here independently of the service's code: HMAC-SHA256 over "<t>.<body>",
// compared in constant time, t within 5 minutes of now.
func verifySignature(secret, header string, body []byte, now time.Time) string {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return "bad timestamp in " + header
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	want := mac.Sum(nil)
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, want) {
		return "mismatch in " + header
	}
	return ""
}

// subscribe creates a webhook for r and keeps its secret in r.
func subscribe(t testing.TB, a *api, r *receiver, kinds []string) string {
	t.Helper()
	res := a.do(t, "POST", hooks, a.staffT, map[string]any{"url": r.srv.URL + "/hook", "event_kinds": kinds})
	wantStatus(t, res, http.StatusCreated)
	w := res.Object(t)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = w["secret"].(string)
	return w["uuid"].(string)
}

// dispatch runs a's dispatcher until the test ends.
func dispatch(t testing.TB, s *server.Server) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Dispatch(ctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
}

// waitFor polls cond for up to 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWebhookSubscriptions(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		res := a.do(t, "POST", hooks, a.staffT, map[string]any{"url": "https://example.test/hook", "event_kinds": []string{"customer.created"}})
		wantStatus(t, res, http.StatusCreated)
		created := res.Object(t)
		secret, _ := created["secret"].(string)
		if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 || created["is_active"] != true {
			t.Fatalf("created: %s", res.Body)
		}
		id := created["uuid"].(string)
		// The secret is shown once.
		got := a.do(t, "GET", hooks+id+"/", a.staffT, nil)
		wantStatus(t, got, http.StatusOK)
		if strings.Contains(string(got.Body), secret) || strings.Contains(string(got.Body), "secret") {
			t.Fatalf("the secret is shown again: %s", got.Body)
		}
		list := a.do(t, "GET", hooks, a.supportT, nil)
		wantStatus(t, list, http.StatusOK)
		if list.Header.Get("X-Result-Count") != "1" || strings.Contains(string(list.Body), secret) {
			t.Fatalf("list: %s", list.Body)
		}

		patched := a.do(t, "PATCH", hooks+id+"/", a.staffT, map[string]any{"is_active": false})
		wantStatus(t, patched, http.StatusOK)
		if w := patched.Object(t); w["is_active"] != false || w["url"] != "https://example.test/hook" {
			t.Fatalf("patched: %s", patched.Body)
		}
		put := a.do(t, "PUT", hooks+id+"/", a.staffT, map[string]any{"url": "http://127.0.0.1:9/x", "event_kinds": allKinds})
		wantStatus(t, put, http.StatusOK)
		if w := put.Object(t); w["is_active"] != true || len(w["event_kinds"].([]any)) != len(allKinds) {
			t.Fatalf("put: %s", put.Body)
		}

		// Bad input: 400 naming the field, nothing stored.
		for _, body := range []map[string]any{
			{"url": "ftp://example.test/", "event_kinds": allKinds},
			{"url": "/relative", "event_kinds": allKinds},
			{"url": "https://user:pw@example.test/", "event_kinds": allKinds},
			{"url": "https://example.test/", "event_kinds": []string{}},
			{"url": "https://example.test/", "event_kinds": []string{"verification.exploded"}},
			{"event_kinds": allKinds},
		} {
			res := a.do(t, "POST", hooks, a.staffT, body)
			wantStatus(t, res, http.StatusBadRequest)
			if !strings.Contains(string(res.Body), "url") && !strings.Contains(string(res.Body), "event_kinds") {
				t.Fatalf("%v: 400 names no field: %s", body, res.Body)
			}
		}
		wantStatus(t, a.do(t, "PATCH", hooks+id+"/", a.staffT, map[string]any{"url": "nope"}), http.StatusBadRequest)
		if w := a.do(t, "GET", hooks+id+"/", a.staffT, nil).Object(t); w["url"] != "http://127.0.0.1:9/x" {
			t.Fatalf("a refused PATCH changed the url: %v", w["url"])
		}
		if n := a.do(t, "GET", hooks, a.staffT, nil).Header.Get("X-Result-Count"); n != "1" {
			t.Fatalf("%s webhooks after refused creates", n)
		}

		// Who may do what: support reads, regular users nothing, only staff write.
		wantStatus(t, a.do(t, "GET", hooks, a.aliceT, nil), http.StatusForbidden)
		wantStatus(t, a.do(t, "GET", hooks+id+"/deliveries/", a.aliceT, nil), http.StatusForbidden)
		wantStatus(t, a.do(t, "GET", hooks+id+"/deliveries/", a.supportT, nil), http.StatusOK)
		wantStatus(t, a.do(t, "POST", hooks, a.supportT, map[string]any{"url": "https://example.test/", "event_kinds": allKinds}), http.StatusForbidden)
		wantStatus(t, a.do(t, "DELETE", hooks+id+"/", a.supportT, nil), http.StatusForbidden)
		wantStatus(t, a.do(t, "GET", hooks+"00000000-0000-4000-8000-000000000000/deliveries/", a.staffT, nil), http.StatusNotFound)

		wantStatus(t, a.do(t, "DELETE", hooks+id+"/", a.staffT, nil), http.StatusNoContent)
		wantStatus(t, a.do(t, "GET", hooks+id+"/", a.staffT, nil), http.StatusNotFound)
	})
}

// TestWebhookDelivery: the events of a verification's life reach a
// subscriber once each, signed, carrying the verification as staff see it
// and without person data; staff read the deliveries.
func TestWebhookDelivery(t *testing.T) {
	t.Parallel()
	forEachDBWith(t, server.Config{WebhookInterval: 10 * time.Millisecond}, func(t *testing.T, a *api) {
		r := newReceiver(t)
		id := subscribe(t, a, r, allKinds)
		quiet := newReceiver(t)
		subscribe(t, a, quiet, []string{"justification.decided"})
		dispatch(t, a.server)

		v := startAndRun(t, a, map[string]any{"country": "EE", "legal_person_identifier": "12417834", "person_identifier": estonianPerson})
		wantStatus(t, a.do(t, "POST", base+v["uuid"].(string)+"/create_customer/", a.aliceT, nil), http.StatusCreated)
		waitFor(t, "3 deliveries", func() bool { return len(r.payloads()) >= 3 })
		time.Sleep(50 * time.Millisecond) // nothing more arrives
		got := r.payloads()
		// Deliveries run in parallel: they may arrive in any order.
		slices.SortFunc(got, func(x, y map[string]any) int { return cmp.Compare(x["event_id"].(float64), y["event_id"].(float64)) })
		var types []string
		for _, p := range got {
			types = append(types, p["type"].(string))
			pv := p["verification"].(map[string]any)
			if pv["uuid"] != v["uuid"] || p["event"].(map[string]any)["kind"] == nil {
				t.Errorf("payload about another verification: %v", p)
			}
		}
		if strings.Join(types, " ") != "verification.created verification.status_changed customer.created" {
			t.Fatalf("delivered %v", types)
		}
		if got[1]["verification"].(map[string]any)["status"] != "verified" || got[0]["verification"].(map[string]any)["status"] != "pending" {
			t.Fatalf("payloads do not show the verification at the time of their event: %v", got)
		}
		raw, _ := json.Marshal(got)
		if strings.Contains(string(raw), estonianPerson) || strings.Contains(string(raw), `"person_identifier"`) {
			t.Fatalf("a payload carries person data: %s", raw)
		}
		if len(r.seen) != 3 {
			t.Fatalf("event ids %v", r.seen)
		}
		if len(quiet.payloads()) != 0 {
			t.Fatalf("a subscriber got kinds it did not ask for: %v", quiet.payloads())
		}

		// The dispatcher records an attempt after the receiver answered it.
		var deliveries response
		var ds []map[string]any
		waitFor(t, "the deliveries recorded", func() bool {
			deliveries = a.do(t, "GET", hooks+id+"/deliveries/", a.staffT, nil)
			wantStatus(t, deliveries, http.StatusOK)
			deliveries.JSON(t, &ds)
			return !slices.ContainsFunc(ds, func(d map[string]any) bool { return d["status"] != "delivered" })
		})
		if len(ds) != 3 || deliveries.Header.Get("X-Result-Count") != "3" {
			t.Fatalf("deliveries: %s", deliveries.Body)
		}
		for _, d := range ds {
			if d["status"] != "delivered" || d["attempts"] != 1.0 || d["last_status_code"] != 200.0 || d["next_attempt_at"] != nil || d["delivered_at"] == nil {
				t.Fatalf("delivery: %v", d)
			}
		}
		if ds[0]["event_kind"] != "customer.created" {
			t.Fatalf("deliveries not newest first: %v", ds[0]["event_kind"])
		}

		// Redelivery sends the same payload again.
		red := a.do(t, "POST", hooks+id+"/deliveries/"+ds[0]["uuid"].(string)+"/redeliver/", a.staffT, nil)
		wantStatus(t, red, http.StatusOK)
		if red.Object(t)["status"] != "pending" {
			t.Fatalf("redeliver: %s", red.Body)
		}
		waitFor(t, "the redelivery", func() bool { return len(r.payloads()) == 4 })
		if again := r.payloads()[3]; again["event_id"] != ds[0]["event_id"] {
			t.Fatalf("redelivered %v, want event %v", again["event_id"], ds[0]["event_id"])
		}
		wantStatus(t, a.do(t, "POST", hooks+id+"/deliveries/"+ds[0]["uuid"].(string)+"/redeliver/", a.aliceT, nil), http.StatusForbidden)
		wantStatus(t, a.do(t, "POST", hooks+id+"/deliveries/00000000-0000-4000-8000-000000000000/redeliver/", a.staffT, nil), http.StatusNotFound)
	})
}

// TestWebhookVerificationDeleted: a verification deleted by its owner, and
// one the retention sweep deletes, each reach verification.deleted
// subscribers once, with the verification as it was.
func TestWebhookVerificationDeleted(t *testing.T) {
	t.Parallel()
	forEachDBWith(t, server.Config{WebhookInterval: 10 * time.Millisecond}, func(t *testing.T, a *api) {
		r := newReceiver(t)
		subscribe(t, a, r, []string{"verification.deleted"})
		dispatch(t, a.server)

		owned := a.do(t, "POST", base, a.aliceT, map[string]any{"user": a.alice.ID, "country": "NO", "legal_person_identifier": "923609016", "legal_name": "Equinor ASA"}).Object(t)
		wantStatus(t, a.do(t, "DELETE", base+owned["uuid"].(string)+"/", a.aliceT, nil), http.StatusNoContent)
		stale := eeCase(t, a, "10000001", "failed") // not in the register
		now := time.Now().UTC()
		if _, deleted, err := a.store.Sweep(context.Background(), now, now.Add(time.Hour)); err != nil || deleted != 1 {
			t.Fatalf("retention sweep deleted %d (%v)", deleted, err)
		}

		waitFor(t, "2 deliveries", func() bool { return len(r.payloads()) >= 2 })
		time.Sleep(50 * time.Millisecond) // nothing more arrives
		got := r.payloads()
		if len(got) != 2 {
			t.Fatalf("%d deliveries, want 2: %v", len(got), got)
		}
		byUUID := map[any]map[string]any{}
		for _, p := range got {
			byUUID[p["verification"].(map[string]any)["uuid"]] = p
		}
		for _, c := range []struct {
			v              map[string]any
			status, reason string
		}{{owned, "pending", ""}, {stale, "failed", "retention period passed"}} {
			p := byUUID[c.v["uuid"]]
			if p == nil {
				t.Fatalf("no delivery about %s: %v", c.v["uuid"], got)
			}
			ev, pv := p["event"].(map[string]any), p["verification"].(map[string]any)
			if p["type"] != "verification.deleted" || ev["kind"] != "deleted" || ev["old_status"] != c.status || ev["reason"] != c.reason ||
				pv["status"] != c.status || pv["legal_person_identifier"] != c.v["legal_person_identifier"] {
				t.Errorf("deletion of a %s verification delivered %v", c.status, p)
			}
		}
	})
}

// TestWebhookReceiverDown: a receiver that fails for a while is probed at
// growing intervals and gets every event once when it is back.
func TestWebhookReceiverDown(t *testing.T) {
	t.Parallel()
	cfg := server.Config{WebhookInterval: 5 * time.Millisecond, WebhookRetryBase: 5 * time.Millisecond, WebhookRetryFor: time.Hour}
	forEachDBWith(t, cfg, func(t *testing.T, a *api) {
		r := newReceiver(t)
		r.setStatus(http.StatusServiceUnavailable)
		id := subscribe(t, a, r, []string{"verification.created"})
		for range 5 {
			wantStatus(t, a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE"}), http.StatusOK)
		}
		// Started after the events, so that its first round tries all five:
		// started before, on a slow machine it could fail the first alone,
		// and then probe one delivery per doubling interval, past the wait.
		dispatch(t, a.server)
		waitFor(t, "retries", func() bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			return r.calls >= 8 // the first round of 5, then the subscription's probes
		})
		var ds []map[string]any
		waitFor(t, "failed attempts recorded", func() bool {
			a.do(t, "GET", hooks+id+"/deliveries/", a.staffT, nil).JSON(t, &ds)
			return len(ds) == 5 && !slices.ContainsFunc(ds, func(d map[string]any) bool { return d["last_status_code"] == nil })
		})
		for _, d := range ds {
			if d["status"] != "pending" || d["last_status_code"] != 503.0 || !strings.Contains(d["last_error"].(string), "503") {
				t.Fatalf("while down: %v", d)
			}
		}
		r.setStatus(0)
		waitFor(t, "every event", func() bool { return len(r.payloads()) == 5 })
		time.Sleep(50 * time.Millisecond)
		if len(r.payloads()) != 5 || len(r.seen) != 5 {
			t.Fatalf("after recovery: %d payloads, %d events", len(r.payloads()), len(r.seen))
		}
		waitFor(t, "the deliveries recorded", func() bool {
			a.do(t, "GET", hooks+id+"/deliveries/", a.staffT, nil).JSON(t, &ds)
			return !slices.ContainsFunc(ds, func(d map[string]any) bool { return d["status"] != "delivered" })
		})
		failedAttempts := 0.0
		for _, d := range ds {
			if d["status"] != "delivered" || d["attempts"].(float64) < 2 || d["last_error"] != "" {
				t.Fatalf("after recovery: %v", d)
			}
			failedAttempts += d["attempts"].(float64) - 1
		}
		// The dispatcher's metrics: its runs, every failed attempt, and an empty backlog.
		waitFor(t, "an empty backlog", func() bool { return scrape(t, a.handler)[`onboarding_job_backlog{job="webhook_dispatcher"}`] == 0 })
		m := scrape(t, a.handler)
		wantMetric(t, m, `onboarding_job_failures_total{job="webhook_dispatcher"}`, failedAttempts)
		if m[`onboarding_job_runs_total{job="webhook_dispatcher"}`] < 2 {
			t.Errorf("dispatcher runs: %v", m[`onboarding_job_runs_total{job="webhook_dispatcher"}`])
		}
	})
}

// TestWebhookRetriesEnd: a receiver that never recovers sees its delivery
// fail after the retry window; a redelivery then succeeds.
func TestWebhookRetriesEnd(t *testing.T) {
	t.Parallel()
	cfg := server.Config{WebhookInterval: 5 * time.Millisecond, WebhookRetryBase: 5 * time.Millisecond, WebhookRetryFor: 30 * time.Millisecond}
	forEachDBWith(t, cfg, func(t *testing.T, a *api) {
		r := newReceiver(t)
		r.setStatus(http.StatusInternalServerError)
		id := subscribe(t, a, r, []string{"verification.created"})
		dispatch(t, a.server)
		wantStatus(t, a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE"}), http.StatusOK)
		var ds []map[string]any
		waitFor(t, "the delivery to fail", func() bool {
			a.do(t, "GET", hooks+id+"/deliveries/", a.staffT, nil).JSON(t, &ds)
			return len(ds) == 1 && ds[0]["status"] == "failed"
		})
		if ds[0]["next_attempt_at"] != nil || ds[0]["last_status_code"] != 500.0 {
			t.Fatalf("failed delivery: %v", ds[0])
		}
		r.setStatus(0)
		wantStatus(t, a.do(t, "POST", hooks+id+"/deliveries/"+ds[0]["uuid"].(string)+"/redeliver/", a.staffT, nil), http.StatusOK)
		waitFor(t, "the redelivery", func() bool { return len(r.payloads()) == 1 })
	})
}

// TestWebhookTwoDispatchers: two dispatchers on one database (two
// connection pools on PostgreSQL, claiming with FOR UPDATE SKIP LOCKED;
// one process on SQLite) deliver each event exactly once.
func TestWebhookTwoDispatchers(t *testing.T) {
	t.Parallel()
	cfg := server.Config{WebhookInterval: 2 * time.Millisecond, WebhookAllowedNetworks: loopback}
	run := func(t *testing.T, s, second *store.Store) {
		a := newAPI(t, s, cfg)
		registers := registryFrom(t, sandboxEnv)
		other, err := server.New(cfg, second, registers, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		r := newReceiver(t)
		subscribe(t, a, r, allKinds)
		dispatch(t, a.server)
		dispatch(t, other)
		const n = 40
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() { a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE"}) })
		}
		wg.Wait()
		waitFor(t, "every event", func() bool { return len(r.payloads()) >= n })
		time.Sleep(100 * time.Millisecond)
		if len(r.payloads()) != n || len(r.seen) != n {
			t.Fatalf("%d deliveries of %d events, want %d each once", len(r.payloads()), len(r.seen), n)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		s := storetest.SQLite(t)
		run(t, s, s)
	})
	if os.Getenv(storetest.EnvURL) != "" || os.Getenv("CI") == "true" {
		t.Run("postgres", func(t *testing.T) {
			t.Parallel()
			url := storetest.PostgresURL(t)
			run(t, storetest.Open(t, url), storetest.Open(t, url))
		})
	}
}
