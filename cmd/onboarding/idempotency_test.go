package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// TestTwoProcessesOneIdempotencyKey: 20 concurrent identical
// start_verification calls with one Idempotency-Key, spread over two
// processes on one PostgreSQL, make one verification and 20 identical
// responses. The second process serves /metrics on its own address, which
// counts the calls it answered.
func TestTwoProcessesOneIdempotencyKey(t *testing.T) {
	t.Parallel()
	needPostgres(t)
	who, procs := startProcesses(t, storetest.PostgresURL(t), [][]string{nil, {"ONBOARDING_METRICS_ADDR=127.0.0.1:0"}})

	type answer struct {
		status int
		body   []byte
	}
	call := func(base, method, path, key string) answer {
		req, _ := http.NewRequest(method, base+path,
			strings.NewReader(`{"country":"EE","legal_person_identifier":"12417834","person_identifier":"48001010005"}`))
		req.Header.Set("Authorization", "Token "+who.Token)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return answer{}
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return answer{res.StatusCode, body}
	}
	const n = 20
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			answers[i] = call(procs[i%2].base, "POST", "/api/onboarding-verifications/start_verification/", "one-key")
		})
	}
	wg.Wait()
	for i, a := range answers {
		if a.status != http.StatusOK || !bytes.Equal(a.body, answers[0].body) {
			t.Fatalf("answer %d: %d %s; answer 0: %d %s", i, a.status, a.body, answers[0].status, answers[0].body)
		}
	}
	req, _ := http.NewRequest("GET", procs[0].base+"/api/onboarding-verifications/", nil)
	req.Header.Set("Authorization", "Token "+who.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("X-Result-Count"); got != "1" {
		t.Fatalf("%s verifications, want 1", got)
	}

	// The second process's metrics, on their own address and not on the API's.
	if res, err := http.Get(procs[1].base + "/metrics"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics on the API address: %v %v", res, err)
	}
	res, err = http.Get("http://" + procs[1].metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	text, _ := io.ReadAll(res.Body)
	want := fmt.Sprintf(`onboarding_http_requests_total{code="2xx",operation="onboarding_verifications_start_verification"} %d`, n/2)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(text), want) {
		t.Fatalf("metrics: %d, no %q in\n%s", res.StatusCode, want, text)
	}
}
