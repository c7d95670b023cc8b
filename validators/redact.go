package validators

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// The redaction policy, one for every register. A register's answer is kept
// (raw_response) for audit, but
//   - personal codes, birth dates (whole or in parts) and home addresses,
//     of anyone, are removed before it is stored: RedactPersons;
//   - names of natural persons are shown to staff and support only:
//     HideNames, applied when it is shown to anyone else. The claimant's own
//     name goes too (they know it; verified_user_roles says what the
//     register lists for them), so a NOT_AUTHORIZED answer shows nobody's
//     identity to the claimant.
// personFields says where the registers' answers put these: by key, and,
// where a key also names other things (a company's name), by what the
// object holding it says about itself.

// Redacted replaces a removed value.
const Redacted = "[redacted]"

type personFieldKind int

const (
	personCode personFieldKind = iota
	birthDate
	personName
	homeAddress
)

type personField struct {
	key  string
	kind personFieldKind
	// natural reports whether the object holding key describes a natural
	// person; nil: the key is only ever a person's.
	natural func(obj map[string]any) bool
}

var personFields = []personField{
	// ariregister (EE): keha.ettevotjad.item[].isikud.item[]; isiku_liik J is a legal person.
	{"fyysilise_isiku_kood", personCode, eeNatural},
	{"fyysilise_isiku_synniaeg", birthDate, nil},
	{"fyysilise_isiku_eesnimi", personName, eeNatural},
	{"fyysilise_isiku_perenimi", personName, eeNatural},
	// bolagsverket (SE): funktionarer[].identitet (typ PERSONNUMMER, or anything but ORGNR) and personnamn.
	{"identitetsbeteckning", personCode, seNotOrgNumber},
	{"fornamn", personName, nil},
	{"mellannamn", personName, nil},
	{"efternamn", personName, nil},
	// breg (NO): rollegrupper[].roller[].person.
	{"fodselsdato", birthDate, nil},
	{"fornavn", personName, nil},
	{"mellomnavn", personName, nil},
	{"etternavn", personName, nil},
	// cvr (DK): deltagerRelation[].deltager with enhedstype PERSON.
	{"navne", personName, func(o map[string]any) bool { return o["enhedstype"] == "PERSON" }},
	// companies_house (GB): officers' items[]; corporate-* officers are companies.
	{"date_of_birth", birthDate, nil},
	{"name", personName, func(o map[string]any) bool {
		role, ok := o["officer_role"].(string)
		return ok && !strings.HasPrefix(role, "corporate-")
	}},
	// sirene (FR): dirigeants[] of type "personne physique".
	{"date_de_naissance", birthDate, nil},
	{"annee_de_naissance", birthDate, nil},
	{"nom", personName, frNatural},
	{"prenoms", personName, frNatural},
	// ares (CZ): statutory and other bodies' clenoveOrganu[].fyzickaOsoba;
	// a natural person's address is their home address.
	{"datumNarozeni", birthDate, nil},
	{"adresa", homeAddress, czNatural},
	{"bydliste", homeAddress, nil},
	{"pobyt", homeAddress, nil},
	{"jmeno", personName, nil},
	{"prijmeni", personName, nil},
	{"titulPredJmenem", personName, nil},
	{"titulZaJmenem", personName, nil},
	// wirtschaftscompass (AT): entityReference of objectType NATURAL_PERSON.
	{"dateOfBirth", birthDate, nil},
	{"structuredName", personName, nil},
}

func eeNatural(o map[string]any) bool { return o["isiku_liik"] != "J" }

func seNotOrgNumber(o map[string]any) bool {
	typ, _ := o["typ"].(map[string]any)
	return typ["kod"] != "ORGNR"
}

func frNatural(o map[string]any) bool { return o["type_dirigeant"] == "personne physique" }

// czNatural: ARES puts a person's name and birth date beside the address.
func czNatural(o map[string]any) bool {
	_, named := o["prijmeni"]
	return named
}

// RedactPersons removes every personal code, birth date and home address
// from a register's answer. An answer that is not JSON is dropped whole.
func RedactPersons(raw json.RawMessage) json.RawMessage {
	return redactKinds(raw, personCode, birthDate, homeAddress)
}

// HideNames removes the names of natural persons from a stored answer, for
// callers other than staff and support.
func HideNames(raw json.RawMessage) json.RawMessage {
	return redactKinds(raw, personName)
}

func redactKinds(raw json.RawMessage, kinds ...personFieldKind) json.RawMessage {
	if len(raw) == 0 || (!mayHold(raw, kinds) && json.Valid(raw)) {
		return raw
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers stay as the register wrote them
	if dec.Decode(&doc) != nil {
		return nil
	}
	for _, f := range personFields {
		for _, k := range kinds {
			if f.kind == k {
				redact(doc, f.key, f.natural)
			}
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil
	}
	return out
}

// mayHold reports whether raw may have a key of kinds: it names one of
// them in quotes, or escapes characters (\u…), which could spell one. Most
// answers have none, and are then returned as they are, unparsed.
func mayHold(raw json.RawMessage, kinds []personFieldKind) bool {
	if bytes.Contains(raw, []byte(`\u`)) {
		return true
	}
	for _, f := range personFields {
		if slices.Contains(kinds, f.kind) && bytes.Contains(raw, []byte(`"`+f.key+`"`)) {
			return true
		}
	}
	return false
}

// redact replaces, anywhere in the decoded JSON v, the value of key in the
// objects for which when (nil: every object) returns true.
func redact(v any, key string, when func(map[string]any) bool) {
	switch t := v.(type) {
	case map[string]any:
		if _, ok := t[key]; ok && (when == nil || when(t)) {
			t[key] = Redacted
		}
		for _, c := range t {
			redact(c, key, when)
		}
	case []any:
		for _, c := range t {
			redact(c, key, when)
		}
	}
}
