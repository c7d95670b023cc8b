package domain

import (
	"strings"
	"testing"
	"time"
)

func TestExpire(t *testing.T) {
	t.Parallel()
	now := Clock{}.Now()
	past, future := now.Add(-time.Second), now.Add(time.Hour)
	for _, c := range []struct {
		status  string
		expires *time.Time
		want    string
	}{
		{StatusPending, &past, StatusExpired},
		{StatusEscalated, &past, StatusExpired},
		{StatusPending, &future, StatusPending},
		{StatusPending, nil, StatusPending},
		{StatusVerified, &past, StatusVerified}, // a verdict does not expire
		{StatusFailed, &past, StatusFailed},
	} {
		v := Verification{Status: c.status, ExpiresAt: c.expires}
		changed := v.Expire(now)
		if v.Status != c.want || changed != (c.want != c.status) || (changed && v.ErrorMessage != ErrorExpired) {
			t.Errorf("%s expiring %v: %s (changed %v, %q)", c.status, c.expires, v.Status, changed, v.ErrorMessage)
		}
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	err := &Error{Code: EInvalid, Fields: map[string][]string{"b": {"y"}, "a": {"x"}}}
	if got := err.Error(); got != "invalid; a: x; b: y" {
		t.Fatalf("Error() = %q", got)
	}
	if CodeOf(err) != EInvalid || CodeOf(nil) != EInternal {
		t.Fatal("CodeOf")
	}
}

func TestWebhookKinds(t *testing.T) {
	for _, c := range []struct {
		ev   Event
		want string
	}{
		{Event{Kind: EventCreated, NewStatus: StatusPending}, "verification.created"},
		{Event{Kind: EventValidationStarted, OldStatus: StatusPending, NewStatus: StatusPending}, ""},
		{Event{Kind: EventValidationFinished, OldStatus: StatusPending, NewStatus: StatusVerified}, "verification.status_changed"},
		{Event{Kind: EventValidationFinished, OldStatus: StatusEscalated, NewStatus: StatusEscalated}, ""},
		{Event{Kind: EventExpired, OldStatus: StatusPending, NewStatus: StatusExpired}, "verification.expired verification.status_changed"},
		{Event{Kind: EventApproved, OldStatus: StatusEscalated, NewStatus: StatusVerified}, "justification.decided verification.status_changed"},
		{Event{Kind: EventCustomerCreated, OldStatus: StatusVerified, NewStatus: StatusVerified}, "customer.created"},
		{Event{Kind: EventDeleted, OldStatus: StatusFailed}, "verification.deleted"},
	} {
		if got := strings.Join(WebhookKinds(&c.ev), " "); got != c.want {
			t.Errorf("%s %s→%s: %q, want %q", c.ev.Kind, c.ev.OldStatus, c.ev.NewStatus, got, c.want)
		}
	}
}
