package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"time"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/store"
)

// seed migrates the database, creates a regular user (who owns a quarter
// of the rows and makes the retrieve, create and start requests), three
// other owners and a staff user (who lists), and seeds rows.
func seed(ctx context.Context, dbURL string, rows int) (fixture, error) {
	// A bulk load's statements take longer than a request's database
	// deadline.
	s, err := store.OpenPool(dbURL, store.Pool{Timeout: time.Hour})
	if err != nil {
		return fixture{}, err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return fixture{}, err
	}
	var fx fixture
	var owners []int64
	for _, name := range []string{"bench-owner", "bench-b", "bench-c", "bench-d", "bench-staff"} {
		u := &domain.User{Username: name, IsActive: true, IsStaff: name == "bench-staff"}
		if err := s.CreateUser(ctx, u); err != nil {
			return fixture{}, err
		}
		token, err := s.CreateToken(ctx, u.ID)
		if err != nil {
			return fixture{}, err
		}
		switch {
		case u.IsStaff:
			fx.staffToken = token
			if fx.session, err = s.CreateSession(ctx, u.ID); err != nil {
				return fixture{}, err
			}
		case name == "bench-owner":
			fx.owner, fx.ownerToken = u.ID, token
			owners = append(owners, u.ID)
		default:
			owners = append(owners, u.ID)
		}
	}
	if err := s.SeedVerifications(ctx, rows, owners); err != nil {
		return fixture{}, err
	}
	if err := s.Analyze(ctx); err != nil {
		return fixture{}, err
	}
	page, err := s.ListVerifications(ctx, domain.VerificationFilter{OwnerID: &fx.owner, Ordering: "-created", Limit: 300})
	if err != nil {
		return fixture{}, err
	}
	for _, v := range page.Rows {
		fx.owned = append(fx.owned, v.UUID.String())
	}
	fx.deepPage = max(1, rows/50) // the last page
	mid, err := s.ListVerifications(ctx, domain.VerificationFilter{Ordering: "-created", Offset: rows / 2, Limit: 1})
	if err != nil {
		return fixture{}, err
	}
	fx.midCursor = mid.Next
	if len(fx.owned) == 0 || fx.midCursor == "" {
		return fixture{}, errors.New("too few rows to benchmark")
	}
	return fx, nil
}

// scratchSchema creates a schema of its own in the database at base and
// returns a URL that uses it, and a function that drops it.
func scratchSchema(ctx context.Context, base string) (string, func(), error) {
	db, err := sql.Open("postgres", base)
	if err != nil {
		return "", nil, err
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	schema := "bench_" + hex.EncodeToString(suffix)
	// pg_trgm lives in public, where the migration looks for it.
	if _, err := db.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`); err != nil {
		db.Close()
		return "", nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		db.Close()
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String(), func() {
		_, _ = db.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		db.Close()
	}, nil
}
