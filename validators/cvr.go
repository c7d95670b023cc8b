package validators

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// cvrDefaultURL is the Danish Business Authority's CVR Elasticsearch distribution
// (HTTP Basic credentials issued by Erhvervsstyrelsen). Public descriptions
// disagree on its scheme (many published clients call
// http://distribution.virk.dk, others https): the default is https because
// the credentials travel with every request; ONBOARDING_CVR_URL overrides
// it where the endpoint answers only over http.
const cvrDefaultURL = "https://distribution.virk.dk"

type cvr struct{ c *client }

// NewCVR returns the validator for Denmark's Central Business Register.
func NewCVR(cfg Config) Validator { return &cvr{c: newClient("cvr", cfg)} }

func (*cvr) Method() string              { return "cvr" }
func (*cvr) Countries() []string         { return []string{"DK"} }
func (*cvr) PersonFields() []string      { return []string{FieldFirstName, FieldLastName} }
func (*cvr) CheckCode(code string) error { _, err := cvrNormalize(code); return err }

// cvrNormalize checks the CVR number: 8 digits, no leading zero, and the
// weighted sum (weights 2,7,6,5,4,3,2,1) divisible by 11. A "DK" prefix is allowed.
func cvrNormalize(code string) (string, error) {
	code = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(code)), "DK")
	d, ok := nordicDigits(code)
	invalid := Errorf(CodeInvalidCode, "DK CVR number must be 8 digits with a valid mod-11 check digit")
	if !ok || len(d) != 8 || d[0] == '0' {
		return "", invalid
	}
	sum := 0
	for i, w := range []int{2, 7, 6, 5, 4, 3, 2, 1} {
		sum += int(d[i]-'0') * w
	}
	if sum%11 != 0 {
		return "", invalid
	}
	return d, nil
}

// cvrPeriod is CVR's validity period; an open gyldigTil means current.
type cvrPeriod struct {
	GyldigFra *string `json:"gyldigFra"`
	GyldigTil *string `json:"gyldigTil"`
}

func (p *cvrPeriod) current() bool { return p == nil || p.GyldigTil == nil }

type cvrName struct {
	Navn    string     `json:"navn"`
	Periode *cvrPeriod `json:"periode"`
}

// cvrVirksomhed is the part of _source.Vrvirksomhed we use.
type cvrVirksomhed struct {
	CvrNummer         int `json:"cvrNummer"`
	Virksomhedsstatus []struct {
		Status  string     `json:"status"`
		Periode *cvrPeriod `json:"periode"`
	} `json:"virksomhedsstatus"`
	VirksomhedMetadata struct {
		NyesteNavn            *cvrName `json:"nyesteNavn"`
		NyesteVirksomhedsform *struct {
			KortBeskrivelse string `json:"kortBeskrivelse"`
			LangBeskrivelse string `json:"langBeskrivelse"`
		} `json:"nyesteVirksomhedsform"`
		NyesteBeliggenhedsadresse *struct {
			Vejnavn      string `json:"vejnavn"`
			HusnummerFra *int   `json:"husnummerFra"`
			BogstavFra   string `json:"bogstavFra"`
			Etage        string `json:"etage"`
			Sidedoer     string `json:"sidedoer"`
			Postnummer   *int   `json:"postnummer"`
			Postdistrikt string `json:"postdistrikt"`
			Landekode    string `json:"landekode"`
		} `json:"nyesteBeliggenhedsadresse"`
		StiftelsesDato  string `json:"stiftelsesDato"`
		SammensatStatus string `json:"sammensatStatus"`
	} `json:"virksomhedMetadata"`
	DeltagerRelation []struct {
		Deltager *struct {
			Enhedstype string    `json:"enhedstype"`
			Navne      []cvrName `json:"navne"`
		} `json:"deltager"`
		Organisationer []struct {
			Hovedtype         string    `json:"hovedtype"`
			OrganisationsNavn []cvrName `json:"organisationsNavn"`
			MedlemsData       []struct {
				Periode     *cvrPeriod `json:"periode"`
				Attributter []struct {
					Type     string `json:"type"`
					Vaerdier []struct {
						Vaerdi  string     `json:"vaerdi"`
						Periode *cvrPeriod `json:"periode"`
					} `json:"vaerdier"`
				} `json:"attributter"`
			} `json:"medlemsData"`
		} `json:"organisationer"`
	} `json:"deltagerRelation"`
}

