package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
	"github.com/onboarding-kyb/onboarding/store"
)

// documentRules limit justification documents: what a reviewer can open.
var documentRules = checklist.FileRules{
	Extensions: []string{".pdf", ".png", ".jpg", ".jpeg"},
	MimeTypes:  []string{"application/pdf", "image/png", "image/jpeg"},
	MaxSizeMB:  new(10),
}

func (s *Server) OnboardingJustificationsCreate(ctx context.Context, req gen.OnboardingJustificationsCreateRequestObject) (gen.OnboardingJustificationsCreateResponseObject, error) {
	u := currentUser(ctx)
	v, err := s.store.Verification(ctx, req.Body.VerificationUUID)
	if err == nil && v.UserID != u.ID {
		err = &domain.Error{Code: domain.ENotFound, Detail: "Not found."} // only one's own verification can be justified
	}
	if err != nil {
		return nil, err
	}
	if err := v.Check(domain.ActionJustify, s.clock.Now()); err != nil {
		return nil, err
	}
	j := &domain.Justification{Verification: v.UUID, UserID: u.ID, UserJustification: strings.TrimSpace(req.Body.UserJustification)}
	if j.UserJustification == "" {
		return nil, domain.FieldError("user_justification", "This field may not be blank.")
	}
	if err := s.store.CreateJustification(ctx, j, v); err != nil {
		return nil, err
	}
	j.Documents = []domain.Document{}
	return gen.OnboardingJustificationsCreate201JSONResponse(justificationAPI(j)), nil
}

func (s *Server) OnboardingJustificationsList(ctx context.Context, req gen.OnboardingJustificationsListRequestObject) (gen.OnboardingJustificationsListResponseObject, error) {
	var f domain.JustificationFilter
	if u := currentUser(ctx); !u.CanSeeAll() {
		f.OwnerID = &u.ID
	}
	body, total, link, err := paginate(ctx, req.Params.Page, req.Params.PageSize, func(offset, limit int) ([]domain.Justification, int, error) {
		f.Offset, f.Limit = offset, limit
		return s.store.ListJustifications(ctx, f)
	}, justificationAPI)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingJustificationsList200JSONResponse{Body: body, Headers: gen.OnboardingJustificationsList200ResponseHeaders{XResultCount: total, Link: link}}, nil
}

func (s *Server) OnboardingJustificationsAttachDocument(ctx context.Context, req gen.OnboardingJustificationsAttachDocumentRequestObject) (gen.OnboardingJustificationsAttachDocumentResponseObject, error) {
	j, err := s.ownJustification(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	if j.Decision != domain.DecisionPending {
		return nil, domain.Errorf(domain.EConflict, "This justification has already been decided; documents can no longer be added.")
	}
	name, content, err := formFile(req.Body, "file", int64(*documentRules.MaxSizeMB)<<20, currentRequest(ctx).ContentLength)
	if err != nil {
		return nil, err
	}
	f, err := checklist.CheckFile(documentRules, name, content)
	if err != nil {
		return nil, domain.FieldError("file", err.Error())
	}
	quota := store.DocumentQuota{Count: s.cfg.MaxDocuments, Bytes: s.cfg.MaxDocumentsSum}
	if err := s.store.AttachDocument(ctx, j.UUID, store.StoredFile{UUID: uuid.New(), File: f}, quota); err != nil {
		return nil, err
	}
	if j, err = s.store.Justification(ctx, j.UUID); err != nil {
		return nil, err
	}
	return gen.OnboardingJustificationsAttachDocument200JSONResponse(justificationAPI(j)), nil
}

// formFile reads the named file field of a multipart body as it streams
// in, into one buffer of at most limit+1 bytes (one more tells "too big"),
// sized from the body's length when known; other parts are skipped unread.
func formFile(r *multipart.Reader, field string, limit, bodyLength int64) (string, []byte, error) {
	for {
		part, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, domain.FieldError(field, "No file was submitted.")
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, tooBig
		}
		if err != nil {
			return "", nil, domain.Errorf(domain.EInvalid, "The multipart body cannot be read: %v", err)
		}
		if part.FormName() != field {
			continue
		}
		var buf bytes.Buffer
		buf.Grow(int(min(max(bodyLength, 0), limit) + bytes.MinRead))
		_, err = buf.ReadFrom(io.LimitReader(part, limit+1))
		if err == nil && int64(buf.Len()) > limit {
			// Past the file's limit: a body past its own limit too is 413.
			_, err = io.Copy(io.Discard, part)
		}
		if errors.As(err, &tooBig) {
			return "", nil, tooBig
		}
		if err != nil {
			return "", nil, domain.Errorf(domain.EInvalid, "The file cannot be read: %v", err)
		}
		return part.FileName(), buf.Bytes(), nil
	}
}

