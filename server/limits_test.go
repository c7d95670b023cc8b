package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// chunked hides a body's length, as a chunked upload does.
type chunked struct{ io.Reader }

// send sends a request whose body is given as a reader (its length
// unknown unless it is a *bytes.Reader) and validates the response.
func (a *api) send(t *testing.T, method, path, contentType string, body io.Reader) response {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Token "+a.aliceT)
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	res := response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	checkContract(t, req, res)
	return res
}

// jsonOf is a JSON document of at least n bytes: one long string field.
func jsonOf(n int) []byte {
	return []byte(`{"country": "EE", "legal_name": "` + strings.Repeat("a", n) + `"}`)
}

func want413(t *testing.T, what string, res response) {
	t.Helper()
	if res.Status != http.StatusRequestEntityTooLarge || !strings.Contains(res.Object(t)["detail"].(string), "at most") {
		t.Errorf("%s: %d %s, want 413 naming the limit", what, res.Status, res.Body)
	}
}

// Each operation has its own body limit, enforced while the body is read
// (a chunked body with no Content-Length too): JSON 1 MiB, a document its
// 10 MB plus an envelope, submit_answers what its checklist's files allow.
func TestBodyLimitsPerRoute(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		_, q := withExampleChecklist(t, a) // registry_extract: one PDF up to 5 MB
		want413(t, "JSON with Content-Length", a.send(t, "POST", start, "application/json", bytes.NewReader(jsonOf(2<<20))))
		want413(t, "chunked JSON", a.send(t, "POST", start, "application/json", chunked{bytes.NewReader(jsonOf(2 << 20))}))

		v := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "12417834"}).Object(t)
		answers := base + v["uuid"].(string) + "/submit_answers/"
		pdf := func(size int) []byte {
			content := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte(" "), size)...)
			body, _ := json.Marshal([]any{answer(q["registry_extract"], map[string]any{"name": "extract.pdf", "content": base64.StdEncoding.EncodeToString(content)})})
			return body
		}
		// 4 MB of PDF is 5.3 MB of JSON: past the JSON limit, within the checklist's.
		wantStatus(t, a.send(t, "POST", answers, "application/json", chunked{bytes.NewReader(pdf(4 << 20))}), http.StatusOK)
		want413(t, "answers past the checklist's file limit", a.send(t, "POST", answers, "application/json", chunked{bytes.NewReader(pdf(9 << 20))}))

		j := justify(t, a, eeCase(t, a, escalatedCode, "escalated"))
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		part, _ := w.CreateFormFile("file", "scan.pdf")
		part.Write(append([]byte("%PDF-1.4\n"), make([]byte, 11<<20)...))
		w.Close()
		want413(t, "chunked document past 10 MB and its envelope", a.send(t, "POST", jbase+j["uuid"].(string)+"/attach_document/", w.FormDataContentType(), chunked{&body}))
	})
}

// Query filters holding NUL or invalid UTF-8 are the client's mistake: 400
// naming the parameter, on both databases (PostgreSQL would refuse the
// bytes with a 500 if they reached it).
func TestQueryFiltersRejectNULAndInvalidUTF8(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		for _, query := range []string{"country=%00", "legal_person_identifier=%ff%fe", "legal_name=a%00b"} {
			res := a.do(t, "GET", base+"?"+query, a.aliceT, nil)
			wantStatus(t, res, http.StatusBadRequest)
			name, _, _ := strings.Cut(query, "=")
			if _, ok := res.Object(t)[name]; !ok {
				t.Errorf("%s: %s does not name the parameter", query, res.Body)
			}
		}
	})
}

// A page number whose offset overflows is past the end: 404 "Invalid
// page." on every list and both databases (an overflowing OFFSET would be
// a 500 on PostgreSQL).
func TestHugePageNumber(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		for _, list := range []string{base, "/api/customers/", jbase, "/api/checklists-admin/", "/api/checklists-admin-questions/",
			"/api/checklists-admin-question-options/", "/api/checklists-admin-question-dependencies/",
			"/api/onboarding-country-configs/", "/api/onboarding-question-metadata/"} {
			for _, size := range []string{"", "&page_size=300", "&page_size=1"} {
				res := a.do(t, "GET", list+"?page=922337203685477582"+size, a.staffT, nil)
				wantStatus(t, res, http.StatusNotFound)
				if res.Object(t)["detail"] != "Invalid page." {
					t.Errorf("%s: %s", list, res.Body)
				}
			}
		}
	})
}

