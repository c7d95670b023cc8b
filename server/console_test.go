package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/password"
	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

const consolePassword = "correct horse battery staple"

// browser is a signed-in (or not) console visitor: a cookie jar that does
// not follow redirects, so each answer can be checked.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: srv.URL, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one answer of the console.
type page struct {
	status int
	header http.Header
	body   string
	doc    *goquery.Document
}

func (b *browser) get(path string) page {
	b.t.Helper()
	return b.send("GET", path, nil, nil)
}

// post submits a form from the console's own pages (same origin).
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	return b.send("POST", path, form, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": b.base})
}

func (b *browser) send(method, path string, form url.Values, headers map[string]string) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(string(raw)))
	return page{status: res.StatusCode, header: res.Header, body: string(raw), doc: doc}
}

func (b *browser) signIn(username string) {
	b.t.Helper()
	p := b.post("/console/sign-in", url.Values{"username": {username}, "password": {consolePassword}, "next": {"/console/"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/" {
		b.t.Fatalf("sign-in of %s: %d %s", username, p.status, p.body)
	}
}

// consoleAPI is the service with console passwords for its four users and
// an escalated case of alice's, justified with a PDF.
func consoleAPI(t *testing.T, a *api) (srv *httptest.Server, caseID, justificationID string) {
	t.Helper()
	hash, err := password.Hash(consolePassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []*domain.User{a.alice, a.support, a.staff} {
		if err := a.store.SetPassword(context.Background(), u.ID, hash); err != nil {
			t.Fatal(err)
		}
	}
	v := startAndRun(t, a, map[string]any{"country": "EE", "legal_person_identifier": escalatedCode, "person_identifier": estonianPerson,
		"legal_name": `<script>alert(1)</script>`})
	res := a.do(t, "POST", jbase, a.aliceT, map[string]any{"verification_uuid": v["uuid"], "user_justification": `"><img src=x onerror=alert(1)>`})
	wantStatus(t, res, http.StatusCreated)
	j := res.Object(t)["uuid"].(string)
	wantStatus(t, a.upload(t, jbase+j+"/attach_document/", a.aliceT, "minutes.pdf", []byte("%PDF-1.4\n%%EOF\n")), http.StatusOK)
	srv = httptest.NewServer(a.handler)
	t.Cleanup(srv.Close)
	return srv, v["uuid"].(string), j
}

func TestConsoleSignInAndSecurityHeaders(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		srv, _, _ := consoleAPI(t, a)
		b := newBrowser(t, srv)
		p := b.get("/console/")
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/console/sign-in") {
			t.Fatalf("without a session: %d %s", p.status, p.header.Get("Location"))
		}
		p = b.get("/console/sign-in")
		for header, want := range map[string]string{"Content-Security-Policy": "frame-ancestors 'none'", "X-Content-Type-Options": "nosniff",
			"Referrer-Policy": "same-origin"} {
			if !strings.Contains(p.header.Get(header), want) {
				t.Errorf("%s: %q, want %q", header, p.header.Get(header), want)
			}
		}
		if strings.Contains(p.header.Get("Content-Security-Policy"), "unsafe-inline") || p.doc.Find("script:not([src])").Length() > 0 || p.doc.Find("[style]").Length() > 0 {
			t.Error("inline script or style on the sign-in page")
		}
		b.signIn("stan")
		var cookie *http.Cookie
		for _, c := range b.client.Jar.Cookies(mustURL(t, srv.URL+"/console/")) {
			cookie = c
		}
		if cookie == nil {
			t.Fatal("no session cookie")
		}
		p = b.get("/console/")
		if p.status != http.StatusOK || p.doc.Find(".who").Text() != "stan (staff)" {
			t.Fatalf("queue: %d %q", p.status, p.doc.Find(".who").Text())
		}
		// A new session at each sign-in; the old one ends.
		b.signIn("stan")
		old := newBrowser(t, srv)
		old.client.Jar.SetCookies(mustURL(t, srv.URL+"/console/"), []*http.Cookie{cookie})
		if p := old.get("/console/"); p.status != http.StatusSeeOther {
			t.Fatalf("the session before the second sign-in still works: %d", p.status)
		}
		// Sign-out ends the session.
		if p := b.post("/console/sign-out", url.Values{}); p.status != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", p.status)
		}
		if p := b.get("/console/"); p.status != http.StatusSeeOther {
			t.Fatalf("after sign-out: %d", p.status)
		}
	})
}

