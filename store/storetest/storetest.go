// Package storetest gives tests a fresh, migrated database of each dialect:
// an SQLite file always, and a PostgreSQL schema of its own when
// ONBOARDING_TEST_DATABASE_URL is set. Under CI=true PostgreSQL is required:
// a missing URL or an unreachable server fails the test instead of skipping.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/lib/pq"

	"github.com/onboarding-kyb/onboarding/store"
)

// EnvURL names the PostgreSQL URL tests use.
const EnvURL = "ONBOARDING_TEST_DATABASE_URL"

// Dialects runs fn once per available database, as parallel subtests named
// "sqlite" and "postgres", each with its own fresh database.
func Dialects(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, SQLite(t))
	})
	if os.Getenv(EnvURL) == "" && os.Getenv("CI") != "true" {
		return // a developer without PostgreSQL still runs the SQLite half
	}
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, Postgres(t))
	})
}

// DialectURLs runs fn like Dialects, but with the URL of a fresh, empty
// database, for tests that open several pools on it as replicas would.
func DialectURLs(t *testing.T, fn func(t *testing.T, databaseURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, "sqlite://"+filepath.Join(t.TempDir(), "test.db"))
	})
	if os.Getenv(EnvURL) == "" && os.Getenv("CI") != "true" {
		return
	}
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, PostgresURL(t))
	})
}

// SQLite returns a migrated store on a new file in t's temp dir.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	return open(t, "sqlite://"+filepath.Join(t.TempDir(), "test.db"))
}

// Postgres returns a migrated store in a new schema, dropped at cleanup.
func Postgres(t testing.TB) *store.Store {
	t.Helper()
	URL := PostgresURL(t)
	return open(t, URL)
}

// PostgresURL creates a fresh schema and returns a URL whose connections
// use it (lib/pq passes search_path to the server as a run-time parameter).
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		t.Fatalf("%s is not set; CI=true requires PostgreSQL", EnvURL)
	}
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	suffix := make([]byte, 6)
	rand.Read(suffix)
	schema := "test_" + hex.EncodeToString(suffix)
	// Extensions belong to the database, not a schema: pg_trgm goes into
	// public once, before any test's migration asks for it, and every
	// test's search_path ends with public to find it.
	if _, err := admin.ExecContext(context.Background(), `CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`); err != nil && !isDuplicate(err) {
		t.Fatalf("postgres at %s: pg_trgm: %v", base, err)
	}
	if _, err := admin.ExecContext(context.Background(), `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("postgres at %s unreachable or unusable: %v", base, err)
	}
	t.Cleanup(func() {
		admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB, databaseURL string) *store.Store {
	t.Helper()
	s, err := store.Open(databaseURL)
	if err != nil {
		t.Fatalf("open %s: %v", databaseURL, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// Open returns a migrated store on databaseURL, closed at cleanup: a second
// connection pool on a database another store uses, like a second replica.
func Open(t testing.TB, databaseURL string) *store.Store {
	t.Helper()
	return open(t, databaseURL)
}

// isDuplicate: two tests created the extension at once; one of them won.
func isDuplicate(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && (pqErr.Code == "23505" || pqErr.Code == "42710")
}
