package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// BenchmarkUploadRSS is a bounded soak of the service process: 16
// concurrent maximum-size document uploads (10 MB each, all accepted),
// then 16 concurrent 31 MB uploads (all refused with 413). It prints the
// process's peak resident memory, which must stay under 150 MB:
//
//	go test ./cmd/onboarding -run '^$' -bench UploadRSS -benchtime 1x
//
// With ONBOARDING_TEST_DATABASE_URL set it runs on PostgreSQL, else SQLite.
func BenchmarkUploadRSS(b *testing.B) {
	const uploads, limitMB = 16, 150
	dbURL := "sqlite://" + filepath.Join(b.TempDir(), "soak.db")
	if os.Getenv(storetest.EnvURL) != "" {
		dbURL = storetest.PostgresURL(b)
	}
	bin := buildBinary(b)
	env := append(os.Environ(), "ONBOARDING_DATABASE_URL="+dbURL, "ONBOARDING_SANDBOX=true")
	cmd := exec.Command(bin, "user", "create", "--username", "soak")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("user create: %v", err)
	}
	var who credentials
	if err := json.Unmarshal(out, &who); err != nil {
		b.Fatal(err)
	}
	cmd = exec.Command(bin, "checklist", "import", "../../examples/checklists/company-onboarding.yaml")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("checklist import: %v\n%s", err, out)
	}
	p := startServe(b, bin, env, nil)
	base := p.base

	call := func(method, path, contentType string, body io.Reader) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+path, body)
		req.Header.Set("Authorization", "Token "+who.Token)
		req.Header.Set("Content-Type", contentType)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, map[string]any{"error": err.Error()}
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	// One escalated case and a justification per upload (each within its quota).
	_, v := call("POST", "/api/onboarding-verifications/start_verification/", "application/json",
		strings.NewReader(`{"country":"EE","legal_person_identifier":"10000024","person_identifier":"48001010005"}`))
	if status, got := call("POST", fmt.Sprintf("/api/onboarding-verifications/%s/run_validation/", v["uuid"]), "application/json", nil); status != 200 || got["status"] != "escalated" {
		b.Fatalf("run_validation: %d %v", status, got)
	}
	var paths []string
	for range uploads {
		status, j := call("POST", "/api/onboarding-justifications/", "application/json",
			strings.NewReader(fmt.Sprintf(`{"verification_uuid":%q,"user_justification":"soak"}`, v["uuid"])))
		if status != http.StatusCreated {
			b.Fatalf("justification: %d %v", status, j)
		}
		paths = append(paths, fmt.Sprintf("/api/onboarding-justifications/%s/attach_document/", j["uuid"]))
	}
	multipartBody := func(size int) (string, []byte) {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		part, _ := w.CreateFormFile("file", "scan.pdf")
		part.Write(append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), size-9)...))
		w.Close()
		return w.FormDataContentType(), body.Bytes()
	}
	round := func(size, want int) time.Duration {
		contentType, body := multipartBody(size)
		began := time.Now()
		var wg sync.WaitGroup
		for _, path := range paths {
			wg.Go(func() {
				if status, got := call("POST", path, contentType, bytes.NewReader(body)); status != want {
					b.Errorf("upload of %d bytes: %d %v, want %d", size, status, got, want)
				}
			})
		}
		wg.Wait()
		return time.Since(began)
	}
	// submit_answers: one verification per upload, each answering the
	// checklist's file question (at most 5 MB) with a 5 MB PDF, base64 in JSON.
	var answers []string
	var question string
	for range uploads {
		_, v := call("POST", "/api/onboarding-verifications/start_verification/", "application/json",
			strings.NewReader(`{"country":"EE","legal_person_identifier":"12417834","person_identifier":"48001010005"}`))
		answers = append(answers, fmt.Sprintf("/api/onboarding-verifications/%s/submit_answers/", v["uuid"]))
		if question == "" {
			question = fileQuestion(b, base, who.Token, v["uuid"].(string))
		}
	}
	answersRound := func(size, want int) time.Duration {
		pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), size-9)...)
		body, _ := json.Marshal([]map[string]any{{"question_uuid": question, "answer_data": map[string]any{"name": "extract.pdf", "content": pdf}}})
		began := time.Now()
		var wg sync.WaitGroup
		for _, path := range answers {
			wg.Go(func() {
				if status, got := call("POST", path, "application/json", bytes.NewReader(body)); status != want {
					b.Errorf("answer with %d bytes: %d %v, want %d", size, status, got, want)
				}
			})
		}
		wg.Wait()
		return time.Since(began)
	}
	check := func(what string, peak float64) {
		b.ReportMetric(peak, what+"-peak-RSS-MB")
		if peak >= limitMB {
			b.Errorf("%s: peak RSS %.0f MB, want under %d MB", what, peak, limitMB)
		}
	}
	b.ResetTimer()
	for range b.N {
		accepted := round(10<<20, http.StatusOK)
		refused := round(31<<20, http.StatusRequestEntityTooLarge)
		peak := residentMB(b, p.cmd.Process.Pid, "VmHWM")
		fmt.Printf("attach_document: 16 × 10 MB accepted in %v, 16 × 31 MB refused in %v: peak RSS %.0f MB, now %.0f MB (limit %d MB)\n",
			accepted.Round(time.Millisecond), refused.Round(time.Millisecond), peak, residentMB(b, p.cmd.Process.Pid, "VmRSS"), limitMB)
		check("attach_document", peak)
		resetPeak(b, p.cmd.Process.Pid)
		took := answersRound(5<<20, http.StatusOK)
		peak = residentMB(b, p.cmd.Process.Pid, "VmHWM")
		fmt.Printf("submit_answers: 16 × 5 MB files (base64 in JSON) accepted in %v: peak RSS %.0f MB, now %.0f MB (limit %d MB)\n",
			took.Round(time.Millisecond), peak, residentMB(b, p.cmd.Process.Pid, "VmRSS"), limitMB)
		check("submit_answers", peak)
	}
}

// fileQuestion is the uuid of the file question in verification's checklist.
func fileQuestion(b *testing.B, base, token, verification string) string {
	req, _ := http.NewRequest("GET", base+"/api/onboarding-verifications/"+verification+"/checklist/", nil)
	req.Header.Set("Authorization", "Token "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var c struct {
		Questions []struct {
			UUID string `json:"uuid"`
			Type string `json:"question_type"`
		} `json:"questions"`
	}
	if err := json.NewDecoder(res.Body).Decode(&c); err != nil {
		b.Fatal(err)
	}
	for _, q := range c.Questions {
		if q.Type == "file" {
			return q.UUID
		}
	}
	b.Fatalf("no file question in %+v", c)
	return ""
}

// resetPeak resets a process's peak resident memory (VmHWM) to its
// current size, so the next workload's peak is its own.
func resetPeak(b *testing.B, pid int) {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		b.Fatal(err)
	}
}

// residentMB reads a memory figure (VmHWM: peak, VmRSS: current) of a
// process from /proc, in MB.
func residentMB(b *testing.B, pid int, field string) float64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
