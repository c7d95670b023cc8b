// Command benchhttp is the side-by-side HTTP benchmark of the service
// (`make bench-http`). It seeds verifications into PostgreSQL and SQLite,
// starts the service binary on each and, beside it on PostgreSQL, a floor
// server (a minimal Echo + sqlx + lib/pq server doing at the database what
// the service does: floor.go) and the Django REST Framework anchor
// (cmd/benchhttp/drf, under Debian's gunicorn), drives each kind of work at
// each connection count with vegeta for a bounded time (-repeat times,
// alternating the servers; the median run counts), and prints req/s,
// p50/p99 latency, CPU time per request and peak RSS of the server's
// processes (the database's own CPU is not counted), the ratios to the
// floor and to DRF from this run, and the issues' targets. The floor serves
// retrieve and list, the anchor retrieve, list, filtered and ordered.
//
//	benchhttp [-rows 20000] [-duration 5s] [-repeat 3] [-conns 1,16,64] [-dbs postgres,sqlite]
//	          [-works retrieve,list,…] [-pool 0] [-service bin/onboarding] [-pg URL]
//	          [-drf cmd/benchhttp/drf] [-smoke]
package main

import (
	"bufio"
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/store"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "floor" {
		if err := runFloor(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchhttp:", err)
		os.Exit(1)
	}
}

type config struct {
	rows     int
	duration time.Duration
	repeat   int
	conns    []int
	dbs      []string
	works    []string
	pool     int
	service  string
	pgURL    string
	drf      string // the Django REST Framework anchor's project; "": no anchor
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("benchhttp", flag.ContinueOnError)
	var cfg config
	fs.IntVar(&cfg.rows, "rows", 20000, "verifications to seed (e.g. 1000000 for lists at scale)")
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "how long each work runs at each connection count")
	fs.IntVar(&cfg.repeat, "repeat", 3, "runs of each work at each connection count; the median is reported")
	conns := fs.String("conns", "1,16,64", "connection counts")
	dbs := fs.String("dbs", "postgres,sqlite", "databases")
	workNames := fs.String("works", "retrieve,list,filtered,ordered,deep,cursor,create,start", "kinds of work")
	fs.IntVar(&cfg.pool, "pool", 0, "database pool size (open = idle) for the service and the floor; 0: the service's default")
	fs.StringVar(&cfg.service, "service", "bin/onboarding", "the service binary (make build)")
	fs.StringVar(&cfg.pgURL, "pg", firstNonEmpty(os.Getenv("ONBOARDING_TEST_DATABASE_URL"), "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
		"PostgreSQL database to create a scratch schema in")
	fs.StringVar(&cfg.drf, "drf", "cmd/benchhttp/drf", "the Django REST Framework anchor's project, run with gunicorn beside the service on PostgreSQL (cmd/benchhttp/drf/install.sh installs its Debian packages); empty: no anchor")
	smoke := fs.Bool("smoke", false, "a quick check that every part runs (CI): 300 rows, 100 ms per run, 1 and 4 connections")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.repeat < 1 {
		return fmt.Errorf("-repeat: %d is not a positive number", cfg.repeat)
	}
	if *smoke {
		cfg.rows, cfg.duration, cfg.repeat, *conns = 300, 100*time.Millisecond, 1, "1,4"
	}
	for _, c := range strings.Split(*conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return fmt.Errorf("-conns: %q is not a positive number", c)
		}
		cfg.conns = append(cfg.conns, n)
	}
	cfg.dbs = strings.Split(*dbs, ",")
	cfg.works = strings.Split(*workNames, ",")
	if _, err := os.Stat(cfg.service); err != nil {
		return fmt.Errorf("-service: %w (run make build first)", err)
	}
	ctx := context.Background()
	printMachine(ctx, out, cfg)
	var all []result
	for _, db := range cfg.dbs {
		rs, err := benchDB(ctx, cfg, strings.TrimSpace(db), out)
		if err != nil {
			return fmt.Errorf("%s: %w", db, err)
		}
		all = append(all, rs...)
	}
	printTable(out, all)
	printTargets(out, cfg, all)
	for _, r := range all {
		if r.errors > 0 {
			return fmt.Errorf("%d requests of %s/%s/%d failed: %v", r.errors, r.server, r.work, r.conns, r.codes)
		}
	}
	return nil
}

