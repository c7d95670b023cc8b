package validators

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// EU VAT numbers: the European Commission's published format of each
// member state (VIES FAQ, "VAT number format") and, where the algorithm is
// public, its check digit. Numbers are written without the country prefix;
// Greece's prefix is EL, Northern Ireland's XI.

// vatRule is one member state's VAT number format.
type vatRule struct {
	format *regexp.Regexp
	shape  string            // the format in words, for the error message
	check  func(string) bool // check digit; nil where no public algorithm is used
}

var vatRules = map[string]vatRule{
	"AT": {regexp.MustCompile(`^U\d{8}$`), "U and 8 digits", vatCheckAT},
	"BE": {regexp.MustCompile(`^[01]\d{9}$`), "10 digits starting with 0 or 1", vatCheckBE},
	"BG": {regexp.MustCompile(`^\d{9,10}$`), "9 or 10 digits", nil},
	"CY": {regexp.MustCompile(`^\d{8}[A-Z]$`), "8 digits and a letter", nil},
	"CZ": {regexp.MustCompile(`^\d{8,10}$`), "8, 9 or 10 digits", nil},
	"DE": {regexp.MustCompile(`^\d{9}$`), "9 digits", vatCheckDE},
	"DK": {regexp.MustCompile(`^\d{8}$`), "8 digits", vatCheckDK},
	"EE": {regexp.MustCompile(`^\d{9}$`), "9 digits", nil},
	"EL": {regexp.MustCompile(`^\d{9}$`), "9 digits", nil},
	"ES": {regexp.MustCompile(`^[0-9A-Z]\d{7}[0-9A-Z]$`), "9 characters, the first or the last (or both) a letter", vatCheckES},
	"FI": {regexp.MustCompile(`^\d{8}$`), "8 digits", vatCheckFI},
	"FR": {regexp.MustCompile(`^[0-9A-HJ-NP-Z]{2}\d{9}$`), "2 characters (digits or letters but I and O) and the 9-digit SIREN", vatCheckFR},
	"HR": {regexp.MustCompile(`^\d{11}$`), "11 digits", vatCheckHR},
	"HU": {regexp.MustCompile(`^\d{8}$`), "8 digits", nil},
	"IE": {regexp.MustCompile(`^(\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W])$`), "7 digits and 1 or 2 letters (or the old form: digit, letter or + or *, 5 digits, letter)", nil},
	"IT": {regexp.MustCompile(`^\d{11}$`), "11 digits", vatCheckIT},
	"LT": {regexp.MustCompile(`^(\d{9}|\d{12})$`), "9 or 12 digits", nil},
	"LU": {regexp.MustCompile(`^\d{8}$`), "8 digits", vatCheckLU},
	"LV": {regexp.MustCompile(`^\d{11}$`), "11 digits", nil},
	"MT": {regexp.MustCompile(`^\d{8}$`), "8 digits", nil},
	"NL": {regexp.MustCompile(`^\d{9}B\d{2}$`), "9 digits, B and 2 digits", vatCheckNL},
	"PL": {regexp.MustCompile(`^\d{10}$`), "10 digits", vatCheckPL},
	"PT": {regexp.MustCompile(`^\d{9}$`), "9 digits", vatCheckPT},
	"RO": {regexp.MustCompile(`^[1-9]\d{1,9}$`), "2 to 10 digits", nil},
	"SE": {regexp.MustCompile(`^\d{10}01$`), "12 digits ending in 01", vatCheckSE},
	"SI": {regexp.MustCompile(`^\d{8}$`), "8 digits", nil},
	"SK": {regexp.MustCompile(`^\d{10}$`), "10 digits", nil},
	"XI": {regexp.MustCompile(`^(\d{9}|\d{12}|GD\d{3}|HA\d{3})$`), "9 or 12 digits, or GD or HA and 3 digits", nil},
}

// vatPrefix is the VIES country code of an ISO 3166-1 country (Greece is EL).
func vatPrefix(country string) string {
	if country == "GR" {
		return "EL"
	}
	return country
}

// normaliseVAT checks the VAT number of an EU country (ISO code, or XI)
// offline and returns it without the prefix: spaces, dots and dashes go,
// the country prefix is optional (GR or EL for Greece).
func normaliseVAT(country, number string) (string, error) {
	prefix := vatPrefix(strings.ToUpper(country))
	rule, ok := vatRules[prefix]
	if !ok {
		return "", Errorf(CodeInvalidCode, "%s has no EU VAT numbers", country)
	}
	n := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-':
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(number)))
	n = strings.TrimPrefix(n, prefix)
	if prefix == "EL" {
		n = strings.TrimPrefix(n, "GR")
	}
	if !rule.format.MatchString(n) {
		return "", Errorf(CodeInvalidCode, "%s VAT number must be %s (after the optional %s prefix)", country, rule.shape, prefix)
	}
	if rule.check != nil && !rule.check(n) {
		return "", Errorf(CodeInvalidCode, "%s VAT number has an invalid check digit", country)
	}
	return n, nil
}

// splitVAT reads a VAT number written with its prefix ("DE123456789"):
// the country (ISO; EL reads as GR) and the number.
func splitVAT(code string) (country, number string, err error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	if len(c) < 3 {
		return "", "", Errorf(CodeInvalidCode, "a VAT number needs its country prefix here, e.g. DE123456789")
	}
	country = c[:2]
	if country == "EL" {
		country = "GR"
	}
	number, err = normaliseVAT(country, c[2:])
	return country, number, err
}

func digitsAt(s string) []int {
	d := make([]int, len(s))
	for i := range len(s) {
		d[i] = int(s[i] - '0')
	}
	return d
}

