package domain

import (
	"time"

	"github.com/google/uuid"
)

// Customer is an organisation created from a verified verification.
type Customer struct {
	ID                  int64      `db:"id"`
	UUID                uuid.UUID  `db:"uuid"`
	Name                string     `db:"name"`
	Slug                string     `db:"slug"`
	NativeName          string     `db:"native_name"`
	Abbreviation        string     `db:"abbreviation"`
	Description         string     `db:"description"`
	ContactDetails      string     `db:"contact_details"`
	AgreementNumber     string     `db:"agreement_number"`
	Email               string     `db:"email"`
	PhoneNumber         string     `db:"phone_number"`
	RegistrationCode    string     `db:"registration_code"`
	Homepage            string     `db:"homepage"`
	Domain              string     `db:"domain"`
	VATCode             string     `db:"vat_code"`
	Postal              string     `db:"postal"`
	Address             string     `db:"address"`
	BankName            string     `db:"bank_name"`
	BankAccount         string     `db:"bank_account"`
	Latitude            *float64   `db:"latitude"`
	Longitude           *float64   `db:"longitude"`
	Country             string     `db:"country"`
	AccessSubnets       string     `db:"access_subnets"`
	NotificationEmails  string     `db:"notification_emails"`
	BackendID           string     `db:"backend_id"`
	Blocked             bool       `db:"blocked"`
	Archived            bool       `db:"archived"`
	DefaultTaxPercent   string     `db:"default_tax_percent"`
	AccountingStartDate *time.Time `db:"accounting_start_date"`
	SponsorNumber       *int64     `db:"sponsor_number"`
	MaxServiceAccounts  *int64     `db:"max_service_accounts"`
	GracePeriodDays     *int64     `db:"grace_period_days"`
	Created             time.Time  `db:"created"`
	OwnersCount         int        `db:"owners_count"` // read only: users with the owner role
}

// RoleOwner is the customer role of the person who onboarded it.
const RoleOwner = "owner"

// CustomerFilter selects customers for a list.
type CustomerFilter struct {
	MemberID      *int64 // visibility: only customers this user holds a role in (nil: all)
	Offset, Limit int
}

// Event kinds of the audit trail.
const (
	EventCreated            = "created"
	EventValidationStarted  = "validation_started"
	EventValidationFinished = "validation_finished"
	EventCustomerCreated    = "customer_created"
	EventExpired            = "expired"
	EventDeleted            = "deleted"
	EventUpdated            = "updated"
)

// Event is one state change of a verification.
type Event struct {
	ID           int64     `db:"id"`
	Verification uuid.UUID `db:"verification_uuid"`
	Kind         string    `db:"kind"`
	ActorID      *int64    `db:"actor_id"` // nil: the service itself (sweeper)
	OldStatus    string    `db:"old_status"`
	NewStatus    string    `db:"new_status"`
	Reason       string    `db:"reason"`
	Created      time.Time `db:"created"`
}

// Justification decisions.
const (
	DecisionPending  = "pending"
	DecisionApproved = "approved"
	DecisionRejected = "rejected"
	// DecisionSuperseded: the verification's company changed after the
	// justification was written, so it no longer speaks for it.
	DecisionSuperseded = "superseded"
)

// More event kinds: the staff review.
const (
	EventJustificationSubmitted = "justification_submitted"
	EventApproved               = "approved"
	EventRejected               = "rejected"
)

// Justification is a user's case for an escalated or failed verification,
// and the staff decision on it.
type Justification struct {
	UUID               uuid.UUID `db:"uuid"`
	Verification       uuid.UUID `db:"verification_uuid"`
	VerificationStatus string    `db:"verification_status"` // read only
	// VerificationExpiresAt (read only) makes VerificationStatus read as
	// expired the way Verification.Expire does.
	VerificationExpiresAt *time.Time `db:"verification_expires_at"`
	UserID                int64      `db:"user_id"`
	// The company the justification was written for.
	Country               string     `db:"country"`
	LegalPersonIdentifier string     `db:"legal_person_identifier"`
	UserJustification     string     `db:"user_justification"`
	Decision              string     `db:"decision"`
	StaffNotes            string     `db:"staff_notes"`
	ReviewerID            *int64     `db:"reviewer_id"`
	ReviewedAt            *time.Time `db:"reviewed_at"`
	Created               time.Time  `db:"created"`
	Modified              time.Time  `db:"modified"`
	Documents             []Document `db:"-"`
}

// Document is a file attached to a justification.
type Document struct {
	UUID     uuid.UUID `db:"uuid"`
	Name     string    `db:"name"`
	Size     int64     `db:"size"`
	MimeType string    `db:"mime_type"`
	Created  time.Time `db:"created"`
}

// JustificationFilter selects justifications for a list.
type JustificationFilter struct {
	OwnerID       *int64     // visibility: only this user's (nil: all)
	Verification  *uuid.UUID // only this verification's (nil: all)
	Offset, Limit int
}
