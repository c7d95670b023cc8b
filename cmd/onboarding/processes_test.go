package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/contracttest"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// TestTwoProcessesCreateOneCustomer starts two service processes on one
// PostgreSQL database and fires concurrent create_customer calls at both:
// exactly one customer and one "customer created" event come out.
func TestTwoProcessesCreateOneCustomer(t *testing.T) {
	t.Parallel()
	needPostgres(t)
	dbURL := storetest.PostgresURL(t)
	who, procs := startProcesses(t, dbURL, nil)

	call := func(base, method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Token "+who.Token)
		req.Header.Set("Content-Type", "application/json")
		res, err := contracttest.Client(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	_, v := call(procs[0].base, "POST", "/api/onboarding-verifications/start_verification/",
		`{"country":"EE","legal_person_identifier":"12417834","person_identifier":"48001010005"}`)
	path := fmt.Sprintf("/api/onboarding-verifications/%s/", v["uuid"])
	if status, got := call(procs[1].base, "POST", path+"run_validation/", ""); status != 200 || got["status"] != "verified" {
		t.Fatalf("run_validation: %d %v", status, got)
	}

	const perProcess = 6
	statuses := make(chan int, 2*perProcess)
	var wg sync.WaitGroup
	for i := range 2 * perProcess {
		wg.Go(func() {
			status, _ := call(procs[i%2].base, "POST", path+"create_customer/", "")
			statuses <- status
		})
	}
	wg.Wait()
	close(statuses)
	created := 0
	for s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Fatalf("create_customer answered %d", s)
		}
	}
	s, kinds := eventKinds(t, dbURL, v["uuid"].(string))
	if _, err := s.CustomerByCode(context.Background(), "12417834", "EE"); created != 1 || kinds["customer_created"] != 1 || err != nil {
		t.Fatalf("%d created responses, %d customer events, customer lookup: %v", created, kinds["customer_created"], err)
	}
}

