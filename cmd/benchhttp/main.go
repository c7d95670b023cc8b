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
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
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
	workNames := fs.String("works", "retrieve,list,filtered,ordered,deep,cursor,create,start,queue", "kinds of work")
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
	bytes    float64       // mean response body size
	errors   int
	codes    map[string]int
}

// fixture is what the seeding made: tokens and rows to ask for.
type fixture struct {
	owner      int64
	ownerToken string
	staffToken string
	session    string   // the staff user's console session
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
		{"queue", func(_ uint64, t *vegeta.Target) { // the console's review queue, with its four tab counts
			t.Method, t.URL = "GET", "/console/?tab=review"
			t.Header = http.Header{"Cookie": {"onboarding_console=" + fx.session}}
		}},
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
		rss: rss, codes: m.StatusCodes, bytes: m.BytesIn.Mean}
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

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
