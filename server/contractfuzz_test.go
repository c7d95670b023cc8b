package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp/syntax"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding"
)

// TestContractFuzz is schema-driven contract fuzzing: for every operation of
// openapi.yaml it generates requests from the schemas — valid ones, boundary
// values and invalid ones (wrong types, missing required fields, out of range,
// overlong, bad formats, values outside an enum, malformed JSON) — and sends
// them to a listening server as the owner (alice), another user (bob), a
// support user, a staff user or nobody. It is stateful: uuids in responses
// feed later path parameters and uuid fields, so it acts on what it created.
// Every response must be declared by the operation and valid against it
// (checkContract), no response may be a 5xx, every 4xx carries a Django REST
// Framework error body, and an invalid request must get a 4xx.
//
// make test runs a fixed seed and a small budget; `make fuzz-contract` a
// longer one. ONBOARDING_CONTRACT_FUZZ_CASES (cases per database, default
// 480) and ONBOARDING_CONTRACT_FUZZ_SEED (default 1) change them; the
// cases per operation are logged (go test -v).
func TestContractFuzz(t *testing.T) {
	budget := envInt(t, "ONBOARDING_CONTRACT_FUZZ_CASES", 480)
	seed := envInt(t, "ONBOARDING_CONTRACT_FUZZ_SEED", 1)
	doc, err := openapi3.NewLoader().LoadFromData(onboarding.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	ops := operationsOf(doc)
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	forEachDB(t, func(t *testing.T, a *api) {
		withExampleChecklist(t, a)
		srv := httptest.NewServer(a.handler)
		defer srv.Close()
		f := &fuzzer{t: t, a: a, base: srv.URL, router: router, rng: rand.New(rand.NewPCG(uint64(seed), 0)), pools: map[string][]string{}}
		stats := map[string]map[string]int{}
		for i := range budget {
			op := ops[i%len(ops)] // round robin: every operation gets its share
			c := f.generate(op)
			status := f.send(i, seed, op, c)
			if stats[op.id] == nil {
				stats[op.id] = map[string]int{}
			}
			stats[op.id][c.kind]++
			stats[op.id][strconv.Itoa(status)]++
		}
		report(t, ops, stats, budget, seed)
	})
}

// operation is one method on one path of openapi.yaml.
type operation struct {
	id, method, path string
	op               *openapi3.Operation
	params           openapi3.Parameters
}

func operationsOf(doc *openapi3.T) []operation {
	var ops []operation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, operation{id: op.OperationID, method: method, path: path, op: op, params: append(slices.Clone(item.Parameters), op.Parameters...)})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].id < ops[j].id })
	return ops
}

// fuzzCase is one generated request.
type fuzzCase struct {
	kind        string // valid, boundary or invalid
	why         string // for an invalid case: what is wrong with it
	actor       string
	token       string
	path        string
	query       url.Values
	header      http.Header
	contentType string
	body        []byte
}

type fuzzer struct {
	t      *testing.T
	a      *api
	base   string
	router routers.Router // to make sure every request is one checkContract checks
	rng    *rand.Rand
	pools  map[string][]string // uuids seen in responses, by collection ("/api/customers/"), and "" for all
}

