package validators

import (
	"strings"
	"testing"
)

// The policy takes people's codes, birth dates and names, and leaves
// companies alone, also where a register uses the same keys for both.
func TestRedactionPolicy(t *testing.T) {
	t.Parallel()
	raw := []byte(`{
		"isikud": [{"isiku_liik": "F", "fyysilise_isiku_kood": "48001010005", "fyysilise_isiku_eesnimi": "Mari", "fyysilise_isiku_perenimi": "Maasikas"},
		           {"isiku_liik": "J", "fyysilise_isiku_kood": "10000099", "fyysilise_isiku_perenimi": "Maasikas Holding OÜ"}],
		"funktionarer": [{"identitet": {"typ": {"kod": "PERSONNUMMER"}, "identitetsbeteckning": "191212121212"}},
		                 {"identitet": {"typ": {"kod": "ORGNR"}, "identitetsbeteckning": "5564618196"}}],
		"items": [{"officer_role": "director", "name": "SMITH, Jane", "date_of_birth": {"month": 6, "year": 1972}},
		          {"officer_role": "corporate-secretary", "name": "SECRETARIES LTD"}],
		"dirigeants": [{"type_dirigeant": "personne physique", "nom": "DUBOIS", "date_de_naissance": "1974-09"},
		               {"type_dirigeant": "personne morale", "nom": "HOLDING SA"}],
		"deltager": [{"enhedstype": "PERSON", "navne": [{"navn": "Anne Holm"}]}, {"enhedstype": "VIRKSOMHED", "navne": [{"navn": "HOLM APS"}]}],
		"cvrNummer": 13585628}`)
	stored := string(RedactPersons(raw))
	for _, gone := range []string{"48001010005", "191212121212", `"year":1972`, "1974-09"} {
		if strings.Contains(stored, gone) {
			t.Errorf("stored answer keeps %s: %s", gone, stored)
		}
	}
	for _, kept := range []string{"10000099", "5564618196", "SMITH, Jane", "13585628"} {
		if !strings.Contains(stored, kept) {
			t.Errorf("stored answer lost %s: %s", kept, stored)
		}
	}
	shown := string(HideNames(RedactPersons(raw)))
	for _, gone := range []string{`"Mari"`, `"Maasikas"`, "SMITH, Jane", "DUBOIS", "Anne Holm"} {
		if strings.Contains(shown, gone) {
			t.Errorf("owner's view shows %s: %s", gone, shown)
		}
	}
	for _, kept := range []string{"Maasikas Holding OÜ", "SECRETARIES LTD", "HOLDING SA", "HOLM APS"} {
		if !strings.Contains(shown, kept) {
			t.Errorf("owner's view lost the company name %s: %s", kept, shown)
		}
	}
	if RedactPersons([]byte("not json")) != nil {
		t.Error("an answer that is not JSON is kept")
	}
}
