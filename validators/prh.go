package validators

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// prhDefaultURL is the Finnish Patent and Registration Office's open data
// service; the YTJ company API v3 lives under /opendata-ytj-api/v3.
const prhDefaultURL = "https://avoindata.prh.fi"

const prhPath = "/opendata-ytj-api/v3/companies"

// NewPRH returns the FI validator: PRH's YTJ open data API v3. It needs no
// credentials and publishes no representation data, so it checks the
// company only (PersonChecked is false).
func NewPRH(cfg Config) Validator { return &prh{c: newClient("prh", cfg)} }

type prh struct{ c *client }

func (*prh) Method() string         { return "prh" }
func (*prh) Countries() []string    { return []string{"FI"} }
func (*prh) PersonFields() []string { return []string{} }

func (*prh) CheckCode(code string) error {
	_, err := normaliseBusinessID(code)
	return err
}

// normaliseBusinessID checks a Finnish Business ID (Y-tunnus) NNNNNNN-C:
// the check digit is 11 − (Σ digit×weight mod 11) with weights
// 7,9,10,5,8,4,2 (0 when the remainder is 0; remainder 1 is never issued).
// The hyphen may be omitted; the result always has it.
func normaliseBusinessID(code string) (string, error) {
	code = strings.TrimSpace(code)
	if len(code) == 8 && fiDigits(code) {
		code = code[:7] + "-" + code[7:]
	}
	bad := Errorf(CodeInvalidCode, "FI Business ID must be 7 digits, a hyphen and a valid mod-11 check digit (NNNNNNN-C)")
	if len(code) != 9 || code[7] != '-' || !fiDigits(code[:7]) || !fiDigits(code[8:]) {
		return "", bad
	}
	sum := 0
	for i, w := range []int{7, 9, 10, 5, 8, 4, 2} {
		sum += int(code[i]-'0') * w
	}
	r := sum % 11
	if r == 1 {
		return "", bad
	}
	check := 0
	if r > 1 {
		check = 11 - r
	}
	if int(code[8]-'0') != check {
		return "", bad
	}
	return code, nil
}

// ytjResponse is the v3 /companies answer (only the fields we map).
type ytjResponse struct {
	TotalResults *int         `json:"totalResults"`
	Companies    []ytjCompany `json:"companies"`
}

type ytjCompany struct {
	BusinessID struct {
		Value            string `json:"value"`
		RegistrationDate string `json:"registrationDate"`
	} `json:"businessId"`
	Names []struct {
		Name    string `json:"name"`
		Type    string `json:"type"` // TLAJI: 1 = company name
		EndDate string `json:"endDate"`
		Version int    `json:"version"`
	} `json:"names"`
	CompanyForms []struct {
		Type         string           `json:"type"`
		Descriptions []ytjDescription `json:"descriptions"`
		EndDate      string           `json:"endDate"`
	} `json:"companyForms"`
	CompanySituations []struct {
		Type    string `json:"type"` // SANE restructuring, SELTILA liquidation, KONK bankruptcy
		EndDate string `json:"endDate"`
	} `json:"companySituations"`
	Addresses []struct {
		Type            int    `json:"type"` // 1 street address, 2 postal address
		Street          string `json:"street"`
		BuildingNumber  string `json:"buildingNumber"`
		Entrance        string `json:"entrance"`
		ApartmentNumber string `json:"apartmentNumber"`
		PostOfficeBox   string `json:"postOfficeBox"`
		PostCode        string `json:"postCode"`
		PostOffices     []struct {
			City         string `json:"city"`
			LanguageCode string `json:"languageCode"`
		} `json:"postOffices"`
	} `json:"addresses"`
	TradeRegisterStatus string `json:"tradeRegisterStatus"`
	RegistrationDate    string `json:"registrationDate"`
	EndDate             string `json:"endDate"`
}

type ytjDescription struct {
	LanguageCode string `json:"languageCode"` // 1 fi, 2 sv, 3 en
	Description  string `json:"description"`
}

