package server_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
)

const base = "/api/onboarding-verifications/"

func TestCreateAndRetrieve(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		res := a.do(t, "POST", base, a.aliceT, map[string]any{
			"user": a.alice.ID, "country": "ee", "legal_person_identifier": " 12417834 ", "legal_name": "Bolt Technology OÜ",
			// read-only fields are ignored, as DRF does
			"status": "verified", "customer": 7, "uuid": "00000000-0000-0000-0000-000000000001",
		})
		wantStatus(t, res, http.StatusCreated)
		v := res.Object(t)
		if v["status"] != "pending" || v["country"] != "EE" || v["legal_person_identifier"] != "12417834" ||
			v["customer"] != nil || v["uuid"] == "00000000-0000-0000-0000-000000000001" || v["user"] != float64(a.alice.ID) {
			t.Fatalf("created %v", v)
		}
		got := a.do(t, "GET", base+v["uuid"].(string)+"/", a.aliceT, nil)
		wantStatus(t, got, http.StatusOK)
		if g := got.Object(t); g["legal_name"] != "Bolt Technology OÜ" || g["created"] != v["created"] {
			t.Fatalf("retrieved %v", g)
		}
		// Someone else's verification does not exist for bob; support and staff see it.
		wantStatus(t, a.do(t, "GET", base+v["uuid"].(string)+"/", a.bobT, nil), http.StatusNotFound)
		wantStatus(t, a.do(t, "GET", base+v["uuid"].(string)+"/", a.supportT, nil), http.StatusOK)
		wantStatus(t, a.do(t, "GET", base+v["uuid"].(string)+"/", a.staffT, nil), http.StatusOK)
	})
}

func TestCreateRejectsBadInput(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cases := []struct {
			name   string
			token  string
			body   any
			status int
			field  string // the field the error names ("detail" for non-field errors)
		}{
			{"unknown country", a.aliceT, map[string]any{"user": a.alice.ID, "country": "XX"}, 400, "country"},
			{"missing country", a.aliceT, map[string]any{"user": a.alice.ID}, 400, "country"},
			{"missing user", a.aliceT, map[string]any{"country": "EE"}, 400, "user"},
			{"user not an integer", a.aliceT, map[string]any{"user": "alice", "country": "EE"}, 400, "user"},
			{"not JSON", a.aliceT, `{"user": 1,`, 400, "detail"},
			{"body is a list", a.aliceT, `[1]`, 400, ""},
			{"unknown user (staff)", a.staffT, map[string]any{"user": 99999, "country": "EE"}, 400, "user"},
			{"for another user", a.aliceT, map[string]any{"user": a.bob.ID, "country": "EE"}, 403, "detail"},
			{"support creates", a.supportT, map[string]any{"user": a.support.ID, "country": "EE"}, 403, "detail"},
			{"no token", "", map[string]any{"user": a.alice.ID, "country": "EE"}, 401, "detail"},
			{"bad token", "nope", map[string]any{"user": a.alice.ID, "country": "EE"}, 401, "detail"},
		}
		for _, c := range cases {
			res := a.do(t, "POST", base, c.token, c.body)
			if res.Status != c.status {
				t.Errorf("%s: status %d, want %d; %s", c.name, res.Status, c.status, res.Body)
				continue
			}
			if c.field != "" {
				if _, ok := res.Object(t)[c.field]; !ok {
					t.Errorf("%s: body %s does not name %q", c.name, res.Body, c.field)
				}
			}
		}
		// Nothing was stored by any of them.
		list := a.do(t, "GET", base, a.staffT, nil)
		if list.Header.Get("X-Result-Count") != "0" {
			t.Fatalf("rejected requests stored rows: %s", list.Body)
		}
		// Staff may create for another user.
		wantStatus(t, a.do(t, "POST", base, a.staffT, map[string]any{"user": a.bob.ID, "country": "NO"}), http.StatusCreated)
	})
}

func TestAuthMessages(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		res := a.do(t, "GET", base, "", nil)
		wantStatus(t, res, http.StatusUnauthorized)
		if res.Object(t)["detail"] != "Authentication credentials were not provided." || res.Header.Get("WWW-Authenticate") != "Token" {
			t.Fatalf("no token: %s %v", res.Body, res.Header)
		}
		res = a.do(t, "GET", base, "0123456789abcdef", nil)
		wantStatus(t, res, http.StatusUnauthorized)
		if res.Object(t)["detail"] != "Invalid token." {
			t.Fatalf("bad token: %s", res.Body)
		}
	})
}

