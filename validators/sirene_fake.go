package validators

import (
	"embed"
	"net/http"
)

//go:embed testdata/sirene
var sireneFiles embed.FS

// Magic SIRENs of the fake; bodies are testdata/sirene/search_<siren>.json.
const (
	sireneFakeVerified    = "380129866" // ORANGE: verified
	sireneFakeNotListed   = "542051180" // TOTALENERGIES SE: person not among dirigeants
	sireneFakeCeased      = "111111118" // etat_administratif C: deleted
	sireneFakeEmpty       = "999999998" // empty results: not found
	sireneFakeOtherSiren  = "222222226" // only another SIREN matches the text: not found
	sireneFakeTimeout     = "333333334"
	sireneFakeRateLimited = "444444442"
	sireneFakeServerError = "555555556"
	sireneFakeMalformed   = "666666664" // truncated body
)

var sireneSandboxCases = []SandboxCase{
	{Code: sireneFakeVerified, Outcome: OutcomeVerified, Person: Person{FirstName: "Claire", LastName: "Dubois", BirthDate: fakeDate("1974-09-21")}},
	{Code: sireneFakeEmpty, Outcome: OutcomeNotFound},
	{Code: sireneFakeCeased, Outcome: OutcomeBankrupt}, // ceased: the API publishes no collective procedures
	{Code: sireneFakeNotListed, Outcome: OutcomeNotAuthorized},
	{Code: sireneFakeTimeout, Outcome: OutcomeTimeout},
}

// sireneFake speaks recherche-entreprises' GET /search?q=; it needs no auth.
// Unknown queries get an empty result list, as the real search does.
func sireneFake() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /search", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("q")
		switch q {
		case "":
			fakeJSON(w, http.StatusBadRequest, `{"erreur":"Veuillez indiquer au moins un paramètre de recherche."}`)
			return
		case sireneFakeTimeout:
			<-r.Context().Done()
			return
		case sireneFakeRateLimited:
			fakeJSON(w, http.StatusTooManyRequests, `{"erreur":"Trop de requêtes, veuillez réessayer plus tard."}`)
			return
		case sireneFakeServerError:
			fakeJSON(w, http.StatusInternalServerError, `{"erreur":"Erreur interne du serveur."}`)
			return
		}
		body, err := sireneFiles.ReadFile("testdata/sirene/search_" + q + ".json")
		if err != nil {
			body, _ = sireneFiles.ReadFile("testdata/sirene/search_" + sireneFakeEmpty + ".json")
		}
		fakeJSON(w, http.StatusOK, string(body))
	})
	return mux
}
