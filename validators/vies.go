package validators

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// viesDefaultURL is the European Commission's VIES service; its REST API
// lives under /taxation_customs/vies/rest-api.
const viesDefaultURL = "https://ec.europa.eu"

const viesPath = "/taxation_customs/vies/rest-api/check-vat-number"

// viesCountries are the EU member states without a register client of
// their own, and Northern Ireland (XI). Greece is GR here, EL in VIES.
var viesCountries = []string{"BE", "BG", "CY", "DE", "ES", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SI", "SK", "XI"}

// NewVIES returns the validator of EU VAT numbers: the Commission's VIES
// REST service (check-vat-number, no credentials). VIES says whether a VAT
// number is registered and, where the member state shares them, the
// trader's name and address; it publishes nothing about who may represent
// the company (PersonChecked is false).
func NewVIES(cfg Config) Validator {
	v := &vies{c: newClient("vies", cfg)}
	v.c.classify = viesFault
	return v
}

type vies struct{ c *client }

func (*vies) Method() string         { return "vies" }
func (*vies) Countries() []string    { return slices.Clone(viesCountries) }
func (*vies) PersonFields() []string { return []string{} }

// CheckCode needs the country prefix ("DE123456789"); CheckCountryCode
// takes the number of a known country with or without it.
func (*vies) CheckCode(code string) error {
	country, _, err := splitVAT(code)
	if err == nil && !slices.Contains(viesCountries, country) {
		return Errorf(CodeInvalidCode, "VAT numbers of %s are not checked with VIES", country)
	}
	return err
}

func (*vies) CheckCountryCode(country, code string) error {
	_, err := normaliseVAT(country, code)
	return err
}

// viesAnswer is check-vat-number's answer (the fields we read).
type viesAnswer struct {
	CountryCode   string `json:"countryCode"`
	VATNumber     string `json:"vatNumber"`
	Valid         *bool  `json:"valid"`
	Name          string `json:"name"`
	Address       string `json:"address"`
	UserError     string `json:"userError"`
	ErrorWrappers []struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	} `json:"errorWrappers"`
}

// problem is the error VIES reports instead of a verdict, "" when it gave one.
func (a viesAnswer) problem() string {
	for _, e := range a.ErrorWrappers {
		if e.Error != "VALID" && e.Error != "INVALID" {
			return e.Error
		}
	}
	if a.UserError != "" && a.UserError != "VALID" && a.UserError != "INVALID" {
		return a.UserError
	}
	return ""
}

// viesFault reads VIES's own error format below HTTP 500 (5xx and 429
// are retried by the client): an answer naming an error (MS_UNAVAILABLE,
// TIMEOUT, …) could not check the number, even with valid: false beside it.
func viesFault(status int, body []byte) *Error {
	var a viesAnswer
	if status >= 500 || status == http.StatusTooManyRequests || json.Unmarshal(body, &a) != nil {
		return nil
	}
	if p := a.problem(); p != "" {
		return Errorf(CodeAPIError, "VIES could not check the number (%s)", p)
	}
	return nil
}

func (v *vies) Validate(ctx context.Context, req Request) (*Result, error) {
	number, err := normaliseVAT(req.Country, req.Code)
	if err != nil {
		return nil, err
	}
	prefix := vatPrefix(strings.ToUpper(req.Country))
	body, _ := json.Marshal(map[string]string{"countryCode": prefix, "vatNumber": number})
	res, err := v.c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, v.c.url(viesPath), bytes.NewReader(body))
		if err == nil {
			r.Header.Set("Content-Type", "application/json")
		}
		return r, err
	})
	if err != nil {
		return nil, err
	}
	if res.Status != http.StatusOK {
		return nil, Errorf(CodeAPIError, "VIES answered HTTP %d", res.Status)
	}
	var a viesAnswer
	if err := json.Unmarshal(res.Body, &a); err != nil || a.Valid == nil {
		return nil, &Error{Code: CodeAPIError, Message: "VIES answered an unexpected body", Err: err}
	}
	if !*a.Valid {
		return nil, Errorf(CodeCompanyNotFound, "VIES does not know the VAT number %s%s", prefix, number)
	}
	c := Company{
		Name:                  viesShared(a.Name),
		LegalPersonIdentifier: prefix + number,
		Status:                StatusActive, // a valid VAT registration
		Address:               viesAddress(viesShared(a.Address)),
		Registry:              "vies",
	}
	return &Result{Company: c, Raw: res.Body}, nil
}

// viesShared is a name or address as VIES gives it; "---" means the
// member state withholds it.
func viesShared(s string) string {
	if s = strings.TrimSpace(s); s == "---" {
		return ""
	}
	return s
}

// viesAddress joins the lines of an address as VIES gives it.
func viesAddress(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, ", ")
}

// CountryCodeChecker is a Validator whose codes depend on the country
// (VIES: each member state's VAT number format).
type CountryCodeChecker interface {
	CheckCountryCode(country, code string) error
}

// CheckCode checks code for country with v: by the country's own rule
// where v has one per country, else by v.CheckCode.
func CheckCode(v Validator, country, code string) error {
	if cc, ok := v.(CountryCodeChecker); ok {
		return cc.CheckCountryCode(strings.ToUpper(strings.TrimSpace(country)), code)
	}
	return v.CheckCode(code)
}
