package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/onboarding-kyb/onboarding/store"
)

func TestPoolFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	p, err := store.PoolFromEnv(env(nil))
	if err != nil || p != (store.Pool{}) {
		t.Fatalf("unset: %+v %v, want zero (the dialect's defaults)", p, err)
	}
	p, err = store.PoolFromEnv(env(map[string]string{"ONBOARDING_DB_MAX_OPEN_CONNS": "7", "ONBOARDING_DB_MAX_IDLE_CONNS": "3", "ONBOARDING_DB_CONN_MAX_LIFETIME": "90s", "ONBOARDING_DB_TIMEOUT": "2s"}))
	if err != nil || p.MaxOpen != 7 || p.MaxIdle != 3 || p.MaxLifetime != 90*time.Second || p.Timeout != 2*time.Second {
		t.Fatalf("set: %+v %v", p, err)
	}
	for _, bad := range []map[string]string{{"ONBOARDING_DB_MAX_OPEN_CONNS": "0"}, {"ONBOARDING_DB_MAX_IDLE_CONNS": "x"}, {"ONBOARDING_DB_CONN_MAX_LIFETIME": "-1s"}, {"ONBOARDING_DB_TIMEOUT": "5"}} {
		if _, err := store.PoolFromEnv(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// The pool's limits reach database/sql; unset, the dialect's defaults.
func TestOpenPoolLimits(t *testing.T) {
	for pool, want := range map[store.Pool]int{{MaxOpen: 3}: 3, {}: store.DefaultPool("sqlite").MaxOpen} {
		s, err := store.OpenPool("sqlite://"+filepath.Join(t.TempDir(), "pool.db"), pool)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.DB().Stats().MaxOpenConnections; got != want {
			t.Errorf("%+v: MaxOpenConnections %d, want %d", pool, got, want)
		}
		s.Close()
	}
}
