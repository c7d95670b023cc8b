package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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

// BenchmarkRetrieveVerification: retrieves through the whole handler
// (middleware, SQL, JSON) on PostgreSQL, from 16 goroutines, without the
// harness's contract check, so that its CPU per request (the process's,
// not the database's) and allocations are the service's own.
func BenchmarkRetrieveVerification(b *testing.B) {
	a := newAPI(b, storetest.Postgres(b), server.Config{})
	v := a.do(b, "POST", base, a.aliceT, map[string]any{"user": a.alice.ID, "country": "NO", "legal_name": "Company"}).Object(b)
	path := base + v["uuid"].(string) + "/"
	b.ReportAllocs()
	b.SetParallelism(8) // 16 clients on two cores, as the HTTP benchmark's retrieve
	began := cpuTime(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Token "+a.aliceT)
			rec := httptest.NewRecorder()
			a.handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("retrieve: %d %s", rec.Code, rec.Body)
				return
			}
		}
	})
	b.ReportMetric(float64((cpuTime(b)-began).Microseconds())/float64(b.N), "cpu-µs/op")
}
