// Package server implements the generated strict-server interface of
// openapi.yaml on top of store/ and validators/.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"
	"golang.org/x/sync/semaphore"

	"github.com/onboarding-kyb/onboarding"
	"github.com/onboarding-kyb/onboarding/console"
	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
	"github.com/onboarding-kyb/onboarding/metrics"
	"github.com/onboarding-kyb/onboarding/monitor"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/validators"
)

// Config is the server's configuration. The env tags name the variables
// (docs/operations.md's Configuration table gives their meaning) and their
// defaults; package config reads them, and withDefaults fills what a
// caller left zero from the same tags.
type Config struct {
	Addr              string        `env:"ONBOARDING_ADDR" envDefault:":8080"`
	MaxBodyBytes      int64         `env:"ONBOARDING_MAX_BODY_BYTES" envDefault:"1048576"`       // any JSON body
	MaxUploadBytes    int64         `env:"ONBOARDING_MAX_UPLOAD_BYTES" envDefault:"33554432"`    // ceiling of submit_answers, whose limit comes from its checklist
	UploadMemory      int64         `env:"ONBOARDING_UPLOAD_MEMORY_BYTES" envDefault:"16777216"` // upload bodies held in memory at once, all requests together
	MaxDocuments      int64         `env:"ONBOARDING_MAX_DOCUMENTS" envDefault:"10"`             // documents per justification
	MaxDocumentsSum   int64         `env:"ONBOARDING_MAX_DOCUMENTS_BYTES" envDefault:"52428800"` // total size of one justification's documents
	VerificationTTL   time.Duration `env:"ONBOARDING_VERIFICATION_TTL" envDefault:"48h"`
	SweepInterval     time.Duration `env:"ONBOARDING_SWEEP_INTERVAL" envDefault:"1m"`
	Retention         time.Duration `env:"ONBOARDING_RETENTION" envDefault:"720h"`
	DBTimeout         time.Duration `env:"ONBOARDING_DB_TIMEOUT" envDefault:"5s"` // a request's database work
	ReadHeaderTimeout time.Duration `env:"ONBOARDING_READ_HEADER_TIMEOUT" envDefault:"10s"`
	ReadTimeout       time.Duration `env:"ONBOARDING_READ_TIMEOUT" envDefault:"1m"`        // headers and body
	WriteTimeout      time.Duration `env:"ONBOARDING_WRITE_TIMEOUT" envDefault:"2m"`       // from the end of the headers to the end of the response
	IdleTimeout       time.Duration `env:"ONBOARDING_IDLE_TIMEOUT" envDefault:"2m"`        // an idle keep-alive connection
	MetricsAddr       string        `env:"ONBOARDING_METRICS_ADDR"`                        // where /metrics is served; empty: on Addr
	IdempotencyTTL    time.Duration `env:"ONBOARDING_IDEMPOTENCY_TTL" envDefault:"24h"`    // how long a response is kept for its Idempotency-Key
	IdempotencyWait   time.Duration `env:"ONBOARDING_IDEMPOTENCY_WAIT" envDefault:"10s"`   // how long a repeat waits for the first request before 409
	WebhookInterval   time.Duration `env:"ONBOARDING_WEBHOOK_INTERVAL" envDefault:"1s"`    // how often the dispatcher looks for due deliveries
	WebhookRetryBase  time.Duration `env:"ONBOARDING_WEBHOOK_RETRY_BASE" envDefault:"30s"` // the first retry's delay, doubled each time
	WebhookRetryFor   time.Duration `env:"ONBOARDING_WEBHOOK_RETRY_FOR" envDefault:"24h"`  // how long a delivery is retried before it fails
	// How long a subscription's receiver may keep failing before the dispatcher disables it.
	WebhookDisableAfter time.Duration `env:"ONBOARDING_WEBHOOK_DISABLE_AFTER" envDefault:"72h"`
	TokenTTL            time.Duration `env:"ONBOARDING_TOKEN_TTL"` // how long an API token works after it was issued; 0: until revoked
	// Networks inside which webhooks may still be sent: loopback,
	// link-local, private and unique-local addresses are refused otherwise.
	WebhookAllowedNetworks Networks `env:"ONBOARDING_WEBHOOK_ALLOWED_NETWORKS"`

	// The review console (/console/).
	PublicURL      string        `env:"ONBOARDING_PUBLIC_URL"`                             // the address people use; https: the session cookie is Secure
	SessionIdle    time.Duration `env:"ONBOARDING_CONSOLE_IDLE_TIMEOUT" envDefault:"30m"`  // a console session unused this long ends
	SessionMax     time.Duration `env:"ONBOARDING_CONSOLE_SESSION_MAX" envDefault:"12h"`   // a console session ends this long after sign-in
	ClaimTimeout   time.Duration `env:"ONBOARDING_CONSOLE_CLAIM_TIMEOUT" envDefault:"30m"` // a reviewer's claim on a case lapses after this
	ApproveReasons []string      `env:"ONBOARDING_CONSOLE_APPROVE_REASONS" envSeparator:";" envDefault:"Documents show the right to represent;The register lags behind;Other"`
	RejectReasons  []string      `env:"ONBOARDING_CONSOLE_REJECT_REASONS" envSeparator:";" envDefault:"Documents do not show the right to represent;Company not live at the register;Suspected fraud;Other"`

	// PageWindow is how many rows of the verification list its next links
	// number by page before they carry a cursor (0: store.PageWindow; tests
	// lower it). Page numbers past it are served all the same.
	PageWindow int

	// Ongoing monitoring of onboarded companies (docs/monitoring.md).
	Monitor monitor.Config
}

