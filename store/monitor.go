package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/domain"
)

// Watch is one watched verification as a monitoring check needs it: the
// company, who onboarded it, and what the register said last.
type Watch struct {
	Verification          uuid.UUID  `db:"verification_uuid"`
	Country               string     `db:"country"`
	LegalPersonIdentifier string     `db:"legal_person_identifier"`
	LegalName             string     `db:"legal_name"`
	CustomerUUID          *uuid.UUID `db:"customer_uuid"`
	Status                string     `db:"status"`     // the verification's
	FirstName             string     `db:"first_name"` // the user's account name
	LastName              string     `db:"last_name"`
	PersonCodeHMAC        string     `db:"person_code_hmac"`
	Failures              int        `db:"failures"`
	Seen
}

// Seen is what the register said of a watched company when last asked (or
// at onboarding, before the first check).
type Seen struct {
	CompanyStatus string `db:"company_status"`
	CompanyName   string `db:"company_name"`
	LegalForm     string `db:"legal_form"`
	Represents    *bool  `db:"represents"` // nil: not known
}

// Candidate is a verification to start watching.
type Candidate struct {
	Verification uuid.UUID  `db:"uuid"`
	Country      string     `db:"country"`
	Company      []byte     `db:"verified_company_data"`
	ErrorMessage string     `db:"error_message"`
	ValidatedAt  *time.Time `db:"validated_at"`
}

// Baseline is what a candidate's onboarding said: the register's company
// data, and that the person represented it when the register confirmed it
// (no error; a staff approval leaves it unknown).
func (c Candidate) Baseline() Seen {
	var company struct {
		Name      string `json:"name"`
		Status    string `json:"status"`
		LegalForm string `json:"legal_form"`
	}
	_ = json.Unmarshal(c.Company, &company)
	s := Seen{CompanyStatus: company.Status, CompanyName: company.Name, LegalForm: company.LegalForm}
	if c.ErrorMessage == "" {
		yes := true
		s.Represents = &yes
	}
	return s
}

// WatchCandidates returns up to limit verified verifications not watched
// yet, in uuid order after after: those with a customer, and the others
// too when verified is set.
func (s *Store) WatchCandidates(ctx context.Context, verified bool, after uuid.UUID, limit int) ([]Candidate, error) {
	out := []Candidate{}
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT uuid, country, verified_company_data, error_message, validated_at
		FROM verifications v WHERE status = ? AND (customer_id IS NOT NULL OR ?) AND uuid > ?
		AND NOT EXISTS (SELECT 1 FROM monitor_watches w WHERE w.verification_uuid = v.uuid)
		ORDER BY uuid LIMIT ?`), domain.StatusVerified, verified, after, limit)
	return out, s.wrap(ctx, err)
}

// AddWatches starts watching candidates, each due at its due time (due[i]),
// in one transaction; a replica that added one first wins.
func (s *Store) AddWatches(ctx context.Context, cands []Candidate, due []time.Time) error {
	now := s.clock.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		for i, c := range cands {
			b := c.Baseline()
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO monitor_watches
				(verification_uuid, company_status, company_name, legal_form, represents, due_at, created)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (verification_uuid) DO NOTHING`),
				c.Verification, b.CompanyStatus, b.CompanyName, b.LegalForm, b.Represents, due[i], now); err != nil {
				return s.wrap(ctx, err)
			}
		}
		return nil
	})
}

// watchSelect reads watches with their verification, customer and user.
const watchSelect = `SELECT w.verification_uuid, v.country, v.legal_person_identifier, v.legal_name, c.uuid AS customer_uuid,
	v.status, u.first_name, u.last_name, v.person_code_hmac, w.failures, w.company_status, w.company_name, w.legal_form, w.represents
	FROM monitor_watches w JOIN verifications v ON v.uuid = w.verification_uuid JOIN users u ON u.id = v.user_id
	LEFT JOIN customers c ON c.id = v.customer_id`

