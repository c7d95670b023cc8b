package sandbox

import (
	"embed"
	"net/http"
	"strings"
	"sync"

	"github.com/onboarding-kyb/onboarding/validators"
)

//go:embed testdata/gleif
var gleifFiles embed.FS

// Magic LEIs of the GLEIF fake (all pass the MOD 97-10 check; fictitious
// entities). Bodies are testdata/gleif/<lei>.json; any other LEI is 404.
const (
	GleifVerified    = "984500SANDBOX0000A18" // ACTIVE entity, ISSUED LEI, jurisdiction LI
	GleifLapsed      = "984500SANDBOX0000B15" // ACTIVE entity, LAPSED LEI: a live company
	GleifInactive    = "984500SANDBOX0000C12" // INACTIVE entity (dissolved), RETIRED LEI
	GleifNotFound    = "984500SANDBOX0000D09" // 404
	GleifTimeout     = "984500SANDBOX0000E06"
	GleifServerError = "984500SANDBOX0000F03"
	GleifRateLimited = "984500SANDBOX0000G97" // 429, Retry-After: 30 (past any budget)
	GleifRetryAfter  = "984500SANDBOX0000H94" // 429 with Retry-After: 1 on the first request, then the verified entity
	GleifMalformed   = "984500SANDBOX0000J88"
	GleifUnknown     = "984500SANDBOX0000K85" // entity status NULL
	GleifNorway      = "984500SANDBOX0000L82" // ACTIVE, jurisdiction NO, registeredAs 923609016 (the breg fake's verified company)
)

// GLEIF publishes no representatives: no not_authorized case.
var GleifSandboxCases = []validators.SandboxCase{
	{Code: GleifVerified, Outcome: validators.OutcomeVerified},
	{Code: GleifNotFound, Outcome: validators.OutcomeNotFound},
	{Code: GleifInactive, Outcome: validators.OutcomeBankrupt},
	{Code: GleifTimeout, Outcome: validators.OutcomeTimeout},
}

// GleifFake speaks GLEIF's JSON:API lei-records (no key): GET
// /api/v1/lei-records/{lei}, errors as {"errors": [{"status", "title"}]}.
func GleifFake() http.Handler {
	var mu sync.Mutex
	asked := map[string]int{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/lei-records/{lei}", func(w http.ResponseWriter, r *http.Request) {
		lei := r.PathValue("lei")
		mu.Lock()
		asked[lei]++
		n := asked[lei]
		mu.Unlock()
		jsonAPI := func(status int, body string) {
			w.Header().Set("Content-Type", "application/vnd.api+json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
		switch {
		case lei == GleifTimeout:
			<-r.Context().Done()
			return
		case lei == GleifServerError:
			jsonAPI(http.StatusInternalServerError, `{"errors":[{"status":"500","title":"Internal Server Error"}]}`)
			return
		case lei == GleifRateLimited, lei == GleifRetryAfter && n == 1:
			wait := "30"
			if lei == GleifRetryAfter {
				wait = "1"
			}
			w.Header().Set("Retry-After", wait)
			jsonAPI(http.StatusTooManyRequests, `{"errors":[{"status":"429","title":"Too Many Requests"}]}`)
			return
		case lei == GleifMalformed:
			jsonAPI(http.StatusOK, `{"data":{"type":"lei-records","id":"`+lei+`","attributes":{"lei":"`)
			return
		}
		file := lei
		if lei == GleifRetryAfter {
			file = GleifVerified
		}
		data, err := gleifFiles.ReadFile("testdata/gleif/" + file + ".json")
		if err != nil {
			data, _ = gleifFiles.ReadFile("testdata/gleif/not_found.json")
			jsonAPI(http.StatusNotFound, string(data))
			return
		}
		jsonAPI(http.StatusOK, strings.ReplaceAll(string(data), file, lei))
	})
	return mux
}
