// Command coverage reports which (operation, declared status) pairs of
// openapi.yaml the test suite exercised, from the responses the suite
// recorded (ONBOARDING_CONTRACT_RECORD, see contracttest). It fails when a
// seed operation misses one of the pairs it must have: its success status,
// 401, and 400, 404, 409 and 413 where declared.
//
// Usage: go run ./tools/contract/coverage <records dir>
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/onboarding-kyb/onboarding"
	"github.com/onboarding-kyb/onboarding/contracttest"
)

// seed are the 13 operations of the seed contract.
var seed = []string{
	"onboarding_verifications_list", "onboarding_verifications_create", "onboarding_verifications_retrieve",
	"onboarding_verifications_update", "onboarding_verifications_partial_update", "onboarding_verifications_destroy",
	"onboarding_verifications_create_customer", "onboarding_verifications_checklist_retrieve",
	"onboarding_verifications_checklist_template_retrieve", "onboarding_verifications_completion_status_retrieve",
	"onboarding_verifications_run_validation", "onboarding_verifications_start_verification",
	"onboarding_verifications_submit_answers",
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: coverage <records dir>")
		os.Exit(2)
	}
	missing, err := run(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if len(missing) > 0 {
		fmt.Printf("seed operations lack tests for: %s\n", strings.Join(missing, ", "))
		os.Exit(1)
	}
}

func run(dir string) (missing []string, err error) {
	hits, err := readHits(dir)
	if err != nil {
		return nil, err
	}
	if len(hits) == 0 {
		return nil, fmt.Errorf("no recorded responses in %s: run the tests with %s=%s", dir, contracttest.RecordEnv, dir)
	}
	doc, err := openapi3.NewLoader().LoadFromData(onboarding.OpenAPI)
	if err != nil {
		return nil, err
	}
	type op struct {
		id       string
		statuses []int
	}
	var ops []op
	for _, item := range doc.Paths.Map() {
		for _, o := range item.Operations() {
			var statuses []int
			for code := range o.Responses.Map() {
				if n, err := strconv.Atoi(code); err == nil {
					statuses = append(statuses, n)
				}
			}
			slices.Sort(statuses)
			ops = append(ops, op{o.OperationID, statuses})
		}
	}
	slices.SortFunc(ops, func(a, b op) int { return strings.Compare(a.id, b.id) })
	declared, exercised := 0, 0
	fmt.Println("Contract coverage: responses the test suite received, per operation and declared status (- = none)")
	for _, o := range ops {
		var cells []string
		for _, s := range o.statuses {
			n := hits[o.id][s]
			declared++
			cell := fmt.Sprintf("%d:-", s)
			if n > 0 {
				exercised++
				cell = fmt.Sprintf("%d:%d", s, n)
			}
			cells = append(cells, cell)
			if slices.Contains(seed, o.id) && required(s) && n == 0 {
				missing = append(missing, fmt.Sprintf("%s %d", o.id, s))
			}
		}
		mark := " "
		if slices.Contains(seed, o.id) {
			mark = "*"
		}
		fmt.Printf("%s %-56s %s\n", mark, o.id, strings.Join(cells, " "))
	}
	fmt.Printf("%d of %d declared (operation, status) pairs exercised; * = seed operation, which must have its 2xx, 400, 401, 404, 409 and 413 where declared\n", exercised, declared)
	return missing, nil
}

// required: the statuses every seed operation's tests must show, when the
// operation declares them.
func required(status int) bool {
	return status < 300 || slices.Contains([]int{400, 401, 404, 409, 413}, status)
}

// readHits counts the recorded responses per operation and status.
func readHits(dir string) (map[string]map[int]int, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	hits := map[string]map[int]int{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		for sc.Scan() {
			var r contracttest.Record
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				f.Close()
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			if hits[r.Operation] == nil {
				hits[r.Operation] = map[int]int{}
			}
			hits[r.Operation][r.Status]++
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return hits, nil
}
