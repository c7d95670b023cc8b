package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/onboarding-kyb/onboarding/server"
	"github.com/onboarding-kyb/onboarding/store"
	"github.com/onboarding-kyb/onboarding/store/storetest"
)

// TestAdminOptionInUse: an option that a review or guidance value or a
// dependency names cannot be deleted (409 naming what refers to it) nor
// moved to another question (400); once nothing refers to it, it can go.
func TestAdminOptionInUse(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cid := a.create(t, adminChecklists, map[string]any{"name": "Options in use"})
		pick := a.question(t, cid, "Pick one", "single_select")
		other := a.question(t, cid, "Other pick", "single_select")
		shown := a.question(t, cid, "Shown on B", "boolean")
		opt := map[string]string{}
		for _, label := range []string{"A", "B", "C", "D"} {
			opt[label] = a.create(t, adminOptions, map[string]any{"question": pick, "label": label})
		}
		wantStatus(t, a.do(t, "PATCH", adminQuestions+pick+"/", a.staffT, map[string]any{
			"operator": "equals", "review_answer_value": opt["A"],
			"user_guidance": "About C", "always_show_guidance": false, "guidance_operator": "in", "guidance_answer_value": []string{opt["C"]},
		}), http.StatusOK)
		dep := a.create(t, adminDependencies, map[string]any{"question": shown, "depends_on_question": pick, "operator": "in", "required_answer_value": []string{opt["B"], opt["C"]}})

		for label, names := range map[string][]string{
			"A": {`review_answer_value of question "Pick one"`},
			"B": {"dependency " + dep, `"Shown on B"`},
			"C": {`guidance_answer_value of question "Pick one"`, "dependency " + dep},
		} {
			path := adminOptions + opt[label] + "/"
			res := a.do(t, "DELETE", path, a.staffT, nil)
			if res.Status != http.StatusConflict {
				t.Errorf("delete option %s in use: %d %s, want 409", label, res.Status, res.Body)
				continue
			}
			detail, _ := res.Object(t)["detail"].(string)
			for _, n := range names {
				if !strings.Contains(detail, n) {
					t.Errorf("delete option %s: %q does not name %s", label, detail, n)
				}
			}
			wantStatus(t, a.do(t, "GET", path, a.staffT, nil), http.StatusOK)
		}
		want400(t, a, "PATCH", adminOptions+opt["A"]+"/", map[string]any{"question": other}, "question", adminOptions+opt["A"]+"/")

		// Unreferenced, or once the references are gone: deleted.
		wantStatus(t, a.do(t, "DELETE", adminOptions+opt["D"]+"/", a.staffT, nil), http.StatusNoContent)
		wantStatus(t, a.do(t, "PATCH", adminQuestions+pick+"/", a.staffT, map[string]any{"operator": "", "review_answer_value": nil}), http.StatusOK)
		wantStatus(t, a.do(t, "DELETE", adminOptions+opt["A"]+"/", a.staffT, nil), http.StatusNoContent)
		wantStatus(t, a.do(t, "DELETE", adminDependencies+dep+"/", a.staffT, nil), http.StatusNoContent)
		wantStatus(t, a.do(t, "DELETE", adminOptions+opt["B"]+"/", a.staffT, nil), http.StatusNoContent)
		if res := a.do(t, "DELETE", adminOptions+opt["C"]+"/", a.staffT, nil); res.Status != http.StatusConflict {
			t.Errorf("option C, still in the guidance value: %d %s", res.Status, res.Body)
		}
	})
}

// TestAdminOptionChosenInAnswers: an option that answers choose cannot be
// deleted (409 saying how many), so no answer names an option that is gone;
// an option nobody chose can.
func TestAdminOptionChosenInAnswers(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, a *api) {
		cid := a.create(t, adminChecklists, map[string]any{"name": "Plans"})
		plan := a.question(t, cid, "Plan", "single_select")
		basic := a.create(t, adminOptions, map[string]any{"question": plan, "label": "Basic"})
		pro := a.create(t, adminOptions, map[string]any{"question": plan, "label": "Pro"})
		a.create(t, countryConfigs, map[string]any{"country": "DK", "checklist": cid})
		v := a.do(t, "POST", start, a.aliceT, map[string]any{"country": "DK"}).Object(t)
		wantStatus(t, a.do(t, "POST", base+v["uuid"].(string)+"/submit_answers/", a.aliceT,
			[]any{map[string]any{"question_uuid": plan, "answer_data": []string{pro}}}), http.StatusOK)

		res := a.do(t, "DELETE", adminOptions+pro+"/", a.staffT, nil)
		if res.Status != http.StatusConflict {
			t.Fatalf("delete a chosen option: %d %s, want 409", res.Status, res.Body)
		}
		if detail, _ := res.Object(t)["detail"].(string); !strings.Contains(detail, "chosen in 1 answer") {
			t.Errorf("delete a chosen option: %q does not say it is chosen in 1 answer", detail)
		}
		wantStatus(t, a.do(t, "GET", adminOptions+pro+"/", a.staffT, nil), http.StatusOK)
		wantStatus(t, a.do(t, "DELETE", adminOptions+basic+"/", a.staffT, nil), http.StatusNoContent)
	})
}

// TestConcurrentDependenciesCloseNoCycle: two replicas (each its own
// connection pool on one database) saving A → B and B → A at the same
// moment: one is stored, the other is a 400 naming the cycle, round after
// round, on both databases.
func TestConcurrentDependenciesCloseNoCycle(t *testing.T) {
	t.Parallel()
	storetest.DialectURLs(t, func(t *testing.T, dbURL string) {
		var replicas []*api
		for i := range 2 {
			s, err := store.Open(dbURL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if err := s.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				replicas = append(replicas, newAPI(t, s, server.Config{MaxBodyBytes: 1 << 20}))
				continue
			}
			registers := registryFrom(t, sandboxEnv)
			h, err := server.New(server.Config{MaxBodyBytes: 1 << 20}, s, registers, slog.New(slog.NewJSONHandler(replicas[0].logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			second := *replicas[0]
			second.store, second.handler, second.server = s, h, h
			replicas = append(replicas, &second)
		}
		a := replicas[0]
		cid := a.create(t, adminChecklists, map[string]any{"name": "Concurrent"})
		const rounds = 20
		for round := range rounds {
			qa, qb := a.question(t, cid, "A", "boolean"), a.question(t, cid, "B", "boolean")
			var wg sync.WaitGroup
			start := make(chan struct{})
			results := make([]response, 2)
			for i, pair := range [][2]string{{qa, qb}, {qb, qa}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i] = replicas[i].do(t, "POST", adminDependencies, a.staffT, map[string]any{
						"question": pair[0], "depends_on_question": pair[1], "operator": "equals", "required_answer_value": true})
				}()
			}
			close(start)
			wg.Wait()
			created, refused := 0, 0
			for _, res := range results {
				switch {
				case res.Status == http.StatusCreated:
					created++
				case res.Status == http.StatusBadRequest && strings.Contains(string(res.Body), "cycle"):
					refused++
				default:
					t.Errorf("round %d: %d %s", round, res.Status, res.Body)
				}
			}
			if created != 1 || refused != 1 {
				t.Fatalf("round %d: %d stored, %d refused as a cycle; want one of each", round, created, refused)
			}
		}
		if n := a.do(t, "GET", adminDependencies, a.staffT, nil).Header.Get("X-Result-Count"); n != strconv.Itoa(rounds) {
			t.Errorf("%s dependencies stored, want %d", n, rounds)
		}
	})
}
