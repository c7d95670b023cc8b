package domain

import (
	"time"

	"github.com/jonboulle/clockwork"
)

// Clock is where the service reads the time: every TTL, expiry, sweep,
// claim, idempotency record and session asks it. The zero Clock is the
// system clock; tests build one on a clockwork.FakeClock and move it
// instead of sleeping.
type Clock struct{ source clockwork.Clock }

// NewClock reads the time from source.
func NewClock(source clockwork.Clock) Clock { return Clock{source} }

// Now is UTC truncated to microseconds, the precision both databases keep,
// so a value read back equals the value written.
func (c Clock) Now() time.Time {
	if c.source == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return c.source.Now().UTC().Truncate(time.Microsecond)
}
