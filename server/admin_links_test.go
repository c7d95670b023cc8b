package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAdminHyperlinksFiltersOrder: admin resources carry Waldur's
// hyperlinked fields (url on each, checklist_uuid and checklist_name on
// questions); lists filter by Waldur's checklist_uuid and question_uuid
// (the older checklist and question still work) and come in `order`.
func TestAdminHyperlinksFiltersOrder(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		get := func(path string) response {
			t.Helper()
			res := a.do(t, "GET", path, a.staffT, nil)
			wantStatus(t, res, http.StatusOK)
			return res
		}
		// url is absolute and reads back the same object.
		wantURL := func(obj map[string]any, collection string) {
			t.Helper()
			u, _ := obj["url"].(string)
			path := collection + obj["uuid"].(string) + "/"
			if u != "http://example.com"+path {
				t.Errorf("url %q, want http://example.com%s", u, path)
				return
			}
			if back := get(strings.TrimPrefix(u, "http://example.com")).Object(t); back["uuid"] != obj["uuid"] {
				t.Errorf("%s reads %v", u, back)
			}
		}
		create := func(path string, body map[string]any) map[string]any {
			t.Helper()
			res := a.do(t, "POST", path, a.staffT, body)
			wantStatus(t, res, http.StatusCreated)
			return res.Object(t)
		}
		first := create(adminChecklists, map[string]any{"name": "First"})
		second := create(adminChecklists, map[string]any{"name": "Second"})
		wantURL(first, adminChecklists)
		cid, other := first["uuid"].(string), second["uuid"].(string)

		var questions []map[string]any
		for _, c := range []struct {
			checklist string
			order     int
		}{{cid, 3}, {other, 2}, {cid, 1}, {other, 1}, {cid, 2}} {
			questions = append(questions, create(adminQuestions, map[string]any{"checklist": c.checklist, "description": "Pick", "question_type": "multi_select", "order": c.order}))
		}
		q := questions[0]
		wantURL(q, adminQuestions)
		if q["checklist_uuid"] != cid || q["checklist_name"] != "First" || q["checklist"] != cid {
			t.Errorf("question's checklist fields: %v %v %v", q["checklist"], q["checklist_uuid"], q["checklist_name"])
		}
		for _, path := range []string{adminQuestions + q["uuid"].(string) + "/", adminChecklists + cid + "/questions/"} {
			body := get(path).Body
			if !strings.Contains(string(body), `"checklist_name":"First"`) || !strings.Contains(string(body), `"url":"http://example.com/api/checklists-admin-questions/`) {
				t.Errorf("%s lacks checklist_name or url: %s", path, body)
			}
		}
		// A renamed checklist shows its new name on its questions.
		wantStatus(t, a.do(t, "PATCH", adminChecklists+cid+"/", a.staffT, map[string]any{"name": "Renamed"}), http.StatusOK)
		if got := get(adminQuestions + q["uuid"].(string) + "/").Object(t)["checklist_name"]; got != "Renamed" {
			t.Errorf("checklist_name after renaming: %v", got)
		}

		orders := func(path string) (orders []float64, checklists []string) {
			t.Helper()
			var list []map[string]any
			get(path).JSON(t, &list)
			for _, x := range list {
				orders = append(orders, x["order"].(float64))
				if c, ok := x["checklist_uuid"].(string); ok {
					checklists = append(checklists, c)
				}
			}
			return orders, checklists
		}
		for _, path := range []string{adminQuestions + "?checklist_uuid=" + cid, adminQuestions + "?checklist=" + cid,
			adminQuestions + "?checklist_uuid=" + cid + "&checklist=" + cid} {
			got, in := orders(path)
			if len(got) != 3 || len(in) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 || in[0] != cid || in[1] != cid || in[2] != cid {
				t.Errorf("%s: orders %v of %v, want 1, 2, 3 of %s", path, got, in, cid)
			}
		}
		if got, _ := orders(adminQuestions + "?page_size=100"); len(got) < 5 || !nondecreasing(got) {
			t.Errorf("all questions: orders %v, want by order", got)
		}
		res := a.do(t, "GET", adminQuestions+"?checklist_uuid="+cid+"&checklist="+other, a.staffT, nil)
		if res.Status != http.StatusBadRequest || res.Object(t)["checklist_uuid"] == nil {
			t.Errorf("two different checklists: %d %s", res.Status, res.Body)
		}

		// Options: url, question_uuid filter, by order.
		pick := q["uuid"].(string)
		for i, label := range []string{"C", "A", "B"} {
			o := create(adminOptions, map[string]any{"question": pick, "label": label, "order": []int{3, 1, 2}[i]})
			if i == 0 {
				wantURL(o, adminOptions)
			}
		}
		create(adminOptions, map[string]any{"question": questions[2]["uuid"], "label": "Elsewhere", "order": 0})
		for _, path := range []string{adminOptions + "?question_uuid=" + pick, adminOptions + "?question=" + pick} {
			if got, _ := orders(path); len(got) != 3 || !nondecreasing(got) || got[0] != 1 {
				t.Errorf("%s: orders %v, want 1, 2, 3", path, got)
			}
		}
		if got, _ := orders(adminOptions); len(got) != 4 || got[0] != 0 || !nondecreasing(got) {
			t.Errorf("all options: orders %v, want by order", got)
		}

		// Dependencies: url, question_uuid filter, by the order of the question they show.
		boolean := func(order int) string {
			return create(adminQuestions, map[string]any{"checklist": cid, "description": "Yes?", "question_type": "boolean", "order": order})["uuid"].(string)
		}
		seventh, sixth, eighth := boolean(7), boolean(6), boolean(8)
		x := create(adminDependencies, map[string]any{"question": seventh, "depends_on_question": eighth, "operator": "equals", "required_answer_value": true})
		y := create(adminDependencies, map[string]any{"question": sixth, "depends_on_question": eighth, "operator": "equals", "required_answer_value": false})
		wantURL(x, adminDependencies)
		uuids := func(path string) []string {
			t.Helper()
			var list []map[string]any
			get(path).JSON(t, &list)
			var out []string
			for _, d := range list {
				out = append(out, d["uuid"].(string))
			}
			return out
		}
		for _, path := range []string{adminDependencies + "?question_uuid=" + seventh, adminDependencies + "?question=" + seventh} {
			if got := uuids(path); len(got) != 1 || got[0] != x["uuid"] {
				t.Errorf("%s: %v, want only %v", path, got, x["uuid"])
			}
		}
		if got := uuids(adminDependencies); len(got) != 2 || got[0] != y["uuid"] || got[1] != x["uuid"] {
			t.Errorf("all dependencies %v, want the one of the 6th question first: %v, %v", got, y["uuid"], x["uuid"])
		}
	})
}

func nondecreasing(xs []float64) bool {
	for i := 1; i < len(xs); i++ {
		if xs[i] < xs[i-1] {
			return false
		}
	}
	return true
}
