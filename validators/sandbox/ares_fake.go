package sandbox

import (
	"embed"
	"net/http"

	"github.com/onboarding-kyb/onboarding/validators"
)

//go:embed testdata/ares
var aresFiles embed.FS

// Magic IČOs of the ARES fake (all pass the mod-11 check). Bodies are
// testdata/ares/<ico>.json (ekonomicke-subjekty) and <ico>_vr.json
// (ekonomicke-subjekty-vr); a subject without a _vr file has no entry in
// the commercial register, which ARES answers with 400.
const (
	AresVerified      = "27000010" // Jan Novák (1980-01-15) is jednatel, each acts alone
	AresNotFound      = "27000028" // 404 NENALEZENO
	AresBankrupt      = "27000036" // active entry in the insolvency register
	AresNotAuthorized = "27000044" // Jan Novák is jednatel, but two act jointly
	AresDeleted       = "27000052" // datumZaniku set
	AresNoVREntry     = "27000061" // an association outside the commercial register: VR answers 400
	AresTimeout       = "27000079"
	AresServerError   = "27000087"
	AresRateLimited   = "27000095" // 429, Retry-After: 30
	AresMalformed     = "27000109" // truncated body
	AresUnknownStatus = "27000117" // no register states the subject active, none ceased
)

// AresPerson is the jednatel the fake lists for the verified IČO
// (fictitious, like every person of the fake).
var AresPerson = validators.Person{FirstName: "Jan", LastName: "Novák", BirthDate: fakeDate("1980-01-15")}

var AresSandboxCases = []validators.SandboxCase{
	{Code: AresVerified, Outcome: validators.OutcomeVerified, Person: AresPerson},
	{Code: AresNotFound, Outcome: validators.OutcomeNotFound},
	{Code: AresBankrupt, Outcome: validators.OutcomeBankrupt},
	{Code: AresNotAuthorized, Outcome: validators.OutcomeNotAuthorized},
	{Code: AresTimeout, Outcome: validators.OutcomeTimeout},
}

// AresFake speaks ARES's REST API (no credentials): GET
// /ekonomicke-subjekty-v-be/rest/ekonomicke-subjekty/{ico} and
// …/ekonomicke-subjekty-vr/{ico}; errors as {"kod", "popis", "subKod"}.
func AresFake() http.Handler {
	const base = "/ekonomicke-subjekty-v-be/rest"
	serve := func(suffix, missing string, missingStatus int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			switch ico := r.PathValue("ico"); ico {
			case AresTimeout:
				<-r.Context().Done()
			case AresServerError:
				fakeJSON(w, http.StatusInternalServerError, `{"kod":"CHYBA_SERVERU","popis":"Interní chyba serveru."}`)
			case AresRateLimited:
				w.Header().Set("Retry-After", "30")
				fakeJSON(w, http.StatusTooManyRequests, `{"kod":"PRILIS_MNOHO_POZADAVKU","popis":"Překročen limit počtu dotazů."}`)
			case AresMalformed:
				fakeJSON(w, http.StatusOK, `{"ico":"27000109","obchodniJmeno":"Useknut`)
			default:
				status := http.StatusOK
				data, err := aresFiles.ReadFile("testdata/ares/" + ico + suffix + ".json")
				if err != nil {
					body := missing
					status = missingStatus
					if _, unknown := aresFiles.ReadFile("testdata/ares/" + ico + ".json"); unknown != nil {
						body, status = "not_found", http.StatusNotFound
					}
					data, _ = aresFiles.ReadFile("testdata/ares/" + body + ".json")
				}
				fakeJSON(w, status, string(data))
			}
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+base+"/ekonomicke-subjekty/{ico}", serve("", "not_found", http.StatusNotFound))
	mux.HandleFunc("GET "+base+"/ekonomicke-subjekty-vr/{ico}", serve("_vr", "no_entry", http.StatusBadRequest))
	return mux
}
