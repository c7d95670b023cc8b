package store

// Lists of verifications: orderings, filters, bounded counts, cursors.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/onboarding-kyb/onboarding/domain"
)

// ordering is one way to sort a list: by cols, all ascending or all
// descending, the last column (uuid) breaking ties so that pages never
// overlap and a cursor names one place in the order. Each has an index on
// both databases (migration 00007_list_indexes).
type ordering struct {
	cols []string
	desc bool
}

// orderings maps the API's `o` values to SQL.
var orderings = map[string]ordering{
	"created":   {[]string{"created", "uuid"}, false},
	"-created":  {[]string{"created", "uuid"}, true},
	"modified":  {[]string{"modified", "uuid"}, false},
	"-modified": {[]string{"modified", "uuid"}, true},
	"status":    {[]string{"status", "created", "uuid"}, false},
	"country":   {[]string{"country", "created", "uuid"}, false},
}

func (o ordering) sql() string {
	dir := " ASC"
	if o.desc {
		dir = " DESC"
	}
	return strings.Join(o.cols, dir+", ") + dir
}

// The work of a list is bounded: its total is counted exactly up to
// CountLimit rows (above, it is estimated). Page numbers reach every row,
// skipping rows in an index alone (a deep page costs a walk of the index,
// bounded by the request's database deadline); past PageWindow rows the
// next links carry a cursor (keyset) instead, which costs the same at any
// depth.
const (
	CountLimit = 1000
	PageWindow = 10000
)

// VerificationPage is one page of a verification list.
type VerificationPage struct {
	Rows []domain.Verification
	// Total is how many verifications match: exact when Exact, which it is
	// up to CountLimit; above, PostgreSQL's planner estimate, never below
	// CountLimit+1, and CountLimit+1 ("more than CountLimit") on SQLite, which
	// has no estimate.
	Total int
	Exact bool
	// Next, when more rows follow this page, is the cursor that continues
	// after its last row.
	Next string
}

// ListVerifications returns one page of the verifications f selects: from
// f.After (a cursor) when set, else from f.Offset. Person data is not read.
func (s *Store) ListVerifications(ctx context.Context, f domain.VerificationFilter) (VerificationPage, error) {
	now := s.clock.Now()
	q, err := listQuery(f, now)
	if err != nil {
		return VerificationPage{}, err
	}
	// One row more than the page tells whether another page follows.
	out := VerificationPage{Rows: make([]domain.Verification, 0, f.Limit+1)}
	if err := s.selectPrepared(ctx, &out.Rows, q.page, q.pageArgs...); err != nil {
		return VerificationPage{}, s.wrap(ctx, err)
	}
	more := len(out.Rows) > f.Limit
	if more {
		out.Rows = out.Rows[:f.Limit]
		out.Next = q.order.encode(q.name, &out.Rows[f.Limit-1])
	}
	for i := range out.Rows {
		out.Rows[i].Expire(now)
	}
	if f.After == "" && f.Offset == 0 && !more {
		out.Total, out.Exact = len(out.Rows), true // the first page holds them all
		return out, nil
	}
	out.Total, out.Exact, err = s.count(ctx, q)
	return out, err
}

// list is the SQL of a verification list: the page (with its LIMIT and
// OFFSET arguments), and the bounded count with its arguments but the bound.
type list struct {
	page      string
	pageArgs  []any
	count     string // SELECT COUNT(*) … LIMIT ?: walks an index and stops at the bound
	countArgs []any
	matching  string // SELECT 1 FROM …: every matching row, for PostgreSQL's estimate
	order     ordering
	name      string // the API's name of order
}

// rows is the rows a list selects as a FROM item, with its arguments:
// "verifications WHERE …", or, when arms are given (the expired filter,
// which has three ways to match), a UNION ALL of one SELECT of cols per
// arm, each of which walks an index of its own in the list's order, so
// that the database merges them instead of sorting.
type rows struct {
	where []string
	args  []any
	arms  []arm
}

type arm struct {
	cond string
	args []any
}

