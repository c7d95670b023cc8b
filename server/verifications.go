package server

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/text/language"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
	"github.com/onboarding-kyb/onboarding/validators"
)

var errForbidden = domain.Errorf(domain.EForbidden, "You do not have permission to perform this action.")

func (s *Server) OnboardingVerificationsList(ctx context.Context, req gen.OnboardingVerificationsListRequestObject) (gen.OnboardingVerificationsListResponseObject, error) {
	p := req.Params
	f := domain.VerificationFilter{
		Country:               deref(p.Country, ""),
		LegalPersonIdentifier: deref(p.LegalPersonIdentifier, ""),
		LegalName:             deref(p.LegalName, ""),
		Ordering:              string(deref(p.O, "-created")),
		Status:                string(deref(p.Status, "")),
	}
	if p.User != nil {
		id := int64(*p.User)
		f.UserID = &id
	}
	if u := currentUser(ctx); !u.CanSeeAll() {
		f.OwnerID = &u.ID
	}
	cursor := deref(p.Cursor, "")
	offset, size, err := pageSpan(p.Page, p.PageSize, cursor)
	if err != nil {
		return nil, err
	}
	f.After, f.Offset, f.Limit = cursor, offset, size
	page, err := s.store.ListVerifications(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(page.Rows) == 0 && offset > 0 {
		return nil, errInvalidPage
	}
	body := make([]gen.OnboardingVerification, len(page.Rows))
	for i := range page.Rows {
		body[i] = s.toAPI(ctx, &page.Rows[i])
	}
	return gen.OnboardingVerificationsList200JSONResponse{Body: body, Headers: gen.OnboardingVerificationsList200ResponseHeaders{
		XResultCount: page.Total, Link: keysetLinks(ctx, p.Page, size, s.cfg.PageWindow, cursor, page)}}, nil
}

func (s *Server) OnboardingVerificationsRetrieve(ctx context.Context, req gen.OnboardingVerificationsRetrieveRequestObject) (gen.OnboardingVerificationsRetrieveResponseObject, error) {
	v, err := s.store.ShownVerification(ctx, req.UUID)
	if err == nil {
		err = s.mayView(ctx, v)
	}
	if err != nil {
		return nil, err
	}
	return gen.OnboardingVerificationsRetrieve200JSONResponse(s.toAPI(ctx, v)), nil
}

func (s *Server) OnboardingVerificationsCreate(ctx context.Context, req gen.OnboardingVerificationsCreateRequestObject) (gen.OnboardingVerificationsCreateResponseObject, error) {
	b := req.Body
	v := &domain.Verification{
		Status:                domain.StatusPending,
		LegalPersonIdentifier: strings.TrimSpace(deref(b.LegalPersonIdentifier, "")),
		LegalName:             strings.TrimSpace(deref(b.LegalName, "")),
		LEI:                   strings.TrimSpace(deref(b.Lei, "")),
	}
	if err := s.checkFields(ctx, v, int64(b.User), b.Country); err != nil {
		return nil, err
	}
	expires := s.clock.Now().Add(s.cfg.VerificationTTL)
	v.ExpiresAt = &expires
	if b.ExpiresAt != nil {
		if err := s.checkExpiryChange(ctx); err != nil {
			return nil, err
		}
		v.ExpiresAt = utcMicros(b.ExpiresAt)
	}
	if err := s.store.CreateVerification(ctx, v, currentUser(ctx).ID); err != nil {
		return nil, err
	}
	return gen.OnboardingVerificationsCreate201JSONResponse(s.toAPI(ctx, v)), nil
}

func (s *Server) OnboardingVerificationsUpdate(ctx context.Context, req gen.OnboardingVerificationsUpdateRequestObject) (gen.OnboardingVerificationsUpdateResponseObject, error) {
	b := req.Body
	v, err := s.visibleVerification(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	before := *v
	// PUT replaces every writable field; omitted optional ones become empty.
	v.LegalPersonIdentifier = strings.TrimSpace(deref(b.LegalPersonIdentifier, ""))
	v.LegalName = strings.TrimSpace(deref(b.LegalName, ""))
	v.LEI = strings.TrimSpace(deref(b.Lei, ""))
	// Only staff replace the expiry; others keep it by leaving it out.
	if b.ExpiresAt != nil || currentUser(ctx).IsStaff {
		v.ExpiresAt = utcMicros(b.ExpiresAt)
	}
	if err := s.checkFields(ctx, v, int64(b.User), b.Country); err != nil {
		return nil, err
	}
	if err := s.saveEdit(ctx, v, before); err != nil {
		return nil, err
	}
	return gen.OnboardingVerificationsUpdate200JSONResponse(s.toAPI(ctx, v)), nil
}

func (s *Server) OnboardingVerificationsPartialUpdate(ctx context.Context, req gen.OnboardingVerificationsPartialUpdateRequestObject) (gen.OnboardingVerificationsPartialUpdateResponseObject, error) {
	b := req.Body
	v, err := s.visibleVerification(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	before := *v
	if b.LegalPersonIdentifier != nil {
		v.LegalPersonIdentifier = strings.TrimSpace(*b.LegalPersonIdentifier)
	}
	if b.LegalName != nil {
		v.LegalName = strings.TrimSpace(*b.LegalName)
	}
	if b.Lei != nil {
		v.LEI = strings.TrimSpace(*b.Lei)
	}
	if b.ExpiresAt.IsSpecified() {
		v.ExpiresAt = nil
		if !b.ExpiresAt.IsNull() {
			v.ExpiresAt = utcMicros(new(b.ExpiresAt.MustGet()))
		}
	}
	user, country := v.UserID, v.Country
	if b.User != nil {
		user = int64(*b.User)
	}
	if b.Country != nil {
		country = *b.Country
	}
	if err := s.checkFields(ctx, v, user, country); err != nil {
		return nil, err
	}
	if err := s.saveEdit(ctx, v, before); err != nil {
		return nil, err
	}
	return gen.OnboardingVerificationsPartialUpdate200JSONResponse(s.toAPI(ctx, v)), nil
}

func (s *Server) OnboardingVerificationsDestroy(ctx context.Context, req gen.OnboardingVerificationsDestroyRequestObject) (gen.OnboardingVerificationsDestroyResponseObject, error) {
	v, err := s.visibleVerification(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	if err := v.Check(domain.ActionDelete, s.clock.Now()); err != nil {
		return nil, err
	}
	if err := s.store.DeleteVerification(ctx, req.UUID, currentUser(ctx).ID); err != nil {
		return nil, err
	}
	return gen.OnboardingVerificationsDestroy204Response{}, nil
}

// saveEdit stores a PUT or PATCH, as the lifecycle table allows. A
// verification speaks for one company: when its country or code changes,
// what was found out about the old one no longer holds, so it goes back to
// pending with no outcome, and its pending justifications are superseded
// (store.UpdateVerification). Only staff change expires_at.
func (s *Server) saveEdit(ctx context.Context, v *domain.Verification, before domain.Verification) error {
	now := s.clock.Now()
	action := domain.ActionEdit
	if v.Country != before.Country || v.LegalPersonIdentifier != before.LegalPersonIdentifier || v.LEI != before.LEI {
		action = domain.ActionEditCompany
	}
	if err := before.Check(action, now); err != nil {
		return err
	}
	if !sameTime(v.ExpiresAt, before.ExpiresAt) {
		if err := s.checkExpiryChange(ctx); err != nil {
			return err
		}
		if v.ExpiresAt == nil && v.HasPerson() {
			return domain.FieldError("expires_at", "This verification holds person data for its register check, which is erased when it expires: it needs an expiry time.")
		}
	}
	var ev *domain.Event
	if action == domain.ActionEditCompany {
		v.Status = domain.StatusPending
		v.ResetOutcome()
		ev = &domain.Event{Kind: domain.EventUpdated, ActorID: &currentUser(ctx).ID, OldStatus: before.Status,
			NewStatus: v.Status, Reason: "the company was changed"}
	}
	return s.store.UpdateVerification(ctx, v, ev)
}

// checkExpiryChange refuses a change of expires_at by anyone but staff: the
// service sets it from ONBOARDING_VERIFICATION_TTL.
func (s *Server) checkExpiryChange(ctx context.Context) error {
	if !currentUser(ctx).IsStaff {
		return domain.Errorf(domain.EForbidden, "Only staff may set expires_at; the service sets it from ONBOARDING_VERIFICATION_TTL.")
	}
	return nil
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// visibleVerification loads a verification the current user may see.
// Others' rows are 404 to a regular user, so existence does not leak.
func (s *Server) visibleVerification(ctx context.Context, id uuid.UUID) (*domain.Verification, error) {
	v, err := s.store.Verification(ctx, id)
	if err != nil {
		return nil, err
	}
	return v, s.mayView(ctx, v)
}

// mayView: a verification of another user is not found for a regular
// user, so existence does not leak.
func (s *Server) mayView(ctx context.Context, v *domain.Verification) error {
	if u := currentUser(ctx); !u.CanSeeAll() && v.UserID != u.ID {
		return &domain.Error{Code: domain.ENotFound, Detail: "Not found."}
	}
	return nil
}

// checkFields sets v's owner and country after checking them and v's
// registration code: only staff act for another user, the user must exist,
// the country must be an ISO 3166-1 alpha-2 code, and the code must pass
// the country's check-digit rule.
func (s *Server) checkFields(ctx context.Context, v *domain.Verification, userID int64, country string) error {
	u := currentUser(ctx)
	if !u.IsStaff && userID != u.ID {
		return errForbidden
	}
	cc, err := normaliseCountry(country)
	if err != nil {
		return err
	}
	if userID != u.ID {
		ok, err := s.store.UserExists(ctx, userID)
		if err != nil {
			return err
		}
		if !ok {
			return domain.FieldError("user", fmt.Sprintf(`Invalid pk "%d" - object does not exist.`, userID))
		}
	}
	v.UserID, v.Country = userID, cc
	if v.LEI != "" {
		lei, err := validators.NormaliseLEI(v.LEI)
		if err != nil {
			return domain.FieldError("lei", validators.MessageOf(err))
		}
		v.LEI = lei
	}
	return s.checkCode(v)
}

var alpha2 = regexp.MustCompile(`^[A-Z]{2}$`)

// normaliseCountry upper-cases an ISO 3166-1 alpha-2 code and rejects
// anything that is not an assigned country, except XI: the EU's code for
// Northern Ireland, whose VAT numbers VIES checks.
func normaliseCountry(c string) (string, error) {
	cc := strings.ToUpper(strings.TrimSpace(c))
	if alpha2.MatchString(cc) {
		if r, err := language.ParseRegion(cc); cc == "XI" || (err == nil && r.IsCountry() && r.String() == cc) {
			return cc, nil
		}
	}
	return "", domain.FieldError("country", fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 country code.", c))
}

// toAPI renders a verification for the current user (see renderVerification).
func (s *Server) toAPI(ctx context.Context, v *domain.Verification) gen.OnboardingVerification {
	return renderVerification(v, currentUser(ctx).CanSeeAll(), s.clock.Now())
}

// renderVerification renders a verification: person data never leaves the
// service, the register's answer shows natural persons' names only
// withNames (to staff and support; validators.HideNames), and a
// verification past its time at now reads as expired (as the store reads
// it).
func renderVerification(v *domain.Verification, withNames bool, now time.Time) gen.OnboardingVerification {
	v.Expire(now)
	out := gen.OnboardingVerification{
		UUID:                  v.UUID,
		User:                  int(v.UserID),
		Country:               v.Country,
		LegalPersonIdentifier: v.LegalPersonIdentifier,
		LegalName:             v.LegalName,
		Lei:                   v.LEI,
		Status:                gen.VerificationStatus(v.Status),
		ErrorMessage:          v.ErrorMessage,
		ErrorTraceback:        v.ErrorTraceback,
		Created:               v.Created,
		Modified:              v.Modified,
		// The JSON columns go out as stored: this service wrote them, to
		// their schemas.
		VerifiedUserRoles:         jsonOr(v.VerifiedUserRoles, "[]"),
		VerifiedCompanyData:       jsonOr(v.VerifiedCompanyData, "{}"),
		RawResponse:               jsonOr(v.RawResponse, "{}"),
		OnboardingMetadata:        jsonOr(v.OnboardingMetadata, "{}"),
		UserSubmittedCustomerData: jsonOr(v.UserSubmittedCustomerData, "{}"),
	}
	if !withNames {
		out.RawResponse = validators.HideNames(out.RawResponse)
	}
	out.ValidationMethod = (*gen.ValidationMethod)(v.ValidationMethod)
	out.ValidatedAt, out.ExpiresAt = v.ValidatedAt, v.ExpiresAt
	if v.CustomerID != nil {
		out.Customer = new(int(*v.CustomerID))
	}
	return out
}

// jsonOr is j, or empty when j is unset (a new row before it is stored).
func jsonOr(j domain.JSON, empty string) json.RawMessage {
	if len(j) == 0 {
		return json.RawMessage(empty)
	}
	return json.RawMessage(j)
}

// utcMicros stores times as the databases keep them (see domain.Now).
func utcMicros(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