// The Link header echoes the operation's own parameters only: whatever
// else the client sends (here a 100 KB parameter) is not repeated four times.
func TestLinkEchoesOnlyDeclaredParameters(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{})
	for range 3 {
		wantStatus(t, a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "12417834"}), http.StatusOK)
	}
	res := a.do(t, "GET", base+"?page_size=1&page=2&country=EE&junk="+strings.Repeat("x", 100<<10), a.aliceT, nil)
	wantStatus(t, res, http.StatusOK)
	link := res.Header.Get("Link")
	if strings.Contains(link, "junk") || len(link) > 2000 || !strings.Contains(link, "country=EE") || !strings.Contains(link, "page_size=1") {
		t.Fatalf("Link %q", link)
	}
}

// A client that goes away is logged as 499 at INFO, not as a 500 error.
func TestClientGoneIsLogged499(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, "GET", base, nil)
	req.Header.Set("Authorization", "Token "+a.aliceT)
	a.handler.ServeHTTP(httptest.NewRecorder(), req)
	var line struct {
		Level  string
		Msg    string
		Status int
	}
	found := false
	for _, l := range strings.Split(strings.TrimSpace(a.logs.String()), "\n") {
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatal(err)
		}
		if line.Level == "ERROR" {
			t.Errorf("error logged: %s", l)
		}
		if line.Msg == "request" {
			found = line.Status == 499 && line.Level == "INFO"
		}
	}
	if !found {
		t.Fatalf("no INFO request line with 499: %s", a.logs.String())
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `onboarding_http_requests_total{code="4xx",operation="onboarding_verifications_list"} 1`) {
		t.Errorf("the metrics do not count the disconnect as 4xx:\n%s", rec.Body)
	}
}

// serve runs the service on a real socket with cfg's timeouts.
func serve(t *testing.T, a *api, cfg server.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		server.Serve(ctx, ln, a.handler, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		close(done)
	}()
	t.Cleanup(func() { stop(); <-done })
	return ln.Addr().String()
}

// A plain client that sends a too-large body in one go, without Expect:
// 100-continue, reads the 413 and its detail, not a connection reset: a
// 3 MiB body at a modest network's pace, and 40 MiB as fast as loopback
// takes it (past what the service read before it answered, once).
func TestPlainClientReads413(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{})
	addr := serve(t, a, server.Config{})
	for _, c := range []struct {
		length string
		size   int
		pause  time.Duration
	}{
		{"Content-Length", 3 << 20, 20 * time.Millisecond},
		{"Transfer-Encoding", 3 << 20, 20 * time.Millisecond},
		{"Content-Length", 40 << 20, 0},
		{"Transfer-Encoding", 40 << 20, 0},
	} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		body := jsonOf(c.size)[:c.size]
		header := fmt.Sprintf("Content-Length: %d", len(body))
		if c.length == "Transfer-Encoding" {
			header = "Transfer-Encoding: chunked"
			body = append(fmt.Appendf(nil, "%x\r\n", len(body)), append(body, "\r\n0\r\n\r\n"...)...)
		}
		// Like urllib: send everything, then read; a failed send is what
		// the user sees.
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: test\r\nAuthorization: Token %s\r\nContent-Type: application/json\r\n%s\r\n\r\n", start, a.aliceT, header)
		for len(body) > 0 {
			n := min(len(body), 64<<10)
			if _, err := conn.Write(body[:n]); err != nil {
				t.Fatalf("%s, %d bytes: sending the body: %v", c.length, c.size, err)
			}
			body = body[n:]
			time.Sleep(c.pause)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s, %d bytes: %v", c.length, c.size, err)
		}
		detail, err := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusRequestEntityTooLarge || err != nil || !strings.Contains(string(detail), "at most 1048576 bytes") {
			t.Errorf("%s, %d bytes: %d %s %v", c.length, c.size, res.StatusCode, detail, err)
		}
		conn.Close()
	}
}

