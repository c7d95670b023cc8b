package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
)

// questionMetadata is /api/onboarding-question-metadata/: a view of two
// columns of a question, addressed by the question's uuid; no create or
// delete.
func (s *Server) questionMetadata() resource[checklist.Question, gen.QuestionMetadataRequest, gen.QuestionMetadata] {
	return resource[checklist.Question, gen.QuestionMetadataRequest, gen.QuestionMetadata]{
		get: s.store.Question,
		render: func(ctx context.Context, q *checklist.Question) (gen.QuestionMetadata, error) {
			return metadataAPI(ctx, q), nil
		},
		save: func(ctx context.Context, b *gen.QuestionMetadataRequest, old *checklist.Question) (*checklist.Question, error) {
			q := *old
			q.MapsToCustomerField = strings.TrimSpace(deref(b.MapsToCustomerField, ""))
			q.IntentField = strings.TrimSpace(deref(b.IntentField, ""))
			if q.MapsToCustomerField != "" && !checklist.IsCustomerField(q.MapsToCustomerField) {
				return nil, domain.FieldError("maps_to_customer_field", fmt.Sprintf("%q is not a Customer field (one of: %s).", q.MapsToCustomerField, strings.Join(checklist.CustomerFields, ", ")))
			}
			return &q, s.store.SaveQuestion(ctx, &q, false, nil)
		},
	}
}

func metadataAPI(_ context.Context, q *checklist.Question) gen.QuestionMetadata {
	return gen.QuestionMetadata{Question: q.UUID, Checklist: q.Checklist, Description: q.Description,
		MapsToCustomerField: q.MapsToCustomerField, IntentField: q.IntentField}
}

func (s *Server) OnboardingQuestionMetadataList(ctx context.Context, req gen.OnboardingQuestionMetadataListRequestObject) (gen.OnboardingQuestionMetadataListResponseObject, error) {
	body, total, link, err := childrenPage(ctx, "checklist_uuid", req.Params.ChecklistUUID, req.Params.Checklist, req.Params.Page, req.Params.PageSize, s.store.ListQuestions, metadataAPI)
	return gen.OnboardingQuestionMetadataList200JSONResponse{Body: body, Headers: gen.OnboardingQuestionMetadataList200ResponseHeaders{XResultCount: total, Link: link}}, err
}

func (s *Server) OnboardingQuestionMetadataRetrieve(ctx context.Context, req gen.OnboardingQuestionMetadataRetrieveRequestObject) (gen.OnboardingQuestionMetadataRetrieveResponseObject, error) {
	out, err := s.questionMetadata().retrieve(ctx, req.UUID)
	return gen.OnboardingQuestionMetadataRetrieve200JSONResponse(out), err
}

func (s *Server) OnboardingQuestionMetadataUpdate(ctx context.Context, req gen.OnboardingQuestionMetadataUpdateRequestObject) (gen.OnboardingQuestionMetadataUpdateResponseObject, error) {
	out, err := s.questionMetadata().update(ctx, req.UUID, req.Body, nil)
	return gen.OnboardingQuestionMetadataUpdate200JSONResponse(out), err
}

func (s *Server) OnboardingQuestionMetadataPartialUpdate(ctx context.Context, req gen.OnboardingQuestionMetadataPartialUpdateRequestObject) (gen.OnboardingQuestionMetadataPartialUpdateResponseObject, error) {
	out, err := s.questionMetadata().update(ctx, req.UUID, nil, deref(req.Body, nil))
	return gen.OnboardingQuestionMetadataPartialUpdate200JSONResponse(out), err
}
