package checklist

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// operatorsFor says which operators make sense for each answer type. Files
// are compared with nothing. docs/checklists.md's operator table says the same.
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

// hasBounds: the types that take min_value and max_value.
func hasBounds(t QuestionType) bool { return t == TypeNumber || t == TypeYear || t == TypeRating }

var (
	mimePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]*/([a-z0-9][a-z0-9!#$&^_.+-]*|\*)$`)
	extPattern  = regexp.MustCompile(`^\.[a-z0-9][a-z0-9._+-]*$`)
)

// ValidateQuestion checks an admin's question configuration and normalizes
// its review and guidance values (see checkComparison). It returns nil when
// the question is valid.
func ValidateQuestion(q *Question) FieldErrors {
	var fe FieldErrors
	if strings.TrimSpace(q.Description) == "" {
		fe.add("description", "This field may not be blank.")
	}
	if strings.TrimSpace(q.UserGuidance) == "" {
		q.UserGuidance = "" // whitespace is no guidance
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

	// Bounds first: rating values are checked against the scale.
	if !hasBounds(q.QuestionType) {
		if q.MinValue != nil {
			fe.add("min_value", "only number, year and rating questions have bounds")
		}
		if q.MaxValue != nil {
			fe.add("max_value", "only number, year and rating questions have bounds")
		}
	} else if low, high := RatingScale(*q); q.QuestionType == TypeRating && low.GreaterThan(high) {
		fe.add("min_value", fmt.Sprintf("the rating scale from %s to %s is empty (an unset min_value is 1, max_value 5)", low, high))
	} else if q.MinValue != nil && q.MaxValue != nil && q.MinValue.GreaterThan(*q.MaxValue) {
		fe.add("min_value", "must be ≤ max_value")
	}

	if q.Operator != "" {
		v, problems := checkComparison(*q, q.Operator, q.ReviewAnswerValue)
		for _, m := range problems {
			fe.add(m.field("operator", "review_answer_value"), m.msg)
		}
		q.ReviewAnswerValue = v
	} else if q.ReviewAnswerValue != nil {
		fe.add("operator", "required when review_answer_value is set")
	}

	switch {
	case q.GuidanceOperator != "":
		v, problems := checkComparison(*q, q.GuidanceOperator, q.GuidanceAnswerValue)
		for _, m := range problems {
			fe.add(m.field("guidance_operator", "guidance_answer_value"), m.msg)
		}
		q.GuidanceAnswerValue = v
	case q.GuidanceAnswerValue != nil:
		fe.add("guidance_operator", "required when guidance_answer_value is set")
	case q.UserGuidance != "" && !q.AlwaysShowGuidance:
		// Otherwise the guidance text could never be shown.
		fe.add("guidance_operator", "required with guidance_answer_value when always_show_guidance is false")
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

// ValidateDependency checks a dependency against the question it depends on
// and normalizes its value (see checkComparison). Cycles are checked
// separately with FindCycle over all dependencies.
func ValidateDependency(d *Dependency, dependsOn Question) FieldErrors {
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
	v, problems := checkComparison(dependsOn, d.Operator, d.RequiredAnswerValue)
	for _, m := range problems {
		fe.add(m.field("operator", "required_answer_value"), m.msg)
	}
	d.RequiredAnswerValue = v
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

// checkComparison checks that op fits q's type and that value fits op and
// q, and returns value normalized the way answers are (so that a stored
// answer and the value compare alike: "+372 5123 4567" → "+37251234567",
// "ee" → "EE", "42" → 42). The value shapes, per operator:
//
//   - equals, not_equals: one value that is a valid answer of q's type; on a
//     multi_select question also a non-empty list of options (the exact
//     choice), on a single_select question also a list of exactly one.
//   - in, not_in: a non-empty list of valid answers of q's type.
//   - contains: on text-like questions (text_input, text_area, email,
//     phone_number, url) a non-blank string or a non-empty list of them:
//     the answer contains one of them as a substring, ignoring case; on a
//     multi_select question an option or a non-empty list of options: the
//     choice includes one of them.
//
// Select questions name options by uuid. Everything else is refused: a
// configuration that is accepted is one that can match.
func checkComparison(q Question, op Operator, value any) (any, []problem) {
	if !slices.Contains(Operators, op) {
		return value, []problem{{false, fmt.Sprintf("%q is not a valid choice.", op)}}
	}
	if !slices.Contains(operatorsFor(q.QuestionType), op) {
		return value, []problem{{false, fmt.Sprintf("%s does not apply to %s questions (it applies to: %s)", op, q.QuestionType, typesFor(op))}}
	}
	if value == nil {
		return value, []problem{{true, "required when an operator is set"}}
	}
	v := canonical(value)
	list, isList := v.([]any)
	switch {
	case isList && len(list) == 0:
		return value, []problem{{true, "must not be an empty list"}}
	case (op == OpIn || op == OpNotIn) && !isList:
		return value, []problem{{true, fmt.Sprintf("must be a non-empty list for %s", op)}}
	case isList && (op == OpEquals || op == OpNotEquals) && q.QuestionType == TypeSingleSelect && len(list) != 1:
		return value, []problem{{true, fmt.Sprintf("must be one option (or a list of exactly one) for %s on a single_select question", op)}}
	case isList && (op == OpEquals || op == OpNotEquals) && !isSelect(q.QuestionType):
		return value, []problem{{true, fmt.Sprintf("must be a single value for %s (use in or not_in for a list)", op)}}
	}
	elems := list
	if !isList {
		elems = []any{v}
	}
	out := make([]any, len(elems))
	for i, x := range elems {
		n, err := comparable(q, op, x)
		if err != nil {
			return value, []problem{{true, fmt.Sprintf("%s %v", jsonText(x), err)}}
		}
		out[i] = n
	}
	if !isList {
		return out[0], nil
	}
	return out, nil
}

// comparable checks one element of a configured value and normalizes it.
func comparable(q Question, op Operator, x any) (any, error) {
	if _, ok := text(x); !ok {
		return nil, errors.New("is not a string, number or boolean")
	}
	switch {
	case isSelect(q.QuestionType):
		s, _ := x.(string)
		o, ok := q.option(s)
		if !ok {
			return nil, errors.New("is not an option of this question (select values name options by uuid)")
		}
		return o.UUID.String(), nil
	case op == OpContains:
		return substring(q.QuestionType, x)
	}
	raw, _ := json.Marshal(x)
	n, err := ValidateAnswer(q, raw)
	if err != nil {
		return nil, fmt.Errorf("is not a valid %s answer: %v", q.QuestionType, err)
	}
	return canonical(n), nil
}

// phoneFormatting is what phone answers lose when they are normalized.
var phoneFormatting = strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "")

// substring checks a contains value for a text-like type: a non-blank
// string that a valid answer can contain. Phone substrings lose their
// formatting, as answers do ("5123 4567" → "51234567").
func substring(t QuestionType, x any) (string, error) {
	s, ok := x.(string)
	s = strings.TrimSpace(s)
	switch {
	case !ok || s == "":
		return "", errors.New("must be a non-blank string for contains")
	case t == TypePhoneNumber:
		s = phoneFormatting.Replace(s)
		if strings.Trim(s, "+0123456789") != "" || strings.LastIndex(s, "+") > 0 {
			return "", errors.New("can never be part of a phone number (digits, with a leading +)")
		}
	case (t == TypeEmail || t == TypeURL) && strings.ContainsAny(s, " \t\r\n"):
		return "", fmt.Errorf("can never be part of the answer to a %s question (it has no spaces)", t)
	}
	return s, nil
}

func jsonText(x any) string {
	b, _ := json.Marshal(x)
	return string(b)
}

// typesFor lists the question types op applies to.
func typesFor(op Operator) string {
	var out []string
	for _, t := range QuestionTypes {
		if slices.Contains(operatorsFor(t), op) {
			out = append(out, string(t))
		}
	}
	return strings.Join(out, ", ")
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

// OptionReferences names what refers to the option: the review or
// guidance value of its question, and dependencies whose required value
// names it. Deleting the option would leave them dangling.
func OptionReferences(questions []Question, deps []Dependency, option uuid.UUID) []string {
	names := func(v any) bool { return NamesOption(v, option) }
	description := map[uuid.UUID]string{}
	var out []string
	for _, q := range questions {
		description[q.UUID] = q.Description
		if !slices.ContainsFunc(q.Options, func(o Option) bool { return o.UUID == option }) {
			continue
		}
		if names(q.ReviewAnswerValue) {
			out = append(out, fmt.Sprintf("the review_answer_value of question %q (%s)", q.Description, q.UUID))
		}
		if names(q.GuidanceAnswerValue) {
			out = append(out, fmt.Sprintf("the guidance_answer_value of question %q (%s)", q.Description, q.UUID))
		}
	}
	for _, d := range deps {
		if names(d.RequiredAnswerValue) {
			out = append(out, fmt.Sprintf("dependency %s (question %q shown on an answer to %q)", d.UUID, description[d.Question], description[d.DependsOnQuestion]))
		}
	}
	return out
}

// NamesOption reports whether v, a configured value or a select answer (an
// option uuid or a list of them), names option.
func NamesOption(v any, option uuid.UUID) bool {
	list, ok := canonical(v).([]any)
	if !ok {
		list = []any{canonical(v)}
	}
	return slices.ContainsFunc(list, func(x any) bool {
		s, ok := x.(string)
		id, err := uuid.Parse(s)
		return ok && err == nil && id == option
	})
}
