package domain

import "time"

// The lifecycle of a verification is one table: for each state a
// verification can be in and each action a caller (or the service) can
// take, either the statuses the action may lead to or the refusal, with its
// HTTP code (through ErrorCode) and detail. Every handler asks Check before
// it changes anything; lifecycle_test.go walks every pair through the API.

// States of the table: the five statuses, split where the same status
// allows different actions.
const (
	StatePending    = StatusPending
	StateValidating = "validating" // a run_validation holds its claim (status pending or escalated)
	StateVerified   = StatusVerified
	StateOnboarded  = "onboarded" // verified, and a customer was created from it
	StateFailed     = StatusFailed
	StateRetryable  = "retryable" // escalated by a register that could not answer: may run again
	StateEscalated  = StatusEscalated
	StateExpired    = StatusExpired
)

// States lists the table's rows in lifecycle order.
var States = []string{StatePending, StateValidating, StateVerified, StateOnboarded, StateFailed, StateRetryable, StateEscalated, StateExpired}

// Action is something that changes a verification.
type Action string

const (
	ActionRun            Action = "run_validation"
	ActionEditCompany    Action = "edit_company" // PUT/PATCH changing country, legal_person_identifier or lei
	ActionEdit           Action = "edit"         // PUT/PATCH changing only legal_name, user or expires_at
	ActionSubmitAnswers  Action = "submit_answers"
	ActionJustify        Action = "justify"
	ActionApprove        Action = "approve"
	ActionReject         Action = "reject"
	ActionCreateCustomer Action = "create_customer"
	ActionDelete         Action = "delete"
	ActionExpire         Action = "expire" // the service, when expires_at has passed
)

// Actions lists the table's columns.
var Actions = []Action{ActionRun, ActionEditCompany, ActionEdit, ActionSubmitAnswers, ActionJustify,
	ActionApprove, ActionReject, ActionCreateCustomer, ActionDelete, ActionExpire}

// Transition is one cell of the table: the statuses the action may lead to
// (Same: the status does not change; Gone: the row is deleted), or Refuse.
type Transition struct {
	To     []string
	Refuse *Error
}

// Pseudo statuses of Transition.To.
const (
	Same = "(unchanged)"
	Gone = "(deleted)"
)

func to(statuses ...string) Transition { return Transition{To: statuses} }
func refuse(code ErrorCode, detail string) Transition {
	return Transition{Refuse: &Error{Code: code, Detail: detail}}
}
func refuseNoDecision(status string) Transition {
	return refuse(EConflict, "The verification is "+status+", not escalated or failed: there is nothing to decide.")
}
func refuseField(field, message string) Transition {
	return Transition{Refuse: FieldError(field, message)}
}

// Refusals shared by several cells.
var (
	refuseExpired    = refuse(EConflict, "The verification has expired; start a new one.")
	refuseRunning    = refuse(EConflict, "A validation of this verification is running; try again when it has finished.")
	refuseNotVerfied = refuse(EInvalid, "The verification is not verified: run the validation (or wait for staff review) first.")
	refuseOnboarded  = refuse(EConflict, "A customer has already been created from this verification; it can no longer change.")
	refuseJustify    = refuseField("verification_uuid", "Only an escalated or failed verification can be justified.")
	outcomes         = to(StatusVerified, StatusFailed, StatusEscalated)
	backToPending    = to(StatusPending)
	same             = to(Same)
	gone             = to(Gone)
)

