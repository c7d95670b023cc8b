package validators

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// aresDefaultURL is the Czech Ministry of Finance's ARES; its REST API
// lives under /ekonomicke-subjekty-v-be/rest.
const aresDefaultURL = "https://ares.gov.cz"

const aresPath = "/ekonomicke-subjekty-v-be/rest"

// NewARES returns the CZ validator: ARES (no credentials). The company
// comes from ekonomicke-subjekty/{ico} (all source registers), its
// statutory bodies from the commercial register's ekonomicke-subjekty-vr/{ico};
// the person is matched by name and birth date, as breg and
// wirtschaftscompass do.
func NewARES(cfg Config) Validator { return &ares{c: newClient("ares", cfg)} }

type ares struct{ c *client }

func (*ares) Method() string      { return "ares" }
func (*ares) Countries() []string { return []string{"CZ"} }
func (*ares) PersonFields() []string {
	return []string{FieldFirstName, FieldLastName, FieldBirthDate}
}

func (*ares) CheckCode(code string) error { _, err := aresICO(code); return err }

// aresICO checks an IČO: 8 digits (shorter ones are padded with leading
// zeros); weights 8…2 on the first seven, check = 11 − sum mod 11, with
// 10 read as 0 and 11 as 1.
func aresICO(code string) (string, error) {
	d, ok := nordicDigits(code)
	bad := Errorf(CodeInvalidCode, "CZ IČO must be 8 digits with a valid mod-11 check digit")
	if !ok || len(d) > 8 {
		return "", bad
	}
	d = strings.Repeat("0", 8-len(d)) + d
	c := 11 - weighted(d, 8, 7, 6, 5, 4, 3, 2)%11
	switch c {
	case 10:
		c = 0
	case 11:
		c = 1
	}
	if int(d[7]-'0') != c {
		return "", bad
	}
	return d, nil
}

// aresSubject is ekonomicke-subjekty/{ico} (the fields we read).
type aresSubject struct {
	ICO           string `json:"ico"`
	ObchodniJmeno string `json:"obchodniJmeno"`
	Sidlo         struct {
		TextovaAdresa string `json:"textovaAdresa"`
	} `json:"sidlo"`
	PravniForma      string            `json:"pravniForma"`
	DatumVzniku      string            `json:"datumVzniku"`
	DatumZaniku      string            `json:"datumZaniku"`
	SeznamRegistraci map[string]string `json:"seznamRegistraci"` // stavZdrojeVr, stavZdrojeIr, …: AKTIVNI, ZANIKLY, NEEXISTUJICI, …
}

// aresVR is ekonomicke-subjekty-vr/{ico} (the fields we read).
type aresVR struct {
	Zaznamy []struct {
		PrimarniZaznam   bool `json:"primarniZaznam"`
		StatutarniOrgany []struct {
			NazevOrganu   string          `json:"nazevOrganu"`
			DatumVymazu   string          `json:"datumVymazu"`
			ClenoveOrganu []aresMember    `json:"clenoveOrganu"`
			ZpusobJednani []aresDatedText `json:"zpusobJednani"`
		} `json:"statutarniOrgany"`
	} `json:"zaznamy"`
}

type aresDatedText struct {
	Hodnota     string `json:"hodnota"`
	DatumVymazu string `json:"datumVymazu"`
}

type aresMember struct {
	NazevAngazma string `json:"nazevAngazma"`
	DatumVymazu  string `json:"datumVymazu"`
	FyzickaOsoba *struct {
		Jmeno         string `json:"jmeno"`
		Prijmeni      string `json:"prijmeni"`
		DatumNarozeni string `json:"datumNarozeni"`
	} `json:"fyzickaOsoba"`
	Clenstvi struct {
		Funkce struct {
			Nazev       string `json:"nazev"`
			ZanikFunkce string `json:"zanikFunkce"`
		} `json:"funkce"`
		Clenstvi struct {
			ZanikClenstvi string `json:"zanikClenstvi"`
		} `json:"clenstvi"`
	} `json:"clenstvi"`
}

