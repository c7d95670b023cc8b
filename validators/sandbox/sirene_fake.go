package sandbox

import (
	"embed"
	"net/http"

	"github.com/onboarding-kyb/onboarding/validators"
)

//go:embed testdata/sirene
var sireneFiles embed.FS

// Magic SIRENs of the fake; bodies are testdata/sirene/search_<siren>.json.
const (
	SireneFakeVerified    = "380129866" // ORANGE: verified
	SireneFakeNotListed   = "542051180" // TOTALENERGIES SE: person not among dirigeants
	SireneFakeCeased      = "111111118" // etat_administratif C: deleted
	SireneFakeEmpty       = "999999998" // empty results: not found
	SireneFakeOtherSiren  = "222222226" // only another SIREN matches the text: not found
	SireneFakeTimeout     = "333333334"
	SireneFakeRateLimited = "444444442"
	SireneFakeServerError = "555555556"
	SireneFakeMalformed   = "666666664" // truncated body
)

var SireneSandboxCases = []validators.SandboxCase{
	{Code: SireneFakeVerified, Outcome: validators.OutcomeVerified, Person: validators.Person{FirstName: "Claire", LastName: "Dubois", BirthDate: fakeDate("1974-09-21")}},
	{Code: SireneFakeEmpty, Outcome: validators.OutcomeNotFound},
	{Code: SireneFakeCeased, Outcome: validators.OutcomeBankrupt}, // ceased: the API publishes no collective procedures
	{Code: SireneFakeNotListed, Outcome: validators.OutcomeNotAuthorized},
	{Code: SireneFakeTimeout, Outcome: validators.OutcomeTimeout},
}

// SireneFake speaks recherche-entreprises' GET /search?q=; it needs no auth.
// Unknown queries get an empty result list, as the real search does.
func SireneFake() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /search", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("q")
		switch q {
		case "":
			fakeJSON(w, http.StatusBadRequest, `{"erreur":"Veuillez indiquer au moins un paramètre de recherche."}`)
			return
		case SireneFakeTimeout:
			<-r.Context().Done()
			return
		case SireneFakeRateLimited:
			fakeJSON(w, http.StatusTooManyRequests, `{"erreur":"Trop de requêtes, veuillez réessayer plus tard."}`)
			return
		case SireneFakeServerError:
			fakeJSON(w, http.StatusInternalServerError, `{"erreur":"Erreur interne du serveur."}`)
			return
		}
		body, err := sireneFiles.ReadFile("testdata/sirene/search_" + q + ".json")
		if err != nil {
			body, _ = sireneFiles.ReadFile("testdata/sirene/search_" + SireneFakeEmpty + ".json")
		}
		fakeJSON(w, http.StatusOK, string(body))
	})
	return mux
}
