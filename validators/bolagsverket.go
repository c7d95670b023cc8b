package validators

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// bolagsverketDefaultURL is Bolagsverket's API gateway. The OAuth2 token
// endpoint lives on the portal host (gw.api… → portal.api…/oauth2/token);
// any other base URL (a fake, a proxy) serves /oauth2/token itself.
const bolagsverketDefaultURL = "https://gw.api.bolagsverket.se"

// Register paths. The company comes from the open "Värdefulla datamängder"
// API (documented, free). That API publishes no officers, so they come from
// the contract API "Företagsinformation" v4, whose request (identitetsbeteckning
// + organisationInformationsmangd ["FUNKTIONARER"]) and response (organisations
// with funktionarer[].identitet / personnamn / funktionarsroller[]) follow
// Bolagsverket's developer portal; its exact path is modelled, not verified.
const (
	bolagsverketCompanyPath  = "/vardefulla-datamangder/v1/organisationer"
	bolagsverketOfficersPath = "/foretagsinformation/v4/organisationer"
	bolagsverketTokenPath    = "/oauth2/token"
	bolagsverketScope        = "vardefulla-datamangder:read foretagsinformation:read"
)

// bolagsverketRepresentingRoles are the officer role codes (funktionarsroller)
// that may represent the company: managing director and deputy (VD, VVD,
// external EVD/EVVD), board chair and members (OF, LE), external signatory
// (EFT), partners of HB/KB with full liability (BO, KOMP) and liquidator
// (LI). Deputy board members (SU), auditors (REV, REVH, LREV), limited
// partners (KD) and service-of-process agents (DELG) may not.
var bolagsverketRepresentingRoles = map[string]bool{
	"VD": true, "VVD": true, "EVD": true, "EVVD": true, "OF": true, "LE": true,
	"EFT": true, "BO": true, "KOMP": true, "LI": true,
}

type bolagsverket struct {
	c        *client
	tokenURL string

	mu      sync.Mutex // guards the cached token; held while fetching so callers share one fetch
	token   string
	expires time.Time
}

// NewBolagsverket returns the validator for Sweden's Bolagsverket.
func NewBolagsverket(cfg Config) Validator {
	c := newClient("bolagsverket", cfg)
	return &bolagsverket{c: c, tokenURL: bolagsverketTokenURL(c.cfg.BaseURL)}
}

func bolagsverketTokenURL(base string) string {
	if u, err := url.Parse(base); err == nil {
		if rest, ok := strings.CutPrefix(u.Host, "gw"); ok && (strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "-")) {
			return u.Scheme + "://portal" + rest + bolagsverketTokenPath
		}
	}
	return base + bolagsverketTokenPath
}

func (*bolagsverket) Method() string         { return "bolagsverket" }
func (*bolagsverket) Countries() []string    { return []string{"SE"} }
func (*bolagsverket) PersonFields() []string { return []string{FieldPersonIdentifier} }

func (*bolagsverket) CheckCode(code string) error {
	_, err := bolagsverketNormalize(code)
	return err
}

// bolagsverketNormalize checks the organisation number: 10 digits (typed
// NNNNNN-NNNN or without the hyphen) whose last digit is a Luhn check digit.
func bolagsverketNormalize(code string) (string, error) {
	d, ok := nordicDigits(code)
	if !ok || len(d) != 10 || !nordicLuhn(d) {
		return "", Errorf(CodeInvalidCode, "SE organisation number must be 10 digits (NNNNNN-NNNN) with a valid Luhn check digit")
	}
	return d, nil
}

// bolagsverketPersonnummer normalises a personal (or co-ordination) number to
// 12 digits YYYYMMDDNNNN after checking its Luhn digit. A 10-digit number gets
// the most recent century that is not in the future, one more back with the
// "+" separator used from the 100th birthday.
func bolagsverketPersonnummer(id string, now time.Time) (string, bool) {
	id = strings.TrimSpace(id)
	centenarian := strings.Contains(id, "+")
	d, ok := nordicDigits(strings.ReplaceAll(id, "+", ""))
	if !ok || (len(d) != 10 && len(d) != 12) || !nordicLuhn(d[len(d)-10:]) {
		return "", false
	}
	if month := d[len(d)-8 : len(d)-6]; month < "01" || month > "12" {
		return "", false
	}
	if len(d) == 12 {
		return d, true
	}
	year := 2000 + int(d[0]-'0')*10 + int(d[1]-'0')
	if year > now.Year() {
		year -= 100
	}
	if centenarian {
		year -= 100
	}
	return fmt.Sprintf("%02d%s", year/100, d), true
}

