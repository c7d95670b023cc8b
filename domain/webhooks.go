package domain

// Webhook event kinds: what a subscriber can ask to hear about.
const (
	WebhookVerificationCreated  = "verification.created"
	WebhookStatusChanged        = "verification.status_changed"
	WebhookVerificationExpired  = "verification.expired"
	WebhookVerificationDeleted  = "verification.deleted"
	WebhookCustomerCreated      = "customer.created"
	WebhookJustificationDecided = "justification.decided"
	// WebhookRegisterChanged (monitoring.go) is one more.
)

// WebhookKinds lists what an audit event counts as for webhook subscribers,
// its main kind first (an expiry is also a status change); none for events
// no subscriber can ask for (a validation starting).
func WebhookKinds(ev *Event) []string {
	var kinds []string
	switch ev.Kind {
	case EventCreated:
		return []string{WebhookVerificationCreated}
	case EventDeleted:
		return []string{WebhookVerificationDeleted}
	case EventCustomerCreated:
		kinds = append(kinds, WebhookCustomerCreated)
	case EventApproved, EventRejected:
		kinds = append(kinds, WebhookJustificationDecided)
	case EventExpired:
		kinds = append(kinds, WebhookVerificationExpired)
	case EventRegisterChanged:
		return []string{WebhookRegisterChanged}
	}
	if ev.NewStatus != "" && ev.OldStatus != ev.NewStatus {
		kinds = append(kinds, WebhookStatusChanged)
	}
	return kinds
}
