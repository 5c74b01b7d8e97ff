package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi3"
)

// The contract every operation shares is decided here, once, instead of in each annotation block:
// annotations say what is particular to an operation (its id, parameters, bodies, success responses);
// the error responses and the response headers follow from the rules below.

const (
	problemMedia = "application/problem+json"
	jsonMedia    = "application/json"
	apiPrefix    = "/api/v1/"
	maxPageLimit = 200 // domain.MaxPageLimit
)

// problem is one error status every operation may answer, as a shared response.
type problem struct {
	name, description string
	headers           []string // beyond X-Request-ID
}

var problems = map[int]problem{
	http.StatusBadRequest:            {"BadRequest", "Malformed request: invalid JSON, an unknown field or query parameter, a value of the wrong type.", nil},
	http.StatusUnauthorized:          {"Unauthenticated", "No credential, or an unknown, revoked or expired one.", []string{"WWW-Authenticate"}},
	http.StatusForbidden:             {"Forbidden", "The credential's role lacks the permission.", nil},
	http.StatusNotFound:              {"NotFound", "No such resource, or one a supplier credential may not see.", nil},
	http.StatusConflict:              {"Conflict", "The request conflicts with the resource's current state.", nil},
	http.StatusPreconditionFailed:    {"PreconditionFailed", "If-Match names a version that is no longer current.", nil},
	http.StatusRequestEntityTooLarge: {"TooLarge", "The body is larger than the route's limit.", nil},
	http.StatusUnsupportedMediaType:  {"UnsupportedMediaType", "The body's media type is not one the operation reads.", nil},
	http.StatusUnprocessableEntity:   {"ValidationFailed", "A value breaks a rule; errors[] names each field.", nil},
	http.StatusTooManyRequests:       {"RateLimited", "The credential's rate limit or in-flight cap is reached; retry after Retry-After seconds.", []string{"Retry-After"}},
	http.StatusInternalServerError:   {"InternalError", "Internal error; the problem carries the request id to quote.", nil},
	http.StatusServiceUnavailable:    {"Unavailable", "The database did not answer in time; retry after Retry-After seconds.", []string{"Retry-After"}},
}

// headers are the response headers the contract declares.
var headers = map[string]openapi2.Header{
	"X-Request-ID":        hdr("The request's id (the client's X-Request-ID when well-formed, else a new one); every log line of the request carries it."),
	"ETag":                hdr("The resource's version as a strong entity tag, for If-Match."),
	"Location":            hdr("The URL of the created resource."),
	"Retry-After":         {Parameter: openapi2.Parameter{Type: &openapi3.Types{openapi3.TypeInteger}, Description: "Seconds to wait before retrying."}},
	"Idempotent-Replayed": hdr(`"true" when this is the stored answer to an earlier request with the same Idempotency-Key.`),
	"WWW-Authenticate":    hdr("The Bearer challenge."),
}

func hdr(description string) openapi2.Header {
	return openapi2.Header{Parameter: openapi2.Parameter{Type: &openapi3.Types{openapi3.TypeString}, Description: description}}
}

func header(name string) *openapi2.Header {
	h := headers[name]
	return &h
}

