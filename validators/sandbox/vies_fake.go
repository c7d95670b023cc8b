package sandbox

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/onboarding-kyb/onboarding/validators"
)

//go:embed testdata/vies
var viesFiles embed.FS

// Magic VAT numbers of the VIES fake (all pass the offline check). Bodies
// are testdata/vies/<countryCode><vatNumber>.json; any other number is
// answered valid: false.
const (
	ViesVerified        = "BE0200000142" // name and address shared
	ViesWithheld        = "BE0200000241" // valid, name and address withheld (---)
	ViesNotFound        = "BE0200000340" // valid: false
	ViesTimeout         = "BE0200000439"
	ViesUnavailable     = "BE0200000538" // HTTP 200, valid: false, userError MS_UNAVAILABLE
	ViesConcurrent      = "BE0200000637" // HTTP 200, errorWrappers MS_MAX_CONCURRENT_REQ
	ViesServerError     = "BE0200000736" // HTTP 500 with errorWrappers SERVICE_UNAVAILABLE
	ViesRateLimited     = "BE0200000835" // HTTP 429, Retry-After: 30
	ViesMalformed       = "BE0200000934" // HTTP 200, truncated body
	ViesGermany         = "DE100000016"  // valid, name and address withheld, as Germany does
	ViesGreece          = "EL800000001"  // valid, Greek name and address
	ViesNorthernIreland = "XI999000004"  // valid, Northern Ireland
)

// VIES publishes neither company conditions nor representatives: no
// bankrupt or not_authorized case; verified escalates for the person check.
var ViesSandboxCases = []validators.SandboxCase{
	{Code: ViesVerified, Outcome: validators.OutcomeVerified},
	{Code: ViesNotFound, Outcome: validators.OutcomeNotFound},
	{Code: ViesTimeout, Outcome: validators.OutcomeTimeout},
}

// viesCodes are the country codes VIES answers for.
var viesCodes = []string{"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI"}

// ViesFake speaks VIES's REST check-vat-number: POST a JSON
// {countryCode, vatNumber}, no credentials; errors come as userError or
// errorWrappers, also inside HTTP 200.
func ViesFake() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /taxation_customs/vies/rest-api/check-vat-number", func(w http.ResponseWriter, r *http.Request) {
		var q struct{ CountryCode, VatNumber string }
		if json.NewDecoder(r.Body).Decode(&q) != nil || !slices.Contains(viesCodes, q.CountryCode) || q.VatNumber == "" {
			fakeJSON(w, http.StatusBadRequest, `{"actionSucceed":false,"errorWrappers":[{"error":"INVALID_INPUT","message":"The provided CountryCode is invalid or the VAT number is empty"}]}`)
			return
		}
		switch q.CountryCode + q.VatNumber {
		case ViesTimeout:
			<-r.Context().Done()
			return
		case ViesServerError:
			fakeJSON(w, http.StatusInternalServerError, `{"actionSucceed":false,"errorWrappers":[{"error":"SERVICE_UNAVAILABLE","message":"An error was encountered either at the network level or the Web application level"}]}`)
			return
		case ViesRateLimited:
			w.Header().Set("Retry-After", "30")
			fakeJSON(w, http.StatusTooManyRequests, `{"actionSucceed":false,"errorWrappers":[{"error":"GLOBAL_MAX_CONCURRENT_REQ","message":"The maximum number of concurrent requests has been reached"}]}`)
			return
		case ViesMalformed:
			fakeJSON(w, http.StatusOK, `{"countryCode":"BE","vatNumber":"0200000934","valid":tr`)
			return
		}
		data, err := viesFiles.ReadFile("testdata/vies/" + q.CountryCode + q.VatNumber + ".json")
		if err != nil {
			var doc map[string]any
			data, _ = viesFiles.ReadFile("testdata/vies/not_found.json")
			_ = json.Unmarshal(data, &doc)
			doc["countryCode"], doc["vatNumber"] = q.CountryCode, q.VatNumber
			data, _ = json.Marshal(doc)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "%s", data)
	})
	return mux
}
