package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/store/storetest"
	"github.com/onboarding-kyb/onboarding/validators"
)

// lifecycleCase is a verification of alice's, put into one state of the
// lifecycle table.
type lifecycleCase struct {
	id   uuid.UUID
	path string
}

// inState makes a new verification of alice's in state (a row of
// domain.Lifecycle).
func inState(t *testing.T, a *api, state string) lifecycleCase {
	t.Helper()
	ctx := context.Background()
	var v map[string]any
	switch state {
	case domain.StatePending, domain.StateValidating:
		res := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "12417834", "person_identifier": estonianPerson})
		wantStatus(t, res, http.StatusOK)
		v = res.Object(t)
	case domain.StateVerified: // Norwegian, so that creating its customer does not clash with the onboarded one
		v = startAndRun(t, a, map[string]any{"country": "NO", "legal_person_identifier": "923609016",
			"first_name": "Kari", "last_name": "Nordmann", "birth_date": "1975-04-12"})
	case domain.StateOnboarded:
		v = eeCase(t, a, "12417834", domain.StatusVerified)
		// A customer of its own (one customer per registration code), as create_customer makes it.
		stored, _ := a.store.Verification(ctx, uuid.MustParse(v["uuid"].(string)))
		c := &domain.Customer{Name: "Customer", RegistrationCode: uuid.NewString()[:8], Country: "EE", DefaultTaxPercent: "0.00"}
		if err := a.store.CreateCustomer(ctx, c, stored, a.alice.ID); err != nil {
			t.Fatal(err)
		}
	case domain.StateFailed:
		v = eeCase(t, a, "10000001", domain.StatusFailed)
	case domain.StateRetryable:
		// As a run ends when the register answers 500 (asking it ten times would open its circuit breaker).
		res := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "10000047", "person_identifier": estonianPerson})
		wantStatus(t, res, http.StatusOK)
		v = res.Object(t)
		stored, _ := a.store.Verification(ctx, uuid.MustParse(v["uuid"].(string)))
		stored.Status, stored.ErrorMessage = domain.StatusEscalated, "API_ERROR"
		if err := a.store.UpdateVerification(ctx, stored, nil); err != nil {
			t.Fatal(err)
		}
	case domain.StateEscalated:
		v = eeCase(t, a, escalatedCode, domain.StatusEscalated)
	case domain.StateExpired:
		past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
		res := a.do(t, "POST", base, a.staffT, map[string]any{"user": a.alice.ID, "country": "EE", "legal_person_identifier": "12417834", "expires_at": past})
		wantStatus(t, res, http.StatusCreated)
		v = res.Object(t)
	default:
		t.Fatalf("no setup for state %s", state)
	}
	c := lifecycleCase{id: uuid.MustParse(v["uuid"].(string)), path: base + v["uuid"].(string) + "/"}
	if state == domain.StateValidating {
		if _, err := a.store.ClaimRun(ctx, c.id, a.alice.ID); err != nil {
			t.Fatal(err)
		}
	}
	stored, err := a.store.Verification(ctx, c.id)
	if err != nil || stored.State(a.store.Clock().Now()) != state {
		t.Fatalf("setup of %s: %v, %v", state, stored, err)
	}
	return c
}

