package validators

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// recherche-entreprises (API Recherche d'entreprises, annuaire-entreprises
// data.gouv.fr): GET /search?q={siren}, no authentication.
//
// It publishes the administrative state (etat_administratif A/C) but no
// collective procedure (redressement/liquidation judiciaire: that is BODACC),
// so a live SIREN maps to active and a ceased one to deleted.
const sireneDefaultURL = "https://recherche-entreprises.api.gouv.fr"

// NewSirene builds the FR validator. It needs no credentials.
func NewSirene(cfg Config) Validator {
	return &sirene{c: newClient("sirene", cfg)}
}

type sirene struct{ c *client }

func (*sirene) Method() string      { return "sirene" }
func (*sirene) Countries() []string { return []string{"FR"} }
func (*sirene) PersonFields() []string {
	return []string{FieldFirstName, FieldLastName, FieldBirthDate}
}

func (*sirene) CheckCode(code string) error {
	_, err := checkSIREN(code)
	return err
}

// checkSIREN: 9 digits whose Luhn sum is a multiple of 10.
func checkSIREN(code string) (string, error) {
	s := strings.Join(strings.Fields(code), "")
	if len(s) == 9 && strings.Trim(s, "0123456789") == "" && s != "000000000" {
		sum := 0
		for i := range 9 {
			d := int(s[8-i] - '0')
			if i%2 == 1 {
				if d *= 2; d > 9 {
					d -= 9
				}
			}
			sum += d
		}
		if sum%10 == 0 {
			return s, nil
		}
	}
	return "", Errorf(CodeInvalidCode, "FR SIREN must be 9 digits with a valid Luhn check digit")
}

type sireneResult struct {
	Siren             string `json:"siren"`
	NomComplet        string `json:"nom_complet"`
	NomRaisonSociale  string `json:"nom_raison_sociale"`
	NatureJuridique   string `json:"nature_juridique"`
	DateCreation      string `json:"date_creation"`
	EtatAdministratif string `json:"etat_administratif"` // A active, C ceased
	Siege             struct {
		Adresse        string `json:"adresse"`
		CodePostal     string `json:"code_postal"`
		LibelleCommune string `json:"libelle_commune"`
	} `json:"siege"`
	Dirigeants []struct {
		TypeDirigeant    string `json:"type_dirigeant"` // "personne physique" or "personne morale"
		Nom              string `json:"nom"`
		Prenoms          string `json:"prenoms"`
		AnneeDeNaissance string `json:"annee_de_naissance"` // YYYY
		DateDeNaissance  string `json:"date_de_naissance"`  // YYYY-MM
		Qualite          string `json:"qualite"`
	} `json:"dirigeants"`
}

func (s *sirene) Validate(ctx context.Context, req Request) (*Result, error) {
	siren, err := checkSIREN(req.Code)
	if err != nil {
		return nil, err
	}
	missing := missingPersonFields(req.Person)
	checkPerson := len(missing) == 0
	if !checkPerson && !req.CompanyOnly {
		return nil, Errorf(CodeIdentityValidation, "sirene needs %s of the person", strings.Join(missing, ", "))
	}

	res, err := s.c.do(ctx, func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, s.c.url("/search?"+url.Values{"q": {siren}}.Encode()), nil)
	})
	if err != nil {
		return nil, err
	}
	if res.Status == http.StatusNotFound || res.Status == http.StatusGone {
		return nil, Errorf(CodeCompanyNotFound, "no company with this SIREN in the French register")
	}
	if res.Status != http.StatusOK {
		return nil, Errorf(CodeAPIError, "sirene search answered HTTP %d", res.Status)
	}
	var body struct {
		Results *[]sireneResult `json:"results"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil || body.Results == nil {
		return nil, &Error{Code: CodeAPIError, Message: "sirene search answer is not the expected JSON", Err: err}
	}
	// A full-text search: only a result with this very SIREN counts.
	var ul *sireneResult
	for i := range *body.Results {
		if (*body.Results)[i].Siren == siren {
			ul = &(*body.Results)[i]
			break
		}
	}
	if ul == nil {
		return nil, Errorf(CodeCompanyNotFound, "no company with this SIREN in the French register")
	}

	var status string
	switch ul.EtatAdministratif {
	case "A":
		status = StatusActive
	case "C":
		status = StatusDeleted
	default:
		return nil, Errorf(CodeAPIError, "sirene reported an unknown etat_administratif")
	}
	name := ul.NomComplet
	if name == "" {
		name = ul.NomRaisonSociale
	}
	address := ul.Siege.Adresse
	if address == "" {
		address = joinNonEmpty(" ", ul.Siege.CodePostal, ul.Siege.LibelleCommune)
	}
	company := Company{
		Name:                  name,
		LegalPersonIdentifier: siren,
		Status:                status,
		LegalForm:             ul.NatureJuridique, // INSEE catégorie juridique code, e.g. 5599
		Address:               address,
		RegistrationDate:      ul.DateCreation,
		Registry:              "sirene",
	}

	// Dirigeants publish the birth month (date_de_naissance, YYYY-MM) or at
	// least the year; compare what is published.
	var roles []Role
	for _, d := range ul.Dirigeants {
		if !checkPerson {
			break
		}
		birth := *req.Person.BirthDate
		if d.TypeDirigeant != "personne physique" || !sameName(d.Nom, req.Person.LastName) ||
			!givenNamesMatch(d.Prenoms, req.Person.FirstName) {
			continue
		}
		switch {
		case d.DateDeNaissance != "":
			if d.DateDeNaissance != birth.Format("2006-01") {
				continue
			}
		case d.AnneeDeNaissance != strconv.Itoa(birth.Year()):
			continue
		}
		roles = append(roles, Role{Role: d.Qualite, Name: d.Qualite, Represents: sireneRepresents(d.Qualite)})
	}

	raw, _ := json.Marshal(map[string]json.RawMessage{"search": res.Body})
	return &Result{Company: company, Roles: roles, PersonChecked: checkPerson, Raw: raw}, nil
}

// sireneRepresents tells the qualités that represent a French company
// towards third parties: président, directeur général (délégué), gérant,
// members of a directoire. Supervisory boards, boards of directors and
// auditors do not represent it.
func sireneRepresents(qualite string) bool {
	q := foldName(qualite)
	if strings.Contains(q, "surveillance") || strings.Contains(q, "commissaire") {
		return false
	}
	for _, role := range []string{"president", "directeur general", "gerant", "directoire"} {
		if strings.Contains(q, role) {
			return true
		}
	}
	return false
}
