package store

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/domain"
)

// Webhook is a subscription: events of Kinds are POSTed to URL, signed with
// Secret.
type Webhook struct {
	UUID     uuid.UUID `db:"uuid"`
	URL      string    `db:"url"`
	Kinds    Strings   `db:"event_kinds"`
	Secret   string    `db:"secret"`
	IsActive bool      `db:"is_active"`
	Created  time.Time `db:"created"`
	Modified time.Time `db:"modified"`
	WebhookHealth
}

// WebhookHealth is how a subscription's receiver has been answering: the
// dispatcher's record, which staff read.
type WebhookHealth struct {
	// NextAttemptAt: no delivery is sent before this (a failing receiver's
	// backoff, or the lease of the dispatcher sending to it); it orders the
	// subscriptions, least recently served first.
	NextAttemptAt  *time.Time `db:"next_attempt_at"`
	Failures       int        `db:"consecutive_failures"` // rounds of attempts that all failed, in a row
	FailingSince   *time.Time `db:"failing_since"`        // the first of them
	DisabledAt     *time.Time `db:"disabled_at"`          // when the dispatcher disabled it (is_active false)
	DisabledReason string     `db:"disabled_reason"`
}

// Strings is a list of strings kept in a JSON column.
type Strings []string

// Value writes JSON text.
func (l Strings) Value() (driver.Value, error) {
	raw, err := json.Marshal(append([]string{}, l...))
	return string(raw), err
}

// Scan reads []byte (lib/pq) or string (SQLite).
func (l *Strings) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		return json.Unmarshal(v, l)
	case string:
		return json.Unmarshal([]byte(v), l)
	}
	return fmt.Errorf("store.Strings: cannot scan %T", src)
}

var webhookCols = []string{"uuid", "url", "event_kinds", "secret", "is_active", "created", "modified",
	"next_attempt_at", "consecutive_failures", "failing_since", "disabled_at", "disabled_reason"}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Delivery is one event to send to one subscription: a row of the outbox.
type Delivery struct {
	UUID           uuid.UUID   `db:"uuid"`
	Webhook        uuid.UUID   `db:"webhook_uuid"`
	EventID        int64       `db:"event_id"`
	EventKind      string      `db:"event_kind"`
	Payload        domain.JSON `db:"payload"`
	Status         string      `db:"status"`
	Attempts       int         `db:"attempts"`
	NextAttemptAt  *time.Time  `db:"next_attempt_at"`
	RetrySince     time.Time   `db:"retry_since"`
	LastAttemptAt  *time.Time  `db:"last_attempt_at"`
	LastStatusCode *int        `db:"last_status_code"`
	LastError      string      `db:"last_error"`
	DeliveredAt    *time.Time  `db:"delivered_at"`
	Created        time.Time   `db:"created"`
}

const deliveryCols = `uuid, webhook_uuid, event_id, event_kind, payload, status, attempts, next_attempt_at, retry_since,
	last_attempt_at, last_status_code, last_error, delivered_at, created`

// WebhookPayload renders the body subscribers receive for an event with
// the given kinds (main kind first) about verification v. The server sets
// it, since it renders verifications as the API does.
type WebhookPayload func(ev *domain.Event, kinds []string, v *domain.Verification) ([]byte, error)

// SetWebhookPayload sets how outbox payloads are rendered. Until it is set,
// events are not queued for webhooks.
func (s *Store) SetWebhookPayload(f WebhookPayload) { s.webhookPayload.Store(&f) }

// WebhookCacheTTL bounds how long a replica may miss a subscription that
// another replica created or widened: the active subscriptions are cached
// for this long on the write path. A subscription deactivated or deleted
// stops at once (see enqueueWebhooks); this replica's own changes clear
// its cache.
const WebhookCacheTTL = 2 * time.Second

// hookCache is the active subscriptions as read at until-WebhookCacheTTL.
type hookCache struct {
	hooks []Webhook
	until time.Time
}