type bolagsverketFel struct {
	Typ string `json:"typ"`
}

// bolagsverketOrganisation is the part of an "organisationer" item of
// Värdefulla datamängder we use. Every element carries its own fel (error)
// because the answer merges Bolagsverket's and SCB's data.
type bolagsverketOrganisation struct {
	Organisationsidentitet *struct {
		Identitetsbeteckning string `json:"identitetsbeteckning"`
	} `json:"organisationsidentitet"`
	Organisationsnamn *struct {
		OrganisationsnamnLista []struct {
			Namn                 string `json:"namn"`
			Organisationsnamntyp *struct {
				Kod string `json:"kod"`
			} `json:"organisationsnamntyp"`
		} `json:"organisationsnamnLista"`
		Fel *bolagsverketFel `json:"fel"`
	} `json:"organisationsnamn"`
	Organisationsform *struct {
		Kod      string           `json:"kod"`
		Klartext string           `json:"klartext"`
		Fel      *bolagsverketFel `json:"fel"`
	} `json:"organisationsform"`
	AvregistreradOrganisation *struct {
		Avregistreringsdatum *string          `json:"avregistreringsdatum"`
		Fel                  *bolagsverketFel `json:"fel"`
	} `json:"avregistreradOrganisation"`
	PagaendeAvvecklingsEllerOmstruktureringsforfarande *struct {
		Lista []struct {
			Kod string `json:"kod"`
		} `json:"pagaendeAvvecklingsEllerOmstruktureringsforfarandeLista"`
		Fel *bolagsverketFel `json:"fel"`
	} `json:"pagaendeAvvecklingsEllerOmstruktureringsforfarande"`
	Organisationsdatum *struct {
		Registreringsdatum string `json:"registreringsdatum"`
	} `json:"organisationsdatum"`
	PostadressOrganisation *struct {
		Postadress *struct {
			Utdelningsadress string `json:"utdelningsadress"`
			Postnummer       string `json:"postnummer"`
			Postort          string `json:"postort"`
			Land             string `json:"land"`
		} `json:"postadress"`
	} `json:"postadressOrganisation"`
}

// bolagsverketOfficers is the Företagsinformation v4 answer: a list of organisations.
type bolagsverketOfficers []struct {
	Funktionarer []struct {
		Identitet *struct {
			Identitetsbeteckning string `json:"identitetsbeteckning"`
		} `json:"identitet"`
		Funktionarsroller []struct {
			Kod      string `json:"kod"`
			Klartext string `json:"klartext"`
		} `json:"funktionarsroller"`
	} `json:"funktionarer"`
}

