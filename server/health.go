package server

import (
	"context"

	"github.com/onboarding-kyb/onboarding/gen"
)

func (s *Server) Healthz(ctx context.Context, _ gen.HealthzRequestObject) (gen.HealthzResponseObject, error) {
	return gen.Healthz200JSONResponse{Status: "ok"}, nil
}

// Readyz answers 200 when the database answers, 503 (with Retry-After, as
// every 503) otherwise.
func (s *Server) Readyz(ctx context.Context, _ gen.ReadyzRequestObject) (gen.ReadyzResponseObject, error) {
	sandbox := s.registers.Sandbox()
	if err := s.store.Ping(ctx); err != nil {
		return gen.Readyz503JSONResponse{
			Body:    gen.Readiness{Status: gen.ReadinessStatusUnavailable, Database: gen.ReadinessDatabaseUnavailable, Sandbox: sandbox},
			Headers: gen.Readyz503ResponseHeaders{RetryAfter: retryAfter},
		}, nil
	}
	return gen.Readyz200JSONResponse{Status: gen.ReadinessStatusOk, Database: gen.ReadinessDatabaseOk, Sandbox: sandbox}, nil
}