// enqueueWebhooks writes ev into the outbox inside tx, once for each active
// subscription to one of its kinds: the deliveries exist exactly when the
// change is committed.
func enqueueWebhooks(ctx context.Context, s *Store, tx *sqlx.Tx, ev *domain.Event, v *domain.Verification) error {
	kinds := domain.WebhookKinds(ev)
	render := s.webhookPayload.Load()
	if len(kinds) == 0 || render == nil {
		return nil
	}
	wanted := func(hooks []Webhook) []Webhook {
		return slices.DeleteFunc(hooks, func(w Webhook) bool {
			return !slices.ContainsFunc(kinds, func(k string) bool { return slices.Contains(w.Kinds, k) })
		})
	}
	// Most events have no subscriber: the cache says so without a query.
	// When it names one, the subscriptions are read again in tx, so that a
	// delivery is queued only for one that is active now.
	if c := s.hooks.Load(); c != nil && s.clock.Now().Before(c.until) && len(wanted(slices.Clone(c.hooks))) == 0 {
		return nil
	}
	var hooks []Webhook
	if err := tx.SelectContext(ctx, &hooks, `SELECT `+strings.Join(webhookCols, ", ")+` FROM webhooks WHERE is_active ORDER BY uuid`); err != nil {
		return s.wrap(ctx, err)
	}
	s.hooks.Store(&hookCache{hooks: slices.Clone(hooks), until: s.clock.Now().Add(WebhookCacheTTL)})
	if hooks = wanted(hooks); len(hooks) == 0 {
		return nil
	}
	if v == nil { // the verification exists in this transaction (a deletion passes it)
		var err error
		if v, err = getVerification(ctx, s, tx, ev.Verification, ""); err != nil {
			return err
		}
	}
	payload, err := (*render)(ev, kinds, v)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	for _, w := range hooks {
		d := Delivery{UUID: uuid.New(), Webhook: w.UUID, EventID: ev.ID, EventKind: kinds[0], Payload: payload,
			Status: DeliveryPending, NextAttemptAt: &now, RetrySince: now, Created: now}
		if _, err := tx.NamedExecContext(ctx, `INSERT INTO webhook_deliveries (`+deliveryCols+`) VALUES (`+namedParams(deliveryCols)+`)`, d); err != nil {
			return s.wrap(ctx, err)
		}
	}
	return nil
}

// ListWebhooks returns a page of subscriptions, oldest first, and the total.
func (s *Store) ListWebhooks(ctx context.Context, offset, limit int) ([]Webhook, int, error) {
	out := []Webhook{}
	total, err := s.page(ctx, &out, strings.Join(webhookCols, ", "), `webhooks`, `created, uuid`, offset, limit)
	return out, total, err
}

// Webhook reads one subscription.
func (s *Store) Webhook(ctx context.Context, id uuid.UUID) (*Webhook, error) {
	var w Webhook
	if err := s.db.GetContext(ctx, &w, s.db.Rebind(`SELECT `+strings.Join(webhookCols, ", ")+` FROM webhooks WHERE uuid = ?`), id); err != nil {
		return nil, s.wrap(ctx, err)
	}
	return &w, nil
}

// SaveWebhook creates or updates a subscription.
func (s *Store) SaveWebhook(ctx context.Context, w *Webhook, create bool) error {
	w.Modified = s.clock.Now()
	if create {
		w.UUID, w.Created = uuid.New(), w.Modified
	}
	defer s.hooks.Store(nil)
	return s.save(ctx, "webhooks", webhookCols, create, w)
}

// DeleteWebhook removes a subscription with its deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, id uuid.UUID) error {
	defer s.hooks.Store(nil)
	return s.deleteRow(ctx, "webhooks", id)
}

// ListDeliveries returns a page of a subscription's deliveries, newest
// first, and the total.
func (s *Store) ListDeliveries(ctx context.Context, webhook uuid.UUID, offset, limit int) ([]Delivery, int, error) {
	out := []Delivery{}
	total, err := s.page(ctx, &out, deliveryCols, `webhook_deliveries WHERE webhook_uuid = ?`, `created DESC, event_id DESC`, offset, limit, webhook)
	return out, total, err
}

// Redeliver queues a delivery again now, with a fresh retry window.
func (s *Store) Redeliver(ctx context.Context, webhook, id uuid.UUID) (*Delivery, error) {
	now := s.clock.Now()
	// RETURNING: the delivery as this update left it, even when a dispatcher
	// sends it again before the response is written.
	var d Delivery
	err := s.db.GetContext(ctx, &d, s.db.Rebind(`UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, retry_since = ?, delivered_at = NULL
		WHERE uuid = ? AND webhook_uuid = ? RETURNING `+deliveryCols), DeliveryPending, now, now, id, webhook)
	if err != nil {
		return nil, s.wrap(ctx, err) // no row: 404
	}
	return &d, nil
}

// Outgoing is a claimed delivery with where to send it.
type Outgoing struct {
	Delivery
	URL    string
	Secret string
}