func (b *bolagsverket) Validate(ctx context.Context, req Request) (*Result, error) {
	orgnr, err := bolagsverketNormalize(req.Code)
	if err != nil {
		return nil, err
	}
	pnr := ""
	switch {
	case strings.TrimSpace(req.Person.Identifier) == "" && !req.CompanyOnly:
		return nil, Errorf(CodeIdentityValidation, "bolagsverket needs the person's Swedish personal number")
	case strings.TrimSpace(req.Person.Identifier) != "":
		var ok bool
		if pnr, ok = bolagsverketPersonnummer(req.Person.Identifier, time.Now()); !ok {
			return nil, Errorf(CodeIdentityValidation, "the personal number must be 10 or 12 digits with a valid Luhn check digit")
		}
	}
	if b.c.cfg.ClientID == "" || b.c.cfg.ClientSecret == "" {
		return nil, Errorf(CodeConfigurationError, "bolagsverket needs ONBOARDING_BOLAGSVERKET_CLIENT_ID and ONBOARDING_BOLAGSVERKET_CLIENT_SECRET")
	}

	res, err := b.post(ctx, bolagsverketCompanyPath, map[string]any{"identitetsbeteckning": orgnr})
	if err != nil {
		return nil, err
	}
	switch res.Status {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, Errorf(CodeCompanyNotFound, "no organisation with this number at Bolagsverket")
	default:
		return nil, Errorf(CodeAPIError, "bolagsverket register answered HTTP %d", res.Status)
	}
	var svar struct {
		Organisationer []bolagsverketOrganisation `json:"organisationer"`
	}
	if err := json.Unmarshal(res.Body, &svar); err != nil || svar.Organisationer == nil {
		return nil, &Error{Code: CodeAPIError, Message: "bolagsverket register returned an unreadable organisation", Err: err}
	}
	company, err := bolagsverketCompany(orgnr, svar.Organisationer)
	if err != nil {
		return nil, err
	}

	ores, err := b.post(ctx, bolagsverketOfficersPath, map[string]any{
		"identitetsbeteckning":          orgnr,
		"organisationInformationsmangd": []string{"FUNKTIONARER"},
	})
	if err != nil {
		return nil, err
	}
	var officers bolagsverketOfficers
	switch ores.Status {
	case http.StatusOK:
		if err := json.Unmarshal(ores.Body, &officers); err != nil {
			return nil, &Error{Code: CodeAPIError, Message: "bolagsverket register returned unreadable officers", Err: err}
		}
	case http.StatusNotFound:
		// No officer data: nobody is listed.
	default:
		return nil, Errorf(CodeAPIError, "bolagsverket register answered HTTP %d for officers", ores.Status)
	}
	result := &Result{Company: company, PersonChecked: pnr != "", Raw: nordicRaw(res.Body, ores.Body),
		Representatives: bolagsverketRepresentatives(officers)}
	if pnr != "" {
		result.Roles = bolagsverketMatch(officers, pnr)
	}
	return result, nil
}

func bolagsverketCompany(orgnr string, orgs []bolagsverketOrganisation) (Company, error) {
	if len(orgs) == 0 {
		return Company{}, Errorf(CodeCompanyNotFound, "no organisation with this number at Bolagsverket")
	}
	o := orgs[0] // several only for sole traders (namnskyddslopnummer); org numbers have one
	if n := o.Organisationsnamn; n != nil && n.Fel != nil {
		if n.Fel.Typ == "ORGANISATION_FINNS_EJ" {
			return Company{}, Errorf(CodeCompanyNotFound, "no organisation with this number at Bolagsverket")
		}
		return Company{}, Errorf(CodeAPIError, "bolagsverket could not deliver the organisation (%s)", n.Fel.Typ)
	}
	if o.Organisationsnamn == nil || len(o.Organisationsnamn.OrganisationsnamnLista) == 0 {
		return Company{}, Errorf(CodeAPIError, "bolagsverket returned an organisation without a name")
	}
	c := Company{LegalPersonIdentifier: orgnr, Status: StatusActive, Registry: "bolagsverket"}
	for _, n := range o.Organisationsnamn.OrganisationsnamnLista {
		if c.Name == "" || (n.Organisationsnamntyp != nil && n.Organisationsnamntyp.Kod == "FORETAGSNAMN") {
			c.Name = n.Namn
		}
	}
	if f := o.Organisationsform; f != nil {
		c.LegalForm = f.Klartext
	}
	if d := o.Organisationsdatum; d != nil {
		c.RegistrationDate = d.Registreringsdatum
	}
	if a := o.PostadressOrganisation; a != nil && a.Postadress != nil {
		p := a.Postadress
		var parts []string
		for _, s := range []string{p.Utdelningsadress, strings.TrimSpace(p.Postnummer + " " + p.Postort), p.Land} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		c.Address = strings.Join(parts, ", ")
	}
	// Deregistered beats proceedings. The code list of ongoing
	// proceedings: KK konkurs, LI likvidation, FR företagsrekonstruktion,
	// AC ackord; an unknown code leaves the condition to staff.
	if a := o.AvregistreradOrganisation; a != nil && a.Avregistreringsdatum != nil && *a.Avregistreringsdatum != "" {
		c.Status = StatusDeleted
		return c, nil
	}
	if p := o.PagaendeAvvecklingsEllerOmstruktureringsforfarande; p != nil {
		// The gravest proceeding wins; a known one that ends the company's
		// life outranks an unknown one.
		rank := map[string]int{StatusActive: 0, StatusUnknown: 1, StatusLiquidation: 2, StatusReconstruction: 3, StatusBankrupt: 4}
		for _, f := range p.Lista {
			s, ok := bolagsverketProceedings[f.Kod]
			if !ok {
				s = StatusUnknown
			}
			if rank[s] > rank[c.Status] {
				c.Status = s
			}
		}
	}
	return c, nil
}

