package server_test

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/server"
)

// scrape GETs /metrics from h without a token and returns each series
// ("name{labels}") with its value.
func scrape(t testing.TB, h http.Handler) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(rec.Body.Bytes()))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// wantMetric fails unless series has value want.
func wantMetric(t *testing.T, got map[string]float64, series string, want float64) {
	t.Helper()
	if v, ok := got[series]; !ok || v != want {
		t.Errorf("%s = %v (present: %v), want %v", series, v, ok, want)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		startAndRun(t, a, map[string]any{"country": "EE", "legal_person_identifier": "12417834", "person_identifier": estonianPerson})
		startAndRun(t, a, map[string]any{"country": "EE", "legal_person_identifier": "10000001", "person_identifier": estonianPerson})
		wantStatus(t, a.do(t, "POST", start, "", map[string]any{"country": "EE"}), http.StatusUnauthorized)
		wantStatus(t, a.do(t, "POST", start, a.aliceT, map[string]any{"country": 1}), http.StatusBadRequest)
		wantStatus(t, a.do(t, "GET", "/nowhere", "", nil), http.StatusNotFound)
		// The register answers 500 every time: after 5 failed calls its
		// circuit opens, and the sixth call does not reach it.
		for range 6 {
			startAndRun(t, a, map[string]any{"country": "EE", "legal_person_identifier": "10000047", "person_identifier": estonianPerson})
		}

		m := scrape(t, a.handler)
		op := func(id, class string) string {
			return `onboarding_http_requests_total{code="` + class + `",operation="` + id + `"}`
		}
		wantMetric(t, m, op("onboarding_verifications_start_verification", "2xx"), 8)
		wantMetric(t, m, op("onboarding_verifications_start_verification", "4xx"), 2)
		wantMetric(t, m, op("onboarding_verifications_run_validation", "2xx"), 8)
		wantMetric(t, m, op("other", "4xx"), 1)
		wantMetric(t, m, `onboarding_http_request_duration_seconds_count{code="2xx",operation="onboarding_verifications_run_validation"}`, 8)
		wantMetric(t, m, `onboarding_register_calls_total{method="ariregister",outcome="ok"}`, 2)
		wantMetric(t, m, `onboarding_register_calls_total{method="ariregister",outcome="api_error"}`, 5)
		wantMetric(t, m, `onboarding_register_calls_total{method="ariregister",outcome="circuit_open"}`, 1)
		wantMetric(t, m, `onboarding_register_call_duration_seconds_count{method="ariregister",outcome="ok"}`, 2)
		wantMetric(t, m, `onboarding_register_circuit_state{method="ariregister"}`, 2)
		wantMetric(t, m, `onboarding_register_circuit_state{method="prh"}`, 0)
		wantMetric(t, m, `onboarding_verifications_total{outcome="verified"}`, 1)
		wantMetric(t, m, `onboarding_verifications_total{outcome="failed"}`, 1)
		wantMetric(t, m, `onboarding_verifications_total{outcome="escalated"}`, 6)
		if _, ok := m[`go_sql_max_open_connections{db_name="onboarding"}`]; !ok {
			t.Errorf("no database pool statistics")
		}
		if m[`go_sql_wait_count_total{db_name="onboarding"}`] < 0 || m[`onboarding_job_runs_total{job="sweeper"}`] != 0 {
			t.Errorf("pool wait count or sweeper runs wrong: %v %v", m[`go_sql_wait_count_total{db_name="onboarding"}`], m[`onboarding_job_runs_total{job="sweeper"}`])
		}
	})
}

// TestMetricsSweeper: each sweeper run is counted, with the rows it found due.
func TestMetricsSweeper(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{SweepInterval: time.Hour})
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	for range 3 {
		wantStatus(t, a.do(t, "POST", base, a.staffT, map[string]any{"user": a.alice.ID, "country": "EE", "expires_at": past}), http.StatusCreated)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.server.Sweep(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for scrape(t, a.handler)[`onboarding_job_runs_total{job="sweeper"}`] < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the sweeper run was not counted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-done
	m := scrape(t, a.handler)
	wantMetric(t, m, `onboarding_job_runs_total{job="sweeper"}`, 1)
	wantMetric(t, m, `onboarding_job_backlog{job="sweeper"}`, 3)
	wantMetric(t, m, `onboarding_job_failures_total{job="sweeper"}`, 0)
}

// TestMetricsSeparateAddr: with MetricsAddr set, /metrics is not on the API
// handler but on MetricsHandler, and needs no token on either; Go's
// profiles (/debug/pprof/) are only ever there.
func TestMetricsSeparateAddr(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{MetricsAddr: "127.0.0.1:0"})
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("/metrics on the API listener: %d", rec.Code)
	}
	wantStatus(t, a.do(t, "GET", "/healthz", "", nil), http.StatusOK)
	m := scrape(t, a.server.MetricsHandler())
	wantMetric(t, m, `onboarding_http_requests_total{code="2xx",operation="healthz"}`, 1)
	wantMetric(t, m, `onboarding_http_requests_total{code="4xx",operation="other"}`, 1)

	// Go's profiles are on the metrics listener only.
	rec = httptest.NewRecorder()
	a.server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/debug/pprof/heap?debug=1", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "heap profile") {
		t.Fatalf("/debug/pprof/heap on the metrics listener: %d %.100s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	a.handler.ServeHTTP(rec, httptest.NewRequest("GET", "/debug/pprof/heap", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("/debug/pprof/heap on the API listener: %d", rec.Code)
	}
}