// errorStatuses lists the error statuses of one operation: the statuses any authenticated route can
// answer, a state conflict on writes, 412 where If-Match is read, 413 and 415 where a body is read.
func errorStatuses(path, method string, op *openapi2.Operation) []int {
	if !strings.HasPrefix(path, apiPrefix) { // /healthz, /readyz: no credential, no rate limit
		return []int{http.StatusInternalServerError, http.StatusServiceUnavailable}
	}
	out := []int{400, 401, 403, 404, 422, 429, 500, 503}
	if method != http.MethodGet {
		out = append(out, http.StatusConflict)
	}
	if hasParam(op, "header", "If-Match") {
		out = append(out, http.StatusPreconditionFailed)
	}
	if hasParam(op, "body", "") || hasParam(op, "formData", "") {
		out = append(out, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	slices.Sort(out)
	return out
}

func hasParam(op *openapi2.Operation, in, name string) bool {
	for _, p := range op.Parameters {
		if p.In == in && (name == "" || strings.EqualFold(p.Name, name)) {
			return true
		}
	}
	return false
}

// applyContract adds the shared responses, the error responses of every operation, the response
// headers and the bounds of limit to swag's document, and checks every operation has an operationId.
func applyContract(doc *openapi2.T) error {
	if doc.Definitions["Problem"] == nil {
		return fmt.Errorf("swag's output has no Problem definition: some annotation must name it (readyz's 503 does)")
	}
	if doc.Responses == nil {
		doc.Responses = map[string]*openapi2.Response{}
	}
	for _, p := range problems {
		r := &openapi2.Response{
			Description: p.description,
			Schema:      &openapi2.SchemaRef{Ref: "#/definitions/Problem"},
			Headers:     map[string]*openapi2.Header{"X-Request-ID": header("X-Request-ID")},
		}
		for _, h := range p.headers {
			r.Headers[h] = header(h)
		}
		doc.Responses[p.name] = r
	}

	ids := map[string]string{}
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, path := range paths {
		for method, op := range doc.Paths[path].Operations() {
			where := method + " " + path
			if op.OperationID == "" {
				return fmt.Errorf("%s has no operationId: add @ID to its annotation", where)
			}
			if other, ok := ids[op.OperationID]; ok {
				return fmt.Errorf("operationId %s is used by %s and %s", op.OperationID, other, where)
			}
			ids[op.OperationID] = where
			if err := applyOperation(doc, path, method, op); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
	}
	return nil
}

func applyOperation(doc *openapi2.T, path, method string, op *openapi2.Operation) error {
	if !strings.HasPrefix(path, apiPrefix) {
		op.Security = &openapi2.SecurityRequirements{} // no credential needed
	} else if !slices.Contains(op.Produces, problemMedia) {
		op.Produces = append(op.Produces, problemMedia)
	}
	for _, p := range op.Parameters {
		if p.In == "query" && !p.Required {
			p.AllowEmptyValue = true // an empty optional parameter reads as absent
		}
		if p.In == "query" && p.Name == "limit" {
			lo, hi := 1.0, float64(maxPageLimit)
			p.Minimum, p.Maximum, p.Default = &lo, &hi, 50
		}
	}
	statuses := errorStatuses(path, method, op)
	// Successes: swag's, with the headers they carry.
	for code, r := range op.Responses.Map() {
		status, err := strconv.Atoi(code)
		if err != nil {
			op.Responses.Delete(code)
			continue
		}
		if status >= 400 {
			// Errors come from the contract, except an annotated body that extends Problem (it
			// carries members of its own, e.g. an import's report): that one stays, as the operation's.
			ext, err := problemExtension(doc, r.Schema)
			switch {
			case r.Ref != "": // a shared response, from an earlier run of the contract
				op.Responses.Delete(code)
			case err != nil:
				return fmt.Errorf("@Failure %s: %w", code, err)
			case !ext:
				op.Responses.Delete(code)
			case !slices.Contains(statuses, status):
				return fmt.Errorf("@Failure %s: not a status the contract gives this operation %v", code, statuses)
			default:
				r.Headers = map[string]*openapi2.Header{"X-Request-ID": header("X-Request-ID")}
				for _, h := range problems[status].headers {
					r.Headers[h] = header(h)
				}
			}
			continue
		}
		if r.Headers == nil {
			r.Headers = map[string]*openapi2.Header{}
		}
		r.Headers["X-Request-ID"] = header("X-Request-ID")
		if status == http.StatusCreated {
			r.Headers["Location"] = header("Location")
		}
		if versioned(doc, r.Schema) {
			r.Headers["ETag"] = header("ETag")
		}
		if hasParam(op, "header", "Idempotency-Key") {
			r.Headers["Idempotent-Replayed"] = header("Idempotent-Replayed")
		}
	}
	for _, status := range statuses {
		if op.Responses.Value(strconv.Itoa(status)) == nil {
			op.Responses.Set(strconv.Itoa(status), &openapi2.Response{Ref: "#/responses/" + problems[status].name})
		}
	}
	return nil
}

// problemExtension reports whether an annotated error body is a definition that extends Problem: it
// has every member of Problem, of the same schema, requires what Problem requires, and has members of
// its own. Problem itself is not an extension (the shared response declares it); a body that is
// neither is an error, since an error answer is always a problem.
func problemExtension(doc *openapi2.T, s *openapi2.SchemaRef) (bool, error) {
	const prefix = "#/definitions/"
	if s == nil || !strings.HasPrefix(s.Ref, prefix) {
		return false, fmt.Errorf("an error body must be Problem or a definition that extends it")
	}
	name := strings.TrimPrefix(s.Ref, prefix)
	if name == "Problem" {
		return false, nil
	}
	base, def := doc.Definitions["Problem"].Value, doc.Definitions[name]
	if def == nil || def.Value == nil {
		return false, fmt.Errorf("no definition %s", name)
	}
	for prop, ps := range base.Properties {
		got := def.Value.Properties[prop]
		if got == nil || !sameSchema(got, ps) {
			return false, fmt.Errorf("%s does not extend Problem: member %s is missing or differs", name, prop)
		}
	}
	for _, req := range base.Required {
		if !slices.Contains(def.Value.Required, req) {
			return false, fmt.Errorf("%s does not extend Problem: %s is not required", name, req)
		}
	}
	if len(def.Value.Properties) == len(base.Properties) {
		return false, fmt.Errorf("%s adds nothing to Problem: annotate Problem (or nothing)", name)
	}
	return true, nil
}

func sameSchema(a, b *openapi2.SchemaRef) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(x) == string(y)
}

// versioned reports whether a response body is a versioned resource (a definition with a version).
func versioned(doc *openapi2.T, s *openapi2.SchemaRef) bool {
	if s == nil || !strings.HasPrefix(s.Ref, "#/definitions/") {
		return false
	}
	def := doc.Definitions[strings.TrimPrefix(s.Ref, "#/definitions/")]
	if def == nil || def.Value == nil {
		return false
	}
	_, ok := def.Value.Properties["version"]
	return ok
}

// refineV3 says in OpenAPI 3 what Swagger 2.0 cannot: errors are problem+json and successes are not,
// which headers are always sent.
func refineV3(doc *openapi3.T) error {
	for _, r := range doc.Components.Responses {
		refineResponse(r.Value, true)
		if h := r.Value.Headers["Retry-After"]; h != nil {
			h.Value.Required = true
		}
	}
	// The template import takes a JSON document or a workbook upload; swag cannot declare a body beside
	// a form. Set before refineSchemas, which makes request bodies strict.
	if item := doc.Paths.Value("/api/v1/questionnaire-templates/import"); item != nil && item.Post != nil && item.Post.RequestBody != nil {
		ref := doc.Components.Schemas["TemplateDocument"]
		if ref == nil {
			return fmt.Errorf("no schema TemplateDocument for the template import")
		}
		item.Post.RequestBody.Value.Content[jsonMedia] = openapi3.NewMediaType().WithSchemaRef(
			openapi3.NewSchemaRef("#/components/schemas/TemplateDocument", ref.Value))
	}
	if err := refineSchemas(doc); err != nil {
		return err
	}
	if err := namedEnums(doc); err != nil {
		return err
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code, r := range op.Responses.Map() {
				if r.Ref != "" {
					continue
				}
				status, _ := strconv.Atoi(code)
				refineResponse(r.Value, status >= 400)
				if status == http.StatusCreated {
					r.Value.Headers["Location"].Value.Required = true
				}
				if h := r.Value.Headers["ETag"]; h != nil {
					h.Value.Required = true
				}
			}
			if op.RequestBody != nil {
				delete(op.RequestBody.Extensions, "x-originalParamName")
			}
			for _, p := range op.Parameters {
				// The conversion leaves allowEmptyValue in the schema; it belongs to the parameter.
				if s := p.Value.Schema; s != nil && s.Value != nil && s.Value.AllowEmptyValue {
					s.Value.AllowEmptyValue, p.Value.AllowEmptyValue = false, true
				}
			}
			if err := refineBody(path, method, op); err != nil {
				return fmt.Errorf("%s %s: %w", method, path, err)
			}
		}
	}
	return nil
}

func refineResponse(r *openapi3.Response, isError bool) {
	for media := range r.Content {
		if (media == problemMedia) != isError {
			delete(r.Content, media)
		}
	}
	for media, mt := range r.Content {
		// A success that is not JSON (a workbook, a file) is bytes, whatever the JSON variant's schema.
		if !isError && !strings.Contains(media, "json") && mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Value.Format != "binary" {
			r.Content[media] = openapi3.NewMediaType().WithSchema(openapi3.NewStringSchema().WithFormat("binary"))
		}
	}
	if isError && r.Content[problemMedia] == nil {
		r.Content[problemMedia] = openapi3.NewMediaType().WithSchemaRef(openapi3.NewSchemaRef("#/components/schemas/Problem", nil))
	}
	if h := r.Headers["X-Request-ID"]; h != nil {
		h.Value.Required = true
	}
}

// nullable lists properties the server sends as null, with what null means.
var nullable = map[string]map[string]string{
	"AuditEventResponse": {
		"input":  "What the write received, as a JSON object (secrets redacted); null when it had no body.",
		"result": "What the write answered, as a JSON object; null when it answered no body.",
	},
	"TemplateDocumentQuestion": {"condition": "null: the question is always shown."},
	"TierOverrideRequest":      {"tier": "The tier (1-4) to set; null removes the override."},
}

// oscalCatalog is the JSON body of POST /frameworks/import: an OSCAL 1.x catalog document. The
// server reads it as a stream and reports problems with their JSON path; the spec names its shape.
func oscalCatalog() *openapi3.SchemaRef {
	catalog := openapi3.NewObjectSchema().
		WithProperty("uuid", openapi3.NewUUIDSchema()).
		WithProperty("metadata", openapi3.NewObjectSchema().WithProperty("title", openapi3.NewStringSchema())).
		WithProperty("groups", openapi3.NewArraySchema().WithItems(openapi3.NewObjectSchema())).
		WithProperty("controls", openapi3.NewArraySchema().WithItems(openapi3.NewObjectSchema()))
	catalog.Required = []string{"uuid", "metadata"}
	doc := openapi3.NewObjectSchema().WithProperty("catalog", catalog)
	doc.Required = []string{"catalog"}
	doc.Description = "An OSCAL 1.x catalog document (https://pages.nist.gov/OSCAL/reference/latest/catalog/json-reference/)."
	return doc.NewRef()
}

// refineBody fixes request bodies the conversion cannot express.
func refineBody(path, method string, op *openapi3.Operation) error {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	body := op.RequestBody.Value
	if method == http.MethodPatch && body.Content[jsonMedia] != nil {
		// A PATCH body is a JSON merge patch (RFC 7396): omitted members stay.
		body.Content["application/merge-patch+json"] = body.Content[jsonMedia]
	}
	if path == "/api/v1/frameworks/import" && method == http.MethodPost {
		// The multipart form leaks into the JSON media type in the conversion.
		js := openapi3.NewMediaType().WithSchemaRef(oscalCatalog())
		body.Content[jsonMedia] = js
		body.Content["application/oscal.catalog+json"] = js
	}
	return nil
}

// refineSchemas marks the nullable properties, and makes the schemas of request bodies strict: the
// server refuses unknown fields (400), and reads null as an empty list.
func refineSchemas(doc *openapi3.T) error {
	for name, props := range nullable {
		s := doc.Components.Schemas[name]
		if s == nil {
			return fmt.Errorf("nullable: no schema %s", name)
		}
		for prop, desc := range props {
			p := s.Value.Properties[prop]
			if p == nil {
				return fmt.Errorf("nullable: no property %s.%s", name, prop)
			}
			if p.Ref != "" { // a sibling of $ref is ignored: wrap it
				p = &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeObject}, AllOf: openapi3.SchemaRefs{p}}}
				s.Value.Properties[prop] = p
			}
			p.Value.Nullable = true
			p.Value.Description = desc
		}
	}
	seen := map[*openapi3.Schema]bool{}
	var strict func(r *openapi3.SchemaRef)
	strict = func(r *openapi3.SchemaRef) {
		if r == nil || r.Value == nil || seen[r.Value] {
			return
		}
		s := r.Value
		seen[s] = true
		if s.Type.Is(openapi3.TypeObject) && len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			no := false
			s.AdditionalProperties.Has = &no
		}
		for name, p := range s.Properties {
			if p.Value != nil && p.Value.Type.Is(openapi3.TypeArray) && !slices.Contains(s.Required, name) {
				if p.Ref != "" {
					continue
				}
				p.Value.Nullable = true
			}
			strict(p)
		}
		strict(s.Items)
		for _, a := range s.AllOf {
			strict(a)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			for media, mt := range op.RequestBody.Value.Content {
				if media == jsonMedia {
					strict(mt.Schema)
				}
			}
		}
	}
	return nil
}

