package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

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
	// Nil: the null device. The request log is written, and its cost
	// counted, but not kept, and no pipe makes the load generator read it.
	cmd.Stdout, cmd.Stderr = nil, nil
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
