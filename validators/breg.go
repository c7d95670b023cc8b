package validators

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

// bregDefaultURL is Brønnøysundregistrene's open data API (no credentials).
const bregDefaultURL = "https://data.brreg.no"

// bregRepresentingRoles are the Enhetsregisteret role codes whose holders may
// represent the entity: daily manager, board chair/deputy chair/members,
// owner of a sole proprietorship, partners with full liability, general
// partner, managing shipowner, business manager, and the registered
// signature and procuration rights. Deputies (VARA), auditors (REVI),
// accountants (REGN), contact persons (KONT) and observers (OBS) may not.
var bregRepresentingRoles = map[string]bool{
	"DAGL": true, "LEDE": true, "NEST": true, "MEDL": true, "INNH": true,
	"DTPR": true, "DTSO": true, "KOMP": true, "BEST": true, "FFØR": true,
	"SIGN": true, "PROK": true,
}

type breg struct{ c *client }

// NewBreg returns the validator for Norway's Enhetsregisteret.
func NewBreg(cfg Config) Validator { return &breg{c: newClient("breg", cfg)} }

func (*breg) Method() string      { return "breg" }
func (*breg) Countries() []string { return []string{"NO"} }
func (*breg) PersonFields() []string {
	return []string{FieldFirstName, FieldLastName, FieldBirthDate}
}

func (*breg) CheckCode(code string) error {
	_, err := bregNormalize(code)
	return err
}

// bregNormalize checks the organisation number: 9 digits, mod-11 with
// weights 3,2,7,6,5,4,3,2 (remainder 0 → check digit 0, remainder 1 → invalid).
func bregNormalize(code string) (string, error) {
	d, ok := nordicDigits(code)
	invalid := Errorf(CodeInvalidCode, "NO organisation number must be 9 digits with a valid mod-11 check digit")
	if !ok || len(d) != 9 {
		return "", invalid
	}
	weights := []int{3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, w := range weights {
		sum += int(d[i]-'0') * w
	}
	check := (11 - sum%11) % 11
	if check == 10 || check != int(d[8]-'0') {
		return "", invalid
	}
	return d, nil
}

// bregEnhet is the part of GET /enhetsregisteret/api/enheter/{orgnr} we use.
type bregEnhet struct {
	Organisasjonsnummer string `json:"organisasjonsnummer"`
	Navn                string `json:"navn"`
	Organisasjonsform   *struct {
		Kode        string `json:"kode"`
		Beskrivelse string `json:"beskrivelse"`
	} `json:"organisasjonsform"`
	Forretningsadresse *struct {
		Adresse    []string `json:"adresse"`
		Postnummer string   `json:"postnummer"`
		Poststed   string   `json:"poststed"`
		Land       string   `json:"land"`
	} `json:"forretningsadresse"`
	RegistreringsdatoEnhetsregisteret         string `json:"registreringsdatoEnhetsregisteret"`
	Konkurs                                   bool   `json:"konkurs"`
	UnderAvvikling                            bool   `json:"underAvvikling"`
	UnderTvangsavviklingEllerTvangsopplosning bool   `json:"underTvangsavviklingEllerTvangsopplosning"`
	Slettedato                                string `json:"slettedato"`
}

// bregRoller is GET /enhetsregisteret/api/enheter/{orgnr}/roller.
type bregRoller struct {
	Rollegrupper []struct {
		Roller []struct {
			Type struct {
				Kode        string `json:"kode"`
				Beskrivelse string `json:"beskrivelse"`
			} `json:"type"`
			Person *struct {
				Fodselsdato string `json:"fodselsdato"`
				Navn        struct {
					Fornavn    string `json:"fornavn"`
					Mellomnavn string `json:"mellomnavn"`
					Etternavn  string `json:"etternavn"`
				} `json:"navn"`
				ErDoed bool `json:"erDoed"`
			} `json:"person"`
			Fratraadt bool `json:"fratraadt"`
		} `json:"roller"`
	} `json:"rollegrupper"`
}

func (b *breg) Validate(ctx context.Context, req Request) (*Result, error) {
	orgnr, err := bregNormalize(req.Code)
	if err != nil {
		return nil, err
	}
	p := req.Person
	checkPerson := strings.TrimSpace(p.FirstName) != "" && strings.TrimSpace(p.LastName) != "" && p.BirthDate != nil
	if !checkPerson && !req.CompanyOnly {
		return nil, Errorf(CodeIdentityValidation, "breg needs the person's first name, last name and birth date")
	}

	path := "/enhetsregisteret/api/enheter/" + orgnr
	res, err := b.get(ctx, path)
	if err != nil {
		return nil, err
	}
	switch res.Status {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, Errorf(CodeCompanyNotFound, "no entity with this organisation number in Enhetsregisteret")
	case http.StatusGone:
		// 410: the entity existed but has been deleted; its roles are gone too.
		var e bregEnhet
		_ = json.Unmarshal(res.Body, &e)
		return &Result{
			Company: Company{Name: e.Navn, LegalPersonIdentifier: orgnr, Status: StatusDeleted, Registry: "breg"},
			Raw:     nordicRaw(res.Body, nil),
		}, nil
	default:
		return nil, Errorf(CodeAPIError, "breg register answered HTTP %d", res.Status)
	}
	var e bregEnhet
	if err := json.Unmarshal(res.Body, &e); err != nil || e.Organisasjonsnummer == "" {
		return nil, &Error{Code: CodeAPIError, Message: "breg register returned an unreadable entity", Err: err}
	}
	result := &Result{Company: bregCompany(orgnr, e), PersonChecked: checkPerson}

	rres, err := b.get(ctx, path+"/roller")
	if err != nil {
		return nil, err
	}
	var roller bregRoller
	switch rres.Status {
	case http.StatusOK:
		if err := json.Unmarshal(rres.Body, &roller); err != nil {
			return nil, &Error{Code: CodeAPIError, Message: "breg register returned unreadable roles", Err: err}
		}
	case http.StatusNotFound, http.StatusGone:
		// An entity without registered roles: nobody may be matched.
	default:
		return nil, Errorf(CodeAPIError, "breg register answered HTTP %d for roles", rres.Status)
	}
	if checkPerson {
		result.Roles = bregMatch(roller, p)
	}
	result.Raw = nordicRaw(res.Body, rres.Body)
	return result, nil
}

func (b *breg) get(ctx context.Context, path string) (*response, error) {
	return b.c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, b.c.url(path), nil)
	})
}