// Failed sign-ins answer one message, and past the limit even the right
// password is refused: per username, and per client address.
func TestConsoleSignInThrottle(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		srv, _, _ := consoleAPI(t, a)
		b := newBrowser(t, srv)
		wrong := b.post("/console/sign-in", url.Values{"username": {"stan"}, "password": {"not the password"}})
		unknown := b.post("/console/sign-in", url.Values{"username": {"nobody"}, "password": {"not the password"}})
		if wrong.status != http.StatusUnauthorized || unknown.status != http.StatusUnauthorized ||
			wrong.doc.Find(".error").Text() != unknown.doc.Find(".error").Text() {
			t.Fatalf("a wrong password and an unknown user answer differently: %d %q / %d %q", wrong.status,
				wrong.doc.Find(".error").Text(), unknown.status, unknown.doc.Find(".error").Text())
		}
		for range 3 {
			b.post("/console/sign-in", url.Values{"username": {"stan"}, "password": {"still not it"}})
		}
		// Five failures from this address: the right password is refused too, for anyone.
		p := b.post("/console/sign-in", url.Values{"username": {"sue"}, "password": {consolePassword}})
		if p.status != http.StatusUnauthorized {
			t.Fatalf("sign-in after 5 failures from one address: %d", p.status)
		}
	})
}

func TestConsoleQueueAndEscaping(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		srv, caseID, _ := consoleAPI(t, a)
		b := newBrowser(t, srv)
		b.signIn("stan")
		p := b.get("/console/?tab=review&country=EE&q=10000024")
		if p.status != http.StatusOK || p.doc.Find("tbody tr").Length() != 1 {
			t.Fatalf("queue: %d, %d rows", p.status, p.doc.Find("tbody tr").Length())
		}
		if got := p.doc.Find(`.tabs a[aria-current="page"] .count`).Text(); got != "1" {
			t.Errorf("the tab counts %q, want 1", got)
		}
		if p := b.get("/console/?tab=review&country=NO"); p.doc.Find("tbody tr").Length() != 0 {
			t.Error("the country filter lets EE through")
		}
		c := b.get("/console/cases/" + caseID + "?tab=review")
		if c.status != http.StatusOK {
			t.Fatalf("case page: %d %s", c.status, c.body)
		}
		for _, raw := range []string{"<script>alert(1)</script>", `<img src=x onerror=alert(1)>`} {
			if strings.Contains(c.body, raw) {
				t.Errorf("%s reached the page unescaped", raw)
			}
		}
		if !strings.Contains(c.doc.Find("h1").Text(), "<script>alert(1)</script>") || !strings.Contains(c.doc.Find("blockquote").Text(), `"><img src=x onerror=alert(1)>`) {
			t.Error("the names do not render as text")
		}
		if c.doc.Find("form.approve").Length() != 1 || c.doc.Find("form.reject").Length() != 1 {
			t.Error("staff see no decision controls")
		}
		// The document: inline in a sandbox, or as a download.
		href, _ := c.doc.Find(".docs a").First().Attr("href")
		d := b.get(href)
		if d.status != http.StatusOK || d.header.Get("Content-Security-Policy") != "sandbox" || !strings.HasPrefix(d.header.Get("Content-Disposition"), "inline") ||
			d.header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("document: %d %v", d.status, d.header)
		}
		if d := b.get(href + "?download=1"); !strings.HasPrefix(d.header.Get("Content-Disposition"), "attachment") {
			t.Errorf("download: %v", d.header.Get("Content-Disposition"))
		}
		// The export: the queue as CSV, no person data.
		e := b.get("/console/export.csv?tab=review")
		if e.status != http.StatusOK || !strings.HasPrefix(e.header.Get("Content-Type"), "text/csv") || strings.Count(e.body, "\n") != 2 || !strings.Contains(e.body, caseID) {
			t.Fatalf("export: %d %q", e.status, e.body)
		}
		if strings.Contains(e.body, estonianPerson) {
			t.Error("the export holds a personal code")
		}
	})
}

