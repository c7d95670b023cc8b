package server

import (
	"context"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
)

// Monitor re-checks the watched companies at their registers until ctx is
// done (package monitor); several replicas share the work.
func (s *Server) Monitor(ctx context.Context) { s.monitor.Run(ctx) }

func (s *Server) OnboardingMonitoringAlertsList(ctx context.Context, req gen.OnboardingMonitoringAlertsListRequestObject) (gen.OnboardingMonitoringAlertsListResponseObject, error) {
	p := req.Params
	f := domain.AlertFilter{Country: deref(p.Country, ""), Customer: p.Customer, Ordering: deref(p.O, "")}
	if p.State != nil {
		f.State = string(*p.State)
	}
	if p.Kind != nil {
		f.Kind = string(*p.Kind)
	}
	body, total, link, err := paginate(ctx, p.Page, p.PageSize, func(offset, limit int) ([]domain.Alert, int, error) {
		f.Offset, f.Limit = offset, limit
		return s.store.ListAlerts(ctx, f)
	}, alertAPI)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingMonitoringAlertsList200JSONResponse{Body: body, Headers: gen.OnboardingMonitoringAlertsList200ResponseHeaders{XResultCount: total, Link: link}}, nil
}

func (s *Server) OnboardingMonitoringAlertsRetrieve(ctx context.Context, req gen.OnboardingMonitoringAlertsRetrieveRequestObject) (gen.OnboardingMonitoringAlertsRetrieveResponseObject, error) {
	a, err := s.store.Alert(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingMonitoringAlertsRetrieve200JSONResponse(alertAPI(a)), nil
}

func (s *Server) OnboardingMonitoringAlertsAcknowledge(ctx context.Context, req gen.OnboardingMonitoringAlertsAcknowledgeRequestObject) (gen.OnboardingMonitoringAlertsAcknowledgeResponseObject, error) {
	a, err := s.decideAlert(ctx, req.UUID, req.Body.Note, domain.AlertAcknowledged)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingMonitoringAlertsAcknowledge200JSONResponse(alertAPI(a)), nil
}

func (s *Server) OnboardingMonitoringAlertsResolve(ctx context.Context, req gen.OnboardingMonitoringAlertsResolveRequestObject) (gen.OnboardingMonitoringAlertsResolveResponseObject, error) {
	a, err := s.decideAlert(ctx, req.UUID, req.Body.Note, domain.AlertResolved)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingMonitoringAlertsResolve200JSONResponse(alertAPI(a)), nil
}

// decideAlert acknowledges an open alert or resolves an open or
// acknowledged one, for the API and the console alike.
func (s *Server) decideAlert(ctx context.Context, id uuid.UUID, note *string, state string) (*domain.Alert, error) {
	from := []string{domain.AlertOpen}
	if state == domain.AlertResolved {
		from = append(from, domain.AlertAcknowledged)
	}
	return s.store.DecideAlert(ctx, id, state, deref(note, ""), currentUser(ctx).ID, from...)
}

func alertAPI(a *domain.Alert) gen.MonitoringAlert {
	out := gen.MonitoringAlert{UUID: a.UUID, VerificationUUID: a.Verification, CustomerUUID: a.CustomerUUID, Country: a.Country,
		LegalPersonIdentifier: a.LegalPersonIdentifier, LegalName: a.LegalName, Kind: gen.MonitoringAlertKind(a.Kind),
		OldValue: a.OldValue, NewValue: a.NewValue, State: gen.MonitoringAlertState(a.State), Note: a.Note,
		AcknowledgedAt: a.AcknowledgedAt, ResolvedAt: a.ResolvedAt, Created: a.Created, Modified: a.Modified}
	if a.AcknowledgedBy != nil {
		out.AcknowledgedBy = new(int(*a.AcknowledgedBy))
	}
	if a.ResolvedBy != nil {
		out.ResolvedBy = new(int(*a.ResolvedBy))
	}
	return out
}
