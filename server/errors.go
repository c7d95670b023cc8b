package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/onboarding-kyb/onboarding/domain"
)

// statusOf is the one place a domain error code becomes an HTTP status.
var statusOf = map[domain.ErrorCode]int{
	domain.EInvalid:       http.StatusBadRequest,
	domain.EUnauthorized:  http.StatusUnauthorized,
	domain.EForbidden:     http.StatusForbidden,
	domain.ENotFound:      http.StatusNotFound,
	domain.EConflict:      http.StatusConflict,
	domain.ETooLarge:      http.StatusRequestEntityTooLarge,
	domain.EUnprocessable: http.StatusUnprocessableEntity,
	domain.EInternal:      http.StatusInternalServerError,
	domain.EUnavailable:   http.StatusServiceUnavailable,
}

// errorBody renders err in DRF's shapes: {"field": ["message"]} for field
// errors, {"detail": "…"} otherwise. Internal errors never show their cause.
func errorBody(err error) (int, any) {
	var de *domain.Error
	var he *echo.HTTPError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, detail(fmt.Sprintf("Request body is too large: this operation accepts at most %d bytes.", tooBig.Limit))
	case errors.Is(err, http.ErrNotMultipart), errors.Is(err, http.ErrMissingBoundary):
		return http.StatusBadRequest, detail("The request body is not multipart/form-data with a boundary.")
	case errors.As(err, &de):
		status := statusOf[de.Code]
		if status == 0 || status == http.StatusInternalServerError {
			return http.StatusInternalServerError, detail("A server error occurred.")
		}
		if len(de.Fields) > 0 {
			return status, de.Fields
		}
		return status, detail(de.Detail)
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return he.Code, detail("Not found.")
		case http.StatusMethodNotAllowed:
			return he.Code, detail("Method not allowed.")
		case http.StatusRequestEntityTooLarge:
			return he.Code, detail("Request body is too large.")
		case http.StatusBadRequest:
			// Parameter binding errors of the generated wrappers.
			return he.Code, detail(fmt.Sprint(he.Message))
		}
		if he.Code < 500 {
			return he.Code, detail(http.StatusText(he.Code))
		}
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, detail("The database did not answer in time; try again shortly.")
	}
	return http.StatusInternalServerError, detail("A server error occurred.")
}

func detail(msg string) map[string]string { return map[string]string{"detail": msg} }

// retryAfter is the Retry-After of every 503, in seconds.
const retryAfter = 5

// errorHandler is Echo's HTTPErrorHandler: every error a handler or
// middleware returns ends here. A client that went away gets nothing (the
// request line logs 499).
func errorHandler(logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed || isClientGone(err) {
			return
		}
		status, body := errorBody(err)
		if status >= 500 {
			logger.ErrorContext(c.Request().Context(), "request failed",
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "status", status, "error", err.Error())
		}
		switch status {
		case http.StatusUnauthorized:
			c.Response().Header().Set("WWW-Authenticate", `Token`)
		case http.StatusServiceUnavailable:
			c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfter))
		case http.StatusRequestEntityTooLarge:
			c.Response().Header().Set(echo.HeaderConnection, "close")
			answerThenDrain(c, func() { _ = c.JSON(status, body) })
			return
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.JSON(status, body)
	}
}
