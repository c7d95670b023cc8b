package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
	"github.com/onboarding-kyb/onboarding/validators"
)

// caseView is the case page.
type caseView struct {
	ID                            string
	ActionURL, QueueURL, Back     string
	PrevURL, NextURL              string
	Status, ErrorCode, ErrorText  string
	Method                        string
	Created                       time.Time
	ValidatedAt                   *time.Time
	Sandbox, Outage               bool
	Claimed                       struct{ Name, Code, Country string }
	Register                      validators.Company
	Roles                         []validators.Role
	Raw                           string
	Owner                         string
	Assignee                      string
	AssignedToMe                  bool
	Reviewers                     []domain.User
	CanRerun, CanCreateCustomer   bool
	Checklist                     *checklistView
	Justifications                []justificationView
	Events                        []eventView
	Customer                      *domain.Customer
	ApproveReasons, RejectReasons []string
}

type checklistView struct {
	Completed bool
	Percent   string
	Questions []answerView
}

type answerView struct {
	Question, Answer                   string
	Required, Answered, RequiresReview bool
}

type justificationView struct {
	ID, ActionURL, Text, Decision, Reviewer, Notes string
	Created                                        time.Time
	ReviewedAt                                     *time.Time
	Pending                                        bool
	Documents                                      []documentView
}

type documentView struct {
	Name, MimeType, URL string
	Size                int64
	Inline              bool
}

type eventView struct {
	Kind, Actor, Change, Reason string
	Created                     time.Time
}

// flashes are the messages a redirect after an action names (?done=).
var flashes = map[string]string{
	"claimed": "You are reviewing this case.", "assigned": "The case is assigned.",
	"rerun": "The register was asked again.", "customer": "The customer was created.",
	"approved": "Approved.", "approved-customer": "Approved, and the customer was created.",
	"rejected": "Rejected.", "empty": "That was the last case of the queue.",
}

func (s *Server) casePage(c echo.Context) error {
	return s.showCase(c, http.StatusOK, "")
}

