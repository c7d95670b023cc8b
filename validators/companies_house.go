package validators

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Companies House Public Data API: GET /company/{company_number} and
// GET /company/{company_number}/officers, HTTP Basic auth with the API key
// as user name and an empty password.
const companiesHouseDefaultURL = "https://api.company-information.service.gov.uk"

// NewCompaniesHouse builds the GB validator. Config.APIKey is the API key.
func NewCompaniesHouse(cfg Config) Validator {
	return &companiesHouse{c: newClient("companies_house", cfg)}
}

type companiesHouse struct{ c *client }

func (*companiesHouse) Method() string      { return "companies_house" }
func (*companiesHouse) Countries() []string { return []string{"GB"} }
func (*companiesHouse) PersonFields() []string {
	return []string{FieldFirstName, FieldLastName, FieldBirthDate}
}

// chPrefixes are the two-character company number prefixes Companies House
// issues (Scotland, Northern Ireland, LLPs, limited partnerships, overseas
// companies, CIOs, royal charters, I&P societies, …).
var chPrefixes = map[string]bool{
	"AC": true, "BR": true, "CE": true, "CS": true, "ES": true, "FC": true, "FE": true, "GE": true,
	"GN": true, "GS": true, "IC": true, "IP": true, "LP": true, "NA": true, "NC": true, "NF": true,
	"NI": true, "NL": true, "NO": true, "NP": true, "NR": true, "NV": true, "NZ": true, "OC": true,
	"OE": true, "PC": true, "R0": true, "RC": true, "RS": true, "SA": true, "SC": true, "SE": true,
	"SF": true, "SG": true, "SI": true, "SL": true, "SO": true, "SP": true, "SR": true, "SZ": true,
	"ZC": true,
}

var chPattern = regexp.MustCompile(`^([A-Z][A-Z0-9])([0-9]{6})$`)

func (*companiesHouse) CheckCode(code string) error {
	_, err := checkCompanyNumber(code)
	return err
}

// checkCompanyNumber returns the 8-character number; Companies House numbers
// carry no check digit. Shorter all-digit numbers get their leading zeros back.
func checkCompanyNumber(code string) (string, error) {
	n := strings.ToUpper(strings.Join(strings.Fields(code), ""))
	if n != "" && len(n) <= 8 && strings.Trim(n, "0123456789") == "" {
		return strings.Repeat("0", 8-len(n)) + n, nil
	}
	if m := chPattern.FindStringSubmatch(n); m != nil && chPrefixes[m[1]] {
		return n, nil
	}
	return "", Errorf(CodeInvalidCode, "GB company number must be 8 characters: 8 digits, or a Companies House prefix such as SC, NI, OC or LP followed by 6 digits")
}

type chCompany struct {
	CompanyName      string `json:"company_name"`
	CompanyNumber    string `json:"company_number"`
	CompanyStatus    string `json:"company_status"`
	Type             string `json:"type"`
	DateOfCreation   string `json:"date_of_creation"`
	RegisteredOffice struct {
		Premises     string `json:"premises"`
		AddressLine1 string `json:"address_line_1"`
		AddressLine2 string `json:"address_line_2"`
		Locality     string `json:"locality"`
		Region       string `json:"region"`
		PostalCode   string `json:"postal_code"`
		Country      string `json:"country"`
	} `json:"registered_office_address"`
}

type chOfficers struct {
	TotalResults *int `json:"total_results"`
	Items        []struct {
		Name        string `json:"name"` // "SURNAME, Forenames"
		OfficerRole string `json:"officer_role"`
		ResignedOn  string `json:"resigned_on"`
		DateOfBirth *struct {
			Month int `json:"month"`
			Year  int `json:"year"`
		} `json:"date_of_birth"`
	} `json:"items"`
}

// chStatus maps company_status; unknown values are an API error rather than
// a guess.
var chStatus = map[string]string{
	"active":                 StatusActive,
	"open":                   StatusActive, // overseas company
	"registered":             StatusActive, // overseas entity
	"dissolved":              StatusDeleted,
	"converted-closed":       StatusDeleted,
	"closed":                 StatusDeleted,
	"removed":                StatusDeleted,
	"liquidation":            StatusLiquidation,
	"administration":         StatusBankrupt,
	"receivership":           StatusBankrupt,
	"insolvency-proceedings": StatusBankrupt,
	"voluntary-arrangement":  StatusBankrupt,
}

