package password_test

import (
	"strings"
	"testing"

	"github.com/onboarding-kyb/onboarding/password"
)

func TestHashAndMatches(t *testing.T) {
	t.Parallel()
	const plain = "correct horse battery staple"
	hash, err := password.Hash(plain)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hash, plain) || !password.Matches(hash, plain) {
		t.Fatalf("hash %q does not match its password, or holds it", hash)
	}
	if password.Matches(hash, plain+" ") || password.Matches("", "") || password.Matches("", plain) {
		t.Error("a wrong password, or an empty hash, matches")
	}
	for _, bad := range []string{"short", strings.Repeat("é", 11), strings.Repeat("x", 73), "twelve chars\xff"} {
		if _, err := password.Hash(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := password.Hash(strings.Repeat("é", 12)); err != nil { // 12 characters, 24 bytes
		t.Errorf("12 two-byte characters refused: %v", err)
	}
}
