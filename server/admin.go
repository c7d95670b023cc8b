package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
	"github.com/onboarding-kyb/onboarding/store"
)

// The admin API configures checklists. Staff write; support users read.

func adminRead(ctx context.Context) error {
	if !currentUser(ctx).CanSeeAll() {
		return errForbidden
	}
	return nil
}

func adminWrite(ctx context.Context) error {
	if !currentUser(ctx).IsStaff {
		return errForbidden
	}
	return nil
}

// --- checklists ---

func checklistAPI(ctx context.Context, c *store.ChecklistRow) gen.AdminChecklist {
	return gen.AdminChecklist{UUID: c.UUID, URL: absoluteURL(ctx, "/api/checklists-admin/"+c.UUID.String()+"/"), Name: c.Name, Description: c.Description, ChecklistType: c.ChecklistType, Created: c.Created, Modified: c.Modified}
}

func checklistFromRequest(b *gen.AdminChecklistRequest) (*store.ChecklistRow, error) {
	c := &store.ChecklistRow{Name: strings.TrimSpace(b.Name), Description: deref(b.Description, ""), ChecklistType: checklist.ChecklistTypeCustomerOnboarding}
	if b.ChecklistType != nil {
		c.ChecklistType = string(*b.ChecklistType)
	}
	if c.Name == "" {
		return nil, domain.FieldError("name", "This field may not be blank.")
	}
	return c, nil
}

func (s *Server) ChecklistsAdminList(ctx context.Context, req gen.ChecklistsAdminListRequestObject) (gen.ChecklistsAdminListResponseObject, error) {
	if err := adminRead(ctx); err != nil {
		return nil, err
	}
	body, total, link, err := paginate(ctx, req.Params.Page, req.Params.PageSize, func(offset, limit int) ([]store.ChecklistRow, int, error) {
		return s.store.ListChecklists(ctx, offset, limit)
	}, func(c *store.ChecklistRow) gen.AdminChecklist { return checklistAPI(ctx, c) })
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminList200JSONResponse{Body: body, Headers: gen.ChecklistsAdminList200ResponseHeaders{XResultCount: total, Link: link}}, nil
}

func (s *Server) ChecklistsAdminCreate(ctx context.Context, req gen.ChecklistsAdminCreateRequestObject) (gen.ChecklistsAdminCreateResponseObject, error) {
	if err := adminWrite(ctx); err != nil {
		return nil, err
	}
	c, err := checklistFromRequest(req.Body)
	if err != nil {
		return nil, err
	}
	if err := s.store.SaveChecklist(ctx, c, true); err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminCreate201JSONResponse(checklistAPI(ctx, c)), nil
}

