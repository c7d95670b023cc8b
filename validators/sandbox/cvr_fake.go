package sandbox

import (
	"embed"
	"encoding/json"
	"io"
	"net/http"

	"github.com/onboarding-kyb/onboarding/validators"
)

//go:embed testdata/cvr
var cvrTestdata embed.FS

// Magic CVR numbers of the cvr fake (all pass CheckCode).
const (
	CvrCodeVerified      = "13585628" // published test vector; fictional company, Mette Louise Kjær is ADM. DIR.
	CvrCodeNotFound      = "30000005" // no hits
	CvrCodeBankrupt      = "30000013" // UNDER KONKURS
	CvrCodeNotAuthorized = "30000021" // Mette Kjær only owner/founder; the director is "Mette Kjærsgaard"
	CvrCodeTimeout       = "30000048"
	CvrCodeDissolved     = "30000056" // OPLØST EFTER FRIVILLIG LIKVIDATION
	CvrCode429           = "30000064"
	CvrCode500           = "30000072"
	CvrCodeMalformed     = "30000080"
	CvrCodeLiquidation   = "30000099" // UNDER FRIVILLIG LIKVIDATION
)

var CvrSandboxPerson = validators.Person{FirstName: "Mette", LastName: "Kjær"}

var CvrSandboxCases = []validators.SandboxCase{
	{Code: CvrCodeVerified, Outcome: validators.OutcomeVerified, Person: CvrSandboxPerson},
	{Code: CvrCodeNotFound, Outcome: validators.OutcomeNotFound, Person: CvrSandboxPerson},
	{Code: CvrCodeBankrupt, Outcome: validators.OutcomeBankrupt, Person: CvrSandboxPerson},
	{Code: CvrCodeNotAuthorized, Outcome: validators.OutcomeNotAuthorized, Person: CvrSandboxPerson},
	{Code: CvrCodeTimeout, Outcome: validators.OutcomeTimeout, Person: CvrSandboxPerson},
}

// CvrFake speaks the CVR Elasticsearch distribution: POST
// /cvr-permanent/virksomhed/_search with a term query on Vrvirksomhed.cvrNummer,
// HTTP Basic auth (any non-empty user and password), ES hits documents.
func CvrFake() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cvr-permanent/virksomhed/_search", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		if u, p, ok := r.BasicAuth(); !ok || u == "" || p == "" {
			body, _ := cvrTestdata.ReadFile("testdata/cvr/unauthorized.json")
			w.Header().Set("WWW-Authenticate", `Basic realm="security" charset="UTF-8"`)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write(body)
			return
		}
		var q struct {
			Query struct {
				Term map[string]json.RawMessage `json:"term"`
			} `json:"query"`
		}
		data, _ := io.ReadAll(r.Body)
		var nr json.Number
		if json.Unmarshal(data, &q) != nil || json.Unmarshal(q.Query.Term["Vrvirksomhed.cvrNummer"], &nr) != nil {
			http.Error(w, `{"error":{"type":"parsing_exception","reason":"unsupported query"},"status":400}`, http.StatusBadRequest)
			return
		}
		code := nr.String()
		switch code {
		case CvrCodeTimeout:
			<-r.Context().Done()
			return
		case CvrCode429:
			http.Error(w, `{"error":{"type":"es_rejected_execution_exception"},"status":429}`, http.StatusTooManyRequests)
			return
		case CvrCode500:
			http.Error(w, `{"error":{"type":"search_phase_execution_exception"},"status":500}`, http.StatusInternalServerError)
			return
		case CvrCodeMalformed:
			_, _ = w.Write([]byte(`{"took":3,"timed_out":false,"hits":{"total":1,"hits":[{"_source":`))
			return
		}
		body, err := cvrTestdata.ReadFile("testdata/cvr/" + code + ".json")
		if err != nil {
			body, _ = cvrTestdata.ReadFile("testdata/cvr/empty.json")
		}
		_, _ = w.Write(body)
	})
	return mux
}
