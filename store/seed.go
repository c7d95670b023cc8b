package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/onboarding-kyb/onboarding/domain"
)

// SeedCountries are the countries SeedVerifications spreads rows over.
var SeedCountries = []string{"EE", "LV", "LT", "FI", "NO", "SE", "DK", "PL"}

// SeedVerifications inserts n synthetic verifications in bulk, owned in
// turn by users, for benchmarks and the query-plan tests: statuses mixed as
// a live service has them (40% verified with register data, 30% pending,
// 15% failed, 10% escalated, 5% expired), countries from SeedCountries,
// created one per 30 s up to now, pending and escalated ones expiring in a
// week. Names are "Company <i> <country>".
func (s *Store) SeedVerifications(ctx context.Context, n int, users []int64) error {
	if len(users) == 0 {
		return fmt.Errorf("seed: no users")
	}
	const cols = `uuid, user_id, country, legal_person_identifier, legal_name, status, validation_method,
		verified_user_roles, verified_company_data, raw_response, error_message, validated_at, expires_at,
		created, modified`
	width := len(columnNames(cols))
	const batch = 500
	now := s.clock.Now()
	week := now.Add(7 * 24 * time.Hour)
	row := func(i int) []any {
		country := SeedCountries[i%len(SeedCountries)]
		code := fmt.Sprintf("%08d", 10000000+i)
		name := fmt.Sprintf("Company %d %s", i, country)
		created := now.Add(-time.Duration(n-i) * 30 * time.Second)
		var status, errMsg string
		var method *string
		var validated, expires *time.Time
		roles, company, raw := `[]`, `{}`, `{}`
		switch p := i % 20; {
		case p < 8:
			status, method, validated = domain.StatusVerified, new("ariregister"), &created
			roles = `[{"role": "JUHL", "name": "Juhatuse liige"}]`
			company = fmt.Sprintf(`{"name": %q, "legal_person_identifier": %q, "status": "active", "legal_form": "OÜ", "registry": "ariregister"}`, name, code)
			raw = fmt.Sprintf(`{"nimi": %q, "ariregistri_kood": %q, "staatus": "R"}`, name, code)
		case p < 14:
			status, expires = domain.StatusPending, &week
		case p < 17:
			status, method, validated, errMsg = domain.StatusFailed, new("ariregister"), &created, "COMPANY_NOT_FOUND"
		case p < 19:
			status, expires = domain.StatusEscalated, &week
		default:
			status, errMsg = domain.StatusExpired, domain.ErrorExpired
		}
		return []any{uuid.New(), users[i%len(users)], country, code, name, status, method,
			roles, company, raw, errMsg, validated, expires, created, created}
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		for start := 0; start < n; start += batch {
			end := min(n, start+batch)
			var values []string
			var args []any
			for i := start; i < end; i++ {
				values = append(values, "("+strings.TrimSuffix(strings.Repeat("?, ", width), ", ")+")")
				args = append(args, row(i)...)
			}
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO verifications (`+cols+`) VALUES `+
				strings.Join(values, ", ")), args...); err != nil {
				return s.wrap(ctx, err)
			}
		}
		return nil
	})
}

// Analyze refreshes PostgreSQL's planner statistics after a bulk load, as
// autovacuum would. SQLite plans without statistics, as a deployment of
// this service does (nothing runs ANALYZE there).
func (s *Store) Analyze(ctx context.Context) error {
	if s.dialect != "postgres" {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `VACUUM ANALYZE verifications`)
	return s.wrap(ctx, err)
}
