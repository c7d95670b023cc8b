package server_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/server"
)

// countVerifications is how many verifications token's user sees.
func countVerifications(t *testing.T, a *api, token string) string {
	t.Helper()
	res := a.do(t, "GET", base, token, nil)
	wantStatus(t, res, http.StatusOK)
	return res.Header.Get("X-Result-Count")
}

func withKey(key string) map[string]string { return map[string]string{"Idempotency-Key": key} }

func TestIdempotencyKeyReplays(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		body := `{"country": "EE", "legal_person_identifier": "12417834", "person_identifier": "48001010005"}`
		first := a.doWith(t, "POST", start, a.aliceT, body, withKey("k-1"))
		wantStatus(t, first, http.StatusOK)
		if first.Header.Get("Idempotent-Replayed") != "" {
			t.Fatal("the first response is marked replayed")
		}
		// The same JSON with other key order and spacing is the same request.
		again := a.doWith(t, "POST", start, a.aliceT,
			`{"person_identifier":"48001010005","legal_person_identifier":"12417834","country":"EE"}`, withKey("k-1"))
		wantStatus(t, again, http.StatusOK)
		if !bytes.Equal(again.Body, first.Body) || again.Header.Get("Idempotent-Replayed") != "true" ||
			again.Header.Get("Content-Type") != first.Header.Get("Content-Type") {
			t.Fatalf("replay differs:\n%s %v\n%s %v", first.Body, first.Header, again.Body, again.Header)
		}
		if n := countVerifications(t, a, a.aliceT); n != "1" {
			t.Fatalf("%s verifications after a replay, want 1", n)
		}

		// The key with another body or another path is refused, and nothing is stored.
		other := a.doWith(t, "POST", start, a.aliceT, `{"country": "EE", "legal_person_identifier": "10000001"}`, withKey("k-1"))
		wantStatus(t, other, http.StatusUnprocessableEntity)
		if !strings.Contains(other.Object(t)["detail"].(string), "different request body") {
			t.Fatalf("422 detail: %s", other.Body)
		}
		uuid := first.Object(t)["uuid"].(string)
		elsewhere := a.doWith(t, "POST", base+uuid+"/run_validation/", a.aliceT, nil, withKey("k-1"))
		wantStatus(t, elsewhere, http.StatusUnprocessableEntity)
		if !strings.Contains(elsewhere.Object(t)["detail"].(string), "POST "+start) {
			t.Fatalf("422 detail: %s", elsewhere.Body)
		}
		if n := countVerifications(t, a, a.aliceT); n != "1" {
			t.Fatalf("%s verifications after refused reuses, want 1", n)
		}
		if v := a.do(t, "GET", base+uuid+"/", a.aliceT, nil).Object(t); v["status"] != "pending" {
			t.Fatalf("a refused run_validation ran: %v", v["status"])
		}

		// Keys are per user: bob's k-1 is his own.
		bobs := a.doWith(t, "POST", start, a.bobT, body, withKey("k-1"))
		wantStatus(t, bobs, http.StatusOK)
		if bytes.Equal(bobs.Body, first.Body) || bobs.Header.Get("Idempotent-Replayed") != "" {
			t.Fatal("bob got alice's response")
		}

		// Other POSTs replay too, e.g. run_validation and an admin create (201).
		run := a.doWith(t, "POST", base+uuid+"/run_validation/", a.aliceT, nil, withKey("run-1"))
		wantStatus(t, run, http.StatusOK)
		runAgain := a.doWith(t, "POST", base+uuid+"/run_validation/", a.aliceT, nil, withKey("run-1"))
		if runAgain.Status != http.StatusOK || !bytes.Equal(runAgain.Body, run.Body) {
			t.Fatalf("run_validation replay: %d %s", runAgain.Status, runAgain.Body)
		}
		events := a.do(t, "GET", base+uuid+"/events/", a.aliceT, nil)
		if n := strings.Count(string(events.Body), `"validation_finished"`); n != 1 {
			t.Fatalf("%d validations ran, want 1: %s", n, events.Body)
		}
		created := a.doWith(t, "POST", "/api/checklists-admin/", a.staffT, map[string]any{"name": "KYB"}, withKey("admin-1"))
		wantStatus(t, created, http.StatusCreated)
		createdAgain := a.doWith(t, "POST", "/api/checklists-admin/", a.staffT, map[string]any{"name": "KYB"}, withKey("admin-1"))
		if createdAgain.Status != http.StatusCreated || !bytes.Equal(createdAgain.Body, created.Body) {
			t.Fatalf("admin create replay: %d %s", createdAgain.Status, createdAgain.Body)
		}

		// A stored error is replayed as well: it is the answer to that request.
		bad := a.doWith(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "1"}, withKey("bad-1"))
		wantStatus(t, bad, http.StatusBadRequest)
		badAgain := a.doWith(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "1"}, withKey("bad-1"))
		if badAgain.Status != http.StatusBadRequest || !bytes.Equal(badAgain.Body, bad.Body) || badAgain.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("error replay: %d %s", badAgain.Status, badAgain.Body)
		}
	})
}

func TestIdempotencyKeyLength(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		body := map[string]any{"country": "EE"}
		long := a.doWith(t, "POST", start, a.aliceT, body, withKey(strings.Repeat("k", 256)))
		wantStatus(t, long, http.StatusBadRequest)
		if !strings.Contains(string(long.Body), "Idempotency-Key") {
			t.Fatalf("400 does not name the header: %s", long.Body)
		}
		if n := countVerifications(t, a, a.aliceT); n != "0" {
			t.Fatalf("%s verifications after a refused key", n)
		}
		wantStatus(t, a.doWith(t, "POST", start, a.aliceT, body, withKey(strings.Repeat("k", 255))), http.StatusOK)
	})
}