func TestUpdateDeleteVisibility(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		// Staff set expires_at (for alice's verification here).
		v := a.do(t, "POST", base, a.staffT, map[string]any{"user": a.alice.ID, "country": "NO", "legal_name": "Old",
			"expires_at": "2030-01-02T03:04:05.123456789+02:00"}).Object(t)
		if v["expires_at"] != "2030-01-02T01:04:05.123456Z" {
			t.Fatalf("expires_at stored as %v, want UTC microseconds", v["expires_at"])
		}
		path := base + v["uuid"].(string) + "/"

		// PATCH changes only what it names; null clears expires_at.
		res := a.do(t, "PATCH", path, a.staffT, map[string]any{"legal_name": "New", "expires_at": nil})
		wantStatus(t, res, http.StatusOK)
		p := res.Object(t)
		if p["legal_name"] != "New" || p["country"] != "NO" || p["expires_at"] != nil || p["modified"] == v["modified"] {
			t.Fatalf("patched %v", p)
		}
		// PUT replaces: omitted optional fields become empty.
		res = a.do(t, "PUT", path, a.aliceT, map[string]any{"user": a.alice.ID, "country": "se"})
		wantStatus(t, res, http.StatusOK)
		if u := res.Object(t); u["legal_name"] != "" || u["country"] != "SE" {
			t.Fatalf("put %v", u)
		}
		wantStatus(t, a.do(t, "PUT", path, a.aliceT, map[string]any{"country": "SE"}), http.StatusBadRequest)
		wantStatus(t, a.do(t, "PATCH", path, a.aliceT, map[string]any{"country": "ZZ"}), http.StatusBadRequest)
		wantStatus(t, a.do(t, "PATCH", path, a.aliceT, map[string]any{"user": a.bob.ID}), http.StatusForbidden)

		// Bob: not found. Support: sees, may not change. Staff: may change.
		wantStatus(t, a.do(t, "PATCH", path, a.bobT, map[string]any{"legal_name": "x"}), http.StatusNotFound)
		wantStatus(t, a.do(t, "DELETE", path, a.bobT, nil), http.StatusNotFound)
		wantStatus(t, a.do(t, "PATCH", path, a.supportT, map[string]any{"legal_name": "x"}), http.StatusForbidden)
		wantStatus(t, a.do(t, "DELETE", path, a.supportT, nil), http.StatusForbidden)
		wantStatus(t, a.do(t, "PATCH", path, a.staffT, map[string]any{"user": a.bob.ID}), http.StatusOK)
		if g := a.do(t, "GET", path, a.bobT, nil); g.Status != http.StatusOK {
			t.Fatalf("after staff moved it to bob, bob gets %d", g.Status)
		}

		wantStatus(t, a.do(t, "DELETE", path, a.staffT, nil), http.StatusNoContent)
		wantStatus(t, a.do(t, "GET", path, a.staffT, nil), http.StatusNotFound)
		wantStatus(t, a.do(t, "DELETE", path, a.staffT, nil), http.StatusNotFound)
	})
}

