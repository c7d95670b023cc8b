package sandbox

import (
	"net/http"
	"time"
)

// fakeJSON writes a JSON answer of a fake register.
func fakeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// fakeDate parses a YYYY-MM-DD date of a sandbox person.
func fakeDate(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}
