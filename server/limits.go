package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/onboarding-kyb/onboarding/checklist"
	"github.com/onboarding-kyb/onboarding/domain"
)

const (
	// envelope is what a body carries besides its files: multipart headers
	// and boundaries, a file's name and the JSON around its content.
	envelope = 64 << 10
	// drainBytes and drainTime bound what is read and thrown away of an
	// oversized body after the 413 is sent, so that a client that sends
	// its whole body before reading (no Expect: 100-continue) finds the
	// 413 waiting instead of a connection reset.
	drainBytes = 256 << 20
	drainTime  = 10 * time.Second
	rawBodyKey = "onboarding.rawBody"
	// answerCopies: a submit_answers body is held about three times over
	// while it is handled (the raw JSON, its decoding for validation, the
	// handler's decoding with the files' bytes), so it weighs that much
	// in the upload memory budget; a document is streamed into one buffer.
	answerCopies = 3
)

// limitBody bounds each request body while it is read: 413 as soon as a
// body passes its operation's limit (the declared Content-Length or the
// bytes read so far), before it is held anywhere. Uploads also take what
// they hold from a memory budget shared by all requests (answerCopies),
// so concurrent uploads queue instead of adding up.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Body == nil || r.Body == http.NoBody {
			return next(c)
		}
		c.Set(rawBodyKey, r.Body)
		limit := s.bodyLimit(c)
		if r.ContentLength > limit {
			return tooLarge(limit)
		}
		if limit > s.cfg.MaxBodyBytes {
			weight := limit
			if r.ContentLength > 0 {
				weight = min(weight, r.ContentLength)
			}
			if strings.HasSuffix(r.URL.Path, "/submit_answers/") {
				weight *= answerCopies
			}
			weight = min(weight, s.cfg.UploadMemory)
			ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadTimeout)
			err := s.uploads.Acquire(ctx, weight)
			cancel()
			if err != nil {
				if r.Context().Err() != nil {
					return r.Context().Err()
				}
				return domain.Errorf(domain.EUnavailable, "Too many uploads are in progress; try again shortly.")
			}
			defer s.uploads.Release(weight)
		}
		// Closing the limited body (the validator does) leaves the
		// connection's body open, for drain; the server closes it.
		r.Body = http.MaxBytesReader(nil, io.NopCloser(r.Body), limit)
		return next(c)
	}
}

// bodyLimit is the largest body the request's operation accepts: a
// document upload its file limit plus an envelope, submit_answers what its
// checklist's file questions allow (base64 in JSON) up to MaxUploadBytes,
// any other operation MaxBodyBytes.
func (s *Server) bodyLimit(c echo.Context) int64 {
	path := c.Request().URL.Path
	switch {
	case strings.HasSuffix(path, "/attach_document/"):
		return int64(*documentRules.MaxSizeMB)<<20 + envelope
	case strings.HasSuffix(path, "/submit_answers/"):
		id, err := uuid.Parse(c.Param("uuid"))
		if err != nil {
			return s.cfg.MaxBodyBytes
		}
		files, bounded, err := s.answerFilesLimit(c.Request().Context(), id)
		if err != nil || files == 0 {
			return s.cfg.MaxBodyBytes
		}
		if !bounded {
			return s.cfg.MaxUploadBytes
		}
		return min(s.cfg.MaxUploadBytes, s.cfg.MaxBodyBytes+(files+2)/3*4)
	}
	return s.cfg.MaxBodyBytes
}

// answerFilesLimit is the most file content the checklist of verification
// id accepts in one submit_answers, and whether it is bounded at all.
func (s *Server) answerFilesLimit(ctx context.Context, id uuid.UUID) (files int64, bounded bool, err error) {
	err = s.beforeDeadline(ctx, func(ctx context.Context) error {
		v, err := s.store.Verification(ctx, id)
		if err != nil {
			return err
		}
		comp, err := s.store.CompletionFor(ctx, v.UUID)
		if err != nil {
			return err
		}
		content, err := s.store.ChecklistContent(ctx, comp.Checklist)
		if err != nil {
			return err
		}
		files, bounded = checklist.MaxFileBytes(content.Questions)
		return nil
	})
	return files, bounded, err
}