// result is one run: one kind of work at one connection count against one
// server.
type result struct {
	server   string // "postgres", "sqlite", "floor", "drf"
	work     string
	conns    int
	reqs     uint64
	rps      float64
	p50, p99 time.Duration
	cpu      time.Duration // server CPU per request
	rss      int64         // server peak RSS so far, bytes
	errors   int
	codes    map[string]int
}

// fixture is what the seeding made: tokens and rows to ask for.
type fixture struct {
	owner      int64
	ownerToken string
	staffToken string
	owned      []string // uuids of the owner's verifications
	deepPage   int      // the deepest numbered page of 50
	midCursor  string   // a cursor half way down the list
}

func benchDB(ctx context.Context, cfg config, db string, out io.Writer) ([]result, error) {
	var dbURL string
	switch db {
	case "postgres":
		u, drop, err := scratchSchema(ctx, cfg.pgURL)
		if err != nil {
			return nil, err
		}
		defer drop()
		dbURL = u
	case "sqlite":
		dir, err := os.MkdirTemp("", "benchhttp")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		dbURL = "sqlite://" + filepath.Join(dir, "bench.db")
	default:
		return nil, fmt.Errorf("-dbs: unknown database %q", db)
	}
	start := time.Now()
	fx, err := seed(ctx, dbURL, cfg.rows)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(out, "seeded %d verifications into %s in %s\n", cfg.rows, db, time.Since(start).Round(time.Millisecond))

	svc, err := startServer(ctx, cfg.service, func(string) []string { return []string{"serve"} }, serviceEnv(dbURL, cfg.pool))
	if err != nil {
		return nil, err
	}
	defer svc.stop()
	// The servers beside the service, on PostgreSQL, and the works each
	// serves.
	others := map[string]*server{}
	serves := map[string][]string{"floor": {"retrieve", "list"}, "drf": {"retrieve", "list", "filtered", "ordered"}}
	if db == "postgres" {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		floor, err := startServer(ctx, self, func(addr string) []string {
			return []string{"floor", "-db", dbURL, "-pool", strconv.Itoa(cfg.pool), "-addr", addr}
		}, nil)
		if err != nil {
			return nil, err
		}
		defer floor.stop()
		others["floor"] = floor
		if cfg.drf != "" {
			drf, err := startDRF(ctx, cfg.drf, dbURL)
			if err != nil {
				return nil, fmt.Errorf("the Django REST Framework anchor: %w", err)
			}
			defer drf.stop()
			others["drf"] = drf
		}
	}
	var results []result
	for _, w := range works(fx) {
		if !slices.Contains(cfg.works, w.name) {
			continue
		}
		for _, c := range cfg.conns {
			targets := []*server{svc}
			names := []string{db}
			for _, name := range []string{"floor", "drf"} {
				if srv := others[name]; srv != nil && slices.Contains(serves[name], w.name) {
					targets, names = append(targets, srv), append(names, name)
				}
			}
			for _, srv := range targets { // first requests: caches, connections, gunicorn's workers
				if _, err := attack(srv, w, c, min(cfg.duration, time.Second)); err != nil {
					return nil, err
				}
			}
			// Each repetition runs the service and then the others, so that
			// drift on the machine touches all; each server's median run (by
			// req/s) is reported.
			runs := make([][]result, len(targets))
			for range cfg.repeat {
				for i, srv := range targets {
					r, err := attack(srv, w, c, cfg.duration)
					if err != nil {
						return nil, err
					}
					r.server = names[i]
					runs[i] = append(runs[i], r)
				}
			}
			for _, rs := range runs {
				r := median(rs)
				results = append(results, r)
				fmt.Fprintf(out, "  %-8s %-10s %3d conns: %8.0f req/s  p50 %-9s p99 %-9s cpu/req %s  (median of %d)\n", r.server, w.name, c, r.rps,
					r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.cpu.Round(time.Microsecond), len(rs))
			}
		}
	}
	return results, nil
}

