package checklist

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"
)

// Definition is a whole checklist as an import file describes it: the
// checklist, its questions with options, their dependencies, and the
// countries it is configured for.
type Definition struct {
	Checklist    Checklist
	Questions    []Question
	Dependencies []Dependency
	Countries    []string // ISO 3166-1 alpha-2, configured active
}

// namespace roots the identifiers of imported objects: they are derived
// from the file's keys, so importing the same file again addresses the same
// rows and changes nothing.
var namespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/onboarding-kyb/onboarding/checklists"))

// importFile is the YAML layout; see examples/checklists/.
type importFile struct {
	Key         string   `yaml:"key"`
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Type        string   `yaml:"checklist_type"`
	Countries   []string `yaml:"countries"`
	Questions   []struct {
		Key                  string   `yaml:"key"`
		Description          string   `yaml:"description"`
		UserGuidance         string   `yaml:"user_guidance"`
		Type                 string   `yaml:"question_type"`
		Required             bool     `yaml:"required"`
		MinValue             *string  `yaml:"min_value"`
		MaxValue             *string  `yaml:"max_value"`
		AllowedFileTypes     []string `yaml:"allowed_file_types"`
		AllowedMimeTypes     []string `yaml:"allowed_mime_types"`
		MaxFileSizeMB        *int     `yaml:"max_file_size_mb"`
		MaxFilesCount        *int     `yaml:"max_files_count"`
		Options              []string `yaml:"options"`
		Operator             string   `yaml:"operator"`
		ReviewAnswerValue    any      `yaml:"review_answer_value"`
		AlwaysRequiresReview bool     `yaml:"always_requires_review"`
		GuidanceOperator     string   `yaml:"guidance_operator"`
		GuidanceAnswerValue  any      `yaml:"guidance_answer_value"`
		AlwaysShowGuidance   *bool    `yaml:"always_show_guidance"` // true when left out, as in Waldur
		DependencyLogic      string   `yaml:"dependency_logic_operator"`
		MapsToCustomerField  string   `yaml:"maps_to_customer_field"`
		IntentField          string   `yaml:"intent_field"`
		DependsOn            []struct {
			Question string `yaml:"question"`
			Operator string `yaml:"operator"`
			Value    any    `yaml:"value"`
		} `yaml:"depends_on"`
	} `yaml:"questions"`
}

