package server_test

import (
	"math"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/internal/testnet"
	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// cpuTime is the CPU time this process has used.
func cpuTime(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

const dead, deadEvents = 20, 60

// deadReceiversConfig retries fast, so the backoff shows within seconds.
var deadReceiversConfig = server.Config{WebhookInterval: 5 * time.Millisecond, WebhookRetryBase: 20 * time.Millisecond,
	WebhookRetryFor: time.Hour, WebhookDisableAfter: 2 * time.Second}

// deadReceivers is what the dispatcher did with dead subscriptions beside
// a healthy one (deadReceiversScenario).
type deadReceivers struct {
	ids      []string      // the dead subscriptions
	healthy  time.Duration // until the healthy receiver had all its events
	passes   float64       // dispatcher passes in the measured second, when only backed-off receivers were left
	cpu      time.Duration // the process's CPU time in that second
	slowest  float64       // the longest pass seen then, in seconds
	backlog  float64       // the recorded backlog
	disabled float64       // subscriptions disabled by then
	attempts float64       // failed attempts so far
	elapsed  time.Duration // since the dispatcher started
}

// deadReceiversScenario subscribes dead receivers (connections refused)
// with deadEvents deliveries each, then a healthy receiver with as many,
// runs the dispatcher until the healthy one has them all, and measures one
// second of the dispatcher with only backed-off receivers left.
func deadReceiversScenario(t testing.TB, a *api) deadReceivers {
	var out deadReceivers
	for range dead {
		res := a.do(t, "POST", hooks, a.staffT, map[string]any{"url": "http://" + testnet.RefusedAddr(t) + "/hook", "event_kinds": []string{"verification.created"}})
		wantStatus(t, res, http.StatusCreated)
		out.ids = append(out.ids, res.Object(t)["uuid"].(string))
	}
	for range deadEvents {
		wantStatus(t, a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE"}), http.StatusOK)
	}
	r := newReceiver(t) // subscribed after the backlog: its deliveries come last in time
	subscribe(t, a, r, []string{"verification.created"})
	for range deadEvents {
		wantStatus(t, a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE"}), http.StatusOK)
	}
	began := time.Now()
	dispatch(t, a.server)
	waitFor(t, "the healthy receiver's events", func() bool { return len(r.payloads()) == deadEvents })
	out.healthy = time.Since(began)

	m := scrape(t, a.handler)
	runs0 := m[`onboarding_job_runs_total{job="webhook_dispatcher"}`]
	cpu0, wall0 := cpuTime(t), time.Now()
	for time.Since(wall0) < time.Second {
		m := scrape(t, a.handler)
		out.slowest = max(out.slowest, m[`onboarding_job_duration_seconds{job="webhook_dispatcher"}`])
		time.Sleep(50 * time.Millisecond)
	}
	out.cpu = cpuTime(t) - cpu0
	m = scrape(t, a.handler)
	out.passes = m[`onboarding_job_runs_total{job="webhook_dispatcher"}`] - runs0
	out.backlog = m[`onboarding_job_backlog{job="webhook_dispatcher"}`]
	out.disabled = m[`onboarding_webhooks_disabled_total`]
	out.attempts = m[`onboarding_job_failures_total{job="webhook_dispatcher"}`]
	out.elapsed = time.Since(began)
	return out
}

// TestDispatcherDeadReceivers: subscriptions whose receivers refuse
// connections, with a backlog of deliveries, do not starve a healthy
// subscription; each is probed with one delivery at growing intervals and
// disabled after WebhookDisableAfter (visible in the API and the
// metrics); every pass ends within its bounds and is recorded with the
// true backlog. BenchmarkDispatcherDeadReceivers measures its CPU.
func TestDispatcherDeadReceivers(t *testing.T) {
	t.Parallel()
	forEachDBWith(t, deadReceiversConfig, func(t *testing.T, a *api) {
		got := deadReceiversScenario(t, a)
		t.Logf("%+v", got)
		// The backlog counts the deliveries of the subscriptions still active
		// when the last pass ended: every dead one's, unless a slow machine
		// reached WebhookDisableAfter for some before the scrape.
		perSubscription := float64(2 * deadEvents)
		if got.passes < 5 || math.Mod(got.backlog, perSubscription) != 0 || got.backlog > dead*perSubscription || got.backlog < (dead-got.disabled)*perSubscription {
			t.Errorf("%v passes recorded in a second, backlog %v with %v disabled; want passes and %v deliveries for each active dead subscription",
				got.passes, got.backlog, got.disabled, perSubscription)
		}
		if got.slowest > 5 {
			t.Errorf("a pass took %.3fs, past the 5 s after which it claims no more", got.slowest)
		}
		// Probes only: a first claim of 10 deliveries, then one attempt per
		// round, rounds at least 10 ms·2^(k-1) apart (20 ms doubled, jitter
		// in the upper half).
		rounds := math.Ceil(math.Log2(2*got.elapsed.Seconds()/0.02 + 1))
		if got.attempts > dead*(10+rounds) {
			t.Errorf("%v failed attempts to %d dead subscriptions in %v: more than one per backoff round (%v rounds)", got.attempts, dead, got.elapsed, rounds)
		}

		waitFor(t, "the dead subscriptions disabled", func() bool {
			return scrape(t, a.handler)[`onboarding_webhooks_disabled_total`] == dead
		})
		w := a.do(t, "GET", hooks+got.ids[0]+"/", a.staffT, nil).Object(t)
		if w["is_active"] != false || w["disabled_at"] == nil || w["failing_since"] == nil || w["consecutive_failures"].(float64) < 2 ||
			!strings.Contains(w["disabled_reason"].(string), "connection refused") {
			t.Fatalf("a disabled subscription reads %v", w)
		}
		waitFor(t, "a backlog without the disabled subscriptions' deliveries", func() bool {
			return scrape(t, a.handler)[`onboarding_job_backlog{job="webhook_dispatcher"}`] == 0
		})
		// Turned on again by staff: a fresh start, its deliveries still pending.
		res := a.do(t, "PATCH", hooks+got.ids[0]+"/", a.staffT, map[string]any{"is_active": true})
		wantStatus(t, res, http.StatusOK)
		if w := res.Object(t); w["disabled_at"] != nil || w["consecutive_failures"] != 0.0 || w["failing_since"] != nil {
			t.Fatalf("turned on again: %v", w)
		}
	})
}

// BenchmarkDispatcherDeadReceivers measures the dispatcher while 20 dead
// receivers back off with 2,400 deliveries waiting: CPU per pass and the
// slowest pass; it fails past 10 ms of CPU per pass (1 % of a core at the
// default 1 s interval) or a pass of 1 s. On PostgreSQL when
// ONBOARDING_TEST_DATABASE_URL is set, else SQLite:
//
//	go test ./server -run '^$' -bench DispatcherDeadReceivers -benchtime 1x
func BenchmarkDispatcherDeadReceivers(b *testing.B) {
	var s *store.Store
	if os.Getenv(storetest.EnvURL) != "" {
		s = storetest.Postgres(b)
	} else {
		s = storetest.SQLite(b)
	}
	for range b.N {
		a := newAPI(b, s, deadReceiversConfig)
		got := deadReceiversScenario(b, a)
		perPass := got.cpu / time.Duration(max(got.passes, 1))
		b.ReportMetric(float64(perPass.Microseconds())/1000, "cpu-ms/pass")
		b.ReportMetric(got.slowest*1000, "slowest-pass-ms")
		b.Logf("healthy receiver served in %v; then %v passes in a second used %v of CPU (%v per pass: %.2f%% of a core at the default 1 s interval); slowest pass %.3fs; backlog %v; %v failed attempts",
			got.healthy.Round(time.Millisecond), got.passes, got.cpu.Round(time.Millisecond), perPass.Round(time.Microsecond), 100*perPass.Seconds(), got.slowest, got.backlog, got.attempts)
		if perPass > 10*time.Millisecond || got.slowest > 1 {
			b.Errorf("%v of CPU per pass, slowest pass %.3fs: want at most 10 ms and 1 s", perPass, got.slowest)
		}
	}
}
