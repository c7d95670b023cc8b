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
		"ONBOARDING_BREG_URL": "http://breg.test", "ONBOARDING_BREG_TIMEOUT": "3s", "ONBOARDING_GLEIF_COUNTRIES": "IS,LI",
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
	if breg, gleif := cfg.Registers["breg"], cfg.Registers["gleif"]; breg.BaseURL != "http://breg.test" || breg.Timeout != 3*time.Second ||
		len(gleif.Countries) != 2 || gleif.Countries[1] != "LI" || !cfg.Registry().Sandbox {
		t.Fatalf("registers read: %+v %+v", breg, gleif)
	}
}

func TestLoadRefusesBadValues(t *testing.T) {
	t.Parallel()
	for name, value := range map[string]string{
		"ONBOARDING_DB_MAX_OPEN_CONNS": "0", "ONBOARDING_DB_MAX_IDLE_CONNS": "x", "ONBOARDING_DB_CONN_MAX_LIFETIME": "-1s",
		"ONBOARDING_DB_TIMEOUT": "5", "ONBOARDING_TOKEN_TTL": "0s", "ONBOARDING_MAX_BODY_BYTES": "-3", "ONBOARDING_SANDBOX": "maybe",
		"ONBOARDING_PRH_TIMEOUT": "-1s", "ONBOARDING_CVR_BUDGET": "soon",
		"ONBOARDING_MONITOR_RATE": "0", "ONBOARDING_MONITOR_INTERVALS": "EE=soon",
	} {
		_, err := config.Load(environment(map[string]string{name: value}))
		if err == nil || !strings.HasPrefix(err.Error(), name+": ") {
			t.Errorf("%s=%s: %v, want an error naming it", name, value, err)
		}
	}
}

// onboarding config prints every variable, the database password masked.
func TestPrintMasksThePassword(t *testing.T) {
	t.Parallel()
	for _, url := range []string{"postgres://app:s3cret@db:5432/kyb?sslmode=require", "postgres://app@db/kyb?password=s3cret"} {
		cfg, err := config.Load(environment(map[string]string{"ONBOARDING_DATABASE_URL": url, "ONBOARDING_CVR_PASSWORD": "s3cret",
			"ONBOARDING_COMPANIES_HOUSE_API_KEY": "s3cret", "ONBOARDING_CVR_USERNAME": "kyb-user"}))
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
		for _, v := range config.Variables() {
			if !strings.Contains(out.String(), "\n"+v.Name+"=") && !strings.HasPrefix(out.String(), v.Name+"=") {
				t.Errorf("%s is not printed", v.Name)
			}
		}
		for _, line := range []string{"ONBOARDING_VERIFICATION_TTL=48h0m0s", "ONBOARDING_CVR_USERNAME=kyb-user", "ONBOARDING_CVR_PASSWORD=*****",
			"ONBOARDING_COMPANIES_HOUSE_API_KEY=*****", "ONBOARDING_PRH_URL=https://avoindata.prh.fi"} {
			if !strings.Contains(out.String(), line+"\n") {
				t.Errorf("%s is not printed:\n%s", line, out.String())
			}
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

// Secrets (fields tagged secret:"true") never show in onboarding config;
// per-country monitoring intervals read and print in one form.
func TestPrintMasksSecrets(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(environment(map[string]string{"ONBOARDING_MONITOR_KEY": "hmac-s3cret",
		"ONBOARDING_MONITOR_INTERVALS": "se=off; EE=168h", "ONBOARDING_MONITOR_RATE": "0.5"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Monitor.Key != "hmac-s3cret" || cfg.Server.Monitor.Rate != 0.5 {
		t.Fatalf("read %+v", cfg.Server.Monitor)
	}
	var out bytes.Buffer
	if err := config.Print(&out, cfg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ONBOARDING_MONITOR_KEY=*****\n", "ONBOARDING_MONITOR_INTERVALS=EE=168h0m0s;SE=off\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("want %q in:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "hmac-s3cret") {
		t.Fatalf("the key shows:\n%s", out.String())
	}
}