// TestIdempotencyKeyWhileRunning: a repeat while the first request still
// runs is 409 once it has waited IdempotencyWait; after the first finishes
// the repeat gets its response.
func TestIdempotencyKeyWhileRunning(t *testing.T) {
	t.Parallel()
	forEachDBWith(t, server.Config{IdempotencyWait: 20 * time.Millisecond}, func(t *testing.T, a *api) {
		// The EE sandbox register never answers for 10000030: the run lasts
		// as long as the register's time budget.
		v := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "10000030", "person_identifier": estonianPerson}).Object(t)
		path := base + v["uuid"].(string) + "/run_validation/"
		firstDone := make(chan response)
		go func() { firstDone <- a.doWith(t, "POST", path, a.aliceT, nil, withKey("slow")) }()
		deadline := time.Now().Add(5 * time.Second)
		for {
			if rec, err := a.store.IdempotencyRecord(context.Background(), a.alice.ID, "slow"); err == nil && rec.Status == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the first request never claimed its key")
			}
			time.Sleep(5 * time.Millisecond)
		}
		busy := a.doWith(t, "POST", path, a.aliceT, nil, withKey("slow"))
		wantStatus(t, busy, http.StatusConflict)
		if !strings.Contains(busy.Object(t)["detail"].(string), "still being processed") {
			t.Fatalf("409 detail: %s", busy.Body)
		}
		first := <-firstDone
		wantStatus(t, first, http.StatusOK)
		later := a.doWith(t, "POST", path, a.aliceT, nil, withKey("slow"))
		if later.Status != http.StatusOK || !bytes.Equal(later.Body, first.Body) {
			t.Fatalf("after the first finished: %d %s", later.Status, later.Body)
		}
	})
}

// TestIdempotencyKeyExpires: past IdempotencyTTL the key is free again.
func TestIdempotencyKeyExpires(t *testing.T) {
	t.Parallel()
	st := sqliteStore(t)
	clock := fakeClock(st)
	a := newAPI(t, st, server.Config{IdempotencyTTL: time.Hour})
	wantStatus(t, a.doWith(t, "POST", start, a.aliceT, map[string]any{"country": "EE"}, withKey("k")), http.StatusOK)
	clock.Advance(time.Hour)
	if res := a.doWith(t, "POST", start, a.aliceT, map[string]any{"country": "EE"}, withKey("k")); res.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("at the end of the TTL the key was not replayed: %d %s", res.Status, res.Body)
	}
	clock.Advance(time.Microsecond)
	res := a.doWith(t, "POST", start, a.aliceT, map[string]any{"country": "FI"}, withKey("k"))
	wantStatus(t, res, http.StatusOK)
	if res.Object(t)["country"] != "FI" || res.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("an expired key was replayed: %s", res.Body)
	}
	if n := countVerifications(t, a, a.aliceT); n != "2" {
		t.Fatalf("%s verifications, want 2", n)
	}
}

// TestIdempotencyKeyConcurrent: 20 identical requests at once with one key
// make one verification and 20 identical responses.
func TestIdempotencyKeyConcurrent(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		body := map[string]any{"country": "EE", "legal_person_identifier": "12417834", "person_identifier": estonianPerson}
		responses := make([]response, 20)
		var wg sync.WaitGroup
		for i := range responses {
			wg.Go(func() { responses[i] = a.doWith(t, "POST", start, a.aliceT, body, withKey("together")) })
		}
		wg.Wait()
		for _, r := range responses {
			if r.Status != http.StatusOK || !bytes.Equal(r.Body, responses[0].Body) {
				t.Fatalf("responses differ: %d %s vs %d %s", r.Status, r.Body, responses[0].Status, responses[0].Body)
			}
		}
		if n := countVerifications(t, a, a.aliceT); n != "1" {
			t.Fatalf("%s verifications, want 1", n)
		}
	})
}

// An Idempotency-Key is printable ASCII: invalid UTF-8 (which PostgreSQL
// cannot store), control characters or other text are a 400 naming the
// header, before anything is claimed or stored. An unknown path that is
// not UTF-8 is a 404 with a key too (the key is never claimed for it).
func TestIdempotencyKeyPrintableASCII(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		body := map[string]any{"country": "EE"}
		for _, key := range []string{"\xff\xfe", "a\x01b", "ключ", "tab\there"} {
			res := a.doWith(t, "POST", start, a.aliceT, body, withKey(key))
			wantStatus(t, res, http.StatusBadRequest)
			if !strings.Contains(string(res.Body), "Idempotency-Key") || !strings.Contains(string(res.Body), "ASCII") {
				t.Fatalf("key %q: 400 does not name the header and why: %s", key, res.Body)
			}
		}
		if n := countVerifications(t, a, a.aliceT); n != "0" {
			t.Fatalf("%s verifications after refused keys", n)
		}
		wantStatus(t, a.doWith(t, "POST", "/api/nothing-%FF%FE/", a.aliceT, body, withKey("k-1")), http.StatusNotFound)
		wantStatus(t, a.doWith(t, "POST", start, a.aliceT, body, withKey("order 42: ~!@#$%^&*()")), http.StatusOK)
	})
}