// A body trickled in is cut off at the read timeout, and an idle
// keep-alive connection is closed at the idle timeout.
func TestServerTimeouts(t *testing.T) {
	t.Parallel()
	a := newAPI(t, sqliteStore(t), server.Config{})
	addr := serve(t, a, server.Config{ReadTimeout: 500 * time.Millisecond, IdleTimeout: 500 * time.Millisecond})

	closedWithin := func(conn net.Conn, trickle bool) time.Duration {
		began := time.Now()
		read := make(chan struct{})
		go func() {
			io.Copy(io.Discard, conn) // returns when the server closes
			close(read)
		}()
		for {
			select {
			case <-read:
				return time.Since(began)
			case <-time.After(200 * time.Millisecond):
				if time.Since(began) > 5*time.Second {
					return time.Since(began)
				}
				if trickle {
					conn.Write([]byte(" "))
				}
			}
		}
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: test\r\nAuthorization: Token %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n", start, a.aliceT)
	if d := closedWithin(conn, true); d > 3*time.Second {
		t.Errorf("trickled body held the connection %v", d)
	}

	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	fmt.Fprintf(idle, "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
	if d := closedWithin(idle, false); d > 3*time.Second {
		t.Errorf("idle keep-alive connection open %v", d)
	}
}

// A JSON body is read once and decoded once before its handler decodes it
// (the NUL check works on the validator's decoding): a 900 KB
// submit_answers allocates a small multiple of its size, not one more copy
// per check.
func TestJSONBodyReadOnce(t *testing.T) {
	a := newAPI(t, sqliteStore(t), server.Config{})
	v := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "EE", "legal_person_identifier": "12417834"}).Object(t)
	body, _ := json.Marshal([]any{map[string]any{"question_uuid": "0b5e0c1e-2f43-4a57-9c1d-1f2e3d4c5b6a", "answer_data": strings.Repeat("a", 900<<10)}})
	path := base + v["uuid"].(string) + "/submit_answers/"
	a.send(t, "POST", path, "application/json", bytes.NewReader(body)) // warm up
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res := a.send(t, "POST", path, "application/json", bytes.NewReader(body))
	runtime.ReadMemStats(&after)
	wantStatus(t, res, http.StatusBadRequest) // no checklist for this verification
	ratio := float64(after.TotalAlloc-before.TotalAlloc) / float64(len(body))
	t.Logf("allocated %.1f× the body", ratio)
	if ratio > 7 {
		t.Errorf("allocated %.1f× the body's size", ratio)
	}
}

// A justification holds a limited number of documents of a limited total
// size (ONBOARDING_MAX_DOCUMENTS, ONBOARDING_MAX_DOCUMENTS_BYTES): past
// either, 400 naming the file, nothing stored.
func TestDocumentQuota(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, s *store.Store) {
		a := newAPI(t, s, server.Config{MaxDocuments: 3, MaxDocumentsSum: 2500})
		path := jbase + justify(t, a, eeCase(t, a, escalatedCode, "escalated"))["uuid"].(string) + "/attach_document/"
		pdf := func(size int) []byte { return append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte(" "), size-9)...) }
		wantStatus(t, a.upload(t, path, a.aliceT, "a.pdf", pdf(1000)), http.StatusOK)
		wantStatus(t, a.upload(t, path, a.aliceT, "b.pdf", pdf(1000)), http.StatusOK)
		res := a.upload(t, path, a.aliceT, "c.pdf", pdf(1000)) // 3000 bytes in all
		wantStatus(t, res, http.StatusBadRequest)
		if msg := res.Object(t)["file"]; !strings.Contains(fmt.Sprint(msg), "2500 bytes") {
			t.Errorf("size quota: %s", res.Body)
		}
		wantStatus(t, a.upload(t, path, a.aliceT, "c.pdf", pdf(100)), http.StatusOK)
		res = a.upload(t, path, a.aliceT, "d.pdf", pdf(10))
		wantStatus(t, res, http.StatusBadRequest)
		if msg := res.Object(t)["file"]; !strings.Contains(fmt.Sprint(msg), "3 documents") {
			t.Errorf("count quota: %s", res.Body)
		}
		var js []map[string]any
		a.do(t, "GET", jbase, a.aliceT, nil).JSON(t, &js)
		if docs := js[0]["documents"].([]any); len(docs) != 3 {
			t.Fatalf("%d documents stored, want 3", len(docs))
		}
	})
}
