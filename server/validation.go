package server

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/verify"
)

func (s *Server) OnboardingVerificationsStartVerification(ctx context.Context, req gen.OnboardingVerificationsStartVerificationRequestObject) (gen.OnboardingVerificationsStartVerificationResponseObject, error) {
	b := req.Body
	u := currentUser(ctx)
	if u.IsSupport && !u.IsStaff {
		return nil, errForbidden
	}
	expires := domain.Now().Add(s.cfg.VerificationTTL)
	v := &domain.Verification{
		Status:                domain.StatusPending,
		LegalPersonIdentifier: strings.TrimSpace(deref(b.LegalPersonIdentifier, "")),
		LegalName:             strings.TrimSpace(deref(b.LegalName, "")),
		ExpiresAt:             &expires,
		PersonIdentifier:      strings.TrimSpace(deref(b.PersonIdentifier, "")),
		PersonFirstName:       strings.TrimSpace(deref(b.FirstName, "")),
		PersonLastName:        strings.TrimSpace(deref(b.LastName, "")),
	}
	if b.BirthDate != nil {
		d := b.BirthDate.Format(time.DateOnly)
		v.PersonBirthDate = &d
	}
	if err := s.checkFields(ctx, v, u.ID, b.Country); err != nil {
		return nil, err
	}
	if v.Country == "EE" && v.PersonIdentifier != "" {
		if err := validators.CheckEstonianPersonalCode(v.PersonIdentifier); err != nil {
			return nil, domain.FieldError("person_identifier", validators.MessageOf(err))
		}
	}
	if deref(b.IsManualValidation, false) {
		// A person asks for a human review: no register is asked, and the
		// person data has no use.
		manual := string(gen.ValidationMethodManual)
		v.Status, v.ValidationMethod = domain.StatusEscalated, &manual
		v.PersonIdentifier, v.PersonFirstName, v.PersonLastName, v.PersonBirthDate = "", "", "", nil
	}
	if err := s.store.CreateVerification(ctx, v, u.ID); err != nil {
		return nil, err
	}
	return gen.OnboardingVerificationsStartVerification200JSONResponse(toAPI(v)), nil
}

func (s *Server) OnboardingVerificationsRunValidation(ctx context.Context, req gen.OnboardingVerificationsRunValidationRequestObject) (gen.OnboardingVerificationsRunValidationResponseObject, error) {
	v, err := s.changeableVerification(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	switch {
	case v.Status == domain.StatusExpired:
		return nil, errExpired
	case v.CustomerID != nil:
		return nil, domain.Errorf(domain.EConflict, "A customer has already been created from this verification.")
	case v.ValidationMethod != nil && *v.ValidationMethod == string(gen.ValidationMethodManual) && v.Status == domain.StatusEscalated:
		return nil, domain.Errorf(domain.EConflict, "This verification was sent to manual review; staff will decide on it.")
	}
	before := v.Status
	if err := s.store.AddEvent(ctx, &domain.Event{Verification: v.UUID, Kind: domain.EventValidationStarted,
		ActorID: &currentUser(ctx).ID, OldStatus: before, NewStatus: before}); err != nil {
		return nil, err
	}
	verify.Run(ctx, s.registers, v)
	outcome := v.ErrorMessage
	if outcome == "" {
		outcome = v.Status
	}
	// The update checks the version read above: of two concurrent runs, the
	// later writer gets 409 instead of overwriting the other's outcome.
	if err := s.store.UpdateVerification(ctx, v, &domain.Event{Kind: domain.EventValidationFinished,
		ActorID: &currentUser(ctx).ID, OldStatus: before, NewStatus: v.Status, Reason: outcome}); err != nil {
		return nil, err
	}
	s.metrics.Verification(v.Status)
	s.log(ctx).InfoContext(ctx, "validation finished", "verification", v.UUID, "status", v.Status,
		"method", deref(v.ValidationMethod, ""), "code", v.ErrorMessage)
	return gen.OnboardingVerificationsRunValidation200JSONResponse(toAPI(v)), nil
}

func (s *Server) OnboardingSupportedCountriesRetrieve(context.Context, gen.OnboardingSupportedCountriesRetrieveRequestObject) (gen.OnboardingSupportedCountriesRetrieveResponseObject, error) {
	return gen.OnboardingSupportedCountriesRetrieve200JSONResponse{SupportedCountries: s.registers.Countries()}, nil
}

func (s *Server) OnboardingValidationMethodsList(context.Context, gen.OnboardingValidationMethodsListRequestObject) (gen.OnboardingValidationMethodsListResponseObject, error) {
	out := gen.OnboardingValidationMethodsList200JSONResponse{}
	for _, m := range s.registers.Methods() {
		fields := make([]gen.PersonField, len(m.PersonFields))
		for i, f := range m.PersonFields {
			fields[i] = gen.PersonField(f)
		}
		out = append(out, gen.ValidationMethodInfo{Name: gen.ValidationMethod(m.Method),
			Countries: slices.Clone(m.Countries), PersonFields: fields, Sandbox: s.registers.Sandbox()})
	}
	return out, nil
}

// checkCode checks a registration code's syntax and check digit when the
// country has a register; other countries' codes are taken as typed.
func (s *Server) checkCode(v *domain.Verification) error {
	if v.LegalPersonIdentifier == "" {
		return nil
	}
	validator, ok := s.registers.ForCountry(v.Country)
	if !ok {
		return nil
	}
	if err := validator.CheckCode(v.LegalPersonIdentifier); err != nil {
		return domain.FieldError("legal_person_identifier", validators.MessageOf(err))
	}
	return nil
}