// weighted is Σ digit×weight over the first len(weights) digits.
func weighted(s string, weights ...int) int {
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return sum
}

// mod1110 is the ISO 7064 MOD 11,10 check digit of digits.
func mod1110(digits string) int {
	product := 10
	for _, d := range digitsAt(digits) {
		sum := (d + product) % 10
		if sum == 0 {
			sum = 10
		}
		product = (2 * sum) % 11
	}
	return (11 - product) % 10
}

// AT: weights 1,2,1,2,1,2,1 on the 7 digits after U (digit sums of the
// doubled ones), check = (10 − (sum + 4) mod 10) mod 10.
func vatCheckAT(n string) bool {
	sum := 0
	for i, d := range digitsAt(n[1:8]) {
		if i%2 == 1 {
			d *= 2
			d = d/10 + d%10
		}
		sum += d
	}
	return int(n[8]-'0') == (10-(sum+4)%10)%10
}

// BE: the last two digits are 97 − (the first eight mod 97).
func vatCheckBE(n string) bool {
	first, _ := strconv.Atoi(n[:8])
	last, _ := strconv.Atoi(n[8:])
	return 97-first%97 == last
}

// DE: ISO 7064 MOD 11,10 over the first eight digits.
func vatCheckDE(n string) bool { return mod1110(n[:8]) == int(n[8]-'0') }

// HR (OIB): ISO 7064 MOD 11,10 over the first ten digits.
func vatCheckHR(n string) bool { return mod1110(n[:10]) == int(n[10]-'0') }

// DK: the CVR number's mod-11 rule.
func vatCheckDK(n string) bool { _, err := cvrNormalize(n); return err == nil }

// FI: the Business ID's check digit.
func vatCheckFI(n string) bool { _, err := normaliseBusinessID(n); return err == nil }

// FR: a numeric key is (12 + 3 × (SIREN mod 97)) mod 97; alphabetic keys
// (new numbering) have no public algorithm.
func vatCheckFR(n string) bool {
	key, err := strconv.Atoi(n[:2])
	if err != nil {
		return true
	}
	siren, _ := strconv.Atoi(n[2:])
	return key == (12+3*(siren%97))%97
}

// IT: Luhn over the 11 digits.
func vatCheckIT(n string) bool { return nordicLuhn(n) }

// LU: the last two digits are the first six mod 89.
func vatCheckLU(n string) bool {
	first, _ := strconv.Atoi(n[:6])
	last, _ := strconv.Atoi(n[6:])
	return first%89 == last
}

// NL: the BTW-id's nine digits pass the mod-11 test (weights 9…2, −1), or,
// for numbers issued since 2020, "NL" + the number passes ISO 7064 MOD 97-10.
func vatCheckNL(n string) bool {
	if (weighted(n, 9, 8, 7, 6, 5, 4, 3, 2)-int(n[8]-'0'))%11 == 0 {
		return true
	}
	return mod9710("NL"+n) == 1
}

// PL: weights 6,5,7,2,3,4,5,6,7, sum mod 11 is the last digit (10 never issued).
func vatCheckPL(n string) bool {
	r := weighted(n, 6, 5, 7, 2, 3, 4, 5, 6, 7) % 11
	return r != 10 && r == int(n[9]-'0')
}

// PT: weights 9…2, check = 11 − sum mod 11, 0 when that is 10 or 11.
func vatCheckPT(n string) bool {
	c := 11 - weighted(n, 9, 8, 7, 6, 5, 4, 3, 2)%11
	if c >= 10 {
		c = 0
	}
	return c == int(n[8]-'0')
}

// SE: the organisation number (Luhn) followed by 01.
func vatCheckSE(n string) bool { return nordicLuhn(n[:10]) }

// ES: a company (CIF: letter, 7 digits, control digit or letter), a
// resident (DNI: 8 digits and a letter), a foreigner (NIE: X, Y or Z,
// 7 digits and a letter) or another person (K, L or M, 7 digits and a letter).
func vatCheckES(n string) bool {
	const dniLetters = "TRWAGMYFPDXBNJZSQVHLCKE"
	dni := func(digits string, letter byte) bool {
		num, err := strconv.Atoi(digits)
		return err == nil && dniLetters[num%23] == letter
	}
	first, last := n[0], n[8]
	switch {
	case first >= '0' && first <= '9':
		return dni(n[:8], last)
	case strings.IndexByte("XYZ", first) >= 0:
		return dni(fmt.Sprint(strings.IndexByte("XYZ", first))+n[1:8], last)
	case strings.IndexByte("KLM", first) >= 0:
		return dni(n[1:8], last)
	case strings.IndexByte("ABCDEFGHJNPQRSUVW", first) < 0:
		return false
	}
	sum := 0
	for i, d := range digitsAt(n[1:8]) {
		if i%2 == 0 { // 1st, 3rd, 5th, 7th digit: doubled, digits summed
			d *= 2
			d = d/10 + d%10
		}
		sum += d
	}
	control := (10 - sum%10) % 10
	letter := "JABCDEFGHI"[control]
	switch {
	case strings.IndexByte("NPQRSW", first) >= 0: // a letter by rule
		return last == letter
	case strings.IndexByte("ABEH", first) >= 0: // a digit by rule
		return last == byte('0'+control)
	}
	return last == letter || last == byte('0'+control)
}

// mod9710 is the ISO 7064 MOD 97-10 remainder of s, letters counting
// A=10 … Z=35 (IBAN, LEI): a valid code leaves 1.
func mod9710(s string) int {
	r := 0
	for _, c := range s {
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return -1
		}
		if v >= 10 {
			r = (r*100 + v) % 97
		} else {
			r = (r*10 + v) % 97
		}
	}
	return r
}
