package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/domain"
)

// verificationColumns are every column, in the order of the named
// parameters used by insert and update.
const verificationColumns = `uuid, user_id, country, legal_person_identifier, legal_name, lei, status,
	validation_method, verified_user_roles, verified_company_data, raw_response, error_traceback,
	error_message, validated_at, expires_at, customer_id, onboarding_metadata,
	user_submitted_customer_data, person_identifier, person_first_name, person_last_name,
	person_birth_date, created, modified, version, run_claim, run_claimed_at`

var insertVerification = `INSERT INTO verifications (` + verificationColumns + `) VALUES (` + namedParams(verificationColumns) + `)`

// insertCompletion gives a new verification the checklist its country is
// configured with, if any.
const insertCompletion = `INSERT INTO completions (uuid, verification_uuid, checklist_uuid, created, modified)
	SELECT ?, ?, checklist_uuid, ?, ? FROM country_configs WHERE country = ? AND is_active`

// shownColumns are the columns a response shows and Verification.Expire
// needs: every column but the person data, which is never shown.
var shownColumns = func() string {
	var out []string
	for _, c := range columnNames(verificationColumns) {
		if !strings.HasPrefix(c, "person_") {
			out = append(out, c)
		}
	}
	return strings.Join(out, ", ")
}()

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

// withDefaults fills the JSON columns a new verification starts with.
func withDefaults(v *domain.Verification) {
	for _, j := range []*domain.JSON{&v.VerifiedCompanyData, &v.RawResponse, &v.OnboardingMetadata, &v.UserSubmittedCustomerData} {
		if *j == nil {
			*j = domain.JSON(`{}`)
		}
	}
	if v.VerifiedUserRoles == nil {
		v.VerifiedUserRoles = domain.JSON(`[]`)
	}
}

// CreateVerification inserts v, giving it a UUID and timestamps, and the
// checklist completion of its country's active checklist configuration.
func (s *Store) CreateVerification(ctx context.Context, v *domain.Verification, actor int64) error {
	v.UUID = uuid.New()
	v.Version = 1
	v.Created = s.clock.Now()
	v.Modified = v.Created
	withDefaults(v)
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.execNamed(ctx, tx, insertVerification, v); err != nil {
			return s.wrap(ctx, err)
		}
		// The checklist its country is configured with, if any, comes with it.
		err := s.execPrepared(ctx, tx, insertCompletion, uuid.New(), v.UUID, v.Created, v.Created, v.Country)
		if err != nil {
			return s.wrap(ctx, err)
		}
		return addEvent(ctx, s, tx, &domain.Event{Verification: v.UUID, Kind: domain.EventCreated, ActorID: &actor, NewStatus: v.Status})
	})
}

// Verification reads one verification.
func (s *Store) Verification(ctx context.Context, id uuid.UUID) (*domain.Verification, error) {
	return getVerification(ctx, s, s.db, id, "")
}

// ShownVerification reads one verification without its person data, for
// a response.
func (s *Store) ShownVerification(ctx context.Context, id uuid.UUID) (*domain.Verification, error) {
	var v domain.Verification
	if err := s.getPrepared(ctx, &v, `SELECT `+shownColumns+` FROM verifications WHERE uuid = ?`, id); err != nil {
		return nil, s.wrap(ctx, err)
	}
	v.Expire(s.clock.Now())
	return &v, nil
}

// getVerification reads one row through q (the pool or a transaction),
// with an optional locking suffix.
func getVerification(ctx context.Context, s *Store, q sqlx.QueryerContext, id uuid.UUID, lock string) (*domain.Verification, error) {
	var v domain.Verification
	err := sqlx.GetContext(ctx, q, &v, s.db.Rebind(`SELECT `+verificationColumns+` FROM verifications WHERE uuid = ?`+lock), id)
	if err != nil {
		return nil, s.wrap(ctx, err)
	}
	v.Expire(s.clock.Now())
	return &v, nil
}

// UpdateVerification writes every column of v, sets Modified and bumps
// Version, and appends ev (if any) to the audit trail, in one transaction.
// When the row changed since v was read it writes nothing and returns a
// conflict.
func (s *Store) UpdateVerification(ctx context.Context, v *domain.Verification, ev *domain.Event) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := updateVerification(ctx, s, tx, v); err != nil {
			return err
		}
		if ev == nil {
			return nil
		}
		ev.Verification = v.UUID
		return addEvent(ctx, s, tx, ev)
	})
}