// ClaimWatches takes up to limit watches due at now (walking the due
// index: the verification is looked up per watch, never the driver), of verified
// verifications outside the countries skip, for one check each: they get
// the returned claim and are due again after lease, so that a check whose
// replica died is taken up again then. On PostgreSQL the rows are picked
// with FOR UPDATE SKIP LOCKED, so replicas claiming at once take different
// rows; SQLite has one writer at a time.
func (s *Store) ClaimWatches(ctx context.Context, now time.Time, lease time.Duration, limit int, skip []string) (string, []Watch, error) {
	claim := uuid.NewString()
	lock := ""
	if s.dialect == "postgres" {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	args := []any{claim, now.Add(lease), now, domain.StatusVerified}
	notIn := ""
	if len(skip) > 0 {
		notIn = ` AND v.country NOT IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(skip)), ", ") + `)`
		for _, cc := range skip {
			args = append(args, cc)
		}
	}
	args = append(args, limit, now)
	var watches []Watch
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var ids []uuid.UUID
		if err := tx.SelectContext(ctx, &ids, s.db.Rebind(`UPDATE monitor_watches SET claim = ?, due_at = ?
			WHERE verification_uuid IN (SELECT w.verification_uuid FROM monitor_watches w
				WHERE w.due_at <= ? AND EXISTS (SELECT 1 FROM verifications v WHERE v.uuid = w.verification_uuid AND v.status = ?`+notIn+`)
				ORDER BY w.due_at LIMIT ?`+lock+`)
			AND due_at <= ? RETURNING verification_uuid`), args...); err != nil {
			return s.wrap(ctx, err)
		}
		if len(ids) == 0 {
			return nil
		}
		q, inArgs, err := sqlx.In(watchSelect+` WHERE w.verification_uuid IN (?)`, ids)
		if err != nil {
			return err
		}
		return s.wrap(ctx, tx.SelectContext(ctx, &watches, s.db.Rebind(q), inArgs...))
	})
	return claim, watches, err
}

// Check is the outcome of one monitoring check of Watch.
type Check struct {
	Watch   *Watch
	Seen    Seen      // what the register said now (the last known, after an outage)
	Changes []Change  // what changed since the last check: one alert each
	Due     time.Time // the next check
	Error   string    // the register's error code when it could not answer ("" otherwise)
	// Set by FinishChecks: whether the claim still held, so the outcome
	// was stored, and the alerts it raised.
	Stored bool
	Alerts []domain.Alert
}

// Change is one difference the register shows.
type Change struct {
	Kind, Old, New string
}

// FinishChecks stores the outcomes of the checks holding claim, in one
// transaction (one commit per batch, not per check: SQLite has one
// writer): each watch's new baseline and due time, and for each change an
// alert, an event on the verification's trail and its webhook deliveries.
// A check whose claim was taken over meanwhile (it outlived its lease)
// stores nothing (Stored stays false), so each change is reported once.
func (s *Store) FinishChecks(ctx context.Context, claim string, checks []Check) error {
	now := s.clock.Now()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		for i := range checks {
			checks[i].Stored, checks[i].Alerts = false, nil
			if err := finishCheck(ctx, s, tx, claim, now, &checks[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func finishCheck(ctx context.Context, s *Store, tx *sqlx.Tx, claim string, now time.Time, c *Check) error {
	w := c.Watch
	failures := 0
	if c.Error != "" {
		failures = w.Failures + 1
	}
	res, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE monitor_watches SET company_status = ?, company_name = ?,
		legal_form = ?, represents = ?, due_at = ?, claim = '', failures = ?, checked_at = ?, last_error = ?
		WHERE verification_uuid = ? AND claim = ?`),
		c.Seen.CompanyStatus, c.Seen.CompanyName, c.Seen.LegalForm, c.Seen.Represents, c.Due, failures, now, c.Error,
		w.Verification, claim)
	if err != nil {
		return s.wrap(ctx, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // taken over
	}
	c.Stored = true
	for _, ch := range c.Changes {
		a := domain.Alert{UUID: uuid.New(), Verification: w.Verification, CustomerUUID: w.CustomerUUID, Country: w.Country,
			LegalPersonIdentifier: w.LegalPersonIdentifier, LegalName: w.LegalName, Kind: ch.Kind, OldValue: ch.Old,
			NewValue: ch.New, State: domain.AlertOpen, Created: now, Modified: now}
		if _, err := tx.NamedExecContext(ctx, `INSERT INTO monitoring_alerts (`+alertCols+`) VALUES (`+namedParams(alertCols)+`)`, a); err != nil {
			return s.wrap(ctx, err)
		}
		if err := addEvent(ctx, s, tx, &domain.Event{Verification: w.Verification, Kind: domain.EventRegisterChanged,
			OldStatus: w.Status, NewStatus: w.Status, Reason: ch.Kind + ": " + ch.Old + " → " + ch.New}); err != nil {
			return err
		}
		c.Alerts = append(c.Alerts, a)
	}
	return nil
}

// TakeSlots reserves the next n free call slots of a register limited to
// one call per spacing, for every replica at once: the first is the later
// of now and the slot after the last one reserved, the others follow it
// spacing apart. The caller makes its calls no earlier than their slots.
func (s *Store) TakeSlots(ctx context.Context, method string, now time.Time, spacing time.Duration, n int) (time.Time, error) {
	at, step := now.UnixMicro(), spacing.Microseconds()*int64(n)
	var next int64
	err := s.db.GetContext(ctx, &next, s.db.Rebind(`INSERT INTO monitor_rate (method, next_slot) VALUES (?, ?)
		ON CONFLICT (method) DO UPDATE SET next_slot = CASE WHEN monitor_rate.next_slot > ? THEN monitor_rate.next_slot ELSE ? END + ?
		RETURNING next_slot`), method, at+step, at, at, step)
	if err != nil {
		return time.Time{}, s.wrap(ctx, err)
	}
	return time.UnixMicro(next - step).UTC(), nil
}

