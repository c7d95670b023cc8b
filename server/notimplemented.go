package server

import (
	"context"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
)

// The operation below is in the contract but belongs to an issue not yet
// landed (create_customer); it answers 501.

func notImplemented(op string) error {
	return domain.Errorf(domain.ENotImplemented, "%s is not implemented yet.", op)
}

func (s *Server) OnboardingVerificationsCreateCustomer(context.Context, gen.OnboardingVerificationsCreateCustomerRequestObject) (gen.OnboardingVerificationsCreateCustomerResponseObject, error) {
	return nil, notImplemented("create_customer")
}
