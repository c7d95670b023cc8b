package checklist

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

func dec(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }
func ptr[T any](v T) *T             { return &v }

var (
	optA = Option{UUID: uuid.MustParse("00000000-0000-0000-0000-00000000000a"), Label: "Research", Order: 1}
	optB = Option{UUID: uuid.MustParse("00000000-0000-0000-0000-00000000000b"), Label: "Teaching", Order: 2}
	// optX belongs to another question.
	optX = uuid.MustParse("00000000-0000-0000-0000-0000000000ff")
)

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var pdfBytes = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

func fileJSON(name string, content []byte) string {
	b, _ := json.Marshal(map[string]string{"name": name, "content": base64.StdEncoding.EncodeToString(content)})
	return string(b)
}

func TestValidateAnswer(t *testing.T) {
	t.Parallel()
	pngData := pngBytes(t)
	sel := func(typ QuestionType) Question {
		return Question{QuestionType: typ, Options: []Option{optA, optB}}
	}
	pdfOnly := Question{QuestionType: TypeFile, AllowedMimeTypes: []string{"application/pdf"}}
	images := Question{QuestionType: TypeFile, AllowedFileTypes: []string{".PNG", ".jpg"}, AllowedMimeTypes: []string{"image/*"}}
	small := Question{QuestionType: TypeFile, MaxFileSizeMB: ptr(1)}
	multi := Question{QuestionType: TypeMultipleFiles, MaxFilesCount: ptr(2), AllowedMimeTypes: []string{"application/pdf", "image/png"}}

	tests := []struct {
		name    string
		q       Question
		data    string
		want    any    // normalized value when valid
		wantErr string // substring of the error when invalid
	}{
		{"null", Question{QuestionType: TypeTextInput}, `null`, nil, "must not be null"},
		{"unknown type", Question{QuestionType: "essay"}, `"x"`, nil, "unsupported question type"},

		{"boolean true", Question{QuestionType: TypeBoolean}, `true`, true, ""},
		{"boolean false", Question{QuestionType: TypeBoolean}, `false`, false, ""},
		{"boolean string", Question{QuestionType: TypeBoolean}, `"true"`, nil, "must be true or false"},

		{"single list", sel(TypeSingleSelect), `["` + optA.UUID.String() + `"]`, []string{optA.UUID.String()}, ""},
		{"single bare uuid, upper case", sel(TypeSingleSelect), `"` + strings.ToUpper(optB.UUID.String()) + `"`, []string{optB.UUID.String()}, ""},
		{"single two", sel(TypeSingleSelect), `["` + optA.UUID.String() + `","` + optB.UUID.String() + `"]`, nil, "exactly one"},
		{"single empty list", sel(TypeSingleSelect), `[]`, nil, "exactly one"},
		{"single other question's option", sel(TypeSingleSelect), `["` + optX.String() + `"]`, nil, "not an option of this question"},
		{"single label", sel(TypeSingleSelect), `["Research"]`, nil, "not an option of this question"},
		{"multi two", sel(TypeMultiSelect), `["` + optB.UUID.String() + `","` + optA.UUID.String() + `"]`, []string{optB.UUID.String(), optA.UUID.String()}, ""},
		{"multi duplicate", sel(TypeMultiSelect), `["` + optA.UUID.String() + `","` + optA.UUID.String() + `"]`, nil, "chosen twice"},
		{"multi empty", sel(TypeMultiSelect), `[]`, nil, "at least one option"},
		{"multi unknown", sel(TypeMultiSelect), `["` + optX.String() + `"]`, nil, "not an option of this question"},
		{"multi bare string", sel(TypeMultiSelect), `"` + optA.UUID.String() + `"`, nil, "must be a list"},

		{"text", Question{QuestionType: TypeTextInput}, `" ACME "`, "ACME", ""},
		{"text blank", Question{QuestionType: TypeTextInput}, `"   "`, nil, "must not be blank"},
		{"text number", Question{QuestionType: TypeTextInput}, `12`, nil, "must be a string"},
		{"text 255", Question{QuestionType: TypeTextInput}, `"` + strings.Repeat("ä", 255) + `"`, strings.Repeat("ä", 255), ""},
		{"text 256", Question{QuestionType: TypeTextInput}, `"` + strings.Repeat("a", 256) + `"`, nil, "at most 255 characters"},
		{"text area 256", Question{QuestionType: TypeTextArea}, `"` + strings.Repeat("a", 256) + `"`, strings.Repeat("a", 256), ""},
		{"text area too long", Question{QuestionType: TypeTextArea}, `"` + strings.Repeat("a", 10001) + `"`, nil, "at most 10000"},

		{"number", Question{QuestionType: TypeNumber}, `12.50`, json.Number("12.5"), ""},
		{"number string", Question{QuestionType: TypeNumber, MinValue: dec("0"), MaxValue: dec("100")}, `"100"`, json.Number("100"), ""},
		{"number above max", Question{QuestionType: TypeNumber, MaxValue: dec("100")}, `100.01`, nil, "must be ≤ 100"},
		{"number below min", Question{QuestionType: TypeNumber, MinValue: dec("1")}, `0`, nil, "must be ≥ 1"},
		{"number text", Question{QuestionType: TypeNumber}, `"twelve"`, nil, "must be a number"},
		{"number string is a number", Question{QuestionType: TypeNumber}, `" 42 "`, json.Number("42"), ""},
		{"number exponent", Question{QuestionType: TypeNumber}, `1e3`, json.Number("1000"), ""},
		{"number too large", Question{QuestionType: TypeNumber}, `1e20`, nil, "at most 20 digits before the decimal point"},
		{"number too precise", Question{QuestionType: TypeNumber}, `"0.00000000001"`, nil, "10 after"},
		{"number largest", Question{QuestionType: TypeNumber}, `"-99999999999999999999.9999999999"`, json.Number("-99999999999999999999.9999999999"), ""},
		{"number bool", Question{QuestionType: TypeNumber}, `true`, nil, "must be a number"},

		{"date", Question{QuestionType: TypeDate}, `"2024-02-29"`, "2024-02-29", ""},
		{"date impossible", Question{QuestionType: TypeDate}, `"2023-02-29"`, nil, "must be a date YYYY-MM-DD"},
		{"date other format", Question{QuestionType: TypeDate}, `"29.02.2024"`, nil, "must be a date YYYY-MM-DD"},
		{"date with time", Question{QuestionType: TypeDate}, `"2024-02-29T10:00:00Z"`, nil, "must be a date YYYY-MM-DD"},

		{"datetime", Question{QuestionType: TypeDatetime}, `"2026-01-31T12:00:00+02:00"`, "2026-01-31T12:00:00+02:00", ""},
		{"datetime fraction", Question{QuestionType: TypeDatetime}, `"2026-01-31T12:00:00.500Z"`, "2026-01-31T12:00:00.5Z", ""},
		{"datetime no zone", Question{QuestionType: TypeDatetime}, `"2026-01-31T12:00:00"`, nil, "RFC 3339"},
		{"datetime date only", Question{QuestionType: TypeDatetime}, `"2026-01-31"`, nil, "RFC 3339"},

		{"email", Question{QuestionType: TypeEmail}, `"info@example.ee"`, "info@example.ee", ""},
		{"email with name", Question{QuestionType: TypeEmail}, `"Info <info@example.ee>"`, nil, "must be an email address"},
		{"email no at", Question{QuestionType: TypeEmail}, `"example.ee"`, nil, "must be an email address"},
		{"email no dot", Question{QuestionType: TypeEmail}, `"root@localhost"`, nil, "must be an email address"},

		{"phone", Question{QuestionType: TypePhoneNumber}, `"+37251234567"`, "+37251234567", ""},
		{"phone spaced", Question{QuestionType: TypePhoneNumber}, `"+372 5123 4567"`, "+37251234567", ""},
		{"phone no plus", Question{QuestionType: TypePhoneNumber}, `"51234567"`, nil, "E.164"},
		{"phone impossible", Question{QuestionType: TypePhoneNumber}, `"+3721"`, nil, "E.164"},
		{"phone letters", Question{QuestionType: TypePhoneNumber}, `"+1 800 FLOWERS"`, nil, "E.164"},

		{"url", Question{QuestionType: TypeURL}, `"https://example.ee/about"`, "https://example.ee/about", ""},
		{"url ftp", Question{QuestionType: TypeURL}, `"ftp://example.ee"`, nil, "http or https"},
		{"url no host", Question{QuestionType: TypeURL}, `"https://"`, nil, "http or https"},
		{"url relative", Question{QuestionType: TypeURL}, `"example.ee"`, nil, "http or https"},

		{"year number", Question{QuestionType: TypeYear}, `1999`, 1999, ""},
		{"year string", Question{QuestionType: TypeYear}, `"2024"`, 2024, ""},
		{"year 3 digits", Question{QuestionType: TypeYear}, `999`, nil, "1000 to 9999"},
		{"year 5 digits", Question{QuestionType: TypeYear}, `10000`, nil, "1000 to 9999"},
		{"year fraction", Question{QuestionType: TypeYear}, `2024.5`, nil, "1000 to 9999"},
		{"year from 1900", Question{QuestionType: TypeYear, MinValue: dec("1900")}, `1900`, 1900, ""},
		{"year before 1900", Question{QuestionType: TypeYear, MinValue: dec("1900")}, `"1899"`, nil, "must be ≥ 1900"},
		{"year after max", Question{QuestionType: TypeYear, MaxValue: dec("2026")}, `2027`, nil, "must be ≤ 2026"},

		{"country", Question{QuestionType: TypeCountry}, `"ee"`, "EE", ""},
		{"country alpha-3", Question{QuestionType: TypeCountry}, `"EST"`, nil, "ISO 3166-1 alpha-2"},
		{"country unknown", Question{QuestionType: TypeCountry}, `"XX"`, nil, "ISO 3166-1 alpha-2"},
		{"country deprecated alias", Question{QuestionType: TypeCountry}, `"UK"`, nil, "ISO 3166-1 alpha-2"},
		{"country deprecated DD", Question{QuestionType: TypeCountry}, `"DD"`, nil, "ISO 3166-1 alpha-2"},
		{"country reserved EZ", Question{QuestionType: TypeCountry}, `"EZ"`, nil, "ISO 3166-1 alpha-2"},
		{"country GB", Question{QuestionType: TypeCountry}, `"GB"`, "GB", ""},
		{"country grouping", Question{QuestionType: TypeCountry}, `"EU"`, nil, "ISO 3166-1 alpha-2"},
		{"country numeric", Question{QuestionType: TypeCountry}, `"233"`, nil, "ISO 3166-1 alpha-2"},

		{"rating", Question{QuestionType: TypeRating}, `5`, 5, ""},
		{"rating string", Question{QuestionType: TypeRating}, `"1"`, 1, ""},
		{"rating zero", Question{QuestionType: TypeRating}, `0`, nil, "from 1 to 5"},
		{"rating six", Question{QuestionType: TypeRating}, `6`, nil, "from 1 to 5"},
		{"rating fraction", Question{QuestionType: TypeRating}, `4.5`, nil, "from 1 to 5"},
		{"rating zero on a 0-10 scale", Question{QuestionType: TypeRating, MinValue: dec("0"), MaxValue: dec("10")}, `0`, 0, ""},
		{"rating ten on a 0-10 scale", Question{QuestionType: TypeRating, MinValue: dec("0"), MaxValue: dec("10")}, `"10"`, 10, ""},
		{"rating eleven on a 0-10 scale", Question{QuestionType: TypeRating, MinValue: dec("0"), MaxValue: dec("10")}, `11`, nil, "from 0 to 10"},
		{"rating six with only max 7", Question{QuestionType: TypeRating, MaxValue: dec("7")}, `6`, 6, ""},

		{"file pdf", pdfOnly, fileJSON("statute.pdf", pdfBytes), File{Name: "statute.pdf", MimeType: "application/pdf", Size: int64(len(pdfBytes)), Content: pdfBytes}, ""},
		{"file lying extension", pdfOnly, fileJSON("statute.pdf", pngData), nil, "image/png, which is not allowed"},
		{"file wildcard", images, fileJSON("logo.png", pngData), File{Name: "logo.png", MimeType: "image/png", Size: int64(len(pngData)), Content: pngData}, ""},
		{"file extension case-insensitive", images, fileJSON("LOGO.Png", pngData), File{Name: "LOGO.Png", MimeType: "image/png", Size: int64(len(pngData)), Content: pngData}, ""},
		{"file extension not allowed", images, fileJSON("logo.gif", pngData), nil, `extension ".gif" is not allowed`},
		{"file wildcard other type", images, fileJSON("logo.png", pdfBytes), nil, "application/pdf, which is not allowed"},
		{"file too large", small, fileJSON("big.bin", make([]byte, 1<<20+1)), nil, "at most 1 MB"},
		{"file exactly max", small, fileJSON("big.bin", bytes.Repeat([]byte{1}, 1<<20)), File{Name: "big.bin", MimeType: "application/octet-stream", Size: 1 << 20, Content: bytes.Repeat([]byte{1}, 1<<20)}, ""},
		{"file not base64", pdfOnly, `{"name": "a.pdf", "content": "%%%"}`, nil, "base64"},
		{"file empty", pdfOnly, fileJSON("a.pdf", nil), nil, "must not be empty"},
		{"file path", pdfOnly, fileJSON("../etc/a.pdf", pdfBytes), nil, "not a path"},
		{"file no name", pdfOnly, fileJSON("", pdfBytes), nil, "file name"},
		{"file not object", pdfOnly, `"a.pdf"`, nil, `must be {"name"`},

		{"files two", multi, "[" + fileJSON("a.pdf", pdfBytes) + "," + fileJSON("b.png", pngData) + "]", []File{
			{Name: "a.pdf", MimeType: "application/pdf", Size: int64(len(pdfBytes)), Content: pdfBytes},
			{Name: "b.png", MimeType: "image/png", Size: int64(len(pngData)), Content: pngData},
		}, ""},
		{"files too many", multi, "[" + strings.Repeat(fileJSON("a.pdf", pdfBytes)+",", 2) + fileJSON("a.pdf", pdfBytes) + "]", nil, "at most 2 files"},
		{"files one bad", multi, "[" + fileJSON("a.pdf", pdfBytes) + "," + fileJSON("b.txt", []byte("hello")) + "]", nil, "file 1: file content is text/plain"},
		{"files empty", multi, `[]`, nil, "at least one file"},
		{"files single object", multi, fileJSON("a.pdf", pdfBytes), nil, "must be a list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ValidateAnswer(tc.q, json.RawMessage(tc.data))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q (value %#v)", err, tc.wantErr, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

// The stored form of a file answer never carries the content.
func TestFileJSONOmitsContent(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(File{Name: "a.pdf", MimeType: "application/pdf", Size: 3, Content: []byte("abc")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"name":"a.pdf","mime_type":"application/pdf","size":3}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestMaxFileBytes(t *testing.T) {
	five, three := 5, 3
	for name, c := range map[string]struct {
		qs      []Question
		want    int64
		bounded bool
	}{
		"no files":         {[]Question{{QuestionType: TypeBoolean}}, 0, true},
		"one file":         {[]Question{{QuestionType: TypeFile, MaxFileSizeMB: &five}}, 5<<20 + fileEnvelope, true},
		"files and a file": {[]Question{{QuestionType: TypeFile, MaxFileSizeMB: &five}, {QuestionType: TypeMultipleFiles, MaxFileSizeMB: &five, MaxFilesCount: &three}}, 4 * (5<<20 + fileEnvelope), true},
		"no size":          {[]Question{{QuestionType: TypeFile}}, 0, false},
		"no count":         {[]Question{{QuestionType: TypeMultipleFiles, MaxFileSizeMB: &five}}, 0, false},
	} {
		if got, bounded := MaxFileBytes(c.qs); got != c.want || bounded != c.bounded {
			t.Errorf("%s: %d %v, want %d %v", name, got, bounded, c.want, c.bounded)
		}
	}
}

// A file's extension must not claim a type its content is not.
func TestCheckFileExtensionAgreesWithContent(t *testing.T) {
	pdf := []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde")
	jpeg := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	for _, c := range []struct {
		name    string
		content []byte
		ok      bool
	}{
		{"scan.png", pdf, false},
		{"scan.pdf", png, false},
		{"photo.png", jpeg, false},
		{"scan.pdf", pdf, true},
		{"SCAN.PDF", pdf, true},
		{"photo.jpeg", jpeg, true},
		{"photo.jpg", jpeg, true},
		{"notes.txt", []byte("plain words"), true},
		{"data.unknownext", pdf, true}, // names no type: nothing to disagree with
	} {
		_, err := CheckFile(FileRules{}, c.name, c.content)
		if (err == nil) != c.ok || (err != nil && !strings.Contains(err.Error(), "does not match")) {
			t.Errorf("%s: %v, want ok=%v", c.name, err, c.ok)
		}
	}
}