func TestListPaginationFiltersOrdering(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		for i := range 12 {
			owner, token := a.alice.ID, a.aliceT
			if i%3 == 0 {
				owner, token = a.bob.ID, a.bobT
			}
			country := []string{"EE", "NO", "FI"}[i%3]
			wantStatus(t, a.do(t, "POST", base, token, map[string]any{"user": owner, "country": country,
				"legal_name": fmt.Sprintf("Company %02d", i)}), http.StatusCreated)
		}
		res := a.do(t, "GET", base+"?page_size=5", a.staffT, nil)
		wantStatus(t, res, http.StatusOK)
		var page []map[string]any
		res.JSON(t, &page)
		if len(page) != 5 || res.Header.Get("X-Result-Count") != "12" || page[0]["legal_name"] != "Company 11" {
			t.Fatalf("staff page 1: %d rows, count %s, first %v", len(page), res.Header.Get("X-Result-Count"), page[0]["legal_name"])
		}
		link := res.Header.Get("Link")
		for _, want := range []string{`page=1&page_size=5>; rel="first"`, `page=2&page_size=5>; rel="next"`, `page=3&page_size=5>; rel="last"`} {
			if !strings.Contains(link, want) {
				t.Errorf("Link %q lacks %q", link, want)
			}
		}
		if strings.Contains(link, `rel="prev"`) {
			t.Errorf("page 1 has a prev link: %s", link)
		}
		res = a.do(t, "GET", base+"?page_size=5&page=3", a.staffT, nil)
		res.JSON(t, &page)
		if len(page) != 2 || !strings.Contains(res.Header.Get("Link"), `page=2&page_size=5>; rel="prev"`) {
			t.Fatalf("page 3: %d rows, Link %s", len(page), res.Header.Get("Link"))
		}
		res = a.do(t, "GET", base+"?page_size=5&page=4", a.staffT, nil)
		wantStatus(t, res, http.StatusNotFound)
		if res.Object(t)["detail"] != "Invalid page." {
			t.Fatalf("past the end: %s", res.Body)
		}
		wantStatus(t, a.do(t, "GET", base+"?page_size=301", a.staffT, nil), http.StatusBadRequest)
		wantStatus(t, a.do(t, "GET", base+"?page=0", a.staffT, nil), http.StatusBadRequest)
		wantStatus(t, a.do(t, "GET", base+"?o=name", a.staffT, nil), http.StatusBadRequest)

		// Visibility: alice sees her 8, support all 12.
		if c := a.do(t, "GET", base, a.aliceT, nil).Header.Get("X-Result-Count"); c != "8" {
			t.Fatalf("alice sees %s rows, want 8", c)
		}
		if c := a.do(t, "GET", base, a.supportT, nil).Header.Get("X-Result-Count"); c != "12" {
			t.Fatalf("support sees %s rows, want 12", c)
		}
		// Filters combine with visibility.
		if c := a.do(t, "GET", fmt.Sprintf("%s?user=%d", base, a.bob.ID), a.aliceT, nil).Header.Get("X-Result-Count"); c != "0" {
			t.Fatalf("alice filtering on bob sees %s rows", c)
		}
		res = a.do(t, "GET", base+"?country=no&legal_name=COMPANY%200&o=created", a.staffT, nil)
		res.JSON(t, &page)
		if len(page) != 3 || page[0]["legal_name"] != "Company 01" || page[2]["legal_name"] != "Company 07" {
			t.Fatalf("country+name filter, ascending: %v", page)
		}
		res = a.do(t, "GET", base+"?status=verified", a.staffT, nil)
		if res.Header.Get("X-Result-Count") != "0" {
			t.Fatalf("status filter: %s", res.Header.Get("X-Result-Count"))
		}
	})
}

// TestListPagesToTheEnd walks a list larger than its page window (lowered
// here from store.PageWindow) by page number, as a DRF client does, to the
// last page: every page answers 200, the rows come once each and in order,
// a page past the end is 404 "Invalid page.". Past the window the next link
// carries a cursor, whose walk to the end reads the same rows.
func TestListPagesToTheEnd(t *testing.T) {
	t.Parallel()
	const window, size, rows = 300, 50, store.CountLimit + 230 // more than the exact count reaches
	forEachDBWith(t, server.Config{MaxBodyBytes: 1 << 20, PageWindow: window}, func(t *testing.T, a *api) {
		if err := a.store.SeedVerifications(context.Background(), rows, []int64{a.alice.ID}); err != nil {
			t.Fatal(err)
		}
		get := func(path string) ([]map[string]any, string) {
			t.Helper()
			res := a.do(t, "GET", path, a.staffT, nil)
			wantStatus(t, res, http.StatusOK)
			var page []map[string]any
			res.JSON(t, &page)
			return page, res.Header.Get("Link")
		}
		next := regexp.MustCompile(`<http://[^/]+(/[^>]*)>; rel="next"`)
		var numbered []map[string]any
		cursorFrom := 0 // the first page whose next link is a cursor
		var cursorLink string
		last := (rows + size - 1) / size
		for page := 1; page <= last; page++ {
			rowsOf, link := get(fmt.Sprintf("%s?page_size=%d&page=%d&o=created", base, size, page))
			numbered = append(numbered, rowsOf...)
			m := next.FindStringSubmatch(link)
			switch {
			case page == last && m != nil:
				t.Fatalf("the last page links on: %s", link)
			case page < last && m == nil:
				t.Fatalf("page %d has no next link: %s", page, link)
			case m != nil && strings.Contains(m[1], "cursor=") && cursorFrom == 0:
				cursorFrom, cursorLink = page, m[1]
			case m != nil && cursorFrom == 0 && !strings.Contains(m[1], fmt.Sprintf("page=%d", page+1)):
				t.Fatalf("page %d links to %s", page, m[1])
			}
		}
		if len(numbered) != rows {
			t.Fatalf("page numbers reached %d rows, want %d", len(numbered), rows)
		}
		seen := map[any]bool{}
		for i, r := range numbered {
			if seen[r["uuid"]] || (i > 0 && numbered[i-1]["created"].(string) > r["created"].(string)) {
				t.Fatalf("row %d repeated or out of order: %v", i, r)
			}
			seen[r["uuid"]] = true
		}
		if cursorFrom != window/size {
			t.Fatalf("the first cursor link is on page %d, want %d (the window's last)", cursorFrom, window/size)
		}
		res := a.do(t, "GET", fmt.Sprintf("%s?page_size=%d&page=%d", base, size, last+1), a.staffT, nil)
		wantStatus(t, res, http.StatusNotFound)
		if res.Object(t)["detail"] != "Invalid page." {
			t.Fatalf("past the end: %s", res.Body)
		}
		// The cursor walk from the window's end reads the same rows.
		var walked []map[string]any
		for link := cursorLink; link != ""; {
			if !strings.Contains(link, "o=created") || strings.Contains(link, "page=") {
				t.Fatalf("cursor link keeps the ordering and drops page: %s", link)
			}
			page, header := get(link)
			walked = append(walked, page...)
			if strings.Contains(header, `rel="prev"`) {
				t.Fatalf("a cursor page has no prev: %s", header)
			}
			link = ""
			if m := next.FindStringSubmatch(header); m != nil {
				link = m[1]
			}
		}
		if len(walked) != rows-window {
			t.Fatalf("the cursor walk read %d rows, want %d", len(walked), rows-window)
		}
		for i := range walked {
			if walked[i]["uuid"] != numbered[window+i]["uuid"] {
				t.Fatalf("cursor row %d is %v, page numbers give %v", i, walked[i]["uuid"], numbered[window+i]["uuid"])
			}
		}
		wantStatus(t, a.do(t, "GET", base+"?cursor=garbage", a.staffT, nil), http.StatusBadRequest)
	})
}

