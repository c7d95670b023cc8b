// Package contracttest holds the test suite to openapi.yaml: every HTTP
// response a test receives, from a handler or from a real listening server,
// goes through Check, which fails the test when the response breaks the
// contract, and records it (ONBOARDING_CONTRACT_RECORD) for the coverage
// report and the second, independent validator (contract/validate.mjs).
//
// Check is stricter than the server's own request validation: a status the
// operation does not declare fails, formats are checked (uuid in its
// canonical dashed form, uri, email, date, date-time), nullable is honoured
// exactly, and objects may carry no property their schema does not declare
// (the harness validates against a copy of the spec with
// additionalProperties: false wherever the spec leaves it open by omission).
package contracttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/onboarding-kyb/onboarding"
)

// RecordEnv names the directory the responses are recorded into.
const RecordEnv = "ONBOARDING_CONTRACT_RECORD"

// Record is one recorded response, a line of a records-*.jsonl file.
type Record struct {
	Operation   string          `json:"operation"`
	Method      string          `json:"method"`
	Path        string          `json:"path"` // the spec's path template
	Status      int             `json:"status"`
	ContentType string          `json:"content_type,omitempty"`
	Body        json.RawMessage `json:"body,omitempty"` // JSON bodies only
}

var (
	loadOnce sync.Once
	router   routers.Router
	formats  []openapi3.SchemaValidationOption
	loadErr  error
)

// Formats are the string formats the harness checks, per validation (the
// server's request validator has its own: it accepts uuids without dashes).
func Formats() map[string]openapi3.StringFormatValidator {
	return map[string]openapi3.StringFormatValidator{
		"uuid": openapi3.NewRegexpFormatValidator(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`),
		"email": openapi3.NewCallbackValidator(func(s string) error {
			a, err := mail.ParseAddress(s)
			if err != nil || a.Address != s {
				return fmt.Errorf("not an email address")
			}
			return nil
		}),
		"uri": openapi3.NewCallbackValidator(func(s string) error {
			u, err := url.Parse(s)
			if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
				return fmt.Errorf("not an absolute URI")
			}
			return nil
		}),
	}
}

// StrictSpec is openapi.yaml with additionalProperties: false on every
// object schema that declares properties and leaves additionalProperties
// unsaid.
func StrictSpec() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(onboarding.OpenAPI)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	seen := map[*openapi3.Schema]bool{}
	var close func(*openapi3.SchemaRef)
	close = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			s.AdditionalProperties.Has = new(false)
		}
		for _, p := range s.Properties {
			close(p)
		}
		close(s.Items)
		close(s.AdditionalProperties.Schema)
		close(s.Not)
		for _, l := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, x := range l {
				close(x)
			}
		}
	}
	for _, s := range doc.Components.Schemas {
		close(s)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, res := range op.Responses.Map() {
				for _, mt := range res.Value.Content {
					close(mt.Schema)
				}
			}
		}
	}
	doc.Servers = nil // match any host: tests use httptest and 127.0.0.1
	return doc, nil
}

func load() {
	doc, err := StrictSpec()
	if err != nil {
		loadErr = err
		return
	}
	router, loadErr = gorillamux.NewRouter(doc)
	formats = []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidators(Formats())}
}

// Check validates one response against openapi.yaml and records it.
// Requests that match no operation (docs, unknown paths) are not checked.
func Check(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	loadOnce.Do(load)
	if loadErr != nil {
		t.Fatalf("openapi.yaml: %v", loadErr)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: status,
		Header: header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus:   true,
			MultiError:              true,
			SchemaValidationOptions: formats,
		},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s → %d %s: response breaks the contract: %v", req.Method, req.URL, status, body, err)
	}
	record(t, Record{Operation: route.Operation.OperationID, Method: req.Method, Path: route.Path,
		Status: status, ContentType: header.Get("Content-Type"), Body: jsonOrNil(body)})
}

func jsonOrNil(body []byte) json.RawMessage {
	if len(bytes.TrimSpace(body)) == 0 || !json.Valid(body) {
		return nil
	}
	var compact bytes.Buffer
	if json.Compact(&compact, body) != nil {
		return nil
	}
	return compact.Bytes()
}

var (
	recordMu   sync.Mutex
	recordFile *os.File
)

func record(t testing.TB, r Record) {
	dir := os.Getenv(RecordEnv)
	if dir == "" {
		return
	}
	line, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	recordMu.Lock()
	defer recordMu.Unlock()
	if recordFile == nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		recordFile, err = os.OpenFile(filepath.Join(dir, fmt.Sprintf("records-%d.jsonl", os.Getpid())), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := recordFile.Write(append(line, '\n')); err != nil {
		t.Fatal(err)
	}
}

// Client is an HTTP client for tests against a real listening server: it
// checks every response it receives, as Check does.
func Client(t testing.TB) *http.Client {
	return &http.Client{Transport: transport{t: t, next: http.DefaultTransport}}
}

type transport struct {
	t    testing.TB
	next http.RoundTripper
}

func (tr transport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := tr.next.RoundTrip(req)
	if err != nil {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	Check(tr.t, req, res.StatusCode, res.Header, body)
	return res, nil
}
