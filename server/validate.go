package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"

	"github.com/onboarding-kyb/onboarding/domain"
)

func init() {
	// kin-openapi checks no formats it was not told about.
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562))
}

// validateRequests checks every /api/ request against the spec before a
// handler runs and answers 400 in DRF's shape.
func validateRequests(spec *openapi3.T) (echo.MiddlewareFunc, error) {
	spec.Servers = nil // else kin-openapi matches the Host header too
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		return nil, err
	}
	opts := &openapi3filter.Options{
		MultiError:          true,
		AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc, // authenticate did it
		SkipSettingDefaults: true,                                  // handlers apply defaults; keep the request as sent
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if isPublic(c.Request().URL.Path) {
				return next(c)
			}
			route, params, err := router.FindRoute(c.Request())
			if err != nil {
				if errors.Is(err, routers.ErrMethodNotAllowed) {
					return echo.ErrMethodNotAllowed
				}
				return echo.ErrNotFound
			}
			err = openapi3filter.ValidateRequest(c.Request().Context(), &openapi3filter.RequestValidationInput{
				Request: c.Request(), PathParams: params, Route: route, Options: opts,
			})
			if err != nil {
				return requestError(err)
			}
			if err := rejectNUL(c.Request()); err != nil {
				return err
			}
			return next(c)
		}
	}, nil
}

// rejectNUL answers 400 for a JSON body whose text holds a NUL character,
// naming the top-level field, as DRF does: PostgreSQL cannot store one, and
// SQLite answers the same so both databases behave alike. The validator has
// already read the body and left a fresh copy on the request.
func rejectNUL(r *http.Request) error {
	if r.Body == nil || !strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		return nil
	}
	raw, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(raw))
	if err != nil || !bytes.Contains(raw, []byte(`u0000`)) {
		return nil
	}
	var body any
	if json.Unmarshal(raw, &body) != nil {
		return nil
	}
	problems := map[string][]string{}
	switch b := body.(type) {
	case map[string]any:
		for name, v := range b {
			if hasNUL(v) || strings.ContainsRune(name, 0) {
				problems[name] = []string{"Null characters are not allowed."}
			}
		}
	case []any:
		for i, v := range b {
			if hasNUL(v) {
				problems[strconv.Itoa(i)] = []string{"Null characters are not allowed."}
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &domain.Error{Code: domain.EInvalid, Fields: problems}
}

func hasNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, 0)
	case []any:
		return slices.ContainsFunc(v, hasNUL)
	case map[string]any:
		for k, x := range v {
			if strings.ContainsRune(k, 0) || hasNUL(x) {
				return true
			}
		}
	}
	return false
}

// requestError turns kin-openapi's errors into field errors named after the
// parameter or body property, with kin's reason and without schema dumps.
func requestError(err error) error {
	fields := map[string][]string{}
	var walk func(error) error
	walk = func(err error) error {
		var reqErr *openapi3filter.RequestError
		var schemaErr *openapi3.SchemaError
		// Only a MultiError itself: a parameter's RequestError wrapping one
		// must keep the parameter's name.
		multi, isMulti := err.(openapi3.MultiError)
		switch {
		case isMulti:
			for _, e := range multi {
				if de := walk(e); de != nil {
					return de
				}
			}
		case errors.As(err, &reqErr) && reqErr.Parameter != nil && errors.Is(reqErr.Err, openapi3filter.ErrInvalidRequired):
			return domain.Errorf(domain.EInvalid, "%s %s parameter is required", reqErr.Parameter.Name, reqErr.Parameter.In)
		case errors.As(err, &reqErr) && reqErr.Parameter != nil:
			msg := reqErr.Reason
			if errors.As(reqErr.Err, &schemaErr) {
				msg = schemaErr.Reason
			} else if reqErr.Err != nil {
				msg = strings.TrimSpace(msg + " " + reqErr.Err.Error())
			}
			fields[reqErr.Parameter.Name] = append(fields[reqErr.Parameter.Name], msg)
		case errors.As(err, &reqErr) && reqErr.Err != nil && !errors.As(reqErr.Err, &schemaErr) && !errors.As(reqErr.Err, new(openapi3.MultiError)):
			// The body is not JSON, or not the declared content type.
			return domain.Errorf(domain.EInvalid, "Request body is not valid: %s", firstLine(reqErr.Err.Error()))
		case errors.As(err, &reqErr) && reqErr.Err != nil:
			return walk(reqErr.Err)
		case errors.As(err, &schemaErr):
			field, msg := schemaField(schemaErr)
			fields[field] = append(fields[field], msg)
		case errors.As(err, &reqErr):
			return domain.Errorf(domain.EInvalid, "%s", firstLine(reqErr.Reason))
		default:
			return domain.Errorf(domain.EInvalid, "%s", firstLine(err.Error()))
		}
		return nil
	}
	if de := walk(err); de != nil {
		return de
	}
	return &domain.Error{Code: domain.EInvalid, Fields: fields}
}

// schemaField names the body property a schema error is about, DRF style:
// "user", or "answers.0.question_uuid" for nested ones; "detail" for the
// body as a whole.
func schemaField(e *openapi3.SchemaError) (string, string) {
	path := e.JSONPointer()
	msg := e.Reason
	if e.SchemaField == "required" {
		// kin's reason is `property "user" is missing`.
		if _, name, ok := strings.Cut(e.Reason, `"`); ok {
			name, _, _ = strings.Cut(name, `"`)
			if len(path) == 0 || path[len(path)-1] != name {
				path = append(path, name)
			}
		}
		msg = "This field is required."
	}
	if len(path) == 0 {
		return "non_field_errors", msg
	}
	return strings.Join(path, "."), msg
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
