package validators

import (
	"embed"
	"encoding/json"
	"io"
	"net/http"
)

//go:embed testdata/cvr
var cvrTestdata embed.FS

// Magic CVR numbers of the cvr fake (all pass CheckCode).
const (
	cvrCodeVerified      = "13585628" // published test vector; fictional company, Mette Louise Kjær is ADM. DIR.
	cvrCodeNotFound      = "30000005" // no hits
	cvrCodeBankrupt      = "30000013" // UNDER KONKURS
	cvrCodeNotAuthorized = "30000021" // Mette Kjær only owner/founder; the director is "Mette Kjærsgaard"
	cvrCodeTimeout       = "30000048"
	cvrCodeDissolved     = "30000056" // OPLØST EFTER FRIVILLIG LIKVIDATION
	cvrCode429           = "30000064"
	cvrCode500           = "30000072"
	cvrCodeMalformed     = "30000080"
	cvrCodeLiquidation   = "30000099" // UNDER FRIVILLIG LIKVIDATION
)

var cvrSandboxPerson = Person{FirstName: "Mette", LastName: "Kjær"}

var cvrSandboxCases = []SandboxCase{
	{Code: cvrCodeVerified, Outcome: OutcomeVerified, Person: cvrSandboxPerson},
	{Code: cvrCodeNotFound, Outcome: OutcomeNotFound, Person: cvrSandboxPerson},
	{Code: cvrCodeBankrupt, Outcome: OutcomeBankrupt, Person: cvrSandboxPerson},
	{Code: cvrCodeNotAuthorized, Outcome: OutcomeNotAuthorized, Person: cvrSandboxPerson},
	{Code: cvrCodeTimeout, Outcome: OutcomeTimeout, Person: cvrSandboxPerson},
}

// cvrFake speaks the CVR Elasticsearch distribution: POST
// /cvr-permanent/virksomhed/_search with a term query on Vrvirksomhed.cvrNummer,
// HTTP Basic auth (any non-empty user and password), ES hits documents.
func cvrFake() http.Handler {
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
		case cvrCodeTimeout:
			<-r.Context().Done()
			return
		case cvrCode429:
			http.Error(w, `{"error":{"type":"es_rejected_execution_exception"},"status":429}`, http.StatusTooManyRequests)
			return
		case cvrCode500:
			http.Error(w, `{"error":{"type":"search_phase_execution_exception"},"status":500}`, http.StatusInternalServerError)
			return
		case cvrCodeMalformed:
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