// median is the run with the median req/s; it carries the failed requests
// of all the runs.
func median(rs []result) result {
	sorted := slices.SortedFunc(slices.Values(rs), func(a, b result) int { return cmp.Compare(a.rps, b.rps) })
	m := sorted[len(sorted)/2]
	m.errors, m.codes = 0, map[string]int{}
	for _, r := range rs {
		m.errors += r.errors
		for code, n := range r.codes {
			m.codes[code] += n
		}
	}
	return m
}

// work is one kind of request; next fills in the i-th one.
type work struct {
	name string
	next func(i uint64, t *vegeta.Target)
}

const base = "/api/onboarding-verifications/"

func works(fx fixture) []work {
	get := func(path, token string) func(uint64, *vegeta.Target) {
		return func(_ uint64, t *vegeta.Target) {
			t.Method, t.URL = "GET", path
			t.Header = http.Header{"Authorization": {"Token " + token}}
		}
	}
	post := func(path string, body func(i uint64) string) func(uint64, *vegeta.Target) {
		return func(i uint64, t *vegeta.Target) {
			t.Method, t.URL, t.Body = "POST", path, []byte(body(i))
			t.Header = http.Header{"Authorization": {"Token " + fx.ownerToken}, "Content-Type": {"application/json"}}
		}
	}
	return []work{
		{"retrieve", func(i uint64, t *vegeta.Target) {
			get(base+fx.owned[i%uint64(len(fx.owned))]+"/", fx.ownerToken)(i, t)
		}},
		{"list", get(base+"?page_size=50", fx.staffToken)},
		{"filtered", get(base+"?page_size=50&status=pending&country=EE", fx.staffToken)},
		{"ordered", get(base+"?page_size=50&o=country", fx.staffToken)},
		{"deep", get(base+"?page_size=50&page="+strconv.Itoa(fx.deepPage), fx.staffToken)},
		{"cursor", get(base+"?page_size=50&cursor="+url.QueryEscape(fx.midCursor), fx.staffToken)},
		{"create", post(base, func(i uint64) string {
			return fmt.Sprintf(`{"user": %d, "country": "EE", "legal_person_identifier": "12417834", "legal_name": "Bench %d"}`, fx.owner, i)
		})},
		{"start", post(base+"start_verification/", func(uint64) string {
			return `{"country": "EE", "legal_person_identifier": "12417834", "person_identifier": "48001010005"}`
		})},
	}
}

// attack runs w against srv with conns connections for d, each connection
// sending its next request as soon as the last one is answered.
func attack(srv *server, w work, conns int, d time.Duration) (result, error) {
	var n atomic.Uint64
	targeter := func(t *vegeta.Target) error {
		w.next(n.Add(1), t)
		t.URL = srv.base + t.URL
		return nil
	}
	a := vegeta.NewAttacker(vegeta.Workers(uint64(conns)), vegeta.MaxWorkers(uint64(conns)),
		vegeta.Connections(conns), vegeta.MaxConnections(conns), vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second))
	cpu0, err := srv.cpu()
	if err != nil {
		return result{}, err
	}
	var m vegeta.Metrics
	for res := range a.Attack(targeter, vegeta.Rate{Freq: 0}, d, w.name) {
		m.Add(res)
	}
	m.Close()
	cpu1, err := srv.cpu()
	if err != nil {
		return result{}, err
	}
	rss, err := srv.peakRSS()
	if err != nil {
		return result{}, err
	}
	r := result{work: w.name, conns: conns, reqs: m.Requests, rps: m.Throughput, p50: m.Latencies.P50, p99: m.Latencies.P99,
		rss: rss, codes: m.StatusCodes}
	if m.Requests > 0 {
		r.cpu = (cpu1 - cpu0) / time.Duration(m.Requests)
	}
	for code, k := range m.StatusCodes {
		if !strings.HasPrefix(code, "2") {
			r.errors += k
		}
	}
	return r, nil
}

