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

// questions is /api/checklists-admin-questions/: each question is checked
// as a whole, in the store's transaction, against its checklist.
func (s *Server) questions() resource[checklist.Question, gen.AdminQuestionRequest, gen.AdminQuestion] {
	return resource[checklist.Question, gen.AdminQuestionRequest, gen.AdminQuestion]{
		get: s.store.Question,
		render: func(ctx context.Context, q *checklist.Question) (gen.AdminQuestion, error) {
			c, err := s.store.ChecklistRow(ctx, q.Checklist)
			if err != nil {
				return gen.AdminQuestion{}, err
			}
			return questionAPI(ctx, *q, c.Name), nil
		},
		save: func(ctx context.Context, b *gen.AdminQuestionRequest, old *checklist.Question) (*checklist.Question, error) {
			base := checklist.Question{Options: []checklist.Option{}}
			if old != nil {
				base = *old
			}
			q, err := s.questionFromRequest(ctx, b, base)
			if err != nil {
				return nil, err
			}
			return q, s.store.SaveQuestion(ctx, q, old == nil, questionFits(q))
		},
		remove: s.store.DeleteQuestion,
	}
}

func questionAPI(ctx context.Context, q checklist.Question, checklistName string) gen.AdminQuestion {
	return gen.AdminQuestion{
		UUID: q.UUID, URL: absoluteURL(ctx, "/api/checklists-admin-questions/"+q.UUID.String()+"/"),
		Checklist: q.Checklist, ChecklistUUID: q.Checklist, ChecklistName: checklistName, Order: q.Order, Description: q.Description, UserGuidance: q.UserGuidance,
		QuestionType: gen.QuestionType(q.QuestionType), Required: q.Required,
		MinValue: decimalString(q.MinValue), MaxValue: decimalString(q.MaxValue),
		AllowedFileTypes: nonNil(q.AllowedFileTypes), AllowedMimeTypes: nonNil(q.AllowedMimeTypes),
		MaxFileSizeMb: q.MaxFileSizeMB, MaxFilesCount: q.MaxFilesCount,
		Operator: gen.OptionalOperator(q.Operator), ReviewAnswerValue: rawJSON(q.ReviewAnswerValue),
		AlwaysRequiresReview: q.AlwaysRequiresReview, GuidanceOperator: gen.OptionalOperator(q.GuidanceOperator),
		GuidanceAnswerValue: rawJSON(q.GuidanceAnswerValue), AlwaysShowGuidance: q.AlwaysShowGuidance,
		DependencyLogicOperator: gen.DependencyLogicOperator(q.DependencyLogicOperator), QuestionOptions: options(q),
		MapsToCustomerField: q.MapsToCustomerField, IntentField: q.IntentField,
	}
}

// questionFromRequest builds a question from a request over base (its
// current state, for metadata and options an admin request does not carry)
// and checks it as a whole.
func (s *Server) questionFromRequest(ctx context.Context, b *gen.AdminQuestionRequest, base checklist.Question) (*checklist.Question, error) {
	if base.UUID != uuid.Nil && b.Checklist != base.Checklist {
		return nil, domain.FieldError("checklist", "A question cannot move to another checklist.")
	}
	if _, err := s.store.ChecklistRow(ctx, b.Checklist); domain.CodeOf(err) == domain.ENotFound {
		return nil, domain.FieldError("checklist", fmt.Sprintf(`Invalid pk "%s" - object does not exist.`, b.Checklist))
	} else if err != nil {
		return nil, err
	}
	q := base
	q.Checklist, q.Order, q.Description = b.Checklist, deref(b.Order, 0), strings.TrimSpace(b.Description)
	q.UserGuidance, q.QuestionType, q.Required = deref(b.UserGuidance, ""), checklist.QuestionType(b.QuestionType), deref(b.Required, false)
	q.AllowedFileTypes, q.AllowedMimeTypes = deref(b.AllowedFileTypes, []string{}), deref(b.AllowedMimeTypes, []string{})
	q.MaxFileSizeMB, q.MaxFilesCount = b.MaxFileSizeMb, b.MaxFilesCount
	q.Operator, q.GuidanceOperator = checklist.Operator(deref(b.Operator, "")), checklist.Operator(deref(b.GuidanceOperator, ""))
	q.AlwaysRequiresReview, q.AlwaysShowGuidance = deref(b.AlwaysRequiresReview, false), deref(b.AlwaysShowGuidance, true)
	q.DependencyLogicOperator = checklist.LogicOperator(deref(b.DependencyLogicOperator, gen.DependencyLogicOperatorAnd))
	q.ReviewAnswerValue, q.GuidanceAnswerValue = decodeAny(b.ReviewAnswerValue), decodeAny(b.GuidanceAnswerValue)
	problems := checklist.FieldErrors{}
	for field, value := range map[string]*string{"min_value": b.MinValue, "max_value": b.MaxValue} {
		if value == nil {
			continue
		}
		d, err := checklist.ParseDecimal(*value, checklist.BoundIntegerDigits, checklist.BoundFractionDigits)
		if err != nil {
			problems[field] = []string{fmt.Sprintf("A valid number is required: it %v.", err)}
			continue
		}
		if field == "min_value" {
			q.MinValue = &d
		} else {
			q.MaxValue = &d
		}
	}
	if b.MinValue == nil {
		q.MinValue = nil
	}
	if b.MaxValue == nil {
		q.MaxValue = nil
	}
	if len(problems) > 0 {
		return nil, &domain.Error{Code: domain.EInvalid, Fields: problems}
	}
	return &q, nil
}