// beforeDeadline runs database work that comes before the request's body
// is read (and so before withDBDeadline) within what is left of the
// request's DBTimeout, and counts the time it took against it. A read's
// context has its deadline already (authenticate).
func (s *Server) beforeDeadline(ctx context.Context, work func(context.Context) error) error {
	st := stateOf(ctx)
	if st.hasDeadline {
		return work(ctx)
	}
	began := time.Now()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.DBTimeout-st.dbSpent)
	defer cancel()
	err := work(ctx)
	st.dbSpent += time.Since(began)
	return err
}

func tooLarge(limit int64) error {
	return domain.Errorf(domain.ETooLarge, "Request body is too large: this operation accepts at most %d bytes.", limit)
}

// answerThenDrain sends an error answer to an oversized body at once,
// then reads and discards what the client still sends, up to drainBytes
// for at most drainTime, before the connection is closed: a client that
// sends its whole body before it reads finds the answer waiting. Closing
// while it still sends would reset the connection, and the reset loses
// the answer. A client that asked for 100-continue has sent nothing:
// there is nothing to drain.
func answerThenDrain(c echo.Context, answer func()) {
	body, ok := c.Get(rawBodyKey).(io.Reader)
	rc := http.NewResponseController(c.Response().Writer)
	drain := ok && c.Request().Header.Get("Expect") == "" && rc.EnableFullDuplex() == nil
	answer()
	if !drain {
		return
	}
	_ = rc.Flush()
	_ = rc.SetReadDeadline(time.Now().Add(drainTime))
	_, _ = io.CopyN(io.Discard, body, drainBytes)
	_ = rc.SetReadDeadline(time.Time{})
}

// checkQuery answers 400 for a query parameter holding a NUL character or
// invalid UTF-8, naming it: PostgreSQL cannot compare such text, and
// SQLite answers the same so both databases behave alike.
func checkQuery(r *http.Request) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	problems := map[string][]string{}
	for name, values := range r.URL.Query() {
		for _, v := range values {
			if strings.ContainsRune(v, 0) || !utf8.ValidString(v) {
				problems[name] = []string{"Null characters and invalid UTF-8 are not allowed."}
			}
		}
	}
	if len(problems) > 0 {
		return &domain.Error{Code: domain.EInvalid, Fields: problems}
	}
	return nil
}

// withDBDeadline gives each request's database work one deadline,
// dbTimeout, less what the work before the body was read took
// (beforeDeadline). Reading the body does not count: ReadTimeout bounds
// it. A read has no body: authenticate gives it the deadline at once.
func (s *Server) withDBDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		path := c.Request().URL.Path
		st := stateOf(c.Request().Context())
		if isPublic(path) || st.hasDeadline {
			return next(c)
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.dbTimeout(path)-st.dbSpent)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// dbTimeout is how long a request's database work may take: DBTimeout;
// run_validation adds the register budget, attach_document the read
// timeout (its file is read inside the handler).
func (s *Server) dbTimeout(path string) time.Duration {
	switch {
	case strings.HasSuffix(path, "/run_validation/"):
		return s.cfg.DBTimeout + s.registers.Budget()
	case strings.HasSuffix(path, "/attach_document/"):
		return s.cfg.DBTimeout + s.cfg.ReadTimeout
	}
	return s.cfg.DBTimeout
}

// isClientGone: the client closed the connection before its answer (the
// request's context is canceled only then; deadlines are DeadlineExceeded).
func isClientGone(err error) bool { return errors.Is(err, context.Canceled) }

// statusClientClosed is nginx's 499: the client went away; logged, never sent.
const statusClientClosed = 499