func bregCompany(orgnr string, e bregEnhet) Company {
	c := Company{
		Name:                  e.Navn,
		LegalPersonIdentifier: orgnr,
		Status:                StatusActive,
		RegistrationDate:      e.RegistreringsdatoEnhetsregisteret,
		Registry:              "breg",
	}
	switch {
	case e.Slettedato != "":
		c.Status = StatusDeleted
	case e.Konkurs:
		c.Status = StatusBankrupt
	case e.UnderAvvikling || e.UnderTvangsavviklingEllerTvangsopplosning:
		c.Status = StatusLiquidation
	}
	if f := e.Organisasjonsform; f != nil {
		c.LegalForm = f.Beskrivelse
		if c.LegalForm == "" {
			c.LegalForm = f.Kode
		}
	}
	if a := e.Forretningsadresse; a != nil {
		parts := append([]string{}, a.Adresse...)
		if pp := strings.TrimSpace(a.Postnummer + " " + a.Poststed); pp != "" {
			parts = append(parts, pp)
		}
		if a.Land != "" {
			parts = append(parts, a.Land)
		}
		c.Address = strings.Join(parts, ", ")
	}
	return c
}

// bregMatch returns the roles held by p (Represents for those in
// bregRepresentingRoles): same birth date, every
// word of the first name among the given (and middle) names and every word of
// the last name among the middle and family names. Resigned roles and
// deceased persons are skipped.
func bregMatch(r bregRoller, p Person) []Role {
	birth := p.BirthDate.Format("2006-01-02")
	first, last := nameTokens(p.FirstName), nameTokens(p.LastName)
	var roles []Role
	seen := map[string]bool{}
	for _, g := range r.Rollegrupper {
		for _, rl := range g.Roller {
			per := rl.Person
			if per == nil || rl.Fratraadt || per.ErDoed || per.Fodselsdato != birth {
				continue
			}
			n := per.Navn
			if !nordicHasAll(nameTokens(n.Fornavn+" "+n.Mellomnavn), first) ||
				!nordicHasAll(nameTokens(n.Mellomnavn+" "+n.Etternavn), last) {
				continue
			}
			if !seen[rl.Type.Kode] {
				seen[rl.Type.Kode] = true
				roles = append(roles, Role{Role: rl.Type.Kode, Name: rl.Type.Beskrivelse, Represents: bregRepresentingRoles[rl.Type.Kode]})
			}
		}
	}
	return roles
}
