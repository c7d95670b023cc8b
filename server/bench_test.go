package server_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// BenchmarkListVerifications: one page of 50 out of 2,000 rows, through
// the whole stack (auth, request validation, SQL, JSON), on SQLite. The
// response contract check is part of the harness, so this is an upper bound.
func BenchmarkListVerifications(b *testing.B) {
	a := newAPI(b, storetest.SQLite(b), server.Config{})
	for i := range 2000 {
		res := a.do(b, "POST", base, a.aliceT, map[string]any{"user": a.alice.ID, "country": "NO", "legal_name": fmt.Sprintf("Company %d", i)})
		if res.Status != http.StatusCreated {
			b.Fatalf("seed: %d", res.Status)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		res := a.do(b, "GET", base+"?page=7&page_size=50&legal_name=company", a.aliceT, nil)
		if res.Status != http.StatusOK || res.Header.Get("X-Result-Count") != "2000" {
			b.Fatalf("list: %d %s", res.Status, res.Header.Get("X-Result-Count"))
		}
	}
}

// BenchmarkStartAndRunValidation: start_verification + run_validation
// against the in-process sandbox register (EE), on SQLite.
func BenchmarkStartAndRunValidation(b *testing.B) {
	a := newAPI(b, storetest.SQLite(b), server.Config{})
	b.ReportAllocs()
	for b.Loop() {
		v := a.do(b, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "12417834", "person_identifier": estonianPerson}).Object(b)
		res := a.do(b, "POST", base+v["uuid"].(string)+"/run_validation/", a.aliceT, nil)
		if res.Status != http.StatusOK || res.Object(b)["status"] != "verified" {
			b.Fatalf("run_validation: %d %s", res.Status, res.Body)
		}
	}
}
