package validators

import (
	"embed"
	"net/http"
	"strings"
	"time"
)

//go:embed testdata/breg
var bregTestdata embed.FS

// Magic organisation numbers of the breg fake (all pass CheckCode).
const (
	bregCodeVerified      = "923609016" // Equinor ASA, Kari Nordmann is daily manager
	bregCodeNotFound      = "910000004" // 404
	bregCodeBankrupt      = "910000012" // konkurs: true
	bregCodeNotAuthorized = "910000020" // Kari Nordmann only as deputy / with another birth date
	bregCodeTimeout       = "910000039" // blocks until the client gives up
	bregCodeDeleted       = "910000047" // 410 Gone
	bregCodeLiquidation   = "910000055" // underAvvikling: true
	bregCode429           = "910000063"
	bregCode500           = "910000071"
	bregCodeMalformed     = "910000098" // 200 with a body that is not JSON
)

var bregSandboxPerson = Person{FirstName: "Kari", LastName: "Nordmann", BirthDate: bregDate("1975-04-12")}

var bregSandboxCases = []SandboxCase{
	{Code: bregCodeVerified, Outcome: OutcomeVerified, Person: bregSandboxPerson},
	{Code: bregCodeNotFound, Outcome: OutcomeNotFound, Person: bregSandboxPerson},
	{Code: bregCodeBankrupt, Outcome: OutcomeBankrupt, Person: bregSandboxPerson},
	{Code: bregCodeNotAuthorized, Outcome: OutcomeNotAuthorized, Person: bregSandboxPerson},
	{Code: bregCodeTimeout, Outcome: OutcomeTimeout, Person: bregSandboxPerson},
}

func bregDate(s string) *time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &t
}

// bregFake speaks Enhetsregisteret's open API: GET /enhetsregisteret/api/enheter/{orgnr}
// and …/{orgnr}/roller, HAL JSON, no authentication.
func bregFake() http.Handler {
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
	case bregCodeTimeout:
		<-r.Context().Done()
		return
	case bregCode429:
		w.Header().Set("Retry-After", "1")
		http.Error(w, `{"status":429,"error":"Too Many Requests"}`, http.StatusTooManyRequests)
		return
	case bregCode500:
		http.Error(w, `{"status":500,"error":"Internal Server Error"}`, http.StatusInternalServerError)
		return
	case bregCodeMalformed:
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
