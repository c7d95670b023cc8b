// Package sandbox holds a fake of every business register: HTTP handlers
// that speak the register's protocol and answer from recorded bodies in the
// register's documented shape. Sandbox mode (ONBOARDING_SANDBOX=true) and
// the validators' tests use them; the production clients never do.
package sandbox

import (
	"net/http"
	"net/http/httptest"

	"github.com/onboarding-kyb/onboarding/validators"
)

// Register is the fake of one business register and its magic codes.
type Register struct {
	Method  string
	Handler func() http.Handler
	// Cases are the outcomes sandbox mode documents (README).
	Cases []validators.SandboxCase
	// Fault magic codes: the register answers 5xx, 429 with a Retry-After,
	// or a body that cannot be read.
	ServerError, RateLimited, Malformed string
	// Credentials: the register needs credentials; without them a
	// validation ends with CONFIGURATION_ERROR.
	Credentials bool
	// NoCondition: the register does not tell a live company from a
	// bankrupt one (VIES: only whether a VAT number is registered).
	NoCondition bool
}

// Registers lists the fake of every register, in validators.Registers order.
func Registers() []Register {
	return []Register{
		{Method: "ariregister", Handler: AriregisterFake, Cases: AriregisterSandboxCases, Credentials: true,
			ServerError: AriregisterCodeServerError, RateLimited: AriregisterCodeRateLimited, Malformed: AriregisterCodeMalformed},
		{Method: "prh", Handler: PrhFake, Cases: PrhSandboxCases,
			ServerError: PrhCodeServerError, RateLimited: PrhCodeRateLimited, Malformed: PrhCodeMalformed},
		{Method: "breg", Handler: BregFake, Cases: BregSandboxCases,
			ServerError: BregCode500, RateLimited: BregCode429, Malformed: BregCodeMalformed},
		{Method: "cvr", Handler: CvrFake, Cases: CvrSandboxCases, Credentials: true,
			ServerError: CvrCode500, RateLimited: CvrCode429, Malformed: CvrCodeMalformed},
		{Method: "bolagsverket", Handler: BolagsverketFake, Cases: BolagsverketSandboxCases, Credentials: true,
			ServerError: BolagsverketCode500, RateLimited: BolagsverketCode429, Malformed: BolagsverketCodeMalformed},
		{Method: "wirtschaftscompass", Handler: WirtschaftscompassFake, Cases: WirtschaftscompassSandboxCases, Credentials: true,
			ServerError: WicoFakeServerError, RateLimited: WicoFakeRateLimited, Malformed: "444444w"},
		{Method: "companies_house", Handler: CompaniesHouseFake, Cases: CompaniesHouseSandboxCases, Credentials: true,
			ServerError: ChFakeServerError, RateLimited: ChFakeRateLimited, Malformed: ChFakeMalformed},
		{Method: "sirene", Handler: SireneFake, Cases: SireneSandboxCases,
			ServerError: SireneFakeServerError, RateLimited: SireneFakeRateLimited, Malformed: SireneFakeMalformed},
		{Method: "ares", Handler: AresFake, Cases: AresSandboxCases,
			ServerError: AresServerError, RateLimited: AresRateLimited, Malformed: AresMalformed},
		{Method: "gleif", Handler: GleifFake, Cases: GleifSandboxCases,
			ServerError: GleifServerError, RateLimited: GleifRateLimited, Malformed: GleifMalformed},
		{Method: "vies", Handler: ViesFake, Cases: ViesSandboxCases, NoCondition: true,
			ServerError: ViesServerError, RateLimited: ViesRateLimited, Malformed: ViesMalformed},
	}
}

// Fakes returns every register's fake for validators.NewRegistry: each
// serves the client's requests in process.
func Fakes() map[string]validators.Fake {
	out := map[string]validators.Fake{}
	for _, r := range Registers() {
		out[r.Method] = validators.Fake{Transport: handlerTransport{r.Handler()}, Cases: r.Cases}
	}
	return out
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