func (r rows) from(cols string, extra string, extraArgs []any) (string, []any) {
	where := r.where
	if extra != "" {
		where = append(where[:len(where):len(where)], extra)
	}
	if len(r.arms) == 0 {
		args := append(r.args[:len(r.args):len(r.args)], extraArgs...)
		if len(where) == 0 {
			return "verifications", args
		}
		return "verifications WHERE " + strings.Join(where, " AND "), args
	}
	var selects []string
	var args []any
	for _, a := range r.arms {
		selects = append(selects, "SELECT "+cols+" FROM verifications WHERE "+strings.Join(append([]string{a.cond}, where...), " AND "))
		args = append(append(append(args, a.args...), r.args...), extraArgs...)
	}
	return "(" + strings.Join(selects, " UNION ALL ") + ") AS v", args
}

func listQuery(f domain.VerificationFilter, now time.Time) (list, error) {
	var r rows
	add := func(cond string, arg any) {
		r.where = append(r.where, cond)
		r.args = append(r.args, arg)
	}
	if f.OwnerID != nil {
		add("user_id = ?", *f.OwnerID)
	}
	if f.UserID != nil {
		add("user_id = ?", *f.UserID)
	}
	switch f.Status {
	case "":
	case domain.StatusExpired: // stored as expired, or waiting past its time
		r.arms = []arm{{"status = ?", []any{domain.StatusExpired}},
			{"status = ? AND expires_at < ?", []any{domain.StatusPending, now}},
			{"status = ? AND expires_at < ?", []any{domain.StatusEscalated, now}}}
	case domain.StatusPending, domain.StatusEscalated:
		add("status = ?", f.Status)
		add("(expires_at IS NULL OR expires_at >= ?)", now)
	default:
		add("status = ?", f.Status)
	}
	if f.Country != "" {
		add("country = ?", strings.ToUpper(f.Country))
	}
	if f.LegalPersonIdentifier != "" {
		add("legal_person_identifier = ?", f.LegalPersonIdentifier)
	}
	if f.LegalName != "" {
		// lower() on both sides: LIKE is case-insensitive on SQLite only.
		// PostgreSQL answers it from a trigram index on lower(legal_name).
		add(`lower(legal_name) LIKE ? ESCAPE '\'`, "%"+escapeLike(strings.ToLower(f.LegalName))+"%")
	}
	q := list{name: f.Ordering}
	var ok bool
	if q.order, ok = orderings[f.Ordering]; !ok {
		q.name = "-created"
		q.order = orderings[q.name]
	}
	orderBy := ` ORDER BY ` + q.order.sql()
	// The bounded count walks the ordering's index and stops at its bound;
	// a union's arms each stop on their own, unordered.
	all, allArgs := r.from("1", "", nil)
	if len(r.arms) == 0 {
		q.count = `SELECT COUNT(*) FROM (SELECT 1 FROM ` + all + orderBy + ` LIMIT ?) AS bounded`
	} else {
		q.count = `SELECT COUNT(*) FROM (SELECT 1 FROM ` + all + ` LIMIT ?) AS bounded`
	}
	q.countArgs, q.matching = allArgs, `SELECT 1 FROM `+all
	offset, after, afterArgs := f.Offset, "", []any(nil)
	if f.After != "" {
		var err error
		if afterArgs, err = q.order.decode(q.name, f.After); err != nil {
			return list{}, err
		}
		after, offset = q.order.after(), 0
	}
	if offset == 0 {
		from, args := r.from(shownColumns, after, afterArgs)
		q.page = `SELECT ` + shownColumns + ` FROM ` + from + orderBy + ` LIMIT ? OFFSET ?`
		q.pageArgs = append(args, f.Limit+1, offset)
		return q, nil
	}
	// Skip the first rows in the index alone, then read the page's rows:
	// OFFSET over whole rows would read every skipped one.
	from, args := r.from(strings.Join(q.order.cols, ", "), "", nil)
	q.page = `SELECT ` + shownColumns + ` FROM verifications WHERE uuid IN (SELECT uuid FROM ` + from + orderBy +
		` LIMIT ? OFFSET ?)` + orderBy
	q.pageArgs = append(args, f.Limit+1, offset)
	return q, nil
}

