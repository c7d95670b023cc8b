// Package verify runs one verification against its country's business
// register and turns whatever happens into the verification's outcome.
package verify

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/validators"
)

// Run asks the register for v's country and records the outcome on v:
// status, validation_method, company data, roles, raw response, error code
// and explanation. Every failure is an outcome, never an error: an outage
// escalates (a real company must not be rejected because a register is
// down), only a register's own "no such company" or "not live" fails.
// Nothing of an earlier outcome survives (domain.ResetOutcome). The person
// data is erased afterwards unless the register could not answer
// (domain.Retryable), so the run can be retried. A verified outcome is
// validated at clock.Now().
func Run(ctx context.Context, reg *validators.Registry, v *domain.Verification, clock domain.Clock) {
	defer func() {
		if !domain.Retryable(v.ErrorMessage) {
			v.ErasePerson()
		}
	}()
	v.ResetOutcome()
	if v.LegalPersonIdentifier == "" {
		// Organisations without a register entry (research groups, say) are
		// for staff to review, not failures.
		escalate(v, CodeNoRegistrationCode, "The verification has no registration code, so no register can be asked; a staff member will review the case.")
		return
	}
	validator, ok := reg.ForCountry(v.Country)
	if !ok {
		escalate(v, validators.CodeNoBackend, "No business register is configured for "+v.Country+"; a staff member will review the case.")
		return
	}
	method := validator.Method()
	v.ValidationMethod = &method
	res, err := validator.Validate(ctx, validators.Request{Country: v.Country, Code: v.LegalPersonIdentifier, Person: person(v)})
	if err != nil {
		var verr *validators.Error
		if !errors.As(err, &verr) {
			verr = &validators.Error{Code: validators.CodeAPIError, Message: "The register could not be asked."}
		}
		switch verr.Code {
		case validators.CodeCompanyNotFound:
			fail(v, verr.Code, verr.Message)
		case validators.CodeInvalidCode:
			// Codes are checked when stored, so no company can have this one.
			fail(v, validators.CodeCompanyNotFound, verr.Message)
		default:
			escalate(v, verr.Code, verr.Message)
		}
		return
	}
	v.VerifiedCompanyData = domain.MustJSON(res.Company)
	v.VerifiedUserRoles = domain.MustJSON(nonNil(res.Roles))
	// The redaction policy applies before anything is stored.
	v.RawResponse = rawObject(validators.RedactPersons(res.Raw))
	mismatch := ""
	if v.LEI != "" && method != "gleif" {
		mismatch = secondOpinion(ctx, reg, v, method)
	}
	switch {
	case res.Company.Status == validators.StatusUnknown:
		escalate(v, validators.CodeCompanyStatusUnknown, "The register does not state in terms this service knows whether the company is live; a staff member will review the case.")
	case !res.Company.Live():
		fail(v, validators.CodeCompanyInactive, "The register lists the company as "+res.Company.Status+".")
	case mismatch != "":
		escalate(v, CodeLEIMismatch, mismatch)
	case !res.PersonChecked:
		escalate(v, validators.CodeIdentityValidation, "The register publishes no representation data; a staff member must confirm that the person may represent the company.")
	case !res.Authorized():
		escalate(v, validators.CodeNotAuthorized, "The register does not list the person among those who may represent the company.")
	default:
		v.Status = domain.StatusVerified
		now := clock.Now()
		v.ValidatedAt = &now
	}
}

// CodeLEIMismatch escalates a verification whose LEI GLEIF records for
// another jurisdiction or register code, or does not know.
const CodeLEIMismatch validators.Code = "LEI_MISMATCH"

// secondOpinion asks GLEIF about v's LEI and keeps what it says (the entity,
// or why it could not answer) in v.RawResponse under "gleif", for staff. It
// returns why GLEIF contradicts the verification, "" when it does not or
// could not answer: a jurisdiction other than v's country, or, where the
// register code is the local one (not a VAT number), another registeredAs.
func secondOpinion(ctx context.Context, reg *validators.Registry, v *domain.Verification, method string) string {
	g, ok := reg.Method("gleif")
	if !ok {
		return ""
	}
	var opinion any
	why := ""
	res, err := g.Validate(ctx, validators.Request{Country: v.Country, Code: v.LEI})
	switch {
	case err != nil && validators.ErrorCode(err) == validators.CodeCompanyNotFound:
		opinion = map[string]string{"error": string(validators.CodeCompanyNotFound), "message": validators.MessageOf(err)}
		why = "GLEIF does not know the LEI " + v.LEI + "."
	case err != nil:
		opinion = map[string]string{"error": string(validators.ErrorCode(err)), "message": validators.MessageOf(err)}
	default:
		c := res.Company
		opinion = c
		jurisdiction, _, _ := strings.Cut(c.Jurisdiction, "-") // US-DE: a state of a country
		country := v.Country
		if country == "XI" {
			country = "GB"
		}
		switch {
		case jurisdiction != "" && jurisdiction != country:
			why = "GLEIF records the LEI " + v.LEI + " for jurisdiction " + c.Jurisdiction + ", not " + v.Country + "."
		case method != "vies" && c.RegisteredAs != "" && !validators.SameLocalCode(c.RegisteredAs, v.LegalPersonIdentifier):
			why = "GLEIF records the LEI " + v.LEI + " for register code " + c.RegisteredAs + ", not " + v.LegalPersonIdentifier + "."
		}
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(v.RawResponse, &raw) == nil && raw != nil {
		raw["gleif"] = json.RawMessage(domain.MustJSON(opinion))
		v.RawResponse = domain.MustJSON(raw)
	}
	return why
}

// CodeNoRegistrationCode escalates a verification without a registration code.
const CodeNoRegistrationCode validators.Code = "NO_REGISTRATION_CODE"

func fail(v *domain.Verification, code validators.Code, why string) {
	v.Status, v.ErrorMessage, v.ErrorTraceback = domain.StatusFailed, string(code), why
}

func escalate(v *domain.Verification, code validators.Code, why string) {
	v.Status, v.ErrorMessage, v.ErrorTraceback = domain.StatusEscalated, string(code), why
}

func person(v *domain.Verification) validators.Person {
	p := validators.Person{Identifier: v.PersonIdentifier, FirstName: v.PersonFirstName, LastName: v.PersonLastName}
	if v.PersonBirthDate != nil {
		if d, err := time.Parse(time.DateOnly, *v.PersonBirthDate); err == nil {
			p.BirthDate = &d
		}
	}
	return p
}

// rawObject keeps the register's answer as an object, as the API declares.
func rawObject(raw json.RawMessage) domain.JSON {
	var obj map[string]any
	if json.Unmarshal(raw, &obj) == nil && obj != nil {
		return domain.JSON(raw)
	}
	if !json.Valid(raw) {
		return domain.JSON(`{}`)
	}
	return domain.MustJSON(map[string]json.RawMessage{"response": raw})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
