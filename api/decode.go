package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"

	"github.com/vendorrisk/vendorrisk/domain"
)

// newValidator reports fields by their JSON names.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	// datetime as validator's own, and within the years both databases store (domain.DateInRange).
	// RegisterValidation fails only on an empty tag name or a nil function.
	_ = v.RegisterValidation("datetime", func(fl validator.FieldLevel) bool {
		t, err := time.Parse(fl.Param(), fl.Field().String())
		return err == nil && domain.DateInRange(t)
	})
	return v
}

// decodeJSON reads one JSON object into dst, rejecting unknown fields and trailing data, then checks
// dst's validate tags. It answers 415, 413, 400 or 422 with the offending field.
func (s *Server) decodeJSON(c *gin.Context, dst any) error {
	if err := requireJSON(c.Request); err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request.Body) // bounded by limitBody
	if err != nil {
		return decodeError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return withPaths(decodeError(err), body, reflect.TypeOf(dst))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("the body must hold exactly one JSON value")
	}
	return s.validate(dst)
}

// withPaths replaces the field of a type or unknown-field error with exact, indexed JSON paths.
func withPaths(err error, body []byte, t reflect.Type) error {
	var he *httpError
	if !errors.As(err, &he) || len(he.fields) == 0 {
		return err
	}
	if fields := shapeErrors(body, t); len(fields) > 0 {
		he.fields = fields
	}
	return he
}

func requireJSON(r *http.Request) error {
	if !isJSONMediaType(r.Header.Get("Content-Type")) {
		return &httpError{status: http.StatusUnsupportedMediaType, slug: "unsupported-media-type",
			title: "Unsupported media type", detail: "send the body as application/json (UTF-8)"}
	}
	return nil
}

// jsonMediaTypes are the JSON media types a body may be sent as: plain JSON, the JSON merge patch of
// RFC 7396 and the OSCAL catalog type. Any other +json type is refused: it promises semantics this
// API does not implement.
var jsonMediaTypes = []string{"application/json", "application/merge-patch+json", "application/oscal.catalog+json"}

// isJSONMediaType reports whether a Content-Type is one of jsonMediaTypes with no charset or UTF-8
// (RFC 8259: JSON exchanged between systems is UTF-8).
func isJSONMediaType(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || !slices.Contains(jsonMediaTypes, mt) {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

func decodeError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return &httpError{status: http.StatusRequestEntityTooLarge, slug: "too-large", title: "Request body too large",
			detail: fmt.Sprintf("the body must be at most %d bytes", mbe.Limit)}
	case errors.Is(err, io.EOF):
		return badRequest("the body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("the body ends in the middle of a JSON value")
	case errors.As(err, &syn):
		return badRequest(fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return badRequest("a field has the wrong JSON type",
			domain.Fieldf(field, "must be a JSON %s", jsonKind(typ.Type)))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest("the body has a field this endpoint does not know", domain.FieldError{Field: name, Message: "is not a known field"})
	}
	return badRequest("the body is not valid JSON")
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return "value of another type"
}

// validate turns validator errors into one 422 naming every field by its JSON path.
func (s *Server) validate(dst any) error {
	err := s.valid.Struct(dst)
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return err
	}
	var v domain.Validator
	for _, fe := range ves {
		_, path, _ := strings.Cut(fe.Namespace(), ".") // drop the struct name
		v.AddField(ruleMessage(path, fe))
	}
	return v.Err()
}

// ruleMessage words a broken validator rule for the field at path (format and arguments, so that the
// problem can be put into the request's language).
func ruleMessage(path string, fe validator.FieldError) domain.FieldError {
	unit := ""
	if fe.Kind() == reflect.String {
		unit = " characters"
	} else if fe.Kind() == reflect.Slice {
		unit = " entries"
	}
	n, _ := strconv.Atoi(fe.Param())
	f := func(format string, args ...any) domain.FieldError { return domain.Fieldf(path, format, args...) }
	switch fe.Tag() {
	case "required":
		return f("is required")
	case "oneof":
		return f("must be one of %s", strings.ReplaceAll(fe.Param(), " ", ", "))
	case "max":
		return f("must be at most %d"+unit, n)
	case "min":
		return f("must be at least %d"+unit, n)
	case "len":
		return f("must be exactly %d"+unit, n)
	case "email":
		return f("must be an e-mail address")
	case "url", "http_url":
		return f("must be an absolute URL")
	case "numeric":
		return f("must contain digits only")
	case "uuid":
		return f("must be an id returned by this API")
	case "datetime":
		if raw, ok := fieldString(fe.Value()); ok {
			if _, err := time.Parse(fe.Param(), raw); err == nil {
				return domain.FieldError{Field: path, Message: domain.DateRangeMessage}
			}
		}
		if fe.Param() == "2006-01-02" {
			return f("must be a date as YYYY-MM-DD")
		}
		return f("must be a time in RFC 3339 format")
	}
	return f("breaks the rule %s", fe.Tag())
}

// fieldString returns a string field's value, through a pointer if need be.
func fieldString(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case *string:
		if s != nil {
			return *s, true
		}
	}
	return "", false
}

// decodeUploadError maps a multipart failure: too large is 413, a missing file field is 422.
func decodeUploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return decodeError(err)
	}
	if errors.Is(err, http.ErrMissingFile) {
		return domain.Invalid("file", "is required: send the file as the multipart field named file")
	}
	return badRequest("the multipart body cannot be read")
}

// Query parameter helpers: shape errors in the query are 422 with the parameter's name.

// queryIntRanges bounds integer query parameters that are given: absent is 0 (the default, or no
// filter), so a given 0 must not silently read as absent.
var queryIntRanges = map[string]struct {
	min, max int
	message  string
}{
	"limit": {1, domain.MaxPageLimit, "must be between 1 and " + strconv.Itoa(domain.MaxPageLimit)},
	"tier":  {1, 4, "must be 1, 2, 3 or 4"},
}

// queryInt reads an optional integer query parameter: absent or empty is 0; a given value must be an integer
// within the parameter's range (queryIntRanges).
func queryInt(c *gin.Context, name string) (int, error) {
	raw := c.Query(name)
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, domain.Invalid(name, "must be an integer")
	}
	if r, ok := queryIntRanges[name]; ok && (n < r.min || n > r.max) {
		return 0, domain.Invalid(name, r.message)
	}
	return n, nil
}

// onlyQuery refuses (400) a query parameter the endpoint does not know, so that a misspelt or
// unsupported filter is never silently ignored.
func onlyQuery(c *gin.Context, known ...string) error {
	var unknown []domain.FieldError
	for name := range c.Request.URL.Query() {
		if !slices.Contains(known, name) {
			unknown = append(unknown, domain.FieldError{Field: name, Message: "is not a query parameter of this list (known: " +
				strings.Join(known, ", ") + ")"})
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.SortFunc(unknown, func(a, b domain.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return badRequest("the query has a parameter this list does not know", unknown...)
}

// queryBool reads an optional true/false query parameter (absent is false).
func queryBool(c *gin.Context, name string) (bool, error) {
	switch c.Query(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, invalidQuery(name, "must be true or false")
}
