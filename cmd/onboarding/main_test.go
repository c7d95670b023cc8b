package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/password"
	"github.com/onboarding-kyb/onboarding/store"
)

func TestUserAndTokenCreate(t *testing.T) {
	t.Parallel()
	dbURL, env := cliDatabase(t, "cli")
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"user", "create", "--username", "erin", "--email", "e@example.com", "--staff"}, env, nil, &out); err != nil {
		t.Fatal(err)
	}
	var first credentials
	if err := json.Unmarshal(out.Bytes(), &first); err != nil || first.Username != "erin" || first.ID == 0 || len(first.Token) != 40 {
		t.Fatalf("user create printed %q (%v)", out.String(), err)
	}
	out.Reset()
	if err := run(ctx, []string{"token", "create", "--username", "erin"}, env, nil, &out); err != nil {
		t.Fatal(err)
	}
	var second credentials
	if err := json.Unmarshal(out.Bytes(), &second); err != nil || second.ID != first.ID || second.Token == first.Token {
		t.Fatalf("token create printed %q", out.String())
	}
	// Both tokens work, and the user is staff.
	s, err := store.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tok := range []string{first.Token, second.Token} {
		u, err := s.UserByToken(ctx, tok, time.Time{})
		if err != nil || !u.IsStaff || u.Email != "e@example.com" {
			t.Fatalf("token %s: %+v %v", tok, u, err)
		}
	}

	// Revoke one token: it stops working, the other does not.
	out.Reset()
	if err := run(ctx, []string{"token", "revoke", "--token", first.Token}, env, nil, &out); err != nil || !strings.Contains(out.String(), `"tokens_revoked":1`) {
		t.Fatalf("token revoke: %v %q", err, out.String())
	}
	if _, err := s.UserByToken(ctx, first.Token, time.Time{}); err == nil {
		t.Fatal("a revoked token still works")
	}
	if _, err := s.UserByToken(ctx, second.Token, time.Time{}); err != nil {
		t.Fatalf("revoking one token revoked another: %v", err)
	}
	// Deactivate the user: no token of theirs works, new ones neither.
	out.Reset()
	if err := run(ctx, []string{"token", "create", "--username", "erin"}, env, nil, &out); err != nil {
		t.Fatal(err)
	}
	var third credentials
	_ = json.Unmarshal(out.Bytes(), &third)
	out.Reset()
	if err := run(ctx, []string{"user", "deactivate", "--username", "erin"}, env, nil, &out); err != nil || !strings.Contains(out.String(), `"tokens_revoked":2`) {
		t.Fatalf("user deactivate: %v %q", err, out.String())
	}
	for _, tok := range []string{second.Token, third.Token} {
		if _, err := s.UserByToken(ctx, tok, time.Time{}); err == nil {
			t.Fatal("a deactivated user's token still works")
		}
	}
	out.Reset()
	if err := run(ctx, []string{"token", "create", "--username", "erin"}, env, nil, &out); err != nil {
		t.Fatal(err)
	}
	var fourth credentials
	_ = json.Unmarshal(out.Bytes(), &fourth)
	if _, err := s.UserByToken(ctx, fourth.Token, time.Time{}); err == nil {
		t.Fatal("a new token of a deactivated user works")
	}

	for _, args := range [][]string{
		{"token", "revoke"},                         // neither --token nor --username
		{"token", "revoke", "--token", "nope"},      // unknown token
		{"user", "deactivate", "--username", "x"},   // unknown user
		{"user", "create"},                          // no username
		{"user", "create", "--username", "erin"},    // taken
		{"token", "create", "--username", "nobody"}, // unknown user
		{"user", "delete", "--username", "erin"},    // unknown verb
		{"frobnicate"},                              // unknown command
	} {
		out.Reset()
		if err := run(ctx, args, env, nil, &out); err == nil || out.Len() != 0 {
			t.Errorf("%s: err %v, printed %q", strings.Join(args, " "), err, out.String())
		}
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	dbURL, env := cliDatabase(t, "m")
	if err := run(context.Background(), []string{"migrate"}, env, nil, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	s, _ := store.Open(dbURL)
	defer s.Close()
	if ok, err := s.UserExists(context.Background(), 1); err != nil || ok {
		t.Fatalf("migrated database: users table answers %v %v", ok, err)
	}
	if err := run(context.Background(), []string{"serve"}, func(k string) string {
		if k == "ONBOARDING_DATABASE_URL" {
			return "mysql://x"
		}
		return ""
	}, nil, &bytes.Buffer{}); err == nil {
		t.Fatal("serve with an unsupported database URL started")
	}
}

func TestChecklistImportIsIdempotent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := func(k string) string {
		if k == "ONBOARDING_DATABASE_URL" {
			return "sqlite://" + filepath.Join(dir, "import.db")
		}
		return ""
	}
	imported := func() map[string]any {
		t.Helper()
		var out bytes.Buffer
		if err := run(context.Background(), []string{"checklist", "import", "../../examples/checklists/company-onboarding.yaml"}, env, nil, &out); err != nil {
			t.Fatal(err)
		}
		var summary map[string]any
		if err := json.Unmarshal(out.Bytes(), &summary); err != nil {
			t.Fatalf("import printed %q", out.String())
		}
		return summary
	}
	first, second := imported(), imported()
	if first["rows_changed"].(float64) == 0 || first["questions"] != float64(9) {
		t.Fatalf("first import: %v", first)
	}
	if second["rows_changed"] != float64(0) || second["checklist"] != first["checklist"] {
		t.Fatalf("second import changed something: %v", second)
	}

	bad := filepath.Join(dir, "cycle.yaml")
	os.WriteFile(bad, []byte(`name: Loop
questions:
  - {key: a, description: A, question_type: boolean, depends_on: [{question: b, value: true}]}
  - {key: b, description: B, question_type: boolean, depends_on: [{question: a, value: true}]}
`), 0o644)
	err := run(context.Background(), []string{"checklist", "import", bad}, env, nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "circular") {
		t.Fatalf("cyclic checklist: %v", err)
	}
}

