package validators

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sony/gobreaker/v2"
)

// register is one row of the table of business registers.
type register struct {
	method     string                 // validation_method, also names the env variables
	defaultURL string                 // scheme and host of the real service
	new        func(Config) Validator // constructor
	fake       func() http.Handler    // fake register for tests and sandbox mode
	cases      []SandboxCase          // the fake's magic codes
}

// registers is every business register the service knows.
var registers = []register{
	{method: "ariregister", defaultURL: ariregisterDefaultURL, new: NewAriregister, fake: ariregisterFake, cases: ariregisterSandboxCases},
	{method: "prh", defaultURL: prhDefaultURL, new: NewPRH, fake: prhFake, cases: prhSandboxCases},
	{method: "breg", defaultURL: bregDefaultURL, new: NewBreg, fake: bregFake, cases: bregSandboxCases},
	{method: "cvr", defaultURL: cvrDefaultURL, new: NewCVR, fake: cvrFake, cases: cvrSandboxCases},
	{method: "bolagsverket", defaultURL: bolagsverketDefaultURL, new: NewBolagsverket, fake: bolagsverketFake, cases: bolagsverketSandboxCases},
	{method: "wirtschaftscompass", defaultURL: wirtschaftscompassDefaultURL, new: NewWirtschaftscompass, fake: wirtschaftscompassFake, cases: wirtschaftscompassSandboxCases},
	{method: "companies_house", defaultURL: companiesHouseDefaultURL, new: NewCompaniesHouse, fake: companiesHouseFake, cases: companiesHouseSandboxCases},
	{method: "sirene", defaultURL: sireneDefaultURL, new: NewSirene, fake: sireneFake, cases: sireneSandboxCases},
}

// Registry holds one validator per register, configured from the environment.
type Registry struct {
	sandbox   bool
	byCountry map[string]Validator
	methods   []MethodInfo
	cases     map[string][]SandboxCase
	observer  *observerBox
	budget    time.Duration // the longest time budget of one validation
}

// MethodInfo describes a validation method for clients (which countries it
// serves and which person fields to ask for).
type MethodInfo struct {
	Method       string   `json:"method"`
	Countries    []string `json:"countries"`
	PersonFields []string `json:"person_fields"`
}

// sandboxTimeout is the per-attempt timeout in sandbox mode unless
// configured: the fake answers at once, and its timeout case should not
// keep a demo waiting for half a minute.
const sandboxTimeout = time.Second

// sandboxCredential replaces every credential in sandbox mode.
const sandboxCredential = "sandbox"

// NewRegistry builds every register from ONBOARDING_<METHOD>_* variables.
// With ONBOARDING_SANDBOX=true every register talks to its built-in fake
// through an in-process transport, with placeholder credentials, and
// results carry "sandbox": true at the top of their Raw.
func NewRegistry(getenv func(string) string) (*Registry, error) {
	r := &Registry{byCountry: map[string]Validator{}, cases: map[string][]SandboxCase{}, observer: &observerBox{}}
	if s := getenv("ONBOARDING_SANDBOX"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("ONBOARDING_SANDBOX: %q is not true or false", s)
		}
		r.sandbox = b
	}
	for _, reg := range registers {
		cfg, err := FromEnv(reg.method, reg.defaultURL, getenv)
		if err != nil {
			return nil, err
		}
		if r.sandbox {
			cfg.Transport = handlerTransport{reg.fake()}
			// The fakes accept these placeholders; real secrets never go to them.
			for _, f := range []*string{&cfg.Username, &cfg.Password, &cfg.Token, &cfg.APIKey, &cfg.ClientID, &cfg.ClientSecret} {
				*f = sandboxCredential
			}
			if cfg.Timeout == 0 {
				cfg.Timeout = sandboxTimeout
			}
		}
		cfg.observer = r.observer
		cfg = cfg.withDefaults()
		r.budget = max(r.budget, cfg.Deadline)
		var v Validator = reg.new(cfg)
		if r.sandbox {
			v = sandboxValidator{v}
		}
		v = budgeted{v, cfg.Deadline}
		for _, cc := range v.Countries() {
			if prev, dup := r.byCountry[cc]; dup {
				return nil, fmt.Errorf("country %s is served by both %s and %s", cc, prev.Method(), v.Method())
			}
			r.byCountry[cc] = v
		}
		r.methods = append(r.methods, MethodInfo{Method: v.Method(), Countries: slices.Sorted(slices.Values(v.Countries())), PersonFields: v.PersonFields()})
		r.cases[v.Method()] = reg.cases
	}
	slices.SortFunc(r.methods, func(a, b MethodInfo) int { return strings.Compare(a.Method, b.Method) })
	return r, nil
}

// ForCountry returns the validator serving an ISO 3166-1 alpha-2 country.
func (r *Registry) ForCountry(cc string) (Validator, bool) {
	v, ok := r.byCountry[strings.ToUpper(strings.TrimSpace(cc))]
	return v, ok
}

// Methods lists the validation methods, sorted by name.
func (r *Registry) Methods() []MethodInfo { return slices.Clone(r.methods) }

// Countries lists the supported countries, sorted.
func (r *Registry) Countries() []string {
	out := make([]string, 0, len(r.byCountry))
	for cc := range r.byCountry {
		out = append(out, cc)
	}
	slices.Sort(out)
	return out
}

// Observe sends every register call's outcome and every circuit-breaker
// change to o; each register's circuit is reported closed at once.
func (r *Registry) Observe(o Observer) {
	r.observer.p.Store(&o)
	for _, m := range r.methods {
		o.BreakerState(m.Method, gobreaker.StateClosed.String())
	}
}

// Sandbox reports whether the registers are the built-in fakes.
func (r *Registry) Sandbox() bool { return r.sandbox }

// Budget is the longest time one validation may take, over all registers.
func (r *Registry) Budget() time.Duration { return r.budget }

// SandboxCases returns the magic codes of each method's fake register.
func (r *Registry) SandboxCases() map[string][]SandboxCase {
	out := make(map[string][]SandboxCase, len(r.cases))
	for m, cs := range r.cases {
		out[m] = slices.Clone(cs)
	}
	return out
}

// sandboxValidator marks results as coming from a fake register.
// budgeted gives each validation one time budget, however many calls and
// retries it makes (Config.Deadline, ONBOARDING_<METHOD>_BUDGET).
type budgeted struct {
	Validator
	budget time.Duration
}

func (b budgeted) Validate(ctx context.Context, req Request) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, b.budget)
	defer cancel()
	return b.Validator.Validate(ctx, req)
}

type sandboxValidator struct{ Validator }

func (s sandboxValidator) Validate(ctx context.Context, req Request) (*Result, error) {
	res, err := s.Validator.Validate(ctx, req)
	if err != nil || res == nil {
		return res, err
	}
	raw := map[string]json.RawMessage{}
	if len(res.Raw) == 0 || json.Unmarshal(res.Raw, &raw) != nil {
		raw = map[string]json.RawMessage{}
		if len(res.Raw) > 0 {
			raw["response"] = res.Raw
		}
	}
	raw["sandbox"] = json.RawMessage("true")
	if res.Raw, err = json.Marshal(raw); err != nil {
		return nil, &Error{Code: CodeAPIError, Message: "cannot mark sandbox result", Err: err}
	}
	return res, nil
}

// handlerTransport serves requests with an in-process handler: no sockets,
// the client's real request and parsing code run, only the wire is skipped.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	if err := req.Context().Err(); err != nil {
		return nil, err // the fake held the request until the caller gave up
	}
	res := rec.Result()
	res.Request = req
	return res, nil
}
