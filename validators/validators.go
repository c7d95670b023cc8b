// Package validators checks company registration codes offline and asks each
// country's official business register whether a company exists, is live and
// lists the requesting person among those who may represent it.
package validators

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Person is what the requester says about themselves. Which fields a register
// needs is declared by Validator.PersonFields.
type Person struct {
	Identifier string // personal code (EE isikukood, SE personnummer, …)
	FirstName  string
	LastName   string
	BirthDate  *time.Time // date only
}

// Person field names, as the API calls them.
const (
	FieldPersonIdentifier = "person_identifier"
	FieldFirstName        = "first_name"
	FieldLastName         = "last_name"
	FieldBirthDate        = "birth_date"
)

// Request is one question to a register.
type Request struct {
	Country string // ISO 3166-1 alpha-2, upper case
	Code    string // the company's registration code, as typed by the user
	Person  Person
	// CompanyOnly asks about the company and who represents it, without a
	// person to check (ongoing monitoring, after the person data is erased):
	// the person fields may then be missing, and a register that needs them
	// to match a person leaves PersonChecked false.
	CompanyOnly bool
}

// Company is the register's answer, normalised across registers.
type Company struct {
	Name                  string `json:"name"`
	LegalPersonIdentifier string `json:"legal_person_identifier"`
	// Status is one of the Status* constants.
	Status           string `json:"status"`
	LegalForm        string `json:"legal_form"`
	Address          string `json:"address"`
	RegistrationDate string `json:"registration_date,omitempty"` // YYYY-MM-DD
	Registry         string `json:"registry"`                    // validation_method of the register
	// What GLEIF says of the entity's LEI (gleif only): the LEI, its
	// registration status (ISSUED, LAPSED, …, apart from the entity's
	// Status), the jurisdiction and the local register code (registeredAs).
	LEI          string `json:"lei,omitempty"`
	LEIStatus    string `json:"lei_registration_status,omitempty"`
	Jurisdiction string `json:"jurisdiction,omitempty"`
	RegisteredAs string `json:"registered_as,omitempty"`
}

// Normalised company statuses.
const (
	StatusActive      = "active"
	StatusDeleted     = "deleted"
	StatusBankrupt    = "bankrupt"
	StatusLiquidation = "liquidation"
	// StatusReconstruction: in a court-supervised reconstruction or
	// composition with creditors (insolvency short of bankruptcy).
	StatusReconstruction = "reconstruction"
	// StatusUnknown: the register states the company's condition with a
	// code this client does not know, or does not state it explicitly.
	// Neither live nor dead: a staff member decides.
	StatusUnknown = "unknown"
)

// Live reports whether the company may be onboarded.
func (c Company) Live() bool { return c.Status == StatusActive }

// Role is one role the register lists for the requesting person.
type Role struct {
	Role string `json:"role"`           // register's role code, e.g. DAGL, DIRECTOR
	Name string `json:"name,omitempty"` // register's human label of the role
	// Represents: the role lets its holder represent the company alone
	// (a joint representative or a shareholder holds a role, yet does not).
	Represents bool `json:"-"`
}

// Result is a register's answer about a company and the requesting person.
type Result struct {
	Company Company
	// Roles the register lists for the requesting person, also those that
	// do not let them represent the company; empty when not listed.
	Roles []Role
	// PersonChecked is false when the register publishes no representation
	// data (then Roles is empty and says nothing about the person).
	PersonChecked bool
	// Raw is the register's response bodies, kept for audit.
	Raw json.RawMessage
	// Representatives are the personal codes (PersonKey form) of everyone
	// the register lists with a role that represents the company alone,
	// from registers that identify people by code (EE, SE). Monitoring
	// compares their keyed hashes and never stores them.
	Representatives []string
}

// Authorized reports whether the register lists the person with a role
// that represents the company.
func (r *Result) Authorized() bool {
	if !r.PersonChecked {
		return false
	}
	for _, role := range r.Roles {
		if role.Represents {
			return true
		}
	}
	return false
}

// Code classifies why a validation could not reach a verdict.
type Code string

const (
	CodeCompanyNotFound    Code = "COMPANY_NOT_FOUND"
	CodeCompanyInactive    Code = "COMPANY_INACTIVE"
	CodeNotAuthorized      Code = "NOT_AUTHORIZED"
	CodeNoBackend          Code = "NO_BACKEND_AVAILABLE"
	CodeIdentityValidation Code = "IDENTITY_VALIDATION_FAILED"
	CodeAPIError           Code = "API_ERROR"
	CodeConfigurationError Code = "CONFIGURATION_ERROR"
	CodeInvalidCode        Code = "INVALID_CODE"
	// CodeCompanyStatusUnknown: the register's answer does not say
	// explicitly, in terms this client knows, whether the company is live.
	CodeCompanyStatusUnknown Code = "COMPANY_STATUS_UNKNOWN"
)

// Error is a failure with a code. Message is safe to show to a user: it never
// holds a secret, a personal identifier or a stack trace.
type Error struct {
	Code    Code
	Message string
	Err     error // cause, for logs; may be nil
	// retryAfter is the register's Retry-After on a 429 or 5xx.
	retryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, or CodeAPIError for an untyped error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeAPIError
}

// MessageOf returns the user-facing message of err: an *Error's Message,
// else the error's text.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// Validator is one business register.
type Validator interface {
	// Method is the validation_method name, e.g. "breg".
	Method() string
	// Countries served, ISO 3166-1 alpha-2.
	Countries() []string
	// PersonFields the register needs to check the person (Field* constants).
	PersonFields() []string
	// CheckCode checks a registration code's syntax and check digit offline.
	// It returns an *Error with CodeInvalidCode whose Message names the rule.
	CheckCode(code string) error
	// Validate asks the register. Errors are *Error values.
	Validate(ctx context.Context, req Request) (*Result, error)
}

// Sandbox outcomes: what a register's fake answers for a magic code.
const (
	OutcomeVerified      = "verified"
	OutcomeNotFound      = "not_found"
	OutcomeBankrupt      = "bankrupt"
	OutcomeNotAuthorized = "not_authorized"
	OutcomeTimeout       = "timeout"
)

// SandboxCase documents one magic registration code of a register's fake
// (used by tests and by sandbox mode): the outcome it produces and, for
// verified, the person data the fake lists as a representative.
type SandboxCase struct {
	Code    string
	Outcome string
	Person  Person
}

// PersonKey is the form of a personal code that Result.Representatives
// uses, so that a person's code typed at onboarding and the register's
// listing of it compare equal: the Estonian code as it is (11 digits), the
// Swedish personal number without its century (10 digits). "" when the
// country's register lists no codes or the code is not valid.
func PersonKey(country, code string) string {
	code = strings.TrimSpace(code)
	switch strings.ToUpper(country) {
	case "EE":
		if CheckEstonianPersonalCode(code) == nil {
			return code
		}
	case "SE":
		if pnr, ok := bolagsverketPersonnummer(code, time.Now()); ok {
			return pnr[len(pnr)-10:]
		}
	}
	return ""
}
