package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/contracttest"
	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
)

// specOperation is one operation of openapi.yaml with a concrete path.
type specOperation struct {
	id, method, path string
	statuses         []string
	body             bool
}

// specOperations lists every operation, its path parameters filled with a
// uuid no object has.
func specOperations(t *testing.T) []specOperation {
	t.Helper()
	var out []specOperation
	for path, item := range loadSpec(t).Paths.Map() {
		for method, op := range item.Operations() {
			o := specOperation{id: op.OperationID, method: method, path: strings.ReplaceAll(path, "{uuid}", uuid.NewString()),
				body: op.RequestBody != nil}
			for code := range op.Responses.Map() {
				o.statuses = append(o.statuses, code)
			}
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b specOperation) int { return strings.Compare(a.id, b.id) })
	return out
}

// Every operation that declares 401 answers it without a token, and with a
// token that is not one; the others answer without one.
func TestEveryOperationDeclares401AsItAnswers(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{})
	for _, op := range specOperations(t) {
		for _, token := range []string{"", "0000"} {
			res := a.do(t, op.method, op.path, token, nil)
			if wants := slices.Contains(op.statuses, "401"); wants != (res.Status == http.StatusUnauthorized) {
				t.Errorf("%s with token %q: %d %s (declares 401: %v)", op.id, token, res.Status, res.Body, wants)
			}
		}
	}
}

// Every operation that takes a body declares 413 and answers it for a body
// past its limit (the largest limit is attach_document's 10 MB).
func TestEveryOperationTakingABodyAnswers413(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{})
	huge := `{"x": "` + strings.Repeat("a", 11<<20) + `"}`
	for _, op := range specOperations(t) {
		if op.body != slices.Contains(op.statuses, "413") {
			t.Errorf("%s: takes a body %v, declares 413 %v", op.id, op.body, !op.body)
		}
		if !op.body {
			continue
		}
		res := a.do(t, op.method, op.path, a.staffT, huge)
		if res.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("%s with an 11 MiB body: %d %.200s, want 413", op.id, res.Status, res.Body)
		}
	}
}

// The 409s of the seed operations that are hard to reach in a flow: PUT
// of a verification that has a customer, and the two creates while a
// request with the same Idempotency-Key is still running.
func TestSeedConflicts(t *testing.T) {
	t.Parallel()
	forEachDBWith(t, server.Config{IdempotencyWait: 20 * time.Millisecond}, func(t *testing.T, a *api) {
		path := verified(t, a, a.aliceT)
		wantStatus(t, a.do(t, "POST", path+"create_customer/", a.aliceT, nil), http.StatusCreated)
		res := a.do(t, "PUT", path, a.aliceT, map[string]any{"user": a.alice.ID, "country": "EE", "legal_person_identifier": "10000018"})
		wantStatus(t, res, http.StatusConflict)
		if !strings.Contains(res.Object(t)["detail"].(string), "customer") {
			t.Errorf("PUT after create_customer: %s", res.Body)
		}

		for i, create := range []struct {
			path string
			body map[string]any
		}{
			{base, map[string]any{"user": a.alice.ID, "country": "EE"}},
			{start, map[string]any{"country": "EE"}},
		} {
			// A finished request shows the request's hash; a claim of
			// another key for the same request, never finished, is a
			// request still running.
			done := fmt.Sprintf("done-%d", i)
			wantStatus(t, a.doWith(t, "POST", create.path, a.aliceT, create.body, withKey(done)), map[string]int{base: 201, start: 200}[create.path])
			first, err := a.store.IdempotencyRecord(context.Background(), a.alice.ID, done)
			if err != nil {
				t.Fatal(err)
			}
			now := domain.Clock{}.Now()
			running := &store.IdempotencyRecord{UserID: a.alice.ID, Key: fmt.Sprintf("running-%d", i), Method: "POST", Path: create.path,
				RequestHash: first.RequestHash, ClaimedAt: now, ExpiresAt: now.Add(time.Hour)}
			if other, err := a.store.ClaimIdempotencyKey(context.Background(), running, now.Add(-time.Hour)); err != nil || other != nil {
				t.Fatalf("claim: %v %v", other, err)
			}
			res := a.doWith(t, "POST", create.path, a.aliceT, create.body, withKey(running.Key))
			wantStatus(t, res, http.StatusConflict)
		}
	})
}

// The harness's client checks responses of a real server too.
func TestClientChecksRealServerResponses(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{})
	srv := httptest.NewServer(a.handler)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+base+"?page_size=1", nil)
	req.Header.Set("Authorization", "Token "+a.aliceT)
	res, err := contracttest.Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("X-Result-Count") != "0" {
		t.Fatalf("%d %v", res.StatusCode, res.Header)
	}
}

// Every operation with a uuid in its path answers 400 naming the parameter
// for a value that is no uuid.
func TestEveryUUIDPathAnswers400(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{})
	for path, item := range loadSpec(t).Paths.Map() {
		if !strings.Contains(path, "{uuid}") {
			continue
		}
		for method, op := range item.Operations() {
			res := a.do(t, method, strings.ReplaceAll(path, "{uuid}", "not-a-uuid"), a.staffT, nil)
			if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), `"uuid":["Must be a valid UUID."]`) {
				t.Errorf("%s with uuid not-a-uuid: %d %s", op.OperationID, res.Status, res.Body)
			}
		}
	}
}

// Every seed operation with a uuid in its path answers 404 for a uuid no
// verification has, with a body that is otherwise valid.
func TestEverySeedUUIDPathAnswers404(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{})
	bodies := map[string]any{
		"onboarding_verifications_update":         map[string]any{"user": a.alice.ID, "country": "EE"},
		"onboarding_verifications_partial_update": map[string]any{"legal_name": "x"},
		"onboarding_verifications_submit_answers": []any{},
	}
	n := 0
	for path, item := range loadSpec(t).Paths.Map() {
		if !strings.HasPrefix(path, base+"{uuid}/") {
			continue
		}
		for method, op := range item.Operations() {
			n++
			res := a.do(t, method, strings.ReplaceAll(path, "{uuid}", uuid.NewString()), a.aliceT, bodies[op.OperationID])
			if res.Status != http.StatusNotFound {
				t.Errorf("%s of no verification: %d %s, want 404", op.OperationID, res.Status, res.Body)
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d operations on a verification's path", n)
	}
}
