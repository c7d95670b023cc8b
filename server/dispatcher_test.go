package server_test

import (
	"math"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/server"
)

// cpuTime is the CPU time this process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// refusingURL is a loopback address where nothing listens: connections
// are refused.
func refusingURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/hook"
}

// TestDispatcherDeadReceivers: subscriptions whose receivers refuse
// connections, with a backlog of deliveries, neither starve a healthy
// subscription nor keep the dispatcher busy: each dead subscription is
// probed with one delivery at growing intervals and disabled after
// WebhookDisableAfter (visible in the API and the metrics); every pass
// ends within its bounds and is recorded with the true backlog; CPU use
// stays low while they wait.
func TestDispatcherDeadReceivers(t *testing.T) {
	t.Parallel()
	const dead, events = 20, 60
	cfg := server.Config{WebhookInterval: 5 * time.Millisecond, WebhookRetryBase: 20 * time.Millisecond,
		WebhookRetryFor: time.Hour, WebhookDisableAfter: 2 * time.Second}
	forEachDBWith(t, cfg, func(t *testing.T, a *api) {
		var deadIDs []string
		for range dead {
			res := a.do(t, "POST", hooks, a.staffT, map[string]any{"url": refusingURL(t), "event_kinds": []string{"verification.created"}})
			wantStatus(t, res, http.StatusCreated)
			deadIDs = append(deadIDs, res.Object(t)["uuid"].(string))
		}
		for range events {
			wantStatus(t, a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE"}), http.StatusOK)
		}
		r := newReceiver(t) // subscribed after the backlog: its deliveries come last in time
		subscribe(t, a, r, []string{"verification.created"})
		for range events {
			wantStatus(t, a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE"}), http.StatusOK)
		}
		began := time.Now()
		dispatch(t, a.server)
		waitFor(t, "the healthy receiver's events", func() bool { return len(r.payloads()) == events })
		healthy := time.Since(began)

		// While the dead subscriptions back off: CPU, pass time, backlog.
		var slowest float64
		m := scrape(t, a.handler)
		runs0 := m[`onboarding_job_runs_total{job="webhook_dispatcher"}`]
		cpu0, wall0 := cpuTime(t), time.Now()
		for time.Since(wall0) < time.Second {
			m := scrape(t, a.handler)
			slowest = max(slowest, m[`onboarding_job_duration_seconds{job="webhook_dispatcher"}`])
			time.Sleep(50 * time.Millisecond)
		}
		cpu, wall := cpuTime(t)-cpu0, time.Since(wall0)
		m = scrape(t, a.handler)
		runs, backlog := m[`onboarding_job_runs_total{job="webhook_dispatcher"}`], m[`onboarding_job_backlog{job="webhook_dispatcher"}`]
		attempts := m[`onboarding_job_failures_total{job="webhook_dispatcher"}`]
		perPass := cpu / time.Duration(max(runs-runs0, 1))
		t.Logf("healthy receiver served in %v; then %v passes in %v used %v CPU (%v per pass, %.2f%% of a core at the default 1 s interval); slowest pass %.3fs; backlog %v; %v failed attempts",
			healthy, runs-runs0, wall.Round(time.Millisecond), cpu.Round(time.Millisecond), perPass.Round(time.Microsecond), 100*perPass.Seconds(), slowest, backlog, attempts)
		if runs-runs0 < 10 || backlog != 2*dead*events {
			t.Errorf("%v runs recorded, backlog %v; want runs and a backlog of %d", runs-runs0, backlog, 2*dead*events)
		}
		if slowest > 1 {
			t.Errorf("a pass took %.3fs", slowest)
		}
		if perPass > 10*time.Millisecond {
			t.Errorf("a pass while every receiver left backs off took %v of CPU", perPass)
		}
		// Probes only: a first claim of claimPerHook (10), then one attempt
		// per round, rounds at least 10 ms·2^(k-1) apart (20 ms doubled,
		// jitter in the upper half).
		rounds := math.Ceil(math.Log2(2*time.Since(began).Seconds()/0.02 + 1))
		if attempts > dead*(10+rounds) {
			t.Errorf("%v failed attempts to %d dead subscriptions in %v: more than one per backoff round (%v rounds)", attempts, dead, time.Since(began), rounds)
		}

		waitFor(t, "the dead subscriptions disabled", func() bool {
			return scrape(t, a.handler)[`onboarding_webhooks_disabled_total`] == dead
		})
		w := a.do(t, "GET", hooks+deadIDs[0]+"/", a.staffT, nil).Object(t)
		if w["is_active"] != false || w["disabled_at"] == nil || w["failing_since"] == nil || w["consecutive_failures"].(float64) < 2 ||
			!strings.Contains(w["disabled_reason"].(string), "connection refused") {
			t.Fatalf("a disabled subscription reads %v", w)
		}
		if b := scrape(t, a.handler)[`onboarding_job_backlog{job="webhook_dispatcher"}`]; b != 0 {
			waitFor(t, "the backlog without the disabled subscriptions' deliveries", func() bool {
				return scrape(t, a.handler)[`onboarding_job_backlog{job="webhook_dispatcher"}`] == 0
			})
		}
		// Turned on again by staff: a fresh start, its deliveries still pending.
		res := a.do(t, "PATCH", hooks+deadIDs[0]+"/", a.staffT, map[string]any{"is_active": true})
		wantStatus(t, res, http.StatusOK)
		if w := res.Object(t); w["disabled_at"] != nil || w["consecutive_failures"] != 0.0 || w["failing_since"] != nil {
			t.Fatalf("turned on again: %v", w)
		}
	})
}