// withDefaults fills the fields left zero from their envDefault tags.
func (c Config) withDefaults() Config {
	if err := env.ParseWithOptions(&c, env.Options{Environment: map[string]string{}, SetDefaultsForZeroValuesOnly: true}); err != nil {
		panic(fmt.Sprintf("server.Config's envDefault tags: %v", err)) // a programming error, caught by every test
	}
	if c.PageWindow <= 0 { // not a setting: tests lower it
		c.PageWindow = store.PageWindow
	}
	return c
}

// Server implements gen.StrictServerInterface, serves the whole HTTP API
// and runs the background jobs (Sweep, Dispatch).
type Server struct {
	cfg       Config
	store     *store.Store
	registers *validators.Registry
	logger    *slog.Logger
	customer  *openapi3.Schema // openapi.yaml's Customer, which create_customer checks a new customer against
	anonymous map[string]bool  // paths openapi.yaml declares with `security: []`
	metrics   *metrics.Metrics
	handler   http.Handler
	uploads   *semaphore.Weighted // UploadMemory: bytes of upload bodies being read or processed
	pages     *console.Pages      // the review console's pages
	clock     domain.Clock        // the store's
	webhooks  *http.Client        // sends deliveries to allowed targets only
	monitor   *monitor.Monitor
}

var _ gen.StrictServerInterface = (*Server)(nil)

// New returns the service: an http.Handler of the whole API, with its
// metrics (register calls and the database pool included).
func New(cfg Config, s *store.Store, registers *validators.Registry, logger *slog.Logger) (*Server, error) {
	cfg = cfg.withDefaults()
	// A run_validation holds its claim for RunClaimTimeout; a run allowed
	// longer could be taken over while it still runs.
	if d := registers.Budget() + cfg.DBTimeout; d >= domain.RunClaimTimeout {
		return nil, fmt.Errorf("a validation may take %s (the largest ONBOARDING_<METHOD>_BUDGET plus ONBOARDING_DB_TIMEOUT); it must stay under %s, how long a run holds its claim", d, domain.RunClaimTimeout)
	}
	srv := &Server{cfg: cfg, store: s, registers: registers, logger: logger, metrics: metrics.New(),
		uploads: semaphore.NewWeighted(cfg.UploadMemory), clock: s.Clock(), webhooks: newWebhookClient(cfg.WebhookAllowedNetworks)}
	srv.monitor = monitor.New(cfg.Monitor, s, registers, srv.metrics, logger)
	srv.metrics.WatchDB(s.DB())
	registers.Observe(srv.metrics)
	s.SetWebhookPayload(webhookPayload)
	spec, err := openapi3.NewLoader().LoadFromData(onboarding.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	srv.customer = spec.Components.Schemas["Customer"].Value
	srv.anonymous = anonymousPaths(spec)
	routes := routesOf(spec)
	validate := validateRequests(routes)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(logger)
	e.Use(
		middleware.RequestID(),
		countRequests(routes, srv.metrics),
		requestLogger(logger),
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true}),
		srv.authenticate,
		authorize(routes),
		srv.limitBody,
		validate,
		srv.idempotent,
		srv.withDBDeadline,
	)
	gen.RegisterHandlers(e, gen.NewStrictHandler(srv, nil))
	if err := srv.mountConsole(e); err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	e.GET("/api/schema/", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", onboarding.OpenAPI)
	})
	docs := echo.WrapHandler(v5emb.NewHandlerWithConfig(swgui.Config{
		Title: "Onboarding verifications API", SwaggerJSON: "/api/schema/", BasePath: "/api/docs/",
		// x-go-type, x-enum-varnames and the like are for generators, not readers.
		SettingsUI: map[string]string{"showExtensions": "false"},
	}))
	e.GET("/api/docs", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/api/docs/") })
	e.GET("/api/docs/*", docs)
	if cfg.MetricsAddr == "" {
		e.GET("/metrics", echo.WrapHandler(srv.metrics.Handler()))
	}
	srv.handler = e
	return srv, nil
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// MetricsHandler serves GET /metrics and Go's profiles (/debug/pprof/), for a
// listener on cfg.MetricsAddr: profiles are for operators, never on the API
// listener.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	return mux
}

