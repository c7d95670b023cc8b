// Package store keeps the service's data in PostgreSQL (lib/pq) or an
// embedded SQLite file (modernc.org/sqlite, pure Go), with one set of
// queries and one migration sequence per dialect.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jmoiron/sqlx"
	"github.com/jmoiron/sqlx/reflectx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/onboarding-kyb/onboarding/domain"
)

//go:embed migrations
var migrations embed.FS

// DefaultURL is used when no database URL is configured.
const DefaultURL = "sqlite://onboarding.db"

func init() {
	// sqlx knows lib/pq's "postgres" but not modernc's "sqlite".
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
}

// Pool sizes the connection pool. database/sql keeps only 2 idle
// connections by default, so under more concurrent requests than that
// nearly every query opened a new PostgreSQL session; keeping as many idle
// as open avoids that.
//
// Package config reads the tagged fields from the environment; zero fields
// take the dialect's defaults (DefaultPool, DefaultTimeout).
type Pool struct {
	MaxOpen     int           `env:"ONBOARDING_DB_MAX_OPEN_CONNS"`    // connections open at most
	MaxIdle     int           `env:"ONBOARDING_DB_MAX_IDLE_CONNS"`    // kept open while idle; equal to MaxOpen unless set lower
	MaxLifetime time.Duration `env:"ONBOARDING_DB_CONN_MAX_LIFETIME"` // a connection is replaced after this long (0: never)
	MaxIdleTime time.Duration // an idle connection is closed after this long (0: never)
	// Timeout bounds every wait for PostgreSQL on a connection: one that
	// sends nothing for this long while the service waits for it is
	// dropped, so a hung database cannot hang a request. It is the
	// request's database deadline, ONBOARDING_DB_TIMEOUT (server.Config).
	Timeout time.Duration
}

// DefaultPool is the pool each dialect starts with, sized by measurement
// (docs/performance.md): on PostgreSQL 16 connections per replica reach
// the throughput of larger pools on 2 cores while leaving room for several
// replicas under PostgreSQL's default max_connections of 100; SQLite has one
// writer at a time, and readers gain nothing beyond the core count: 4
// connections read as fast as 8, write with half the p99 and keep 14 MB
// less of page caches.
func DefaultPool(dialect string) Pool {
	if dialect == "sqlite" {
		return Pool{MaxOpen: 4, MaxIdle: 4, MaxLifetime: time.Hour, MaxIdleTime: 5 * time.Minute}
	}
	return Pool{MaxOpen: 16, MaxIdle: 16, MaxLifetime: 30 * time.Minute, MaxIdleTime: 5 * time.Minute}
}

// SetPool resizes the pool; zero fields keep the dialect's default.
func (s *Store) SetPool(p Pool) {
	d := DefaultPool(s.dialect)
	if p.MaxOpen <= 0 {
		p.MaxOpen = d.MaxOpen
	}
	if p.MaxIdle <= 0 || p.MaxIdle > p.MaxOpen {
		p.MaxIdle = p.MaxOpen
	}
	if p.MaxLifetime <= 0 {
		p.MaxLifetime = d.MaxLifetime
	}
	if p.MaxIdleTime <= 0 {
		p.MaxIdleTime = d.MaxIdleTime
	}
	s.db.SetMaxOpenConns(p.MaxOpen)
	s.db.SetMaxIdleConns(p.MaxIdle)
	s.db.SetConnMaxLifetime(p.MaxLifetime)
	s.db.SetConnMaxIdleTime(p.MaxIdleTime)
}

// Store is the database.
type Store struct {
	db             *sqlx.DB
	dialect        string        // "postgres" or "sqlite"
	timeout        *atomic.Int64 // Pool.Timeout, shared with the PostgreSQL connections
	webhookPayload atomic.Pointer[WebhookPayload]
	hooks          atomic.Pointer[hookCache] // see WebhookCacheTTL
	stmts          sync.Map                  // query → *statement: see prepared
	clock          domain.Clock
	named          sync.Map                     // query → *sqlx.NamedStmt: see execNamed
	estimates      *lru.Cache[string, estimate] // a list's query and arguments → its count estimate: see EstimateTTL
}

// SetClock makes the store read the time from c (the system clock unless
// set); call it before the store is used.
func (s *Store) SetClock(c domain.Clock) { s.clock = c }

// Clock is the store's clock, which the server shares.
func (s *Store) Clock() domain.Clock { return s.clock }

// Open connects to databaseURL with the default pool: see OpenPool.
func Open(databaseURL string) (*Store, error) { return OpenPool(databaseURL, Pool{}) }

