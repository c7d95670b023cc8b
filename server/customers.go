package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/gen"
)

func (s *Server) OnboardingVerificationsCreateCustomer(ctx context.Context, req gen.OnboardingVerificationsCreateCustomerRequestObject) (gen.OnboardingVerificationsCreateCustomerResponseObject, error) {
	v, err := s.visibleVerification(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	c, err := s.createCustomer(ctx, v)
	if err != nil {
		return nil, err
	}
	return gen.OnboardingVerificationsCreateCustomer201JSONResponse(s.customerAPI(ctx, c)), nil
}

// createCustomer makes v's customer, the verification's owner its owner,
// for the API and the console alike.
func (s *Server) createCustomer(ctx context.Context, v *domain.Verification) (*domain.Customer, error) {
	// The checks, in the order a user fixes them.
	if err := v.Check(domain.ActionCreateCustomer, s.clock.Now()); err != nil {
		if v.CustomerID == nil {
			return nil, err
		}
		c, cerr := s.store.CustomerByID(ctx, *v.CustomerID)
		if cerr != nil {
			return nil, cerr
		}
		return nil, s.customerConflict(ctx, "A customer has already been created from this verification", c)
	}
	if _, err := s.completionOf(ctx, v); err == nil {
		st, err := s.checklistState(ctx, v)
		if err != nil {
			return nil, err
		}
		if !st.completionBody().IsCompleted {
			return nil, domain.Errorf(domain.EInvalid, "Complete the checklist first: some required questions have no answer (see completion_status).")
		}
	} else if err != errNoChecklist {
		return nil, err
	}
	c := customerFrom(v)
	if err := s.checkCustomer(ctx, c); err != nil {
		return nil, err
	}
	if existing, err := s.store.CustomerByCode(ctx, c.RegistrationCode, c.Country); err == nil {
		return nil, s.customerConflict(ctx, fmt.Sprintf("A customer with registration code %s in %s already exists", c.RegistrationCode, c.Country), existing)
	} else if domain.CodeOf(err) != domain.ENotFound {
		return nil, err
	}
	if err := s.store.CreateCustomer(ctx, c, v, currentUser(ctx).ID); err != nil {
		return nil, err
	}
	s.log(ctx).InfoContext(ctx, "customer created", "verification", v.UUID, "customer", c.UUID)
	return c, nil
}

// customerConflict is a 409 for an existing customer, naming it only to a
// caller who may see it.
func (s *Server) customerConflict(ctx context.Context, why string, c *domain.Customer) error {
	visible, err := s.canSeeCustomer(ctx, c)
	if err != nil {
		return err
	}
	if visible {
		return domain.Errorf(domain.EConflict, "%s: customer %s.", why, c.UUID)
	}
	return domain.Errorf(domain.EConflict, "%s.", why)
}

// canSeeCustomer: staff and support see every customer, others those they
// hold a role in.
func (s *Server) canSeeCustomer(ctx context.Context, c *domain.Customer) (bool, error) {
	if u := currentUser(ctx); !u.CanSeeAll() {
		return s.store.IsCustomerMember(ctx, c.ID, u.ID)
	}
	return true, nil
}

// checkCustomer refuses a customer that openapi.yaml's Customer schema
// refuses (a checklist answer longer than its field, say), naming the field,
// so no customer is stored that the API could not return.
func (s *Server) checkCustomer(ctx context.Context, c *domain.Customer) error {
	body, err := json.Marshal(s.customerAPI(ctx, c))
	if err != nil {
		return err
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return err
	}
	var bad *openapi3.SchemaError
	if err := s.customer.VisitJSON(doc, openapi3.VisitAsResponse()); errors.As(err, &bad) {
		return domain.Errorf(domain.EInvalid, "The customer's %s would be invalid (%s): correct the checklist answer it comes from with submit_answers, then try again.",
			strings.Join(bad.JSONPointer(), "."), bad.Reason)
	} else if err != nil {
		return err
	}
	return nil
}

// customerFrom builds the customer a verified verification describes: the
// register's data first, then what the user submitted in the checklist,
// then what they typed when starting.
func customerFrom(v *domain.Verification) *domain.Customer {
	var company struct{ Name, Address string }
	_ = json.Unmarshal(v.VerifiedCompanyData, &company)
	submitted := map[string]any{}
	_ = json.Unmarshal(v.UserSubmittedCustomerData, &submitted)
	text := func(field string) string {
		s, _ := submitted[field].(string)
		return s
	}
	c := &domain.Customer{
		Name:             firstNonEmpty(company.Name, text("name"), v.LegalName, v.LegalPersonIdentifier),
		RegistrationCode: v.LegalPersonIdentifier, Country: v.Country,
		Address:    firstNonEmpty(company.Address, text("address")),
		NativeName: text("native_name"), Abbreviation: text("abbreviation"), Description: text("description"),
		ContactDetails: text("contact_details"), AgreementNumber: text("agreement_number"), Email: text("email"),
		PhoneNumber: text("phone_number"), Homepage: text("homepage"), Domain: text("domain"), VATCode: text("vat_code"),
		Postal: text("postal"), BankName: text("bank_name"), BankAccount: text("bank_account"),
		NotificationEmails: text("notification_emails"), DefaultTaxPercent: "0.00",
	}
	for field, dst := range map[string]**float64{"latitude": &c.Latitude, "longitude": &c.Longitude} {
		if f, ok := submitted[field].(float64); ok {
			*dst = &f
		}
	}
	return c
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func (s *Server) CustomersList(ctx context.Context, req gen.CustomersListRequestObject) (gen.CustomersListResponseObject, error) {
	var f domain.CustomerFilter
	if u := currentUser(ctx); !u.CanSeeAll() {
		f.MemberID = &u.ID
	}
	body, total, link, err := paginate(ctx, req.Params.Page, req.Params.PageSize, func(offset, limit int) ([]domain.Customer, int, error) {
		f.Offset, f.Limit = offset, limit
		return s.store.ListCustomers(ctx, f)
	}, func(c *domain.Customer) gen.Customer { return s.customerAPI(ctx, c) })
	if err != nil {
		return nil, err
	}
	return gen.CustomersList200JSONResponse{Body: body, Headers: gen.CustomersList200ResponseHeaders{XResultCount: total, Link: link}}, nil
}

func (s *Server) CustomersRetrieve(ctx context.Context, req gen.CustomersRetrieveRequestObject) (gen.CustomersRetrieveResponseObject, error) {
	c, err := s.store.Customer(ctx, req.UUID)
	if err != nil {
		return nil, err
	}
	if visible, err := s.canSeeCustomer(ctx, c); err != nil {
		return nil, err
	} else if !visible {
		return nil, &domain.Error{Code: domain.ENotFound, Detail: "Not found."}
	}
	return gen.CustomersRetrieve200JSONResponse(s.customerAPI(ctx, c)), nil
}

// customerAPI renders a customer; relations this service does not own are
// empty, counts are real.
func (s *Server) customerAPI(ctx context.Context, c *domain.Customer) gen.Customer {
	toInt := func(p *int64) *int {
		if p == nil {
			return nil
		}
		return new(int(*p))
	}
	accounting := c.Created // Waldur's default: the customer's creation
	if c.AccountingStartDate != nil {
		accounting = *c.AccountingStartDate
	}
	// Every declared field, as Django REST Framework sends them: "" for blank
	// text, null for unset numbers and links, [] for empty relations.
	return gen.Customer{
		URL:  absoluteURL(ctx, "/api/customers/"+c.UUID.String()+"/"),
		UUID: c.UUID, Created: c.Created, Name: c.Name, DisplayName: c.Name,
		Slug: c.Slug, NativeName: c.NativeName, Abbreviation: c.Abbreviation,
		Description: c.Description, ContactDetails: c.ContactDetails,
		AgreementNumber: c.AgreementNumber, Email: c.Email, PhoneNumber: c.PhoneNumber,
		RegistrationCode: c.RegistrationCode, Homepage: c.Homepage, Domain: c.Domain,
		VatCode: c.VATCode, Postal: c.Postal, Address: c.Address,
		BankName: c.BankName, BankAccount: c.BankAccount, Latitude: c.Latitude, Longitude: c.Longitude,
		Country: c.Country, CountryName: countryName(c.Country), AccessSubnets: c.AccessSubnets,
		NotificationEmails: c.NotificationEmails, BackendID: c.BackendID,
		Blocked: c.Blocked, Archived: c.Archived, DefaultTaxPercent: c.DefaultTaxPercent,
		AccountingStartDate: accounting, SponsorNumber: toInt(c.SponsorNumber),
		MaxServiceAccounts: toInt(c.MaxServiceAccounts), GracePeriodDays: toInt(c.GracePeriodDays),
		UsersCount: c.OwnersCount, ProjectsCount: 0,
		Projects: []gen.CustomerProject{}, OrganizationGroups: []gen.OrganizationGroup{}, PaymentProfiles: []gen.PaymentProfile{},
	}
}

// countryName is the English name of an ISO 3166-1 alpha-2 code.
func countryName(cc string) string {
	if r, err := language.ParseRegion(cc); err == nil {
		return display.English.Regions().Name(r)
	}
	return cc
}

func (s *Server) OnboardingVerificationsEventsList(ctx context.Context, req gen.OnboardingVerificationsEventsListRequestObject) (gen.OnboardingVerificationsEventsListResponseObject, error) {
	if _, err := s.visibleVerification(ctx, req.UUID); err != nil {
		return nil, err
	}
	events, err := s.events(ctx, req.UUID)
	return gen.OnboardingVerificationsEventsList200JSONResponse(events), err
}

// OnboardingEventsList reads a trail by the verification's uuid alone, so
// staff and support can still read it once the verification is deleted.
func (s *Server) OnboardingEventsList(ctx context.Context, req gen.OnboardingEventsListRequestObject) (gen.OnboardingEventsListResponseObject, error) {
	events, err := s.events(ctx, req.Params.VerificationUUID)
	return gen.OnboardingEventsList200JSONResponse(events), err
}

// events renders a verification's audit trail.
func (s *Server) events(ctx context.Context, id uuid.UUID) ([]gen.VerificationEvent, error) {
	events, err := s.store.Events(ctx, id)
	if err != nil {
		return nil, err
	}
	out := []gen.VerificationEvent{}
	for i := range events {
		out = append(out, eventAPI(&events[i]))
	}
	return out, nil
}

// eventAPI renders an audit event.
func eventAPI(e *domain.Event) gen.VerificationEvent {
	var actor *int
	if e.ActorID != nil {
		actor = new(int(*e.ActorID))
	}
	return gen.VerificationEvent{Kind: gen.VerificationEventKind(e.Kind), Actor: actor,
		OldStatus: e.OldStatus, NewStatus: e.NewStatus, Reason: e.Reason, Created: e.Created}
}