// MonitorStatus is the state of monitoring, from the database (every
// replica's work).
type MonitorStatus struct {
	Watched        int            `json:"watched"`          // verifications watched
	Due            int            `json:"due"`              // checks due now: the backlog
	CheckedLastDay int            `json:"checked_last_24h"` // checks done in the last 24 hours
	RegisterErrors int            `json:"register_errors"`  // watches whose last check met a register outage
	Alerts         map[string]int `json:"alerts"`           // alerts by state
}

// MonitorStatus counts the watches and alerts at now.
func (s *Store) MonitorStatus(ctx context.Context, now time.Time) (MonitorStatus, error) {
	st := MonitorStatus{Alerts: map[string]int{domain.AlertOpen: 0, domain.AlertAcknowledged: 0, domain.AlertResolved: 0}}
	err := s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN due_at <= ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN checked_at > ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN failures > 0 THEN 1 ELSE 0 END), 0) FROM monitor_watches`), now, now.Add(-24*time.Hour)).
		Scan(&st.Watched, &st.Due, &st.CheckedLastDay, &st.RegisterErrors)
	if err != nil {
		return st, s.wrap(ctx, err)
	}
	rows, err := s.db.QueryxContext(ctx, `SELECT state, COUNT(*) FROM monitoring_alerts GROUP BY state`)
	if err != nil {
		return st, s.wrap(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return st, s.wrap(ctx, err)
		}
		st.Alerts[state] = n
	}
	return st, s.wrap(ctx, rows.Err())
}

// DueWatches counts the checks due at now.
func (s *Store) DueWatches(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM monitor_watches WHERE due_at <= ?`), now)
	return n, s.wrap(ctx, err)
}

const alertCols = `uuid, verification_uuid, customer_uuid, country, legal_person_identifier, legal_name, kind, old_value,
	new_value, state, note, acknowledged_by, acknowledged_at, resolved_by, resolved_at, created, modified`

// alertOrderings maps the alert list's `o` values to SQL.
var alertOrderings = map[string]string{
	"created":   "created ASC, uuid ASC",
	"-created":  "created DESC, uuid DESC",
	"modified":  "modified ASC, uuid ASC",
	"-modified": "modified DESC, uuid DESC",
}

// ListAlerts returns a page of the alerts f selects (newest first unless
// ordered otherwise) and how many it selects.
func (s *Store) ListAlerts(ctx context.Context, f domain.AlertFilter) ([]domain.Alert, int, error) {
	var conds []string
	var args []any
	add := func(cond string, arg any) { conds, args = append(conds, cond), append(args, arg) }
	if f.State != "" {
		add("state = ?", f.State)
	}
	if f.Country != "" {
		add("country = ?", strings.ToUpper(f.Country))
	}
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	if f.Customer != nil {
		add("customer_uuid = ?", *f.Customer)
	}
	from := "monitoring_alerts"
	if len(conds) > 0 {
		from += " WHERE " + strings.Join(conds, " AND ")
	}
	order, ok := alertOrderings[f.Ordering]
	if !ok {
		order = alertOrderings["-created"]
	}
	out := []domain.Alert{}
	total, err := s.page(ctx, &out, alertCols, from, order, f.Offset, f.Limit, args...)
	return out, total, err
}

// Alert reads one alert.
func (s *Store) Alert(ctx context.Context, id uuid.UUID) (*domain.Alert, error) {
	var a domain.Alert
	if err := s.db.GetContext(ctx, &a, s.db.Rebind(`SELECT `+alertCols+` FROM monitoring_alerts WHERE uuid = ?`), id); err != nil {
		return nil, s.wrap(ctx, err)
	}
	return &a, nil
}

// DecideAlert moves an alert to state (acknowledged or resolved) by actor
// with note, from one of the states from; an alert in another state is a
// conflict, a missing one 404.
func (s *Store) DecideAlert(ctx context.Context, id uuid.UUID, state, note string, actor int64, from ...string) (*domain.Alert, error) {
	now := s.clock.Now()
	set := "acknowledged_by = ?, acknowledged_at = ?"
	if state == domain.AlertResolved {
		set = "resolved_by = ?, resolved_at = ?"
	}
	args := []any{state, note, actor, now, now, id}
	for _, f := range from {
		args = append(args, f)
	}
	res, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE monitoring_alerts SET state = ?, note = ?, `+set+`, modified = ?
		WHERE uuid = ? AND state IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(from)), ", ")+`)`), args...)
	if err != nil {
		return nil, s.wrap(ctx, err)
	}
	a, err := s.Alert(ctx, id)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, domain.Errorf(domain.EConflict, "This alert is %s already.", a.State)
	}
	return a, nil
}