// ParseDefinition reads an import file. Select options are named by their
// labels in the file (in review, guidance and dependency values too) and
// become option UUIDs here. Every question is checked with ValidateQuestion,
// every dependency with ValidateDependency, and cycles are rejected.
func ParseDefinition(r io.Reader) (*Definition, error) {
	var f importFile
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("checklist file: %w", err)
	}
	if f.Name == "" {
		return nil, errors.New("checklist file: name is required")
	}
	key := f.Key
	if key == "" {
		key = f.Name
	}
	def := &Definition{Checklist: Checklist{
		UUID: uuid.NewSHA1(namespace, []byte("checklist/"+key)), Name: f.Name,
		Description: f.Description, ChecklistType: f.Type,
	}}
	if def.Checklist.ChecklistType == "" {
		def.Checklist.ChecklistType = ChecklistTypeCustomerOnboarding
	}
	for _, c := range f.Countries {
		def.Countries = append(def.Countries, strings.ToUpper(c))
	}
	byKey := map[string]*Question{}
	var problems []string
	for i, fq := range f.Questions {
		if fq.Key == "" || byKey[fq.Key] != nil {
			problems = append(problems, fmt.Sprintf("question %d: key %q is missing or not unique", i+1, fq.Key))
			continue
		}
		q := Question{
			UUID: uuid.NewSHA1(def.Checklist.UUID, []byte("question/"+fq.Key)), Checklist: def.Checklist.UUID,
			Order: i + 1, Description: fq.Description, UserGuidance: fq.UserGuidance,
			QuestionType: QuestionType(fq.Type), Required: fq.Required,
			AllowedFileTypes: fq.AllowedFileTypes, AllowedMimeTypes: fq.AllowedMimeTypes,
			MaxFileSizeMB: fq.MaxFileSizeMB, MaxFilesCount: fq.MaxFilesCount,
			Operator: Operator(fq.Operator), AlwaysRequiresReview: fq.AlwaysRequiresReview,
			GuidanceOperator: Operator(fq.GuidanceOperator), AlwaysShowGuidance: fq.AlwaysShowGuidance == nil || *fq.AlwaysShowGuidance,
			DependencyLogicOperator: LogicOperator(fq.DependencyLogic),
			MapsToCustomerField:     fq.MapsToCustomerField, IntentField: fq.IntentField,
			Options: []Option{},
		}
		if q.DependencyLogicOperator == "" {
			q.DependencyLogicOperator = LogicAnd
		}
		for j, label := range fq.Options {
			q.Options = append(q.Options, Option{UUID: uuid.NewSHA1(q.UUID, []byte("option/"+label)), Label: label, Order: j + 1})
		}
		var err error
		if q.MinValue, err = decimalField(fq.MinValue); err != nil {
			problems = append(problems, fmt.Sprintf("question %s: min_value: %v", fq.Key, err))
		}
		if q.MaxValue, err = decimalField(fq.MaxValue); err != nil {
			problems = append(problems, fmt.Sprintf("question %s: max_value: %v", fq.Key, err))
		}
		q.ReviewAnswerValue = labelsToOptions(q, fq.ReviewAnswerValue)
		q.GuidanceAnswerValue = labelsToOptions(q, fq.GuidanceAnswerValue)
		for field, msgs := range ValidateQuestion(&q) {
			problems = append(problems, fmt.Sprintf("question %s: %s: %s", fq.Key, field, strings.Join(msgs, " ")))
		}
		def.Questions = append(def.Questions, q)
		byKey[fq.Key] = &def.Questions[len(def.Questions)-1]
	}
	for _, fq := range f.Questions {
		q := byKey[fq.Key]
		for _, d := range fq.DependsOn {
			on := byKey[d.Question]
			if on == nil || q == nil {
				problems = append(problems, fmt.Sprintf("question %s depends on unknown question %q", fq.Key, d.Question))
				continue
			}
			dep := Dependency{
				UUID: uuid.NewSHA1(q.UUID, []byte("depends_on/"+d.Question)), Question: q.UUID,
				DependsOnQuestion: on.UUID, Operator: Operator(d.Operator),
				RequiredAnswerValue: labelsToOptions(*on, d.Value),
			}
			if dep.Operator == "" {
				dep.Operator = OpEquals
			}
			for field, msgs := range ValidateDependency(&dep, *on) {
				problems = append(problems, fmt.Sprintf("question %s: depends_on %s: %s: %s", fq.Key, d.Question, field, strings.Join(msgs, " ")))
			}
			def.Dependencies = append(def.Dependencies, dep)
		}
	}
	if cycle := FindCycle(def.Dependencies); cycle != nil {
		problems = append(problems, "circular dependencies: "+cycleKeys(cycle, byKey))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("checklist file:\n  %s", strings.Join(problems, "\n  "))
	}
	return def, nil
}

func decimalField(s *string) (*decimal.Decimal, error) {
	if s == nil {
		return nil, nil
	}
	d, err := ParseDecimal(*s, BoundIntegerDigits, BoundFractionDigits)
	if err != nil {
		return nil, fmt.Errorf("%q %v", *s, err)
	}
	return &d, nil
}

// labelsToOptions replaces option labels by option UUIDs in a select
// question's configured value (a label or a list of labels); other values
// pass through.
func labelsToOptions(q Question, v any) any {
	if !isSelect(q.QuestionType) {
		return v
	}
	toID := func(x any) any {
		if label, ok := x.(string); ok {
			if i := slices.IndexFunc(q.Options, func(o Option) bool { return o.Label == label }); i >= 0 {
				return q.Options[i].UUID.String()
			}
		}
		return x
	}
	if list, ok := v.([]any); ok {
		out := make([]any, len(list))
		for i, x := range list {
			out[i] = toID(x)
		}
		return out
	}
	if v == nil {
		return nil
	}
	return toID(v)
}

func cycleKeys(cycle []uuid.UUID, byKey map[string]*Question) string {
	names := make([]string, len(cycle))
	for i, id := range cycle {
		names[i] = id.String()
		for k, q := range byKey {
			if q != nil && q.UUID == id {
				names[i] = k
			}
		}
	}
	return strings.Join(names, " → ")
}
