package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
	"github.com/onboarding-kyb/onboarding/store"
)

// dependencies is /api/checklists-admin-question-dependencies/.
func (s *Server) dependencies() resource[checklist.Dependency, gen.AdminQuestionDependencyRequest, gen.AdminQuestionDependency] {
	return resource[checklist.Dependency, gen.AdminQuestionDependencyRequest, gen.AdminQuestionDependency]{
		get: s.store.Dependency,
		render: func(ctx context.Context, d *checklist.Dependency) (gen.AdminQuestionDependency, error) {
			return dependencyAPI(ctx, d), nil
		},
		save: func(ctx context.Context, b *gen.AdminQuestionDependencyRequest, old *checklist.Dependency) (*checklist.Dependency, error) {
			id := uuid.Nil
			if old != nil {
				id = old.UUID
			}
			return s.saveDependency(ctx, b, id)
		},
		remove: s.store.DeleteDependency,
	}
}

func dependencyAPI(ctx context.Context, d *checklist.Dependency) gen.AdminQuestionDependency {
	return gen.AdminQuestionDependency{UUID: d.UUID, URL: absoluteURL(ctx, "/api/checklists-admin-question-dependencies/"+d.UUID.String()+"/"), Question: d.Question, DependsOnQuestion: d.DependsOnQuestion,
		RequiredAnswerValue: rawJSON(d.RequiredAnswerValue), Operator: gen.Operator(d.Operator)}
}

// saveDependency creates (id nil) or replaces a dependency. Both questions
// must exist in one checklist, the operator and value must fit the
// question depended on, and the checklist's dependencies must stay free of
// cycles: checked in the store's transaction, against the checklist as it
// is then, so that two dependencies saved at once cannot close a cycle.
func (s *Server) saveDependency(ctx context.Context, b *gen.AdminQuestionDependencyRequest, id uuid.UUID) (*checklist.Dependency, error) {
	d := &checklist.Dependency{UUID: id, Question: b.Question, DependsOnQuestion: b.DependsOnQuestion,
		RequiredAnswerValue: decodeAny(b.RequiredAnswerValue), Operator: checklist.Operator(deref(b.Operator, gen.OperatorEquals))}
	questions := map[string]*checklist.Question{}
	for field, qid := range map[string]uuid.UUID{"question": b.Question, "depends_on_question": b.DependsOnQuestion} {
		q, err := s.store.Question(ctx, qid)
		if domain.CodeOf(err) == domain.ENotFound {
			return nil, domain.FieldError(field, fmt.Sprintf(`Invalid pk "%s" - object does not exist.`, qid))
		}
		if err != nil {
			return nil, err
		}
		questions[field] = q
	}
	checklistID := questions["question"].Checklist
	if questions["depends_on_question"].Checklist != checklistID {
		return nil, domain.FieldError("depends_on_question", "Both questions must belong to the same checklist.")
	}
	check := func(content *store.ChecklistContent) error {
		var on *checklist.Question
		for i, q := range content.Questions {
			if q.UUID == d.DependsOnQuestion {
				on = &content.Questions[i]
			}
		}
		if on == nil {
			return domain.FieldError("depends_on_question", fmt.Sprintf(`Invalid pk "%s" - object does not exist.`, d.DependsOnQuestion))
		}
		if problems := checklist.ValidateDependency(d, *on); len(problems) > 0 {
			return &domain.Error{Code: domain.EInvalid, Fields: problems}
		}
		deps := []checklist.Dependency{*d}
		for _, other := range content.Dependencies {
			if other.UUID != id {
				deps = append(deps, other)
			}
		}
		if cycle := checklist.FindCycle(deps); cycle != nil {
			names := make([]string, len(cycle))
			for i, qid := range cycle {
				names[i] = qid.String()
				for _, q := range content.Questions {
					if q.UUID == qid {
						names[i] = fmt.Sprintf("%q", q.Description)
					}
				}
			}
			return domain.FieldError("depends_on_question", "This dependency would make a cycle: "+strings.Join(names, " → ")+".")
		}
		return nil
	}
	if err := s.store.SaveDependency(ctx, checklistID, d, id == uuid.Nil, check); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Server) ChecklistsAdminQuestionDependenciesList(ctx context.Context, req gen.ChecklistsAdminQuestionDependenciesListRequestObject) (gen.ChecklistsAdminQuestionDependenciesListResponseObject, error) {
	body, total, link, err := childrenPage(ctx, "question_uuid", req.Params.QuestionUUID, req.Params.Question, req.Params.Page, req.Params.PageSize, s.store.ListDependencies, dependencyAPI)
	return gen.ChecklistsAdminQuestionDependenciesList200JSONResponse{Body: body, Headers: gen.ChecklistsAdminQuestionDependenciesList200ResponseHeaders{XResultCount: total, Link: link}}, err
}

func (s *Server) ChecklistsAdminQuestionDependenciesCreate(ctx context.Context, req gen.ChecklistsAdminQuestionDependenciesCreateRequestObject) (gen.ChecklistsAdminQuestionDependenciesCreateResponseObject, error) {
	out, err := s.dependencies().create(ctx, req.Body)
	return gen.ChecklistsAdminQuestionDependenciesCreate201JSONResponse(out), err
}

func (s *Server) ChecklistsAdminQuestionDependenciesRetrieve(ctx context.Context, req gen.ChecklistsAdminQuestionDependenciesRetrieveRequestObject) (gen.ChecklistsAdminQuestionDependenciesRetrieveResponseObject, error) {
	out, err := s.dependencies().retrieve(ctx, req.UUID)
	return gen.ChecklistsAdminQuestionDependenciesRetrieve200JSONResponse(out), err
}

func (s *Server) ChecklistsAdminQuestionDependenciesUpdate(ctx context.Context, req gen.ChecklistsAdminQuestionDependenciesUpdateRequestObject) (gen.ChecklistsAdminQuestionDependenciesUpdateResponseObject, error) {
	out, err := s.dependencies().update(ctx, req.UUID, req.Body, nil)
	return gen.ChecklistsAdminQuestionDependenciesUpdate200JSONResponse(out), err
}

func (s *Server) ChecklistsAdminQuestionDependenciesPartialUpdate(ctx context.Context, req gen.ChecklistsAdminQuestionDependenciesPartialUpdateRequestObject) (gen.ChecklistsAdminQuestionDependenciesPartialUpdateResponseObject, error) {
	out, err := s.dependencies().update(ctx, req.UUID, nil, deref(req.Body, nil))
	return gen.ChecklistsAdminQuestionDependenciesPartialUpdate200JSONResponse(out), err
}

func (s *Server) ChecklistsAdminQuestionDependenciesDestroy(ctx context.Context, req gen.ChecklistsAdminQuestionDependenciesDestroyRequestObject) (gen.ChecklistsAdminQuestionDependenciesDestroyResponseObject, error) {
	return gen.ChecklistsAdminQuestionDependenciesDestroy204Response{}, s.dependencies().remove(ctx, req.UUID)
}