// Lifecycle is the table.
var Lifecycle = map[string]map[Action]Transition{
	StatePending: {
		ActionRun: outcomes, ActionEditCompany: backToPending, ActionEdit: same, ActionSubmitAnswers: same,
		ActionJustify: refuseJustify, ActionApprove: refuseNoDecision(StatusPending), ActionReject: refuseNoDecision(StatusPending),
		ActionCreateCustomer: refuseNotVerfied, ActionDelete: gone, ActionExpire: to(StatusExpired),
	},
	StateValidating: {
		ActionRun: refuseRunning, ActionEditCompany: refuseRunning, ActionEdit: refuseRunning, ActionSubmitAnswers: same,
		ActionJustify: refuseRunning, ActionApprove: refuseRunning, ActionReject: refuseRunning,
		ActionCreateCustomer: refuseRunning, ActionDelete: refuseRunning,
		ActionExpire: same, // the run's outcome decides; a waiting outcome past its time then expires
	},
	StateVerified: {
		ActionRun:         refuse(EConflict, "The verification is verified: that result is final. Start a new verification to check again."),
		ActionEditCompany: refuse(EConflict, "The verification is verified: its company can no longer change. Start a new verification for another company."),
		ActionEdit:        same, ActionSubmitAnswers: same,
		ActionJustify: refuseJustify, ActionApprove: refuseNoDecision(StatusVerified), ActionReject: refuseNoDecision(StatusVerified),
		ActionCreateCustomer: same, ActionDelete: gone, ActionExpire: same,
	},
	StateOnboarded: {
		ActionRun: refuseOnboarded, ActionEditCompany: refuseOnboarded, ActionEdit: same, ActionSubmitAnswers: refuseOnboarded,
		ActionJustify: refuseJustify, ActionApprove: refuseNoDecision(StatusVerified), ActionReject: refuseNoDecision(StatusVerified),
		ActionCreateCustomer: refuse(EConflict, "A customer has already been created from this verification."),
		ActionDelete:         refuse(EConflict, "A customer was created from this verification; it stays as the customer's record."),
		ActionExpire:         same,
	},
	StateFailed: {
		ActionRun:         refuse(EConflict, "The verification failed: correct the company (PUT or PATCH), justify the case for staff review, or start a new verification."),
		ActionEditCompany: backToPending, ActionEdit: same, ActionSubmitAnswers: same,
		ActionJustify: same, ActionApprove: to(StatusVerified), ActionReject: same,
		ActionCreateCustomer: refuseNotVerfied, ActionDelete: gone, ActionExpire: same,
	},
	StateRetryable: {
		ActionRun: outcomes, ActionEditCompany: backToPending, ActionEdit: same, ActionSubmitAnswers: same,
		ActionJustify: same, ActionApprove: to(StatusVerified), ActionReject: to(StatusFailed),
		ActionCreateCustomer: refuseNotVerfied, ActionDelete: gone, ActionExpire: to(StatusExpired),
	},
	StateEscalated: {
		ActionRun:         refuse(EConflict, "The verification is waiting for staff review: justify the case, or correct the company (PUT or PATCH) to validate again."),
		ActionEditCompany: backToPending, ActionEdit: same, ActionSubmitAnswers: same,
		ActionJustify: same, ActionApprove: to(StatusVerified), ActionReject: to(StatusFailed),
		ActionCreateCustomer: refuseNotVerfied, ActionDelete: gone, ActionExpire: to(StatusExpired),
	},
	StateExpired: {
		ActionRun: refuseExpired, ActionEditCompany: refuseExpired, ActionEdit: refuseExpired, ActionSubmitAnswers: refuseExpired,
		ActionJustify: refuseExpired, ActionApprove: refuseExpired, ActionReject: refuseExpired,
		ActionCreateCustomer: refuseExpired, ActionDelete: gone, ActionExpire: same,
	},
}

// RunClaimTimeout is how long a run_validation's claim holds. A claim older
// than this belongs to a run that died (its process was killed): the next
// run takes it over and records the lost run as finished.
const RunClaimTimeout = 5 * time.Minute

// Retryable reports whether a validation that ended escalated with this
// error code may run again: the register could not answer, so the person
// data is kept until it does (or the verification expires).
func Retryable(code string) bool {
	return code == "API_ERROR" || code == "CONFIGURATION_ERROR"
}

// Validating reports whether a run_validation holds v's claim at now.
func (v *Verification) Validating(now time.Time) bool {
	return v.RunClaimedAt != nil && now.Sub(*v.RunClaimedAt) < RunClaimTimeout
}

// State is v's row in the Lifecycle table at now.
func (v *Verification) State(now time.Time) string {
	switch {
	case v.Validating(now):
		return StateValidating
	case HasExpired(v.Status, v.ExpiresAt, now) || v.Status == StatusExpired:
		return StateExpired
	case v.Status == StatusVerified && v.CustomerID != nil:
		return StateOnboarded
	case v.Status == StatusEscalated && Retryable(v.ErrorMessage):
		return StateRetryable
	}
	return v.Status
}

// Check returns the refusal of action a on v at now, or nil when the table
// allows it.
func (v *Verification) Check(a Action, now time.Time) error {
	t := Lifecycle[v.State(now)][a]
	if t.Refuse != nil {
		return t.Refuse
	}
	return nil
}

// ResetOutcome clears what a validation found out, before a new validation
// or when the company changes: no company data, roles, raw answer, error or
// validated_at of an earlier outcome survives into the next.
func (v *Verification) ResetOutcome() {
	v.ValidationMethod, v.ValidatedAt = nil, nil
	v.VerifiedCompanyData, v.VerifiedUserRoles, v.RawResponse = JSON(`{}`), JSON(`[]`), JSON(`{}`)
	v.ErrorMessage, v.ErrorTraceback = "", ""
}

// ErasePerson forgets the person data given for the register check.
func (v *Verification) ErasePerson() {
	v.PersonIdentifier, v.PersonFirstName, v.PersonLastName, v.PersonBirthDate = "", "", "", nil
}

// HasPerson reports whether any person data is held.
func (v *Verification) HasPerson() bool {
	return v.PersonIdentifier != "" || v.PersonFirstName != "" || v.PersonLastName != "" || v.PersonBirthDate != nil
}