// enumNames names the value sets that more than one property or parameter uses, so that generated
// clients have one type per set (keyed by the sorted values). A new shared set must be named here.
var enumNames = map[string]string{
	"critical,high,low,medium":                                                   "Severity",
	"accidental,external,internal_error,internal_malicious":                      "ThreatCategory",
	"cloud_provider,contractor,other":                                            "VendorKind",
	"active,assessing,decided,ended,intake":                                      "EngagementStatus",
	"active,offboarding,proposed,suspended,terminated":                           "VendorStatus",
	"admin,auditor,procurement,risk_owner,supplier":                              "Role",
	"core,core+extended":                                                         "AssessmentDepth",
	"core,extended":                                                              "QuestionDepth",
	"notify,prior_approval,prohibited,unrestricted":                              "SubcontractingLevel",
	"corrective,preventive":                                                      "RemediationType",
	"accepted,needs_clarification":                                               "AnswerReviewFlag",
	"contract_clause,remediation":                                                "ConditionKind",
	"data_transfer,none,onsite_physical,privileged_admin,remote_logical":         "AccessType",
	"easy,hard,moderate":                                                         "Substitutability",
	"approved,needs_review,pending,rejected":                                     "DecisionStatus",
	"due_soon,never_assessed,not_required,ok,overdue":                            "ReviewStatus",
	"always,none,when_answer":                                                    "EvidenceMode",
	"internal,supplier":                                                          "RemediationOwner",
	"active,expired,pending,revoked,stale":                                       "RiskAcceptanceStatus",
	"archived,draft,published":                                                   "TemplateStatus",
	"closed,in_progress,open,remediation_planned,resolved,risk_accepted":         "FindingStatus",
	"cancelled,completed,draft,in_progress,returned,sent,submitted,under_review": "AssessmentStatus",
	"cancelled,completed,in_progress,returned,sent,submitted,under_review":       "SupplierAssessmentStatus",
	"date,evidence,multi_choice,number,single_choice,text,yes_no,yes_no_na":      "QuestionType",
	"-created_at,-name,created_at,name":                                          "VendorSort",
	"-created_at,-name,-risk_score,created_at,name,risk_score":                   "EngagementSort",
	"created_at,priority":                                                        "FindingSort",
	"csv,xlsx":                                                                   "SheetFormat",
	"csa_star,ismap,iso_27001,iso_27017,iso_27018,other,privacymark,soc2_type2":  "CertificationScheme",
	"consulting,iaas,onsite_maintenance,operations_outsourcing,other,paas,saas,outsourced_development": "ServiceType",
	"all_or_nothing,valid_rows": "ImportMode",
	"shift_jis,utf-8":           "Charset",
	"en,ja":                     "HeaderLanguage",
	"closed,deviation-approved,deviation-requested,investigating,open,remediating": "OSCALRiskStatus",
	"breach_notification,business_continuity,confidentiality,data_location,data_protection,exit_assistance,liability,return_and_deletion,right_to_audit,security_requirements,staff_security,subcontracting": "ClauseType",
}

