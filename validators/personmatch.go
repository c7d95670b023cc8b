package validators

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// specialLetters are letters that NFD does not decompose into a base letter.
var specialLetters = strings.NewReplacer("ø", "o", "æ", "ae", "ß", "ss", "đ", "d", "ł", "l", "þ", "th", "ð", "d")

// nameTokens folds a name for comparison across registers — case, accents,
// ø/æ/ß, hyphens as spaces, apostrophes and dots dropped — and splits it
// into words: "Bjørn-Åge  O'Neil" → [bjorn age oneil].
func nameTokens(s string) []string {
	s = specialLetters.Replace(strings.ToLower(s))
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	if folded, _, err := transform.String(t, s); err == nil {
		s = folded
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return r
		case r == '\'' || r == '’' || r == '.':
			return -1
		default:
			return ' '
		}
	}, s)
	return strings.Fields(s)
}

// foldName is a name's tokens as one string: "Müller-Lüdenscheidt" and
// "MULLER LUDENSCHEIDT" fold alike.
func foldName(s string) string { return strings.Join(nameTokens(s), " ") }

// sameName compares two family names.
func sameName(registered, requested string) bool {
	r := foldName(registered)
	return r != "" && r == foldName(requested)
}

// givenNamesMatch accepts the requested first name when it equals the
// registered given names or their leading part: registers often list every
// given name ("Jean Pierre Marie") while people give the first one.
func givenNamesMatch(registered, requested string) bool {
	reg, req := nameTokens(registered), nameTokens(requested)
	if len(req) == 0 || len(req) > len(reg) {
		return false
	}
	for i := range req {
		if reg[i] != req[i] {
			return false
		}
	}
	return true
}

// missingPersonFields names the person fields a name + birth date register
// needs but the request lacks (names only, never values).
func missingPersonFields(p Person) []string {
	var missing []string
	if strings.TrimSpace(p.FirstName) == "" {
		missing = append(missing, FieldFirstName)
	}
	if strings.TrimSpace(p.LastName) == "" {
		missing = append(missing, FieldLastName)
	}
	if p.BirthDate == nil {
		missing = append(missing, FieldBirthDate)
	}
	return missing
}

// joinNonEmpty joins the non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