// ownJustification loads a justification its author may act on.
func (s *Server) ownJustification(ctx context.Context, id uuid.UUID) (*domain.Justification, error) {
	j, err := s.store.Justification(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.UserID != currentUser(ctx).ID {
		return nil, &domain.Error{Code: domain.ENotFound, Detail: "Not found."}
	}
	return j, nil
}

func (s *Server) OnboardingJustificationsApprove(ctx context.Context, req gen.OnboardingJustificationsApproveRequestObject) (gen.OnboardingJustificationsApproveResponseObject, error) {
	j, err := s.decide(ctx, req.UUID, deref(req.Body.StaffNotes, ""), domain.DecisionApproved)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingJustificationsApprove200JSONResponse(justificationAPI(j)), nil
}

func (s *Server) OnboardingJustificationsReject(ctx context.Context, req gen.OnboardingJustificationsRejectRequestObject) (gen.OnboardingJustificationsRejectResponseObject, error) {
	j, err := s.decide(ctx, req.UUID, deref(req.Body.StaffNotes, ""), domain.DecisionRejected)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingJustificationsReject200JSONResponse(justificationAPI(j)), nil
}

// decide records a staff decision: approved verifies the verification
// (its validation_method stays), rejected fails it.
func (s *Server) decide(ctx context.Context, id uuid.UUID, notes, decision string) (*domain.Justification, error) {
	u := currentUser(ctx)
	j, err := s.store.Justification(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.Decision != domain.DecisionPending {
		return nil, domain.Errorf(domain.EConflict, "This justification has already been %s.", j.Decision)
	}
	v, err := s.store.Verification(ctx, j.Verification)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	action := domain.ActionReject
	if decision == domain.DecisionApproved {
		action = domain.ActionApprove
	}
	if err := v.Check(action, now); err != nil {
		return nil, err
	}
	if j.Country != v.Country || j.LegalPersonIdentifier != v.LegalPersonIdentifier {
		return nil, domain.Errorf(domain.EConflict, "This justification was written for registration code %q in %s; the verification is now for %q in %s.",
			j.LegalPersonIdentifier, j.Country, v.LegalPersonIdentifier, v.Country)
	}
	ev := &domain.Event{ActorID: &u.ID, OldStatus: v.Status, Reason: strings.TrimSpace(notes)}
	switch decision {
	case domain.DecisionApproved:
		if existing, err := s.store.CustomerByCode(ctx, v.LegalPersonIdentifier, v.Country); err == nil {
			return nil, domain.Errorf(domain.EConflict, "A customer with registration code %s in %s already exists: customer %s.", v.LegalPersonIdentifier, v.Country, existing.UUID)
		} else if domain.CodeOf(err) != domain.ENotFound {
			return nil, err
		}
		v.Status, v.ValidatedAt, v.ErrorMessage, v.ErrorTraceback = domain.StatusVerified, &now, "", ""
		ev.Kind = domain.EventApproved
	default:
		v.Status, v.ValidatedAt = domain.StatusFailed, nil
		v.ErrorMessage, v.ErrorTraceback = "REJECTED", "A staff member reviewed the case and rejected it."
		ev.Kind = domain.EventRejected
	}
	v.ErasePerson() // a decision is final: no register check is left to make
	ev.NewStatus = v.Status
	j.Decision, j.StaffNotes, j.ReviewerID, j.ReviewedAt, j.Modified = decision, strings.TrimSpace(notes), &u.ID, &now, now
	if err := s.store.Decide(ctx, j, v, ev); err != nil {
		return nil, err
	}
	j.VerificationStatus = v.Status
	return j, nil
}

func justificationAPI(j *domain.Justification) gen.Justification {
	out := gen.Justification{
		UUID: j.UUID, VerificationUUID: j.Verification, VerificationStatus: gen.VerificationStatus(j.VerificationStatus),
		Country: j.Country, LegalPersonIdentifier: j.LegalPersonIdentifier,
		User: int(j.UserID), UserJustification: j.UserJustification, Decision: gen.JustificationDecision(j.Decision),
		StaffNotes: j.StaffNotes, ReviewedAt: j.ReviewedAt, Created: j.Created, Modified: j.Modified,
		Documents: []gen.JustificationDocument{},
	}
	if j.ReviewerID != nil {
		out.Reviewer = new(int(*j.ReviewerID))
	}
	for _, d := range j.Documents {
		out.Documents = append(out.Documents, gen.JustificationDocument{UUID: d.UUID, Name: d.Name, Size: int(d.Size), MimeType: d.MimeType, Created: d.Created})
	}
	return out
}