// Console passwords come from standard input, are stored as hashes only,
// and a password that breaks the rules changes nothing.
func TestConsolePasswords(t *testing.T) {
	t.Parallel()
	dbURL, env := cliDatabase(t, "cli")
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"user", "create", "--username", "rita", "--staff", "--password-stdin"}, env,
		strings.NewReader("first password here\n"), &out); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	matches := func(plain string) bool {
		t.Helper()
		_, hash, err := s.PasswordHash(ctx, "rita")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(hash, plain) {
			t.Fatal("the password is stored in clear")
		}
		return password.Matches(hash, plain)
	}
	if !matches("first password here") {
		t.Fatal("user create --password-stdin set no password")
	}
	out.Reset()
	if err := run(ctx, []string{"user", "set-password", "--username", "rita"}, env, strings.NewReader("second password here"), &out); err != nil ||
		!strings.Contains(out.String(), `"password_set":true`) {
		t.Fatalf("set-password: %v %q", err, out.String())
	}
	if !matches("second password here") || matches("first password here") {
		t.Fatal("set-password did not replace the password")
	}
	if err := run(ctx, []string{"user", "set-password", "--username", "rita"}, env, strings.NewReader("short\n"), &out); err == nil {
		t.Fatal("a short password was accepted")
	}
	if !matches("second password here") {
		t.Fatal("a refused password changed the stored one")
	}
}

// cliDatabase is a new SQLite database for CLI commands, and the
// environment that names it.
func cliDatabase(t *testing.T, name string) (string, func(string) string) {
	dbURL := "sqlite://" + filepath.Join(t.TempDir(), name+".db")
	return dbURL, func(k string) string {
		if k == "ONBOARDING_DATABASE_URL" {
			return dbURL
		}
		return ""
	}
}

// onboarding monitor status prints what monitoring's metrics show, from
// the database: watches, the backlog, recent checks, errors, alerts.
func TestMonitorStatus(t *testing.T) {
	t.Parallel()
	dbURL, base := cliDatabase(t, "cli")
	env := func(k string) string {
		if k == "ONBOARDING_MONITOR_WATCH_VERIFIED" {
			return "true"
		}
		return base(k)
	}
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"user", "create", "--username", "erin"}, env, nil, &out); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SeedVerifications(ctx, 10, []int64{1}); err != nil { // 8 verified
		t.Fatal(err)
	}
	cands, err := s.WatchCandidates(ctx, true, uuid.Nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	due := make([]time.Time, len(cands))
	for i := range due {
		due[i] = time.Now().UTC().Add(time.Duration(2*i-1) * time.Hour) // one due, the others later
	}
	if err := s.AddWatches(ctx, cands, due); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"monitor", "status"}, env, nil, &out); err != nil {
		t.Fatal(err)
	}
	var st struct {
		Enabled bool           `json:"enabled"`
		Watched int            `json:"watched"`
		Due     int            `json:"due"`
		Alerts  map[string]int `json:"alerts"`
	}
	if err := json.Unmarshal(out.Bytes(), &st); err != nil || !st.Enabled || st.Watched != 8 || st.Due != 1 || st.Alerts["open"] != 0 {
		t.Fatalf("monitor status printed %q (%v)", out.String(), err)
	}
}