func TestBadRequestsNeverFailTheServer(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		wantStatus(t, a.do(t, "GET", base+"not-a-uuid/", a.aliceT, nil), http.StatusBadRequest)
		wantStatus(t, a.do(t, "GET", base+"6f1c1b0e-0000-4000-8000-000000000000/", a.aliceT, nil), http.StatusNotFound)
		wantStatus(t, a.do(t, "GET", "/api/nothing-here/", a.aliceT, nil), http.StatusNotFound)
		big := `{"user": 1, "country": "EE", "legal_name": "` + strings.Repeat("x", 2<<20) + `"}`
		wantStatus(t, a.do(t, "POST", base, a.aliceT, big), http.StatusRequestEntityTooLarge)
		wantStatus(t, a.do(t, "POST", base, a.aliceT, "plain text"), http.StatusBadRequest)
	})
}

func TestHealthAndDocs(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		wantStatus(t, a.do(t, "GET", "/healthz", "", nil), http.StatusOK)
		res := a.do(t, "GET", "/readyz", "", nil)
		wantStatus(t, res, http.StatusOK)
		if res.Object(t)["database"] != "ok" {
			t.Fatalf("readyz %s", res.Body)
		}
		schema := a.do(t, "GET", "/api/schema/", "", nil)
		wantStatus(t, schema, http.StatusOK)
		if !strings.Contains(string(schema.Body), "onboarding_verifications_create_customer") {
			t.Fatalf("schema lacks the operations: %d %q", len(schema.Body), schema.Body[len(schema.Body)-200:])
		}
		docs := a.do(t, "GET", "/api/docs/", "", nil)
		wantStatus(t, docs, http.StatusOK)
		if !strings.Contains(string(docs.Body), "swagger") {
			t.Fatal("docs page is not Swagger UI")
		}
	})
}

// TestNULCharactersAreRejected: PostgreSQL cannot store a NUL character;
// every JSON body with one gets a 400 naming the field, on both databases.
func TestNULCharactersAreRejected(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		res := a.do(t, "POST", base, a.aliceT, `{"user": `+strconv.FormatInt(a.alice.ID, 10)+`, "country": "EE", "legal_name": "Evil\u0000 OÜ"}`)
		wantStatus(t, res, http.StatusBadRequest)
		if _, ok := res.Object(t)["legal_name"]; !ok {
			t.Fatalf("NUL in legal_name: %s", res.Body)
		}
		res = a.do(t, "POST", start, a.aliceT, `{"country": "EE", "first_name": "a\u0000"}`)
		wantStatus(t, res, http.StatusBadRequest)
		// An escaped backslash followed by "u0000" is plain text, not a NUL.
		wantStatus(t, a.do(t, "POST", start, a.aliceT, `{"country": "EE", "legal_name": "a\\u0000"}`), http.StatusOK)
		if c := a.do(t, "GET", base, a.staffT, nil).Header.Get("X-Result-Count"); c != "1" {
			t.Fatalf("%s rows stored, want only the valid one", c)
		}
	})
}