// questionFits checks q as a whole in its checklist as the store's
// transaction reads it: against the question's options, and the
// dependencies on it must still fit it (its type may have changed).
func questionFits(q *checklist.Question) func(*store.ChecklistContent) error {
	return func(c *store.ChecklistContent) error {
		for _, other := range c.Questions {
			if other.UUID == q.UUID {
				q.Options = other.Options
			}
		}
		problems := checklist.ValidateQuestion(q)
		if problems == nil {
			problems = checklist.FieldErrors{}
		}
		for _, d := range c.Dependencies {
			if d.DependsOnQuestion != q.UUID || q.UUID == uuid.Nil || len(problems) > 0 {
				continue
			}
			for _, msgs := range checklist.ValidateDependency(&d, *q) {
				problems["question_type"] = append(problems["question_type"], fmt.Sprintf("a dependency on this question no longer fits: %s", strings.Join(msgs, "; ")))
			}
		}
		if len(problems) > 0 {
			return &domain.Error{Code: domain.EInvalid, Fields: problems}
		}
		return nil
	}
}

// filterParam is a list filter given under Waldur's name or the older,
// deprecated one: either, or both when equal.
func filterParam(name string, waldur, old *uuid.UUID) (*uuid.UUID, error) {
	if waldur != nil && old != nil && *waldur != *old {
		return nil, domain.FieldError(name, "Differs from the deprecated filter of the same meaning; give one of them.")
	}
	if waldur != nil {
		return waldur, nil
	}
	return old, nil
}

// childrenPage is a page of an admin list of rows under one parent (name,
// or its deprecated alias: see filterParam), rendered.
func childrenPage[Row, Out any](ctx context.Context, name string, waldur, old *uuid.UUID, page, size *int,
	list func(ctx context.Context, parent *uuid.UUID, offset, limit int) ([]Row, int, error),
	render func(ctx context.Context, row *Row) Out) ([]Out, int, string, error) {
	parent, err := filterParam(name, waldur, old)
	if err != nil {
		return nil, 0, "", err
	}
	return paginate(ctx, page, size, func(offset, limit int) ([]Row, int, error) { return list(ctx, parent, offset, limit) },
		func(row *Row) Out { return render(ctx, row) })
}

func (s *Server) ChecklistsAdminQuestionsList(ctx context.Context, req gen.ChecklistsAdminQuestionsListRequestObject) (gen.ChecklistsAdminQuestionsListResponseObject, error) {
	filter, err := filterParam("checklist_uuid", req.Params.ChecklistUUID, req.Params.Checklist)
	if err != nil {
		return nil, err
	}
	names := map[uuid.UUID]string{}
	body, total, link, err := paginate(ctx, req.Params.Page, req.Params.PageSize, func(offset, limit int) ([]checklist.Question, int, error) {
		qs, total, err := s.store.ListQuestions(ctx, filter, offset, limit)
		for _, q := range qs {
			if _, ok := names[q.Checklist]; ok || err != nil {
				continue
			}
			var c *store.ChecklistRow
			if c, err = s.store.ChecklistRow(ctx, q.Checklist); err == nil {
				names[q.Checklist] = c.Name
			}
		}
		return qs, total, err
	}, func(q *checklist.Question) gen.AdminQuestion { return questionAPI(ctx, *q, names[q.Checklist]) })
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionsList200JSONResponse{Body: body, Headers: gen.ChecklistsAdminQuestionsList200ResponseHeaders{XResultCount: total, Link: link}}, nil
}

func (s *Server) ChecklistsAdminQuestionsCreate(ctx context.Context, req gen.ChecklistsAdminQuestionsCreateRequestObject) (gen.ChecklistsAdminQuestionsCreateResponseObject, error) {
	out, err := s.questions().create(ctx, req.Body)
	return gen.ChecklistsAdminQuestionsCreate201JSONResponse(out), err
}

func (s *Server) ChecklistsAdminQuestionsRetrieve(ctx context.Context, req gen.ChecklistsAdminQuestionsRetrieveRequestObject) (gen.ChecklistsAdminQuestionsRetrieveResponseObject, error) {
	out, err := s.questions().retrieve(ctx, req.UUID)
	return gen.ChecklistsAdminQuestionsRetrieve200JSONResponse(out), err
}

func (s *Server) ChecklistsAdminQuestionsUpdate(ctx context.Context, req gen.ChecklistsAdminQuestionsUpdateRequestObject) (gen.ChecklistsAdminQuestionsUpdateResponseObject, error) {
	out, err := s.questions().update(ctx, req.UUID, req.Body, nil)
	return gen.ChecklistsAdminQuestionsUpdate200JSONResponse(out), err
}

func (s *Server) ChecklistsAdminQuestionsPartialUpdate(ctx context.Context, req gen.ChecklistsAdminQuestionsPartialUpdateRequestObject) (gen.ChecklistsAdminQuestionsPartialUpdateResponseObject, error) {
	out, err := s.questions().update(ctx, req.UUID, nil, deref(req.Body, nil))
	return gen.ChecklistsAdminQuestionsPartialUpdate200JSONResponse(out), err
}

func (s *Server) ChecklistsAdminQuestionsDestroy(ctx context.Context, req gen.ChecklistsAdminQuestionsDestroyRequestObject) (gen.ChecklistsAdminQuestionsDestroyResponseObject, error) {
	return gen.ChecklistsAdminQuestionsDestroy204Response{}, s.questions().remove(ctx, req.UUID)
}
