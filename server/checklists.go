package server

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
	"github.com/onboarding-kyb/onboarding/store"
)

var errNoChecklist = domain.Errorf(domain.EInvalid, "No checklist configured for this object")

// checklistState is a verification's checklist with its answers.
type checklistState struct {
	completion *store.Completion
	content    *store.ChecklistContent
	answers    map[uuid.UUID]store.Answer
	values     map[uuid.UUID]any // decoded answer data, what the rules compare
}

// completionOf is v's checklist completion; a country without a checklist
// is the client's mistake (400), as the contract says.
func (s *Server) completionOf(ctx context.Context, v *domain.Verification) (*store.Completion, error) {
	c, err := s.store.CompletionFor(ctx, v.UUID)
	if domain.CodeOf(err) == domain.ENotFound {
		return nil, errNoChecklist
	}
	return c, err
}

func (s *Server) checklistState(ctx context.Context, v *domain.Verification) (*checklistState, error) {
	c, err := s.completionOf(ctx, v)
	if err != nil {
		return nil, err
	}
	content, err := s.store.ChecklistContent(ctx, c.Checklist)
	if err != nil {
		return nil, err
	}
	answers, err := s.store.Answers(ctx, c.UUID)
	if err != nil {
		return nil, err
	}
	st := &checklistState{completion: c, content: content, answers: map[uuid.UUID]store.Answer{}, values: map[uuid.UUID]any{}}
	for _, a := range answers {
		st.answers[a.Question] = a
		st.values[a.Question] = decodeAny(a.Data)
	}
	return st, nil
}

// completionBody renders the completion status of st.
func (st *checklistState) completionBody() gen.ChecklistCompletion {
	done, pct, unanswered := checklist.Completion(st.content.Questions, st.content.Dependencies, st.values)
	out := gen.ChecklistCompletion{
		UUID: st.completion.UUID, IsCompleted: done, CompletionPercentage: pct,
		ChecklistName: st.content.Checklist.Name, ChecklistDescription: st.content.Checklist.Description,
		Created: st.completion.Created, Modified: st.completion.Modified,
		UnansweredRequiredQuestions: []gen.UnansweredQuestion{},
	}
	for _, q := range unanswered {
		out.UnansweredRequiredQuestions = append(out.UnansweredRequiredQuestions, gen.UnansweredQuestion{
			UUID: q.UUID, Description: q.Description, QuestionType: gen.QuestionType(q.QuestionType),
		})
	}
	return out
}

func checklistHeader(c checklist.Checklist) gen.ChecklistSummary {
	return gen.ChecklistSummary{UUID: c.UUID, Name: c.Name, Description: c.Description, ChecklistType: c.ChecklistType}
}

