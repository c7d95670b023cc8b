package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DefaultTimeout is Pool.Timeout unless set.
const DefaultTimeout = 5 * time.Second

// dialer connects lib/pq to PostgreSQL through deadlineConns.
type dialer struct {
	d       net.Dialer
	timeout *atomic.Int64 // nanoseconds; 0: no deadline (migrations)
}

func (d dialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

func (d dialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

// cancelTimeout bounds lib/pq's cancel request, which it sends on a new
// connection when a statement's context ends and, for a prepared
// statement, waits for before the statement returns: a database that
// answers cancels it at once; one that does not would add a second
// timeout to the request.
const cancelTimeout = 200 * time.Millisecond

// openingKey marks the dials of connections the pool opens (opening);
// lib/pq's cancel requests dial without it.
type openingKey struct{}

// opening is lib/pq's connector, marking its dials as openings.
type opening struct{ *pq.Connector }

func (c opening) Connect(ctx context.Context) (driver.Conn, error) {
	return c.Connector.Connect(context.WithValue(ctx, openingKey{}, true))
}

func (d dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	timeout := d.timeout
	if t := time.Duration(timeout.Load()); t > 0 && ctx.Value(openingKey{}) == nil {
		timeout = new(atomic.Int64)
		timeout.Store(int64(min(t, cancelTimeout)))
	}
	if t := time.Duration(timeout.Load()); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	c, err := d.d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return deadlineConn{Conn: c, timeout: timeout, hard: new(atomic.Int64)}, nil
}

// deadlineConn gives each read and write on a PostgreSQL connection a
// deadline: lib/pq waits on its socket without one, and a database that
// stopped answering (SIGSTOP, a dead link) would hold the request forever.
// lib/pq's own deadline (the connecting request's, while it opens the
// connection) is kept when it is sooner.
type deadlineConn struct {
	net.Conn
	timeout *atomic.Int64
	hard    *atomic.Int64 // unix nanoseconds of lib/pq's SetDeadline; 0: none
}

func (c deadlineConn) deadline() time.Time {
	var d time.Time
	if t := time.Duration(c.timeout.Load()); t > 0 {
		d = time.Now().Add(t)
	}
	if h := c.hard.Load(); h != 0 && (d.IsZero() || h < d.UnixNano()) {
		d = time.Unix(0, h)
	}
	return d
}

func (c deadlineConn) SetDeadline(t time.Time) error {
	if t.IsZero() {
		c.hard.Store(0)
	} else {
		c.hard.Store(t.UnixNano())
	}
	return c.Conn.SetDeadline(t)
}

func (c deadlineConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(c.deadline()); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c deadlineConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(c.deadline()); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// isUnavailable: err says the database is not there for us right now
// (down, starting, out of connections, unreachable, too slow), not that
// the query was wrong: the client may retry.
func isUnavailable(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "53300", // too_many_connections
			"53000",                   // insufficient_resources
			"57P01", "57P02", "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now (starting up)
			"57014": // query_canceled: the deadline
			return true
		}
		return pqErr.Code.Class() == "08" // connection_exception
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		c := liteErr.Code() & 0xff // primary code
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED || c == sqlite3.SQLITE_INTERRUPT
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, context.DeadlineExceeded)
}
