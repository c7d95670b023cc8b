package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
		if r, ok := get(db, "queue", 1); ok {
			check(r.p50 < 50*time.Millisecond, "%s console queue page at %d rows, p50 < 50 ms (1 connection): %s", db, cfg.rows, ms(r.p50))
			check(r.bytes < 100<<10, "%s console queue page < 100 KB: %.1f KB", db, r.bytes/1024)
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
