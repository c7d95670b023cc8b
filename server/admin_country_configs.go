package server

import (
	"context"
	"fmt"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
	"github.com/onboarding-kyb/onboarding/store"
)

// countryConfigs is /api/onboarding-country-configs/: which checklist a
// country uses.
func (s *Server) countryConfigs() resource[store.CountryConfig, gen.CountryConfigRequest, gen.CountryConfig] {
	return resource[store.CountryConfig, gen.CountryConfigRequest, gen.CountryConfig]{
		get: s.store.CountryConfig,
		render: func(_ context.Context, c *store.CountryConfig) (gen.CountryConfig, error) {
			return countryConfigAPI(c), nil
		},
		save: func(ctx context.Context, b *gen.CountryConfigRequest, old *store.CountryConfig) (*store.CountryConfig, error) {
			c, err := s.countryConfigFromRequest(ctx, b)
			if err != nil {
				return nil, err
			}
			if old != nil {
				c.UUID, c.Created = old.UUID, old.Created
			}
			return c, s.store.SaveCountryConfig(ctx, c, old == nil)
		},
		remove: s.store.DeleteCountryConfig,
	}
}

func countryConfigAPI(c *store.CountryConfig) gen.CountryConfig {
	return gen.CountryConfig{UUID: c.UUID, Country: c.Country, Checklist: c.Checklist, IsActive: c.IsActive, Created: c.Created, Modified: c.Modified}
}

func (s *Server) countryConfigFromRequest(ctx context.Context, b *gen.CountryConfigRequest) (*store.CountryConfig, error) {
	cc, err := normaliseCountry(b.Country)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.ChecklistRow(ctx, b.Checklist); domain.CodeOf(err) == domain.ENotFound {
		return nil, domain.FieldError("checklist", fmt.Sprintf(`Invalid pk "%s" - object does not exist.`, b.Checklist))
	} else if err != nil {
		return nil, err
	}
	return &store.CountryConfig{Country: cc, Checklist: b.Checklist, IsActive: deref(b.IsActive, true)}, nil
}

func (s *Server) OnboardingCountryConfigsList(ctx context.Context, req gen.OnboardingCountryConfigsListRequestObject) (gen.OnboardingCountryConfigsListResponseObject, error) {
	body, total, link, err := paginate(ctx, req.Params.Page, req.Params.PageSize, func(offset, limit int) ([]store.CountryConfig, int, error) {
		return s.store.ListCountryConfigs(ctx, offset, limit)
	}, countryConfigAPI)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingCountryConfigsList200JSONResponse{Body: body, Headers: gen.OnboardingCountryConfigsList200ResponseHeaders{XResultCount: total, Link: link}}, nil
}

func (s *Server) OnboardingCountryConfigsCreate(ctx context.Context, req gen.OnboardingCountryConfigsCreateRequestObject) (gen.OnboardingCountryConfigsCreateResponseObject, error) {
	out, err := s.countryConfigs().create(ctx, req.Body)
	return gen.OnboardingCountryConfigsCreate201JSONResponse(out), err
}

func (s *Server) OnboardingCountryConfigsRetrieve(ctx context.Context, req gen.OnboardingCountryConfigsRetrieveRequestObject) (gen.OnboardingCountryConfigsRetrieveResponseObject, error) {
	out, err := s.countryConfigs().retrieve(ctx, req.UUID)
	return gen.OnboardingCountryConfigsRetrieve200JSONResponse(out), err
}

func (s *Server) OnboardingCountryConfigsUpdate(ctx context.Context, req gen.OnboardingCountryConfigsUpdateRequestObject) (gen.OnboardingCountryConfigsUpdateResponseObject, error) {
	out, err := s.countryConfigs().update(ctx, req.UUID, req.Body, nil)
	return gen.OnboardingCountryConfigsUpdate200JSONResponse(out), err
}

func (s *Server) OnboardingCountryConfigsPartialUpdate(ctx context.Context, req gen.OnboardingCountryConfigsPartialUpdateRequestObject) (gen.OnboardingCountryConfigsPartialUpdateResponseObject, error) {
	out, err := s.countryConfigs().update(ctx, req.UUID, nil, deref(req.Body, nil))
	return gen.OnboardingCountryConfigsPartialUpdate200JSONResponse(out), err
}

func (s *Server) OnboardingCountryConfigsDestroy(ctx context.Context, req gen.OnboardingCountryConfigsDestroyRequestObject) (gen.OnboardingCountryConfigsDestroyResponseObject, error) {
	return gen.OnboardingCountryConfigsDestroy204Response{}, s.countryConfigs().remove(ctx, req.UUID)
}
