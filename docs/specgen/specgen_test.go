package main

import (
	"context"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
)

func loadPublished(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("docs/openapi.yaml is invalid: %v", err)
	}
	return doc
}

var camel = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// TestPublishedContract checks docs/openapi.yaml keeps the promises of the shared contract.
func TestPublishedContract(t *testing.T) {
	doc := loadPublished(t)
	ids := map[string]bool{}
	n := 0
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			n++
			where := method + " " + path
			if !camel.MatchString(op.OperationID) || ids[op.OperationID] {
				t.Errorf("%s: operationId %q is not a unique camelCase name", where, op.OperationID)
			}
			ids[op.OperationID] = true
			if !strings.HasPrefix(path, apiPrefix) {
				if op.Security == nil || len(*op.Security) != 0 {
					t.Errorf("%s: needs no credential but has no security: []", where)
				}
				continue
			}
			want := []int{400, 401, 403, 404, 422, 429, 500, 503}
			if method != http.MethodGet {
				want = append(want, 409)
			}
			if op.RequestBody != nil {
				want = append(want, 413, 415)
			}
			for _, p := range op.Parameters {
				if p.Value.In == "header" && p.Value.Name == "If-Match" {
					want = append(want, 412)
				}
			}
			for _, status := range want {
				r := op.Responses.Status(status)
				if r == nil || r.Value.Content[problemMedia] == nil || len(r.Value.Content) != 1 {
					t.Errorf("%s: %d is not declared as %s only", where, status, problemMedia)
					continue
				}
				if (status == 429 || status == 503) && (r.Value.Headers["Retry-After"] == nil || !r.Value.Headers["Retry-After"].Value.Required) {
					t.Errorf("%s: %d declares no Retry-After", where, status)
				}
			}
			for code, r := range op.Responses.Map() {
				if h := r.Value.Headers["X-Request-ID"]; h == nil || !h.Value.Required {
					t.Errorf("%s: %s declares no X-Request-ID", where, code)
				}
				if status, _ := strconv.Atoi(code); status == http.StatusCreated && r.Value.Headers["Location"] == nil {
					t.Errorf("%s: 201 declares no Location", where)
				}
			}
			for _, p := range op.Parameters {
				if p.Value.Name == "limit" {
					s := p.Value.Schema.Value
					if s.Min == nil || *s.Min != 1 || s.Max == nil || *s.Max != maxPageLimit {
						t.Errorf("%s: limit is not bounded 1..%d", where, maxPageLimit)
					}
				}
			}
		}
	}
	if n < 94 {
		t.Errorf("%d operations, want at least 94", n)
	}
	t.Logf("%d operations, each with a unique camelCase operationId", n)
}

// TestEveryOperationGenerates generates the Go client of every operation with oapi-codegen (the
// committed test/apiclient holds the workflow's operations only) and checks it parses and has a method
// per operation.
func TestEveryOperationGenerates(t *testing.T) {
	doc := loadPublished(t)
	src, err := codegen.Generate(doc, codegen.Configuration{
		PackageName: "full",
		Generate:    codegen.GenerateOptions{Models: true, Client: true},
	})
	if err != nil {
		t.Fatalf("oapi-codegen: %v", err)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "full.go", src, parser.SkipObjectResolution); err != nil {
		t.Fatalf("the generated client does not parse: %v", err)
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			name := strings.ToUpper(op.OperationID[:1]) + op.OperationID[1:]
			if !strings.Contains(src, name+"WithResponse(") && !strings.Contains(src, name+"WithBodyWithResponse(") {
				t.Errorf("the generated client has no %sWithResponse", name)
			}
		}
	}
}

