package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/contracttest"
	"github.com/onboarding-kyb/onboarding/server"
)

// TestGracefulShutdown: a request in flight when the server is told to stop
// still gets its answer, and Serve returns cleanly.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- server.Serve(ctx, ln, a.handler, server.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()

	url := "http://" + ln.Addr().String()
	// The EE sandbox register never answers for 10000030: the run takes as
	// long as the register timeout, and the server is stopped meanwhile.
	v := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "10000030", "person_identifier": estonianPerson}).Object(t)
	req, _ := http.NewRequest("POST", url+base+v["uuid"].(string)+"/run_validation/", nil)
	req.Header.Set("Authorization", "Token "+a.aliceT)
	answered := make(chan *http.Response, 1)
	go func() {
		res, err := contracttest.Client(t).Do(req)
		if err != nil {
			t.Errorf("in-flight request failed: %v", err)
		}
		answered <- res
	}()
	time.Sleep(100 * time.Millisecond)
	stop()
	res := <-answered
	if res == nil {
		return
	}
	defer res.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK || body["error_message"] != "API_ERROR" {
		t.Fatalf("in-flight request: %d %v %v", res.StatusCode, body, err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := contracttest.Client(t).Get(url + "/healthz"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("still accepting after shutdown: %v", err)
	}
}

// TestSweeperRuns: the background sweeper expires a verification past its
// time and stops with its context.
func TestSweeperRuns(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{SweepInterval: 10 * time.Millisecond})
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	v := a.do(t, "POST", base, a.staffT, map[string]any{"user": a.alice.ID, "country": "EE", "expires_at": past}).Object(t)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		a.server.Sweep(ctx)
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		events := a.do(t, "GET", base+v["uuid"].(string)+"/events/", a.aliceT, nil)
		if strings.Contains(string(events.Body), `"kind":"expired"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sweeper did not expire the verification: %s", events.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	<-done
}