// Support users see every case and no decision controls, and the server
// refuses their writes; regular users get a 403 page; a cross-site POST
// is refused.
func TestConsoleRoles(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		srv, caseID, j := consoleAPI(t, a)
		sue := newBrowser(t, srv)
		sue.signIn("sue")
		c := sue.get("/console/cases/" + caseID)
		if c.status != http.StatusOK || c.doc.Find("form.approve, form.reject, form[action$='/claim']").Length() != 0 {
			t.Fatalf("support: %d, %d decision forms", c.status, c.doc.Find("form.approve, form.reject").Length())
		}
		forged := sue.post("/console/justifications/"+j+"/decide", url.Values{"decision": {"approved"}, "reason": {a.server.Config().ApproveReasons[0]}})
		if forged.status != http.StatusForbidden {
			t.Fatalf("support's forged decision: %d", forged.status)
		}
		alice := newBrowser(t, srv)
		alice.signIn("alice")
		if p := alice.get("/console/"); p.status != http.StatusForbidden {
			t.Fatalf("a regular user: %d", p.status)
		}
		stan := newBrowser(t, srv)
		stan.signIn("stan")
		cross := stan.send("POST", "/console/justifications/"+j+"/decide", url.Values{"decision": {"approved"}, "reason": {a.server.Config().ApproveReasons[0]}},
			map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
		if cross.status != http.StatusForbidden {
			t.Fatalf("a cross-site POST: %d", cross.status)
		}
		if v := a.do(t, "GET", base+caseID+"/", a.staffT, nil).Object(t); v["status"] != domain.StatusEscalated {
			t.Fatalf("a refused write changed the case: %v", v["status"])
		}
	})
}

// A session idle past ONBOARDING_CONSOLE_IDLE_TIMEOUT returns to sign-in.
func TestConsoleSessionExpires(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t)
	clock := fakeClock(st)
	a := newAPI(t, st, server.Config{SessionIdle: time.Hour, SessionMax: 8 * time.Hour})
	srv, _, _ := consoleAPI(t, a)
	b := newBrowser(t, srv)
	b.signIn("stan")
	clock.Advance(59 * time.Minute)
	if p := b.get("/console/"); p.status != http.StatusOK {
		t.Fatalf("within the idle timeout: %d", p.status)
	}
	clock.Advance(61 * time.Minute)
	if p := b.get("/console/"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/console/sign-in") {
		t.Fatalf("idle past the timeout: %d %s", p.status, p.header.Get("Location"))
	}
	b.signIn("stan")
	for range 9 {
		clock.Advance(55 * time.Minute) // never idle, but past the absolute limit
		b.get("/console/")
	}
	if p := b.get("/console/"); p.status != http.StatusSeeOther {
		t.Fatalf("past the absolute limit: %d", p.status)
	}
}

// One reviewer at a time: a case claimed by one cannot be claimed by
// another until the claim is released or lapses.
func TestConsoleClaims(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		srv, caseID, _ := consoleAPI(t, a)
		other, _ := a.user(domain.User{Username: "stella", IsStaff: true})
		hash, _ := password.Hash(consolePassword)
		if err := a.store.SetPassword(context.Background(), other.ID, hash); err != nil {
			t.Fatal(err)
		}
		stan, stella := newBrowser(t, srv), newBrowser(t, srv)
		stan.signIn("stan")
		stella.signIn("stella")
		if p := stan.post("/console/cases/"+caseID+"/claim", url.Values{"back": {"tab=review"}}); p.status != http.StatusSeeOther {
			t.Fatalf("claim: %d %s", p.status, p.body)
		}
		p := stella.post("/console/cases/"+caseID+"/claim", url.Values{"back": {"tab=review"}})
		if p.status != http.StatusConflict || !strings.Contains(p.doc.Find(".error").Text(), "Another reviewer") {
			t.Fatalf("a second claim: %d %q", p.status, p.doc.Find(".error").Text())
		}
		if got := stella.get("/console/cases/" + caseID).doc.Find(".claim strong").Text(); got != "stan" {
			t.Fatalf("others see the case held by %q, want stan", got)
		}
		if p := stella.get("/console/?tab=review&assignee=unassigned"); p.doc.Find("tbody tr").Length() != 0 {
			t.Error("a claimed case is listed as unassigned")
		}
	})
}