// Claim is one subscription claimed by a dispatcher, with its deliveries
// claimed for one attempt each.
type Claim struct {
	Webhook    Webhook
	Deliveries []Outgoing
}

// ClaimDeliveries takes up to hooks subscriptions that are active, have
// due deliveries and are not waiting (NextAttemptAt: a backoff, or another
// dispatcher's lease), least recently served first, and leases each for
// lease; of each it claims its oldest due deliveries for one attempt
// (counting the attempt and moving next_attempt_at past lease): perHook,
// or one while the subscription is failing, to probe the receiver. On
// PostgreSQL subscriptions are picked with FOR UPDATE SKIP LOCKED, so
// replicas claiming at once take different ones; SQLite has one writer at
// a time.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, hooks, perHook int) ([]Claim, error) {
	lock := ""
	if s.dialect == "postgres" {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var claims []Claim
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var picked []Webhook
		if err := tx.SelectContext(ctx, &picked, s.db.Rebind(`SELECT `+strings.Join(webhookCols, ", ")+` FROM webhooks w
			WHERE is_active AND (next_attempt_at IS NULL OR next_attempt_at <= ?) AND EXISTS (
				SELECT 1 FROM webhook_deliveries d WHERE d.webhook_uuid = w.uuid AND d.status = ? AND d.next_attempt_at <= ?)
			ORDER BY COALESCE(next_attempt_at, created), uuid LIMIT ?`+lock), now, DeliveryPending, now, hooks); err != nil {
			return s.wrap(ctx, err)
		}
		claims = make([]Claim, 0, len(picked))
		for _, w := range picked {
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE webhooks SET next_attempt_at = ? WHERE uuid = ?`), now.Add(lease), w.UUID); err != nil {
				return s.wrap(ctx, err)
			}
			n := perHook
			if w.Failures > 0 {
				n = 1
			}
			var ds []Delivery
			if err := tx.SelectContext(ctx, &ds, s.db.Rebind(`UPDATE webhook_deliveries
				SET attempts = attempts + 1, next_attempt_at = ?, last_attempt_at = ?
				WHERE uuid IN (SELECT uuid FROM webhook_deliveries WHERE webhook_uuid = ? AND status = ? AND next_attempt_at <= ?
					ORDER BY next_attempt_at LIMIT ?)
				RETURNING `+deliveryCols), now.Add(lease), now, w.UUID, DeliveryPending, now, n); err != nil {
				return s.wrap(ctx, err)
			}
			c := Claim{Webhook: w}
			for _, d := range ds {
				c.Deliveries = append(c.Deliveries, Outgoing{Delivery: d, URL: w.URL, Secret: w.Secret})
			}
			claims = append(claims, c)
		}
		return nil
	})
	return claims, err
}

// RecordHealth stores the dispatcher's record of w after a round of
// attempts (WebhookHealth); a subscription it disables (DisabledAt set)
// becomes inactive.
func (s *Store) RecordHealth(ctx context.Context, w *Webhook) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE webhooks SET next_attempt_at = ?, consecutive_failures = ?, failing_since = ?,
		disabled_at = ?, disabled_reason = ?, is_active = is_active AND ? WHERE uuid = ?`),
		w.NextAttemptAt, w.Failures, w.FailingSince, w.DisabledAt, w.DisabledReason, w.DisabledAt == nil, w.UUID)
	return s.wrap(ctx, err)
}

// FinishAttempt records the outcome of the attempt that claimed d (same
// Attempts): d's Status, NextAttemptAt, LastStatusCode, LastError and
// DeliveredAt.
func (s *Store) FinishAttempt(ctx context.Context, d *Delivery) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE webhook_deliveries
		SET status = ?, next_attempt_at = ?, last_status_code = ?, last_error = ?, delivered_at = ?
		WHERE uuid = ? AND attempts = ?`),
		d.Status, d.NextAttemptAt, d.LastStatusCode, d.LastError, d.DeliveredAt, d.UUID, d.Attempts)
	return s.wrap(ctx, err)
}

// PendingDeliveries counts the deliveries of active subscriptions not yet
// delivered or failed: the dispatcher's backlog (those of an inactive
// subscription wait until it is active again).
func (s *Store) PendingDeliveries(ctx context.Context) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM webhook_deliveries
		WHERE status = ? AND webhook_uuid IN (SELECT uuid FROM webhooks WHERE is_active)`), DeliveryPending)
	return n, s.wrap(ctx, err)
}
