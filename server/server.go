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
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"

	"github.com/onboarding-kyb/onboarding"
	"github.com/onboarding-kyb/onboarding/gen"
	"github.com/onboarding-kyb/onboarding/metrics"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/validators"
)

// Config is the server's configuration; ConfigFromEnv documents each
// variable.
type Config struct {
	Addr            string        // ONBOARDING_ADDR
	MaxBodyBytes    int64         // ONBOARDING_MAX_BODY_BYTES
	MaxUploadBytes  int64         // ONBOARDING_MAX_UPLOAD_BYTES, for submit_answers
	VerificationTTL time.Duration // ONBOARDING_VERIFICATION_TTL
	SweepInterval   time.Duration // ONBOARDING_SWEEP_INTERVAL
	Retention       time.Duration // ONBOARDING_RETENTION
	MetricsAddr     string        // ONBOARDING_METRICS_ADDR: where /metrics is served; empty: on Addr
	IdempotencyTTL  time.Duration // ONBOARDING_IDEMPOTENCY_TTL: how long a response is kept for its Idempotency-Key
	IdempotencyWait time.Duration // ONBOARDING_IDEMPOTENCY_WAIT: how long a repeat waits for the first request before 409
}

// ConfigFromEnv reads ONBOARDING_ADDR (default :8080),
// ONBOARDING_MAX_BODY_BYTES (default 1 MiB), ONBOARDING_MAX_UPLOAD_BYTES
// (the limit of submit_answers, whose files come base64-encoded; default
// 32 MiB), ONBOARDING_VERIFICATION_TTL (how long a started verification
// lives, default 48h), ONBOARDING_SWEEP_INTERVAL (how often expired rows are
// swept, default 1m) and ONBOARDING_RETENTION (how long failed and expired
// verifications are kept, default 720h), ONBOARDING_METRICS_ADDR (a
// separate listener for GET /metrics; unset, /metrics is on the main one),
// ONBOARDING_IDEMPOTENCY_TTL (how long a response is replayed for its
// Idempotency-Key, default 24h) and ONBOARDING_IDEMPOTENCY_WAIT (how long a
// repeat waits for the first request with its key to finish before
// answering 409, default 10s).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{Addr: getenv("ONBOARDING_ADDR"), MetricsAddr: getenv("ONBOARDING_METRICS_ADDR")}.withDefaults()
	for name, d := range map[string]*time.Duration{"ONBOARDING_VERIFICATION_TTL": &cfg.VerificationTTL,
		"ONBOARDING_SWEEP_INTERVAL": &cfg.SweepInterval, "ONBOARDING_RETENTION": &cfg.Retention,
		"ONBOARDING_IDEMPOTENCY_TTL": &cfg.IdempotencyTTL, "ONBOARDING_IDEMPOTENCY_WAIT": &cfg.IdempotencyWait} {
		if v := getenv(name); v != "" {
			parsed, err := time.ParseDuration(v)
			if err != nil || parsed <= 0 {
				return cfg, fmt.Errorf("%s: %q is not a positive duration such as 48h", name, v)
			}
			*d = parsed
		}
	}
	for name, limit := range map[string]*int64{"ONBOARDING_MAX_BODY_BYTES": &cfg.MaxBodyBytes, "ONBOARDING_MAX_UPLOAD_BYTES": &cfg.MaxUploadBytes} {
		if v := getenv(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return cfg, fmt.Errorf("%s: %q is not a positive number of bytes", name, v)
			}
			*limit = n
		}
	}
	return cfg, nil
}

// withDefaults fills what is unset.
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = ":8080"
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = 32 << 20
	}
	if c.VerificationTTL <= 0 {
		c.VerificationTTL = 48 * time.Hour
	}
	if c.SweepInterval <= 0 {
		c.SweepInterval = time.Minute
	}
	if c.Retention <= 0 {
		c.Retention = 30 * 24 * time.Hour
	}
	if c.IdempotencyTTL <= 0 {
		c.IdempotencyTTL = 24 * time.Hour
	}
	if c.IdempotencyWait <= 0 {
		c.IdempotencyWait = 10 * time.Second
	}
	return c
}

