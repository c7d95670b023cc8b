package store

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/domain"
)

const customerColumns = `id, uuid, name, slug, native_name, abbreviation, description, contact_details,
	agreement_number, email, phone_number, registration_code, homepage, domain, vat_code, postal, address,
	bank_name, bank_account, latitude, longitude, country, access_subnets, notification_emails, backend_id,
	blocked, archived, default_tax_percent, accounting_start_date, sponsor_number, max_service_accounts,
	grace_period_days, created`

// ownersCount is the number of owners of the customer row c.
const ownersCount = `(SELECT COUNT(*) FROM customer_permissions p WHERE p.customer_id = c.id AND p.role = 'owner') AS owners_count`

// CreateCustomer creates c from verification v (read earlier at version
// v.Version), makes v's owner the customer's owner, links it to v and
// records the event by actor, in one transaction. The row lock and the
// unique constraints make sure exactly one customer comes out of
// concurrent calls, also from several processes: the losers get a conflict
// (which names no customer: the caller may not be allowed to see it).
func (s *Store) CreateCustomer(ctx context.Context, c *domain.Customer, v *domain.Verification, actor int64) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		lock := ""
		if s.dialect == "postgres" {
			lock = " FOR UPDATE" // SQLite's immediate transactions already serialise writers
		}
		current, err := getVerification(ctx, s, tx, v.UUID, lock)
		if err != nil {
			return err
		}
		if current.CustomerID != nil {
			return domain.Errorf(domain.EConflict, "A customer has already been created from this verification.")
		}
		c.UUID, c.Created = uuid.New(), s.clock.Now()
		cols := strings.Replace(customerColumns, "id, ", "", 1)
		named := ":" + strings.Join(columnNames(cols), ", :")
		q, args, err := sqlx.Named(`INSERT INTO customers (`+cols+`) VALUES (`+named+`) RETURNING id`, c)
		if err != nil {
			return err
		}
		if err := tx.QueryRowxContext(ctx, tx.Rebind(q), args...).Scan(&c.ID); err != nil {
			if isUniqueViolation(err) {
				return domain.Errorf(domain.EConflict, "A customer with this registration code already exists.")
			}
			return s.wrap(ctx, err)
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO customer_permissions (customer_id, user_id, role, created) VALUES (?, ?, ?, ?)`),
			c.ID, current.UserID, domain.RoleOwner, c.Created); err != nil {
			return s.wrap(ctx, err)
		}
		c.OwnersCount = 1
		current.CustomerID = &c.ID
		current.Version = v.Version // the caller's read: a change since then is a conflict
		if err := updateVerification(ctx, s, tx, current); err != nil {
			return err
		}
		*v = *current
		return addEvent(ctx, s, tx, &domain.Event{Verification: v.UUID, Kind: domain.EventCustomerCreated, ActorID: &actor,
			OldStatus: v.Status, NewStatus: v.Status, Reason: "customer " + c.UUID.String()})
	})
}

// CustomerByCode finds the customer of a company; ENotFound when none.
func (s *Store) CustomerByCode(ctx context.Context, registrationCode, country string) (*domain.Customer, error) {
	return s.getCustomer(ctx, `c.registration_code = ? AND c.country = ?`, registrationCode, country)
}

// Customer reads one customer.
func (s *Store) Customer(ctx context.Context, id uuid.UUID) (*domain.Customer, error) {
	return s.getCustomer(ctx, `c.uuid = ?`, id)
}

func (s *Store) getCustomer(ctx context.Context, where string, args ...any) (*domain.Customer, error) {
	var c domain.Customer
	err := s.db.GetContext(ctx, &c, s.db.Rebind(`SELECT `+prefixed("c.", customerColumns)+`, `+ownersCount+` FROM customers c WHERE `+where), args...)
	if err != nil {
		return nil, s.wrap(ctx, err)
	}
	return &c, nil
}

// IsCustomerMember reports whether user holds a role in customer.
func (s *Store) IsCustomerMember(ctx context.Context, customer, user int64) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM customer_permissions WHERE customer_id = ? AND user_id = ?`), customer, user)
	return n > 0, s.wrap(ctx, err)
}

// ListCustomers returns one page of customers and how many f selects.
func (s *Store) ListCustomers(ctx context.Context, f domain.CustomerFilter) ([]domain.Customer, int, error) {
	cond, args := "", []any{}
	if f.MemberID != nil {
		cond = ` WHERE c.id IN (SELECT customer_id FROM customer_permissions WHERE user_id = ?)`
		args = append(args, *f.MemberID)
	}
	var total int
	if err := s.db.GetContext(ctx, &total, s.db.Rebind(`SELECT COUNT(*) FROM customers c`+cond), args...); err != nil {
		return nil, 0, s.wrap(ctx, err)
	}
	out := []domain.Customer{}
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT `+prefixed("c.", customerColumns)+`, `+ownersCount+
		` FROM customers c`+cond+` ORDER BY c.created DESC, c.id DESC LIMIT ? OFFSET ?`), append(args, f.Limit, f.Offset)...)
	return out, total, s.wrap(ctx, err)
}

// prefixed qualifies every column of cols with a table alias.
func prefixed(alias, cols string) string {
	names := columnNames(cols)
	for i, n := range names {
		names[i] = alias + n
	}
	return strings.Join(names, ", ")
}

// CustomerByID reads one customer by its integer id.
func (s *Store) CustomerByID(ctx context.Context, id int64) (*domain.Customer, error) {
	return s.getCustomer(ctx, `c.id = ?`, id)
}
