package checklist

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
	"github.com/nyaruka/phonenumbers"
	"github.com/shopspring/decimal"
	"golang.org/x/text/language"
)

// Length limits of text answers, in characters.
const (
	MaxTextInputLen = 255
	MaxTextAreaLen  = 10000
)

// ValidateAnswer checks answer_data for q and returns the value to store:
//
//	boolean                        bool
//	single_select                  []string{option uuid} (a bare uuid string is accepted too)
//	multi_select                   []string of distinct option uuids, at least one
//	text_input, text_area          string, not blank, ≤ MaxTextInputLen / MaxTextAreaLen
//	number                         json.Number ("12.5" → 12.5); JSON numbers and numeric strings
//	                               accepted, within min_value/max_value, at most 20 digits before the
//	                               decimal point and 10 after
//	date                           "YYYY-MM-DD"
//	datetime                       RFC 3339 string
//	email                          a bare address (no display name), domain with a dot
//	phone_number                   E.164 ("+37251234567"); spaces, dashes, dots and parentheses are stripped
//	url                            http(s) URL with a host
//	year                           int 1000..9999 (number or 4-digit string), within min_value/max_value
//	country                        ISO 3166-1 alpha-2, upper-cased
//	rating                         int from min_value to max_value, 1 to 5 by default (number or numeric string)
//	file                           File, from {"name": …, "content": base64}
//	multiple_files                 []File, at most max_files_count
//
// ValidateAnswer is not meant for JSON null: the caller deletes the answer
// instead (null is rejected here). The error says the reason, not the question.
func ValidateAnswer(q Question, data json.RawMessage) (any, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil, errors.New("must not be null")
	}
	switch q.QuestionType {
	case TypeBoolean:
		var b bool
		if json.Unmarshal(data, &b) != nil {
			return nil, errors.New("must be true or false")
		}
		return b, nil
	case TypeSingleSelect:
		var ids []string
		var one string
		if json.Unmarshal(data, &one) == nil {
			ids = []string{one}
		} else if json.Unmarshal(data, &ids) != nil || len(ids) != 1 {
			return nil, errors.New("must be a list of exactly one option uuid")
		}
		return selectAnswer(q, ids)
	case TypeMultiSelect:
		var ids []string
		if json.Unmarshal(data, &ids) != nil {
			return nil, errors.New("must be a list of option uuids")
		}
		if len(ids) == 0 {
			return nil, errors.New("must choose at least one option")
		}
		return selectAnswer(q, ids)
	case TypeTextInput, TypeTextArea:
		s, err := str(data)
		if err != nil {
			return nil, err
		}
		limit := MaxTextInputLen
		if q.QuestionType == TypeTextArea {
			limit = MaxTextAreaLen
		}
		if strings.TrimSpace(s) == "" {
			return nil, errors.New("must not be blank")
		}
		if n := utf8.RuneCountInString(s); n > limit {
			return nil, fmt.Errorf("must be at most %d characters (got %d)", limit, n)
		}
		return s, nil
	case TypeNumber:
		d, err := number(data)
		if err != nil {
			return nil, err
		}
		if err := inBounds(q, d); err != nil {
			return nil, err
		}
		return json.Number(d.String()), nil
	case TypeDate:
		s, err := str(data)
		if _, perr := time.Parse(time.DateOnly, s); err != nil || perr != nil {
			return nil, errors.New("must be a date YYYY-MM-DD")
		}
		return s, nil
	case TypeDatetime:
		s, err := str(data)
		t, perr := time.Parse(time.RFC3339, s)
		if err != nil || perr != nil {
			return nil, errors.New("must be an RFC 3339 date-time, e.g. 2026-01-31T12:00:00Z")
		}
		return t.Format(time.RFC3339Nano), nil
	case TypeEmail:
		return email(data)
	case TypePhoneNumber:
		return phone(data)
	case TypeURL:
		s, err := str(data)
		u, perr := url.Parse(s)
		if err != nil || perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" ||
			strings.ContainsAny(s, " \t\r\n") {
			return nil, errors.New("must be an http or https URL with a host")
		}
		return s, nil
	case TypeYear:
		y, err := year(data)
		if err != nil {
			return nil, err
		}
		if err := inBounds(q, decimal.NewFromInt(int64(y))); err != nil {
			return nil, err
		}
		return y, nil
	case TypeCountry:
		s, err := str(data)
		s = strings.ToUpper(s)
		if err != nil || !isCountry(s) {
			return nil, errors.New("must be an ISO 3166-1 alpha-2 country code, e.g. EE")
		}
		return s, nil
	case TypeRating:
		low, high := RatingScale(q)
		d, err := number(data)
		if err != nil || !d.IsInteger() || d.LessThan(low) || d.GreaterThan(high) {
			return nil, fmt.Errorf("must be an integer from %s to %s", low, high)
		}
		return int(d.IntPart()), nil
	case TypeFile:
		var in fileIn
		if err := json.Unmarshal(data, &in); err != nil {
			return nil, errors.New(`must be {"name": …, "content": <base64>}`)
		}
		return file(q, in)
	case TypeMultipleFiles:
		var in []fileIn
		if err := json.Unmarshal(data, &in); err != nil {
			return nil, errors.New(`must be a list of {"name": …, "content": <base64>}`)
		}
		if len(in) == 0 {
			return nil, errors.New("must contain at least one file")
		}
		if q.MaxFilesCount != nil && len(in) > *q.MaxFilesCount {
			return nil, fmt.Errorf("must contain at most %d files (got %d)", *q.MaxFilesCount, len(in))
		}
		files := make([]File, 0, len(in))
		for i, f := range in {
			v, err := file(q, f)
			if err != nil {
				return nil, fmt.Errorf("file %d: %w", i, err)
			}
			files = append(files, v)
		}
		return files, nil
	}
	return nil, fmt.Errorf("unsupported question type %q", q.QuestionType)
}

