package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/onboarding-kyb/onboarding/domain"
	"github.com/onboarding-kyb/onboarding/store"
)

const (
	idempotencyHeader = "Idempotency-Key"
	// replayedHeader marks a response replayed from an earlier request.
	replayedHeader = "Idempotent-Replayed"
	// idempotencyLease: a claim this old whose request never finished (its
	// process died) may be taken over by a retry of the same request.
	idempotencyLease = 5 * time.Minute
)

// idempotent implements Idempotency-Key on POST: the first request with a
// key claims it in the database and its response (status, headers, body)
// is stored for cfg.IdempotencyTTL; a repeat with the same method, path and
// body gets that response again without the work being done twice; a
// different request with the key is 422; a repeat while the first runs
// waits up to cfg.IdempotencyWait for it, then answers 409. Responses of
// 500 and above are not stored: the key is freed and a retry runs again.
// Keys are per user. It runs after authentication and request validation.
func (s *Server) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		key := req.Header.Get(idempotencyHeader)
		u := currentUser(req.Context())
		// A path that is not UTF-8 is no route (PostgreSQL could not store it): it is a 404.
		if req.Method != http.MethodPost || key == "" || u == nil || !utf8.ValidString(req.URL.Path) {
			return next(c)
		}
		ctx := req.Context()
		hash, err := requestHash(req)
		if err != nil {
			return err
		}
		rec := &store.IdempotencyRecord{UserID: u.ID, Key: key, Method: req.Method, Path: req.URL.Path, RequestHash: hash}
		deadline := time.Now().Add(s.cfg.IdempotencyWait)
		pause := 5 * time.Millisecond
		for {
			rec.ClaimedAt = s.clock.Now()
			rec.ExpiresAt = rec.ClaimedAt.Add(s.cfg.IdempotencyTTL)
			first, err := s.store.ClaimIdempotencyKey(ctx, rec, rec.ClaimedAt.Add(-idempotencyLease))
			switch {
			case domain.CodeOf(err) == domain.ENotFound:
				continue // the first request failed and freed the key meanwhile
			case err != nil:
				return err
			case first == nil:
				return s.runIdempotent(c, next, rec)
			case first.Method != rec.Method || first.Path != rec.Path:
				return &domain.Error{Code: domain.EUnprocessable, Detail: "This Idempotency-Key was already used for " +
					first.Method + " " + first.Path + "; use a new key for a different request."}
			case first.RequestHash != rec.RequestHash:
				return &domain.Error{Code: domain.EUnprocessable, Detail: "This Idempotency-Key was already used with a different request body; use a new key for a different request."}
			case first.Status != nil:
				return replay(c, first)
			case time.Now().After(deadline):
				return domain.Errorf(domain.EConflict, "A request with this Idempotency-Key is still being processed; retry later.")
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(pause):
			}
			pause = min(2*pause, 100*time.Millisecond)
		}
	}
}

// runIdempotent runs the request that claimed rec and stores its response,
// or frees the key when the server failed.
func (s *Server) runIdempotent(c echo.Context, next echo.HandlerFunc, rec *store.IdempotencyRecord) error {
	capture := &captureWriter{ResponseWriter: c.Response().Writer}
	c.Response().Writer = capture
	if err := next(c); err != nil {
		c.Error(err)
	}
	ctx := context.WithoutCancel(c.Request().Context())
	status := c.Response().Status
	if status >= 500 {
		if err := s.store.ReleaseIdempotencyKey(ctx, rec); err != nil {
			s.log(ctx).ErrorContext(ctx, "cannot free an idempotency key", "error", err.Error())
		}
		return nil
	}
	headers := c.Response().Header().Clone()
	headers.Del(echo.HeaderXRequestID)
	raw, err := json.Marshal(headers)
	if err != nil {
		return err
	}
	rec.Status, rec.Headers, rec.Body = &status, raw, capture.body.Bytes()
	if err := s.store.FinishIdempotencyKey(ctx, rec); err != nil {
		s.log(ctx).ErrorContext(ctx, "cannot store an idempotent response", "error", err.Error())
	}
	return nil
}

// replay answers with a stored response.
func replay(c echo.Context, rec *store.IdempotencyRecord) error {
	var headers http.Header
	if err := json.Unmarshal(rec.Headers, &headers); err != nil {
		return err
	}
	h := c.Response().Header()
	for name, values := range headers {
		h[name] = values
	}
	h.Set(replayedHeader, "true")
	c.Response().WriteHeader(*rec.Status)
	_, err := c.Response().Write(rec.Body)
	return err
}

// captureWriter keeps a copy of the body written through it.
type captureWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *captureWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

// requestHash is the SHA-256 of the request body, the same for the same
// content however it is encoded: JSON with its keys sorted and spacing
// removed, multipart forms by their fields (boundaries differ between
// retries). It leaves the body readable.
func requestHash(r *http.Request) (string, error) {
	var raw []byte
	if r.Body != nil {
		var err error
		if raw, err = io.ReadAll(r.Body); err != nil {
			return "", err
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
	}
	h := sha256.New()
	mediaType, params, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	switch {
	case mediaType == echo.MIMEApplicationJSON:
		var v any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if dec.Decode(&v) == nil {
			if canonical, err := json.Marshal(v); err == nil {
				raw = canonical
			}
		}
		h.Write(raw)
	case mediaType == echo.MIMEMultipartForm && params["boundary"] != "":
		mr := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			content, _ := io.ReadAll(p)
			for _, s := range []string{p.FormName(), p.FileName(), p.Header.Get(echo.HeaderContentType)} {
				h.Write([]byte(s))
				h.Write([]byte{0})
			}
			sum := sha256.Sum256(content)
			h.Write(sum[:])
		}
	default:
		h.Write(raw)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