// routeTable maps each operation of the spec to Echo's route of it: the
// method and the path with its parameters as ":param" (c.Path() once Echo
// has routed a request).
type routeTable map[routeKey]*routers.Route

type routeKey struct{ method, path string }

func routesOf(spec *openapi3.T) routeTable {
	spec.Servers = nil // else kin-openapi matches the Host header too
	routes := routeTable{}
	for path, item := range spec.Paths.Map() {
		echoPath := strings.NewReplacer("{", ":", "}", "").Replace(path)
		for method, op := range item.Operations() {
			routes[routeKey{method, echoPath}] = &routers.Route{Spec: spec, Path: path, PathItem: item, Method: method, Operation: op}
		}
	}
	return routes
}

// of is the operation Echo routed c to; nil for a path the spec does not
// declare (documentation, metrics, a 404).
func (t routeTable) of(c echo.Context) *routers.Route {
	return t[routeKey{c.Request().Method, c.Path()}]
}

// countRequests records each request's operationId, status class and
// latency.
func countRequests(routes routeTable, m *metrics.Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			op := "other"
			if route := routes.of(c); route != nil {
				op = route.Operation.OperationID
			}
			status := c.Response().Status
			if isClientGone(err) {
				status = statusClientClosed // the client went away: nothing was answered
			}
			m.HTTPRequest(op, status, time.Since(start))
			return nil
		}
	}
}

// requestLogger logs one JSON line per request with its request id.
func requestLogger(logger *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURIPath: true, LogMethod: true, LogLatency: true, LogRequestID: true, LogError: true,
		HandleError: true, // let the error handler set the status before we log it
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			if isClientGone(v.Error) {
				v.Status = statusClientClosed
			}
			ctx := c.Request().Context()
			if !logger.Enabled(ctx, slog.LevelInfo) {
				return nil
			}
			// A record without the caller's PC, which LogAttrs would look up
			// on every request for a source the handler does not print.
			r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
			r.AddAttrs(slog.String("request_id", v.RequestID), slog.String("method", v.Method),
				slog.String("path", v.URIPath), slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency))
			_ = logger.Handler().Handle(ctx, r) // as LogAttrs: a log that cannot be written fails no request
			return nil
		},
	})
}

// Serve serves h on ln until ctx is done, then stops accepting and lets
// in-flight requests finish (up to 30 s). cfg gives the connection
// timeouts.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, cfg Config, logger *slog.Logger) error {
	cfg = cfg.withDefaults()
	hs := &http.Server{Handler: h, ReadHeaderTimeout: cfg.ReadHeaderTimeout, ReadTimeout: cfg.ReadTimeout,
		WriteTimeout: cfg.WriteTimeout, IdleTimeout: cfg.IdleTimeout, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelInfo)}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Config is the configuration the server runs with, defaults filled.
func (s *Server) Config() Config { return s.cfg }
