package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// TestTwoProcessesDeliverEachEventOnce: two service processes on one
// PostgreSQL both run the webhook dispatcher; a receiver on 127.0.0.1 gets
// each event exactly once, correctly signed.
func TestTwoProcessesDeliverEachEventOnce(t *testing.T) {
	t.Parallel()
	needPostgres(t)
	fast := []string{"ONBOARDING_WEBHOOK_INTERVAL=5ms", "ONBOARDING_WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8"}
	who, procs := startProcesses(t, storetest.PostgresURL(t), [][]string{fast, fast})

	var mu sync.Mutex
	var secret string
	seen := map[float64]int{}
	bad := 0
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		ts, sig, _ := strings.Cut(strings.TrimPrefix(r.Header.Get("Onboarding-Signature"), "t="), ",v1=")
		mac := hmac.New(sha256.New, []byte(secret))
		fmt.Fprintf(mac, "%s.%s", ts, body)
		var p struct {
			EventID float64 `json:"event_id"`
		}
		if hex.EncodeToString(mac.Sum(nil)) != sig || json.Unmarshal(body, &p) != nil {
			bad++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		seen[p.EventID]++
	}))
	defer receiver.Close()

	call := func(base, path, body string) map[string]any {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Token "+who.Token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return nil
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return m
	}
	hook := call(procs[0].base, "/api/onboarding-webhooks/", `{"url":"`+receiver.URL+`/hook","event_kinds":["verification.created"]}`)
	mu.Lock()
	secret, _ = hook["secret"].(string)
	mu.Unlock()

	const n = 30
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { call(procs[i%2].base, "/api/onboarding-verifications/start_verification/", `{"country":"EE"}`) })
	}
	wg.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		got := len(seen)
		mu.Unlock()
		if got >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // a duplicate would arrive meanwhile
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != n || bad != 0 {
		t.Fatalf("%d of %d events delivered, %d bad signatures", len(seen), n, bad)
	}
	for id, times := range seen {
		if times != 1 {
			t.Fatalf("event %v delivered %d times", id, times)
		}
	}
}
