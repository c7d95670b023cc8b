package testnet_test

import (
	"errors"
	"net"
	"syscall"
	"testing"

	"github.com/onboarding-kyb/onboarding/internal/testnet"
)

// The address refuses connections, and no listener is given its port.
func TestRefusedAddr(t *testing.T) {
	addr := testnet.RefusedAddr(t)
	if _, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s: %v, want connection refused", addr, err)
	}
	if ln, err := net.Listen("tcp", addr); err == nil {
		ln.Close()
		t.Fatalf("a listener was given %s", addr)
	}
}