// seed migrates the database, creates a regular user (who owns a quarter
// of the rows and makes the retrieve, create and start requests), three
// other owners and a staff user (who lists), and seeds rows.
func seed(ctx context.Context, dbURL string, rows int) (fixture, error) {
	// A bulk load's statements take longer than a request's database
	// deadline.
	s, err := store.OpenPool(dbURL, store.Pool{Timeout: time.Hour})
	if err != nil {
		return fixture{}, err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return fixture{}, err
	}
	var fx fixture
	var owners []int64
	for _, name := range []string{"bench-owner", "bench-b", "bench-c", "bench-d", "bench-staff"} {
		u := &domain.User{Username: name, IsActive: true, IsStaff: name == "bench-staff"}
		if err := s.CreateUser(ctx, u); err != nil {
			return fixture{}, err
		}
		token, err := s.CreateToken(ctx, u.ID)
		if err != nil {
			return fixture{}, err
		}
		switch {
		case u.IsStaff:
			fx.staffToken = token
		case name == "bench-owner":
			fx.owner, fx.ownerToken = u.ID, token
			owners = append(owners, u.ID)
		default:
			owners = append(owners, u.ID)
		}
	}
	if err := s.SeedVerifications(ctx, rows, owners); err != nil {
		return fixture{}, err
	}
	if err := s.Analyze(ctx); err != nil {
		return fixture{}, err
	}
	page, err := s.ListVerifications(ctx, domain.VerificationFilter{OwnerID: &fx.owner, Ordering: "-created", Limit: 300})
	if err != nil {
		return fixture{}, err
	}
	for _, v := range page.Rows {
		fx.owned = append(fx.owned, v.UUID.String())
	}
	fx.deepPage = max(1, rows/50) // the last page
	mid, err := s.ListVerifications(ctx, domain.VerificationFilter{Ordering: "-created", Offset: rows / 2, Limit: 1})
	if err != nil {
		return fixture{}, err
	}
	fx.midCursor = mid.Next
	if len(fx.owned) == 0 || fx.midCursor == "" {
		return fixture{}, errors.New("too few rows to benchmark")
	}
	return fx, nil
}