func (a *ares) Validate(ctx context.Context, req Request) (*Result, error) {
	ico, err := aresICO(req.Code)
	if err != nil {
		return nil, err
	}
	p := req.Person
	checkPerson := strings.TrimSpace(p.FirstName) != "" && strings.TrimSpace(p.LastName) != "" && p.BirthDate != nil
	if !checkPerson && !req.CompanyOnly {
		return nil, Errorf(CodeIdentityValidation, "ares needs the person's first name, last name and birth date")
	}
	subj, err := a.get(ctx, "/ekonomicke-subjekty/"+ico)
	if err != nil {
		return nil, err
	}
	switch subj.Status {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, Errorf(CodeCompanyNotFound, "ARES knows no subject with IČO %s", ico)
	default:
		return nil, Errorf(CodeAPIError, "ARES answered HTTP %d", subj.Status)
	}
	var s aresSubject
	if err := json.Unmarshal(subj.Body, &s); err != nil || s.ICO == "" {
		return nil, &Error{Code: CodeAPIError, Message: "ARES answered an unexpected body", Err: err}
	}
	company := Company{Name: s.ObchodniJmeno, LegalPersonIdentifier: ico, Status: aresStatus(s),
		LegalForm: s.PravniForma, Address: s.Sidlo.TextovaAdresa, RegistrationDate: s.DatumVzniku, Registry: "ares"}

	vr, err := a.get(ctx, "/ekonomicke-subjekty-vr/"+ico)
	if err != nil {
		return nil, err
	}
	raw := map[string]json.RawMessage{"company": subj.Body}
	switch vr.Status {
	case http.StatusOK:
	case http.StatusBadRequest, http.StatusNotFound:
		// The subject has no entry in the commercial register (a sole
		// trader, say): nothing says who represents it.
		out, _ := json.Marshal(raw)
		return &Result{Company: company, Raw: out}, nil
	default:
		return nil, Errorf(CodeAPIError, "ARES commercial register answered HTTP %d", vr.Status)
	}
	var v aresVR
	if err := json.Unmarshal(vr.Body, &v); err != nil {
		return nil, &Error{Code: CodeAPIError, Message: "ARES commercial register answered an unexpected body", Err: err}
	}
	raw["vr"] = vr.Body
	out, _ := json.Marshal(raw)
	result := &Result{Company: company, PersonChecked: checkPerson, Raw: out}
	if checkPerson {
		result.Roles = aresRoles(v, p)
	}
	return result, nil
}

// aresStatus reads the subject's condition: ceased (datumZaniku), an
// active entry in the insolvency register (IR), or an active entry in the
// commercial register (VR) or the register of economic subjects (RES).
// Anything else is not stated explicitly.
func aresStatus(s aresSubject) string {
	switch {
	case s.DatumZaniku != "":
		return StatusDeleted
	case s.SeznamRegistraci["stavZdrojeIr"] == "AKTIVNI":
		return StatusBankrupt
	case s.SeznamRegistraci["stavZdrojeVr"] == "AKTIVNI", s.SeznamRegistraci["stavZdrojeRes"] == "AKTIVNI":
		return StatusActive
	}
	return StatusUnknown
}

// aresRoles lists the current functions of the person (same name and birth
// date) in the statutory bodies of the primary record. A member
// represents the company alone only where the body's current manner of
// acting (způsob jednání) says members act alone (samostatně) and never
// jointly (společně); mixed rules are for staff to read.
func aresRoles(v aresVR, p Person) []Role {
	birth := p.BirthDate.Format(time.DateOnly)
	var roles []Role
	for _, z := range v.Zaznamy {
		if !z.PrimarniZaznam && len(v.Zaznamy) > 1 {
			continue
		}
		for _, body := range z.StatutarniOrgany {
			if body.DatumVymazu != "" {
				continue
			}
			alone := false
			for _, zj := range body.ZpusobJednani {
				t := strings.ToLower(zj.Hodnota)
				if zj.DatumVymazu == "" {
					alone = strings.Contains(t, "samostatně") && !strings.Contains(t, "společně")
				}
			}
			for _, m := range body.ClenoveOrganu {
				o := m.FyzickaOsoba
				if o == nil || m.DatumVymazu != "" || m.Clenstvi.Funkce.ZanikFunkce != "" || m.Clenstvi.Clenstvi.ZanikClenstvi != "" ||
					o.DatumNarozeni != birth || !sameName(o.Prijmeni, p.LastName) || !givenNamesMatch(o.Jmeno, p.FirstName) {
					continue
				}
				role := m.Clenstvi.Funkce.Nazev
				if role == "" {
					role = m.NazevAngazma
				}
				roles = append(roles, Role{Role: role, Name: body.NazevOrganu, Represents: alone})
			}
		}
	}
	return roles
}

func (a *ares) get(ctx context.Context, path string) (*response, error) {
	return a.c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, a.c.url(aresPath+path), nil)
	})
}