// OpenPool connects to databaseURL: postgres://… or postgresql://… for
// PostgreSQL, sqlite://PATH (or empty, for DefaultURL) for SQLite, with
// pool's limits (zero fields take the dialect's defaults).
func OpenPool(databaseURL string, pool Pool) (*Store, error) {
	if databaseURL == "" {
		databaseURL = DefaultURL
	}
	estimates, err := lru.New[string, estimate](256)
	if err != nil {
		return nil, err
	}
	s := &Store{timeout: new(atomic.Int64), estimates: estimates}
	s.timeout.Store(int64(cmp.Or(pool.Timeout, DefaultTimeout)))
	switch {
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		connector, err := pq.NewConnector(onePass(databaseURL))
		if err != nil {
			return nil, err
		}
		connector.Dialer(dialer{d: net.Dialer{KeepAlive: 30 * time.Second}, timeout: s.timeout})
		s.db, s.dialect = sqlx.NewDb(sql.OpenDB(opening{connector}), "postgres"), "postgres"
	case strings.HasPrefix(databaseURL, "sqlite://"):
		path := strings.TrimPrefix(databaseURL, "sqlite://")
		if path == "" {
			return nil, errors.New("sqlite:// needs a file path, e.g. sqlite://onboarding.db")
		}
		// Foreign keys on, wait for the writer lock instead of failing, WAL so
		// readers never block, and take the write lock when a transaction
		// begins so two writers queue instead of deadlocking.
		q := url.Values{}
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
		db, err := sqlx.Open("sqlite", "file:"+path+"?"+q.Encode())
		if err != nil {
			return nil, err
		}
		s.db, s.dialect = db, "sqlite"
	default:
		return nil, fmt.Errorf("database URL must start with postgres://, postgresql:// or sqlite://")
	}
	s.SetPool(pool)
	return s, nil
}

// onePass turns on lib/pq's binary_parameters unless the URL sets it: a
// query with parameters then goes to the server in one round trip
// (Parse, Bind, Execute together) instead of two (Parse and Describe
// first, to learn the parameter types). It needs every []byte argument to
// be bytea, which holds here: JSON goes as text (domain.JSON.Value).
func onePass(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil || u.Query().Has("binary_parameters") {
		return databaseURL
	}
	q := u.Query()
	q.Set("binary_parameters", "yes")
	u.RawQuery = q.Encode()
	return u.String()
}

// Dialect is "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// DB is the connection pool, for its statistics.
func (s *Store) DB() *sql.DB { return s.db.DB }

// Close closes the connection pool.
func (s *Store) Close() error {
	s.stmts.Range(func(_, st any) bool {
		st.(*statement).Close()
		return true
	})
	s.named.Range(func(_, st any) bool {
		st.(*sqlx.NamedStmt).Close()
		return true
	})
	return s.db.Close()
}

// pingTimeout bounds Ping.
const pingTimeout = time.Second

// Ping checks that the database answers, within a second whatever the
// database does (a hung one included).
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.db.PingContext(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Migrate brings the schema up to date. Its statements may run longer
// than Pool.Timeout: the connection deadline is off meanwhile.
func (s *Store) Migrate(ctx context.Context) error {
	defer s.timeout.Store(s.timeout.Swap(0))
	dir, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return err
	}
	gooseDialect := goose.DialectSQLite3
	if s.dialect == "postgres" {
		gooseDialect = goose.DialectPostgres
	}
	// Migrations are numbered as they are written, and branches land in
	// another order; each stands alone, so a database that has a later one
	// still takes an earlier one it lacks.
	p, err := goose.NewProvider(gooseDialect, s.db.DB, dir, goose.WithAllowOutofOrder(true))
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// inTx runs fn in a transaction, committed when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	if err := s.prepareForTx(ctx); err != nil {
		return s.wrap(ctx, err)
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return s.wrap(ctx, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return s.wrap(ctx, err)
	}
	return s.wrap(ctx, tx.Commit())
}

// getPrepared is sqlx's GetContext, for a query with ? placeholders,
// prepared: see prepared. Into a struct, it maps the columns to fields
// once per query, where sqlx would on every call (a tenth of a retrieve's
// CPU for its two rows).
func (s *Store) getPrepared(ctx context.Context, dest any, query string, args ...any) error {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return err
	}
	v := reflect.ValueOf(dest).Elem()
	if _, scanner := dest.(sql.Scanner); scanner || v.Kind() != reflect.Struct {
		return st.GetContext(ctx, dest, args...)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	fields, err := st.fieldsOf(v.Type(), rows)
	if err != nil {
		return err
	}
	into := make([]any, len(fields))
	for i, index := range fields {
		into[i] = reflectx.FieldByIndexes(v, index).Addr().Interface()
	}
	if err := rows.Scan(into...); err != nil {
		return err
	}
	return rows.Close()
}

// statement is a query prepared by prepared, with the mapping of its
// columns to the fields of the struct getPrepared last read it into.
type statement struct {
	*sqlx.Stmt
	fields atomic.Pointer[columnFields]
}

// columnFields is a query's columns mapped to the fields of one struct
// type, by their db tags (sqlx's mapper).
type columnFields struct {
	typ    reflect.Type
	fields [][]int
}

// fieldsOf is the field of t each column of st's rows goes into.
func (st *statement) fieldsOf(t reflect.Type, rows *sql.Rows) ([][]int, error) {
	if m := st.fields.Load(); m != nil && m.typ == t {
		return m.fields, nil
	}
	columns, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	fields := st.Mapper.TraversalsByName(t, columns)
	for i, index := range fields {
		if len(index) == 0 {
			return nil, fmt.Errorf("missing destination name %s in %s", columns[i], t)
		}
	}
	st.fields.Store(&columnFields{t, fields})
	return fields, nil
}

