package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/onboarding-kyb/onboarding"
	"github.com/onboarding-kyb/onboarding/server"
)

// loadSpec is openapi.yaml as kin-openapi reads it.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(onboarding.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// walkSchemas calls fn on every schema reachable from root, once each,
// with a path naming where it was found.
func walkSchemas(root *openapi3.SchemaRef, path string, seen map[*openapi3.Schema]bool, fn func(path string, ref *openapi3.SchemaRef)) {
	if root == nil || root.Value == nil || seen[root.Value] {
		return
	}
	seen[root.Value] = true
	if root.Ref != "" {
		path = root.Ref
	}
	fn(path, root)
	s := root.Value
	for name, p := range s.Properties {
		walkSchemas(p, path+"/properties/"+name, seen, fn)
	}
	walkSchemas(s.Items, path+"/items", seen, fn)
	if s.AdditionalProperties.Schema != nil {
		walkSchemas(s.AdditionalProperties.Schema, path+"/additionalProperties", seen, fn)
	}
	for kw, list := range map[string]openapi3.SchemaRefs{"allOf": s.AllOf, "anyOf": s.AnyOf, "oneOf": s.OneOf} {
		for i, x := range list {
			walkSchemas(x, fmt.Sprintf("%s/%s/%d", path, kw, i), seen, fn)
		}
	}
	walkSchemas(s.Not, path+"/not", seen, fn)
}

// Item 1 of issue 9: strict OAS 3.0 validators (ajv and its kin) admit null
// only where `nullable: true` sits beside a `type` in the same schema, and
// an enum admits null only when it lists null. A $ref or allOf beside
// nullable is ignored by them.
func TestSpecNullableIsStrictOAS30(t *testing.T) {
	doc := loadSpec(t)
	seen := map[*openapi3.Schema]bool{}
	var problems []string
	check := func(path string, ref *openapi3.SchemaRef) {
		s := ref.Value
		if !s.Nullable {
			return
		}
		switch {
		case s.Type == nil || len(s.Type.Slice()) == 0:
			problems = append(problems, path+": nullable without a type")
		case len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) > 0:
			problems = append(problems, path+": nullable beside allOf/anyOf/oneOf")
		case len(s.Enum) > 0 && !slices.Contains(s.Enum, any(nil)):
			problems = append(problems, path+": nullable enum without null among its values")
		}
	}
	for name, s := range doc.Components.Schemas {
		walkSchemas(s, "#/components/schemas/"+name, seen, check)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				walkSchemas(p.Value.Schema, method+" "+path+" "+p.Value.Name, seen, check)
			}
		}
	}
	// The raw YAML too: kin-openapi drops the siblings of a $ref (nullable
	// among them) when it loads, and OAS 3.0 says they are ignored.
	var raw yaml.Node
	if err := yaml.Unmarshal(onboarding.OpenAPI, &raw); err != nil {
		t.Fatal(err)
	}
	var visit func(n *yaml.Node)
	visit = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i < len(n.Content); i += 2 {
				if n.Content[i].Value == "$ref" && len(n.Content) > 2 {
					problems = append(problems, fmt.Sprintf("openapi.yaml:%d: $ref with siblings, which OAS 3.0 ignores", n.Line))
				}
			}
		}
		for _, c := range n.Content {
			visit(c)
		}
	}
	visit(&raw)
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// exemptFreeForm are response objects that are free-form by design (the
// seed says `any`): their properties describe what may appear, not what
// always does.
var exemptFreeForm = map[string]string{
	"#/components/schemas/VerifiedCompanyData":      "{} until a register has answered",
	"#/components/schemas/PaymentProfileAttributes": "free-form attributes of a payment profile",
	"#/components/schemas/ValidationError":          "DRF's two forms: detail alone, or field lists without it",
}

// Item 2 of issue 9: every response object emits every declared field, so
// every declared property of every object a response can contain is
// required.
func TestSpecResponseFieldsAreRequired(t *testing.T) {
	doc := loadSpec(t)
	seen := map[*openapi3.Schema]bool{}
	var problems []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, res := range op.Responses.Map() {
				for _, mt := range res.Value.Content {
					walkSchemas(mt.Schema, fmt.Sprintf("%s %s %s", method, path, status), seen, func(where string, ref *openapi3.SchemaRef) {
						if _, ok := exemptFreeForm[where]; ok {
							return
						}
						for name := range ref.Value.Properties {
							if !slices.Contains(ref.Value.Required, name) {
								problems = append(problems, where+": "+name+" is not required")
							}
						}
					})
				}
			}
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// Item 2 of issue 9, end to end: a customer carries all its declared fields
// with DRF's empty values, and the spec's Customer declares them all.
func TestCustomerCarriesEveryField(t *testing.T) {
	t.Parallel()
	declared := loadSpec(t).Components.Schemas["Customer"].Value.Properties
	a := newAPI(t, sqliteStore(t), server.Config{})
	path := verified(t, a, a.aliceT)
	res := a.do(t, "POST", path+"create_customer/", a.aliceT, nil)
	wantStatus(t, res, http.StatusCreated)
	c := res.Object(t)
	if len(c) != len(declared) {
		t.Errorf("customer has %d fields, Customer declares %d", len(c), len(declared))
	}
	for name := range declared {
		if _, ok := c[name]; !ok {
			t.Errorf("customer lacks %s", name)
		}
	}
	for name, want := range map[string]any{"email": "", "slug": "", "native_name": "", "image": nil, "latitude": nil,
		"project_metadata_checklist": nil, "display_billing_info_in_projects": false, "homepage": "", "default_tax_percent": "0.00"} {
		if c[name] != want {
			t.Errorf("%s = %#v, want %#v", name, c[name], want)
		}
	}
	// Issue 9 item 7: checklist-template takes a checklist or a verification,
	// not a customer, and its description says so.
	wantStatus(t, a.do(t, "GET", base+"checklist-template/?parent_uuid="+c["uuid"].(string), a.aliceT, nil), http.StatusNotFound)
	op := loadSpec(t).Paths.Find("/api/onboarding-verifications/checklist-template/").Get
	if d := op.Parameters.GetByInAndName("query", "parent_uuid").Description; strings.Contains(d, "e.g., customer UUID") ||
		!strings.Contains(d, "checklist") || !strings.Contains(d, "verification") {
		t.Errorf("parent_uuid description %q", d)
	}
	if c["accounting_start_date"] != c["created"] {
		t.Errorf("accounting_start_date %v, want the creation time %v", c["accounting_start_date"], c["created"])
	}
}
