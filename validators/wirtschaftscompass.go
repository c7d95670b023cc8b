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

// WirtschaftsCompass (Austrian company data provider over the Firmenbuch).
//
// The resolve and company-report paths, the bearer token and the report's
// basicData / bodiesInvestments / entityReference shape follow the
// integration of the public API at api.wirtschaftscompass.at (its full
// documentation is not public). The fields the public material does not
// show — masterData.legalForm, status.insolvency, status.liquidation and
// validTo on ended functions — are modelled on the Firmenbuch data model
// (Rechtsform, Konkurs-/Sanierungsverfahren, Auflösung/Liquidation, gelöschte
// Funktionen) and marked "modelled" below. Because they are modelled, a
// report that does not state insolvency and liquidation explicitly (null
// counts as stated) reads as StatusUnknown, never as active.
const wirtschaftscompassDefaultURL = "https://api.wirtschaftscompass.at"

// NewWirtschaftscompass builds the AT validator. Config.Token is the bearer token.
func NewWirtschaftscompass(cfg Config) Validator {
	return &wirtschaftscompass{c: newClient("wirtschaftscompass", cfg)}
}

type wirtschaftscompass struct{ c *client }

func (*wirtschaftscompass) Method() string      { return "wirtschaftscompass" }
func (*wirtschaftscompass) Countries() []string { return []string{"AT"} }
func (*wirtschaftscompass) PersonFields() []string {
	return []string{FieldFirstName, FieldLastName, FieldBirthDate}
}

// fnCheckLetters: Firmenbuch check letters (no c, e, j, l, n, o, q, r, u),
// indexed by the FN number mod 17. The usual statement, weights 6 4 14 15 10 1
// on the six right-aligned digits, is the same sum: they are 10^k mod 17.
const fnCheckLetters = "abdfghikmpstvwxyz"

var fnPattern = regexp.MustCompile(`^([1-9][0-9]{0,5})([a-z])$`)

// normaliseFN strips an optional "FN" prefix and spaces: "FN 93363 z" → "93363z".
func normaliseFN(code string) string {
	s := strings.ToLower(strings.Join(strings.Fields(code), ""))
	return strings.TrimPrefix(s, "fn")
}

func (*wirtschaftscompass) CheckCode(code string) error {
	_, err := checkFN(code)
	return err
}

func checkFN(code string) (string, error) {
	fn := normaliseFN(code)
	m := fnPattern.FindStringSubmatch(fn)
	if m != nil {
		n, _ := strconv.Atoi(m[1])
		if fnCheckLetters[n%17] == m[2][0] {
			return fn, nil
		}
	}
	return "", Errorf(CodeInvalidCode, "AT Firmenbuchnummer must be 1-6 digits (no leading zero) and a check letter matching the number mod 17, e.g. FN 93363z")
}

// wicoReport is the part of the company report we read.
type wicoReport struct {
	Status *struct {
		RegistrationStatus string          `json:"registrationStatus"` // ACTIVE, DELETED
		Insolvency         json.RawMessage `json:"insolvency"`         // modelled: open Konkurs-/Sanierungsverfahren or null
		Liquidation        json.RawMessage `json:"liquidation"`        // modelled: Auflösung/Liquidation or null
	} `json:"status"`
	Data *struct {
		BasicData struct {
			MasterData struct {
				RegisterNumber struct {
					CurrentValue struct {
						ValidFrom      string `json:"validFrom"`
						RegisterNumber struct {
							Value string `json:"value"`
						} `json:"registerNumber"`
					} `json:"currentValue"`
				} `json:"registerNumber"`
				LegalForm wicoValue `json:"legalForm"` // modelled
			} `json:"masterData"`
			CommunicationData struct {
				Name    wicoValue `json:"name"`
				Address struct {
					CurrentValue struct {
						Address struct {
							StreetAddress string `json:"streetAddress"`
							HouseNumber   string `json:"houseNumber"`
							PostalCode    string `json:"postalCode"`
							Place         string `json:"place"`
						} `json:"address"`
					} `json:"currentValue"`
				} `json:"address"`
			} `json:"communicationData"`
		} `json:"basicData"`
		BodiesInvestments struct {
			Management struct {
				Management []wicoFunction `json:"management"`
			} `json:"management"`
			Owners struct {
				Owner []wicoFunction `json:"owner"`
			} `json:"owners"`
		} `json:"bodiesInvestments"`
	} `json:"data"`
}

