package sandbox

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/onboarding-kyb/onboarding/validators"
)

//go:embed testdata/bolagsverket
var bolagsverketTestdata embed.FS

// Magic organisation numbers of the bolagsverket fake (all pass CheckCode).
const (
	BolagsverketCodeVerified      = "2021005489" // Telefonaktiebolaget L M Ericsson, test person 19121212-1212 is VD
	BolagsverketCodeNotFound      = "5590000005" // ORGANISATION_FINNS_EJ
	BolagsverketCodeBankrupt      = "5590000013" // ongoing KK (konkurs)
	BolagsverketCodeNotAuthorized = "5590000021" // 19121212-1212 only deputy board member (SU)
	BolagsverketCodeTimeout       = "5590000039"
	BolagsverketCodeDeregistered  = "5590000047" // avregistreradOrganisation
	BolagsverketCodeLiquidation   = "5590000054" // ongoing LI (likvidation)
	BolagsverketCode429           = "5590000062"
	BolagsverketCode500           = "5590000070"
	BolagsverketCodeMalformed     = "5590000088"
	BolagsverketCodeReconstructed = "5590000096" // ongoing FR (företagsrekonstruktion)
	BolagsverketCodeComposition   = "5590000104" // ongoing AC (ackord)
	BolagsverketCodeUnknownCase   = "5590000112" // an ongoing proceeding with a code not in the code list
)

// BolagsverketSandboxPerson is Skatteverket's well-known test personal number.
var BolagsverketSandboxPerson = validators.Person{Identifier: "19121212-1212", FirstName: "Tolvan", LastName: "Tolvansson"}

var BolagsverketSandboxCases = []validators.SandboxCase{
	{Code: BolagsverketCodeVerified, Outcome: validators.OutcomeVerified, Person: BolagsverketSandboxPerson},
	{Code: BolagsverketCodeNotFound, Outcome: validators.OutcomeNotFound, Person: BolagsverketSandboxPerson},
	{Code: BolagsverketCodeBankrupt, Outcome: validators.OutcomeBankrupt, Person: BolagsverketSandboxPerson},
	{Code: BolagsverketCodeNotAuthorized, Outcome: validators.OutcomeNotAuthorized, Person: BolagsverketSandboxPerson},
	{Code: BolagsverketCodeTimeout, Outcome: validators.OutcomeTimeout, Person: BolagsverketSandboxPerson},
}

// BolagsverketFake speaks Bolagsverket's gateway: POST /oauth2/token (client
// credentials, any non-empty id and secret, Basic or form), then POST
// /vardefulla-datamangder/v1/organisationer and
// /foretagsinformation/v4/organisationer with a Bearer token it issued.
func BolagsverketFake() http.Handler {
	var mu sync.Mutex
	issued := map[string]bool{}
	mux := http.NewServeMux()

	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		if id == "" || secret == "" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error_description":"Client Authentication failed.","error":"invalid_client"}`))
			return
		}
		if r.PostFormValue("grant_type") != "client_credentials" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error_description":"Unsupported grant_type value","error":"unsupported_grant_type"}`))
			return
		}
		mu.Lock()
		token := fmt.Sprintf("sandbox-%d-%s", len(issued)+1, id)
		issued[token] = true
		mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": token, "scope": r.PostFormValue("scope"), "token_type": "Bearer", "expires_in": 3600,
		})
	})

	api := func(suffix string, needsOfficers bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			mu.Lock()
			ok := issued[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
			mu.Unlock()
			if !ok {
				bolagsverketServeFile(w, http.StatusUnauthorized, "unauthorized")
				return
			}
			var req struct {
				Identitetsbeteckning          string   `json:"identitetsbeteckning"`
				OrganisationInformationsmangd []string `json:"organisationInformationsmangd"`
			}
			code, valid := "", false
			if json.NewDecoder(r.Body).Decode(&req) == nil {
				code = strings.ReplaceAll(req.Identitetsbeteckning, "-", "")
				valid = code != "" && strings.Trim(code, "0123456789") == ""
			}
			if !valid || (needsOfficers && !slices.Contains(req.OrganisationInformationsmangd, "FUNKTIONARER")) {
				bolagsverketServeFile(w, http.StatusBadRequest, "bad_request")
				return
			}
			switch code {
			case BolagsverketCodeTimeout:
				<-r.Context().Done()
				return
			case BolagsverketCode429:
				http.Error(w, `{"type":"about:blank","instance":"server.error","status":429,"title":"Too Many Requests"}`, http.StatusTooManyRequests)
				return
			case BolagsverketCode500:
				http.Error(w, `{"type":"about:blank","instance":"server.error","status":500,"title":"Internal Server Error","detail":"Ett ohanterat fel har uppstått."}`, http.StatusInternalServerError)
				return
			case BolagsverketCodeMalformed:
				_, _ = w.Write([]byte(`{"organisationer":[{"organisationsidentitet":`))
				return
			}
			body, err := bolagsverketTestdata.ReadFile("testdata/bolagsverket/" + code + suffix + ".json")
			switch {
			case err == nil:
				_, _ = w.Write(body)
			case needsOfficers:
				bolagsverketServeFile(w, http.StatusNotFound, "officers_not_found")
			default:
				body, _ = bolagsverketTestdata.ReadFile("testdata/bolagsverket/not_found.json")
				_, _ = w.Write([]byte(strings.Replace(string(body), "0000000000", code, 1)))
			}
		}
	}
	mux.HandleFunc("POST /vardefulla-datamangder/v1/organisationer", api("", false))
	mux.HandleFunc("POST /foretagsinformation/v4/organisationer", api("_funktionarer", true))
	return mux
}

func bolagsverketServeFile(w http.ResponseWriter, status int, name string) {
	body, _ := bolagsverketTestdata.ReadFile("testdata/bolagsverket/" + name + ".json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