// generate builds a request for op: 2 in 5 valid, 1 in 5 at the boundaries, 2 in 5 invalid.
func (f *fuzzer) generate(op operation) *fuzzCase {
	c := &fuzzCase{kind: pickOne(f.rng, "valid", "valid", "boundary", "invalid", "invalid"), query: url.Values{}, header: http.Header{}}
	actors := []struct{ name, token string }{
		{"owner", f.a.aliceT}, {"owner", f.a.aliceT}, {"owner", f.a.aliceT}, {"staff", f.a.staffT}, {"staff", f.a.staffT},
		{"other", f.a.bobT}, {"support", f.a.supportT}, {"nobody", ""},
	}
	actor := actors[f.rng.IntN(len(actors))]
	c.actor, c.token = actor.name, actor.token

	// Which part of the request the invalid case breaks.
	var targets []string
	for _, p := range op.params {
		if p.Value.In != "cookie" {
			if hasConstraint(p.Value.Schema.Value) {
				targets = append(targets, "param:"+p.Value.Name)
			}
		}
	}
	var body *openapi3.MediaType
	if rb := op.op.RequestBody; rb != nil {
		for ct, mt := range rb.Value.Content {
			c.contentType, body = ct, mt
		}
		targets = append(targets, "body", "media")
	}
	target := ""
	if c.kind == "invalid" {
		if len(targets) == 0 {
			c.kind = "boundary" // nothing a client sends can be invalid here
		} else {
			target = targets[f.rng.IntN(len(targets))]
		}
	}
	boundary := c.kind == "boundary"

	c.path = op.path
	for _, p := range op.params {
		s := p.Value.Schema.Value
		switch p.Value.In {
		case "path":
			v := f.pick(collectionOf(op.path))
			if target == "param:"+p.Value.Name {
				v, c.why = f.invalidScalar(s, "path "+p.Value.Name)
			}
			c.path = strings.Replace(c.path, "{"+p.Value.Name+"}", url.PathEscape(v), 1)
		case "query":
			switch {
			case target == "param:"+p.Value.Name:
				var v string
				v, c.why = f.invalidScalar(s, "query "+p.Value.Name)
				c.query.Set(p.Value.Name, v)
			case p.Value.Required || f.rng.IntN(4) == 0:
				c.query.Set(p.Value.Name, scalarString(f.value(p.Value.Name, s, boundary, 0)))
			}
		case "header":
			switch {
			case target == "param:"+p.Value.Name:
				var v string
				v, c.why = f.invalidScalar(s, "header "+p.Value.Name)
				c.header.Set(p.Value.Name, v)
			case p.Value.Required || f.rng.IntN(2) == 0:
				// A fresh value each time (an Idempotency-Key reused with another body is a 422).
				c.header.Set(p.Value.Name, uuid.NewString())
			}
		}
	}
	if body == nil {
		return c
	}
	switch {
	case target == "media":
		c.body, c.contentType, c.why = wrongMedia(f.rng, c.contentType)
	case strings.HasPrefix(c.contentType, "multipart/"):
		c.body, c.contentType = f.multipart(body.Schema.Value, target == "body", c)
	case target == "body":
		c.body, c.why = f.invalidBody(body.Schema.Value)
	default:
		c.body, _ = json.Marshal(f.value("", body.Schema.Value, boundary, 0))
	}
	return c
}

// send runs a case and checks the answer.
func (f *fuzzer) send(i, seed int, op operation, c *fuzzCase) int {
	t := f.t
	t.Helper()
	u := f.base + c.path
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	req, err := http.NewRequest(strings.ToUpper(op.method), u, bytes.NewReader(c.body))
	if err != nil {
		t.Fatalf("case %d (seed %d) %s: %v", i, seed, op.id, err)
	}
	if c.body != nil {
		req.Header.Set("Content-Type", c.contentType)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Token "+c.token)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	httpRes, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("case %d (seed %d) %s %s: %v", i, seed, req.Method, u, err)
	}
	raw, err := io.ReadAll(httpRes.Body)
	httpRes.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	res := response{Status: httpRes.StatusCode, Header: httpRes.Header, Body: raw}
	what := fmt.Sprintf("case %d (seed %d, %s as %s) %s %s body %.300s → %d %.300s", i, seed, c.kind, c.actor, req.Method, u, c.body, res.Status, res.Body)
	if _, _, err := f.router.FindRoute(req); err != nil {
		t.Fatalf("%s: not a route of openapi.yaml, so the response would go unchecked: %v", what, err)
	}
	checkContract(t, req, res)
	switch {
	case res.Status >= 500:
		t.Errorf("%s: a 5xx", what)
	case c.kind == "invalid" && (res.Status < 400 || res.Status >= 500):
		t.Errorf("%s: accepted an invalid request (%s)", what, c.why)
	case res.Status >= 400 && !isDRFError(res.Body):
		t.Errorf("%s: not a Django REST Framework error body", what)
	case res.Status < 300:
		f.harvest(collectionOf(op.path), res.Body)
	}
	return res.Status
}