func (s *Server) OnboardingVerificationsChecklistRetrieve(ctx context.Context, req gen.OnboardingVerificationsChecklistRetrieveRequestObject) (gen.OnboardingVerificationsChecklistRetrieveResponseObject, error) {
	v, err := s.visibleVerification(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	st, err := s.checklistState(ctx, v)
	if err != nil {
		return nil, err
	}
	seesReview := currentUser(ctx).CanSeeAll() // review flags are for staff eyes only
	visible := checklist.Visible(st.content.Questions, st.content.Dependencies, st.values)
	out := gen.OnboardingVerificationsChecklistRetrieve200JSONResponse{
		Checklist: checklistHeader(st.content.Checklist), Completion: st.completionBody(), Questions: []gen.ChecklistQuestion{},
	}
	for _, q := range st.content.Questions {
		if !visible[q.UUID] {
			continue
		}
		cq := gen.ChecklistQuestion{
			UUID: q.UUID, Description: q.Description, QuestionType: gen.QuestionType(q.QuestionType),
			Required: q.Required, Order: q.Order, QuestionOptions: options(q),
			MinValue: decimalString(q.MinValue), MaxValue: decimalString(q.MaxValue),
			AllowedFileTypes: nonNil(q.AllowedFileTypes), AllowedMimeTypes: nonNil(q.AllowedMimeTypes),
			MaxFileSizeMb: q.MaxFileSizeMB, MaxFilesCount: q.MaxFilesCount,
		}
		answer, answered := st.answers[q.UUID]
		if checklist.ShowGuidance(q, st.values[q.UUID]) {
			cq.UserGuidance = q.UserGuidance
		}
		if answered {
			existing := gen.ExistingAnswer{UUID: answer.UUID, AnswerData: json.RawMessage(domain.MustJSON(st.values[q.UUID])),
				Created: answer.Created, Modified: answer.Modified}
			if seesReview {
				existing.RequiresReview = &answer.RequiresReview
			}
			cq.ExistingAnswer = &existing
		}
		out.Questions = append(out.Questions, cq)
	}
	return out, nil
}

func (s *Server) OnboardingVerificationsCompletionStatusRetrieve(ctx context.Context, req gen.OnboardingVerificationsCompletionStatusRetrieveRequestObject) (gen.OnboardingVerificationsCompletionStatusRetrieveResponseObject, error) {
	v, err := s.visibleVerification(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	st, err := s.checklistState(ctx, v)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingVerificationsCompletionStatusRetrieve200JSONResponse(st.completionBody()), nil
}

func (s *Server) OnboardingVerificationsChecklistTemplateRetrieve(ctx context.Context, req gen.OnboardingVerificationsChecklistTemplateRetrieveRequestObject) (gen.OnboardingVerificationsChecklistTemplateRetrieveResponseObject, error) {
	// parent_uuid names a checklist, or a verification (its checklist).
	id := req.Params.ParentUUID
	content, err := s.store.ChecklistContent(ctx, id)
	if domain.CodeOf(err) == domain.ENotFound {
		v, verr := s.visibleVerification(ctx, id)
		if verr != nil {
			return nil, verr
		}
		c, cerr := s.completionOf(ctx, v)
		if cerr != nil {
			return nil, cerr
		}
		content, err = s.store.ChecklistContent(ctx, c.Checklist)
	}
	if err != nil {
		return nil, err
	}
	initial := checklist.Visible(content.Questions, content.Dependencies, map[uuid.UUID]any{})
	out := gen.OnboardingVerificationsChecklistTemplateRetrieve200JSONResponse{
		Checklist: checklistHeader(content.Checklist), Questions: []gen.ChecklistTemplateQuestion{},
		InitialVisibleQuestions: []gen.ChecklistTemplateQuestion{},
	}
	for _, q := range content.Questions {
		tq := templateQuestion(q, currentUser(ctx).CanSeeAll())
		out.Questions = append(out.Questions, tq)
		if initial[q.UUID] {
			out.InitialVisibleQuestions = append(out.InitialVisibleQuestions, tq)
		}
	}
	return out, nil
}

// templateQuestion renders a template question; its review triggers only
// for staff and support (withReview): review logic is theirs.
func templateQuestion(q checklist.Question, withReview bool) gen.ChecklistTemplateQuestion {
	tq := gen.ChecklistTemplateQuestion{
		UUID: q.UUID, Description: q.Description, UserGuidance: q.UserGuidance,
		QuestionType: gen.QuestionType(q.QuestionType), Required: q.Required, Order: q.Order,
		QuestionOptions: options(q), MinValue: decimalString(q.MinValue), MaxValue: decimalString(q.MaxValue),
		AllowedFileTypes: nonNil(q.AllowedFileTypes), AllowedMimeTypes: nonNil(q.AllowedMimeTypes),
		MaxFileSizeMb: q.MaxFileSizeMB, MaxFilesCount: q.MaxFilesCount,
		GuidanceOperator:    gen.OptionalOperator(q.GuidanceOperator),
		GuidanceAnswerValue: rawJSON(q.GuidanceAnswerValue), AlwaysShowGuidance: q.AlwaysShowGuidance,
		DependencyLogicOperator: gen.DependencyLogicOperator(q.DependencyLogicOperator),
	}
	if withReview {
		tq.Operator, tq.ReviewAnswerValue = new(gen.OptionalOperator(q.Operator)), rawJSON(q.ReviewAnswerValue)
		tq.AlwaysRequiresReview = new(q.AlwaysRequiresReview)
	}
	return tq
}

func (s *Server) OnboardingVerificationsSubmitAnswers(ctx context.Context, req gen.OnboardingVerificationsSubmitAnswersRequestObject) (gen.OnboardingVerificationsSubmitAnswersResponseObject, error) {
	v, err := s.visibleVerification(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	if err := v.Check(domain.ActionSubmitAnswers, s.clock.Now()); err != nil {
		return nil, err
	}
	st, err := s.checklistState(ctx, v)
	if err != nil {
		return nil, err
	}
	questions := map[uuid.UUID]checklist.Question{}
	for _, q := range st.content.Questions {
		questions[q.UUID] = q
	}
	// Validate every item first: one invalid item stores nothing, and the
	// 400 names each invalid item by its index.
	problems := map[string][]string{}
	seen := map[uuid.UUID]bool{}
	var changes []store.AnswerChange
	for i, item := range *req.Body {
		field := fmt.Sprintf("%d.", i)
		q, ok := questions[item.QuestionUUID]
		switch {
		case !ok:
			problems[field+"question_uuid"] = []string{"Not a question of this verification's checklist."}
			continue
		case seen[q.UUID]:
			problems[field+"question_uuid"] = []string{"This question is answered twice in the batch."}
			continue
		}
		seen[q.UUID] = true
		if string(item.AnswerData) == "null" || len(item.AnswerData) == 0 {
			changes = append(changes, store.AnswerChange{Question: q.UUID})
			delete(st.values, q.UUID)
			continue
		}
		value, err := checklist.ValidateAnswer(q, item.AnswerData)
		if err != nil {
			problems[field+"answer_data"] = []string{fmt.Sprintf("%q: %v", q.Description, err)}
			continue
		}
		change := storable(q.UUID, value)
		decoded := decodeAny(change.Data)
		change.RequiresReview = checklist.RequiresReview(q, decoded)
		st.values[q.UUID] = decoded
		changes = append(changes, change)
	}
	if len(problems) > 0 {
		return nil, &domain.Error{Code: domain.EInvalid, Fields: problems}
	}
	// Metadata speaks for the visible questions only: an answer to a question
	// that no longer applies says nothing about the customer.
	visible := checklist.Visible(st.content.Questions, st.content.Dependencies, st.values)
	var shown []checklist.Question
	for _, q := range st.content.Questions {
		if visible[q.UUID] {
			shown = append(shown, q)
		}
	}
	meta, customerData := checklist.Metadata(shown, st.values)
	v.OnboardingMetadata, v.UserSubmittedCustomerData = domain.MustJSON(meta), domain.MustJSON(customerData)
	if err := s.store.SaveAnswers(ctx, st.completion, currentUser(ctx).ID, changes, v); err != nil {
		return nil, err
	}
	return gen.OnboardingVerificationsSubmitAnswers200JSONResponse{Detail: "Answers saved.", Completion: st.completionBody()}, nil
}

// storable turns a validated answer into what is stored: files become
// references to their stored content.
func storable(question uuid.UUID, value any) store.AnswerChange {
	ref := func(f checklist.File) (store.StoredFile, map[string]any) {
		sf := store.StoredFile{UUID: uuid.New(), File: f}
		return sf, map[string]any{"name": f.Name, "size": f.Size, "mime_type": f.MimeType, "stored_file_id": sf.UUID}
	}
	change := store.AnswerChange{Question: question}
	switch v := value.(type) {
	case checklist.File:
		sf, data := ref(v)
		change.Files, change.Data = []store.StoredFile{sf}, domain.MustJSON(data)
	case []checklist.File:
		refs := []map[string]any{}
		for _, f := range v {
			sf, data := ref(f)
			change.Files = append(change.Files, sf)
			refs = append(refs, data)
		}
		change.Data = domain.MustJSON(refs)
	default:
		change.Data = domain.MustJSON(v)
	}
	return change
}

func options(q checklist.Question) []gen.QuestionOption {
	out := make([]gen.QuestionOption, len(q.Options))
	for i, o := range q.Options {
		out[i] = gen.QuestionOption{UUID: o.UUID, Label: o.Label, Order: o.Order}
	}
	return out
}

func rawJSON(v any) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	return json.RawMessage(domain.MustJSON(v))
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func decimalString(d *decimal.Decimal) *string {
	if d == nil {
		return nil
	}
	s := d.String()
	return &s
}