type wicoValue struct {
	CurrentValue struct {
		Content string `json:"content"`
	} `json:"currentValue"`
}

// wicoFunction is one Firmenbuch function: Geschäftsführer, Vorstand,
// Prokurist (management) or Gesellschafter (owners).
type wicoFunction struct {
	Type            string `json:"type"`
	ValidTo         string `json:"validTo"` // modelled: set once the function has ended
	EntityReference struct {
		ObjectType     string `json:"objectType"` // NATURAL_PERSON, LEGAL_PERSON
		StructuredName struct {
			GivenName string `json:"givenName"`
			Surname   string `json:"surname"`
		} `json:"structuredName"`
		DateOfBirth string `json:"dateOfBirth"` // YYYY-MM-DD
	} `json:"entityReference"`
}

var wicoRoleNames = map[string]string{
	"GESCHÄFTSFÜHRER": "Geschäftsführer",
	"VORSTAND":        "Vorstand",
	"LIQUIDATOR":      "Liquidator",
	"PROKURIST":       "Prokurist",
	"GESELLSCHAFTER":  "Gesellschafter",
}

// wicoRepresentingRoles are the functions that represent the company: its
// managing directors (GmbH), board (AG) or liquidators. A Gesellschafter
// owns a share and represents nothing; a Prokurist holds a power of
// attorney the report does not say is sole or joint: staff review those.
var wicoRepresentingRoles = map[string]bool{"GESCHÄFTSFÜHRER": true, "VORSTAND": true, "LIQUIDATOR": true}

