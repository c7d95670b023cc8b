package validators

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// ariregisterDefaultURL is RIK's e-Business Register XML service (X-Road v6
// adapter). esindus_v1 is a SOAP call POSTed to its root; with
// ariregister_valjundi_formaat=json the answer body is JSON.
const ariregisterDefaultURL = "https://ariregxmlv6.rik.ee"

// ariregisterPath is where the SOAP endpoint lives under the base URL.
const ariregisterPath = "/"

// NewAriregister returns the EE validator: the e-Business Register's
// representation query esindus_v1, authenticated by the contract username
// and password that RIK expects inside the SOAP body.
func NewAriregister(cfg Config) Validator {
	c := newClient("ariregister", cfg)
	c.classify = ariregisterFault
	return &ariregister{c: c}
}

type ariregister struct{ c *client }

func (*ariregister) Method() string         { return "ariregister" }
func (*ariregister) Countries() []string    { return []string{"EE"} }
func (*ariregister) PersonFields() []string { return []string{FieldPersonIdentifier} }

func (*ariregister) CheckCode(code string) error {
	_, err := normaliseEERegistryCode(code)
	return err
}

// normaliseEERegistryCode checks an Estonian registry code (registrikood):
// 8 digits, the first 1 (companies), 7 (state and local authorities) or
// 8/9 (non-profits, foundations), with the same weighted mod-11 check digit
// as the personal code.
func normaliseEERegistryCode(code string) (string, error) {
	code = strings.TrimSpace(code)
	if !eeDigits(code) || len(code) != 8 || !strings.ContainsRune("1789", rune(code[0])) ||
		estonianCheckDigit(code[:7]) != int(code[7]-'0') {
		return "", Errorf(CodeInvalidCode, "EE registry code must be 8 digits starting with 1, 7, 8 or 9, with a valid mod-11 check digit")
	}
	return code, nil
}

// CheckEstonianPersonalCode checks an Estonian personal code (isikukood):
// 11 digits GYYMMDDSSSC, G 1–6 giving sex and century, a real date of
// birth, and the weighted mod-11 check digit.
func CheckEstonianPersonalCode(code string) error {
	bad := Errorf(CodeIdentityValidation, "EE personal code must be 11 digits: century digit 1-6, a valid birth date and a valid mod-11 check digit")
	if len(code) != 11 || !eeDigits(code) || code[0] < '1' || code[0] > '6' {
		return bad
	}
	century := 1800 + 100*int((code[0]-'1')/2)
	var y, m, d int
	fmt.Sscanf(code[1:7], "%2d%2d%2d", &y, &m, &d)
	t := time.Date(century+y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != century+y || int(t.Month()) != m || t.Day() != d {
		return bad
	}
	if estonianCheckDigit(code[:10]) != int(code[10]-'0') {
		return bad
	}
	return nil
}

// estonianCheckDigit is the Estonian mod-11 check digit over digits: weights
// 1..9,1; if the remainder is 10, again with weights 3..9,1,2,3; if that is
// 10 too, the check digit is 0.
func estonianCheckDigit(digits string) int {
	for _, first := range []int{1, 3} {
		sum := 0
		for i := range len(digits) {
			sum += int(digits[i]-'0') * ((first+i-1)%9 + 1)
		}
		if r := sum % 11; r < 10 {
			return r
		}
	}
	return 0
}

func eeDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// esindusRequest is the SOAP envelope of esindus_v1.
type esindusRequest struct {
	XMLName xml.Name `xml:"soapenv:Envelope"`
	Soapenv string   `xml:"xmlns:soapenv,attr"`
	Prod    string   `xml:"xmlns:prod,attr"`
	Keha    struct {
		Username string `xml:"prod:ariregister_kasutajanimi"`
		Password string `xml:"prod:ariregister_parool"`
		Format   string `xml:"prod:ariregister_valjundi_formaat"`
		Code     string `xml:"prod:ariregistri_kood"`
		Language string `xml:"prod:keel"`
	} `xml:"soapenv:Body>prod:esindus_v1>prod:keha"`
}

// esindusResponse is the JSON answer of esindus_v1. RIK converts its XML to
// JSON: a one-element list may come as a bare object and an empty element
// as {}, hence the lenient types.
type esindusResponse struct {
	Keha *struct {
		Ettevotjad struct {
			Item ariregList[esindusCompany] `json:"item"`
		} `json:"ettevotjad"`
	} `json:"keha"`
}

type esindusCompany struct {
	Code          ariregText `json:"ariregistri_kood"`
	Name          ariregText `json:"arinimi"`
	Status        ariregText `json:"staatus"` // R registered, L liquidation, N bankrupt, K deleted
	StatusText    ariregText `json:"staatus_tekstina"`
	LegalForm     ariregText `json:"oiguslik_vorm"`
	LegalFormText ariregText `json:"oiguslik_vorm_tekstina"`
	Persons       struct {
		Item ariregList[esindusPerson] `json:"item"`
	} `json:"isikud"`
}

type esindusPerson struct {
	Kind     ariregText `json:"isiku_liik"` // F natural person, J legal person
	Code     ariregText `json:"fyysilise_isiku_kood"`
	Country  ariregText `json:"isikukood_riik"`
	Role     ariregText `json:"fyysilise_isiku_roll"`
	RoleText ariregText `json:"fyysilise_isiku_roll_tekstina"`
	Sole     ariregText `json:"ainuesindusoigus_olemas"` // JAH / EI
}

func (a *ariregister) Validate(ctx context.Context, req Request) (*Result, error) {
	code, err := normaliseEERegistryCode(req.Code)
	if err != nil {
		return nil, err
	}
	person := strings.TrimSpace(req.Person.Identifier)
	switch {
	case person == "" && !req.CompanyOnly:
		return nil, Errorf(CodeIdentityValidation, "ariregister needs the person's Estonian personal code")
	case person != "":
		if err := CheckEstonianPersonalCode(person); err != nil {
			return nil, err
		}
	}
	cfg := a.c.cfg
	if cfg.Username == "" || cfg.Password == "" {
		return nil, Errorf(CodeConfigurationError, "ariregister needs ONBOARDING_ARIREGISTER_USERNAME and ONBOARDING_ARIREGISTER_PASSWORD")
	}

	env := esindusRequest{Soapenv: "http://schemas.xmlsoap.org/soap/envelope/", Prod: "http://arireg.x-road.eu/producer/"}
	env.Keha.Username, env.Keha.Password = cfg.Username, cfg.Password
	env.Keha.Format, env.Keha.Code, env.Keha.Language = "json", code, "eng"
	body, err := xml.Marshal(env)
	if err != nil {
		return nil, &Error{Code: CodeAPIError, Message: "cannot encode ariregister request", Err: err}
	}
	res, err := a.c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, a.c.url(ariregisterPath), bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", "text/xml; charset=utf-8")
		r.Header.Set("SOAPAction", `""`) // the WSDL's soapAction=""
		return r, nil
	})
	if err != nil {
		return nil, err
	}
	if res.Status != http.StatusOK {
		return nil, Errorf(CodeAPIError, "ariregister answered HTTP %d", res.Status)
	}
	var parsed esindusResponse
	if err := json.Unmarshal(res.Body, &parsed); err != nil || parsed.Keha == nil {
		return nil, &Error{Code: CodeAPIError, Message: "ariregister answered an unexpected body", Err: err}
	}
	var co *esindusCompany
	for i, c := range parsed.Keha.Ettevotjad.Item {
		if string(c.Code) == code {
			co = &parsed.Keha.Ettevotjad.Item[i]
		}
	}
	if co == nil {
		return nil, Errorf(CodeCompanyNotFound, "no company with EE registry code %s", code)
	}

	result := &Result{
		Company: Company{
			Name:                  string(co.Name),
			LegalPersonIdentifier: code,
			Status:                ariregisterStatus(string(co.Status)),
			LegalForm:             string(co.LegalFormText),
			Registry:              "ariregister",
		},
		PersonChecked: person != "",
	}
	if result.Company.LegalForm == "" {
		result.Company.LegalForm = string(co.LegalForm)
	}
	// Every role of the person is listed; only the sole right of
	// representation lets them act alone: joint representatives go to a human.
	for _, p := range co.Persons.Item {
		if p.Kind == "J" || (p.Country != "" && p.Country != "EST") {
			continue
		}
		if p.Sole == "JAH" && p.Code != "" {
			result.Representatives = append(result.Representatives, string(p.Code))
		}
		if person != "" && string(p.Code) == person {
			result.Roles = append(result.Roles, Role{Role: string(p.Role), Name: string(p.RoleText), Represents: p.Sole == "JAH"})
		}
	}
	if result.Raw, err = ariregisterRaw(res.Body); err != nil {
		return nil, &Error{Code: CodeAPIError, Message: "ariregister answered an unexpected body", Err: err}
	}
	return result, nil
}

