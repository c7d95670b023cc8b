package validators

import (
	"embed"
	"encoding/json"
	"net/http"
	"strconv"
)

//go:embed testdata/companies_house
var companiesHouseFiles embed.FS

// Magic company numbers of the fake. Bodies are
// testdata/companies_house/company_<number>.json and officers_<number>.json.
const (
	chFakeVerified      = "00445790" // TESCO PLC: verified
	chFakeNotListed     = "00102498" // BP P.L.C.: person listed only as secretary
	chFakeAdministrated = "NI000002" // administration: bankrupt
	chFakeLiquidation   = "SC999001"
	chFakeDissolved     = "09000001" // dissolved, no officers: deleted
	chFakeNotFound      = "99999999"
	chFakeTimeout       = "88888888"
	chFakeRateLimited   = "77777777"
	chFakeServerError   = "66666666"
	chFakeMalformed     = "55555555" // truncated company profile
)

var companiesHouseSandboxCases = []SandboxCase{
	{Code: chFakeVerified, Outcome: OutcomeVerified, Person: Person{FirstName: "Jane", LastName: "Smith", BirthDate: fakeDate("1972-06-15")}},
	{Code: chFakeNotFound, Outcome: OutcomeNotFound},
	{Code: chFakeAdministrated, Outcome: OutcomeBankrupt},
	{Code: chFakeNotListed, Outcome: OutcomeNotAuthorized},
	{Code: chFakeTimeout, Outcome: OutcomeTimeout},
}

// companiesHouseFake speaks the company profile and officers paths with
// Basic auth (any non-empty API key as user name, empty password).
func companiesHouseFake() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /company/{number}", func(w http.ResponseWriter, r *http.Request) {
		n := r.PathValue("number")
		switch n {
		case chFakeTimeout:
			<-r.Context().Done()
			return
		case chFakeRateLimited:
			fakeJSON(w, http.StatusTooManyRequests, `{"errors":[{"error":"rate-limit-exceeded","type":"ch:service"}]}`)
			return
		case chFakeServerError:
			fakeJSON(w, http.StatusInternalServerError, `{"errors":[{"error":"service-unavailable","type":"ch:service"}]}`)
			return
		}
		body, err := companiesHouseFiles.ReadFile("testdata/companies_house/company_" + n + ".json")
		if err != nil {
			fakeJSON(w, http.StatusNotFound, `{"errors":[{"error":"company-profile-not-found","type":"ch:service"}]}`)
			return
		}
		fakeJSON(w, http.StatusOK, string(body))
	})
	mux.HandleFunc("GET /company/{number}/officers", func(w http.ResponseWriter, r *http.Request) {
		body, err := companiesHouseFiles.ReadFile("testdata/companies_house/officers_" + r.PathValue("number") + ".json")
		if err != nil {
			fakeJSON(w, http.StatusNotFound, `{"errors":[{"error":"not-found","type":"ch:service"}]}`)
			return
		}
		// Page like the real service: start_index and items_per_page (max 100).
		var list map[string]any
		if err := json.Unmarshal(body, &list); err != nil {
			fakeJSON(w, http.StatusInternalServerError, `{"errors":[{"error":"internal","type":"ch:service"}]}`)
			return
		}
		items, _ := list["items"].([]any)
		start, _ := strconv.Atoi(r.URL.Query().Get("start_index"))
		per, err := strconv.Atoi(r.URL.Query().Get("items_per_page"))
		if err != nil || per <= 0 || per > 100 {
			per = 35
		}
		start = min(max(start, 0), len(items))
		list["items"] = items[start:min(start+per, len(items))]
		list["start_index"], list["items_per_page"] = start, per
		page, _ := json.Marshal(list)
		fakeJSON(w, http.StatusOK, string(page))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key, pass, ok := r.BasicAuth(); !ok || key == "" || pass != "" {
			fakeJSON(w, http.StatusUnauthorized, `{"error":"Invalid Authorization","type":"ch:service"}`)
			return
		}
		mux.ServeHTTP(w, r)
	})
}