func updateVerification(ctx context.Context, s *Store, tx *sqlx.Tx, v *domain.Verification) error {
	v.Modified = s.clock.Now()
	withDefaults(v)
	var sets []string
	for _, c := range columnNames(verificationColumns) {
		if c != "uuid" && c != "created" && c != "version" {
			sets = append(sets, c+" = :"+c)
		}
	}
	res, err := tx.NamedExecContext(ctx, `UPDATE verifications SET `+strings.Join(sets, ", ")+
		`, version = version + 1 WHERE uuid = :uuid AND version = :version`, v)
	if err != nil {
		return s.wrap(ctx, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := getVerification(ctx, s, tx, v.UUID, ""); err != nil {
			return err
		}
		return domain.Errorf(domain.EConflict, "The verification was changed by another request; read it again and retry.")
	}
	v.Version++
	// A pending justification speaks for the company it was written for:
	// when the verification's company is another now, it is superseded.
	if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE justifications SET decision = ?, modified = ?
		WHERE verification_uuid = ? AND decision = ? AND (country <> ? OR legal_person_identifier <> ?)`),
		domain.DecisionSuperseded, v.Modified, v.UUID, domain.DecisionPending, v.Country, v.LegalPersonIdentifier); err != nil {
		return s.wrap(ctx, err)
	}
	return nil
}

// ClaimRun claims verification id for one run_validation by actor: on the
// locked row it checks the lifecycle table (a live claim refuses with 409),
// records a dead claim's run as abandoned, takes the claim and records
// validation_started, in one transaction. Of concurrent calls, from one
// process or many, one gets the claim and the others a 409 at once.
func (s *Store) ClaimRun(ctx context.Context, id uuid.UUID, actor int64) (*domain.Verification, error) {
	var v *domain.Verification
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		lock := ""
		if s.dialect == "postgres" {
			lock = " FOR UPDATE" // SQLite's immediate transactions already serialise writers
		}
		var err error
		if v, err = getVerification(ctx, s, tx, id, lock); err != nil {
			return err
		}
		now := s.clock.Now()
		if err := v.Check(domain.ActionRun, now); err != nil {
			return err
		}
		if v.RunClaim != "" { // a claim past RunClaimTimeout: its run died
			if err := addEvent(ctx, s, tx, &domain.Event{Verification: id, Kind: domain.EventValidationFinished,
				OldStatus: v.Status, NewStatus: v.Status, Reason: "ABANDONED"}); err != nil {
				return err
			}
		}
		v.RunClaim, v.RunClaimedAt = uuid.NewString(), &now
		if err := updateVerification(ctx, s, tx, v); err != nil {
			return err
		}
		return addEvent(ctx, s, tx, &domain.Event{Verification: id, Kind: domain.EventValidationStarted, ActorID: &actor,
			OldStatus: v.Status, NewStatus: v.Status})
	})
	return v, err
}

// FinishRun stores the outcome of the run holding v's claim, releases the
// claim and records ev, in one transaction. It writes only what a run
// decides, so answers submitted meanwhile stay. A claim taken over (the run
// outlived RunClaimTimeout) is a conflict and stores nothing.
func (s *Store) FinishRun(ctx context.Context, v *domain.Verification, ev *domain.Event) error {
	withDefaults(v)
	claim := v.RunClaim
	v.RunClaim, v.RunClaimedAt, v.Modified = "", nil, s.clock.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE verifications SET status = ?, validation_method = ?,
			verified_user_roles = ?, verified_company_data = ?, raw_response = ?, error_traceback = ?, error_message = ?,
			validated_at = ?, person_identifier = ?, person_first_name = ?, person_last_name = ?, person_birth_date = ?,
			run_claim = '', run_claimed_at = NULL, modified = ?, version = version + 1
			WHERE uuid = ? AND run_claim = ?`),
			v.Status, v.ValidationMethod, v.VerifiedUserRoles, v.VerifiedCompanyData, v.RawResponse, v.ErrorTraceback,
			v.ErrorMessage, v.ValidatedAt, v.PersonIdentifier, v.PersonFirstName, v.PersonLastName, v.PersonBirthDate,
			v.Modified, v.UUID, claim)
		if err != nil {
			return s.wrap(ctx, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.EConflict, "The validation took longer than its claim lasts and was taken over; its outcome was not stored.")
		}
		ev.Verification = v.UUID
		return addEvent(ctx, s, tx, ev)
	})
}

// DeleteVerification removes one verification with its answers and their
// files, and records who did it.
func (s *Store) DeleteVerification(ctx context.Context, id uuid.UUID, actor int64) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		v, err := getVerification(ctx, s, tx, id, "") // as it was, for the webhook payload
		if err != nil {
			return err
		}
		if _, err := deleteVerifications(ctx, s, tx, `uuid = ?`, id); err != nil {
			return err
		}
		return addEventAbout(ctx, s, tx, &domain.Event{Verification: id, Kind: domain.EventDeleted, ActorID: &actor, OldStatus: v.Status}, v)
	})
}

// deleteVerifications deletes the verifications matching where, and the
// stored files of their answers and justifications (the rest goes by ON
// DELETE CASCADE). It
// returns how many verifications it deleted.
func deleteVerifications(ctx context.Context, s *Store, tx *sqlx.Tx, where string, args ...any) (int64, error) {
	if _, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM stored_files WHERE uuid IN (
		SELECT f.file_uuid FROM answer_files f
		JOIN answers a ON a.uuid = f.answer_uuid
		JOIN completions c ON c.uuid = a.completion_uuid
		WHERE c.verification_uuid IN (SELECT uuid FROM verifications WHERE `+where+`)
		UNION
		SELECT d.file_uuid FROM justification_documents d
		JOIN justifications j ON j.uuid = d.justification_uuid
		WHERE j.verification_uuid IN (SELECT uuid FROM verifications WHERE `+where+`))`), append(args, args...)...); err != nil {
		return 0, s.wrap(ctx, err)
	}
	res, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM verifications WHERE `+where), args...)
	if err != nil {
		return 0, s.wrap(ctx, err)
	}
	return res.RowsAffected()
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
	return max(CountLimit+1, int(explained[0].Plan.Rows)), false, nil
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

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func columnNames(cols string) []string {
	var out []string
	for _, c := range strings.Split(cols, ",") {
		out = append(out, strings.TrimSpace(c))
	}
	return out
}

func namedParams(cols string) string {
	names := columnNames(cols)
	for i, c := range names {
		names[i] = ":" + c
	}
	return strings.Join(names, ", ")
}
