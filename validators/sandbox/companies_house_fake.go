package sandbox

import (
	"embed"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/onboarding-kyb/onboarding/validators"
)

//go:embed testdata/companies_house
var companiesHouseFiles embed.FS

// Magic company numbers of the fake. Bodies are
// testdata/companies_house/company_<number>.json and officers_<number>.json.
const (
	ChFakeVerified      = "00445790" // TESCO PLC: verified
	ChFakeNotListed     = "00102498" // BP P.L.C.: person listed only as secretary
	ChFakeAdministrated = "NI000002" // administration: bankrupt
	ChFakeLiquidation   = "SC999001"
	ChFakeDissolved     = "09000001" // dissolved, no officers: deleted
	ChFakeNotFound      = "99999999"
	ChFakeTimeout       = "88888888"
	ChFakeRateLimited   = "77777777"
	ChFakeServerError   = "66666666"
	ChFakeMalformed     = "55555555" // truncated company profile
)

var CompaniesHouseSandboxCases = []validators.SandboxCase{
	{Code: ChFakeVerified, Outcome: validators.OutcomeVerified, Person: validators.Person{FirstName: "Jane", LastName: "Smith", BirthDate: fakeDate("1972-06-15")}},
	{Code: ChFakeNotFound, Outcome: validators.OutcomeNotFound},
	{Code: ChFakeAdministrated, Outcome: validators.OutcomeBankrupt},
	{Code: ChFakeNotListed, Outcome: validators.OutcomeNotAuthorized},
	{Code: ChFakeTimeout, Outcome: validators.OutcomeTimeout},
}

// CompaniesHouseFake speaks the company profile and officers paths with
// Basic auth (any non-empty API key as user name, empty password).
func CompaniesHouseFake() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /company/{number}", func(w http.ResponseWriter, r *http.Request) {
		n := r.PathValue("number")
		switch n {
		case ChFakeTimeout:
			<-r.Context().Done()
			return
		case ChFakeRateLimited:
			fakeJSON(w, http.StatusTooManyRequests, `{"errors":[{"error":"rate-limit-exceeded","type":"ch:service"}]}`)
			return
		case ChFakeServerError:
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
