// Package password hashes and checks the console's passwords (bcrypt, from
// golang.org/x/crypto). Only the hash is ever stored.
package password

import (
	"errors"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Length limits: bcrypt reads at most 72 bytes, so a longer password would
// be silently cut; it is refused instead.
const (
	MinLength = 12
	MaxBytes  = 72
)

// Hash returns the hash to store for plain, or why plain is refused.
func Hash(plain string) (string, error) {
	switch {
	case !utf8.ValidString(plain):
		return "", errors.New("the password is not valid UTF-8")
	case utf8.RuneCountInString(plain) < MinLength:
		return "", errors.New("the password must have at least 12 characters")
	case len(plain) > MaxBytes:
		return "", errors.New("the password must have at most 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(plain), bcrypt.DefaultCost)
	return string(h), err
}

// Matches reports whether plain is the password of hash. An empty hash (no
// password set) matches nothing.
func Matches(hash, plain string) bool {
	return hash != "" && bcrypt.CompareHashAndPassword([]byte(hash), []byte(plain)) == nil
}

// dummy is a hash compared against when the user does not exist, so that
// a sign-in takes as long whether or not the name is known.
var dummy = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no such user, no such password"), bcrypt.DefaultCost)
	return h
})

// Waste spends the time of one comparison.
func Waste(plain string) { _ = bcrypt.CompareHashAndPassword(dummy(), []byte(plain)) }
