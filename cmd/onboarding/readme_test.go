package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/onboarding-kyb/onboarding/contracttest"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// The documentation sections whose sh blocks run, in order, as one shell
// session: the README's walk-through, then its continuations in docs/.
var readmeWalkthrough = []docSection{
	{"../../README.md", "Walk-through (curl)"},
	{"../../docs/api.md", "Safe retries: Idempotency-Key"},
	{"../../docs/checklists.md", "Admin API"},
}

type docSection struct{ file, heading string }

// TestReadmeWalkthrough runs the README's walk-through verbatim (bash, curl,
// the CLI) against the service, through a proxy that checks every response
// against openapi.yaml (and records it for the Ajv pass of make
// contract-validate). The statuses the README announces ("# → 201 …") must
// come back in that order, and no other response may be an error.
func TestReadmeWalkthrough(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "sed"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the walk-through needs %s: %v", tool, err)
		}
	}
	var script strings.Builder
	for _, s := range readmeWalkthrough {
		doc, err := os.ReadFile(s.file)
		if err != nil {
			t.Fatal(err)
		}
		script.WriteString(shBlocks(t, string(doc), s.heading))
	}
	announced := announcements(script.String())
	if len(announced) < 5 {
		t.Fatalf("the walk-through announces only %v", announced)
	}
	bin := buildBinary(t)

	storetest.DialectURLs(t, func(t *testing.T, dbURL string) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(bin, filepath.Join(dir, "bin", "onboarding")); err != nil {
			t.Fatal(err)
		}
		env := append(os.Environ(), "ONBOARDING_DATABASE_URL="+dbURL, "ONBOARDING_SANDBOX=true")
		// A file, not a buffer: reading it while the service's log is
		// copied into it is no data race.
		serverLog, err := os.Create(filepath.Join(dir, "server.log"))
		if err != nil {
			t.Fatal(err)
		}
		defer serverLog.Close()
		serviceURL := startServe(t, bin, env, serverLog).base

		var mu sync.Mutex
		var seen []string // "METHOD path → status body"
		var statuses []int
		var bodies []string
		target, _ := url.Parse(serviceURL)
		proxy := httputil.NewSingleHostReverseProxy(target)
		proxy.ModifyResponse = func(res *http.Response) error {
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				return err
			}
			res.Body = io.NopCloser(bytes.NewReader(body))
			contracttest.Check(t, res.Request, res.StatusCode, res.Header, body)
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, res.Request.Method+" "+res.Request.URL.Path+" → "+strconv.Itoa(res.StatusCode)+" "+string(body))
			statuses = append(statuses, res.StatusCode)
			bodies = append(bodies, string(body))
			return nil
		}
		front := httptest.NewServer(proxy)
		defer front.Close()

		shell := exec.Command("bash", "-euo", "pipefail", "-c",
			strings.ReplaceAll(script.String(), "localhost:8080", strings.TrimPrefix(front.URL, "http://")))
		shell.Dir = dir
		shell.Env = env
		out, err := shell.CombinedOutput()
		mu.Lock()
		defer mu.Unlock()
		trail := strings.Join(seen, "\n")
		if err != nil {
			log, _ := os.ReadFile(serverLog.Name())
			t.Fatalf("the walk-through failed: %v\n%s\nresponses:\n%s\nserver log:\n%s", err, out, trail, log)
		}
		if curls := strings.Count(script.String(), "curl -s"); len(statuses) < curls {
			t.Errorf("%d curl commands, %d responses:\n%s", curls, len(statuses), trail)
		}
		// The announced responses, in order, among those received: the
		// status, with each field shown.
		next := 0
		for _, want := range announced {
			found := -1
			for i := next; i < len(statuses) && found < 0; i++ {
				if statuses[i] == want.status && want.matches(bodies[i]) {
					found = i
				}
			}
			if found < 0 {
				t.Fatalf("the README announces\n%s\n(fields %q); no response after the previous announcement's matches:\n%s", want.line, want.fields, trail)
			}
			next = found + 1
		}
		// Errors only where the README shows one.
		var errs, announcedErrs int
		for _, s := range statuses {
			if s >= 400 {
				errs++
			}
		}
		for _, a := range announced {
			if a.status >= 400 {
				announcedErrs++
			}
		}
		if errs != announcedErrs {
			t.Errorf("%d error responses, the README shows %d:\n%s", errs, announcedErrs, trail)
		}
	})
}

// shBlocks joins the sh code blocks of the named sections of a Markdown
// document (a heading of any level, up to the next heading), without the
// line that starts the service: the test starts it.
func shBlocks(t *testing.T, doc string, sections ...string) string {
	t.Helper()
	blocks := map[string][]string{} // section → its sh blocks' lines
	var section string
	fence := "" // the info string of the open code block, if any
	for line := range strings.Lines(doc) {
		switch {
		case fence == "" && strings.HasPrefix(line, "```"):
			fence = strings.TrimSpace(strings.TrimPrefix(line, "```"))
		case fence != "" && strings.HasPrefix(line, "```"):
			fence = ""
		case fence == "sh" && !strings.HasPrefix(line, "make run"):
			blocks[section] = append(blocks[section], line)
		case fence == "" && strings.HasPrefix(line, "#"):
			section = strings.TrimSpace(strings.TrimLeft(line, "#"))
		}
	}
	var script strings.Builder
	for _, name := range sections {
		if len(blocks[name]) == 0 {
			t.Fatalf("no section %q with an sh block", name)
		}
		script.WriteString(strings.Join(blocks[name], ""))
	}
	return script.String()
}

// An announcement is a "# → 201 {"name": "Bolt Technology OÜ", …}" comment:
// the status, and the fields shown with a literal value, as the server
// writes them ("name":"Bolt Technology OÜ"). Placeholders (…, "A") are
// not fields.
type announcement struct {
	line   string
	status int
	fields []string
}

func (a announcement) matches(body string) bool {
	for _, f := range a.fields {
		if !strings.Contains(body, f) {
			return false
		}
	}
	return true
}

func announcements(script string) []announcement {
	var all []announcement
	field := regexp.MustCompile(`"(\w+)": ("[^"…]*"|-?\d+|true|false|null)`)
	for _, m := range regexp.MustCompile(`# → (\d{3})\b(.*(?:\n#  .*)*)`).FindAllStringSubmatch(script, -1) {
		a := announcement{line: m[0]}
		a.status, _ = strconv.Atoi(m[1])
		for _, f := range field.FindAllStringSubmatch(m[2], -1) {
			if f[1] != "uuid" {
				a.fields = append(a.fields, `"`+f[1]+`":`+f[2])
			}
		}
		all = append(all, a)
	}
	return all
}

// buildBinary compiles the onboarding binary into t's temp dir.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "onboarding")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}
