package store_test

import (
	"path/filepath"
	"testing"

	"github.com/onboarding-kyb/onboarding/store"
)

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
