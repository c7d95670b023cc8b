// Package metrics holds the service's Prometheus metrics, in a registry of
// its own (one per service instance, so tests can run several side by side).
// docs/operations.md lists every metric.
package metrics

import (
	"database/sql"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is every metric the service exports.
type Metrics struct {
	registry *prometheus.Registry

	httpRequests     *prometheus.CounterVec
	httpDuration     *prometheus.HistogramVec
	httpSeries       sync.Map // httpKey: httpSeries, looked up once per operation and status class
	registerCalls    *prometheus.CounterVec
	registerDuration *prometheus.HistogramVec
	breakerState     *prometheus.GaugeVec
	verifications    *prometheus.CounterVec
	jobRuns          *prometheus.CounterVec
	jobFailures      *prometheus.CounterVec
	jobBacklog       *prometheus.GaugeVec
	jobDuration      *prometheus.GaugeVec
	webhooksDisabled prometheus.Counter
	monitorChecks    *prometheus.CounterVec
	monitorAlerts    *prometheus.CounterVec
	monitorBacklog   prometheus.Gauge
}

// Outcomes of a monitoring check, the `outcome` label of
// onboarding_monitor_checks_total.
const (
	CheckUnchanged     = "unchanged"
	CheckChanged       = "changed"
	CheckRegisterError = "register_error"
)

// Background jobs, the `job` label of the job metrics.
const (
	JobSweeper    = "sweeper"
	JobDispatcher = "webhook_dispatcher"
)

// breakerStates are the values of onboarding_register_circuit_state.
var breakerStates = map[string]float64{"closed": 0, "half-open": 1, "open": 2}

// New returns the metrics, registered with the Go runtime and process
// collectors.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboarding_http_requests_total",
			Help: "HTTP requests answered, by openapi.yaml operationId (\"other\" outside the API) and status class (2xx, 4xx, 5xx).",
		}, []string{"operation", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "onboarding_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by operationId and status class.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation", "code"}),
		registerCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboarding_register_calls_total",
			Help: "Calls to business registers (retries included in one call), by validation method and outcome (ok, api_error, configuration_error, circuit_open, …).",
		}, []string{"method", "outcome"}),
		registerDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "onboarding_register_call_duration_seconds",
			Help:    "Duration of a business register call including retries, by validation method and outcome.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "outcome"}),
		breakerState: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "onboarding_register_circuit_state",
			Help: "Circuit breaker of each register: 0 closed, 1 half-open, 2 open.",
		}, []string{"method"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboarding_verifications_total",
			Help: "Validations finished by run_validation, by outcome (the verification's status: verified, failed, escalated).",
		}, []string{"outcome"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboarding_job_runs_total",
			Help: "Runs of a background job (sweeper, webhook_dispatcher).",
		}, []string{"job"}),
		jobFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboarding_job_failures_total",
			Help: "Failures of a background job: failed sweeper runs; failed webhook delivery attempts.",
		}, []string{"job"}),
		webhooksDisabled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "onboarding_webhooks_disabled_total",
			Help: "Webhook subscriptions the dispatcher disabled because their receiver kept failing (ONBOARDING_WEBHOOK_DISABLE_AFTER).",
		}),
		jobDuration: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "onboarding_job_duration_seconds",
			Help: "How long the job's last run took (a webhook dispatcher pass is bounded: see the webhooks documentation).",
		}, []string{"job"}),
		jobBacklog: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "onboarding_job_backlog",
			Help: "Work waiting when the job last ran: rows the sweeper found due; webhook deliveries not yet delivered or failed.",
		}, []string{"job"}),
		monitorChecks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboarding_monitor_checks_total",
			Help: "Monitoring checks done, by outcome (unchanged, changed, register_error: the register could not answer; retried later, never an alert).",
		}, []string{"outcome"}),
		monitorAlerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboarding_monitor_alerts_total",
			Help: "Monitoring alerts raised, by kind (condition, name, legal_form, representation).",
		}, []string{"kind"}),
		monitorBacklog: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "onboarding_monitor_backlog",
			Help: "Monitoring checks due (all replicas) when this replica last finished its due checks.",
		}),
	}
	m.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpRequests, m.httpDuration, m.registerCalls, m.registerDuration, m.breakerState, m.verifications,
		m.jobRuns, m.jobFailures, m.jobBacklog, m.jobDuration, m.webhooksDisabled, m.monitorChecks, m.monitorAlerts, m.monitorBacklog)
	for _, o := range []string{CheckUnchanged, CheckChanged, CheckRegisterError} {
		m.monitorChecks.WithLabelValues(o)
	}
	for _, job := range []string{JobSweeper, JobDispatcher} {
		m.jobRuns.WithLabelValues(job)
		m.jobFailures.WithLabelValues(job)
		m.jobBacklog.WithLabelValues(job)
		m.jobDuration.WithLabelValues(job)
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// WatchDB exports db's connection pool statistics as go_sql_* metrics.
func (m *Metrics) WatchDB(db *sql.DB) {
	m.registry.MustRegister(collectors.NewDBStatsCollector(db, "onboarding"))
}

type httpKey struct {
	operation string
	class     int // the status's first digit
}

type httpSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// HTTPRequest records one answered request.
func (m *Metrics) HTTPRequest(operation string, status int, elapsed time.Duration) {
	key := httpKey{operation, status / 100}
	series, ok := m.httpSeries.Load(key)
	if !ok {
		class := string(rune('0'+key.class)) + "xx"
		series, _ = m.httpSeries.LoadOrStore(key, httpSeries{
			m.httpRequests.WithLabelValues(operation, class), m.httpDuration.WithLabelValues(operation, class)})
	}
	series.(httpSeries).requests.Inc()
	series.(httpSeries).duration.Observe(elapsed.Seconds())
}

// RegisterCall implements validators.Observer.
func (m *Metrics) RegisterCall(method, outcome string, elapsed time.Duration) {
	m.registerCalls.WithLabelValues(method, outcome).Inc()
	m.registerDuration.WithLabelValues(method, outcome).Observe(elapsed.Seconds())
}

// BreakerState implements validators.Observer.
func (m *Metrics) BreakerState(method, state string) {
	m.breakerState.WithLabelValues(method).Set(breakerStates[state])
}

// Verification records a finished validation.
func (m *Metrics) Verification(outcome string) { m.verifications.WithLabelValues(outcome).Inc() }

// JobRun records one run of a background job, its backlog, whether it
// failed and how long it took.
func (m *Metrics) JobRun(job string, backlog int, failed bool, took time.Duration) {
	m.jobRuns.WithLabelValues(job).Inc()
	m.jobDuration.WithLabelValues(job).Set(took.Seconds())
	m.jobBacklog.WithLabelValues(job).Set(float64(backlog))
	if failed {
		m.jobFailures.WithLabelValues(job).Inc()
	}
}

// WebhookDisabled counts a subscription the dispatcher disabled.
func (m *Metrics) WebhookDisabled() { m.webhooksDisabled.Inc() }

// JobFailures adds n failures of job (e.g. failed delivery attempts).
func (m *Metrics) JobFailures(job string, n int) { m.jobFailures.WithLabelValues(job).Add(float64(n)) }

// MonitorCheck records one monitoring check.
func (m *Metrics) MonitorCheck(outcome string) { m.monitorChecks.WithLabelValues(outcome).Inc() }

// MonitorAlert records one alert raised.
func (m *Metrics) MonitorAlert(kind string) { m.monitorAlerts.WithLabelValues(kind).Inc() }

// MonitorBacklog records how many checks are due.
func (m *Metrics) MonitorBacklog(n int) { m.monitorBacklog.Set(float64(n)) }
