package validators

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Register is one row of the table of business registers.
type Register struct {
	Method     string                 // validation_method, also names the env variables
	DefaultURL string                 // scheme and host of the real service
	New        func(Config) Validator // constructor
}

// registers is every business register the service knows.
var registers = []Register{
	{Method: "ariregister", DefaultURL: ariregisterDefaultURL, New: NewAriregister},
	{Method: "prh", DefaultURL: prhDefaultURL, New: NewPRH},
	{Method: "breg", DefaultURL: bregDefaultURL, New: NewBreg},
	{Method: "cvr", DefaultURL: cvrDefaultURL, New: NewCVR},
	{Method: "bolagsverket", DefaultURL: bolagsverketDefaultURL, New: NewBolagsverket},
	{Method: "wirtschaftscompass", DefaultURL: wirtschaftscompassDefaultURL, New: NewWirtschaftscompass},
	{Method: "companies_house", DefaultURL: companiesHouseDefaultURL, New: NewCompaniesHouse},
	{Method: "sirene", DefaultURL: sireneDefaultURL, New: NewSirene},
	{Method: "vies", DefaultURL: viesDefaultURL, New: NewVIES},
	{Method: "ares", DefaultURL: aresDefaultURL, New: NewARES},
	{Method: "gleif", DefaultURL: gleifDefaultURL, New: NewGLEIF},
}

// Registers lists every business register the service knows.
func Registers() []Register { return slices.Clone(registers) }

// Fake stands in for one register in sandbox mode (package
// validators/sandbox has one per register).
type Fake struct {
	Transport http.RoundTripper // answers the client's requests in process
	Cases     []SandboxCase     // the fake's magic codes
}

// Registry holds one validator per register, configured from the environment.
type Registry struct {
	sandbox   bool
	byCountry map[string]Validator
	byMethod  map[string]Validator
	methods   []MethodInfo
	cases     map[string][]SandboxCase
	observer  *observerBox
	budget    time.Duration // the longest time one validation may take: its register's budget and GLEIF's second opinion
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

// SandboxCredential replaces every credential in sandbox mode.
const SandboxCredential = "sandbox"

// Settings configure the registry: every register's client by method (a
// register left out, or a field left zero, takes its defaults), and whether
// the fakes answer instead (ONBOARDING_SANDBOX).
type Settings struct {
	Sandbox bool
	Clients map[string]Config
}

// NewRegistry builds every register. In sandbox mode every register talks
// to its fake in fakes (keyed by method) instead, with placeholder
// credentials, and results carry "sandbox": true at the top of their Raw.
// fakes is unused otherwise.
func NewRegistry(settings Settings, fakes map[string]Fake) (*Registry, error) {
	r := &Registry{byCountry: map[string]Validator{}, byMethod: map[string]Validator{}, cases: map[string][]SandboxCase{}, observer: &observerBox{},
		sandbox: settings.Sandbox}
	var longest, gleifBudget time.Duration
	for _, reg := range registers {
		cfg := settings.Clients[reg.Method]
		cfg.Countries = slices.Clone(cfg.Countries)
		for i, cc := range cfg.Countries {
			cc = strings.ToUpper(strings.TrimSpace(cc))
			if len(cc) != 2 || strings.Trim(cc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
				return nil, fmt.Errorf("ONBOARDING_%s_COUNTRIES: %q is not an ISO 3166-1 alpha-2 code", strings.ToUpper(reg.Method), cc)
			}
			cfg.Countries[i] = cc
		}
		if cfg.BaseURL == "" {
			cfg.BaseURL = reg.DefaultURL
		}
		fake, hasFake := fakes[reg.Method]
		if r.sandbox {
			if !hasFake {
				return nil, fmt.Errorf("ONBOARDING_SANDBOX: no fake register for %s", reg.Method)
			}
			cfg.Transport = fake.Transport
			// The fakes accept these placeholders; real secrets never go to them.
			for _, f := range []*string{&cfg.Username, &cfg.Password, &cfg.Token, &cfg.APIKey, &cfg.ClientID, &cfg.ClientSecret} {
				*f = SandboxCredential
			}
			if cfg.Timeout == 0 {
				cfg.Timeout = sandboxTimeout
			}
		}
		cfg.observer = r.observer
		cfg = cfg.withDefaults()
		if reg.Method == "gleif" {
			gleifBudget = cfg.Deadline
		} else {
			longest = max(longest, cfg.Deadline)
		}
		var v Validator = reg.New(cfg)
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
		r.byMethod[v.Method()] = v
		countries := append([]string{}, v.Countries()...) // [] rather than null when none is configured (gleif)
		slices.Sort(countries)
		r.methods = append(r.methods, MethodInfo{Method: v.Method(), Countries: countries, PersonFields: v.PersonFields()})
		r.cases[v.Method()] = fake.Cases
	}
	r.budget = longest + gleifBudget // a run may ask its register, then GLEIF (verify.Run)
	slices.SortFunc(r.methods, func(a, b MethodInfo) int { return strings.Compare(a.Method, b.Method) })
	return r, nil
}

// ForCountry returns the validator serving an ISO 3166-1 alpha-2 country.
func (r *Registry) ForCountry(cc string) (Validator, bool) {
	v, ok := r.byCountry[strings.ToUpper(strings.TrimSpace(cc))]
	return v, ok
}

// Method returns the validator of a validation method (gleif, for the
// second opinion on a verification that names an LEI).
func (r *Registry) Method(name string) (Validator, bool) {
	v, ok := r.byMethod[name]
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

// Budget is the longest time one validation may take: the longest budget
// of a register, then GLEIF's for the second opinion.
func (r *Registry) Budget() time.Duration { return r.budget }

// SandboxCases returns the magic codes of each method's fake register.
func (r *Registry) SandboxCases() map[string][]SandboxCase {
	out := make(map[string][]SandboxCase, len(r.cases))
	for m, cs := range r.cases {
		out[m] = slices.Clone(cs)
	}
	return out
}

// budgeted gives each validation one time budget, however many calls and
// retries it makes (Config.Deadline, ONBOARDING_<METHOD>_BUDGET).
type budgeted struct {
	Validator
	budget time.Duration
}

func (b budgeted) CheckCountryCode(country, code string) error {
	return CheckCode(b.Validator, country, code)
}

func (b budgeted) Validate(ctx context.Context, req Request) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, b.budget)
	defer cancel()
	return b.Validator.Validate(ctx, req)
}

// sandboxValidator marks results as coming from a fake register.
type sandboxValidator struct{ Validator }

func (s sandboxValidator) CheckCountryCode(country, code string) error {
	return CheckCode(s.Validator, country, code)
}

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