// showCase renders the case page with status, and problem as its error.
func (s *Server) showCase(c echo.Context, status int, problem string) error {
	ctx := c.Request().Context()
	u := currentUser(ctx)
	id, err := uuid.Parse(c.Param("uuid"))
	if err != nil {
		return s.consoleError(c, u, &domain.Error{Code: domain.ENotFound, Detail: "Not found."})
	}
	now := s.clock.Now()
	k, err := s.store.Case(ctx, id, now.Add(-s.cfg.ClaimTimeout))
	if err != nil {
		return s.consoleError(c, u, err)
	}
	form := readQueueForm(c.QueryParams())
	form.Page = 1
	back := form.query().Encode()
	v := &k.Verification
	shown := renderVerification(v, true, now) // staff and support see names
	view := &caseView{ID: id.String(), ActionURL: "/console/cases/" + id.String(), Back: back,
		QueueURL: "/console/?" + back, Status: v.Status, ErrorCode: v.ErrorMessage, ErrorText: v.ErrorTraceback,
		Method: deref(v.ValidationMethod, ""), Created: v.Created, ValidatedAt: v.ValidatedAt,
		Outage: domain.Retryable(v.ErrorMessage), ApproveReasons: s.cfg.ApproveReasons, RejectReasons: s.cfg.RejectReasons,
		CanRerun: v.Check(domain.ActionRun, now) == nil, CanCreateCustomer: v.Check(domain.ActionCreateCustomer, now) == nil}
	view.Claimed.Name, view.Claimed.Code, view.Claimed.Country = v.LegalName, v.LegalPersonIdentifier, v.Country
	_ = json.Unmarshal(v.VerifiedCompanyData, &view.Register)
	_ = json.Unmarshal(v.VerifiedUserRoles, &view.Roles)
	var raw map[string]any
	if json.Unmarshal(shown.RawResponse, &raw) == nil {
		view.Sandbox, _ = raw["sandbox"].(bool)
	}
	if pretty, err := json.MarshalIndent(json.RawMessage(shown.RawResponse), "", "  "); err == nil {
		view.Raw = string(pretty)
	}
	if k.Assignee != nil {
		view.Assignee, view.AssignedToMe = *k.Assignee, *k.AssigneeID == u.ID
	}
	for forward, dst := range map[bool]*string{true: &view.NextURL, false: &view.PrevURL} {
		next, err := s.store.QueueNeighbour(ctx, s.filter(form, u), k, forward)
		if err != nil {
			return s.consoleError(c, u, err)
		}
		if next != uuid.Nil {
			*dst = caseURL(next.String(), back)
		}
	}
	if view.Reviewers, err = s.store.Reviewers(ctx); err != nil {
		return s.consoleError(c, u, err)
	}
	if view.Checklist, err = s.caseChecklist(c, id); err != nil {
		return s.consoleError(c, u, err)
	}
	justifications, _, err := s.store.ListJustifications(ctx, domain.JustificationFilter{Verification: &id, Limit: 100})
	if err != nil {
		return s.consoleError(c, u, err)
	}
	events, err := s.store.Events(ctx, id)
	if err != nil {
		return s.consoleError(c, u, err)
	}
	ids := []int64{v.UserID}
	for _, j := range justifications {
		if j.ReviewerID != nil {
			ids = append(ids, *j.ReviewerID)
		}
	}
	for _, ev := range events {
		if ev.ActorID != nil {
			ids = append(ids, *ev.ActorID)
		}
	}
	names, err := s.store.Usernames(ctx, ids)
	if err != nil {
		return s.consoleError(c, u, err)
	}
	view.Owner = names[v.UserID]
	for _, j := range justifications {
		jv := justificationView{ID: j.UUID.String(), ActionURL: "/console/justifications/" + j.UUID.String() + "/decide",
			Text: j.UserJustification, Decision: j.Decision, Notes: j.StaffNotes, Created: j.Created, ReviewedAt: j.ReviewedAt,
			Pending: j.Decision == domain.DecisionPending}
		if j.ReviewerID != nil {
			jv.Reviewer = names[*j.ReviewerID]
		}
		for _, d := range j.Documents {
			jv.Documents = append(jv.Documents, documentView{Name: d.Name, MimeType: d.MimeType, Size: d.Size, Inline: inlineType(d.MimeType),
				URL: "/console/justifications/" + j.UUID.String() + "/documents/" + d.UUID.String()})
		}
		view.Justifications = append(view.Justifications, jv)
	}
	for _, ev := range events {
		e := eventView{Kind: ev.Kind, Reason: ev.Reason, Created: ev.Created}
		if ev.ActorID != nil {
			e.Actor = names[*ev.ActorID]
		}
		if ev.OldStatus != ev.NewStatus {
			e.Change = strings.TrimSpace(ev.OldStatus + " → " + ev.NewStatus)
		}
		view.Events = append(view.Events, e)
	}
	if v.CustomerID != nil {
		if view.Customer, err = s.store.CustomerByID(ctx, *v.CustomerID); err != nil {
			return s.consoleError(c, u, err)
		}
	}
	name := v.LegalName
	if name == "" {
		name = "Case " + id.String()[:8]
	}
	return s.render(c, status, "case", page{Title: name, Case: view, Error: problem, Flash: flashes[c.QueryParam("done")]})
}

