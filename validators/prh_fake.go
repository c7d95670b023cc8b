package validators

import (
	"embed"
	"fmt"
	"net/http"
)

//go:embed testdata/prh
var prhFS embed.FS

// Magic Business IDs of the fake (all pass CheckCode).
const (
	prhCodeVerified    = "0112038-9" // Nokia Oyj
	prhCodeNotFound    = "1000000-4"
	prhCodeBankrupt    = "1000001-2"
	prhCodeDeleted     = "1000002-0"
	prhCodeLiquidation = "1000003-9"
	prhCodeTimeout     = "1000004-7"
	prhCodeServerError = "1000005-5"
	prhCodeRateLimited = "1000006-3"
	prhCodeMalformed   = "1000007-1"
)

// PRH publishes no person data, so there is no not_authorized case and the
// verified case needs no person.
var prhSandboxCases = []SandboxCase{
	{Code: prhCodeVerified, Outcome: OutcomeVerified},
	{Code: prhCodeNotFound, Outcome: OutcomeNotFound},
	{Code: prhCodeBankrupt, Outcome: OutcomeBankrupt},
	{Code: prhCodeTimeout, Outcome: OutcomeTimeout},
}

// prhFake speaks the YTJ open data API v3: GET
// /opendata-ytj-api/v3/companies?businessId=…, no authentication, an empty
// result list for an unknown Business ID.
func prhFake() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prhPath, func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("businessId")
		switch id {
		case prhCodeTimeout:
			<-r.Context().Done()
			return
		case prhCodeServerError:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"timestamp":"2025-01-01T00:00:00","message":"Internal server error","errorcode":"500"}`)
			return
		case prhCodeRateLimited:
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, "Too many requests")
			return
		case prhCodeMalformed:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `<html><body>Service temporarily unavailable</body></html>`)
			return
		}
		data, err := prhFS.ReadFile("testdata/prh/" + id + ".json")
		if err != nil {
			data, _ = prhFS.ReadFile("testdata/prh/not_found.json")
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(data)
	})
	return mux
}
