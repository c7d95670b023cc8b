package server_test

import (
	"net/url"
	"testing"

	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// FuzzRequests: no body or query string a client sends gets a 5xx or a
// response outside the contract. `go test` runs the seeds;
// `go test -fuzz FuzzRequests ./server` explores further.
func FuzzRequests(f *testing.F) {
	for _, seed := range []struct{ body, query string }{
		{`{"country":"EE","legal_person_identifier":"12417834","person_identifier":"48001010005"}`, `page=1`},
		{`{"country":"ee","birth_date":"1975-04-12","first_name":"","is_manual_validation":true}`, `o=-modified&status=pending`},
		{`{"country":1}`, `page_size=0`},
		{`{"country":"NO","legal_person_identifier":"9236090160000"}`, `legal_name=%25_%5C`},
		{`[`, `user=-1`},
		{`{"country":"\u0000"}`, `country=%00`},
		{`{"country":"SE","legal_person_identifier":"  "}`, `page=99999999999999999999`},
	} {
		f.Add(seed.body, seed.query)
	}
	a := newAPI(f, storetest.SQLite(f), server.Config{})
	f.Fuzz(func(t *testing.T, body, query string) {
		if res := a.do(t, "POST", start, a.aliceT, body); res.Status >= 500 {
			t.Fatalf("start_verification %q → %d %s", body, res.Status, res.Body)
		}
		if res := a.do(t, "POST", base, a.aliceT, body); res.Status >= 500 {
			t.Fatalf("create %q → %d %s", body, res.Status, res.Body)
		}
		values, err := url.ParseQuery(query)
		if err != nil {
			return // not a query string a client could send
		}
		if res := a.do(t, "GET", base+"?"+values.Encode(), a.aliceT, nil); res.Status >= 500 {
			t.Fatalf("list ?%s → %d %s", query, res.Status, res.Body)
		}
	})
}