func str(data json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(data, &s) != nil {
		return "", errors.New("must be a string")
	}
	return strings.TrimSpace(s), nil
}

// number accepts a JSON number or a numeric string (Waldur accepts both).
func number(data json.RawMessage) (decimal.Decimal, error) {
	s := string(data)
	if data[0] == '"' {
		var err error
		if s, err = str(data); err != nil {
			return decimal.Decimal{}, err
		}
	}
	return ParseDecimal(s, AnswerIntegerDigits, AnswerFractionDigits)
}

// Decimal limits, in digits before and after the decimal point: of a number
// answer, and of a min_value or max_value (the seed contract's pattern for
// them, ^-?\d{0,12}(?:\.\d{0,4})?$).
const (
	AnswerIntegerDigits, AnswerFractionDigits = 20, 10
	BoundIntegerDigits, BoundFractionDigits   = 12, 4
)

// ParseDecimal reads a decimal number with at most intDigits digits before
// the decimal point and fracDigits after.
func ParseDecimal(s string, intDigits, fracDigits int32) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, errors.New("must be a number")
	}
	if d.Abs().GreaterThanOrEqual(decimal.New(1, intDigits)) || !d.Truncate(fracDigits).Equal(d) {
		return decimal.Decimal{}, fmt.Errorf("must have at most %d digits before the decimal point and %d after", intDigits, fracDigits)
	}
	return d, nil
}

// inBounds checks d against the question's min_value and max_value.
func inBounds(q Question, d decimal.Decimal) error {
	if q.MinValue != nil && d.LessThan(*q.MinValue) {
		return fmt.Errorf("must be ≥ %s", q.MinValue)
	}
	if q.MaxValue != nil && d.GreaterThan(*q.MaxValue) {
		return fmt.Errorf("must be ≤ %s", q.MaxValue)
	}
	return nil
}

// RatingScale is the lowest and highest rating of a rating question:
// min_value and max_value, 1 and 5 where unset.
func RatingScale(q Question) (low, high decimal.Decimal) {
	low, high = decimal.NewFromInt(1), decimal.NewFromInt(5)
	if q.MinValue != nil {
		low = *q.MinValue
	}
	if q.MaxValue != nil {
		high = *q.MaxValue
	}
	return low, high
}

func selectAnswer(q Question, ids []string) ([]string, error) {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		o, ok := q.option(id)
		if !ok {
			return nil, fmt.Errorf("%q is not an option of this question", id)
		}
		if slices.Contains(out, o.UUID.String()) {
			return nil, fmt.Errorf("option %s is chosen twice", o.UUID)
		}
		out = append(out, o.UUID.String())
	}
	return out, nil
}

func email(data json.RawMessage) (string, error) {
	s, err := str(data)
	bad := errors.New("must be an email address, e.g. name@example.com")
	if err != nil {
		return "", bad
	}
	a, perr := mail.ParseAddress(s)
	// A bare address only: "Name <a@b.c>" and quoted forms differ from a.Address.
	if perr != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") {
		return "", bad
	}
	return s, nil
}

var phoneChars = regexp.MustCompile(`^\+[0-9 ().-]+$`)