// chRepresentativeRoles are the officer roles that may act for the company.
var chRepresentativeRoles = map[string]bool{
	"director":              true,
	"nominee-director":      true,
	"llp-designated-member": true,
	"llp-member":            true,
	"general-partner-in-a-limited-partnership": true,
	"managing-officer":                         true,
	"cic-manager":                              true,
	"member-of-an-administrative-organ":        true,
	"member-of-a-management-organ":             true,
}

// chOfficerPages bounds how many pages of 100 officers we read.
const chOfficerPages = 5

func (ch *companiesHouse) Validate(ctx context.Context, req Request) (*Result, error) {
	number, err := checkCompanyNumber(req.Code)
	if err != nil {
		return nil, err
	}
	missing := missingPersonFields(req.Person)
	checkPerson := len(missing) == 0
	if !checkPerson && !req.CompanyOnly {
		return nil, Errorf(CodeIdentityValidation, "companies_house needs %s of the person", strings.Join(missing, ", "))
	}

	profile, err := ch.get(ctx, "/company/"+url.PathEscape(number))
	if err != nil {
		return nil, err
	}
	if profile.Status == http.StatusNotFound || profile.Status == http.StatusGone {
		return nil, Errorf(CodeCompanyNotFound, "no company with this number at Companies House")
	}
	if profile.Status != http.StatusOK {
		return nil, Errorf(CodeAPIError, "companies_house company profile answered HTTP %d", profile.Status)
	}
	var co chCompany
	if err := json.Unmarshal(profile.Body, &co); err != nil || co.CompanyNumber == "" {
		return nil, &Error{Code: CodeAPIError, Message: "companies_house company profile is not the expected JSON", Err: err}
	}
	status, ok := chStatus[co.CompanyStatus]
	if !ok {
		return nil, Errorf(CodeAPIError, "companies_house reported an unknown company status")
	}
	a := co.RegisteredOffice
	company := Company{
		Name:                  co.CompanyName,
		LegalPersonIdentifier: number,
		Status:                status,
		LegalForm:             co.Type,
		Address: joinNonEmpty(", ", strings.TrimSpace(a.Premises+" "+a.AddressLine1), a.AddressLine2,
			a.Locality, a.Region, a.PostalCode, a.Country),
		RegistrationDate: co.DateOfCreation,
		Registry:         "companies_house",
	}

	// Officers, page by page (the list includes resigned officers).
	var pages []json.RawMessage
	var roles []Role
	for start, page := 0, 0; page < chOfficerPages; page++ {
		res, err := ch.get(ctx, "/company/"+url.PathEscape(number)+"/officers?items_per_page=100&start_index="+strconv.Itoa(start))
		if err != nil {
			return nil, err
		}
		if res.Status == http.StatusNotFound { // no officers on the register
			break
		}
		if res.Status != http.StatusOK {
			return nil, Errorf(CodeAPIError, "companies_house officers answered HTTP %d", res.Status)
		}
		var off chOfficers
		if err := json.Unmarshal(res.Body, &off); err != nil || off.TotalResults == nil {
			return nil, &Error{Code: CodeAPIError, Message: "companies_house officer list is not the expected JSON", Err: err}
		}
		pages = append(pages, res.Body)
		for _, o := range off.Items {
			if !checkPerson || o.ResignedOn != "" || o.DateOfBirth == nil ||
				o.DateOfBirth.Year != req.Person.BirthDate.Year() || o.DateOfBirth.Month != int(req.Person.BirthDate.Month()) {
				continue
			}
			surname, forenames, _ := strings.Cut(o.Name, ",")
			if sameName(surname, req.Person.LastName) && givenNamesMatch(forenames, req.Person.FirstName) {
				roles = append(roles, Role{Role: o.OfficerRole, Name: chRoleLabel(o.OfficerRole), Represents: chRepresentativeRoles[o.OfficerRole]})
			}
		}
		start += len(off.Items)
		if len(off.Items) == 0 || start >= *off.TotalResults {
			break
		}
	}

	raw, _ := json.Marshal(map[string]any{"company": json.RawMessage(profile.Body), "officers": pages})
	return &Result{Company: company, Roles: roles, PersonChecked: checkPerson, Raw: raw}, nil
}

// chRoleLabel turns "llp-designated-member" into "Llp designated member".
func chRoleLabel(role string) string {
	s := strings.ReplaceAll(role, "-", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (ch *companiesHouse) get(ctx context.Context, path string) (*response, error) {
	return ch.c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, ch.c.url(path), nil)
		if err == nil {
			r.SetBasicAuth(ch.c.cfg.APIKey, "")
		}
		return r, err
	})
}