// caseChecklist is the case's checklist as the API's checklist operation
// reads it (review flags included, for staff and support); nil when its
// country has none.
func (s *Server) caseChecklist(c echo.Context, id uuid.UUID) (*checklistView, error) {
	res, err := s.OnboardingVerificationsChecklistRetrieve(c.Request().Context(), gen.OnboardingVerificationsChecklistRetrieveRequestObject{UUID: id})
	if err == errNoChecklist {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cl := res.(gen.OnboardingVerificationsChecklistRetrieve200JSONResponse)
	out := &checklistView{Completed: cl.Completion.IsCompleted, Percent: strconv.FormatFloat(cl.Completion.CompletionPercentage, 'f', -1, 64)}
	for _, q := range cl.Questions {
		a := answerView{Question: q.Description, Required: q.Required}
		if q.ExistingAnswer != nil {
			a.Answered, a.Answer = true, answerText(q, q.ExistingAnswer.AnswerData)
			a.RequiresReview = q.ExistingAnswer.RequiresReview != nil && *q.ExistingAnswer.RequiresReview
		}
		out.Questions = append(out.Questions, a)
	}
	return out, nil
}

// answerText shows an answer: option labels for select questions, a
// file's name, the JSON value otherwise.
func answerText(q gen.ChecklistQuestion, data json.RawMessage) string {
	var chosen []string
	if json.Unmarshal(data, &chosen) == nil && len(q.QuestionOptions) > 0 {
		var labels []string
		for _, o := range q.QuestionOptions {
			if slices.Contains(chosen, o.UUID.String()) {
				labels = append(labels, o.Label)
			}
		}
		return strings.Join(labels, ", ")
	}
	var text string
	if json.Unmarshal(data, &text) == nil {
		return text
	}
	var file struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(data, &file) == nil && file.Name != "" {
		return "file: " + file.Name
	}
	return string(data)
}

// inlineType: only PDF and images are shown in the browser; the rest
// downloads.
func inlineType(mime string) bool {
	return mime == "application/pdf" || mime == "image/png" || mime == "image/jpeg"
}

// registerName is the company's name as the register gave it.
func registerName(v *domain.Verification) string {
	var company validators.Company
	_ = json.Unmarshal(v.VerifiedCompanyData, &company)
	return company.Name
}

// --- actions ---

// afterAction returns to the case (carrying its queue) with a message.
func afterAction(c echo.Context, id, done string) error {
	q, _ := url.ParseQuery(c.FormValue("back"))
	form := readQueueForm(q)
	form.Page = 1
	q = form.query()
	q.Set("done", done)
	return c.Redirect(http.StatusSeeOther, caseURL(id, q.Encode()))
}

// actionFailed shows the case again with what went wrong.
func (s *Server) actionFailed(c echo.Context, err error) error {
	status, body := errorBody(err)
	if status >= 500 {
		return s.consoleError(c, currentUser(c.Request().Context()), err)
	}
	s.restoreQueue(c)
	return s.showCase(c, status, firstMessage(body))
}

// restoreQueue puts the form's back (the queue) into the request's query,
// so a page shown after a POST keeps its queue.
func (s *Server) restoreQueue(c echo.Context) {
	c.Request().URL.RawQuery = c.FormValue("back")
}

func (s *Server) claimCase(c echo.Context) error {
	u := currentUser(c.Request().Context())
	if err := s.assign(c, u.ID); err != nil {
		return s.actionFailed(c, err)
	}
	return afterAction(c, c.Param("uuid"), "claimed")
}

func (s *Server) assignCase(c echo.Context) error {
	ctx := c.Request().Context()
	to, err := strconv.ParseInt(c.FormValue("user"), 10, 64)
	if err != nil {
		return s.actionFailed(c, domain.FieldError("user", "Choose a staff member."))
	}
	reviewers, err := s.store.Reviewers(ctx)
	if err != nil {
		return s.actionFailed(c, err)
	}
	if !slices.ContainsFunc(reviewers, func(r domain.User) bool { return r.ID == to }) {
		return s.actionFailed(c, domain.FieldError("user", "Cases go to active staff members only."))
	}
	if err := s.assign(c, to); err != nil {
		return s.actionFailed(c, err)
	}
	return afterAction(c, c.Param("uuid"), "assigned")
}

// assign gives the case to user, on behalf of the signed-in reviewer.
func (s *Server) assign(c echo.Context, user int64) error {
	id, err := uuid.Parse(c.Param("uuid"))
	if err != nil {
		return &domain.Error{Code: domain.ENotFound, Detail: "Not found."}
	}
	me := currentUser(c.Request().Context())
	return s.store.AssignCase(c.Request().Context(), id, user, me.ID, s.clock.Now().Add(-s.cfg.ClaimTimeout))
}

func (s *Server) rerunCase(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := uuid.Parse(c.Param("uuid"))
	if err != nil {
		return s.actionFailed(c, &domain.Error{Code: domain.ENotFound, Detail: "Not found."})
	}
	if _, err := s.runValidation(ctx, id); err != nil {
		return s.actionFailed(c, err)
	}
	return afterAction(c, id.String(), "rerun")
}

func (s *Server) createCaseCustomer(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := uuid.Parse(c.Param("uuid"))
	if err != nil {
		return s.actionFailed(c, &domain.Error{Code: domain.ENotFound, Detail: "Not found."})
	}
	v, err := s.store.Verification(ctx, id)
	if err == nil {
		_, err = s.createCustomer(ctx, v)
	}
	if err != nil {
		return s.actionFailed(c, err)
	}
	return afterAction(c, id.String(), "customer")
}

// decideJustification approves or rejects a justification with a reason
// from the configured list and a note (required on reject); the API's
// staff_notes carry both. Approving can create the customer at once. Then
// the next case of the same queue opens.
func (s *Server) decideJustification(c echo.Context) error {
	ctx := c.Request().Context()
	jid, err := uuid.Parse(c.Param("uuid"))
	if err != nil {
		return s.consoleError(c, currentUser(ctx), &domain.Error{Code: domain.ENotFound, Detail: "Not found."})
	}
	j, err := s.store.Justification(ctx, jid)
	if err != nil {
		return s.consoleError(c, currentUser(ctx), err)
	}
	c.SetParamNames("uuid")
	c.SetParamValues(j.Verification.String()) // errors show the case page
	decision, reason, note := c.FormValue("decision"), c.FormValue("reason"), strings.TrimSpace(c.FormValue("note"))
	reasons := s.cfg.RejectReasons
	if decision == domain.DecisionApproved {
		reasons = s.cfg.ApproveReasons
	} else if decision != domain.DecisionRejected {
		return s.actionFailed(c, domain.FieldError("decision", "Approve or reject."))
	}
	switch {
	case !slices.Contains(reasons, reason):
		return s.actionFailed(c, domain.FieldError("reason", "Choose one of the listed reasons."))
	case decision == domain.DecisionRejected && note == "":
		return s.actionFailed(c, domain.FieldError("note", "Say why, for the user: a rejection needs a note."))
	}
	notes := reason
	if note != "" {
		notes += ": " + note
	}
	if _, err := s.decide(ctx, jid, notes, decision); err != nil {
		return s.actionFailed(c, err)
	}
	done := decision
	if decision == domain.DecisionApproved && c.FormValue("create_customer") != "" {
		v, err := s.store.Verification(ctx, j.Verification)
		if err == nil {
			_, err = s.createCustomer(ctx, v)
		}
		if err != nil {
			_, body := errorBody(err)
			s.restoreQueue(c)
			return s.showCase(c, http.StatusOK, "Approved, but the customer could not be created: "+firstMessage(body))
		}
		done = "approved-customer"
	}
	return s.nextCase(c, j.Verification, done)
}

// nextCase opens the case after id in the queue the decision was made
// from, or the queue when it was the last.
func (s *Server) nextCase(c echo.Context, id uuid.UUID, done string) error {
	ctx := c.Request().Context()
	u := currentUser(ctx)
	q, _ := url.ParseQuery(c.FormValue("back"))
	form := readQueueForm(q)
	form.Page = 1
	k, err := s.store.Case(ctx, id, s.clock.Now().Add(-s.cfg.ClaimTimeout))
	if err != nil {
		return s.consoleError(c, u, err)
	}
	next, err := s.store.QueueNeighbour(ctx, s.filter(form, u), k, true)
	if err != nil {
		return s.consoleError(c, u, err)
	}
	back := form.query()
	back.Set("done", done)
	if next == uuid.Nil {
		back.Set("done", "empty")
		return c.Redirect(http.StatusSeeOther, "/console/?"+back.Encode())
	}
	return c.Redirect(http.StatusSeeOther, caseURL(next.String(), back.Encode()))
}

// document serves a justification's document: PDF and images inline in a
// sandbox (no script of the file can run with the console's rights), the
// rest, and any ?download, as an attachment.
func (s *Server) document(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(ctx)
	jid, err1 := uuid.Parse(c.Param("uuid"))
	fid, err2 := uuid.Parse(c.Param("file"))
	if err1 != nil || err2 != nil {
		return s.consoleError(c, u, &domain.Error{Code: domain.ENotFound, Detail: "Not found."})
	}
	f, err := s.store.Document(ctx, jid, fid)
	if err != nil {
		return s.consoleError(c, u, err)
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "sandbox")
	disposition := "inline"
	if !inlineType(f.MimeType) || c.QueryParams().Has("download") {
		disposition = "attachment"
	}
	h.Set(echo.HeaderContentDisposition, disposition+`; filename="`+strings.NewReplacer(`"`, "", "\r", "", "\n", "", `\`, "").Replace(f.Name)+`"`)
	return c.Blob(http.StatusOK, f.MimeType, f.Content)
}
