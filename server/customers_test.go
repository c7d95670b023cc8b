package server_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/checklist"
)

// verified starts and validates a verification of Bolt Technology OÜ for
// the user with token, and returns its path.
func verified(t *testing.T, a *api, token string) string {
	t.Helper()
	res := a.do(t, "POST", start, token, map[string]any{"country": "EE", "legal_person_identifier": "12417834", "person_identifier": estonianPerson})
	wantStatus(t, res, http.StatusOK)
	path := base + res.Object(t)["uuid"].(string) + "/"
	res = a.do(t, "POST", path+"run_validation/", token, nil)
	if res.Object(t)["status"] != "verified" {
		t.Fatalf("not verified: %s", res.Body)
	}
	return path
}

func TestCreateCustomer(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		pending := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "NO", "legal_person_identifier": "923609016"}).Object(t)
		res := a.do(t, "POST", base+pending["uuid"].(string)+"/create_customer/", a.aliceT, nil)
		wantStatus(t, res, http.StatusBadRequest)
		if !strings.Contains(res.Object(t)["detail"].(string), "not verified") {
			t.Fatalf("pending: %s", res.Body)
		}

		path := verified(t, a, a.aliceT)
		wantStatus(t, a.do(t, "POST", path+"create_customer/", a.bobT, nil), http.StatusNotFound)
		wantStatus(t, a.do(t, "POST", path+"create_customer/", a.supportT, nil), http.StatusForbidden)
		res = a.do(t, "POST", path+"create_customer/", a.aliceT, nil)
		wantStatus(t, res, http.StatusCreated)
		c := res.Object(t)
		if c["name"] != "Bolt Technology OÜ" || c["registration_code"] != "12417834" || c["country"] != "EE" ||
			c["country_name"] != "Estonia" || c["users_count"] != 1.0 || !strings.HasPrefix(c["url"].(string), "http://") ||
			!strings.HasSuffix(c["url"].(string), "/api/customers/"+c["uuid"].(string)+"/") {
			t.Fatalf("customer %v", c)
		}
		if v := a.do(t, "GET", path, a.aliceT, nil).Object(t); v["customer"] == nil {
			t.Fatal("verification not linked to its customer")
		}

		// A second call, or another verification of the same company: 409 naming the customer.
		res = a.do(t, "POST", path+"create_customer/", a.aliceT, nil)
		wantStatus(t, res, http.StatusConflict)
		if !strings.Contains(res.Object(t)["detail"].(string), c["uuid"].(string)) {
			t.Fatalf("second call: %s", res.Body)
		}
		// Bob may not see alice's customer: his 409 does not name it.
		other := verified(t, a, a.bobT)
		res = a.do(t, "POST", other+"create_customer/", a.bobT, nil)
		wantStatus(t, res, http.StatusConflict)
		if d := res.Object(t)["detail"].(string); strings.Contains(d, c["uuid"].(string)) || !strings.Contains(d, "already exists") {
			t.Fatalf("same company again: %s", res.Body)
		}
		res = a.do(t, "POST", other+"create_customer/", a.staffT, nil)
		wantStatus(t, res, http.StatusConflict)
		if !strings.Contains(res.Object(t)["detail"].(string), c["uuid"].(string)) {
			t.Fatalf("staff see the customer, yet it is not named: %s", res.Body)
		}
		// No edits to the company once a customer exists.
		wantStatus(t, a.do(t, "PATCH", path, a.aliceT, map[string]any{"legal_person_identifier": "10000018"}), http.StatusConflict)

		// Customers: owners see theirs, support and staff all, others nothing.
		customer := "/api/customers/" + c["uuid"].(string) + "/"
		wantStatus(t, a.do(t, "GET", customer, a.aliceT, nil), http.StatusOK)
		wantStatus(t, a.do(t, "GET", customer, a.supportT, nil), http.StatusOK)
		wantStatus(t, a.do(t, "GET", customer, a.bobT, nil), http.StatusNotFound)
		wantStatus(t, a.do(t, "GET", "/api/customers/"+uuid.NewString()+"/", a.staffT, nil), http.StatusNotFound)
		for token, want := range map[string]string{a.aliceT: "1", a.bobT: "0", a.staffT: "1"} {
			if got := a.do(t, "GET", "/api/customers/", token, nil).Header.Get("X-Result-Count"); got != want {
				t.Errorf("customers list count %s, want %s", got, want)
			}
		}
		wantStatus(t, a.do(t, "GET", "/api/customers/?page=2", a.aliceT, nil), http.StatusNotFound)

		// The audit trail, readable by the owner and staff only.
		res = a.do(t, "GET", path+"events/", a.aliceT, nil)
		wantStatus(t, res, http.StatusOK)
		var events []map[string]any
		res.JSON(t, &events)
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e["kind"].(string))
		}
		if strings.Join(kinds, ",") != "created,validation_started,validation_finished,customer_created" ||
			events[2]["old_status"] != "pending" || events[2]["new_status"] != "verified" || events[0]["actor"] != float64(a.alice.ID) {
			t.Fatalf("events %v", events)
		}
		wantStatus(t, a.do(t, "GET", path+"events/", a.bobT, nil), http.StatusNotFound)
		wantStatus(t, a.do(t, "GET", path+"events/", a.staffT, nil), http.StatusOK)
	})
}