// TestGenerateCurrent runs the generator on the committed Swagger 2.0 document: applying the contract
// again must change nothing (the contract is idempotent), and the OpenAPI 3 output must be the committed one.
func TestGenerateCurrent(t *testing.T) {
	in, err := os.ReadFile("../swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	files, err := Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"swagger.json", "openapi.yaml"} {
		committed, err := os.ReadFile("../" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(files[name], committed) {
			t.Errorf("regenerating docs/%s from docs/swagger.json changes it: the contract is not idempotent", name)
		}
	}
}

// TestProblemExtension: an annotated error body stays only when it extends Problem (every member of
// Problem, its required ones required, and members of its own); Problem itself gives way to the
// shared response, and anything else is refused.
func TestProblemExtension(t *testing.T) {
	str := &openapi2.SchemaRef{Value: &openapi2.Schema{Type: &openapi3.Types{openapi3.TypeString}}}
	num := &openapi2.SchemaRef{Value: &openapi2.Schema{Type: &openapi3.Types{openapi3.TypeInteger}}}
	def := func(required []string, props map[string]*openapi2.SchemaRef) *openapi2.SchemaRef {
		return &openapi2.SchemaRef{Value: &openapi2.Schema{Type: &openapi3.Types{openapi3.TypeObject}, Properties: props, Required: required}}
	}
	doc := &openapi2.T{Definitions: map[string]*openapi2.SchemaRef{
		"Problem":       def([]string{"title"}, map[string]*openapi2.SchemaRef{"title": str, "detail": str}),
		"WithReport":    def([]string{"title"}, map[string]*openapi2.SchemaRef{"title": str, "detail": str, "report": str}),
		"Lacks":         def([]string{"title"}, map[string]*openapi2.SchemaRef{"title": str, "report": str}),
		"Retyped":       def([]string{"title"}, map[string]*openapi2.SchemaRef{"title": num, "detail": str, "report": str}),
		"Optional":      def(nil, map[string]*openapi2.SchemaRef{"title": str, "detail": str, "report": str}),
		"SameAsProblem": def([]string{"title"}, map[string]*openapi2.SchemaRef{"title": str, "detail": str}),
	}}
	for _, tt := range []struct {
		ref     string
		want    bool
		wantErr bool
	}{
		{"#/definitions/WithReport", true, false},
		{"#/definitions/Problem", false, false},
		{"#/definitions/Lacks", false, true},
		{"#/definitions/Retyped", false, true},
		{"#/definitions/Optional", false, true},
		{"#/definitions/SameAsProblem", false, true},
		{"#/definitions/Missing", false, true},
		{"", false, true},
	} {
		got, err := problemExtension(doc, &openapi2.SchemaRef{Ref: tt.ref})
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%q: %v, %v; want %v, error %v", tt.ref, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestImportRefusalDeclared: the imports' 422 is declared with the refusal's own schema, the problem
// and the report of every row (what api.ImportRefusal sends), not the shared ValidationFailed.
func TestImportRefusalDeclared(t *testing.T) {
	doc := loadPublished(t)
	for _, path := range []string{"/api/v1/vendors/import", "/api/v1/engagements/import"} {
		r := doc.Paths.Value(path).Post.Responses.Status(http.StatusUnprocessableEntity)
		if r == nil || r.Ref != "" || r.Value.Content[problemMedia] == nil {
			t.Fatalf("%s: 422 is not declared inline as %s", path, problemMedia)
		}
		s := r.Value.Content[problemMedia].Schema
		if s.Ref != "#/components/schemas/ImportRefusal" {
			t.Fatalf("%s: 422 schema %q, want ImportRefusal", path, s.Ref)
		}
		report := s.Value.Properties["report"]
		if report == nil || len(report.Value.AllOf) != 1 || report.Value.AllOf[0].Ref != "#/components/schemas/ImportReport" {
			t.Errorf("%s: the 422's report is not an ImportReport", path)
		}
		for name := range doc.Components.Schemas["Problem"].Value.Properties {
			if s.Value.Properties[name] == nil {
				t.Errorf("%s: the 422 lacks the problem member %s", path, name)
			}
		}
	}
}