// act takes action on c through the API (or, for expire, lets its time
// pass and the sweeper run).
func act(t *testing.T, a *api, c lifecycleCase, action domain.Action) response {
	t.Helper()
	ctx := context.Background()
	// A pending justification to decide on, whatever the state allows.
	decide := func(op string) response {
		v, err := a.store.Verification(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		j := &domain.Justification{Verification: c.id, UserID: a.alice.ID, UserJustification: "Please review."}
		if err := a.store.CreateJustification(ctx, j, v); err != nil {
			t.Fatal(err)
		}
		return a.do(t, "POST", jbase+j.UUID.String()+"/"+op+"/", a.staffT, map[string]any{})
	}
	switch action {
	case domain.ActionRun:
		return a.do(t, "POST", c.path+"run_validation/", a.aliceT, nil)
	case domain.ActionEditCompany:
		return a.do(t, "PATCH", c.path, a.aliceT, map[string]any{"country": "US", "legal_person_identifier": "HRB 1"})
	case domain.ActionEdit:
		return a.do(t, "PATCH", c.path, a.aliceT, map[string]any{"legal_name": "Renamed"})
	case domain.ActionSubmitAnswers:
		return a.do(t, "POST", c.path+"submit_answers/", a.aliceT, []any{})
	case domain.ActionJustify:
		return a.do(t, "POST", jbase, a.aliceT, map[string]any{"verification_uuid": c.id, "user_justification": "Please review."})
	case domain.ActionApprove:
		return decide("approve")
	case domain.ActionReject:
		return decide("reject")
	case domain.ActionCreateCustomer:
		return a.do(t, "POST", c.path+"create_customer/", a.aliceT, nil)
	case domain.ActionDelete:
		return a.do(t, "DELETE", c.path, a.aliceT, nil)
	case domain.ActionExpire:
		v, err := a.store.Verification(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		past := a.store.Clock().Now().Add(-time.Second)
		v.ExpiresAt = &past
		if err := a.store.UpdateVerification(ctx, v, nil); err != nil {
			t.Fatal(err)
		}
		now := a.store.Clock().Now()
		if _, _, err := a.store.Sweep(ctx, now, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		return response{Status: http.StatusOK}
	}
	t.Fatalf("no way to take action %s", action)
	return response{}
}

// TestLifecycleTable walks every pair of the lifecycle table through the
// API: a refusal answers its HTTP status and detail and changes nothing; an
// allowed action ends in one of the statuses the table names.
func TestLifecycleTable(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		ctx := context.Background()
		for _, state := range domain.States {
			var c lifecycleCase
			for _, action := range domain.Actions {
				cell := domain.Lifecycle[state][action]
				if cell.Refuse == nil && len(cell.To) == 0 {
					t.Fatalf("%s × %s: the table has no cell", state, action)
				}
				// A case serves the next action too while it is still in state.
				if current, err := a.store.Verification(ctx, c.id); c.path == "" || err != nil || current.State(a.store.Clock().Now()) != state {
					c = inState(t, a, state)
				}
				before, _ := a.store.Verification(ctx, c.id)
				res := act(t, a, c, action)
				after, err := a.store.Verification(ctx, c.id)
				name := fmt.Sprintf("%s × %s", state, action)
				if cell.Refuse != nil {
					wantStatus(t, res, map[domain.ErrorCode]int{domain.EInvalid: 400, domain.EConflict: 409, domain.EForbidden: 403}[cell.Refuse.Code])
					body := res.Object(t)
					// A handler may add what the caller may see (the customer, say).
					if d, _ := body["detail"].(string); cell.Refuse.Detail != "" && !strings.HasPrefix(d, strings.TrimSuffix(cell.Refuse.Detail, ".")) {
						t.Errorf("%s: detail %v, want %q", name, body["detail"], cell.Refuse.Detail)
					}
					for field := range cell.Refuse.Fields {
						if body[field] == nil {
							t.Errorf("%s: %s names no %s", name, res.Body, field)
						}
					}
					if err != nil || after.Status != before.Status || after.LegalName != before.LegalName || after.Country != before.Country {
						t.Errorf("%s: a refused action changed the verification: %v → %v (%v)", name, before, after, err)
					}
					continue
				}
				if res.Status >= 300 && !(action == domain.ActionSubmitAnswers && strings.Contains(string(res.Body), "No checklist configured")) {
					t.Errorf("%s: allowed by the table, answered %d %s", name, res.Status, res.Body)
					continue
				}
				got := domain.Gone
				if err == nil {
					got = after.Status
					if got == before.Status {
						got = domain.Same
					}
				}
				if !slices.Contains(cell.To, got) && !(got == domain.Same && slices.Contains(cell.To, before.Status)) {
					t.Errorf("%s: ended %s, the table says %v", name, got, cell.To)
				}
			}
		}
	})
}

// countingRegister is a Norwegian register (breg) that counts the company
// look-ups and answers slowly, so concurrent validations overlap.
func countingRegister(t testing.TB) (*httptest.Server, *atomic.Int64) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/enhetsregisteret/api/enheter/923609016":
			calls.Add(1)
			time.Sleep(100 * time.Millisecond)
			fmt.Fprint(w, `{"organisasjonsnummer":"923609016","navn":"EQUINOR ASA"}`)
		case "/enhetsregisteret/api/enheter/923609016/roller":
			fmt.Fprint(w, `{"rollegrupper":[{"roller":[{"type":{"kode":"DAGL","beskrivelse":"Daglig leder"},
				"person":{"fodselsdato":"1975-04-12","navn":{"fornavn":"Kari","etternavn":"Nordmann"}}}]}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// TestRunValidationIsClaimed: of 20 concurrent run_validation calls one
// runs, the others get 409 at once and never reach the register, and the
// audit trail has one start and its finish. Then the verified result is
// final: another run is 409 and changes nothing.
func TestRunValidationIsClaimed(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		register, calls := countingRegister(t)
		a := newAPIWithEnv(t, s, server.Config{}, func(k string) string {
			if k == "ONBOARDING_BREG_URL" {
				return register.URL
			}
			return ""
		})
		res := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "NO", "legal_person_identifier": "923609016",
			"first_name": "Kari", "last_name": "Nordmann", "birth_date": "1975-04-12"})
		wantStatus(t, res, http.StatusOK)
		path := base + res.Object(t)["uuid"].(string) + "/"
		const n = 20
		statuses := make(chan int, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() { statuses <- a.do(t, "POST", path+"run_validation/", a.aliceT, nil).Status })
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for s := range statuses {
			count[s]++
		}
		if count[http.StatusOK] != 1 || count[http.StatusConflict] != n-1 || calls.Load() != 1 {
			t.Fatalf("answers %v, register calls %d; want one 200, %d 409 and one call", count, calls.Load(), n-1)
		}
		first := a.do(t, "GET", path, a.aliceT, nil).Object(t)
		if first["status"] != "verified" || first["validated_at"] == nil {
			t.Fatalf("after the run: %v", first)
		}
		// A double click on a verified case: 409, the result stays.
		res = a.do(t, "POST", path+"run_validation/", a.aliceT, nil)
		wantStatus(t, res, http.StatusConflict)
		again := a.do(t, "GET", path, a.aliceT, nil).Object(t)
		if again["status"] != "verified" || again["validated_at"] != first["validated_at"] ||
			fmt.Sprint(again["verified_user_roles"]) != fmt.Sprint(first["verified_user_roles"]) || calls.Load() != 1 {
			t.Fatalf("a second run changed a verified result: %v", again)
		}
		var events []map[string]any
		a.do(t, "GET", path+"events/", a.aliceT, nil).JSON(t, &events)
		kinds := map[string]int{}
		for _, e := range events {
			kinds[e["kind"].(string)]++
		}
		if kinds["validation_started"] != 1 || kinds["validation_finished"] != 1 {
			t.Fatalf("events %v", kinds)
		}
	})
}

// A run whose process died leaves a claim; once it is older than
// RunClaimTimeout the next run takes it over and records the lost run as
// finished, so every start has its finish.
func TestDeadRunClaimIsTakenOver(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		ctx := context.Background()
		c := inState(t, a, domain.StateValidating)
		wantStatus(t, a.do(t, "POST", c.path+"run_validation/", a.aliceT, nil), http.StatusConflict)
		v, _ := a.store.Verification(ctx, c.id)
		old := v.RunClaimedAt.Add(-domain.RunClaimTimeout - time.Second)
		v.RunClaimedAt = &old
		if err := a.store.UpdateVerification(ctx, v, nil); err != nil {
			t.Fatal(err)
		}
		res := a.do(t, "POST", c.path+"run_validation/", a.aliceT, nil)
		wantStatus(t, res, http.StatusOK)
		if res.Object(t)["status"] != "verified" {
			t.Fatalf("after the takeover: %s", res.Body)
		}
		events, _ := a.store.Events(ctx, c.id)
		var reasons []string
		for _, e := range events {
			if strings.HasPrefix(e.Kind, "validation_") {
				reasons = append(reasons, e.Kind+":"+e.Reason)
			}
		}
		if strings.Join(reasons, ",") != "validation_started:,validation_finished:ABANDONED,validation_started:,validation_finished:verified" {
			t.Fatalf("trail %v", reasons)
		}
	})
}

// TestRunMustFitItsClaim: a configuration that would let a validation run
// longer than its claim holds (so a second run could take it over while it
// still runs) is refused at start, naming the settings.
func TestRunMustFitItsClaim(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	for _, c := range []struct {
		budget string
		db     time.Duration
		ok     bool
	}{{"4m", time.Minute, false}, {"5m", time.Second, false}, {"3m", time.Minute, true}} {
		registers := registryFrom(t, func(k string) string {
			if k == "ONBOARDING_SANDBOX" {
				return "true"
			}
			if k == "ONBOARDING_BREG_BUDGET" {
				return c.budget
			}
			return ""
		})
		_, err := server.New(server.Config{DBTimeout: c.db}, s, registers, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if c.ok != (err == nil) || (err != nil && !strings.Contains(err.Error(), "ONBOARDING_<METHOD>_BUDGET")) {
			t.Errorf("breg budget %s + database %s: %v", c.budget, c.db, err)
		}
	}
}

// expires_at is the service's: set from ONBOARDING_VERIFICATION_TTL, changed
// only by staff; expiry and the sweeper erase the person data.
func TestExpiryRules(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		a := newAPI(t, s, server.Config{VerificationTTL: 3 * time.Hour})
		ctx := context.Background()
		before := time.Now()
		res := a.do(t, "POST", base, a.aliceT, map[string]any{"user": a.alice.ID, "country": "EE"})
		wantStatus(t, res, http.StatusCreated)
		v := res.Object(t)
		exp, err := time.Parse(time.RFC3339Nano, v["expires_at"].(string))
		if err != nil || exp.Before(before.Add(3*time.Hour-time.Minute)) || exp.After(before.Add(3*time.Hour+time.Minute)) {
			t.Fatalf("expires_at %v, want now + ONBOARDING_VERIFICATION_TTL", v["expires_at"])
		}
		path := base + v["uuid"].(string) + "/"
		future := time.Now().Add(24 * 365 * time.Hour).UTC().Format(time.RFC3339)
		for _, r := range []response{
			a.do(t, "POST", base, a.aliceT, map[string]any{"user": a.alice.ID, "country": "EE", "expires_at": future}),
			a.do(t, "PATCH", path, a.aliceT, map[string]any{"expires_at": nil}),
			a.do(t, "PATCH", path, a.aliceT, map[string]any{"expires_at": future}),
			a.do(t, "PUT", path, a.aliceT, map[string]any{"user": a.alice.ID, "country": "EE", "expires_at": future}),
		} {
			wantStatus(t, r, http.StatusForbidden)
			if !strings.Contains(r.Object(t)["detail"].(string), "expires_at") {
				t.Fatalf("403 does not name expires_at: %s", r.Body)
			}
		}
		// A PUT that leaves expires_at out keeps it.
		res = a.do(t, "PUT", path, a.aliceT, map[string]any{"user": a.alice.ID, "country": "EE", "legal_name": "Kept"})
		wantStatus(t, res, http.StatusOK)
		if res.Object(t)["expires_at"] != v["expires_at"] {
			t.Fatalf("PUT without expires_at changed it: %s", res.Body)
		}
		wantStatus(t, a.do(t, "PATCH", path, a.staffT, map[string]any{"expires_at": future}), http.StatusOK)
		wantStatus(t, a.do(t, "PATCH", path, a.staffT, map[string]any{"expires_at": nil}), http.StatusOK) // no person data: it may stay

		// Person data goes with the expiry, so a verification holding it
		// (here before its run; after an outage, for the retry) keeps one.
		started := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "12417834", "person_identifier": estonianPerson}).Object(t)
		startedPath := base + started["uuid"].(string) + "/"
		want400(t, a, "PATCH", startedPath, map[string]any{"expires_at": nil}, "expires_at", startedPath)
		want400(t, a, "PUT", startedPath, map[string]any{"user": a.alice.ID, "country": "EE", "legal_person_identifier": "12417834"}, "expires_at", startedPath)
		// The person data goes on the sweeper's write ...
		id := uuid.MustParse(started["uuid"].(string))
		stored, _ := a.store.Verification(ctx, id)
		past := a.store.Clock().Now().Add(-time.Second)
		stored.ExpiresAt = &past
		if err := a.store.UpdateVerification(ctx, stored, nil); err != nil {
			t.Fatal(err)
		}
		// ... and already on read.
		if read, _ := a.store.Verification(ctx, id); read.Status != domain.StatusExpired || read.HasPerson() {
			t.Fatalf("read past its time: %s, person kept %v", read.Status, read.HasPerson())
		}
		now := a.store.Clock().Now()
		if n, _, err := a.store.Sweep(ctx, now, now.Add(-time.Hour)); err != nil || n != 1 {
			t.Fatalf("swept %d (%v)", n, err)
		}
		// Stored as expired now, so a read shows what is stored.
		if swept, err := a.store.Verification(ctx, id); err != nil || swept.Status != domain.StatusExpired || swept.HasPerson() {
			t.Fatalf("the sweeper kept the person data: %+v (%v)", swept, err)
		}
	})
}

// A justification speaks for the company it was written for: changing the
// company supersedes it, and approving one that no longer matches is 409.
func TestJustificationIsBoundToItsCompany(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		v := eeCase(t, a, escalatedCode, domain.StatusEscalated)
		j := justify(t, a, v)
		if j["country"] != "EE" || j["legal_person_identifier"] != escalatedCode {
			t.Fatalf("justification does not say what it was written for: %v", j)
		}
		path := base + v["uuid"].(string) + "/"
		// Another company, validated again: escalated once more.
		wantStatus(t, a.do(t, "PATCH", path, a.aliceT, map[string]any{"country": "US", "legal_person_identifier": "HRB 1"}), http.StatusOK)
		res := a.do(t, "POST", path+"run_validation/", a.aliceT, nil)
		wantStatus(t, res, http.StatusOK)
		if res.Object(t)["status"] != "escalated" {
			t.Fatalf("setup: %s", res.Body)
		}
		res = a.do(t, "POST", jbase+j["uuid"].(string)+"/approve/", a.staffT, map[string]any{})
		wantStatus(t, res, http.StatusConflict)
		if got := a.do(t, "GET", path, a.aliceT, nil).Object(t); got["status"] != "escalated" {
			t.Fatalf("the old justification decided the new company: %v", got["status"])
		}
		wantStatus(t, a.do(t, "POST", path+"create_customer/", a.aliceT, nil), http.StatusBadRequest)
		var js []map[string]any
		a.do(t, "GET", jbase, a.aliceT, nil).JSON(t, &js)
		if len(js) != 1 || js[0]["decision"] != "superseded" {
			t.Fatalf("justifications %v", js)
		}
	})
}

// A verification without a registration code goes to staff review with a
// documented code, and staff can still approve it.
func TestMissingRegistrationCodeEscalates(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		v := startAndRun(t, a, map[string]any{"country": "EE", "legal_name": "Research group", "person_identifier": estonianPerson})
		if v["status"] != "escalated" || v["error_message"] != "NO_REGISTRATION_CODE" || v["error_traceback"] == "" {
			t.Fatalf("no code: %v / %v", v["status"], v["error_message"])
		}
		j := justify(t, a, v)
		wantStatus(t, a.do(t, "POST", jbase+j["uuid"].(string)+"/approve/", a.staffT, map[string]any{}), http.StatusOK)
	})
}

// When staff create the customer of someone's verification, the
// verification's owner owns it.
func TestCustomerOwnerIsTheVerificationsOwner(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		path := verified(t, a, a.aliceT)
		res := a.do(t, "POST", path+"create_customer/", a.staffT, nil)
		wantStatus(t, res, http.StatusCreated)
		c := res.Object(t)
		wantStatus(t, a.do(t, "GET", "/api/customers/"+c["uuid"].(string)+"/", a.aliceT, nil), http.StatusOK)
		if got := a.do(t, "GET", "/api/customers/", a.aliceT, nil).Header.Get("X-Result-Count"); got != "1" {
			t.Fatalf("alice lists %s customers", got)
		}
		var events []map[string]any
		a.do(t, "GET", path+"events/", a.aliceT, nil).JSON(t, &events)
		if last := events[len(events)-1]; last["kind"] != "customer_created" || last["actor"] != float64(a.staff.ID) {
			t.Fatalf("event %v", last)
		}
	})
}

// What the sandbox registers publish about people: personal codes and birth
// dates (never in any response), and names (shown to staff and support
// only), as the JSON strings or fragments a response would carry them in.
var sandboxPeople = map[string]struct{ codes, births, names []string }{
	"ariregister": {
		codes: []string{"48001010005", "37505050004"},
		names: []string{`"Mari"`, `"Maasikas"`, `"Jaan"`, `"Tamm"`},
	},
	"bolagsverket": {
		codes: []string{"191212121212", "19121212-1212", "198112289874", "198507099805", "196408233234"},
		names: []string{`"Tolvan"`, `"Tolvansson"`, `"Sven Erik"`, `"Lindqvist"`, `"Karin"`, `"Åberg"`, `"Lena"`, `"Ek"`},
	},
	"breg": {
		births: []string{"1958-09-09", "1962-11-03", "1966-03-18", "1970-02-21", "1975-04-12", "1979-12-01", "1980-07-07", "1981-06-30", "1990-01-15"},
		names: []string{`"Kari"`, `"Ola"`, `"Nordmann"`, `"Anne"`, `"Solberg"`, `"Ingrid Marie"`, `"Berg"`, `"Lars"`, `"Johansen"`,
			`"Bjørn-Åge"`, `"Lie"`, `"Haugen"`, `"Per"`, `"Sigrid"`, `"Dahl"`, `"Hansen"`},
	},
	"cvr": {
		names: []string{"Mette Louise Kjær", "Søren Østergaard", "Anne Holm", "Jens Møller", "Karen Bech", "Mette Kjærsgaard"},
	},
	"companies_house": {
		births: []string{`"year":1961`, `"year":1968`, `"year":1972`, `"year":1979`, `"year":1966`, `"year":1970`, `"year":1958`, "1972-06-15"},
		names: []string{"TAYLOR, Andrew Mark", "BROWN, Robert James", "O'NEILL, Fiona", "SMITH, Jane Elizabeth", "PATEL, Sanjay",
			"EVANS, Thomas Huw", "MCCANN, Sean Patrick", "WILLIAMS, Clare"},
	},
	"sirene": {
		births: []string{`"1971-02"`, `"1974-09"`, `"1960-02"`, `"1960-05"`, `"1980-01"`, `"1971"`, `"1974"`, `"1960"`, `"1969"`, `"1980"`, "1974-09-21"},
		names:  []string{`"MOREAU"`, `"DUBOIS"`, `"BERNARD"`, `"LEFÈVRE"`, `"MARTIN"`, `"Julien"`, `"Claire"`, `"Claire Marie"`, `"Luc"`, `"Paul"`, `"Étienne"`},
	},
	"wirtschaftscompass": {
		births: []string{"1959-09-30", "1962-05-20", "1968-12-01", "1970-07-07", "1971-03-14", "1974-08-09", "1980-11-02", "1985-02-27"},
		names: []string{`"Franz"`, `"Johann"`, `"Katharina"`, `"Lukas"`, `"Maria Anna"`, `"Peter"`, `"Sabine"`, `"Thomas"`,
			`"Berger"`, `"Gruber"`, `"Hofer"`, `"Huber"`, `"Mayr"`, `"Schuster"`, `"Steiner"`, `"Wimmer"`},
	},
	"ares": {
		births: []string{"1980-01-15", "1985-06-20", "1975-03-03", "1970-11-11", "Fiktivní 12", "Smyšlená 3", "Nevymyšlená 8"}, // and home addresses
		names:  []string{`"Novák"`, `"Dvořáková"`, `"Svoboda"`, `"Černá"`, `"Jan"`, `"Eva"`, `"Petr"`, `"Marie"`},
	},
	"prh":   {}, // YTJ publishes no people
	"vies":  {}, // VIES publishes no people
	"gleif": {}, // nor does GLEIF
}

// TestRawResponseRedaction runs every sandbox case of every register as
// alice, with the person the register lists, and reads the result as the
// owner, staff and support: no response carries a personal code or a birth
// date, and only staff and support see people's names. A NOT_AUTHORIZED
// answer therefore shows the claimant nobody's identity.
func TestRawResponseRedaction(t *testing.T) {
	t.Parallel()
	registers := registryFrom(t, sandboxEnv)
	countries := map[string]string{}
	for _, m := range registers.Methods() {
		countries[m.Method] = m.Countries[0]
	}
	for method, cases := range registers.SandboxCases() {
		people, ok := sandboxPeople[method]
		if !ok {
			t.Fatalf("no list of the people register %s publishes", method)
		}
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			a := newAPI(t, sqliteStore(t), server.Config{})
			var person validators.Person
			for _, c := range cases {
				if c.Outcome == validators.OutcomeVerified {
					person = c.Person
				}
			}
			var paths []string
			sawRaw := false
			for _, c := range cases {
				if c.Outcome == validators.OutcomeTimeout {
					continue
				}
				body := map[string]any{"country": countries[method], "legal_person_identifier": c.Code,
					"person_identifier": person.Identifier, "first_name": person.FirstName, "last_name": person.LastName}
				if person.BirthDate != nil {
					body["birth_date"] = person.BirthDate.Format(time.DateOnly)
				}
				v := startAndRun(t, a, body)
				sawRaw = sawRaw || len(v["raw_response"].(map[string]any)) > 1
				paths = append(paths, base+v["uuid"].(string)+"/", base+v["uuid"].(string)+"/events/")
			}
			if !sawRaw {
				t.Fatalf("no sandbox case of %s stored a register answer", method)
			}
			paths = append(paths, base, jbase)
			read := func(token string) string {
				var all strings.Builder
				for _, p := range paths {
					res := a.do(t, "GET", p, token, nil)
					wantStatus(t, res, http.StatusOK)
					all.Write(res.Body)
				}
				return all.String()
			}
			owner := a.bodies.String() + read(a.aliceT) // every response alice got, the runs included
			for who, bodies := range map[string]string{"owner": owner, "staff": read(a.staffT), "support": read(a.supportT)} {
				for _, secret := range append(slices.Clone(people.codes), people.births...) {
					if strings.Contains(bodies, secret) {
						t.Errorf("%s: a response to %s contains %s", method, who, secret)
					}
				}
				shown := 0
				for _, name := range people.names {
					if strings.Contains(bodies, name) {
						shown++
						if who == "owner" {
							t.Errorf("%s: name %s shown to the owner", method, name)
						}
					}
				}
				if who != "owner" && len(people.names) > 0 && shown == 0 {
					t.Errorf("%s: %s see none of the names the register published", method, who)
				}
			}
			// Removed before it was stored: nothing of it in the database either.
			list, err := a.store.ListVerifications(context.Background(), domain.VerificationFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range list.Rows {
				for _, secret := range append(slices.Clone(people.codes), people.births...) {
					if strings.Contains(string(v.RawResponse), secret) {
						t.Errorf("%s: stored raw_response contains %s", method, secret)
					}
				}
			}
		})
	}
}

// When the register lists the person with a role that does not let them
// represent the company alone (joint representation), the roles are shown
// and the outcome stays NOT_AUTHORIZED.
func TestRolesWithoutRepresentationAreShown(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		v := eeCase(t, a, escalatedCode, domain.StatusEscalated)
		roles, _ := v["verified_user_roles"].([]any)
		if v["error_message"] != "NOT_AUTHORIZED" || len(roles) != 1 || roles[0].(map[string]any)["role"] != "JUHL" {
			t.Fatalf("joint representative: %v, roles %v", v["error_message"], v["verified_user_roles"])
		}
		// A deputy board member (VARA) in Norway.
		v = startAndRun(t, a, map[string]any{"country": "NO", "legal_person_identifier": "923609016",
			"first_name": "Sigrid", "last_name": "Dahl", "birth_date": "1990-01-15"})
		roles, _ = v["verified_user_roles"].([]any)
		if v["error_message"] != "NOT_AUTHORIZED" || len(roles) != 1 || roles[0].(map[string]any)["role"] != "VARA" {
			t.Fatalf("deputy: %v, roles %v", v["error_message"], v["verified_user_roles"])
		}
	})
}

// ONBOARDING_TOKEN_TTL: a token works for that long after it was issued.
func TestTokenLifetime(t *testing.T) {
	t.Parallel()
	cfg := server.Config{TokenTTL: 2 * time.Second}
	st := sqliteStore(t)
	clock := fakeClock(st)
	a := newAPI(t, st, cfg)
	clock.Advance(2*time.Second - time.Microsecond)
	wantStatus(t, a.do(t, "GET", base, a.aliceT, nil), http.StatusOK)
	clock.Advance(time.Microsecond)
	res := a.do(t, "GET", base, a.aliceT, nil)
	wantStatus(t, res, http.StatusUnauthorized)
	if res.Object(t)["detail"] != "Invalid token." {
		t.Fatalf("expired token: %s", res.Body)
	}
	// Without a lifetime, tokens work until revoked.
	st = sqliteStore(t)
	clock = fakeClock(st)
	b := newAPI(t, st, server.Config{})
	clock.Advance(1000 * time.Hour)
	wantStatus(t, b.do(t, "GET", base, b.aliceT, nil), http.StatusOK)
}

// The audit trail outlives its verification: staff and support read the
// trail of a deleted verification until the retention period removes it.
func TestTrailOfDeletedVerification(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		ctx := context.Background()
		v := eeCase(t, a, "10000001", domain.StatusFailed)
		id := v["uuid"].(string)
		wantStatus(t, a.do(t, "DELETE", base+id+"/", a.aliceT, nil), http.StatusNoContent)
		deletedAt := a.store.Clock().Now()
		wantStatus(t, a.do(t, "GET", base+id+"/events/", a.staffT, nil), http.StatusNotFound)
		trail := "/api/onboarding-events/?verification_uuid=" + id
		for _, token := range []string{a.staffT, a.supportT} {
			res := a.do(t, "GET", trail, token, nil)
			wantStatus(t, res, http.StatusOK)
			var events []map[string]any
			res.JSON(t, &events)
			var kinds []string
			for _, e := range events {
				kinds = append(kinds, e["kind"].(string))
			}
			if strings.Join(kinds, ",") != "created,validation_started,validation_finished,deleted" || events[3]["actor"] != float64(a.alice.ID) {
				t.Fatalf("trail of a deleted verification: %v", events)
			}
		}
		wantStatus(t, a.do(t, "GET", trail, a.aliceT, nil), http.StatusForbidden)
		wantStatus(t, a.do(t, "GET", "/api/onboarding-events/", a.staffT, nil), http.StatusBadRequest)

		// Kept for the retention period after the deletion, then removed.
		other := eeCase(t, a, "10000001", domain.StatusFailed) // a live verification's trail stays
		if n, err := a.store.SweepTrails(ctx, deletedAt.Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("swept %d events (%v) of a verification deleted within the retention period", n, err)
		}
		if n, err := a.store.SweepTrails(ctx, a.store.Clock().Now().Add(time.Second)); err != nil || n != 4 {
			t.Fatalf("retention swept %d events (%v), want 4", n, err)
		}
		var events []any
		a.do(t, "GET", trail, a.staffT, nil).JSON(t, &events)
		if len(events) != 0 {
			t.Fatalf("trail after retention: %v", events)
		}
		a.do(t, "GET", "/api/onboarding-events/?verification_uuid="+other["uuid"].(string), a.staffT, nil).JSON(t, &events)
		if len(events) != 3 {
			t.Fatalf("a live verification's trail: %v", events)
		}
	})
}