// TestTwoProcessesRunOneValidation starts two service processes on one
// PostgreSQL database and fires 20 concurrent run_validation calls at both:
// the register is asked exactly once (counted by a fake register), one call
// answers 200, the others 409, and the audit trail has one start and its
// finish.
func TestTwoProcessesRunOneValidation(t *testing.T) {
	t.Parallel()
	needPostgres(t)
	dbURL := storetest.PostgresURL(t)
	var calls atomic.Int64
	register := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/enhetsregisteret/api/enheter/923609016":
			calls.Add(1)
			time.Sleep(200 * time.Millisecond) // the calls overlap
			fmt.Fprint(w, `{"organisasjonsnummer":"923609016","navn":"EQUINOR ASA"}`)
		case "/enhetsregisteret/api/enheter/923609016/roller":
			fmt.Fprint(w, `{"rollegrupper":[{"roller":[{"type":{"kode":"DAGL","beskrivelse":"Daglig leder"},
				"person":{"fodselsdato":"1975-04-12","navn":{"fornavn":"Kari","etternavn":"Nordmann"}}}]}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer register.Close()
	realRegister := []string{"ONBOARDING_SANDBOX=false", "ONBOARDING_BREG_URL=" + register.URL}
	who, procs := startProcesses(t, dbURL, [][]string{realRegister, realRegister})
	call := func(base, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Token "+who.Token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	_, v := call(procs[0].base, "/api/onboarding-verifications/start_verification/",
		`{"country":"NO","legal_person_identifier":"923609016","first_name":"Kari","last_name":"Nordmann","birth_date":"1975-04-12"}`)
	path := fmt.Sprintf("/api/onboarding-verifications/%s/run_validation/", v["uuid"])
	const perProcess = 10
	statuses := make(chan int, 2*perProcess)
	var wg sync.WaitGroup
	for i := range 2 * perProcess {
		wg.Go(func() {
			status, _ := call(procs[i%2].base, path, "")
			statuses <- status
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[http.StatusOK] != 1 || count[http.StatusConflict] != 2*perProcess-1 || calls.Load() != 1 {
		t.Fatalf("answers %v, register calls %d; want one 200, the rest 409, one register call", count, calls.Load())
	}
	_, kinds := eventKinds(t, dbURL, v["uuid"].(string))
	if kinds["validation_started"] != 1 || kinds["validation_finished"] != 1 {
		t.Fatalf("events %v", kinds)
	}
}

// startProcesses builds the binary, creates a staff user on dbURL and starts two
// `serve` processes on it (the i-th with extraEnv[i], if any); it returns
// the user and the processes.
func startProcesses(t *testing.T, dbURL string, extraEnv [][]string) (credentials, []served) {
	t.Helper()
	bin := buildBinary(t)
	env := append(os.Environ(), "ONBOARDING_DATABASE_URL="+dbURL, "ONBOARDING_SANDBOX=true")
	cmd := exec.Command(bin, "user", "create", "--username", "owner", "--staff")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("user create: %v", err)
	}
	var who credentials
	if err := json.Unmarshal(out, &who); err != nil {
		t.Fatal(err)
	}
	var procs []served
	for i := range 2 {
		procEnv := env
		if i < len(extraEnv) {
			procEnv = append(slices.Clip(env), extraEnv[i]...)
		}
		procs = append(procs, startServe(t, bin, procEnv, nil))
	}
	return who, procs
}

// eventKinds opens the store on dbURL (closed at cleanup) and counts the
// audit events of verification id by kind.
func eventKinds(t *testing.T, dbURL, id string) (*store.Store, map[string]int) {
	t.Helper()
	s, err := store.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	events, err := s.Events(context.Background(), uuid.MustParse(id))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range events {
		kinds[e.Kind]++
	}
	return s, kinds
}

// served is a running `serve` process.
type served struct {
	cmd     *exec.Cmd
	base    string // the API's base URL
	metrics string // host:port of the metrics listener, when ONBOARDING_METRICS_ADDR is set
}

// startServe starts `bin serve` with env, its stderr to stderr (nil:
// dropped), stops it at cleanup, and returns it once it is ready. The
// process listens on ports it chose (127.0.0.1:0) and logs: a port picked
// here and closed before the process binds it could go to another test's
// listener in between.
func startServe(t testing.TB, bin string, env []string, stderr io.Writer) served {
	t.Helper()
	p := exec.Command(bin, "serve")
	p.Env = append(slices.Clip(env), "ONBOARDING_ADDR=127.0.0.1:0")
	withMetrics := slices.ContainsFunc(p.Env, func(kv string) bool { return strings.HasPrefix(kv, "ONBOARDING_METRICS_ADDR=") })
	logs, err := p.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Process.Kill(); p.Wait() })
	listening := make(chan [2]string, 2) // listener, address
	go func() {
		sink := cmp.Or[io.Writer](stderr, io.Discard)
		lines := bufio.NewScanner(logs)
		lines.Buffer(nil, 1<<20)
		for lines.Scan() {
			var l struct{ Msg, Addr, Listener string }
			if json.Unmarshal(lines.Bytes(), &l) == nil && l.Msg == "listening" {
				listening <- [2]string{l.Listener, l.Addr}
			}
			fmt.Fprintln(sink, lines.Text())
		}
		io.Copy(sink, logs)
	}()
	s := served{cmd: p}
	timeout := time.After(20 * time.Second)
	for s.base == "" || (withMetrics && s.metrics == "") {
		select {
		case l := <-listening:
			if l[0] == "metrics" {
				s.metrics = l[1]
			} else {
				s.base = "http://" + l[1]
			}
		case <-timeout:
			t.Fatalf("serve did not log its listening addresses (got %+v)", s)
		}
	}
	waitReady(t, s.base)
	return s
}

// needPostgres skips without PostgreSQL, except under CI=true.
func needPostgres(t *testing.T) {
	if os.Getenv(storetest.EnvURL) == "" && os.Getenv("CI") != "true" {
		t.Skip("needs PostgreSQL (" + storetest.EnvURL + ")")
	}
}

func waitReady(t testing.TB, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := contracttest.Client(t).Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never became ready", base)
}
