package sandbox

import (
	"embed"
	"fmt"
	"net/http"

	"github.com/onboarding-kyb/onboarding/validators"
)

//go:embed testdata/prh
var prhFS embed.FS

// Magic Business IDs of the fake (all pass CheckCode).
const (
	PrhCodeVerified    = "0112038-9" // Nokia Oyj
	PrhCodeNotFound    = "1000000-4"
	PrhCodeBankrupt    = "1000001-2"
	PrhCodeDeleted     = "1000002-0"
	PrhCodeLiquidation = "1000003-9"
	PrhCodeTimeout     = "1000004-7"
	PrhCodeServerError = "1000005-5"
	PrhCodeRateLimited = "1000006-3"
	PrhCodeMalformed   = "1000007-1"
)

// PRH publishes no person data, so there is no not_authorized case and the
// verified case needs no person.
var PrhSandboxCases = []validators.SandboxCase{
	{Code: PrhCodeVerified, Outcome: validators.OutcomeVerified},
	{Code: PrhCodeNotFound, Outcome: validators.OutcomeNotFound},
	{Code: PrhCodeBankrupt, Outcome: validators.OutcomeBankrupt},
	{Code: PrhCodeTimeout, Outcome: validators.OutcomeTimeout},
}

// PrhFake speaks the YTJ open data API v3: GET
// /opendata-ytj-api/v3/companies?businessId=…, no authentication, an empty
// result list for an unknown Business ID.
func PrhFake() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /opendata-ytj-api/v3/companies", func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("businessId")
		switch id {
		case PrhCodeTimeout:
			<-r.Context().Done()
			return
		case PrhCodeServerError:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"timestamp":"2025-01-01T00:00:00","message":"Internal server error","errorcode":"500"}`)
			return
		case PrhCodeRateLimited:
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, "Too many requests")
			return
		case PrhCodeMalformed:
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
