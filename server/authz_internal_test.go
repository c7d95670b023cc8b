package server

import (
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/onboarding-kyb/onboarding"
	"github.com/onboarding-kyb/onboarding/domain"
)

// Every operation of openapi.yaml has a row in the access table, and every
// row names an operation; the operations without a token are exactly those
// openapi.yaml declares with `security: []`.
func TestEveryOperationHasAnAccessRule(t *testing.T) {
	t.Parallel()
	spec, err := openapi3.NewLoader().LoadFromData(onboarding.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			declared[op.OperationID] = true
			who, ok := access[op.OperationID]
			if !ok {
				t.Errorf("%s has no row in the access table", op.OperationID)
			}
			if public := op.Security != nil && len(*op.Security) == 0; public != (who == anyone) {
				t.Errorf("%s: openapi.yaml says public %v, the access table %v", op.OperationID, public, who)
			}
		}
	}
	for id := range access {
		if !declared[id] {
			t.Errorf("the access table names %s, which openapi.yaml does not declare", id)
		}
	}
}

// The rules themselves: who gets through, by audience and method.
func TestAllowed(t *testing.T) {
	t.Parallel()
	regular, support, staff := &domain.User{}, &domain.User{IsSupport: true}, &domain.User{IsStaff: true}
	for _, c := range []struct {
		who    audience
		method string
		user   *domain.User
		want   bool
	}{
		{anyone, http.MethodGet, nil, true},
		{users, http.MethodGet, nil, false},
		{users, http.MethodPost, regular, true},
		{users, http.MethodGet, support, true},
		{users, http.MethodPost, support, false}, // support changes nothing
		{users, http.MethodDelete, staff, true},
		{reviewers, http.MethodGet, regular, false},
		{reviewers, http.MethodGet, support, true},
		{reviewers, http.MethodPatch, support, false},
		{reviewers, http.MethodPut, staff, true},
		{staffOnly, http.MethodGet, support, false},
		{staffOnly, http.MethodPost, regular, false},
		{staffOnly, http.MethodPost, staff, true},
		{staffOnly, http.MethodPost, &domain.User{IsStaff: true, IsSupport: true}, true},
	} {
		if got := allowed(c.who, c.method, c.user); got != c.want {
			t.Errorf("%v %s by %+v: %v, want %v", c.who, c.method, c.user, got, c.want)
		}
	}
}
