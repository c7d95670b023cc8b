package validators

import (
	"encoding/json"
	"strings"
)

// Helpers shared by the Nordic registers (breg, cvr, bolagsverket); name
// folding for every register is in personmatch.go.

// nordicHasAll reports whether every word of want occurs in have.
func nordicHasAll(have, want []string) bool {
	if len(want) == 0 {
		return false
	}
	set := make(map[string]bool, len(have))
	for _, w := range have {
		set[w] = true
	}
	for _, w := range want {
		if !set[w] {
			return false
		}
	}
	return true
}

// nordicFullNameMatch matches a register's single full-name string (CVR)
// against the requester's first and last name: every word of both must be
// in the registered name, the registered name must start with the first
// given name and end with the last surname, so middle names may be omitted.
func nordicFullNameMatch(registered, first, last string) bool {
	reg, f, l := nameTokens(registered), nameTokens(first), nameTokens(last)
	if len(reg) == 0 || len(f) == 0 || len(l) == 0 {
		return false
	}
	return reg[0] == f[0] && reg[len(reg)-1] == l[len(l)-1] &&
		nordicHasAll(reg, f) && nordicHasAll(reg, l)
}

// nordicDigits removes the separators users type in codes ("556703-7485", "923 609 016").
func nordicDigits(code string) (string, bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '.' {
			return -1
		}
		return r
	}, strings.TrimSpace(code))
	for _, r := range code {
		if r < '0' || r > '9' {
			return code, false
		}
	}
	return code, code != ""
}

// nordicLuhn is the Luhn (mod 10) check used by Swedish organisation and personal numbers.
func nordicLuhn(digits string) bool {
	sum := 0
	for i := range len(digits) {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// nordicRaw keeps the register's bodies for audit as {"company": …, "roles": …};
// a body that is missing or not JSON is left out.
func nordicRaw(company, roles []byte) json.RawMessage {
	raw := map[string]json.RawMessage{}
	if json.Valid(company) {
		raw["company"] = company
	}
	if json.Valid(roles) {
		raw["roles"] = roles
	}
	b, _ := json.Marshal(raw)
	return b
}