// count counts the verifications q's filter selects: exactly up to
// CountLimit, walking the index of q's ordering and stopping there, and
// above it by PostgreSQL's estimate (CountLimit+1 on SQLite).
func (s *Store) count(ctx context.Context, q list) (int, bool, error) {
	var n int
	if err := s.getPrepared(ctx, &n, q.count, append(q.countArgs, CountLimit+1)...); err != nil {
		return 0, false, s.wrap(ctx, err)
	}
	if n <= CountLimit {
		return n, true, nil
	}
	if s.dialect == "sqlite" {
		return n, false, nil
	}
	key := estimateKey(q)
	if e, ok := s.estimates.Get(key); ok && s.clock.Now().Before(e.until) {
		return e.rows, false, nil
	}
	var plan []byte
	if err := s.db.GetContext(ctx, &plan, s.db.Rebind(`EXPLAIN (FORMAT JSON) `+q.matching), q.countArgs...); err != nil {
		return 0, false, s.wrap(ctx, err)
	}
	var explained []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	if err := json.Unmarshal(plan, &explained); err != nil || len(explained) == 0 {
		return 0, false, fmt.Errorf("EXPLAIN output: %w", err)
	}
	rows := max(CountLimit+1, int(explained[0].Plan.Rows))
	s.estimates.Add(key, estimate{rows: rows, until: s.clock.Now().Add(EstimateTTL)})
	return rows, false, nil
}

// EstimateTTL is how long a list's planner estimate (its count above
// CountLimit) is reused for the same filters: planning the EXPLAIN cost
// more than the page itself, and the estimate moves only as the planner's
// statistics do.
const EstimateTTL = 10 * time.Second

// estimateKey names a list's matching rows for the estimate cache: its SQL
// and arguments, times left out (the number of rows pending "until now"
// hardly moves with now, and with now in it no key would be asked twice).
func estimateKey(q list) string {
	args := slices.Clone(q.countArgs)
	for i, a := range args {
		if _, ok := a.(time.Time); ok {
			args[i] = "now"
		}
	}
	return q.matching + fmt.Sprintf("%#v", args)
}

// estimate is a list's planner estimate, good until until.
type estimate struct {
	rows  int
	until time.Time
}

// after is the keyset condition "comes after the cursor's row" in o.
func (o ordering) after() string {
	cmp := " > "
	if o.desc {
		cmp = " < "
	}
	return "(" + strings.Join(o.cols, ", ") + ")" + cmp + "(" + strings.TrimSuffix(strings.Repeat("?, ", len(o.cols)), ", ") + ")"
}

// cursor is what a cursor carries: the ordering it belongs to and the
// values of its columns in the row it continues after.
type cursor struct {
	O string   `json:"o"`
	K []string `json:"k"`
}

// encode makes the cursor continuing after v in o (name is the API's `o`).
func (o ordering) encode(name string, v *domain.Verification) string {
	c := cursor{O: name}
	for _, col := range o.cols {
		switch col {
		case "created":
			c.K = append(c.K, v.Created.Format(time.RFC3339Nano))
		case "modified":
			c.K = append(c.K, v.Modified.Format(time.RFC3339Nano))
		case "uuid":
			c.K = append(c.K, v.UUID.String())
		case "status":
			c.K = append(c.K, v.Status)
		case "country":
			c.K = append(c.K, v.Country)
		}
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decode reads a cursor made by encode for the same ordering, as query
// arguments; anything else is a 400 naming the cursor.
func (o ordering) decode(name, s string) ([]any, error) {
	bad := domain.FieldError("cursor", "Invalid cursor: use the one in a Link header of this list with the same o.")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err != nil || json.Unmarshal(raw, &c) != nil || c.O != name || len(c.K) != len(o.cols) {
		return nil, bad
	}
	args := make([]any, len(o.cols))
	for i, col := range o.cols {
		switch col {
		case "created", "modified":
			t, err := time.Parse(time.RFC3339Nano, c.K[i])
			if err != nil {
				return nil, bad
			}
			args[i] = t.UTC()
		case "uuid":
			id, err := uuid.Parse(c.K[i])
			if err != nil {
				return nil, bad
			}
			args[i] = id
		default:
			args[i] = c.K[i]
		}
	}
	return args, nil
}
