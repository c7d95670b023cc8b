package domain

import (
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// User is someone who may call the API. Staff see and change everything,
// support users see everything and change nothing, others only their own.
type User struct {
	ID        int64     `db:"id"`
	Username  string    `db:"username"`
	Email     string    `db:"email"`
	FirstName string    `db:"first_name"`
	LastName  string    `db:"last_name"`
	IsStaff   bool      `db:"is_staff"`
	IsSupport bool      `db:"is_support"`
	IsActive  bool      `db:"is_active"`
	Created   time.Time `db:"created"`
}

// CanSeeAll reports whether u may read every user's records.
func (u *User) CanSeeAll() bool { return u.IsStaff || u.IsSupport }

// Verification statuses.
const (
	StatusPending   = "pending"
	StatusVerified  = "verified"
	StatusFailed    = "failed"
	StatusEscalated = "escalated"
	StatusExpired   = "expired"
)

// Verification is one claim "user represents company Code in Country" and
// what became of it.
type Verification struct {
	UUID                      uuid.UUID  `db:"uuid"`
	UserID                    int64      `db:"user_id"`
	Country                   string     `db:"country"`
	LegalPersonIdentifier     string     `db:"legal_person_identifier"`
	LegalName                 string     `db:"legal_name"`
	LEI                       string     `db:"lei"` // the company's Legal Entity Identifier, optional
	Status                    string     `db:"status"`
	ValidationMethod          *string    `db:"validation_method"`
	VerifiedUserRoles         JSON       `db:"verified_user_roles"`
	VerifiedCompanyData       JSON       `db:"verified_company_data"`
	RawResponse               JSON       `db:"raw_response"`
	ErrorTraceback            string     `db:"error_traceback"`
	ErrorMessage              string     `db:"error_message"`
	ValidatedAt               *time.Time `db:"validated_at"`
	ExpiresAt                 *time.Time `db:"expires_at"`
	CustomerID                *int64     `db:"customer_id"`
	OnboardingMetadata        JSON       `db:"onboarding_metadata"`
	UserSubmittedCustomerData JSON       `db:"user_submitted_customer_data"`
	Created                   time.Time  `db:"created"`
	Modified                  time.Time  `db:"modified"`
	// Version is bumped by every update; an update based on an older read
	// fails, so concurrent writers cannot overwrite each other.
	Version int64 `db:"version"`
	// Person data, kept only until validation has run; never returned.
	PersonIdentifier string  `db:"person_identifier"`
	PersonFirstName  string  `db:"person_first_name"`
	PersonLastName   string  `db:"person_last_name"`
	PersonBirthDate  *string `db:"person_birth_date"` // YYYY-MM-DD
	// PersonCodeHMAC is the keyed hash of PersonIdentifier that ongoing
	// monitoring keeps after the person data is erased (EE, SE; "" when no
	// key is configured); never returned.
	PersonCodeHMAC string `db:"person_code_hmac"`
	// The claim of the run_validation in progress (see Lifecycle): a random
	// token and when it was taken; empty and nil when no run holds it.
	RunClaim     string     `db:"run_claim"`
	RunClaimedAt *time.Time `db:"run_claimed_at"`
}

// VerificationFilter selects verifications for a list.
type VerificationFilter struct {
	OwnerID               *int64 // visibility: only this user's rows (nil: all)
	Status                string
	Country               string
	LegalPersonIdentifier string
	LegalName             string // case-insensitive contains
	UserID                *int64
	Ordering              string // created, -created, modified, -modified, status, country
	After                 string // a cursor from a page before: continue after its row (Offset is then ignored)
	Offset, Limit         int
}

// ErrorExpired and TracebackExpired are the error_message and
// error_traceback of an expired verification.
const (
	ErrorExpired     = "VERIFICATION_EXPIRED"
	TracebackExpired = "The verification expired before it was completed; start a new one."
)

// HasExpired reports whether a verification in status, living until
// expiresAt, has expired by now: it waited (pending or escalated) past
// expires_at.
func HasExpired(status string, expiresAt *time.Time, now time.Time) bool {
	return expiresAt != nil && expiresAt.Before(now) && slices.Contains(expiringStatuses(), status)
}

// ExpiringStatuses are the statuses the Lifecycle table lets expire.
func ExpiringStatuses() []string { return slices.Clone(expiringStatuses()) }

// expiringStatuses is read on every verification read: worked out once.
var expiringStatuses = sync.OnceValue(func() []string {
	var out []string
	for _, st := range []string{StatusPending, StatusVerified, StatusFailed, StatusEscalated, StatusExpired} {
		if slices.Contains(Lifecycle[st][ActionExpire].To, StatusExpired) {
			out = append(out, st)
		}
	}
	return out
})

// Expire makes v read as expired when it HasExpired, so no read shows a
// stale status before the sweeper has run, and forgets the person data (the
// write that stores the expiry erases it). A running validation expires
// only once it has stored its outcome. It reports whether it changed v.
func (v *Verification) Expire(now time.Time) bool {
	if !HasExpired(v.Status, v.ExpiresAt, now) || v.Validating(now) {
		return false
	}
	v.Status, v.ErrorMessage, v.ErrorTraceback = StatusExpired, ErrorExpired, TracebackExpired
	v.ErasePerson()
	return true
}
