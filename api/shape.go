package api

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vendorrisk/vendorrisk/domain"
)

// shapeErrors compares a JSON document with the Go type it must decode into and names every unknown
// field and every value of the wrong JSON type by its full path (registration_ids[1].scheme).
// encoding/json stops at the first problem and reports paths without array indices; this walk runs
// only after such a failure, to give the client exact paths for all of them.
func shapeErrors(body []byte, t reflect.Type) []domain.FieldError {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil
	}
	var out []domain.FieldError
	walkShape(doc, t, "", &out)
	return out
}

var timeType = reflect.TypeOf(time.Time{})

func walkShape(v any, t reflect.Type, path string, out *[]domain.FieldError) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return // null leaves the Go zero value
	}
	wrong := func(kind string) {
		*out = append(*out, domain.FieldError{Field: orBody(path), Message: "must be a JSON " + kind})
	}
	switch {
	case t == timeType:
		if _, ok := v.(string); !ok {
			wrong("string")
		}
	case t.Kind() == reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			wrong("object")
			return
		}
		fields := jsonFields(t)
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			ft, known := fields[k]
			if !known {
				*out = append(*out, domain.FieldError{Field: join(path, k), Message: "is not a known field"})
				continue
			}
			walkShape(obj[k], ft, join(path, k), out)
		}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			wrong("array")
			return
		}
		for i, e := range arr {
			walkShape(e, t.Elem(), path+"["+strconv.Itoa(i)+"]", out)
		}
	case t.Kind() == reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			wrong("object")
			return
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			walkShape(obj[k], t.Elem(), join(path, k), out)
		}
	case t.Kind() == reflect.String:
		if _, ok := v.(string); !ok {
			wrong("string")
		}
	case t.Kind() == reflect.Bool:
		if _, ok := v.(bool); !ok {
			wrong("boolean")
		}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			wrong("number")
			return
		}
		if t.Kind() <= reflect.Uint64 {
			if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
				wrong("integer")
			}
		}
	}
}

// jsonFields maps the JSON names of a struct's fields, including promoted ones, to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orBody(path string) string {
	if path == "" {
		return "body"
	}
	return path
}
