package server

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/password"
)

// Failed sign-ins are throttled per username and per client address:
// after signInLimit failures within signInWindow, further attempts are
// refused, with the same message as a wrong password, until the window
// has passed. The failures are rows, so every replica counts them.
const (
	signInLimit  = 5
	signInWindow = 15 * time.Minute
)

// badSignIn is the one message for every failed sign-in: it does not tell
// whether the name exists, the password was wrong or the attempts ran out.
const badSignIn = "Wrong username or password, or too many attempts: wait a few minutes and try again."

func (s *Server) signInPage(c echo.Context) error {
	if u, err := s.sessionUser(c.Request()); err == nil && u.CanSeeAll() {
		return c.Redirect(http.StatusSeeOther, "/console/")
	}
	return s.render(c, http.StatusOK, "signin", page{Title: "Sign in", Next: safeNext(c.QueryParam("next"))})
}

func (s *Server) signIn(c echo.Context) error {
	ctx := c.Request().Context()
	username, plain := strings.TrimSpace(c.FormValue("username")), c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	keys := []string{"user:" + strings.ToLower(username), "addr:" + clientAddress(c.Request())}
	refuse := func() error {
		return s.render(c, http.StatusUnauthorized, "signin", page{Title: "Sign in", Error: badSignIn, Next: next, Username: username})
	}
	now := s.clock.Now()
	failures, err := s.store.SignInFailures(ctx, keys, now.Add(-signInWindow))
	if err != nil {
		return s.consoleError(c, nil, err)
	}
	if failures >= signInLimit {
		password.Waste(plain)
		return refuse()
	}
	u, hash, err := s.store.PasswordHash(ctx, username)
	switch {
	case domain.CodeOf(err) == domain.ENotFound:
		password.Waste(plain)
	case err != nil:
		return s.consoleError(c, nil, err)
	}
	if u == nil || !password.Matches(hash, plain) {
		if err := s.store.RecordSignInFailure(ctx, keys, now.Add(-signInWindow)); err != nil {
			return s.consoleError(c, nil, err)
		}
		s.log(ctx).InfoContext(ctx, "console sign-in refused", "address", clientAddress(c.Request()))
		return refuse()
	}
	if err := s.store.ClearSignInFailures(ctx, keys[0]); err != nil {
		return s.consoleError(c, nil, err)
	}
	// A new session at every sign-in: an identifier planted before it is
	// worth nothing after.
	if old, err := c.Request().Cookie(sessionCookie); err == nil {
		_ = s.store.DeleteSession(ctx, old.Value)
	}
	secret, err := s.store.CreateSession(ctx, u.ID)
	if err != nil {
		return s.consoleError(c, nil, err)
	}
	c.SetCookie(s.sessionCookie(secret, int(s.cfg.SessionMax.Seconds())))
	s.log(ctx).InfoContext(ctx, "console sign-in", "user", u.ID)
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) signOut(c echo.Context) error {
	if cookie, err := c.Request().Cookie(sessionCookie); err == nil {
		if err := s.store.DeleteSession(c.Request().Context(), cookie.Value); err != nil {
			return s.consoleError(c, nil, err)
		}
	}
	c.SetCookie(s.sessionCookie("", -1))
	return c.Redirect(http.StatusSeeOther, "/console/sign-in")
}

// sessionCookie is the session's cookie: not readable by scripts, not sent
// on cross-site requests but top-level navigation, Secure when the service
// is reached over https.
func (s *Server) sessionCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: value, Path: "/console/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(s.cfg.PublicURL, "https://")}
}

// safeNext keeps a return address inside the console, so a crafted link
// cannot send a user elsewhere after signing in.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/console/"
	}
	return next
}

// clientAddress is the address the request came from (the proxy's, behind
// one: throttling per address then counts the proxy).
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
