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

	"github.com/onboarding-kyb/onboarding/store"
)

// floorRow is what the floor returns: the verification's shown columns,
// JSON ones as stored.
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
}

// runFloor serves GET /api/onboarding-verifications/:uuid/ as simply as
// Echo, sqlx and lib/pq allow: the same token check as the service (its
// hash looked up with the user), one one-row SELECT, JSON out; the pool as
// the service sizes it. It is the line the service is measured against.
// It serves the list's first page the same way (one SELECT of a page,
// newest first), to show what a page of 50 costs on this stack.
func runFloor(args []string) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	dbURL := fs.String("db", "", "PostgreSQL URL")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	pool := fs.Int("pool", 0, "pool size (0: the service's default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u := *dbURL
	if !strings.Contains(u, "binary_parameters") { // as store.Open does
		u += map[bool]string{true: "&", false: "?"}[strings.Contains(u, "?")] + "binary_parameters=yes"
	}
	db, err := sqlx.Open("postgres", u)
	if err != nil {
		return err
	}
	p := store.DefaultPool("postgres")
	if *pool > 0 {
		p.MaxOpen, p.MaxIdle = *pool, *pool
	}
	db.SetMaxOpenConns(p.MaxOpen)
	db.SetMaxIdleConns(p.MaxIdle)
	db.SetConnMaxLifetime(p.MaxLifetime)
	db.SetConnMaxIdleTime(p.MaxIdleTime)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/healthz", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	// user is the token check: the requesting user's id, or an answered
	// request.
	user := func(c echo.Context) (int64, error) {
		key, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Token ")
		if !ok {
			return 0, c.JSON(http.StatusUnauthorized, map[string]string{"detail": "Authentication credentials were not provided."})
		}
		sum := sha256.Sum256([]byte(key))
		var userID int64
		err := db.GetContext(c.Request().Context(), &userID, `SELECT users.id FROM users JOIN tokens ON tokens.user_id = users.id
			WHERE tokens.key_hash = $1 AND users.is_active`, hex.EncodeToString(sum[:]))
		if errors.Is(err, sql.ErrNoRows) {
			return 0, c.JSON(http.StatusUnauthorized, map[string]string{"detail": "Invalid token."})
		}
		return userID, err
	}
	const columns = `uuid, user_id, country, legal_person_identifier, legal_name, status,
		validation_method, verified_user_roles, verified_company_data, raw_response, error_traceback, error_message,
		validated_at, expires_at, customer_id, onboarding_metadata, user_submitted_customer_data, created, modified`
	e.GET("/api/onboarding-verifications/:uuid/", func(c echo.Context) error {
		userID, err := user(c)
		if userID == 0 {
			return err
		}
		var row floorRow
		err = db.GetContext(c.Request().Context(), &row, `SELECT `+columns+` FROM verifications WHERE uuid = $1`, c.Param("uuid"))
		if errors.Is(err, sql.ErrNoRows) || (err == nil && row.UserID != userID) {
			return c.JSON(http.StatusNotFound, map[string]string{"detail": "Not found."})
		} else if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, row)
	})
	// The list's floor: one page of the newest rows, all users' (as staff
	// see it), without a count, filters or links.
	e.GET("/api/onboarding-verifications/", func(c echo.Context) error {
		if userID, err := user(c); userID == 0 {
			return err
		}
		size, err := strconv.Atoi(c.QueryParam("page_size"))
		if err != nil || size < 1 {
			size = 10
		}
		rows := make([]floorRow, 0, size)
		err = db.SelectContext(c.Request().Context(), &rows,
			`SELECT `+columns+` FROM verifications ORDER BY created DESC, uuid DESC LIMIT $1`, size)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, rows)
	})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
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