type cvrSearchResult struct {
	Hits *struct {
		Hits []struct {
			Source struct {
				Vrvirksomhed *cvrVirksomhed `json:"Vrvirksomhed"`
			} `json:"_source"`
		} `json:"hits"`
	} `json:"hits"`
}

func (v *cvr) Validate(ctx context.Context, req Request) (*Result, error) {
	nr, err := cvrNormalize(req.Code)
	if err != nil {
		return nil, err
	}
	p := req.Person
	checkPerson := len(nameTokens(p.FirstName)) > 0 && len(nameTokens(p.LastName)) > 0
	if !checkPerson && !req.CompanyOnly {
		return nil, Errorf(CodeIdentityValidation, "cvr needs the person's first name and last name")
	}
	if v.c.cfg.Username == "" || v.c.cfg.Password == "" {
		return nil, Errorf(CodeConfigurationError, "cvr needs ONBOARDING_CVR_USERNAME and ONBOARDING_CVR_PASSWORD (CVR distribution access)")
	}
	query := fmt.Appendf(nil, `{"query":{"term":{"Vrvirksomhed.cvrNummer":%s}},"size":1}`, nr)
	res, err := v.c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, v.c.url("/cvr-permanent/virksomhed/_search"), bytes.NewReader(query))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", "application/json")
		r.SetBasicAuth(v.c.cfg.Username, v.c.cfg.Password)
		return r, nil
	})
	if err != nil {
		return nil, err
	}
	if res.Status == http.StatusNotFound {
		return nil, Errorf(CodeCompanyNotFound, "no company with this CVR number")
	}
	if res.Status != http.StatusOK {
		return nil, Errorf(CodeAPIError, "cvr register answered HTTP %d", res.Status)
	}
	var sr cvrSearchResult
	if err := json.Unmarshal(res.Body, &sr); err != nil || sr.Hits == nil {
		return nil, &Error{Code: CodeAPIError, Message: "cvr register returned an unreadable search result", Err: err}
	}
	if len(sr.Hits.Hits) == 0 {
		return nil, Errorf(CodeCompanyNotFound, "no company with this CVR number")
	}
	vr := sr.Hits.Hits[0].Source.Vrvirksomhed
	if vr == nil || strconv.Itoa(vr.CvrNummer) != nr {
		return nil, Errorf(CodeAPIError, "cvr register returned another company than asked for")
	}
	company, err := cvrCompany(nr, vr)
	if err != nil {
		return nil, err
	}
	result := &Result{Company: company, PersonChecked: checkPerson, Raw: nordicRaw(res.Body, nil)}
	if checkPerson {
		result.Roles = cvrMatch(vr, p)
	}
	return result, nil
}

// cvrStatus maps CVR's company status: virksomhedsstatus ("NORMAL", "UNDER
// KONKURS", "OPLØST EFTER FRIVILLIG LIKVIDATION"…) or the metadata's
// sammensatStatus ("Aktiv", "UnderKonkurs", "Ophørt"…). Dissolved comes first
// ("OPLØST EFTER KONKURS" is dissolved, not bankrupt). An unknown status is an
// API error rather than a guess.
func cvrStatus(s string) (string, error) {
	u := strings.ToUpper(strings.Join(strings.Fields(s), " "))
	switch {
	case u == "NORMAL" || u == "AKTIV":
		return StatusActive, nil
	case strings.HasPrefix(u, "OPLØST") || strings.HasPrefix(u, "OPHØRT") || u == "TVANGSOPLØST" || u == "SLETTET":
		return StatusDeleted, nil
	case strings.Contains(u, "KONKURS") || strings.Contains(u, "REKONSTRUKTION"): // insolvency proceedings
		return StatusBankrupt, nil
	case strings.Contains(u, "LIKVIDATION") || strings.Contains(u, "TVANGSOPLØSNING"):
		return StatusLiquidation, nil
	}
	return "", Errorf(CodeAPIError, "cvr register returned an unknown company status %q", s)
}