// bolagsverketProceedings maps Bolagsverket's codes of ongoing winding-up
// or restructuring proceedings to a status.
var bolagsverketProceedings = map[string]string{
	"KK": StatusBankrupt,       // konkurs
	"LI": StatusLiquidation,    // likvidation
	"FR": StatusReconstruction, // företagsrekonstruktion
	"AC": StatusReconstruction, // ackord
}

// bolagsverketMatch returns the roles (Represents for the representing ones) of the officer whose
// personal number equals pnr (12 digits; a 10-digit register value is
// compared without the century).
func bolagsverketMatch(orgs bolagsverketOfficers, pnr string) []Role {
	var roles []Role
	seen := map[string]bool{}
	for _, o := range orgs {
		for _, f := range o.Funktionarer {
			if f.Identitet == nil {
				continue
			}
			id, _ := nordicDigits(f.Identitet.Identitetsbeteckning)
			if id != pnr && (len(id) != 10 || id != pnr[2:]) {
				continue
			}
			for _, r := range f.Funktionarsroller {
				if !seen[r.Kod] {
					seen[r.Kod] = true
					roles = append(roles, Role{Role: r.Kod, Name: r.Klartext, Represents: bolagsverketRepresentingRoles[r.Kod]})
				}
			}
		}
	}
	return roles
}

// bolagsverketRepresentatives returns the personal numbers (PersonKey
// form: 10 digits) of the officers with a representing role.
func bolagsverketRepresentatives(orgs bolagsverketOfficers) []string {
	var out []string
	for _, o := range orgs {
		for _, f := range o.Funktionarer {
			if f.Identitet == nil {
				continue
			}
			id, ok := nordicDigits(f.Identitet.Identitetsbeteckning)
			if !ok || len(id) < 10 {
				continue
			}
			for _, r := range f.Funktionarsroller {
				if bolagsverketRepresentingRoles[r.Kod] {
					out = append(out, id[len(id)-10:])
					break
				}
			}
		}
	}
	return out
}

// post sends an authenticated JSON request. A 401 with a cached token drops
// the token and tries once more with a fresh one (it may have been revoked).
func (b *bolagsverket) post(ctx context.Context, path string, body any) (*response, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		token, cached, err := b.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		res, err := b.c.do(ctx, func(ctx context.Context) (*http.Request, error) {
			r, err := http.NewRequestWithContext(ctx, http.MethodPost, b.c.url(path), bytes.NewReader(payload))
			if err != nil {
				return nil, err
			}
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+token)
			return r, nil
		})
		if err != nil && ErrorCode(err) == CodeConfigurationError && cached && attempt == 0 {
			b.dropToken(token)
			continue
		}
		return res, err
	}
}

// accessToken returns a cached token, or fetches one with the client
// credentials grant and caches it until shortly before it expires.
func (b *bolagsverket) accessToken(ctx context.Context) (token string, cached bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.token != "" && time.Now().Before(b.expires) {
		return b.token, true, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {bolagsverketScope}}.Encode()
	res, err := b.c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, b.tokenURL, strings.NewReader(form))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.SetBasicAuth(b.c.cfg.ClientID, b.c.cfg.ClientSecret)
		return r, nil
	})
	if err != nil {
		return "", false, err
	}
	if res.Status != http.StatusOK {
		// RFC 6749: a rejected client (invalid_client, invalid_scope) is 400 or 401.
		return "", false, Errorf(CodeConfigurationError, "bolagsverket token endpoint rejected our client credentials (HTTP %d)", res.Status)
	}
	var t struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(res.Body, &t); err != nil || t.AccessToken == "" {
		return "", false, &Error{Code: CodeAPIError, Message: "bolagsverket token endpoint returned an unreadable token", Err: err}
	}
	if t.ExpiresIn <= 0 {
		t.ExpiresIn = 300
	}
	// Renew a little early so a token does not expire in flight.
	b.token, b.expires = t.AccessToken, time.Now().Add(time.Duration(t.ExpiresIn)*time.Second*9/10)
	return b.token, false, nil
}

func (b *bolagsverket) dropToken(token string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.token == token {
		b.token = ""
	}
}
