package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/onboarding-kyb/onboarding/domain"
)

type ctxKey int

const stateKey ctxKey = 0

// requestState is what the middleware learns of a request for the code
// after it: one context value, set once (authenticate) and filled in as the
// request passes, so each step costs no copy of the request.
type requestState struct {
	request     *http.Request
	id          string
	user        *domain.User
	queryParams []string      // the operation's query parameter names, which the Link header may echo
	dbSpent     time.Duration // database time spent before withDBDeadline (the token lookup, the body limit's lookup)
	hasDeadline bool          // the context has the request's database deadline (a read's, from authenticate)
}

// stateOf is ctx's requestState; an empty one outside a request.
func stateOf(ctx context.Context) *requestState {
	if st, ok := ctx.Value(stateKey).(*requestState); ok {
		return st
	}
	return &requestState{}
}

// authenticate implements DRF's TokenAuthentication: "Authorization: Token
// <key>". It puts the user and the request into the context the strict
// handlers receive.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		st := &requestState{request: r, id: c.Response().Header().Get(echo.HeaderXRequestID)}
		ctx := context.WithValue(r.Context(), stateKey, st)
		public := isPublic(r.URL.Path)
		// A read has no body to wait for and no Idempotency-Key: the
		// database deadline can start now, one context for the request.
		if !public && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, s.dbTimeout(r.URL.Path))
			defer cancel()
			st.hasDeadline = true
		}
		c.SetRequest(r.WithContext(ctx))
		if public || s.anonymous[r.URL.Path] {
			return next(c)
		}
		scheme, key, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if !strings.EqualFold(scheme, "Token") {
			return domain.Errorf(domain.EUnauthorized, "Authentication credentials were not provided.")
		}
		key = strings.TrimSpace(key)
		if key == "" || strings.ContainsAny(key, " \t") {
			return domain.Errorf(domain.EUnauthorized, "Invalid token header.")
		}
		var issuedAfter time.Time // ONBOARDING_TOKEN_TTL: older tokens no longer work
		if s.cfg.TokenTTL > 0 {
			issuedAfter = s.clock.Now().Add(-s.cfg.TokenTTL)
		}
		err := s.beforeDeadline(ctx, func(ctx context.Context) (err error) {
			st.user, err = s.store.UserByToken(ctx, key, issuedAfter)
			return err
		})
		if domain.CodeOf(err) == domain.ENotFound {
			return domain.Errorf(domain.EUnauthorized, "Invalid token.")
		}
		if err != nil {
			return err
		}
		return next(c)
	}
}

// isPublic: paths that need no token and no request validation.
func isPublic(path string) bool {
	return path == "/healthz" || path == "/readyz" || path == "/api/schema/" ||
		strings.HasPrefix(path, "/api/docs") || !strings.HasPrefix(path, "/api/")
}

// anonymousPaths are the paths whose every operation openapi.yaml declares
// with `security: []`: they need no token.
func anonymousPaths(spec *openapi3.T) map[string]bool {
	out := map[string]bool{}
	for path, item := range spec.Paths.Map() {
		open := len(item.Operations()) > 0
		for _, op := range item.Operations() {
			open = open && op.Security != nil && len(*op.Security) == 0
		}
		if open && !strings.Contains(path, "{") {
			out[path] = true
		}
	}
	return out
}

// currentUser is the authenticated user; authenticate guarantees one on
// every non-public route.
func currentUser(ctx context.Context) *domain.User {
	return stateOf(ctx).user
}

// currentRequest is the HTTP request being served, for absolute URLs.
func currentRequest(ctx context.Context) *http.Request {
	return stateOf(ctx).request
}

// log is the service's logger with the request's id, so a handler's lines
// join the request line.
func (s *Server) log(ctx context.Context) *slog.Logger {
	return s.logger.With("request_id", stateOf(ctx).id)
}
