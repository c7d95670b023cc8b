package domain

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// httpStatus mirrors server's statusOf for the codes the table refuses with.
var httpStatus = map[ErrorCode]int{EInvalid: 400, EForbidden: 403, EConflict: 409}

// lifecycleMarkdown renders the table as docs/api.md shows it.
func lifecycleMarkdown() string {
	var b strings.Builder
	b.WriteString("| state |")
	for _, a := range Actions {
		fmt.Fprintf(&b, " `%s` |", a)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(Actions)) + "\n")
	for _, st := range States {
		fmt.Fprintf(&b, "| `%s` |", st)
		for _, a := range Actions {
			t := Lifecycle[st][a]
			switch {
			case t.Refuse != nil:
				fmt.Fprintf(&b, " %d |", httpStatus[t.Refuse.Code])
			case slices.Equal(t.To, []string{Same}):
				b.WriteString(" = |")
			case slices.Equal(t.To, []string{Gone}):
				b.WriteString(" deleted |")
			default:
				fmt.Fprintf(&b, " → %s |", strings.Join(t.To, ", "))
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\nRefusals (`detail`, or the field error):\n\n")
	for _, st := range States {
		var seen []string
		byDetail := map[string][]string{}
		for _, a := range Actions {
			if r := Lifecycle[st][a].Refuse; r != nil {
				d := r.Detail
				for f, msgs := range r.Fields {
					d = fmt.Sprintf("`%s`: %s", f, strings.Join(msgs, " "))
				}
				if byDetail[d] == nil {
					seen = append(seen, d)
				}
				byDetail[d] = append(byDetail[d], "`"+string(a)+"`")
			}
		}
		for _, d := range seen {
			fmt.Fprintf(&b, "- `%s` × %s: %s\n", st, strings.Join(byDetail[d], ", "), d)
		}
	}
	return b.String()
}

// docs/api.md shows the table the code uses.
func TestDocsShowTheLifecycleTable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- lifecycle table: generated from domain.Lifecycle -->\n", "<!-- end of lifecycle table -->"
	_, rest, ok1 := strings.Cut(string(readme), begin)
	shown, _, ok2 := strings.Cut(rest, end)
	if want := lifecycleMarkdown(); !ok1 || !ok2 || shown != want {
		t.Fatalf("docs/api.md's lifecycle table is not domain.Lifecycle; put this between the markers:\n%s", want)
	}
}

// Every cell is filled, refusals carry a status the API declares, and the
// statuses an action leads to are statuses.
func TestLifecycleCells(t *testing.T) {
	t.Parallel()
	statuses := []string{StatusPending, StatusVerified, StatusFailed, StatusEscalated, StatusExpired, Same, Gone}
	for _, st := range States {
		for _, a := range Actions {
			c, ok := Lifecycle[st][a]
			switch {
			case !ok || (c.Refuse == nil) == (len(c.To) == 0):
				t.Errorf("%s × %s: want either a refusal or target statuses, got %+v", st, a, c)
			case c.Refuse != nil && (httpStatus[c.Refuse.Code] == 0 || (c.Refuse.Detail == "" && len(c.Refuse.Fields) == 0)):
				t.Errorf("%s × %s: refusal %+v without status or explanation", st, a, c.Refuse)
			}
			for _, to := range c.To {
				if !slices.Contains(statuses, to) {
					t.Errorf("%s × %s: leads to %q, not a status", st, a, to)
				}
			}
		}
	}
	if len(Lifecycle) != len(States) {
		t.Errorf("%d rows, %d states", len(Lifecycle), len(States))
	}
}

// State picks the row: a live claim first, then expiry, then the customer
// and the retryable escalation.
func TestState(t *testing.T) {
	t.Parallel()
	now := Clock{}.Now()
	past, recent, dead := now.Add(-time.Second), now.Add(-time.Second), now.Add(-RunClaimTimeout-time.Second)
	customer := int64(1)
	for _, c := range []struct {
		v    Verification
		want string
	}{
		{Verification{Status: StatusPending}, StatePending},
		{Verification{Status: StatusPending, RunClaim: "x", RunClaimedAt: &recent}, StateValidating},
		{Verification{Status: StatusPending, RunClaim: "x", RunClaimedAt: &dead}, StatePending},
		{Verification{Status: StatusPending, ExpiresAt: &past}, StateExpired},
		{Verification{Status: StatusVerified, ExpiresAt: &past}, StateVerified},
		{Verification{Status: StatusVerified, CustomerID: &customer}, StateOnboarded},
		{Verification{Status: StatusEscalated, ErrorMessage: "API_ERROR"}, StateRetryable},
		{Verification{Status: StatusEscalated, ErrorMessage: "NOT_AUTHORIZED"}, StateEscalated},
		{Verification{Status: StatusFailed}, StateFailed},
		{Verification{Status: StatusExpired}, StateExpired},
	} {
		if got := c.v.State(now); got != c.want {
			t.Errorf("%+v: state %s, want %s", c.v, got, c.want)
		}
	}
}
