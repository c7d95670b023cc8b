package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/onboarding-kyb/onboarding/domain"
)

// uuidFormat accepts a UUID as Django REST Framework does: the canonical
// dashed form, or its 32 hex digits without dashes (Python's uuid.hex,
// which Waldur's own URLs use); either case. Handlers parse both into the
// same uuid.UUID and always write the dashed form. kin-openapi checks no
// format it was not told about.
// The map is built once: the singular option would build one on every
// validation.
var uuidFormat = openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
	"uuid": openapi3.NewCallbackValidator(func(s string) error {
		if len(s) != 36 && len(s) != 32 { // uuid.Validate also takes braces and a urn: prefix
			return errors.New("not a UUID")
		}
		return uuid.Validate(s)
	}),
})

// validateRequests checks every /api/ request against the spec before a
// handler runs and answers 400 in DRF's shape. Echo has routed the request
// already: its route names the operation (routesOf), so the validator does
// not route it a second time.
func validateRequests(routes routeTable) echo.MiddlewareFunc {
	// authenticate checks tokens; kin-openapi's security check would only
	// read (and copy) every body once more.
	for _, route := range routes {
		route.Spec.Security = nil
		route.Operation.Security = nil
	}
	opts := &openapi3filter.Options{
		MultiError:              true,
		SkipSettingDefaults:     true, // handlers apply defaults; keep the request as sent
		SchemaValidationOptions: []openapi3.SchemaValidationOption{uuidFormat},
	}
	// JSON bodies are validated by validateJSON (one read, one decoding);
	// a multipart body is not held in memory to be validated: its handler
	// streams the file part and checks it.
	paramsOnly := *opts
	paramsOnly.ExcludeRequestBody = true
	queryParams := map[*routers.Route][]string{}
	for _, route := range routes {
		for _, p := range route.Operation.Parameters {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				queryParams[route] = append(queryParams[route], p.Value.Name)
			}
		}
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if isPublic(c.Request().URL.Path) {
				return next(c)
			}
			route := routes.of(c)
			if route == nil {
				return next(c) // Echo's own 404 or 405
			}
			params := make(map[string]string, len(c.ParamNames()))
			for i, name := range c.ParamNames() {
				params[name] = c.ParamValues()[i]
			}
			if err := checkQuery(c.Request()); err != nil {
				return err
			}
			if err := checkMediaType(c.Request(), route.Operation.RequestBody); err != nil {
				return err
			}
			ct := c.Request().Header.Get(echo.HeaderContentType)
			isJSON := strings.HasPrefix(ct, echo.MIMEApplicationJSON) && route.Operation.RequestBody != nil
			o := opts
			if isJSON || strings.HasPrefix(ct, echo.MIMEMultipartForm) {
				o = &paramsOnly
			}
			input := &openapi3filter.RequestValidationInput{Request: c.Request(), PathParams: params, Route: route, Options: o}
			if err := openapi3filter.ValidateRequest(c.Request().Context(), input); err != nil {
				return requestError(err)
			}
			if isJSON {
				if err := validateJSON(input, route.Operation.RequestBody.Value); err != nil {
					return err
				}
			}
			stateOf(c.Request().Context()).queryParams = queryParams[route]
			return next(c)
		}
	}
}

// checkMediaType answers 400 for a body whose Content-Type the operation
// does not declare, or a multipart one without its boundary, naming the
// problem: the generated handlers would fail to read it. A request without
// a body or a Content-Type is left to the validator ("required").
func checkMediaType(r *http.Request, body *openapi3.RequestBodyRef) error {
	ct := r.Header.Get(echo.HeaderContentType)
	hasBody := r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
	if body == nil || body.Value == nil || (ct == "" && !hasBody) {
		return nil
	}
	accepted := strings.Join(slices.Sorted(maps.Keys(body.Value.Content)), ", ")
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil || body.Value.Content.Get(mediaType) == nil {
		return domain.Errorf(domain.EInvalid, "Unsupported media type %q in request; this operation accepts %s.", ct, accepted)
	}
	if strings.HasPrefix(mediaType, "multipart/") && params["boundary"] == "" {
		return domain.Errorf(domain.EInvalid, "The Content-Type %q has no boundary; send the body as %s with its boundary.", ct, accepted)
	}
	return nil
}

// validateJSON reads a JSON body once, into one buffer of its declared
// size, decodes it once to check it against its schema and for NUL
// characters, and leaves the bytes for the handler: the errors are
// kin-openapi's, as its own body validation would report them.
func validateJSON(input *openapi3filter.RequestValidationInput, body *openapi3.RequestBody) error {
	r := input.Request
	var data []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		if data, err = readBody(r); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return tooBig
			}
			return domain.Errorf(domain.EInvalid, "The request body cannot be read: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(data))
	}
	if len(data) == 0 {
		if body.Required {
			return requestError(&openapi3filter.RequestError{Input: input, RequestBody: body, Err: openapi3filter.ErrInvalidRequired})
		}
		return nil
	}
	media := body.Content.Get(r.Header.Get(echo.HeaderContentType))
	if media == nil || media.Schema == nil {
		return nil
	}
	var value any
	if err := json.Unmarshal(data, &value); err != nil {
		return requestError(&openapi3filter.RequestError{Input: input, RequestBody: body, Reason: "failed to decode request body",
			Err: &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: err}})
	}
	if err := rejectNUL(value); err != nil {
		return err
	}
	if err := media.Schema.Value.VisitJSON(value, openapi3.VisitAsRequest(), openapi3.MultiErrors(), uuidFormat); err != nil {
		return requestError(&openapi3filter.RequestError{Input: input, RequestBody: body, Reason: "doesn't match schema", Err: err})
	}
	return nil
}