// Server implements gen.StrictServerInterface, serves the whole HTTP API
// and runs the background jobs (Sweep).
type Server struct {
	cfg       Config
	store     *store.Store
	registers *validators.Registry
	logger    *slog.Logger
	customer  *openapi3.Schema // openapi.yaml's Customer, which create_customer checks a new customer against
	anonymous map[string]bool  // paths openapi.yaml declares with `security: []`
	metrics   *metrics.Metrics
	handler   http.Handler
}

var _ gen.StrictServerInterface = (*Server)(nil)

// New returns the service: an http.Handler of the whole API, with its
// metrics (register calls and the database pool included).
func New(cfg Config, s *store.Store, registers *validators.Registry, logger *slog.Logger) (*Server, error) {
	cfg = cfg.withDefaults()
	srv := &Server{cfg: cfg, store: s, registers: registers, logger: logger, metrics: metrics.New()}
	srv.metrics.WatchDB(s.DB())
	registers.Observe(srv.metrics)
	spec, err := openapi3.NewLoader().LoadFromData(onboarding.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	srv.customer = spec.Components.Schemas["Customer"].Value
	srv.anonymous = anonymousPaths(spec)
	validate, err := validateRequests(spec)
	if err != nil {
		return nil, err
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(logger)
	e.Use(
		middleware.RequestID(),
		countRequests(spec, srv.metrics),
		requestLogger(logger),
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true}),
		bodyLimit(cfg),
		srv.authenticate,
		validate,
		srv.idempotent,
	)
	gen.RegisterHandlers(e, gen.NewStrictHandler(srv, nil))
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

// MetricsHandler serves GET /metrics, for a listener on cfg.MetricsAddr.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	return mux
}

// countRequests records each request's operationId, status class and
// latency.
func countRequests(spec *openapi3.T, m *metrics.Metrics) echo.MiddlewareFunc {
	operations := map[string]string{} // "METHOD /echo/:path/" → operationId
	for path, item := range spec.Paths.Map() {
		echoPath := strings.NewReplacer("{", ":", "}", "").Replace(path)
		for method, op := range item.Operations() {
			operations[method+" "+echoPath] = op.OperationID
		}
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err)
			}
			op, ok := operations[c.Request().Method+" "+c.Path()]
			if !ok {
				op = "other"
			}
			m.HTTPRequest(op, c.Response().Status, time.Since(start))
			return nil
		}
	}
}

// bodyLimit answers 413 past MaxBodyBytes, or past MaxUploadBytes for
// submit_answers and attach_document, which carry files.
func bodyLimit(cfg Config) echo.MiddlewareFunc {
	isUpload := func(c echo.Context) bool {
		p := c.Request().URL.Path
		return strings.HasSuffix(p, "/submit_answers/") || strings.HasSuffix(p, "/attach_document/")
	}
	small := middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Skipper: isUpload, Limit: strconv.FormatInt(cfg.MaxBodyBytes, 10) + "B"})
	large := middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Skipper: func(c echo.Context) bool { return !isUpload(c) }, Limit: strconv.FormatInt(cfg.MaxUploadBytes, 10) + "B"})
	return func(next echo.HandlerFunc) echo.HandlerFunc { return small(large(next)) }
}

// requestLogger logs one JSON line per request with its request id.
func requestLogger(logger *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURIPath: true, LogMethod: true, LogLatency: true, LogRequestID: true,
		HandleError: true, // let the error handler set the status before we log it
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			logger.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("request_id", v.RequestID), slog.String("method", v.Method),
				slog.String("path", v.URIPath), slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency))
			return nil
		},
	})
}

// Serve serves h on ln until ctx is done, then stops accepting and lets
// in-flight requests finish (up to 30 s).
func Serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
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