func phone(data json.RawMessage) (string, error) {
	s, err := str(data)
	bad := errors.New("must be a valid phone number in E.164 format, e.g. +37251234567")
	if err != nil || !phoneChars.MatchString(s) {
		return "", bad
	}
	n, perr := phonenumbers.Parse(s, "")
	if perr != nil || !phonenumbers.IsValidNumber(n) {
		return "", bad
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

var fourDigits = regexp.MustCompile(`^[0-9]{4}$`)

func year(data json.RawMessage) (int, error) {
	s := string(data)
	if data[0] == '"' {
		s, _ = str(data)
	}
	if !fourDigits.MatchString(s) || s[0] == '0' {
		return 0, errors.New("must be a year from 1000 to 9999")
	}
	y, _ := strconv.Atoi(s)
	return y, nil
}

// isCountry wants exactly an alpha-2 country code as x/text knows it.
// ParseRegion also takes alpha-3 and numeric codes, deprecated aliases
// (UK→GB, DD→DE) and reserved codes without an alpha-3 (EA, IC, EZ): not
// answers.
func isCountry(s string) bool {
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return false
	}
	r, err := language.ParseRegion(s)
	return err == nil && r.IsCountry() && r.String() == s && r.Canonicalize() == r && r.ISO3() != "ZZZ"
}

type fileIn struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

func file(q Question, in fileIn) (File, error) {
	content, err := base64.StdEncoding.DecodeString(in.Content)
	if err != nil {
		return File{}, errors.New("content must be base64")
	}
	return CheckFile(FileRules{Extensions: q.AllowedFileTypes, MimeTypes: q.AllowedMimeTypes, MaxSizeMB: q.MaxFileSizeMB}, in.Name, content)
}

// FileRules limit an uploaded file; empty or nil means no limit.
type FileRules struct {
	Extensions []string // ".pdf"
	MimeTypes  []string // "application/pdf", "image/*"
	MaxSizeMB  *int
}

// CheckFile validates an uploaded file against rules: a plain name, not
// empty, within the size, an allowed extension, and a MIME type — sniffed
// from the content, never taken from the name — that is allowed.
func CheckFile(rules FileRules, name string, content []byte) (File, error) {
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." {
		return File{}, errors.New("must have a file name (not a path)")
	}
	if !utf8.ValidString(name) {
		return File{}, errors.New("file name must be UTF-8 text")
	}
	if utf8.RuneCountInString(name) > 255 {
		return File{}, errors.New("file name must be at most 255 characters")
	}
	if len(content) == 0 {
		return File{}, errors.New("file must not be empty")
	}
	if rules.MaxSizeMB != nil && int64(len(content)) > int64(*rules.MaxSizeMB)<<20 {
		return File{}, fmt.Errorf("file must be at most %d MB", *rules.MaxSizeMB)
	}
	ext := strings.ToLower(filepath.Ext(name))
	if len(rules.Extensions) > 0 && !slices.ContainsFunc(rules.Extensions, func(a string) bool { return strings.EqualFold(a, ext) }) {
		return File{}, fmt.Errorf("file extension %q is not allowed (allowed: %s)", ext, strings.Join(rules.Extensions, ", "))
	}
	m := mimetype.Detect(content)
	typ, _, _ := mime.ParseMediaType(m.String())
	if len(rules.MimeTypes) > 0 && !slices.ContainsFunc(rules.MimeTypes, func(a string) bool { return mimeAllowed(m, a) }) {
		return File{}, fmt.Errorf("file content is %s, which is not allowed (allowed: %s)", typ, strings.Join(rules.MimeTypes, ", "))
	}
	if !extensionAgrees(m, ext) {
		return File{}, fmt.Errorf("file extension %q does not match its content, which is %s", ext, typ)
	}
	return File{Name: name, MimeType: typ, Size: int64(len(content)), Content: content}, nil
}

// mimeAllowed matches a sniffed type (or one of its aliases) against an
// allowed "type/subtype" or "type/*". Parent types are not walked: allowing
// text/plain must not admit HTML.
func mimeAllowed(m *mimetype.MIME, allowed string) bool {
	allowed = strings.ToLower(strings.TrimSpace(allowed))
	if prefix, ok := strings.CutSuffix(allowed, "/*"); ok {
		typ, _, _ := mime.ParseMediaType(m.String())
		return strings.HasPrefix(typ, prefix+"/")
	}
	return m.Is(allowed)
}

// extensionAgrees: a file's extension does not claim a type its content
// (sniffed as m) is not. An extension that names no known type cannot
// disagree; text types are told apart by their names only, so any text
// extension agrees with plain text.
func extensionAgrees(m *mimetype.MIME, ext string) bool {
	claimed, _, _ := mime.ParseMediaType(mime.TypeByExtension(ext))
	for x := m; x != nil; x = x.Parent() {
		if strings.EqualFold(x.Extension(), ext) || (claimed != "" && x.Is(claimed)) ||
			(strings.HasPrefix(claimed, "text/") && x.Is("text/plain")) {
			return true
		}
	}
	return claimed == ""
}

// fileEnvelope is what one file answer adds besides its content: its name
// and the JSON around it.
const fileEnvelope = 1 << 10

// MaxFileBytes is the most file content (decoded, plus a small envelope
// per file) one submission of answers to questions can carry, and whether
// that is bounded: false when a file question has no max_file_size_mb or
// a multiple_files question no max_files_count.
func MaxFileBytes(questions []Question) (int64, bool) {
	var total int64
	for _, q := range questions {
		count := int64(1)
		switch q.QuestionType {
		case TypeFile:
		case TypeMultipleFiles:
			if q.MaxFilesCount == nil {
				return 0, false
			}
			count = int64(*q.MaxFilesCount)
		default:
			continue
		}
		if q.MaxFileSizeMB == nil {
			return 0, false
		}
		total += count * (int64(*q.MaxFileSizeMB)<<20 + fileEnvelope)
	}
	return total, true
}