func cvrCompany(nr string, vr *cvrVirksomhed) (Company, error) {
	m := vr.VirksomhedMetadata
	status := m.SammensatStatus
	for _, s := range vr.Virksomhedsstatus {
		if s.Periode.current() {
			status = s.Status
		}
	}
	st, err := cvrStatus(status)
	if err != nil {
		return Company{}, err
	}
	c := Company{LegalPersonIdentifier: nr, Status: st, RegistrationDate: m.StiftelsesDato, Registry: "cvr"}
	if m.NyesteNavn != nil {
		c.Name = m.NyesteNavn.Navn
	}
	if f := m.NyesteVirksomhedsform; f != nil {
		c.LegalForm = f.LangBeskrivelse
		if c.LegalForm == "" {
			c.LegalForm = f.KortBeskrivelse
		}
	}
	if a := m.NyesteBeliggenhedsadresse; a != nil {
		street := a.Vejnavn
		if a.HusnummerFra != nil {
			street += " " + strconv.Itoa(*a.HusnummerFra) + a.BogstavFra
		}
		if floor := strings.TrimSpace(a.Etage + " " + a.Sidedoer); floor != "" {
			street += ", " + floor
		}
		city := a.Postdistrikt
		if a.Postnummer != nil {
			city = strconv.Itoa(*a.Postnummer) + " " + city
		}
		parts := []string{}
		for _, s := range []string{strings.TrimSpace(street), strings.TrimSpace(city), a.Landekode} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		c.Address = strings.Join(parts, ", ")
	}
	return c, nil
}

// cvrManagement: participants in these bodies may represent the company:
// the management bodies (LEDELSESORGAN: Direktion, Bestyrelse, Tilsynsråd…)
// and the fully liable partners of I/S and K/S. Owners (REGISTER), founders
// (STIFTERE) and auditors (REVISION) may not.
var cvrManagement = map[string]bool{"LEDELSESORGAN": true, "FULDT_ANSVARLIG_DELTAGERE": true}

// cvrMatch returns the current management roles of persons whose current
// name matches p. The role code is the member's FUNKTION (e.g. "ADM. DIR.",
// "FORMAND") or, without one, the body's name; deputies are skipped.
func cvrMatch(vr *cvrVirksomhed, p Person) []Role {
	var roles []Role
	seen := map[string]bool{}
	for _, rel := range vr.DeltagerRelation {
		d := rel.Deltager
		if d == nil || d.Enhedstype != "PERSON" || !cvrNameMatches(d.Navne, p) {
			continue
		}
		for _, org := range rel.Organisationer {
			if !cvrManagement[org.Hovedtype] {
				continue
			}
			body := org.Hovedtype
			for _, n := range org.OrganisationsNavn {
				if n.Periode.current() {
					body = n.Navn
				}
			}
			for _, md := range org.MedlemsData {
				if !md.Periode.current() {
					continue
				}
				function, hasFunction := "", false
				for _, a := range md.Attributter {
					if a.Type != "FUNKTION" {
						continue
					}
					for _, val := range a.Vaerdier {
						hasFunction = true
						if val.Periode.current() {
							function = val.Vaerdi
						}
					}
				}
				if hasFunction && function == "" {
					continue // every function has ended: no longer a member
				}
				code := strings.ToUpper(function)
				if code == "" {
					code = strings.ToUpper(body)
				}
				if strings.Contains(code, "SUPPLEANT") || seen[code] {
					continue
				}
				seen[code] = true
				roles = append(roles, Role{Role: code, Name: body, Represents: true})
			}
		}
	}
	return roles
}

func cvrNameMatches(names []cvrName, p Person) bool {
	for _, n := range names {
		if n.Periode.current() && nordicFullNameMatch(n.Navn, p.FirstName, p.LastName) {
			return true
		}
	}
	return false
}
