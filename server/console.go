package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/onboarding-kyb/onboarding/console"
	"github.com/onboarding-kyb/onboarding/domain"
)

// The review console: server-rendered pages at /console/ where staff work
// the queue of cases and support users look on. Its actions call the same
// rules as the API (decide, createCustomer, runValidation), so they write
// the same events and webhooks.

const sessionCookie = "onboarding_console"

// consoleCSP: scripts and styles from the console's own files only, no
// inline code, no framing, forms only back to the console.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// page is what every console page renders.
type page struct {
	Title     string
	User      *domain.User // nil when nobody is signed in
	CanDecide bool         // staff: the decision controls show
	Now       time.Time
	Flash     string
	Error     string
	Next      string // sign-in: where to go after
	Username  string // sign-in: what was typed
	Message   string // error page
	Queue     *queueView
	Case      *caseView
	Alerts    *alertsView
}

// mountConsole serves the console on e.
func (s *Server) mountConsole(e *echo.Echo) error {
	pages, err := console.Parse()
	if err != nil {
		return err
	}
	s.pages = pages
	// Cross-site requests cannot change anything: a state-changing request
	// whose Sec-Fetch-Site or Origin says it came from another site is
	// refused before any handler runs.
	crossOrigin := http.NewCrossOriginProtection()
	crossOrigin.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, nil, http.StatusForbidden, "Forbidden", "This request came from another site, so it was refused.")
	}))
	e.GET("/console", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/console/") })
	g := e.Group("/console", consoleHeaders, echo.WrapMiddleware(crossOrigin.Handler), s.consoleDeadline)
	g.GET("/static/*", echo.WrapHandler(http.StripPrefix("/console/static/", http.FileServerFS(console.Static()))))
	g.GET("/sign-in", s.signInPage)
	g.POST("/sign-in", s.signIn)
	g.POST("/sign-out", s.signOut)
	in := g.Group("", s.consoleSession)
	in.GET("/", s.queuePage)
	in.GET("/export.csv", s.exportQueue)
	in.GET("/cases/:uuid", s.casePage)
	in.POST("/cases/:uuid/claim", s.claimCase)
	in.POST("/cases/:uuid/assign", s.assignCase)
	in.POST("/cases/:uuid/run-validation", s.rerunCase)
	in.POST("/cases/:uuid/create-customer", s.createCaseCustomer)
	in.POST("/justifications/:uuid/decide", s.decideJustification)
	in.GET("/justifications/:uuid/documents/:file", s.document)
	in.GET("/alerts", s.alertsPage)
	in.POST("/alerts/:uuid", s.decideAlertForm)
	return nil
}

// consoleHeaders sets the console's security headers on every response.
func consoleHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", consoleCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(c.Request().URL.Path, "/console/static/") {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// consoleDeadline gives a console request's database work the request
// deadline the API has (a re-run adds the register budget).
func (s *Server) consoleDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		d := s.cfg.DBTimeout
		if strings.HasSuffix(c.Request().URL.Path, "/run-validation") {
			d += s.registers.Budget()
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), d)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// consoleSession lets through the staff and support user of a live
// session, with the user in the request's context as the API has it.
// Without one, a page asks to sign in; a regular user gets 403; support
// users may only read.
func (s *Server) consoleSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		u, err := s.sessionUser(r)
		if domain.CodeOf(err) == domain.ENotFound {
			return c.Redirect(http.StatusSeeOther, "/console/sign-in?next="+url.QueryEscape(nextPath(r)))
		}
		if err != nil {
			return s.consoleError(c, nil, err)
		}
		stateOf(r.Context()).user = u
		switch {
		case !u.CanSeeAll():
			s.renderError(c.Response(), c.Request(), u, http.StatusForbidden, "Forbidden", "The console is for staff and support users.")
			return nil
		case r.Method != http.MethodGet && !u.IsStaff:
			s.renderError(c.Response(), c.Request(), u, http.StatusForbidden, "Forbidden", "Support users can look at cases, not change them.")
			return nil
		}
		return next(c)
	}
}

// sessionUser is the user of the request's session cookie; ENotFound when
// there is none, or it has ended.
func (s *Server) sessionUser(r *http.Request) (*domain.User, error) {
	cookie, err := r.Cookie(sessionCookie)
	if err != nil || cookie.Value == "" {
		return nil, &domain.Error{Code: domain.ENotFound, Detail: "No session."}
	}
	now := s.clock.Now()
	return s.store.SessionUser(r.Context(), cookie.Value, now.Add(-s.cfg.SessionIdle), now.Add(-s.cfg.SessionMax))
}

// nextPath is where to return after signing in: the page asked for (a
// form's target goes back to its case).
func nextPath(r *http.Request) string {
	if r.Method == http.MethodGet {
		return r.URL.RequestURI()
	}
	return "/console/"
}

// render writes a console page.
func (s *Server) render(c echo.Context, status int, name string, p page) error {
	p.User = currentUser(c.Request().Context())
	p.CanDecide = p.User != nil && p.User.IsStaff
	p.Now = s.clock.Now()
	var buf bytes.Buffer // a template error must not leave half a page
	if err := s.pages.Render(&buf, name, p); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// renderError writes the error page.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, u *domain.User, status int, title, message string) {
	var buf bytes.Buffer
	p := page{Title: title, Message: message, User: u, CanDecide: u != nil && u.IsStaff, Now: s.clock.Now()}
	if err := s.pages.Render(&buf, "error", p); err != nil {
		http.Error(w, message, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// consoleError shows err as a page with its HTTP status: the API's
// messages, never internals.
func (s *Server) consoleError(c echo.Context, u *domain.User, err error) error {
	status, body := errorBody(err)
	if status >= 500 {
		s.log(c.Request().Context()).ErrorContext(c.Request().Context(), "console request failed", "error", err.Error())
	}
	title := http.StatusText(status)
	message := firstMessage(body)
	if errors.Is(err, context.DeadlineExceeded) {
		message = "The database did not answer in time; try again shortly."
	}
	s.renderError(c.Response(), c.Request(), u, status, title, message)
	return nil
}

// firstMessage is what an API error body says, in one line.
func firstMessage(body any) string {
	switch b := body.(type) {
	case map[string]string:
		return b["detail"]
	case map[string][]string:
		var parts []string
		for field, msgs := range b {
			parts = append(parts, field+": "+strings.Join(msgs, " "))
		}
		slices.Sort(parts)
		return strings.Join(parts, "; ")
	}
	return "The request could not be completed."
}