func TestCreateCustomerNeedsCompletedChecklist(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		_, q := withExampleChecklist(t, a) // EE has a checklist now
		path := verified(t, a, a.aliceT)
		res := a.do(t, "POST", path+"create_customer/", a.aliceT, nil)
		wantStatus(t, res, http.StatusBadRequest)
		if !strings.Contains(res.Object(t)["detail"].(string), "checklist") {
			t.Fatalf("incomplete checklist: %s", res.Body)
		}
		wantStatus(t, a.do(t, "POST", path+"submit_answers/", a.aliceT,
			requiredAnswers(q, answer(q["homepage"], "https://bolt.example"))), http.StatusOK)
		res = a.do(t, "POST", path+"create_customer/", a.aliceT, nil)
		wantStatus(t, res, http.StatusCreated)
		c := res.Object(t)
		if c["email"] != "info@bolt.example" || c["phone_number"] != "+37255551234" || c["homepage"] != "https://bolt.example" {
			t.Fatalf("customer without the submitted data: %v", c)
		}
	})
}

// requiredAnswers answers every required question of the example
// checklist, and more.
func requiredAnswers(q map[string]checklist.Question, more ...any) []any {
	return append([]any{
		answer(q["contact_email"], "info@bolt.example"),
		answer(q["contact_phone"], "+37255551234"),
		answer(q["planned_usage"], optionID(q["planned_usage"], "Research")),
		answer(q["expected_users"], 12),
		answer(q["accepts_terms"], true),
	}, more...)
}

func TestConcurrentCreateCustomerMakesOne(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		path := verified(t, a, a.aliceT)
		const n = 8
		statuses := make(chan int, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() { statuses <- a.do(t, "POST", path+"create_customer/", a.aliceT, nil).Status })
		}
		wg.Wait()
		close(statuses)
		created := 0
		for s := range statuses {
			switch s {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
			default:
				t.Fatalf("concurrent create_customer answered %d", s)
			}
		}
		if created != 1 {
			t.Fatalf("%d customers created, want exactly 1", created)
		}
		if got := a.do(t, "GET", "/api/customers/", a.staffT, nil).Header.Get("X-Result-Count"); got != "1" {
			t.Fatalf("%s customers stored", got)
		}
	})
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
		v := a.do(t, "POST", base, a.staffT, map[string]any{"user": a.alice.ID, "country": "EE", "legal_person_identifier": "12417834", "expires_at": past}).Object(t)
		// Reads never show a stale status, even before the sweeper ran.
		if v["status"] != "expired" || v["error_message"] != "VERIFICATION_EXPIRED" {
			t.Fatalf("created already past its time: %v / %v", v["status"], v["error_message"])
		}
		path := base + v["uuid"].(string) + "/"
		if got := a.do(t, "GET", path, a.aliceT, nil).Object(t); got["status"] != "expired" {
			t.Fatalf("read as %v", got["status"])
		}
		if c := a.do(t, "GET", base+"?status=expired", a.aliceT, nil).Header.Get("X-Result-Count"); c != "1" {
			t.Fatalf("status=expired lists %s", c)
		}
		if c := a.do(t, "GET", base+"?status=pending", a.aliceT, nil).Header.Get("X-Result-Count"); c != "0" {
			t.Fatalf("status=pending lists %s", c)
		}
		for _, op := range []string{"run_validation/", "create_customer/"} {
			res := a.do(t, "POST", path+op, a.aliceT, nil)
			wantStatus(t, res, http.StatusConflict)
			if !strings.Contains(res.Object(t)["detail"].(string), "expired") {
				t.Fatalf("%s: %s", op, res.Body)
			}
		}

		// The sweeper stores the expiry once, then deletes after the retention period.
		ctx := context.Background()
		now := time.Now().UTC()
		for i, want := range []int{1, 0} {
			expired, deleted, err := a.store.Sweep(ctx, now, now.Add(-time.Hour))
			if err != nil || expired != want || deleted != 0 {
				t.Fatalf("sweep %d: expired %d deleted %d (%v), want %d expired", i, expired, deleted, err, want)
			}
		}
		_, deleted, err := a.store.Sweep(ctx, now, now.Add(time.Hour))
		if err != nil || deleted != 1 {
			t.Fatalf("retention sweep deleted %d (%v)", deleted, err)
		}
		wantStatus(t, a.do(t, "GET", path, a.staffT, nil), http.StatusNotFound)
		events, _ := a.store.Events(ctx, uuid.MustParse(v["uuid"].(string)))
		if len(events) != 3 || events[1].Kind != "expired" || events[1].ActorID != nil || events[2].Kind != "deleted" {
			t.Fatalf("events %+v", events)
		}
	})
}

