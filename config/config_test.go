package config_test

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/config"
)

func environment(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(environment(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DatabaseURL != "sqlite://onboarding.db" || cfg.Sandbox || cfg.Server.Addr != ":8080" ||
		cfg.Server.VerificationTTL != 48*time.Hour || cfg.Server.TokenTTL != 0 || cfg.Pool.MaxOpen != 0 {
		t.Fatalf("defaults: %+v", cfg)
	}
	if cfg.Pool.Timeout != cfg.Server.DBTimeout || cfg.Pool.Timeout != 5*time.Second {
		t.Fatalf("ONBOARDING_DB_TIMEOUT reaches the pool as %v and the server as %v, want 5s both", cfg.Pool.Timeout, cfg.Server.DBTimeout)
	}
}

func TestLoadReadsEachPart(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(environment(map[string]string{
		"ONBOARDING_DATABASE_URL": "postgres://db/x", "ONBOARDING_SANDBOX": "true", "ONBOARDING_TOKEN_TTL": "2s",
		"ONBOARDING_MAX_DOCUMENTS": "3", "ONBOARDING_DB_MAX_OPEN_CONNS": "7", "ONBOARDING_DB_MAX_IDLE_CONNS": "3",
		"ONBOARDING_DB_CONN_MAX_LIFETIME": "90s", "ONBOARDING_DB_TIMEOUT": "2s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DatabaseURL != "postgres://db/x" || !cfg.Sandbox || cfg.Server.TokenTTL != 2*time.Second || cfg.Server.MaxDocuments != 3 ||
		cfg.Pool.MaxOpen != 7 || cfg.Pool.MaxIdle != 3 || cfg.Pool.MaxLifetime != 90*time.Second ||
		cfg.Pool.Timeout != 2*time.Second || cfg.Server.DBTimeout != 2*time.Second {
		t.Fatalf("read: %+v", cfg)
	}
}

func TestLoadRefusesBadValues(t *testing.T) {
	t.Parallel()
	for name, value := range map[string]string{
		"ONBOARDING_DB_MAX_OPEN_CONNS": "0", "ONBOARDING_DB_MAX_IDLE_CONNS": "x", "ONBOARDING_DB_CONN_MAX_LIFETIME": "-1s",
		"ONBOARDING_DB_TIMEOUT": "5", "ONBOARDING_TOKEN_TTL": "0s", "ONBOARDING_MAX_BODY_BYTES": "-3", "ONBOARDING_SANDBOX": "maybe",
	} {
		_, err := config.Load(environment(map[string]string{name: value}))
		if err == nil || !strings.Contains(err.Error(), name) && !strings.Contains(err.Error(), value) {
			t.Errorf("%s=%s: %v, want an error naming it", name, value, err)
		}
	}
}

// onboarding config prints every variable, the database password masked.
func TestPrintMasksThePassword(t *testing.T) {
	t.Parallel()
	for _, url := range []string{"postgres://app:s3cret@db:5432/kyb?sslmode=require", "postgres://app@db/kyb?password=s3cret"} {
		cfg, err := config.Load(environment(map[string]string{"ONBOARDING_DATABASE_URL": url}))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := config.Print(&out, cfg); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "s3cret") || !strings.Contains(out.String(), "*****") {
			t.Fatalf("the password shows:\n%s", out.String())
		}
		if lines := strings.Count(out.String(), "\n"); lines != len(config.Variables()) {
			t.Fatalf("%d lines for %d variables", lines, len(config.Variables()))
		}
		if !strings.Contains(out.String(), "ONBOARDING_VERIFICATION_TTL=48h0m0s\n") {
			t.Fatalf("effective values missing:\n%s", out.String())
		}
	}
}

// docs/operations.md's Configuration table names every variable the code
// reads, with its default, and no variable the code does not read.
func TestDocsTableMatchesTheCode(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]string{} // name → the default cell
	for _, m := range regexp.MustCompile("(?m)^\\| `(ONBOARDING_[A-Z_]+)` \\|([^|]*)\\|").FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = strings.TrimSpace(m[2])
	}
	delete(documented, "ONBOARDING_TEST_DATABASE_URL") // the tests', not the service's
	for _, v := range config.Variables() {
		cell, ok := documented[v.Name]
		switch {
		case !ok:
			t.Errorf("%s is read by the code but not in the docs' Configuration table", v.Name)
		case v.Default != "" && !strings.HasPrefix(cell, "`"+v.Default+"`"):
			t.Errorf("%s: the docs say the default is %s, the code %q", v.Name, cell, v.Default)
		}
		delete(documented, v.Name)
	}
	for name := range documented {
		t.Errorf("%s is in the docs' Configuration table but the code does not read it", name)
	}
}