// isDRFError: {"detail": "…"} alone, or each field mapped to a list of messages.
func isDRFError(body []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil || len(m) == 0 {
		return false
	}
	if d, ok := m["detail"]; ok {
		var s string
		return len(m) == 1 && json.Unmarshal(d, &s) == nil && s != ""
	}
	for _, v := range m {
		var msgs []string
		if json.Unmarshal(v, &msgs) != nil || len(msgs) == 0 {
			return false
		}
	}
	return true
}

// harvest remembers every "uuid" in a response body, under its collection.
func (f *fuzzer) harvest(collection string, body []byte) {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if id, ok := x["uuid"].(string); ok {
				for _, pool := range []string{collection, ""} {
					if !slices.Contains(f.pools[pool], id) {
						f.pools[pool] = append(f.pools[pool], id)
					}
				}
			}
			for _, child := range x {
				walk(child)
			}
		case []any:
			for _, child := range x {
				walk(child)
			}
		}
	}
	walk(v)
}

// collectionOf is the path's first two segments: "/api/customers/".
func collectionOf(path string) string {
	parts := strings.SplitN(path, "/", 4)
	if len(parts) < 3 {
		return path
	}
	return "/" + parts[1] + "/" + parts[2] + "/"
}

// uuidHints: uuid fields and the collection whose uuids they take.
var uuidHints = map[string]string{
	"checklist": "/api/checklists-admin/", "question": "/api/checklists-admin-questions/",
	"question_uuid": "/api/checklists-admin-questions/", "depends_on_question": "/api/checklists-admin-questions/",
	"verification_uuid": "/api/onboarding-verifications/", "parent_uuid": "/api/onboarding-verifications/",
}

// pick is a uuid seen in collection's responses (any seen one when there is
// none), now and then a fresh one that names nothing.
func (f *fuzzer) pick(collection string) string {
	pool := f.pools[collection]
	if len(pool) == 0 {
		pool = f.pools[""]
	}
	if len(pool) == 0 || f.rng.IntN(6) == 0 {
		return uuid.NewString()
	}
	return pool[f.rng.IntN(len(pool))]
}

// value generates a valid value of s (at its boundaries when boundary is
// set); name is the property's name, for uuid hints.
func (f *fuzzer) value(name string, s *openapi3.Schema, boundary bool, depth int) any {
	if s.Nullable && f.rng.IntN(8) == 0 {
		return nil
	}
	if s.Example != nil && !boundary && f.rng.IntN(2) == 0 {
		return s.Example
	}
	if len(s.Enum) > 0 {
		return s.Enum[f.rng.IntN(len(s.Enum))]
	}
	if len(s.AllOf) > 0 {
		return f.value(name, s.AllOf[0].Value, boundary, depth)
	}
	if alts := append(slices.Clone(s.OneOf), s.AnyOf...); len(alts) > 0 {
		return f.value(name, alts[f.rng.IntN(len(alts))].Value, boundary, depth+1)
	}
	switch {
	case s.Type.Is("boolean"):
		return f.rng.IntN(2) == 0
	case s.Type.Is("integer"), s.Type.Is("number"):
		lo, hi := -1000.0, 1000.0
		if s.Min != nil {
			lo = *s.Min
		}
		if s.Max != nil {
			hi = *s.Max
		}
		if s.Min != nil && s.Max == nil {
			hi = lo + 1000
		}
		if boundary {
			return pickOne(f.rng, lo, hi)
		}
		n := lo + f.rng.Float64()*(hi-lo)
		if s.Type.Is("integer") {
			return math.Round(n)
		}
		return math.Round(n*100) / 100
	case s.Type.Is("array"):
		n := f.rng.IntN(3)
		if s.MinItems > uint64(n) {
			n = int(s.MinItems)
		}
		if s.MaxItems != nil && uint64(n) > *s.MaxItems {
			n = int(*s.MaxItems)
		}
		items := make([]any, 0, n)
		for range n {
			if s.Items == nil {
				items = append(items, "x")
				continue
			}
			items = append(items, f.value(name, s.Items.Value, boundary, depth+1))
		}
		return items
	case s.Type.Is("object") || len(s.Properties) > 0:
		obj := map[string]any{}
		if depth > 4 {
			return obj
		}
		for prop, ps := range s.Properties {
			if ps.Value.ReadOnly {
				continue
			}
			if slices.Contains(s.Required, prop) || f.rng.IntN(2) == 0 {
				obj[prop] = f.value(prop, ps.Value, boundary, depth+1)
			}
		}
		return obj
	case s.Type.Is("string"):
		return f.str(name, s, boundary)
	}
	// No type (a free JSON value): a scalar.
	return pickOne[any](f.rng, "x", 1.0, true, nil)
}

