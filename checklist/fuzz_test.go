package checklist

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// FuzzValidateAnswer: whatever a client sends as answer_data, validation
// answers with a value or an error, never a panic, and a value it accepts
// marshals back to JSON and matches the operators without panicking.
// `go test` runs the seeds; `go test -fuzz FuzzValidateAnswer ./checklist`
// explores further.
func FuzzValidateAnswer(f *testing.F) {
	for _, seed := range []string{`true`, `"x"`, `1.5`, `["` + uuid.NewString() + `"]`, `{"name":"a.pdf","content":"JVBERi0="}`,
		`[{"name":"a.pdf","content":"JVBERi0="}]`, `"+3725551234"`, `"2026-02-30"`, `null`, `{}`, `[[[]]]`, `"\u0000"`, `1e999`} {
		for i := range QuestionTypes {
			f.Add(seed, i)
		}
	}
	one := decimal.NewFromInt(1)
	count, size := 2, 1
	f.Fuzz(func(t *testing.T, data string, typ int) {
		q := Question{UUID: uuid.New(), QuestionType: QuestionTypes[abs(typ)%len(QuestionTypes)],
			MinValue: &one, AllowedMimeTypes: []string{"application/pdf"}, AllowedFileTypes: []string{".pdf"},
			MaxFilesCount: &count, MaxFileSizeMB: &size,
			Options: []Option{{UUID: uuid.New(), Label: "A"}, {UUID: uuid.New(), Label: "B"}}}
		v, err := ValidateAnswer(q, json.RawMessage(data))
		if err != nil {
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("accepted %q as %#v, which does not marshal: %v", data, v, err)
		}
		var decoded any
		_ = json.Unmarshal(b, &decoded)
		for _, op := range Operators {
			Matches(op, decoded, decoded)
		}
	})
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}
