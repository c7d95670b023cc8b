package sandbox

import (
	"embed"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/onboarding-kyb/onboarding/validators"
)

//go:embed testdata/wirtschaftscompass
var wirtschaftscompassFiles embed.FS

// WicoFakeIDs maps the fake's FNs to WirtschaftsCompass ids; each id's
// report is testdata/wirtschaftscompass/report_<fn>.json.
var WicoFakeIDs = map[string]string{
	"93363z":  "076d39c4-a5f2-44ea-8540-50c9fb9c6132", // OMV Aktiengesellschaft: verified
	"33209m":  "5b1f0c2e-8d3a-4e6f-9a71-2c4d8e9f0b13", // Erste Group Bank AG: person not listed
	"123456d": "9c2a4e71-3b5d-4f80-a1c6-7d8e9f0a1b24", // Konkursverfahren open: bankrupt
	"234567b": "1d3e5f70-6a8b-4c9d-8e0f-a1b2c3d4e5f6", // gelöscht: deleted
	"345678a": "2e4f6a81-7b9c-4dae-9f10-b2c3d4e5f607", // in Liquidation
	"444444w": "3f5a7b92-8cad-4ebf-a021-c3d4e5f60718", // truncated report: malformed body
	"456789z": "4a6b8ca3-9dbe-4fc0-b132-d4e5f6071829", // report without the (modelled) insolvency and liquidation fields: status unknown
}

// Magic FNs of the fake that are not companies.
const (
	WicoFakeNotFound    = "999999m"
	WicoFakeTimeout     = "111111z"
	WicoFakeRateLimited = "222222y"
	WicoFakeServerError = "333333x"
)

var WirtschaftscompassSandboxCases = []validators.SandboxCase{
	{Code: "93363z", Outcome: validators.OutcomeVerified, Person: validators.Person{FirstName: "Maria", LastName: "Huber", BirthDate: fakeDate("1971-03-14")}},
	{Code: WicoFakeNotFound, Outcome: validators.OutcomeNotFound},
	{Code: "123456d", Outcome: validators.OutcomeBankrupt},
	{Code: "33209m", Outcome: validators.OutcomeNotAuthorized},
	{Code: WicoFakeTimeout, Outcome: validators.OutcomeTimeout},
}

// WirtschaftscompassFake speaks WirtschaftsCompass's resolve and
// company-report paths; any non-empty bearer token is accepted.
func WirtschaftscompassFake() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /organisation/v1/resolve", func(w http.ResponseWriter, r *http.Request) {
		fn := r.URL.Query().Get("register-number")
		switch {
		case r.URL.Query().Get("register-number-type") != "FN":
			fakeJSON(w, http.StatusBadRequest, `{"errors":[{"code":"BAD_REQUEST","message":"register-number-type must be FN"}]}`)
		case fn == WicoFakeTimeout:
			<-r.Context().Done()
		case fn == WicoFakeRateLimited:
			fakeJSON(w, http.StatusTooManyRequests, `{"errors":[{"code":"TOO_MANY_REQUESTS","message":"rate limit exceeded"}]}`)
		case fn == WicoFakeServerError:
			fakeJSON(w, http.StatusInternalServerError, `{"errors":[{"code":"INTERNAL_ERROR","message":"internal error"}]}`)
		case WicoFakeIDs[fn] != "":
			body, _ := json.Marshal(map[string]any{"meta": map[string]any{}, "data": map[string]string{"wicoId": WicoFakeIDs[fn]}})
			fakeJSON(w, http.StatusOK, string(body))
		default:
			fakeJSON(w, http.StatusNotFound, `{"errors":[{"code":"NOT_FOUND","message":"register number not found"}]}`)
		}
	})
	mux.HandleFunc("GET /organisation/v1/{id}/company-report", func(w http.ResponseWriter, r *http.Request) {
		for fn, id := range WicoFakeIDs {
			if id == r.PathValue("id") {
				body, err := wirtschaftscompassFiles.ReadFile("testdata/wirtschaftscompass/report_" + fn + ".json")
				if err == nil {
					fakeJSON(w, http.StatusOK, string(body))
					return
				}
			}
		}
		fakeJSON(w, http.StatusNotFound, `{"errors":[{"code":"NOT_FOUND","message":"organisation not found"}]}`)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			fakeJSON(w, http.StatusUnauthorized, `{"errors":[{"code":"UNAUTHORIZED","message":"invalid or missing bearer token"}]}`)
			return
		}
		mux.ServeHTTP(w, r)
	})
}
