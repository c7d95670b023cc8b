package validators

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// gleifDefaultURL is the Global Legal Entity Identifier Foundation's API
// (JSON:API, no key); lei-records lives under /api/v1.
const gleifDefaultURL = "https://api.gleif.org"

const gleifPath = "/api/v1/lei-records/"

// NewGLEIF returns the validator of Legal Entity Identifiers: GLEIF's
// lei-records. It serves the countries of Config.Countries
// (ONBOARDING_GLEIF_COUNTRIES; none by default) and gives a second opinion
// on any verification that names an LEI (verify.Run). GLEIF knows the
// entity and its LEI, not who may represent it (PersonChecked is false).
func NewGLEIF(cfg Config) Validator {
	return &gleif{c: newClient("gleif", cfg), countries: slices.Clone(cfg.Countries)}
}

type gleif struct {
	c         *client
	countries []string
}

func (*gleif) Method() string              { return "gleif" }
func (g *gleif) Countries() []string       { return slices.Clone(g.countries) }
func (*gleif) PersonFields() []string      { return []string{} }
func (*gleif) CheckCode(code string) error { _, err := NormaliseLEI(code); return err }

var leiShape = regexp.MustCompile(`^[0-9A-Z]{18}[0-9]{2}$`)

// NormaliseLEI checks a Legal Entity Identifier (ISO 17442): 20 letters
// and digits, the last two check digits by ISO 7064 MOD 97-10.
func NormaliseLEI(code string) (string, error) {
	lei := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), " ", ""))
	if !leiShape.MatchString(lei) || mod9710(lei) != 1 {
		return "", Errorf(CodeInvalidCode, "an LEI must be 18 letters or digits and 2 check digits (ISO 17442, MOD 97-10)")
	}
	return lei, nil
}

// gleifRecord is a lei-records answer (the fields we read).
type gleifRecord struct {
	Data *struct {
		Attributes struct {
			LEI    string `json:"lei"`
			Entity struct {
				LegalName struct {
					Name string `json:"name"`
				} `json:"legalName"`
				LegalAddress struct {
					AddressLines []string `json:"addressLines"`
					City         string   `json:"city"`
					PostalCode   string   `json:"postalCode"`
					Country      string   `json:"country"`
				} `json:"legalAddress"`
				RegisteredAt struct {
					ID string `json:"id"`
				} `json:"registeredAt"`
				RegisteredAs string `json:"registeredAs"`
				Jurisdiction string `json:"jurisdiction"`
				LegalForm    struct {
					ID string `json:"id"`
				} `json:"legalForm"`
				Status       string `json:"status"` // ACTIVE, INACTIVE
				CreationDate string `json:"creationDate"`
			} `json:"entity"`
			Registration struct {
				Status string `json:"status"` // ISSUED, LAPSED, RETIRED, ANNULLED, MERGED, DUPLICATE, PENDING_*, …
			} `json:"registration"`
		} `json:"attributes"`
	} `json:"data"`
}

func (g *gleif) Validate(ctx context.Context, req Request) (*Result, error) {
	lei, err := NormaliseLEI(req.Code)
	if err != nil {
		return nil, err
	}
	res, err := g.c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, g.c.url(gleifPath+lei), nil)
		if err == nil {
			r.Header.Set("Accept", "application/vnd.api+json")
		}
		return r, err
	})
	if err != nil {
		return nil, err
	}
	switch res.Status {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, Errorf(CodeCompanyNotFound, "GLEIF knows no LEI %s", lei)
	default:
		return nil, Errorf(CodeAPIError, "GLEIF answered HTTP %d", res.Status)
	}
	var rec gleifRecord
	if err := json.Unmarshal(res.Body, &rec); err != nil || rec.Data == nil || rec.Data.Attributes.LEI != lei {
		return nil, &Error{Code: CodeAPIError, Message: "GLEIF answered an unexpected body", Err: err}
	}
	a := rec.Data.Attributes
	e := a.Entity
	addr := e.LegalAddress
	company := Company{
		Name:                  e.LegalName.Name,
		LegalPersonIdentifier: lei,
		Status:                gleifStatus(e.Status),
		LegalForm:             e.LegalForm.ID,
		Address: joinNonEmpty(", ", strings.Join(addr.AddressLines, ", "),
			strings.TrimSpace(addr.PostalCode+" "+addr.City), addr.Country),
		RegistrationDate: datePart(e.CreationDate),
		Registry:         "gleif",
		LEI:              lei,
		LEIStatus:        a.Registration.Status,
		Jurisdiction:     e.Jurisdiction,
		RegisteredAs:     e.RegisteredAs,
	}
	return &Result{Company: company, Raw: res.Body}, nil
}

// gleifStatus reads the entity's legal status. It says nothing of the
// LEI's registration status: a lapsed LEI (not renewed) of a live company
// is a live company.
func gleifStatus(s string) string {
	switch s {
	case "ACTIVE":
		return StatusActive
	case "INACTIVE": // dissolved, merged away, …
		return StatusDeleted
	}
	return StatusUnknown
}

// datePart is the YYYY-MM-DD of a timestamp, "" when there is none.
func datePart(ts string) string {
	if len(ts) < 10 {
		return ""
	}
	return ts[:10]
}

// SameLocalCode reports whether the register code GLEIF gives for an
// entity (registeredAs) names the same code as a verification: compared
// without separators and case, and without the register's letters before
// the number.
func SameLocalCode(registeredAs, code string) bool {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch {
			case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
				return r
			case r >= 'a' && r <= 'z':
				return r - 'a' + 'A'
			}
			return -1
		}, s)
	}
	a, b := norm(registeredAs), norm(code)
	if len(a) < len(b) {
		a, b = b, a
	}
	// One may carry the register's letters before the number ("FN 93363z", "HRB 12345").
	prefix, found := strings.CutSuffix(a, b)
	return b != "" && found && strings.Trim(prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}