func (s *Server) ChecklistsAdminRetrieve(ctx context.Context, req gen.ChecklistsAdminRetrieveRequestObject) (gen.ChecklistsAdminRetrieveResponseObject, error) {
	if err := adminRead(ctx); err != nil {
		return nil, err
	}
	c, err := s.store.ChecklistRow(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminRetrieve200JSONResponse(checklistAPI(ctx, c)), nil
}

func (s *Server) ChecklistsAdminUpdate(ctx context.Context, req gen.ChecklistsAdminUpdateRequestObject) (gen.ChecklistsAdminUpdateResponseObject, error) {
	c, err := s.editChecklist(ctx, req.UUID, req.Body, nil)
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminUpdate200JSONResponse(c), nil
}

func (s *Server) ChecklistsAdminPartialUpdate(ctx context.Context, req gen.ChecklistsAdminPartialUpdateRequestObject) (gen.ChecklistsAdminPartialUpdateResponseObject, error) {
	c, err := s.editChecklist(ctx, req.UUID, nil, deref(req.Body, nil))
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminPartialUpdate200JSONResponse(c), nil
}

// editChecklist replaces a checklist (PUT) or changes some of its fields (PATCH).
func (s *Server) editChecklist(ctx context.Context, id uuid.UUID, put *gen.AdminChecklistRequest, patch map[string]json.RawMessage) (gen.AdminChecklist, error) {
	if err := adminWrite(ctx); err != nil {
		return gen.AdminChecklist{}, err
	}
	old, err := s.store.ChecklistRow(ctx, id)
	if err != nil {
		return gen.AdminChecklist{}, err
	}
	if put, err = putBody(put, patch, checklistAPI(ctx, old)); err != nil {
		return gen.AdminChecklist{}, err
	}
	c, err := checklistFromRequest(put)
	if err != nil {
		return gen.AdminChecklist{}, err
	}
	c.UUID, c.Created = old.UUID, old.Created
	if err := s.store.SaveChecklist(ctx, c, false); err != nil {
		return gen.AdminChecklist{}, err
	}
	return checklistAPI(ctx, c), nil
}

func (s *Server) ChecklistsAdminDestroy(ctx context.Context, req gen.ChecklistsAdminDestroyRequestObject) (gen.ChecklistsAdminDestroyResponseObject, error) {
	if err := adminWrite(ctx); err != nil {
		return nil, err
	}
	if err := s.store.DeleteChecklist(ctx, req.UUID); err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminDestroy204Response{}, nil
}

func (s *Server) ChecklistsAdminChecklistQuestions(ctx context.Context, req gen.ChecklistsAdminChecklistQuestionsRequestObject) (gen.ChecklistsAdminChecklistQuestionsResponseObject, error) {
	if err := adminRead(ctx); err != nil {
		return nil, err
	}
	content, err := s.store.ChecklistContent(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	out := gen.ChecklistsAdminChecklistQuestions200JSONResponse{}
	for _, q := range content.Questions {
		out = append(out, questionAPI(ctx, q, content.Checklist.Name))
	}
	return out, nil
}

// --- questions ---

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

// questionOut renders a question with its checklist's name.
func (s *Server) questionOut(ctx context.Context, q *checklist.Question) (gen.AdminQuestion, error) {
	c, err := s.store.ChecklistRow(ctx, q.Checklist)
	if err != nil {
		return gen.AdminQuestion{}, err
	}
	return questionAPI(ctx, *q, c.Name), nil
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

// decodeAny decodes JSON (nil when empty or invalid), numbers as
// json.Number so that they keep every digit.
func decodeAny(raw []byte) any {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil
	}
	return v
}

func (s *Server) ChecklistsAdminQuestionsList(ctx context.Context, req gen.ChecklistsAdminQuestionsListRequestObject) (gen.ChecklistsAdminQuestionsListResponseObject, error) {
	if err := adminRead(ctx); err != nil {
		return nil, err
	}
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
	if err := adminWrite(ctx); err != nil {
		return nil, err
	}
	q, err := s.questionFromRequest(ctx, req.Body, checklist.Question{Options: []checklist.Option{}})
	if err != nil {
		return nil, err
	}
	if err := s.store.SaveQuestion(ctx, q, true, questionFits(q)); err != nil {
		return nil, err
	}
	out, err := s.questionOut(ctx, q)
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionsCreate201JSONResponse(out), nil
}

func (s *Server) ChecklistsAdminQuestionsRetrieve(ctx context.Context, req gen.ChecklistsAdminQuestionsRetrieveRequestObject) (gen.ChecklistsAdminQuestionsRetrieveResponseObject, error) {
	if err := adminRead(ctx); err != nil {
		return nil, err
	}
	q, err := s.store.Question(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	out, err := s.questionOut(ctx, q)
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionsRetrieve200JSONResponse(out), nil
}

func (s *Server) ChecklistsAdminQuestionsUpdate(ctx context.Context, req gen.ChecklistsAdminQuestionsUpdateRequestObject) (gen.ChecklistsAdminQuestionsUpdateResponseObject, error) {
	q, err := s.editQuestion(ctx, req.UUID, req.Body, nil)
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionsUpdate200JSONResponse(q), nil
}

func (s *Server) ChecklistsAdminQuestionsPartialUpdate(ctx context.Context, req gen.ChecklistsAdminQuestionsPartialUpdateRequestObject) (gen.ChecklistsAdminQuestionsPartialUpdateResponseObject, error) {
	q, err := s.editQuestion(ctx, req.UUID, nil, deref(req.Body, nil))
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionsPartialUpdate200JSONResponse(q), nil
}

// editQuestion replaces a question (PUT) or changes some of its fields (PATCH).
func (s *Server) editQuestion(ctx context.Context, id uuid.UUID, put *gen.AdminQuestionRequest, patch map[string]json.RawMessage) (gen.AdminQuestion, error) {
	if err := adminWrite(ctx); err != nil {
		return gen.AdminQuestion{}, err
	}
	old, err := s.store.Question(ctx, id)
	if err != nil {
		return gen.AdminQuestion{}, err
	}
	if put, err = putBody(put, patch, questionAPI(ctx, *old, "")); err != nil {
		return gen.AdminQuestion{}, err
	}
	q, err := s.questionFromRequest(ctx, put, *old)
	if err != nil {
		return gen.AdminQuestion{}, err
	}
	if err := s.store.SaveQuestion(ctx, q, false, questionFits(q)); err != nil {
		return gen.AdminQuestion{}, err
	}
	return s.questionOut(ctx, q)
}

func (s *Server) ChecklistsAdminQuestionsDestroy(ctx context.Context, req gen.ChecklistsAdminQuestionsDestroyRequestObject) (gen.ChecklistsAdminQuestionsDestroyResponseObject, error) {
	if err := adminWrite(ctx); err != nil {
		return nil, err
	}
	if err := s.store.DeleteQuestion(ctx, req.UUID); err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionsDestroy204Response{}, nil
}

// --- options ---

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
	if err := adminRead(ctx); err != nil {
		return nil, err
	}
	filter, err := filterParam("question_uuid", req.Params.QuestionUUID, req.Params.Question)
	if err != nil {
		return nil, err
	}
	body, total, link, err := paginate(ctx, req.Params.Page, req.Params.PageSize, func(offset, limit int) ([]store.OptionRow, int, error) {
		return s.store.ListOptions(ctx, filter, offset, limit)
	}, func(o *store.OptionRow) gen.AdminQuestionOption { return optionAPI(ctx, o) })
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionOptionsList200JSONResponse{Body: body, Headers: gen.ChecklistsAdminQuestionOptionsList200ResponseHeaders{XResultCount: total, Link: link}}, nil
}

func (s *Server) ChecklistsAdminQuestionOptionsCreate(ctx context.Context, req gen.ChecklistsAdminQuestionOptionsCreateRequestObject) (gen.ChecklistsAdminQuestionOptionsCreateResponseObject, error) {
	if err := adminWrite(ctx); err != nil {
		return nil, err
	}
	o, err := s.optionFromRequest(ctx, req.Body)
	if err != nil {
		return nil, err
	}
	if err := s.store.SaveOption(ctx, o, true); err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionOptionsCreate201JSONResponse(optionAPI(ctx, o)), nil
}

func (s *Server) ChecklistsAdminQuestionOptionsRetrieve(ctx context.Context, req gen.ChecklistsAdminQuestionOptionsRetrieveRequestObject) (gen.ChecklistsAdminQuestionOptionsRetrieveResponseObject, error) {
	if err := adminRead(ctx); err != nil {
		return nil, err
	}
	o, err := s.store.OptionRow(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionOptionsRetrieve200JSONResponse(optionAPI(ctx, o)), nil
}

func (s *Server) ChecklistsAdminQuestionOptionsUpdate(ctx context.Context, req gen.ChecklistsAdminQuestionOptionsUpdateRequestObject) (gen.ChecklistsAdminQuestionOptionsUpdateResponseObject, error) {
	o, err := s.editOption(ctx, req.UUID, req.Body, nil)
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionOptionsUpdate200JSONResponse(o), nil
}

func (s *Server) ChecklistsAdminQuestionOptionsPartialUpdate(ctx context.Context, req gen.ChecklistsAdminQuestionOptionsPartialUpdateRequestObject) (gen.ChecklistsAdminQuestionOptionsPartialUpdateResponseObject, error) {
	o, err := s.editOption(ctx, req.UUID, nil, deref(req.Body, nil))
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionOptionsPartialUpdate200JSONResponse(o), nil
}

// editOption replaces an option (PUT) or changes some of its fields (PATCH).
func (s *Server) editOption(ctx context.Context, id uuid.UUID, put *gen.AdminQuestionOptionRequest, patch map[string]json.RawMessage) (gen.AdminQuestionOption, error) {
	if err := adminWrite(ctx); err != nil {
		return gen.AdminQuestionOption{}, err
	}
	old, err := s.store.OptionRow(ctx, id)
	if err != nil {
		return gen.AdminQuestionOption{}, err
	}
	if put, err = putBody(put, patch, optionAPI(ctx, old)); err != nil {
		return gen.AdminQuestionOption{}, err
	}
	if put.Question != old.Question {
		// As in Waldur: values and dependencies that name it belong to its question.
		return gen.AdminQuestionOption{}, domain.FieldError("question", "An option cannot move to another question.")
	}
	o, err := s.optionFromRequest(ctx, put)
	if err != nil {
		return gen.AdminQuestionOption{}, err
	}
	o.UUID = id
	if err := s.store.SaveOption(ctx, o, false); err != nil {
		return gen.AdminQuestionOption{}, err
	}
	return optionAPI(ctx, o), nil
}

func (s *Server) ChecklistsAdminQuestionOptionsDestroy(ctx context.Context, req gen.ChecklistsAdminQuestionOptionsDestroyRequestObject) (gen.ChecklistsAdminQuestionOptionsDestroyResponseObject, error) {
	if err := adminWrite(ctx); err != nil {
		return nil, err
	}
	if err := s.store.DeleteOption(ctx, req.UUID); err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionOptionsDestroy204Response{}, nil
}

// --- dependencies ---

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
	if err := adminRead(ctx); err != nil {
		return nil, err
	}
	filter, err := filterParam("question_uuid", req.Params.QuestionUUID, req.Params.Question)
	if err != nil {
		return nil, err
	}
	body, total, link, err := paginate(ctx, req.Params.Page, req.Params.PageSize, func(offset, limit int) ([]checklist.Dependency, int, error) {
		return s.store.ListDependencies(ctx, filter, offset, limit)
	}, func(d *checklist.Dependency) gen.AdminQuestionDependency { return dependencyAPI(ctx, d) })
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionDependenciesList200JSONResponse{Body: body, Headers: gen.ChecklistsAdminQuestionDependenciesList200ResponseHeaders{XResultCount: total, Link: link}}, nil
}

func (s *Server) ChecklistsAdminQuestionDependenciesCreate(ctx context.Context, req gen.ChecklistsAdminQuestionDependenciesCreateRequestObject) (gen.ChecklistsAdminQuestionDependenciesCreateResponseObject, error) {
	if err := adminWrite(ctx); err != nil {
		return nil, err
	}
	d, err := s.saveDependency(ctx, req.Body, uuid.Nil)
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionDependenciesCreate201JSONResponse(dependencyAPI(ctx, d)), nil
}

func (s *Server) ChecklistsAdminQuestionDependenciesRetrieve(ctx context.Context, req gen.ChecklistsAdminQuestionDependenciesRetrieveRequestObject) (gen.ChecklistsAdminQuestionDependenciesRetrieveResponseObject, error) {
	if err := adminRead(ctx); err != nil {
		return nil, err
	}
	d, err := s.store.Dependency(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionDependenciesRetrieve200JSONResponse(dependencyAPI(ctx, d)), nil
}

func (s *Server) ChecklistsAdminQuestionDependenciesUpdate(ctx context.Context, req gen.ChecklistsAdminQuestionDependenciesUpdateRequestObject) (gen.ChecklistsAdminQuestionDependenciesUpdateResponseObject, error) {
	d, err := s.editDependency(ctx, req.UUID, req.Body, nil)
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionDependenciesUpdate200JSONResponse(d), nil
}

func (s *Server) ChecklistsAdminQuestionDependenciesPartialUpdate(ctx context.Context, req gen.ChecklistsAdminQuestionDependenciesPartialUpdateRequestObject) (gen.ChecklistsAdminQuestionDependenciesPartialUpdateResponseObject, error) {
	d, err := s.editDependency(ctx, req.UUID, nil, deref(req.Body, nil))
	if err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionDependenciesPartialUpdate200JSONResponse(d), nil
}

// editDependency replaces a dependency (PUT) or changes some of its fields (PATCH).
func (s *Server) editDependency(ctx context.Context, id uuid.UUID, put *gen.AdminQuestionDependencyRequest, patch map[string]json.RawMessage) (gen.AdminQuestionDependency, error) {
	if err := adminWrite(ctx); err != nil {
		return gen.AdminQuestionDependency{}, err
	}
	old, err := s.store.Dependency(ctx, id)
	if err != nil {
		return gen.AdminQuestionDependency{}, err
	}
	if put, err = putBody(put, patch, dependencyAPI(ctx, old)); err != nil {
		return gen.AdminQuestionDependency{}, err
	}
	d, err := s.saveDependency(ctx, put, id)
	if err != nil {
		return gen.AdminQuestionDependency{}, err
	}
	return dependencyAPI(ctx, d), nil
}

func (s *Server) ChecklistsAdminQuestionDependenciesDestroy(ctx context.Context, req gen.ChecklistsAdminQuestionDependenciesDestroyRequestObject) (gen.ChecklistsAdminQuestionDependenciesDestroyResponseObject, error) {
	if err := adminWrite(ctx); err != nil {
		return nil, err
	}
	if err := s.store.DeleteDependency(ctx, req.UUID); err != nil {
		return nil, err
	}
	return gen.ChecklistsAdminQuestionDependenciesDestroy204Response{}, nil
}

// --- country configurations: any user reads, staff write ---

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
	if err := adminWrite(ctx); err != nil {
		return nil, err
	}
	c, err := s.countryConfigFromRequest(ctx, req.Body)
	if err != nil {
		return nil, err
	}
	if err := s.store.SaveCountryConfig(ctx, c, true); err != nil {
		return nil, err
	}
	return gen.OnboardingCountryConfigsCreate201JSONResponse(countryConfigAPI(c)), nil
}

func (s *Server) OnboardingCountryConfigsRetrieve(ctx context.Context, req gen.OnboardingCountryConfigsRetrieveRequestObject) (gen.OnboardingCountryConfigsRetrieveResponseObject, error) {
	c, err := s.store.CountryConfig(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingCountryConfigsRetrieve200JSONResponse(countryConfigAPI(c)), nil
}

func (s *Server) OnboardingCountryConfigsUpdate(ctx context.Context, req gen.OnboardingCountryConfigsUpdateRequestObject) (gen.OnboardingCountryConfigsUpdateResponseObject, error) {
	c, err := s.editCountryConfig(ctx, req.UUID, req.Body, nil)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingCountryConfigsUpdate200JSONResponse(c), nil
}

func (s *Server) OnboardingCountryConfigsPartialUpdate(ctx context.Context, req gen.OnboardingCountryConfigsPartialUpdateRequestObject) (gen.OnboardingCountryConfigsPartialUpdateResponseObject, error) {
	c, err := s.editCountryConfig(ctx, req.UUID, nil, deref(req.Body, nil))
	if err != nil {
		return nil, err
	}
	return gen.OnboardingCountryConfigsPartialUpdate200JSONResponse(c), nil
}

// editCountryConfig replaces a country configuration (PUT) or changes some of its fields (PATCH).
func (s *Server) editCountryConfig(ctx context.Context, id uuid.UUID, put *gen.CountryConfigRequest, patch map[string]json.RawMessage) (gen.CountryConfig, error) {
	if err := adminWrite(ctx); err != nil {
		return gen.CountryConfig{}, err
	}
	old, err := s.store.CountryConfig(ctx, id)
	if err != nil {
		return gen.CountryConfig{}, err
	}
	if put, err = putBody(put, patch, countryConfigAPI(old)); err != nil {
		return gen.CountryConfig{}, err
	}
	c, err := s.countryConfigFromRequest(ctx, put)
	if err != nil {
		return gen.CountryConfig{}, err
	}
	c.UUID, c.Created = old.UUID, old.Created
	if err := s.store.SaveCountryConfig(ctx, c, false); err != nil {
		return gen.CountryConfig{}, err
	}
	return countryConfigAPI(c), nil
}

func (s *Server) OnboardingCountryConfigsDestroy(ctx context.Context, req gen.OnboardingCountryConfigsDestroyRequestObject) (gen.OnboardingCountryConfigsDestroyResponseObject, error) {
	if err := adminWrite(ctx); err != nil {
		return nil, err
	}
	if err := s.store.DeleteCountryConfig(ctx, req.UUID); err != nil {
		return nil, err
	}
	return gen.OnboardingCountryConfigsDestroy204Response{}, nil
}

// --- question metadata: a view of the question's metadata columns ---

func metadataAPI(q checklist.Question) gen.QuestionMetadata {
	return gen.QuestionMetadata{Question: q.UUID, Checklist: q.Checklist, Description: q.Description,
		MapsToCustomerField: q.MapsToCustomerField, IntentField: q.IntentField}
}

func (s *Server) OnboardingQuestionMetadataList(ctx context.Context, req gen.OnboardingQuestionMetadataListRequestObject) (gen.OnboardingQuestionMetadataListResponseObject, error) {
	if err := adminRead(ctx); err != nil {
		return nil, err
	}
	filter, err := filterParam("checklist_uuid", req.Params.ChecklistUUID, req.Params.Checklist)
	if err != nil {
		return nil, err
	}
	body, total, link, err := paginate(ctx, req.Params.Page, req.Params.PageSize, func(offset, limit int) ([]checklist.Question, int, error) {
		return s.store.ListQuestions(ctx, filter, offset, limit)
	}, func(q *checklist.Question) gen.QuestionMetadata { return metadataAPI(*q) })
	if err != nil {
		return nil, err
	}
	return gen.OnboardingQuestionMetadataList200JSONResponse{Body: body, Headers: gen.OnboardingQuestionMetadataList200ResponseHeaders{XResultCount: total, Link: link}}, nil
}

func (s *Server) OnboardingQuestionMetadataRetrieve(ctx context.Context, req gen.OnboardingQuestionMetadataRetrieveRequestObject) (gen.OnboardingQuestionMetadataRetrieveResponseObject, error) {
	if err := adminRead(ctx); err != nil {
		return nil, err
	}
	q, err := s.store.Question(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingQuestionMetadataRetrieve200JSONResponse(metadataAPI(*q)), nil
}

func (s *Server) OnboardingQuestionMetadataUpdate(ctx context.Context, req gen.OnboardingQuestionMetadataUpdateRequestObject) (gen.OnboardingQuestionMetadataUpdateResponseObject, error) {
	m, err := s.editMetadata(ctx, req.UUID, req.Body, nil)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingQuestionMetadataUpdate200JSONResponse(m), nil
}

func (s *Server) OnboardingQuestionMetadataPartialUpdate(ctx context.Context, req gen.OnboardingQuestionMetadataPartialUpdateRequestObject) (gen.OnboardingQuestionMetadataPartialUpdateResponseObject, error) {
	m, err := s.editMetadata(ctx, req.UUID, nil, deref(req.Body, nil))
	if err != nil {
		return nil, err
	}
	return gen.OnboardingQuestionMetadataPartialUpdate200JSONResponse(m), nil
}

// editMetadata replaces a question's metadata (PUT) or one of its two fields (PATCH).
func (s *Server) editMetadata(ctx context.Context, id uuid.UUID, put *gen.QuestionMetadataRequest, patch map[string]json.RawMessage) (gen.QuestionMetadata, error) {
	if err := adminWrite(ctx); err != nil {
		return gen.QuestionMetadata{}, err
	}
	q, err := s.store.Question(ctx, id)
	if err != nil {
		return gen.QuestionMetadata{}, err
	}
	if put, err = putBody(put, patch, metadataAPI(*q)); err != nil {
		return gen.QuestionMetadata{}, err
	}
	q.MapsToCustomerField = strings.TrimSpace(deref(put.MapsToCustomerField, ""))
	q.IntentField = strings.TrimSpace(deref(put.IntentField, ""))
	if q.MapsToCustomerField != "" && !checklist.IsCustomerField(q.MapsToCustomerField) {
		return gen.QuestionMetadata{}, domain.FieldError("maps_to_customer_field", fmt.Sprintf("%q is not a Customer field (one of: %s).", q.MapsToCustomerField, strings.Join(checklist.CustomerFields, ", ")))
	}
	if err := s.store.SaveQuestion(ctx, q, false, nil); err != nil {
		return gen.QuestionMetadata{}, err
	}
	return metadataAPI(*q), nil
}
