package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
	_ "github.com/lib/pq"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/store"
)

// floorRow is what the floor reads and returns: the verification's shown
// columns (the same fields as the service's JSON), JSON ones as stored.
type floorRow struct {
	UUID                      string          `db:"uuid" json:"uuid"`
	UserID                    int64           `db:"user_id" json:"user"`
	Country                   string          `db:"country" json:"country"`
	LegalPersonIdentifier     string          `db:"legal_person_identifier" json:"legal_person_identifier"`
	LegalName                 string          `db:"legal_name" json:"legal_name"`
	Status                    string          `db:"status" json:"status"`
	ValidationMethod          *string         `db:"validation_method" json:"validation_method"`
	VerifiedUserRoles         json.RawMessage `db:"verified_user_roles" json:"verified_user_roles"`
	VerifiedCompanyData       json.RawMessage `db:"verified_company_data" json:"verified_company_data"`
	RawResponse               json.RawMessage `db:"raw_response" json:"raw_response"`
	ErrorTraceback            string          `db:"error_traceback" json:"error_traceback"`
	ErrorMessage              string          `db:"error_message" json:"error_message"`
	ValidatedAt               *time.Time      `db:"validated_at" json:"validated_at"`
	ExpiresAt                 *time.Time      `db:"expires_at" json:"expires_at"`
	CustomerID                *int64          `db:"customer_id" json:"customer"`
	OnboardingMetadata        json.RawMessage `db:"onboarding_metadata" json:"onboarding_metadata"`
	UserSubmittedCustomerData json.RawMessage `db:"user_submitted_customer_data" json:"user_submitted_customer_data"`
	Created                   time.Time       `db:"created" json:"created"`
	Modified                  time.Time       `db:"modified" json:"modified"`
	Version                   int64           `db:"version" json:"-"`
	RunClaim                  string          `db:"run_claim" json:"-"`
	RunClaimedAt              *time.Time      `db:"run_claimed_at" json:"-"`
}

// runFloor serves GET /api/onboarding-verifications/:uuid/ and the list's
// page as simply as Echo, sqlx and lib/pq allow while doing at the database
// what the service does: the same pool (store.OpenPool's connector and
// sizes), the same statements prepared once per connection (the token
// check reading the user, a one-row SELECT of the shown columns; a page of
// the newest rows plus the bounded count when more rows follow), JSON of
// the same fields out. It is the line the service is measured against.
func runFloor(args []string) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	dbURL := fs.String("db", "", "PostgreSQL URL")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	pool := fs.Int("pool", 0, "pool size (0: the service's default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := store.OpenPool(*dbURL, store.Pool{MaxOpen: *pool, MaxIdle: *pool})
	if err != nil {
		return err
	}
	defer st.Close()
	db := sqlx.NewDb(st.DB(), "postgres")
	const columns = `uuid, user_id, country, legal_person_identifier, legal_name, status,
		validation_method, verified_user_roles, verified_company_data, raw_response, error_traceback, error_message,
		validated_at, expires_at, customer_id, onboarding_metadata, user_submitted_customer_data, created, modified,
		version, run_claim, run_claimed_at`
	ctx := context.Background()
	var userStmt, retrieveStmt, pageStmt, countStmt *sqlx.Stmt
	for stmt, query := range map[**sqlx.Stmt]string{
		&userStmt: `SELECT users.id, users.username, users.email, users.first_name, users.last_name, users.is_staff,
			users.is_support, users.is_active, users.created FROM users JOIN tokens ON tokens.user_id = users.id
			WHERE tokens.key_hash = $1 AND users.is_active AND tokens.created > $2`,
		&retrieveStmt: `SELECT ` + columns + ` FROM verifications WHERE uuid = $1`,
		&pageStmt:     `SELECT ` + columns + ` FROM verifications ORDER BY created DESC, uuid DESC LIMIT $1 OFFSET $2`,
		&countStmt:    `SELECT COUNT(*) FROM (SELECT 1 FROM verifications ORDER BY created DESC, uuid DESC LIMIT $1) AS bounded`,
	} {
		if *stmt, err = db.PreparexContext(ctx, query); err != nil {
			return err
		}
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/healthz", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	// user is the token check: the requesting user, or an answered request.
	user := func(c echo.Context) (*domain.User, error) {
		key, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Token ")
		if !ok {
			return nil, c.JSON(http.StatusUnauthorized, map[string]string{"detail": "Authentication credentials were not provided."})
		}
		sum := sha256.Sum256([]byte(key))
		var u domain.User // the columns the service reads
		err := userStmt.GetContext(c.Request().Context(), &u, hex.EncodeToString(sum[:]), time.Time{})
		if errors.Is(err, sql.ErrNoRows) {
			return nil, c.JSON(http.StatusUnauthorized, map[string]string{"detail": "Invalid token."})
		}
		return &u, err
	}
	e.GET("/api/onboarding-verifications/:uuid/", func(c echo.Context) error {
		u, err := user(c)
		if u == nil {
			return err
		}
		var row floorRow
		err = retrieveStmt.GetContext(c.Request().Context(), &row, c.Param("uuid"))
		if errors.Is(err, sql.ErrNoRows) || (err == nil && row.UserID != u.ID) {
			return c.JSON(http.StatusNotFound, map[string]string{"detail": "Not found."})
		} else if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, row)
	})
	// The list: a page of the newest rows, all users' (as staff see it),
	// one more than the page to know whether more follow, and then the
	// count bounded as the service bounds it; no filters.
	e.GET("/api/onboarding-verifications/", func(c echo.Context) error {
		if u, err := user(c); u == nil {
			return err
		}
		size, err := strconv.Atoi(c.QueryParam("page_size"))
		if err != nil || size < 1 {
			size = 10
		}
		rows := make([]floorRow, 0, size+1)
		if err := pageStmt.SelectContext(c.Request().Context(), &rows, size+1, 0); err != nil {
			return err
		}
		total := len(rows)
		if total > size {
			rows = rows[:size]
			if err := countStmt.GetContext(c.Request().Context(), &total, store.CountLimit+1); err != nil {
				return err
			}
		}
		c.Response().Header().Set("X-Result-Count", strconv.Itoa(total))
		return c.JSON(http.StatusOK, rows)
	})
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	hs := &http.Server{Addr: *addr, Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = hs.Shutdown(context.Background())
	}()
	if err := hs.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
