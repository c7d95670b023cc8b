// Package domain holds the service's types and its error type: one small
// package that store/, server/ and validators' callers all speak.
package domain

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ErrorCode classifies an error; server maps each code to one HTTP status.
type ErrorCode string

const (
	EInvalid       ErrorCode = "invalid"       // 400
	EUnauthorized  ErrorCode = "unauthorized"  // 401
	EForbidden     ErrorCode = "forbidden"     // 403
	ENotFound      ErrorCode = "not_found"     // 404
	EConflict      ErrorCode = "conflict"      // 409
	ETooLarge      ErrorCode = "too_large"     // 413
	EUnprocessable ErrorCode = "unprocessable" // 422
	EInternal      ErrorCode = "internal"      // 500
	EUnavailable   ErrorCode = "unavailable"   // 503
)

// Error is an error a client may see. Detail is the DRF "detail" message;
// Fields, when set, are DRF field errors ({"field": ["message"]}).
type Error struct {
	Code   ErrorCode
	Detail string
	Fields map[string][]string
	Err    error // cause, logged, never shown
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		fmt.Fprintf(&b, "; %s: %s", k, strings.Join(e.Fields[k], " "))
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted detail.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// FieldError returns a 400 naming one field and the reason.
func FieldError(field, message string) *Error {
	return &Error{Code: EInvalid, Fields: map[string][]string{field: {message}}}
}

// CodeOf returns the code of err; errors that are not *Error are internal.
func CodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}
