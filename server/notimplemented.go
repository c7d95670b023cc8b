package server

import (
	"context"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
)

// The operations below are in the contract but belong to issues not yet
// landed (checklists, create_customer); they answer 501.

func notImplemented(op string) error {
	return domain.Errorf(domain.ENotImplemented, "%s is not implemented yet.", op)
}

func (s *Server) OnboardingVerificationsChecklistRetrieve(context.Context, gen.OnboardingVerificationsChecklistRetrieveRequestObject) (gen.OnboardingVerificationsChecklistRetrieveResponseObject, error) {
	return nil, notImplemented("checklist")
}

func (s *Server) OnboardingVerificationsChecklistTemplateRetrieve(context.Context, gen.OnboardingVerificationsChecklistTemplateRetrieveRequestObject) (gen.OnboardingVerificationsChecklistTemplateRetrieveResponseObject, error) {
	return nil, notImplemented("checklist-template")
}

func (s *Server) OnboardingVerificationsCompletionStatusRetrieve(context.Context, gen.OnboardingVerificationsCompletionStatusRetrieveRequestObject) (gen.OnboardingVerificationsCompletionStatusRetrieveResponseObject, error) {
	return nil, notImplemented("completion_status")
}

func (s *Server) OnboardingVerificationsSubmitAnswers(context.Context, gen.OnboardingVerificationsSubmitAnswersRequestObject) (gen.OnboardingVerificationsSubmitAnswersResponseObject, error) {
	return nil, notImplemented("submit_answers")
}

func (s *Server) OnboardingVerificationsCreateCustomer(context.Context, gen.OnboardingVerificationsCreateCustomerRequestObject) (gen.OnboardingVerificationsCreateCustomerResponseObject, error) {
	return nil, notImplemented("create_customer")
}
