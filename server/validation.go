package server

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
	"github.com/onboarding-kyb/onboarding/monitor"
	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/verify"
)

func (s *Server) OnboardingVerificationsStartVerification(ctx context.Context, req gen.OnboardingVerificationsStartVerificationRequestObject) (gen.OnboardingVerificationsStartVerificationResponseObject, error) {
	b := req.Body
	u := currentUser(ctx)
	expires := s.clock.Now().Add(s.cfg.VerificationTTL)
	v := &domain.Verification{
		Status:                domain.StatusPending,
		LegalPersonIdentifier: strings.TrimSpace(deref(b.LegalPersonIdentifier, "")),
		LegalName:             strings.TrimSpace(deref(b.LegalName, "")),
		LEI:                   strings.TrimSpace(deref(b.Lei, "")),
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
	return gen.OnboardingVerificationsStartVerification200JSONResponse(s.toAPI(ctx, v)), nil
}

func (s *Server) OnboardingVerificationsRunValidation(ctx context.Context, req gen.OnboardingVerificationsRunValidationRequestObject) (gen.OnboardingVerificationsRunValidationResponseObject, error) {
	if _, err := s.visibleVerification(ctx, req.UUID); err != nil {
		return nil, err
	}
	v, err := s.runValidation(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingVerificationsRunValidation200JSONResponse(s.toAPI(ctx, v)), nil
}

// runValidation asks the register about verification id and stores the
// outcome, for the API and the console alike; it returns the verification
// as stored.
func (s *Server) runValidation(ctx context.Context, id uuid.UUID) (*domain.Verification, error) {
	u := currentUser(ctx)
	// The claim is taken in the database before the register is asked:
	// concurrent calls, on any replica, get 409 here and never reach it.
	v, err := s.store.ClaimRun(ctx, id, u.ID)
	if err != nil {
		return nil, err
	}
	before := v.Status
	// Kept for monitoring before the run erases the person data.
	hash := monitor.PersonHMAC(s.cfg.Monitor.Key, v.Country, v.PersonIdentifier)
	verify.Run(ctx, s.registers, v, s.clock)
	v.PersonCodeHMAC = ""
	if v.Status == domain.StatusVerified {
		v.PersonCodeHMAC = hash
	}
	outcome := v.ErrorMessage
	if outcome == "" {
		outcome = v.Status
	}
	// The outcome is stored even when the caller has gone or the request's
	// deadline has passed (the register may have used it up): every start
	// has its finish, and the claim is released.
	finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.DBTimeout)
	defer cancel()
	if err := s.store.FinishRun(finishCtx, v, &domain.Event{Kind: domain.EventValidationFinished,
		ActorID: &u.ID, OldStatus: before, NewStatus: v.Status, Reason: outcome}); err != nil {
		return nil, err
	}
	s.metrics.Verification(v.Status)
	s.log(ctx).InfoContext(ctx, "validation finished", "verification", v.UUID, "status", v.Status,
		"method", deref(v.ValidationMethod, ""), "code", v.ErrorMessage)
	return s.store.Verification(ctx, v.UUID)
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
	if err := validators.CheckCode(validator, v.Country, v.LegalPersonIdentifier); err != nil {
		return domain.FieldError("legal_person_identifier", validators.MessageOf(err))
	}
	return nil
}
