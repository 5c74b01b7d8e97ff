package event

import (
	"reflect"
)

// Schema is the JSON Schema (draft 2020-12) of Snapshot(v) for values of v's type: what an event's
// data holds when it is a snapshot of such a value. It follows Snapshot's rules: snake_case keys,
// fields tagged `event:"-"` left out, times as RFC 3339 strings (null when zero), nil slices as [].
// A type that encodes itself (json.Marshaler) is described as any JSON value.
func Schema(v any) map[string]any {
	t := reflect.TypeOf(v)
	if t == nil {
		return map[string]any{}
	}
	return schemaOf(t, map[reflect.Type]bool{})
}

func nullable(s map[string]any) map[string]any {
	switch typ := s["type"].(type) {
	case string:
		s["type"] = []any{typ, "null"}
	case nil:
		// any value already admits null
	}
	return s
}

func schemaOf(t reflect.Type, seen map[reflect.Type]bool) map[string]any {
	if t.Kind() == reflect.Pointer {
		return nullable(schemaOf(t.Elem(), seen))
	}
	if t == timeType {
		return map[string]any{"type": []any{"string", "null"}, "format": "date-time"}
	}
	if t.Implements(marshalerType) || t.Kind() == reflect.Interface {
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Struct:
		if seen[t] {
			return map[string]any{"type": "object"}
		}
		seen[t] = true
		defer delete(seen, t)
		props := map[string]any{}
		var required []any
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("event") == "-" {
				continue
			}
			name := SnakeCase(f.Name)
			props[name] = schemaOf(f.Type, seen)
			required = append(required, name)
		}
		return map[string]any{"type": "object", "properties": props, "required": required}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), seen)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), seen)}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	}
	return map[string]any{}
}