func (w *wirtschaftscompass) Validate(ctx context.Context, req Request) (*Result, error) {
	fn, err := checkFN(req.Code)
	if err != nil {
		return nil, err
	}
	missing := missingPersonFields(req.Person)
	checkPerson := len(missing) == 0
	if !checkPerson && !req.CompanyOnly {
		return nil, Errorf(CodeIdentityValidation, "wirtschaftscompass needs %s of the person", strings.Join(missing, ", "))
	}

	// 1. Resolve the FN to WirtschaftsCompass's own company id.
	q := url.Values{"register-number": {fn}, "register-number-type": {"FN"}}
	resolved, err := w.get(ctx, "/organisation/v1/resolve?"+q.Encode())
	if err != nil {
		return nil, err
	}
	if resolved.Status == http.StatusNotFound || resolved.Status == http.StatusGone {
		return nil, Errorf(CodeCompanyNotFound, "no company with this Firmenbuchnummer in WirtschaftsCompass")
	}
	if resolved.Status != http.StatusOK {
		return nil, Errorf(CodeAPIError, "wirtschaftscompass resolve answered HTTP %d", resolved.Status)
	}
	var ref struct {
		Data *struct {
			WicoID string `json:"wicoId"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resolved.Body, &ref); err != nil || ref.Data == nil {
		return nil, &Error{Code: CodeAPIError, Message: "wirtschaftscompass resolve answer is not the expected JSON", Err: err}
	}
	if ref.Data.WicoID == "" {
		return nil, Errorf(CodeCompanyNotFound, "no company with this Firmenbuchnummer in WirtschaftsCompass")
	}

	// 2. The company report with management and owners.
	report, err := w.get(ctx, "/organisation/v1/"+url.PathEscape(ref.Data.WicoID)+"/company-report?load-option=BODIES_INVESTMENTS")
	if err != nil {
		return nil, err
	}
	if report.Status == http.StatusNotFound || report.Status == http.StatusGone {
		return nil, Errorf(CodeCompanyNotFound, "no company report for this Firmenbuchnummer in WirtschaftsCompass")
	}
	if report.Status != http.StatusOK {
		return nil, Errorf(CodeAPIError, "wirtschaftscompass company report answered HTTP %d", report.Status)
	}
	var rep wicoReport
	if err := json.Unmarshal(report.Body, &rep); err != nil || rep.Data == nil || rep.Status == nil {
		return nil, &Error{Code: CodeAPIError, Message: "wirtschaftscompass company report is not the expected JSON", Err: err}
	}

	status, err := wicoStatus(rep)
	if err != nil {
		return nil, err
	}
	bd := rep.Data.BasicData
	addr := bd.CommunicationData.Address.CurrentValue.Address
	street := strings.TrimSpace(addr.StreetAddress + " " + addr.HouseNumber)
	company := Company{
		Name:                  bd.CommunicationData.Name.CurrentValue.Content,
		LegalPersonIdentifier: fn,
		Status:                status,
		LegalForm:             bd.MasterData.LegalForm.CurrentValue.Content,
		Address:               joinNonEmpty(", ", street, strings.TrimSpace(addr.PostalCode+" "+addr.Place)),
		// The FN is assigned when the company is entered in the Firmenbuch.
		RegistrationDate: bd.MasterData.RegisterNumber.CurrentValue.ValidFrom,
		Registry:         "wirtschaftscompass",
	}

	birth := ""
	if checkPerson {
		birth = req.Person.BirthDate.Format("2006-01-02")
	}
	var roles []Role
	bi := rep.Data.BodiesInvestments
	for _, f := range append(append([]wicoFunction{}, bi.Management.Management...), bi.Owners.Owner...) {
		e := f.EntityReference
		if !checkPerson || f.ValidTo != "" || e.ObjectType != "NATURAL_PERSON" || e.DateOfBirth != birth ||
			!sameName(e.StructuredName.Surname, req.Person.LastName) ||
			!givenNamesMatch(e.StructuredName.GivenName, req.Person.FirstName) {
			continue
		}
		name := wicoRoleNames[f.Type]
		if name == "" {
			name = f.Type
		}
		roles = append(roles, Role{Role: f.Type, Name: name, Represents: wicoRepresentingRoles[f.Type]})
	}

	raw, _ := json.Marshal(map[string]json.RawMessage{"resolve": resolved.Body, "report": report.Body})
	return &Result{Company: company, Roles: roles, PersonChecked: checkPerson, Raw: raw}, nil
}

// wicoStatus maps the report's status block to a normalised status.
func wicoStatus(rep wicoReport) (string, error) {
	stated := func(m json.RawMessage) bool { return len(m) > 0 } // present, null included
	set := func(m json.RawMessage) bool { return stated(m) && string(m) != "null" }
	switch rep.Status.RegistrationStatus {
	case "DELETED": // gelöscht
		return StatusDeleted, nil
	case "ACTIVE":
		switch {
		case set(rep.Status.Insolvency):
			return StatusBankrupt, nil
		case set(rep.Status.Liquidation):
			return StatusLiquidation, nil
		case !stated(rep.Status.Insolvency) || !stated(rep.Status.Liquidation):
			// Registered is not live: without an explicit word on
			// insolvency and liquidation (both modelled fields), staff decide.
			return StatusUnknown, nil
		}
		return StatusActive, nil
	}
	return "", Errorf(CodeAPIError, "wirtschaftscompass reported an unknown registration status")
}

func (w *wirtschaftscompass) get(ctx context.Context, path string) (*response, error) {
	return w.c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, w.c.url(path), nil)
		if err == nil {
			r.Header.Set("Authorization", "Bearer "+w.c.cfg.Token)
		}
		return r, err
	})
}
