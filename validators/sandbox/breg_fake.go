package sandbox

import (
	"embed"
	"net/http"
	"strings"

	"github.com/onboarding-kyb/onboarding/validators"
)

//go:embed testdata/breg
var bregTestdata embed.FS

// Magic organisation numbers of the breg fake (all pass CheckCode).
const (
	BregCodeVerified      = "923609016" // Equinor ASA, Kari Nordmann is daily manager
	BregCodeNotFound      = "910000004" // 404
	BregCodeBankrupt      = "910000012" // konkurs: true
	BregCodeNotAuthorized = "910000020" // Kari Nordmann only as deputy / with another birth date
	BregCodeTimeout       = "910000039" // blocks until the client gives up
	BregCodeDeleted       = "910000047" // 410 Gone
	BregCodeLiquidation   = "910000055" // underAvvikling: true
	BregCode429           = "910000063"
	BregCode500           = "910000071"
	BregCodeMalformed     = "910000098" // 200 with a body that is not JSON
)

var BregSandboxPerson = validators.Person{FirstName: "Kari", LastName: "Nordmann", BirthDate: fakeDate("1975-04-12")}

var BregSandboxCases = []validators.SandboxCase{
	{Code: BregCodeVerified, Outcome: validators.OutcomeVerified, Person: BregSandboxPerson},
	{Code: BregCodeNotFound, Outcome: validators.OutcomeNotFound, Person: BregSandboxPerson},
	{Code: BregCodeBankrupt, Outcome: validators.OutcomeBankrupt, Person: BregSandboxPerson},
	{Code: BregCodeNotAuthorized, Outcome: validators.OutcomeNotAuthorized, Person: BregSandboxPerson},
	{Code: BregCodeTimeout, Outcome: validators.OutcomeTimeout, Person: BregSandboxPerson},
}

// BregFake speaks Enhetsregisteret's open API: GET /enhetsregisteret/api/enheter/{orgnr}
// and …/{orgnr}/roller, HAL JSON, no authentication.
func BregFake() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /enhetsregisteret/api/enheter/{orgnr}", func(w http.ResponseWriter, r *http.Request) {
		bregServe(w, r, r.PathValue("orgnr"), "")
	})
	mux.HandleFunc("GET /enhetsregisteret/api/enheter/{orgnr}/roller", func(w http.ResponseWriter, r *http.Request) {
		bregServe(w, r, r.PathValue("orgnr"), "_roller")
	})
	return mux
}

func bregServe(w http.ResponseWriter, r *http.Request, orgnr, suffix string) {
	switch orgnr {
	case BregCodeTimeout:
		<-r.Context().Done()
		return
	case BregCode429:
		w.Header().Set("Retry-After", "1")
		http.Error(w, `{"status":429,"error":"Too Many Requests"}`, http.StatusTooManyRequests)
		return
	case BregCode500:
		http.Error(w, `{"status":500,"error":"Internal Server Error"}`, http.StatusInternalServerError)
		return
	case BregCodeMalformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"organisasjonsnummer":"910000098","navn":`))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if body, err := bregTestdata.ReadFile("testdata/breg/" + orgnr + "_gone.json"); err == nil {
		w.WriteHeader(http.StatusGone)
		_, _ = w.Write(body)
		return
	}
	body, err := bregTestdata.ReadFile("testdata/breg/" + orgnr + suffix + ".json")
	if err != nil {
		body, _ = bregTestdata.ReadFile("testdata/breg/not_found.json")
		body = []byte(strings.Replace(string(body), `/enhetsregisteret/api/enheter"`, r.URL.Path+`"`, 1))
		w.WriteHeader(http.StatusNotFound)
	}
	_, _ = w.Write(body)
}
