package sandbox

import (
	"embed"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"

	"github.com/onboarding-kyb/onboarding/validators"
)

//go:embed testdata/ariregister
var ariregisterFS embed.FS

// The fake register accepts only these credentials (sandbox mode fills them in).
const (
	AriregisterFakeUsername = validators.SandboxCredential
	AriregisterFakePassword = validators.SandboxCredential
)

// Magic registry codes of the fake (all pass CheckCode).
const (
	AriregisterCodeVerified      = "12417834" // Bolt Technology OÜ, Mari Maasikas is a board member with sole right
	AriregisterCodeNotFound      = "10000001"
	AriregisterCodeBankrupt      = "10000018"
	AriregisterCodeNotAuthorized = "10000024" // Mari Maasikas represents only jointly
	AriregisterCodeTimeout       = "10000030"
	AriregisterCodeServerError   = "10000047"
	AriregisterCodeRateLimited   = "10000053"
	AriregisterCodeMalformed     = "10000062"
	AriregisterCodeDeleted       = "10000076"
	AriregisterCodeLiquidation   = "10000082"
	AriregisterCodeUnknownStatus = "10000107" // a staatus code not in the client's list
)

// AriregisterFakePerson is the representative the fake lists for the verified code.
var AriregisterFakePerson = validators.Person{Identifier: "48001010005", FirstName: "Mari", LastName: "Maasikas"}

var AriregisterSandboxCases = []validators.SandboxCase{
	{Code: AriregisterCodeVerified, Outcome: validators.OutcomeVerified, Person: AriregisterFakePerson},
	{Code: AriregisterCodeNotFound, Outcome: validators.OutcomeNotFound},
	{Code: AriregisterCodeBankrupt, Outcome: validators.OutcomeBankrupt},
	{Code: AriregisterCodeNotAuthorized, Outcome: validators.OutcomeNotAuthorized},
	{Code: AriregisterCodeTimeout, Outcome: validators.OutcomeTimeout},
}

// AriregisterFake speaks esindus_v1 like RIK's XML service: a SOAP envelope
// POSTed to /, credentials in the body, JSON answer echoing the request
// (paring) next to the data (keha), SOAP faults with HTTP 500.
func AriregisterFake() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		var env struct {
			Body struct {
				Esindus *struct {
					Keha struct {
						Username string `xml:"ariregister_kasutajanimi"`
						Password string `xml:"ariregister_parool"`
						Format   string `xml:"ariregister_valjundi_formaat"`
						Code     string `xml:"ariregistri_kood"`
						Language string `xml:"keel"`
					} `xml:"keha"`
				} `xml:"esindus_v1"`
			} `xml:"Body"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := xml.Unmarshal(body, &env); err != nil || env.Body.Esindus == nil {
			ariregisterSOAPFault(w, "SOAP-ENV:Client", "Unknown or malformed request")
			return
		}
		q := env.Body.Esindus.Keha
		if q.Username != AriregisterFakeUsername || q.Password != AriregisterFakePassword {
			ariregisterSOAPFault(w, "SOAP-ENV:Client", "Vale kasutajanimi või parool / Invalid username or password")
			return
		}
		switch q.Code {
		case AriregisterCodeTimeout:
			<-r.Context().Done()
			return
		case AriregisterCodeServerError:
			ariregisterSOAPFault(w, "SOAP-ENV:Server", "Internal error")
			return
		case AriregisterCodeRateLimited:
			http.Error(w, "Too many requests", http.StatusTooManyRequests)
			return
		case AriregisterCodeMalformed:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"keha": {"ettevotjad": {"item": [{"ariregistri_kood": 10000062, "arinimi": "Katk`)
			return
		}
		data, err := ariregisterFS.ReadFile("testdata/ariregister/" + q.Code + ".json")
		if err != nil {
			data, _ = ariregisterFS.ReadFile("testdata/ariregister/not_found.json")
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			ariregisterSOAPFault(w, "SOAP-ENV:Server", "Internal error")
			return
		}
		// RIK echoes the request, credentials included.
		doc["paring"] = map[string]any{
			"ariregister_kasutajanimi":     q.Username,
			"ariregister_parool":           q.Password,
			"ariregister_sessioon":         map[string]any{},
			"ariregister_valjundi_formaat": q.Format,
			"ariregistri_kood":             json.Number(q.Code),
			"fyysilise_isiku_kood":         map[string]any{},
			"keel":                         q.Language,
		}
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_ = json.NewEncoder(w).Encode(doc)
	})
}

func ariregisterSOAPFault(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>%s</faultcode><faultstring>%s</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>`, code, msg)
}