// readBody reads a request body into one buffer: of its exact size when
// Content-Length gives it (the body limit has bounded it), else grown as
// it comes.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > 0 {
		data := make([]byte, r.ContentLength)
		_, err := io.ReadFull(r.Body, data)
		return data, err
	}
	var buf bytes.Buffer
	_, err := buf.ReadFrom(r.Body)
	return buf.Bytes(), err
}

// rejectNUL answers 400 for a decoded JSON body holding a NUL character,
// naming the top-level field, as DRF does: PostgreSQL cannot store one, and
// SQLite answers the same so both databases behave alike.
func rejectNUL(body any) error {
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
			// Parameter and field problems first: a path's bad uuid is named
			// even when the body is missing too.
			var first error
			for _, e := range multi {
				if de := walk(e); de != nil && first == nil {
					first = de
				}
			}
			if len(fields) == 0 {
				return first
			}
		case errors.As(err, &reqErr) && reqErr.Parameter != nil:
			name := reqErr.Parameter.Name
			fields[name] = append(fields[name], parameterMessage(reqErr))
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

// parameterMessage is what Django REST Framework says about a bad path,
// query or header parameter, e.g. "A valid integer is required.".
func parameterMessage(e *openapi3filter.RequestError) string {
	var schemaErr *openapi3.SchemaError
	switch {
	case errors.Is(e.Err, openapi3filter.ErrInvalidRequired):
		return "This field is required."
	case errors.As(e.Err, &schemaErr):
		return schemaMessage(schemaErr)
	case e.Parameter.Schema != nil && e.Parameter.Schema.Value != nil:
		// The value does not even parse as the parameter's type.
		return typeMessage(e.Parameter.Schema.Value)
	}
	return "Enter a valid value."
}

// schemaMessage says in a sentence, as DRF does, why a value breaks its
// schema; no regular expressions or schema internals.
func schemaMessage(e *openapi3.SchemaError) string {
	s := e.Schema
	if s == nil {
		return "Enter a valid value."
	}
	switch e.SchemaField {
	case "required":
		return "This field is required."
	case "nullable":
		return "This field may not be null."
	case "type":
		return typeMessage(s)
	case "format":
		switch s.Format {
		case "uuid":
			return "Must be a valid UUID."
		case "date-time":
			return "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
		case "date":
			return "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
		case "email":
			return "Enter a valid email address."
		case "uri":
			return "Enter a valid URL."
		}
	case "enum":
		return fmt.Sprintf("%q is not a valid choice.", fmt.Sprint(e.Value))
	case "pattern":
		if msg, ok := s.Extensions["x-pattern-message"].(string); ok {
			return msg
		}
	case "minimum":
		if s.Min != nil {
			return fmt.Sprintf("Ensure this value is greater than or equal to %s.", strconv.FormatFloat(*s.Min, 'f', -1, 64))
		}
	case "maximum":
		if s.Max != nil {
			return fmt.Sprintf("Ensure this value is less than or equal to %s.", strconv.FormatFloat(*s.Max, 'f', -1, 64))
		}
	case "minLength":
		if s.MinLength == 1 {
			return "This field may not be blank."
		}
		return fmt.Sprintf("Ensure this field has at least %d characters.", s.MinLength)
	case "maxLength":
		if s.MaxLength != nil {
			return fmt.Sprintf("Ensure this field has no more than %d characters.", *s.MaxLength)
		}
	case "minItems":
		return fmt.Sprintf("Ensure this field has at least %d elements.", s.MinItems)
	case "maxItems":
		if s.MaxItems != nil {
			return fmt.Sprintf("Ensure this field has no more than %d elements.", *s.MaxItems)
		}
	}
	return "Enter a valid value."
}

// typeMessage is DRF's sentence for a value of the wrong JSON type.
func typeMessage(s *openapi3.Schema) string {
	switch {
	case s.Type.Is("integer"):
		return "A valid integer is required."
	case s.Type.Is("number"):
		return "A valid number is required."
	case s.Type.Is("boolean"):
		return "Must be a valid boolean."
	case s.Type.Is("string"):
		return "Not a valid string."
	case s.Type.Is("array"):
		return "Expected a list of items."
	case s.Type.Is("object"):
		return "Expected a dictionary of items."
	}
	return "Enter a valid value."
}

// schemaField names the body property a schema error is about, DRF style:
// "user", or "answers.0.question_uuid" for nested ones; "detail" for the
// body as a whole.
func schemaField(e *openapi3.SchemaError) (string, string) {
	path := e.JSONPointer()
	msg := schemaMessage(e)
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