// scratchSchema creates a schema of its own in the database at base and
// returns a URL that uses it, and a function that drops it.
func scratchSchema(ctx context.Context, base string) (string, func(), error) {
	db, err := sql.Open("postgres", base)
	if err != nil {
		return "", nil, err
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	schema := "bench_" + hex.EncodeToString(suffix)
	// pg_trgm lives in public, where the migration looks for it.
	if _, err := db.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`); err != nil {
		db.Close()
		return "", nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		db.Close()
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String(), func() {
		_, _ = db.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		db.Close()
	}, nil
}

func serviceEnv(dbURL string, pool int) []string {
	// The seeded rows reach back a year at 1,000,000 rows: a retention
	// shorter than that would have the sweeper delete them while they are
	// measured.
	env := []string{"ONBOARDING_DATABASE_URL=" + dbURL, "ONBOARDING_SANDBOX=true", "ONBOARDING_RETENTION=87600h"}
	if pool > 0 {
		env = append(env, "ONBOARDING_DB_MAX_OPEN_CONNS="+strconv.Itoa(pool), "ONBOARDING_DB_MAX_IDLE_CONNS="+strconv.Itoa(pool))
	}
	return env
}

// server is a server process under test.
type server struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
}

// startServer runs bin with args(addr) on a free address of 127.0.0.1
// (also in ONBOARDING_ADDR) and waits until it answers /healthz.
func startServer(ctx context.Context, bin string, args func(addr string) []string, env []string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, bin, args(addr)...)
	cmd.Env = append(os.Environ(), append(env, "ONBOARDING_ADDR="+addr)...)
	cmd.Stdout = io.Discard
	cmd.Stderr = io.Discard // the request log is written, and its cost counted, but not kept
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	srv := &server{cmd: cmd, base: "http://" + addr}
	for range 300 {
		res, err := http.Get(srv.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return srv, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	srv.stop()
	return nil, fmt.Errorf("%s did not answer on %s", bin, addr)
}

// startDRF starts the Django REST Framework anchor (the project in dir)
// with Debian's gunicorn on the database at dbURL.
func startDRF(ctx context.Context, dir, dbURL string) (*server, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, err
	}
	password, _ := u.User.Password()
	env := []string{"DJANGO_SETTINGS_MODULE=settings", "DRF_DB_HOST=" + u.Hostname(), "DRF_DB_PORT=" + cmp.Or(u.Port(), "5432"),
		"DRF_DB_NAME=" + strings.TrimPrefix(u.Path, "/"), "DRF_DB_USER=" + u.User.Username(), "DRF_DB_PASSWORD=" + password,
		"DRF_DB_SEARCH_PATH=" + u.Query().Get("search_path"), "PYTHONDONTWRITEBYTECODE=1"}
	return startServer(ctx, "/usr/bin/gunicorn", func(addr string) []string {
		return []string{"--chdir", dir, "--config", filepath.Join(dir, "gunicorn.conf.py"), "--bind", addr, "wsgi"}
	}, env)
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// stat is the fields of /proc/PID/stat after the command name (which is
// in parentheses): [1] is the parent, [11] and [12] user and system time.
func stat(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:])), nil
}

// pids is the server's process and its children (gunicorn's workers).
func (s *server) pids() []int {
	pids := []int{s.cmd.Process.Pid}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f, err := stat(pid); err == nil && f[1] == strconv.Itoa(s.cmd.Process.Pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cpu is the user and system CPU time the server's processes have used
// (/proc/PID/stat, in clock ticks of 1/100 s). A worker that exited is
// not counted: gunicorn's stay for the whole run.
func (s *server) cpu() (time.Duration, error) {
	var total time.Duration
	for _, pid := range s.pids() {
		f, err := stat(pid)
		if err != nil {
			return 0, err
		}
		utime, err1 := strconv.ParseInt(f[11], 10, 64)
		stime, err2 := strconv.ParseInt(f[12], 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			return 0, err
		}
		total += time.Duration(utime+stime) * 10 * time.Millisecond
	}
	return total, nil
}

// peakRSS is the sum of the server's processes' peak resident set sizes
// (VmHWM).
func (s *server) peakRSS() (int64, error) {
	var total int64
	for _, pid := range s.pids() {
		kb, err := vmHWM(pid)
		if err != nil {
			return 0, err
		}
		total += kb << 10
	}
	return total, nil
}

func vmHWM(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		}
	}
	return 0, errors.New("no VmHWM")
}

func printMachine(ctx context.Context, out io.Writer, cfg config) {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	pg := ""
	if slices.Contains(cfg.dbs, "postgres") {
		if db, err := sql.Open("postgres", cfg.pgURL); err == nil {
			_ = db.QueryRowContext(ctx, `SELECT split_part(version(), ' on ', 1)`).Scan(&pg)
			db.Close()
		}
	}
	fmt.Fprintf(out, "machine: %d cores (%s), %s, %s; %s\n", runtime.NumCPU(), model, runtime.Version(), pg, time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(out, "rows: %d, %s per run, median of %d, connections %v, pool %s; the load generator shares the machine\n\n",
		cfg.rows, cfg.duration, cfg.repeat, cfg.conns, map[bool]string{true: "default", false: strconv.Itoa(cfg.pool)}[cfg.pool == 0])
}

func printTable(out io.Writer, rs []result) {
	beside := map[string]float64{} // server/work/conns → req/s of the floor and the anchor
	for _, r := range rs {
		if r.server == "floor" || r.server == "drf" {
			beside[fmt.Sprintf("%s/%s/%d", r.server, r.work, r.conns)] = r.rps
		}
	}
	fmt.Fprintln(out, "\n| server | work | conns | req/s | p50 | p99 | CPU/req | peak RSS | vs floor | vs DRF |")
	fmt.Fprintln(out, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range rs {
		vsFloor, vsDRF := "", ""
		if f := beside[fmt.Sprintf("floor/%s/%d", r.work, r.conns)]; r.server == "postgres" && f > 0 {
			vsFloor = fmt.Sprintf("%.2f×", r.rps/f)
		}
		if d := beside[fmt.Sprintf("drf/%s/%d", r.work, r.conns)]; d > 0 && (r.server == "postgres" || r.server == "sqlite") {
			vsDRF = fmt.Sprintf("%.1f×", r.rps/d)
		}
		fmt.Fprintf(out, "| %s | %s | %d | %.0f | %s | %s | %d µs | %d MB | %s | %s |\n", r.server, r.work, r.conns, r.rps,
			ms(r.p50), ms(r.p99), r.cpu.Microseconds(), r.rss>>20, vsFloor, vsDRF)
	}
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + " ms"
}

// printTargets checks the issues' targets on this run, against the floor
// and the Django REST Framework anchor measured in it.
func printTargets(out io.Writer, cfg config, rs []result) {
	get := func(server, work string, conns int) (result, bool) {
		for _, r := range rs {
			if r.server == server && r.work == work && r.conns == conns && r.rps > 0 {
				return r, true
			}
		}
		return result{}, false
	}
	fmt.Fprintln(out, "\ntargets:")
	check := func(ok bool, format string, args ...any) {
		mark := "MET    "
		if !ok {
			mark = "NOT MET"
		}
		fmt.Fprintf(out, "  %s %s\n", mark, fmt.Sprintf(format, args...))
	}
	for _, c := range []int{16, 64} {
		for _, t := range []struct {
			work string
			min  float64
		}{{"retrieve", 0.9}, {"list", 0.8}} {
			svc, ok1 := get("postgres", t.work, c)
			fl, ok2 := get("floor", t.work, c)
			if ok1 && ok2 {
				check(svc.rps >= t.min*fl.rps, "PostgreSQL %s at %d connections ≥ %.1f× the floor: %.2f×", t.work, c, t.min, svc.rps/fl.rps)
			}
		}
		svc, ok1 := get("postgres", "retrieve", c)
		if d, ok2 := get("drf", "retrieve", c); ok1 && ok2 {
			check(svc.rps >= 4*d.rps, "PostgreSQL retrieve at %d connections ≥ 4× DRF's req/s: %.1f×", c, svc.rps/d.rps)
		}
	}
	if svc, ok := get("postgres", "retrieve", 16); ok && svc.cpu > 0 {
		if d, ok := get("drf", "retrieve", 16); ok {
			check(d.cpu >= 8*svc.cpu, "PostgreSQL retrieve CPU per request ≥ 8× less than DRF's: %.1f× (%d µs vs %d µs)",
				float64(d.cpu)/float64(svc.cpu), svc.cpu.Microseconds(), d.cpu.Microseconds())
		}
	}
	if svc, ok := get("postgres", "retrieve", 64); ok {
		check(svc.p99 < 25*time.Millisecond, "PostgreSQL retrieve p99 at 64 connections < 25 ms: %s", ms(svc.p99))
	}
	if svc, ok := get("postgres", "create", 16); ok {
		check(svc.cpu < 350*time.Microsecond, "PostgreSQL create CPU per request < 350 µs (16 connections): %d µs", svc.cpu.Microseconds())
	}
	for _, db := range cfg.dbs {
		ret, ok1 := get(db, "retrieve", 16)
		list, ok2 := get(db, "list", 16)
		if ok1 && ok2 {
			check(list.rps >= 0.5*ret.rps, "%s list page of 50 ≥ 0.5× retrieve (16 connections): %.2f×", db, list.rps/ret.rps)
		}
		for _, w := range []string{"filtered", "ordered"} {
			if r, ok := get(db, w, 16); ok2 && ok {
				check(list.rps <= 1.5*r.rps, "%s %s list within 1.5× of the unfiltered (16 connections): %.2f×", db, w, list.rps/r.rps)
			}
		}
		if cfg.rows < 1000000 {
			continue
		}
		for _, w := range []string{"list", "filtered", "ordered", "cursor"} {
			if r, ok := get(db, w, 1); ok {
				check(r.p50 < 10*time.Millisecond, "%s %s at %d rows, p50 < 10 ms (1 connection): %s", db, w, cfg.rows, ms(r.p50))
			}
		}
		if r, ok := get(db, "deep", 1); ok {
			limit := map[string]time.Duration{"postgres": 100 * time.Millisecond, "sqlite": 300 * time.Millisecond}[db]
			check(r.p50 < limit, "%s last numbered page (%d of 50) at %d rows, p50 < %s (1 connection): %s", db, cfg.rows/50, cfg.rows, ms(limit), ms(r.p50))
		}
	}
	var peak int64
	for _, r := range rs {
		if r.server == "postgres" || r.server == "sqlite" {
			peak = max(peak, r.rss)
		}
	}
	check(peak < 100<<20, "service peak RSS < 100 MB under load: %d MB", peak>>20)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