// namedEnums replaces inline string enums whose value set is shared by a $ref to one named schema.
func namedEnums(doc *openapi3.T) error {
	type use struct {
		set    func(*openapi3.SchemaRef)
		values []any
	}
	uses := map[string][]use{}
	var walk func(r *openapi3.SchemaRef, set func(*openapi3.SchemaRef))
	walk = func(r *openapi3.SchemaRef, set func(*openapi3.SchemaRef)) {
		if r == nil || r.Ref != "" || r.Value == nil {
			return
		}
		s := r.Value
		if len(s.Enum) > 0 && s.Type.Is(openapi3.TypeString) {
			vals := make([]string, len(s.Enum))
			for i, v := range s.Enum {
				vals[i] = fmt.Sprint(v)
			}
			slices.Sort(vals)
			key := strings.Join(vals, ",")
			uses[key] = append(uses[key], use{set: set, values: s.Enum})
			return
		}
		for _, name := range sortedKeys(s.Properties) {
			walk(s.Properties[name], func(n *openapi3.SchemaRef) { s.Properties[name] = n })
		}
		walk(s.Items, func(n *openapi3.SchemaRef) { s.Items = n })
	}
	for _, name := range sortedKeys(doc.Components.Schemas) {
		s := doc.Components.Schemas[name].Value
		for _, pname := range sortedKeys(s.Properties) {
			walk(s.Properties[pname], func(n *openapi3.SchemaRef) { s.Properties[pname] = n })
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			for _, p := range op.Parameters {
				if p.Value != nil {
					pv := p.Value
					walk(pv.Schema, func(n *openapi3.SchemaRef) { pv.Schema = n })
				}
			}
		}
	}
	names := map[string]string{}
	for k, name := range enumNames {
		vals := strings.Split(k, ",")
		slices.Sort(vals)
		names[strings.Join(vals, ",")] = name
	}
	for key, us := range uses {
		if len(us) < 2 {
			continue
		}
		name, ok := names[key]
		if !ok {
			return fmt.Errorf("the enum {%s} is used %d times: name it in enumNames", key, len(us))
		}
		if doc.Components.Schemas[name] != nil {
			return fmt.Errorf("enum name %s is already a schema", name)
		}
		named := openapi3.NewStringSchema().WithEnum(us[0].values...)
		doc.Components.Schemas[name] = named.NewRef()
		for _, u := range us {
			u.set(openapi3.NewSchemaRef("#/components/schemas/"+name, named))
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
