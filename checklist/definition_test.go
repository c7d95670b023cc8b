package checklist

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestParseDefinition(t *testing.T) {
	t.Parallel()
	src := `name: Demo
countries: [ee]
questions:
  - key: usage
    description: Usage
    question_type: single_select
    options: [Research, Commercial]
    operator: equals
    review_answer_value: Commercial
  - key: details
    description: Details
    question_type: text_area
    depends_on: [{question: usage, operator: in, value: [Commercial]}]
`
	a, err := ParseDefinition(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ParseDefinition(strings.NewReader(src))
	if a.Checklist.UUID != b.Checklist.UUID || a.Questions[0].Options[1].UUID != b.Questions[0].Options[1].UUID {
		t.Fatal("identifiers are not stable across imports")
	}
	commercial := a.Questions[0].Options[1].UUID.String()
	if a.Questions[0].ReviewAnswerValue != commercial {
		t.Fatalf("review value %v, want the option uuid %s", a.Questions[0].ReviewAnswerValue, commercial)
	}
	dep := a.Dependencies[0]
	if dep.Question != a.Questions[1].UUID || dep.DependsOnQuestion != a.Questions[0].UUID ||
		len(dep.RequiredAnswerValue.([]any)) != 1 || dep.RequiredAnswerValue.([]any)[0] != commercial {
		t.Fatalf("dependency %+v", dep)
	}
	if a.Countries[0] != "EE" || a.Checklist.ChecklistType != ChecklistTypeCustomerOnboarding || a.Questions[1].Order != 2 {
		t.Fatalf("defaults: %+v %v", a.Checklist, a.Countries)
	}

	for name, bad := range map[string]string{
		"unknown field":      "name: X\ncolour: red\n",
		"no name":            "questions: []\n",
		"duplicate key":      "name: X\nquestions:\n  - {key: a, question_type: boolean}\n  - {key: a, question_type: boolean}\n",
		"unknown dependency": "name: X\nquestions:\n  - {key: a, question_type: boolean, depends_on: [{question: zz, value: true}]}\n",
		"min above max":      "name: X\nquestions:\n  - {key: a, question_type: number, min_value: '5', max_value: '1'}\n",
		"not a decimal":      "name: X\nquestions:\n  - {key: a, question_type: number, min_value: 'five'}\n",
	} {
		if _, err := ParseDefinition(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestExampleChecklists: every checklist in examples/ imports, and each
// example answer a question's description gives ("e.g. +37251234567") is one
// the question accepts, so a person who follows the hint is not refused.
func TestExampleChecklists(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../examples/checklists/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example checklists: %v", err)
	}
	hint := regexp.MustCompile(`e\.g\. ([^,;)\s]+)`)
	hints := 0
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		def, err := ParseDefinition(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, q := range def.Questions {
			for _, m := range hint.FindAllStringSubmatch(q.Description, -1) {
				hints++
				answer, _ := json.Marshal(m[1])
				if _, err := ValidateAnswer(q, answer); err != nil {
					t.Errorf("%s: %q: the example answer %s is refused: %v", name, q.Description, answer, err)
				}
			}
		}
	}
	if hints == 0 {
		t.Fatal("no example answers found in the descriptions: the test checks nothing")
	}
}
