package domain

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// JSON is a JSON document stored in a jsonb (PostgreSQL) or text (SQLite)
// column. A nil JSON is stored as SQL NULL.
type JSON json.RawMessage

// MarshalJSON keeps the document as it is.
func (j JSON) MarshalJSON() ([]byte, error) {
	if j == nil {
		return []byte("null"), nil
	}
	return j, nil
}

// UnmarshalJSON stores a copy of the document.
func (j *JSON) UnmarshalJSON(b []byte) error {
	*j = append((*j)[:0], b...)
	return nil
}

// Value writes text: lib/pq casts it to jsonb, SQLite keeps it as TEXT
// (a []byte would be stored as a BLOB that json_valid rejects).
func (j JSON) Value() (driver.Value, error) {
	if j == nil {
		return nil, nil
	}
	return string(j), nil
}

// Scan reads []byte (lib/pq) or string (SQLite).
func (j *JSON) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*j = nil
	case []byte:
		*j = append(JSON(nil), v...)
	case string:
		*j = JSON(v)
	default:
		return fmt.Errorf("domain.JSON: cannot scan %T", src)
	}
	return nil
}

// MustJSON marshals v; it is for values that always marshal (maps, slices of
// plain data).
func MustJSON(v any) JSON {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