// str generates a string of s: its format, pattern or length.
func (f *fuzzer) str(name string, s *openapi3.Schema, boundary bool) string {
	switch s.Format {
	case "uuid":
		if c, ok := uuidHints[name]; ok {
			return f.pick(c)
		}
		return f.pick("")
	case "date":
		return time.Date(1950+f.rng.IntN(80), time.Month(1+f.rng.IntN(12)), 1+f.rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	case "date-time":
		return time.Now().UTC().Add(time.Duration(f.rng.IntN(96)-24) * time.Hour).Format(time.RFC3339)
	case "email":
		return fmt.Sprintf("user%d@example.com", f.rng.IntN(1000))
	case "uri":
		return fmt.Sprintf("http://127.0.0.1:9/%d", f.rng.IntN(1000)) // never anywhere but this machine (e.g. a webhook URL)
	case "binary":
		return "x"
	}
	if s.Pattern != "" {
		if v, ok := f.fromPattern(s.Pattern); ok && (s.MaxLength == nil || uint64(len(v)) <= *s.MaxLength) {
			return v
		}
	}
	lo, hi := s.MinLength, uint64(12)
	if s.MaxLength != nil {
		hi = *s.MaxLength
	}
	n := lo
	switch {
	case boundary && f.rng.IntN(2) == 0:
		n = hi
	case !boundary && hi > lo:
		n = lo + uint64(f.rng.IntN(int(min(hi, lo+12)-lo)+1))
	}
	var b strings.Builder
	alphabet := []rune("abcdefghijklmnopqrstuvwxyzÄÖÜõ0123456789 -_'")
	for range n {
		b.WriteRune(alphabet[f.rng.IntN(len(alphabet))])
	}
	return b.String()
}

// fromPattern generates a string matching a regular expression.
func (f *fuzzer) fromPattern(pattern string) (string, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	var gen func(re *syntax.Regexp) bool
	gen = func(re *syntax.Regexp) bool {
		switch re.Op {
		case syntax.OpLiteral:
			b.WriteString(string(re.Rune))
		case syntax.OpCharClass:
			i := f.rng.IntN(len(re.Rune) / 2)
			lo, hi := re.Rune[2*i], re.Rune[2*i+1]
			b.WriteRune(lo + rune(f.rng.IntN(int(min(hi-lo, 25))+1)))
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			b.WriteByte('a')
		case syntax.OpCapture:
			return gen(re.Sub[0])
		case syntax.OpConcat:
			for _, sub := range re.Sub {
				if !gen(sub) {
					return false
				}
			}
		case syntax.OpAlternate:
			return gen(re.Sub[f.rng.IntN(len(re.Sub))])
		case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
			lo, hi := 0, 3
			switch re.Op {
			case syntax.OpPlus:
				lo = 1
			case syntax.OpQuest:
				hi = 1
			case syntax.OpRepeat:
				lo, hi = re.Min, re.Max
				if hi < 0 {
					hi = lo + 3
				}
			}
			for range lo + f.rng.IntN(hi-lo+1) {
				if !gen(re.Sub[0]) {
					return false
				}
			}
		case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText, syntax.OpEmptyMatch:
		default:
			return false
		}
		return true
	}
	return b.String(), gen(re)
}

// hasConstraint: whether some value breaks s.
func hasConstraint(s *openapi3.Schema) bool {
	return len(s.Enum) > 0 || s.Format == "uuid" || s.Type.Is("integer") || s.Type.Is("number") || s.Type.Is("boolean") || s.MaxLength != nil || s.Pattern != ""
}

// invalidScalar is a value for a parameter of schema s that s refuses, and why.
func (f *fuzzer) invalidScalar(s *openapi3.Schema, what string) (string, string) {
	var options [][2]string
	if s.Format == "uuid" {
		options = append(options, [2]string{"not-a-uuid", "not a uuid"}, [2]string{strings.Repeat("f", 33), "33 hex digits"})
	}
	if len(s.Enum) > 0 {
		options = append(options, [2]string{"no-such-value", "not in the enum"})
	}
	if s.Type.Is("integer") || s.Type.Is("number") {
		options = append(options, [2]string{"abc", "not a number"}, [2]string{"1.5e400", "out of range"})
		if s.Min != nil {
			options = append(options, [2]string{strconv.FormatFloat(*s.Min-1, 'f', -1, 64), "below the minimum"})
		}
		if s.Max != nil {
			options = append(options, [2]string{strconv.FormatFloat(*s.Max+1, 'f', -1, 64), "above the maximum"})
		}
	}
	if s.Type.Is("boolean") {
		options = append(options, [2]string{"maybe", "not a boolean"})
	}
	if s.MaxLength != nil {
		options = append(options, [2]string{strings.Repeat("x", int(*s.MaxLength)+1), "longer than maxLength"})
	}
	if strings.HasPrefix(what, "header ") { // headers are printable ASCII: bytes PostgreSQL cannot store, control characters, other text
		options = append(options, [2]string{"\xff\xfe", "invalid UTF-8"}, [2]string{"tab\there", "a control character"}, [2]string{"ключ", "not ASCII"})
	}
	if len(options) == 0 {
		return "x", "nothing"
	}
	o := options[f.rng.IntN(len(options))]
	return o[0], what + ": " + o[1]
}

// invalidBody is a JSON body that s refuses, and why.
func (f *fuzzer) invalidBody(s *openapi3.Schema) ([]byte, string) {
	valid := f.value("", s, false, 0)
	obj, isObject := valid.(map[string]any)
	type breakage struct {
		why   string
		apply func() any
	}
	breakages := []breakage{
		{"not JSON", func() any { return json.RawMessage(`{"`) }},
	}
	if !s.Type.Is("array") {
		breakages = append(breakages, breakage{"an array instead of an object", func() any { return []any{valid} }})
	} else {
		breakages = append(breakages, breakage{"an object instead of an array", func() any { return map[string]any{} }})
		if s.Items != nil && s.Items.Value.Type.Is("object") {
			breakages = append(breakages, breakage{"an item that is not an object", func() any { return []any{"x"} }})
		}
	}
	if isObject {
		for prop, ps := range s.Properties {
			p := ps.Value
			if p.ReadOnly {
				continue
			}
			if slices.Contains(s.Required, prop) {
				breakages = append(breakages, breakage{"without required " + prop, func() any { delete(obj, prop); return obj }})
			}
			if wrong, ok := wrongType(p); ok {
				breakages = append(breakages, breakage{prop + " of the wrong type", func() any { obj[prop] = wrong; return obj }})
			}
			if p.Type.Is("string") && p.Format != "binary" && hasConstraint(p) {
				bad, why := f.invalidScalar(p, prop)
				if why != "nothing" && !(p.Type.Is("string") && why == prop+": not a number") {
					breakages = append(breakages, breakage{why, func() any { obj[prop] = bad; return obj }})
				}
			}
			if (p.Type.Is("integer") || p.Type.Is("number")) && (p.Min != nil || p.Max != nil) {
				if p.Max != nil {
					breakages = append(breakages, breakage{prop + " above the maximum", func() any { obj[prop] = *p.Max + 1; return obj }})
				}
				if p.Min != nil {
					breakages = append(breakages, breakage{prop + " below the minimum", func() any { obj[prop] = *p.Min - 1; return obj }})
				}
			}
			if prop == "url" && p.Type.Is("string") { // a webhook target inside the network: refused when saved, so never sent to
				target := pickOne(f.rng, "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[fd00::1]/", "http://0.0.0.0:22/")
				breakages = append(breakages, breakage{"url inside the network", func() any { obj[prop] = target; return obj }})
			}
			if p.Format == "date" || p.Format == "date-time" {
				breakages = append(breakages, breakage{prop + " not a " + p.Format, func() any { obj[prop] = "2024-13-45"; return obj }})
			}
		}
	}
	b := breakages[f.rng.IntN(len(breakages))]
	out := b.apply()
	if raw, ok := out.(json.RawMessage); ok {
		return raw, b.why
	}
	raw, _ := json.Marshal(out)
	return raw, b.why
}

// wrongType is a value of another JSON type than p takes (false when p
// takes any JSON value).
func wrongType(p *openapi3.Schema) (any, bool) {
	switch {
	case len(p.AllOf) > 0:
		return wrongType(p.AllOf[0].Value)
	case p.Type.Is("string"):
		return 12, true
	case p.Type.Is("integer"), p.Type.Is("number"):
		return "12x", true
	case p.Type.Is("boolean"):
		return "yes", true
	case p.Type.Is("array"):
		return map[string]any{"a": 1}, true
	case p.Type.Is("object") && len(p.Properties) > 0:
		return []any{1}, true
	}
	return nil, false
}

// multipart is a multipart body for s: each binary field a small PDF, or
// (invalid) without its required file or with a file name that is not UTF-8.
func (f *fuzzer) multipart(s *openapi3.Schema, invalid bool, c *fuzzCase) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	badName := invalid && f.rng.IntN(2) == 0
	for prop, ps := range s.Properties {
		if invalid && !badName && slices.Contains(s.Required, prop) {
			c.why = "without required " + prop
			continue
		}
		if ps.Value.Format == "binary" {
			name := "minutes.pdf"
			if badName {
				name, c.why = "minutes\xff\xfe.pdf", "a file name that is not UTF-8"
			}
			part, _ := w.CreateFormFile(prop, name)
			part.Write([]byte("%PDF-1.4\n%%EOF\n"))
			continue
		}
		w.WriteField(prop, scalarString(f.value(prop, ps.Value, false, 1)))
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// wrongMedia is a body of a media type an operation taking declared does
// not take, or multipart without its boundary, and why.
func wrongMedia(rng *rand.Rand, declared string) ([]byte, string, string) {
	options := [][3]string{
		{"minutes", "text/plain", "a text/plain body"},
		{"--x\r\n\r\n--x--\r\n", "multipart/form-data", "multipart without a boundary"},
	}
	if strings.HasPrefix(declared, "multipart/") {
		options = append(options, [3]string{`{"file": "x"}`, "application/json", "JSON instead of multipart"})
	} else {
		options = append(options, [3]string{"--x\r\n\r\n--x--\r\n", "multipart/form-data; boundary=x", "multipart instead of JSON"})
	}
	o := options[rng.IntN(len(options))]
	return []byte(o[0]), o[1], o[2]
}

// scalarString formats a generated value for a query string or form field.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

func pickOne[T any](rng *rand.Rand, options ...T) T { return options[rng.IntN(len(options))] }

// report logs the cases and statuses per operation, and fails when an
// operation got no case at all.
func report(t *testing.T, ops []operation, stats map[string]map[string]int, budget, seed int) {
	var b strings.Builder
	fmt.Fprintf(&b, "contract fuzz: %d cases, seed %d, %d operations\n", budget, seed, len(ops))
	for _, op := range ops {
		s := stats[op.id]
		var statuses []string
		for k, n := range s {
			if _, err := strconv.Atoi(k); err == nil {
				statuses = append(statuses, fmt.Sprintf("%s×%d", k, n))
			}
		}
		sort.Strings(statuses)
		total := s["valid"] + s["boundary"] + s["invalid"]
		if total == 0 {
			t.Errorf("%s: no cases", op.id)
		}
		fmt.Fprintf(&b, "  %-58s %4d cases (valid %d, boundary %d, invalid %d)  %s\n", op.id, total, s["valid"], s["boundary"], s["invalid"], strings.Join(statuses, " "))
	}
	t.Log(b.String())
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}
