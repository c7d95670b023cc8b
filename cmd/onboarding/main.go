// Command onboarding runs the company onboarding verification service and
// its admin tasks:
//
//	onboarding [serve]                      start the HTTP API with the sweeper and the webhook dispatcher (default)
//	onboarding migrate                      bring the database schema up to date
//	onboarding config                       print the effective configuration (the database password masked)
//	onboarding user create --username NAME [--email E] [--first-name F] [--last-name L] [--staff] [--support] [--password-stdin]
//	onboarding user deactivate --username NAME   no token of theirs works any more; their records stay
//	onboarding user set-password --username NAME   the console password, read from standard input
//	onboarding token create --username NAME
//	onboarding token revoke --token TOKEN | --username NAME   one token, or all of a user's
//	onboarding checklist import FILE.yaml   create or update a checklist (idempotent)
//
// user create and token create print {"id": N, "username": "…", "token": "…"};
// user deactivate and token revoke print {"username": "…", "tokens_revoked": N}.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/config"
	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/password"
	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/validators"
	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

const usage = `usage:
  onboarding [serve]
  onboarding migrate
  onboarding config
  onboarding user create --username NAME [--email E] [--first-name F] [--last-name L] [--staff] [--support] [--password-stdin]
  onboarding user deactivate --username NAME
  onboarding user set-password --username NAME   (the password on standard input)
  onboarding token create --username NAME
  onboarding token revoke --token TOKEN | --username NAME
  onboarding checklist import FILE.yaml
  onboarding monitor status
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "onboarding:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if len(args) > 0 && (cmd == "user" || cmd == "token" || cmd == "checklist" || cmd == "monitor") {
		cmd, args = cmd+" "+args[0], args[1:]
	}
	all, err := config.Load(getenv)
	if err != nil {
		return err
	}
	logs := newLogOutput(os.Stderr, all.LogFlush)
	defer logs.Close()
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	switch cmd {
	case "config":
		return config.Print(stdout, all)
	case "serve":
		cfg := all.Server
		registers, err := validators.NewRegistry(all.Registry(), sandbox.Fakes())
		if err != nil {
			return err
		}
		s, err := openStore(ctx, all)
		if err != nil {
			return err
		}
		defer s.Close()
		h, err := server.New(cfg, s, registers, logger)
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return err
		}
		if cfg.MetricsAddr != "" {
			mln, err := net.Listen("tcp", cfg.MetricsAddr)
			if err != nil {
				ln.Close()
				return fmt.Errorf("ONBOARDING_METRICS_ADDR: %w", err)
			}
			go func() {
				if err := server.Serve(ctx, mln, h.MetricsHandler(), cfg, logger.With("listener", "metrics")); err != nil {
					logger.Error("metrics listener stopped", "error", err.Error())
				}
			}()
		}
		logger.Info("starting", "database", s.Dialect(), "sandbox", registers.Sandbox(), "console", consoleURL(ln.Addr()))
		go h.Sweep(ctx)
		go h.Dispatch(ctx)
		go h.Monitor(ctx)
		return server.Serve(ctx, ln, h, cfg, logger)
	case "migrate":
		s, err := openStore(ctx, all)
		if err != nil {
			return err
		}
		defer s.Close()
		logger.Info("migrations applied")
		return nil
	case "user create":
		return createUser(ctx, args, all, stdin, stdout)
	case "token create":
		return createToken(ctx, args, all, stdout)
	case "token revoke":
		return revokeTokens(ctx, args, all, stdout)
	case "user deactivate":
		return deactivateUser(ctx, args, all, stdout)
	case "user set-password":
		return setPassword(ctx, args, all, stdin, stdout)
	case "checklist import":
		return importChecklist(ctx, args, all, stdout)
	case "monitor status":
		return monitorStatus(ctx, all, stdout)
	default:
		return errors.New(usage)
	}
}

// openStore connects to ONBOARDING_DATABASE_URL, with the pool
// ONBOARDING_DB_* configure, and migrates it.
func openStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	s, err := store.OpenPool(cfg.DatabaseURL, cfg.Pool)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return s, nil
}

// monitorStatus prints the state of ongoing monitoring, of every replica,
// as one JSON object: what the metrics show, from the database.
func monitorStatus(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	st, err := s.MonitorStatus(ctx, s.Clock().Now())
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(struct {
		Enabled bool `json:"enabled"`
		store.MonitorStatus
	}{cfg.Server.Monitor.Enabled, st})
}

// credentials is what user create and token create print.
type credentials struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Token    string `json:"token"`
}

func createUser(ctx context.Context, args []string, cfg config.Config, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	u := domain.User{IsActive: true}
	fs.StringVar(&u.Username, "username", "", "login name (required)")
	fs.StringVar(&u.Email, "email", "", "e-mail address")
	fs.StringVar(&u.FirstName, "first-name", "", "first name")
	fs.StringVar(&u.LastName, "last-name", "", "last name")
	fs.BoolVar(&u.IsStaff, "staff", false, "staff: sees and changes everything")
	fs.BoolVar(&u.IsSupport, "support", false, "support: sees everything, changes nothing")
	withPassword := fs.Bool("password-stdin", false, "read a console password from standard input")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if u.Username == "" {
		return errors.New("user create: --username is required")
	}
	var hash string
	if *withPassword {
		var err error
		if hash, err = readPassword(stdin); err != nil {
			return fmt.Errorf("user create: %w", err)
		}
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.CreateUser(ctx, &u); err != nil {
		return err
	}
	if hash != "" {
		if err := s.SetPassword(ctx, u.ID, hash); err != nil {
			return err
		}
	}
	return printToken(ctx, s, u.ID, u.Username, stdout)
}

func createToken(ctx context.Context, args []string, cfg config.Config, stdout io.Writer) error {
	s, u, err := namedUser(ctx, "token create", "whose token (required)", args, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	return printToken(ctx, s, u.ID, u.Username, stdout)
}

// namedUser is the start of the commands that act on one user: it parses
// --username (required), opens the store and finds the user. The caller
// closes the store.
func namedUser(ctx context.Context, command, usage string, args []string, cfg config.Config) (*store.Store, *domain.User, error) {
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	username := fs.String("username", "", usage)
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if *username == "" {
		return nil, nil, fmt.Errorf("%s: --username is required", command)
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.UserByUsername(ctx, *username)
	if err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("%s: user %q: %w", command, *username, err)
	}
	return s, u, nil
}

// setPassword sets a user's console password, read from stdin (one line),
// so that it stays out of the shell's history and the process list.
func setPassword(ctx context.Context, args []string, cfg config.Config, stdin io.Reader, stdout io.Writer) error {
	hash, err := readPassword(stdin)
	if err != nil {
		return fmt.Errorf("user set-password: %w", err)
	}
	s, u, err := namedUser(ctx, "user set-password", "whose password (required)", args, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.SetPassword(ctx, u.ID, hash); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(map[string]any{"username": u.Username, "password_set": true})
}

// readPassword reads one line from r and hashes it.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return password.Hash(strings.TrimRight(line, "\r\n"))
}

// revoked is what token revoke and user deactivate print.
type revoked struct {
	Username      string `json:"username,omitempty"`
	TokensRevoked int64  `json:"tokens_revoked"`
}

func revokeTokens(ctx context.Context, args []string, cfg config.Config, stdout io.Writer) error {
	fs := flag.NewFlagSet("token revoke", flag.ContinueOnError)
	token := fs.String("token", "", "the token to revoke")
	username := fs.String("username", "", "revoke every token of this user")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*token == "") == (*username == "") {
		return errors.New("token revoke: give --token or --username")
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	out := revoked{Username: *username}
	if *token != "" {
		found, err := s.RevokeToken(ctx, *token)
		if err != nil {
			return err
		}
		if !found {
			return errors.New("token revoke: no such token")
		}
		out.TokensRevoked = 1
	} else {
		u, err := s.UserByUsername(ctx, *username)
		if err != nil {
			return fmt.Errorf("token revoke: user %q: %w", *username, err)
		}
		if out.TokensRevoked, err = s.RevokeTokens(ctx, u.ID); err != nil {
			return err
		}
	}
	return json.NewEncoder(stdout).Encode(out)
}

func deactivateUser(ctx context.Context, args []string, cfg config.Config, stdout io.Writer) error {
	s, u, err := namedUser(ctx, "user deactivate", "who (required)", args, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.DeactivateUser(ctx, u.ID)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(revoked{Username: u.Username, TokensRevoked: n})
}

func printToken(ctx context.Context, s *store.Store, id int64, username string, stdout io.Writer) error {
	token, err := s.CreateToken(ctx, id)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(credentials{ID: id, Username: username, Token: token})
}

func importChecklist(ctx context.Context, args []string, cfg config.Config, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("checklist import: give one FILE.yaml")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	def, err := checklist.ParseDefinition(f)
	if err != nil {
		return err
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	changed, err := s.ImportChecklist(ctx, def)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(map[string]any{
		"checklist": def.Checklist.UUID, "name": def.Checklist.Name, "questions": len(def.Questions),
		"countries": def.Countries, "rows_changed": changed,
	})
}

// consoleURL is where the review console answers on addr.
func consoleURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "/console/"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/console/"
}
