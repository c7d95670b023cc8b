package domain

import (
	"testing"
	"time"
)

func TestExpire(t *testing.T) {
	t.Parallel()
	now := Now()
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
