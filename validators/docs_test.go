package validators_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/onboarding-kyb/onboarding/validators/sandbox"
)

// docTable returns the rows of the markdown table under the line that
// starts with header, each row's cells trimmed.
func docTable(t *testing.T, doc, header string) [][]string {
	t.Helper()
	i := strings.Index(doc, "\n"+header)
	if i < 0 {
		t.Fatalf("docs/registers.md has no table %q", header)
	}
	var rows [][]string
	for n, line := range strings.Split(doc[i+1:], "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		if n < 2 { // header and separator
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		rows = append(rows, cells)
	}
	return rows
}

// docs/registers.md describes the registry as it is: the register table
// has a row per method with its countries, the country table names each
// country's method, and the sandbox's magic codes are all there.
func TestRegistersDoc(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../docs/registers.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	r, err := newRegistry((map[string]string{"ONBOARDING_GLEIF_COUNTRIES": "IS,LI"}), nil)
	if err != nil {
		t.Fatal(err)
	}

	documented := map[string][]string{}
	for _, row := range docTable(t, doc, "| country | `validation_method` |") {
		method := strings.Trim(row[1], "`")
		documented[method] = append(documented[method], strings.Fields(row[0])...)
	}
	for _, m := range r.Methods() {
		got, ok := documented[m.Method]
		switch {
		case !ok:
			t.Errorf("the register table has no row for %s", m.Method)
		case m.Method != "gleif" && !slices.Equal(slices.Sorted(slices.Values(got)), m.Countries):
			t.Errorf("the register table gives %s the countries %v, the registry %v", m.Method, got, m.Countries)
		}
		delete(documented, m.Method)
	}
	for m := range documented {
		t.Errorf("the register table documents %s, which the registry does not know", m)
	}

	countries := map[string]string{}
	for _, row := range docTable(t, doc, "| country | method |") {
		countries[row[0]] = strings.Trim(strings.Fields(row[1])[0], "`")
	}
	for _, cc := range strings.Fields("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK GB XI") {
		v, ok := r.ForCountry(cc)
		switch {
		case countries[cc] == "":
			t.Errorf("the country table has no row for %s", cc)
		case !ok || v.Method() != countries[cc]:
			t.Errorf("the country table gives %s to %s, the registry to %v", cc, countries[cc], v)
		}
	}

	for _, f := range sandbox.Registers() {
		for _, c := range f.Cases {
			if !strings.Contains(doc, c.Code) {
				t.Errorf("docs/registers.md lacks %s's magic code %s (%s)", f.Method, c.Code, c.Outcome)
			}
		}
	}
}