// An expired verification takes no more edits; the sweeper stores the
// expiry once, with its event.
func TestEditOfExpiredIsRefused(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
		v := a.do(t, "POST", base, a.staffT, map[string]any{"user": a.alice.ID, "country": "EE", "expires_at": past}).Object(t)
		path := base + v["uuid"].(string) + "/"
		res := a.do(t, "PATCH", path, a.aliceT, map[string]any{"legal_name": "Renamed OÜ"})
		wantStatus(t, res, http.StatusConflict)
		if got := a.do(t, "GET", path, a.aliceT, nil).Object(t); got["status"] != "expired" || got["legal_name"] != "" {
			t.Fatalf("after a refused edit: %v %v", got["status"], got["legal_name"])
		}
		now := time.Now().UTC()
		for i, want := range []int{1, 0} {
			if expired, _, err := a.store.Sweep(context.Background(), now, now.Add(-time.Hour)); err != nil || expired != want {
				t.Fatalf("sweep %d expired %d (%v), want %d", i, expired, err, want)
			}
		}
		var events []map[string]any
		a.do(t, "GET", path+"events/", a.aliceT, nil).JSON(t, &events)
		if len(events) != 2 || events[1]["kind"] != "expired" || events[1]["old_status"] != "pending" || events[1]["actor"] != nil {
			t.Fatalf("events %v", events)
		}
	})
}

// The retention period counts from the last change to the verification or
// its justifications: a failed case with a fresh justification stays.
func TestSweepKeepsRecentlyJustified(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		v := eeCase(t, a, "10000001", "failed") // not in the register
		j := justify(t, a, v)
		touched, err := time.Parse(time.RFC3339Nano, j["modified"].(string))
		if err != nil {
			t.Fatal(err)
		}
		ctx, now := context.Background(), time.Now().UTC()
		if _, deleted, err := a.store.Sweep(ctx, now, touched); err != nil || deleted != 0 {
			t.Fatalf("swept a recently justified case: deleted %d (%v)", deleted, err)
		}
		path := base + v["uuid"].(string) + "/"
		wantStatus(t, a.do(t, "GET", path, a.aliceT, nil), http.StatusOK)
		if _, deleted, err := a.store.Sweep(ctx, now, now.Add(time.Hour)); err != nil || deleted != 1 {
			t.Fatalf("retention sweep deleted %d (%v)", deleted, err)
		}
		wantStatus(t, a.do(t, "GET", path, a.aliceT, nil), http.StatusNotFound)
		if got := a.do(t, "GET", jbase, a.aliceT, nil).Header.Get("X-Result-Count"); got != "0" {
			t.Fatalf("%s justifications left after the verification was deleted", got)
		}
	})
}

// Checklist answers that do not fit the Customer (a VAT code longer than its
// 20 characters) are a 400 naming the field, and no customer is stored
// until the answer is corrected.
func TestCreateCustomerChecksSubmittedData(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		_, q := withExampleChecklist(t, a)
		path := verified(t, a, a.aliceT)
		wantStatus(t, a.do(t, "POST", path+"submit_answers/", a.aliceT,
			requiredAnswers(q, answer(q["vat_code"], "EE1024176950000000000000000"))), http.StatusOK)
		res := a.do(t, "POST", path+"create_customer/", a.aliceT, nil)
		wantStatus(t, res, http.StatusBadRequest)
		if !strings.Contains(res.Object(t)["detail"].(string), "vat_code") {
			t.Fatalf("too long VAT code: %s", res.Body)
		}
		if got := a.do(t, "GET", "/api/customers/", a.staffT, nil).Header.Get("X-Result-Count"); got != "0" {
			t.Fatalf("%s customers stored", got)
		}
		wantStatus(t, a.do(t, "POST", path+"submit_answers/", a.aliceT, []any{answer(q["vat_code"], "EE102417695")}), http.StatusOK)
		res = a.do(t, "POST", path+"create_customer/", a.aliceT, nil)
		wantStatus(t, res, http.StatusCreated)
		if c := res.Object(t); c["vat_code"] != "EE102417695" {
			t.Fatalf("customer %v", c)
		}
	})
}
