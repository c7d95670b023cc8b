package domain

import (
	"time"

	"github.com/google/uuid"
)

// EventRegisterChanged: ongoing monitoring found a change at the register
// (its reason says what changed from what to what).
const EventRegisterChanged = "register_changed"

// WebhookRegisterChanged is the webhook of EventRegisterChanged.
const WebhookRegisterChanged = "customer.register_changed"

// What a monitoring alert is about.
const (
	AlertCondition      = "condition"      // exists, active, bankrupt, liquidation, deleted, …
	AlertName           = "name"           // the company's name
	AlertLegalForm      = "legal_form"     // the company's legal form
	AlertRepresentation = "representation" // the onboarding person's right to represent it
)

// Alert states: staff acknowledge an open alert, then resolve it.
const (
	AlertOpen         = "open"
	AlertAcknowledged = "acknowledged"
	AlertResolved     = "resolved"
)

// Values of a representation alert: never the person's data, only whether
// the register still lists them.
const (
	Represents       = "represents"
	DoesNotRepresent = "does_not_represent"
)

// NotFound is the condition of a company the register no longer knows.
const NotFound = "not_found"

// Alert is one change at the register that monitoring found, and what staff
// did about it. Nothing changes the customer automatically.
type Alert struct {
	UUID                  uuid.UUID  `db:"uuid"`
	Verification          uuid.UUID  `db:"verification_uuid"`
	CustomerUUID          *uuid.UUID `db:"customer_uuid"`
	Country               string     `db:"country"`
	LegalPersonIdentifier string     `db:"legal_person_identifier"`
	LegalName             string     `db:"legal_name"`
	Kind                  string     `db:"kind"`
	OldValue              string     `db:"old_value"`
	NewValue              string     `db:"new_value"`
	State                 string     `db:"state"`
	Note                  string     `db:"note"`
	AcknowledgedBy        *int64     `db:"acknowledged_by"`
	AcknowledgedAt        *time.Time `db:"acknowledged_at"`
	ResolvedBy            *int64     `db:"resolved_by"`
	ResolvedAt            *time.Time `db:"resolved_at"`
	Created               time.Time  `db:"created"`
	Modified              time.Time  `db:"modified"`
}

// AlertFilter selects alerts for a list.
type AlertFilter struct {
	State, Country, Kind string
	Customer             *uuid.UUID
	Ordering             string // created, -created, modified, -modified
	Offset, Limit        int
}