// A decision goes through the API's rules: approve with a reason and
// create the customer, then the next case of the queue opens; the API
// shows the verification verified, its customer and the events.
func TestConsoleApproveCreatesTheCustomer(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		srv, caseID, j := consoleAPI(t, a)
		next := eeCase(t, a, "10000001", domain.StatusFailed) // failed: in the queue once justified
		justify(t, a, next)
		stan := newBrowser(t, srv)
		stan.signIn("stan")
		reason := a.server.Config().ApproveReasons[0]
		// A rejection needs a note: nothing changes without one.
		p := stan.post("/console/justifications/"+j+"/decide", url.Values{"decision": {"rejected"}, "reason": {a.server.Config().RejectReasons[0]}, "back": {"tab=review"}})
		if p.status != http.StatusBadRequest {
			t.Fatalf("a rejection without a note: %d", p.status)
		}
		p = stan.post("/console/justifications/"+j+"/decide", url.Values{"decision": {"approved"}, "reason": {reason},
			"note": {"Board minutes checked."}, "create_customer": {"1"}, "back": {"tab=review"}})
		if p.status != http.StatusSeeOther || !strings.Contains(p.header.Get("Location"), "/console/cases/"+next["uuid"].(string)) {
			t.Fatalf("after the decision: %d %s, want the next case %s", p.status, p.header.Get("Location"), next["uuid"])
		}
		v := a.do(t, "GET", base+caseID+"/", a.aliceT, nil).Object(t)
		if v["status"] != domain.StatusVerified {
			t.Fatalf("the verification is %v", v["status"])
		}
		customers := a.do(t, "GET", "/api/customers/", a.aliceT, nil)
		wantStatus(t, customers, http.StatusOK)
		if !strings.Contains(string(customers.Body), `"registration_code":"`+escalatedCode+`"`) {
			t.Fatalf("no customer: %s", customers.Body)
		}
		events := string(a.do(t, "GET", base+caseID+"/events/", a.aliceT, nil).Body)
		for _, kind := range []string{`"kind":"approved"`, `"kind":"customer_created"`} {
			if !strings.Contains(events, kind) {
				t.Errorf("no %s event: %s", kind, events)
			}
		}
		jres := a.do(t, "GET", jbase, a.aliceT, nil)
		if !strings.Contains(string(jres.Body), `"staff_notes":"`+reason+`: Board minutes checked."`) {
			t.Errorf("the staff notes do not carry the reason and note: %s", jres.Body)
		}
	})
}

func mustURL(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// The export walks the whole queue, page after page, each case once.
func TestConsoleExportWalksEveryPage(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		srv, _, _ := consoleAPI(t, a)
		if err := a.store.SeedVerifications(context.Background(), 1203, []int64{a.bob.ID}); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, srv)
		b.signIn("stan")
		e := b.get("/console/export.csv?tab=all")
		lines := strings.Split(strings.TrimSpace(e.body), "\n")
		seen := map[string]bool{}
		for _, line := range lines[1:] {
			seen[strings.SplitN(line, ",", 2)[0]] = true
		}
		if e.status != http.StatusOK || len(lines) != 1+1204 || len(seen) != 1204 {
			t.Fatalf("export: %d, %d lines, %d distinct cases; want 1,204 cases once each", e.status, len(lines)-1, len(seen))
		}
	})
}
