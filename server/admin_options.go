package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
	"github.com/onboarding-kyb/onboarding/store"
)

// options is /api/checklists-admin-question-options/: options of select
// questions, each staying with its question.
func (s *Server) options() resource[store.OptionRow, gen.AdminQuestionOptionRequest, gen.AdminQuestionOption] {
	return resource[store.OptionRow, gen.AdminQuestionOptionRequest, gen.AdminQuestionOption]{
		get: s.store.OptionRow,
		render: func(ctx context.Context, o *store.OptionRow) (gen.AdminQuestionOption, error) {
			return optionAPI(ctx, o), nil
		},
		save: func(ctx context.Context, b *gen.AdminQuestionOptionRequest, old *store.OptionRow) (*store.OptionRow, error) {
			if old != nil && b.Question != old.Question {
				// As in Waldur: values and dependencies that name it belong to its question.
				return nil, domain.FieldError("question", "An option cannot move to another question.")
			}
			o, err := s.optionFromRequest(ctx, b)
			if err != nil {
				return nil, err
			}
			if old != nil {
				o.UUID = old.UUID
			}
			return o, s.store.SaveOption(ctx, o, old == nil)
		},
		remove: s.store.DeleteOption,
	}
}

func optionAPI(ctx context.Context, o *store.OptionRow) gen.AdminQuestionOption {
	return gen.AdminQuestionOption{UUID: o.UUID, URL: absoluteURL(ctx, "/api/checklists-admin-question-options/"+o.UUID.String()+"/"), Question: o.Question, Label: o.Label, Order: o.Order}
}

// optionFromRequest checks that the option's question is a select question.
func (s *Server) optionFromRequest(ctx context.Context, b *gen.AdminQuestionOptionRequest) (*store.OptionRow, error) {
	q, err := s.store.Question(ctx, b.Question)
	if domain.CodeOf(err) == domain.ENotFound {
		return nil, domain.FieldError("question", fmt.Sprintf(`Invalid pk "%s" - object does not exist.`, b.Question))
	}
	if err != nil {
		return nil, err
	}
	if q.QuestionType != checklist.TypeSingleSelect && q.QuestionType != checklist.TypeMultiSelect {
		return nil, domain.FieldError("question", "Options belong to single_select and multi_select questions; this one is "+string(q.QuestionType)+".")
	}
	label := strings.TrimSpace(b.Label)
	if label == "" {
		return nil, domain.FieldError("label", "This field may not be blank.")
	}
	return &store.OptionRow{Question: q.UUID, Option: checklist.Option{Label: label, Order: deref(b.Order, 0)}}, nil
}

func (s *Server) ChecklistsAdminQuestionOptionsList(ctx context.Context, req gen.ChecklistsAdminQuestionOptionsListRequestObject) (gen.ChecklistsAdminQuestionOptionsListResponseObject, error) {
	body, total, link, err := childrenPage(ctx, "question_uuid", req.Params.QuestionUUID, req.Params.Question, req.Params.Page, req.Params.PageSize, s.store.ListOptions, optionAPI)
	return gen.ChecklistsAdminQuestionOptionsList200JSONResponse{Body: body, Headers: gen.ChecklistsAdminQuestionOptionsList200ResponseHeaders{XResultCount: total, Link: link}}, err
}

func (s *Server) ChecklistsAdminQuestionOptionsCreate(ctx context.Context, req gen.ChecklistsAdminQuestionOptionsCreateRequestObject) (gen.ChecklistsAdminQuestionOptionsCreateResponseObject, error) {
	out, err := s.options().create(ctx, req.Body)
	return gen.ChecklistsAdminQuestionOptionsCreate201JSONResponse(out), err
}

func (s *Server) ChecklistsAdminQuestionOptionsRetrieve(ctx context.Context, req gen.ChecklistsAdminQuestionOptionsRetrieveRequestObject) (gen.ChecklistsAdminQuestionOptionsRetrieveResponseObject, error) {
	out, err := s.options().retrieve(ctx, req.UUID)
	return gen.ChecklistsAdminQuestionOptionsRetrieve200JSONResponse(out), err
}

func (s *Server) ChecklistsAdminQuestionOptionsUpdate(ctx context.Context, req gen.ChecklistsAdminQuestionOptionsUpdateRequestObject) (gen.ChecklistsAdminQuestionOptionsUpdateResponseObject, error) {
	out, err := s.options().update(ctx, req.UUID, req.Body, nil)
	return gen.ChecklistsAdminQuestionOptionsUpdate200JSONResponse(out), err
}

func (s *Server) ChecklistsAdminQuestionOptionsPartialUpdate(ctx context.Context, req gen.ChecklistsAdminQuestionOptionsPartialUpdateRequestObject) (gen.ChecklistsAdminQuestionOptionsPartialUpdateResponseObject, error) {
	out, err := s.options().update(ctx, req.UUID, nil, deref(req.Body, nil))
	return gen.ChecklistsAdminQuestionOptionsPartialUpdate200JSONResponse(out), err
}

func (s *Server) ChecklistsAdminQuestionOptionsDestroy(ctx context.Context, req gen.ChecklistsAdminQuestionOptionsDestroyRequestObject) (gen.ChecklistsAdminQuestionOptionsDestroyResponseObject, error) {
	return gen.ChecklistsAdminQuestionOptionsDestroy204Response{}, s.options().remove(ctx, req.UUID)
}