func (p *prh) Validate(ctx context.Context, req Request) (*Result, error) {
	id, err := normaliseBusinessID(req.Code)
	if err != nil {
		return nil, err
	}
	u := p.c.url(prhPath) + "?" + url.Values{"businessId": {id}}.Encode()
	res, err := p.c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	})
	if err != nil {
		return nil, err
	}
	switch res.Status {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone:
		return nil, Errorf(CodeCompanyNotFound, "no company with FI Business ID %s", id)
	default:
		return nil, Errorf(CodeAPIError, "prh answered HTTP %d", res.Status)
	}
	var parsed ytjResponse
	if err := json.Unmarshal(res.Body, &parsed); err != nil || parsed.TotalResults == nil {
		return nil, &Error{Code: CodeAPIError, Message: "prh answered an unexpected body", Err: err}
	}
	var co *ytjCompany
	for i := range parsed.Companies {
		if parsed.Companies[i].BusinessID.Value == id {
			co = &parsed.Companies[i]
		}
	}
	if co == nil {
		return nil, Errorf(CodeCompanyNotFound, "no company with FI Business ID %s", id)
	}
	raw, err := json.Marshal(map[string]json.RawMessage{"companies": res.Body})
	if err != nil {
		return nil, &Error{Code: CodeAPIError, Message: "prh answered an unexpected body", Err: err}
	}
	return &Result{
		Company: Company{
			Name:                  co.name(),
			LegalPersonIdentifier: id,
			Status:                co.status(),
			LegalForm:             co.legalForm(),
			Address:               co.address(),
			RegistrationDate:      ytjFirst(co.RegistrationDate, co.BusinessID.RegistrationDate),
			Registry:              "prh",
		},
		PersonChecked: false, // YTJ open data lists no board members or signatories
		Raw:           raw,
	}, nil
}

func (c *ytjCompany) name() string {
	best, version := "", 0
	for _, n := range c.Names {
		if n.Type == "1" && n.EndDate == "" && (best == "" || n.Version < version) {
			best, version = n.Name, n.Version
		}
	}
	return best
}

func (c *ytjCompany) status() string {
	if c.EndDate != "" {
		return StatusDeleted
	}
	status := StatusActive
	for _, s := range c.CompanySituations {
		switch {
		case s.EndDate != "":
		case s.Type == "KONK":
			return StatusBankrupt
		case s.Type == "SELTILA":
			status = StatusLiquidation
		}
	}
	return status // restructuring (SANE) keeps the company live
}

func (c *ytjCompany) legalForm() string {
	for _, f := range c.CompanyForms {
		if f.EndDate == "" {
			return ytjDescribe(f.Descriptions, f.Type)
		}
	}
	return ""
}

func (c *ytjCompany) address() string {
	for _, want := range []int{1, 2} {
		for _, a := range c.Addresses {
			if a.Type != want {
				continue
			}
			street := strings.Join(ytjNonEmpty(a.Street, a.BuildingNumber, a.Entrance, a.ApartmentNumber), " ")
			if a.PostOfficeBox != "" && street == "" {
				street = "PL " + a.PostOfficeBox
			}
			city := ""
			for _, po := range a.PostOffices {
				if city == "" || po.LanguageCode == "1" {
					city = po.City
				}
			}
			return strings.Join(ytjNonEmpty(street, strings.Join(ytjNonEmpty(a.PostCode, city), " ")), ", ")
		}
	}
	return ""
}

// ytjDescribe picks the English description, else Finnish, else the code.
func ytjDescribe(ds []ytjDescription, code string) string {
	byLang := map[string]string{}
	for _, d := range ds {
		byLang[d.LanguageCode] = d.Description
	}
	return ytjFirst(byLang["3"], byLang["1"], code)
}

func ytjFirst(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func ytjNonEmpty(s ...string) []string {
	var out []string
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func fiDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
