package checklist

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// operatorsFor says which operators make sense for each answer type. Files
// are compared with nothing.
func operatorsFor(t QuestionType) []Operator {
	switch t {
	case TypeBoolean:
		return []Operator{OpEquals, OpNotEquals}
	case TypeMultiSelect, TypeTextInput, TypeTextArea, TypeEmail, TypePhoneNumber, TypeURL:
		return Operators
	case TypeSingleSelect, TypeNumber, TypeDate, TypeDatetime, TypeYear, TypeCountry, TypeRating:
		return []Operator{OpEquals, OpNotEquals, OpIn, OpNotIn}
	}
	return nil
}

var (
	mimePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]*/([a-z0-9][a-z0-9!#$&^_.+-]*|\*)$`)
	extPattern  = regexp.MustCompile(`^\.[a-z0-9][a-z0-9._+-]*$`)
)

// ValidateQuestion checks an admin's question configuration. It returns nil
// when the question is valid.
func ValidateQuestion(q Question) FieldErrors {
	var fe FieldErrors
	if strings.TrimSpace(q.Description) == "" {
		fe.add("description", "This field may not be blank.")
	}
	if !slices.Contains(QuestionTypes, q.QuestionType) {
		fe.add("question_type", fmt.Sprintf("%q is not a valid choice.", q.QuestionType))
		return fe // the other checks depend on the type
	}
	switch q.DependencyLogicOperator {
	case "", LogicAnd, LogicOr:
	default:
		fe.add("dependency_logic_operator", fmt.Sprintf("%q is not a valid choice (and, or).", q.DependencyLogicOperator))
	}

	if q.Operator != "" {
		for _, m := range checkComparison(q, q.Operator, q.ReviewAnswerValue) {
			fe.add(m.field("operator", "review_answer_value"), m.msg)
		}
	} else if q.ReviewAnswerValue != nil {
		fe.add("operator", "required when review_answer_value is set")
	}

	switch {
	case q.GuidanceOperator != "":
		for _, m := range checkComparison(q, q.GuidanceOperator, q.GuidanceAnswerValue) {
			fe.add(m.field("guidance_operator", "guidance_answer_value"), m.msg)
		}
	case q.GuidanceAnswerValue != nil:
		fe.add("guidance_operator", "required when guidance_answer_value is set")
	case q.UserGuidance != "" && !q.AlwaysShowGuidance:
		// Otherwise the guidance text could never be shown.
		fe.add("guidance_operator", "required with guidance_answer_value when always_show_guidance is false")
	}

	if q.QuestionType != TypeNumber {
		if q.MinValue != nil {
			fe.add("min_value", "only number questions have bounds")
		}
		if q.MaxValue != nil {
			fe.add("max_value", "only number questions have bounds")
		}
	} else if q.MinValue != nil && q.MaxValue != nil && q.MinValue.GreaterThan(*q.MaxValue) {
		fe.add("min_value", "must be ≤ max_value")
	}

	if !isFile(q.QuestionType) {
		for field, set := range map[string]bool{
			"allowed_file_types": len(q.AllowedFileTypes) > 0,
			"allowed_mime_types": len(q.AllowedMimeTypes) > 0,
			"max_file_size_mb":   q.MaxFileSizeMB != nil,
		} {
			if set {
				fe.add(field, "only file questions have file limits")
			}
		}
	}
	if q.MaxFilesCount != nil && q.QuestionType != TypeMultipleFiles {
		fe.add("max_files_count", "only multiple_files questions have a file count")
	}
	if q.MaxFileSizeMB != nil && *q.MaxFileSizeMB < 1 {
		fe.add("max_file_size_mb", "must be ≥ 1")
	}
	if q.MaxFilesCount != nil && *q.MaxFilesCount < 1 {
		fe.add("max_files_count", "must be ≥ 1")
	}
	for _, m := range q.AllowedMimeTypes {
		if !mimePattern.MatchString(strings.ToLower(m)) {
			fe.add("allowed_mime_types", fmt.Sprintf("%q is not a MIME type type/subtype or type/*", m))
		}
	}
	for _, e := range q.AllowedFileTypes {
		if !extPattern.MatchString(strings.ToLower(e)) {
			fe.add("allowed_file_types", fmt.Sprintf("%q is not an extension with a leading dot, e.g. .pdf", e))
		}
	}

	if len(q.Options) > 0 && !isSelect(q.QuestionType) {
		fe.add("question_options", "only select questions have options")
	}
	return fe
}

// ValidateDependency checks a dependency against the question it depends on.
// Cycles are checked separately with FindCycle over all dependencies.
func ValidateDependency(d Dependency, dependsOn Question) FieldErrors {
	var fe FieldErrors
	if d.Question == d.DependsOnQuestion {
		fe.add("depends_on_question", "a question cannot depend on itself")
	}
	if d.DependsOnQuestion != dependsOn.UUID {
		fe.add("depends_on_question", "does not match the question given")
	}
	if d.Operator == "" {
		fe.add("operator", "This field is required.")
		return fe
	}
	for _, m := range checkComparison(dependsOn, d.Operator, d.RequiredAnswerValue) {
		fe.add(m.field("operator", "required_answer_value"), m.msg)
	}
	return fe
}

type problem struct {
	onValue bool
	msg     string
}

func (p problem) field(op, value string) string {
	if p.onValue {
		return value
	}
	return op
}

// checkComparison checks that op fits q's type and value fits op and q.
func checkComparison(q Question, op Operator, value any) []problem {
	if !slices.Contains(Operators, op) {
		return []problem{{false, fmt.Sprintf("%q is not a valid choice.", op)}}
	}
	if !slices.Contains(operatorsFor(q.QuestionType), op) {
		return []problem{{false, fmt.Sprintf("%s does not apply to %s questions", op, q.QuestionType)}}
	}
	if value == nil {
		return []problem{{true, "required when an operator is set"}}
	}
	v := canonical(value)
	list, isList := v.([]any)
	if (op == OpIn || op == OpNotIn) && (!isList || len(list) == 0) {
		return []problem{{true, fmt.Sprintf("must be a non-empty list for %s", op)}}
	}
	if op == OpContains && !isList {
		if s, ok := v.(string); !ok || strings.TrimSpace(s) == "" {
			return []problem{{true, "must be a non-empty string for contains"}}
		}
	}
	if !isList {
		list = []any{v}
	} else if (op == OpEquals || op == OpNotEquals) && q.QuestionType != TypeMultiSelect {
		return []problem{{true, fmt.Sprintf("must be a single value for %s", op)}}
	}
	var out []problem
	for _, x := range list {
		if _, ok := text(x); !ok {
			out = append(out, problem{true, "must hold only strings, numbers or booleans"})
			break
		}
		if isSelect(q.QuestionType) && !validOptionID(q, x) {
			out = append(out, problem{true, fmt.Sprintf("%v is not an option of this question", x)})
		}
	}
	return out
}

// FindCycle returns a dependency cycle as the ordered questions q1 → q2 → …
// (each depends on the next, the last on the first), or nil when there is
// none. The search order follows deps, so the answer is deterministic.
func FindCycle(deps []Dependency) []uuid.UUID {
	next := map[uuid.UUID][]uuid.UUID{}
	var nodes []uuid.UUID
	for _, d := range deps {
		if _, seen := next[d.Question]; !seen {
			nodes = append(nodes, d.Question)
		}
		next[d.Question] = append(next[d.Question], d.DependsOnQuestion)
	}
	const (
		unvisited = iota
		onPath
		done
	)
	state := map[uuid.UUID]int{}
	var path []uuid.UUID
	var visit func(uuid.UUID) []uuid.UUID
	visit = func(n uuid.UUID) []uuid.UUID {
		state[n] = onPath
		path = append(path, n)
		for _, m := range next[n] {
			switch state[m] {
			case onPath:
				i := slices.Index(path, m)
				return slices.Clone(path[i:])
			case unvisited:
				if c := visit(m); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return nil
	}
	for _, n := range nodes {
		if state[n] == unvisited {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}

// CustomerFields are the Customer organisation fields a question may map to
// (maps_to_customer_field): the seed's writable, user-facing Customer fields.
// Staff-only fields (backend_id, blocked, archived, billing, sponsor, …),
// slug and access_subnets are left out on purpose.
var CustomerFields = []string{
	"name", "native_name", "abbreviation", "description", "contact_details",
	"agreement_number", "email", "phone_number", "registration_code",
	"homepage", "domain", "vat_code", "postal", "address", "bank_name",
	"bank_account", "latitude", "longitude", "country", "notification_emails",
}

// IsCustomerField reports whether name is one of CustomerFields.
func IsCustomerField(name string) bool { return slices.Contains(CustomerFields, name) }