// selectPrepared is sqlx's SelectContext, prepared: see prepared.
func (s *Store) selectPrepared(ctx context.Context, dest any, query string, args ...any) error {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return err
	}
	return st.SelectContext(ctx, dest, args...)
}

// prepared is query (with ? placeholders) prepared: database/sql prepares
// it once on each connection, when first used there, so PostgreSQL parses
// and plans it once per connection instead of on every call, and SQLite
// compiles it once. It is for the fixed queries requests run (the token
// lookup, a retrieve, and the lists' pages and counts, whose shapes are a
// bounded set: one per combination of filters, ordering and paging, the
// values all parameters): planning cost a retrieve about as much as
// running it. The queries must name their columns (never *): a prepared
// SELECT * fails once a migration adds a column.
func (s *Store) prepared(ctx context.Context, query string) (*statement, error) {
	st, ok := s.stmts.Load(query)
	if !ok {
		prepared, err := s.db.PreparexContext(ctx, s.db.Rebind(query))
		if err != nil {
			return nil, err
		}
		if st, ok = s.stmts.LoadOrStore(query, &statement{Stmt: prepared}); ok {
			prepared.Close() // another request prepared it first
		}
	}
	return st.(*statement), nil
}

// txStatements and txNamed are the statements that writes run inside
// their transactions (the audit trail's insert; a create's inserts),
// prepared by inTx before its transaction begins: preparing inside one
// would wait for a second connection, which a pool full of transactions
// never frees.
var (
	txStatements = []string{insertEvent, insertCompletion}
	txNamed      = []string{insertVerification}
)

// execPrepared is tx's ExecContext of a statement in txStatements,
// prepared (on the transaction's connection, once per connection).
func (s *Store) execPrepared(ctx context.Context, tx *sqlx.Tx, query string, args ...any) error {
	if st, ok := s.stmts.Load(query); ok {
		_, err := tx.StmtxContext(ctx, st.(*statement).Stmt).ExecContext(ctx, args...)
		return err
	}
	_, err := tx.ExecContext(ctx, s.db.Rebind(query), args...)
	return err
}

// getPreparedTx is tx's GetContext of a statement in txStatements, prepared.
func (s *Store) getPreparedTx(ctx context.Context, tx *sqlx.Tx, dest any, query string, args ...any) error {
	if st, ok := s.stmts.Load(query); ok {
		return tx.StmtxContext(ctx, st.(*statement).Stmt).GetContext(ctx, dest, args...)
	}
	return tx.GetContext(ctx, dest, s.db.Rebind(query), args...)
}

// execNamed is tx's NamedExecContext of a statement in txNamed, prepared,
// its named parameters compiled once.
func (s *Store) execNamed(ctx context.Context, tx *sqlx.Tx, query string, arg any) error {
	if st, ok := s.named.Load(query); ok {
		_, err := tx.NamedStmtContext(ctx, st.(*sqlx.NamedStmt)).ExecContext(ctx, arg)
		return err
	}
	_, err := tx.NamedExecContext(ctx, query, arg)
	return err
}

// prepareForTx prepares txStatements and txNamed, once.
func (s *Store) prepareForTx(ctx context.Context) error {
	for _, q := range txStatements {
		if _, err := s.prepared(ctx, q); err != nil {
			return err
		}
	}
	for _, q := range txNamed {
		if _, ok := s.named.Load(q); ok {
			continue
		}
		prepared, err := s.db.PrepareNamedContext(ctx, q)
		if err != nil {
			return err
		}
		if _, ok := s.named.LoadOrStore(q, prepared); ok {
			prepared.Close() // another request prepared it first
		}
	}
	return nil
}

// wrap turns a database error into a domain error: no row → 404, a
// unique violation → 409, a database that is not there for us (down,
// starting, out of connections, hung, past the request's deadline) → 503;
// a client that went away → context.Canceled; anything else stays
// internal. Domain errors pass through.
func (s *Store) wrap(ctx context.Context, err error) error {
	var de *domain.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return &domain.Error{Code: domain.ENotFound, Detail: "Not found."}
	case isUniqueViolation(err):
		return &domain.Error{Code: domain.EConflict, Detail: "Already exists.", Err: err}
	case errors.Is(ctx.Err(), context.Canceled):
		return context.Canceled
	case ctx.Err() != nil || isUnavailable(err):
		return unavailable(err)
	}
	// Ask the database whether it is there at all: a failed ping means the
	// error was an outage, not a bug, and the client may retry.
	if pingErr := s.Ping(context.WithoutCancel(ctx)); pingErr != nil {
		return unavailable(err)
	}
	return err
}

func unavailable(err error) error {
	return &domain.Error{Code: domain.EUnavailable, Detail: "The database is unavailable; try again shortly.", Err: err}
}

func isUniqueViolation(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Code == "23505"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		return liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