func ariregisterStatus(s string) string {
	switch s {
	case "R": // entered in the register
		return StatusActive
	case "L":
		return StatusLiquidation
	case "N":
		return StatusBankrupt
	case "K":
		return StatusDeleted
	}
	return StatusUnknown // a code RIK added later, or none: staff decide
}

// ariregisterRaw keeps the answer for audit, minus the echoed request (it
// holds our password); person data goes by the redaction policy (redact.go).
func ariregisterRaw(body []byte) (json.RawMessage, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	delete(doc, "paring")
	return json.Marshal(map[string]any{"esindus_v1": doc})
}

var (
	soapFaultRE  = regexp.MustCompile(`(?s)<(?:[\w-]+:)?Fault\b.*?<faultstring[^>]*>(.*?)</faultstring>`)
	credentialRE = regexp.MustCompile(`(?i)kasutaja|parool|user ?name|password|authenticat`)
)

// ariregisterFault reads a SOAP fault, which RIK sends (with HTTP 500) for
// bad requests and rejected credentials alike: rejected credentials are a
// configuration error, other faults an API error.
func ariregisterFault(status int, body []byte) *Error {
	m := soapFaultRE.FindSubmatch(body)
	if m == nil {
		return nil
	}
	if credentialRE.Match(m[1]) {
		return Errorf(CodeConfigurationError, "ariregister rejected our username or password")
	}
	if status >= 500 {
		return nil // retried, then reported as API_ERROR by the client
	}
	return Errorf(CodeAPIError, "ariregister answered a SOAP fault")
}

// ariregText is a string that RIK's XML-to-JSON conversion may also render as
// a number or, when empty, as {} or null.
type ariregText string

func (t *ariregText) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case string:
		*t = ariregText(x)
	case float64:
		*t = ariregText(strings.TrimSpace(string(b)))
	case nil, map[string]any:
		*t = ""
	default:
		return fmt.Errorf("unexpected JSON %s for a text field", b)
	}
	return nil
}

// ariregList is a list that RIK renders as a bare object when it has one
// element (and as {} or "" when empty).
type ariregList[T any] []T

func (l *ariregList[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null" || string(b) == `""` || string(b) == "{}":
		*l = nil
		return nil
	case b[0] == '[':
		var many []T
		err := json.Unmarshal(b, &many)
		*l = many
		return err
	default:
		var one T
		err := json.Unmarshal(b, &one)
		*l = []T{one}
		return err
	}
}
