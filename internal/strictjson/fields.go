package strictjson

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
)

// Fields returns a known function for Check that accepts exactly the JSON
// field names of v's type (a struct or a pointer to one), at every level:
// nested structs by their field names, slice and array elements as "[]",
// and any key of a map. Below a type that decodes itself (json.Unmarshaler
// or encoding.TextUnmarshaler, other than those listed in walk) every key
// is accepted: that type checks its own input. walk names types with an
// UnmarshalJSON method that still decode their fields exactly as tagged
// (harness.Config), so that their fields are checked too.
func Fields(v any, walk ...any) func(path, key string) bool {
	root := reflect.TypeOf(v)
	through := map[reflect.Type]bool{}
	for _, w := range walk {
		through[deref(reflect.TypeOf(w))] = true
	}
	return func(path, key string) bool {
		t := deref(root)
		for _, seg := range splitPath(path) {
			var ok bool
			if t, ok = step(t, seg, through); !ok {
				return false
			}
			if t == nil {
				return true // inside a self-decoding type or a map value of any
			}
		}
		switch {
		case t.Kind() == reflect.Map:
			return true
		case t.Kind() != reflect.Struct, selfDecoding(t) && !through[t]:
			return true
		}
		_, ok := field(t, key)
		return ok
	}
}

// splitPath splits "a.b[].c" into "a", "b", "[]", "c".
func splitPath(path string) []string {
	var out []string
	for _, p := range strings.Split(path, ".") {
		name := strings.TrimRight(p, "[]")
		if name != "" {
			out = append(out, name)
		}
		for range (len(p) - len(name)) / 2 {
			out = append(out, "[]")
		}
	}
	return out
}

// step descends from t by one path segment; nil means anything goes below.
func step(t reflect.Type, seg string, through map[reflect.Type]bool) (reflect.Type, bool) {
	if selfDecoding(t) && !through[t] {
		return nil, true
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if seg != "[]" {
			return nil, false
		}
		return deref(t.Elem()), true
	case reflect.Map:
		if seg == "[]" {
			return nil, false
		}
		return deref(t.Elem()), true
	case reflect.Struct:
		f, ok := field(t, seg)
		if !ok {
			return nil, false
		}
		return deref(f.Type), true
	case reflect.Interface:
		return nil, true
	}
	return nil, false
}

// field finds t's field whose JSON name is exactly name, embedded
// structs included.
func field(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		n, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && n == "" && deref(f.Type).Kind() == reflect.Struct {
			if g, ok := field(deref(f.Type), name); ok {
				return g, true
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if n == "" {
			n = f.Name
		}
		if n == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

var (
	unmarshalerType     = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
	textUnmarshalerType = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

func selfDecoding(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(unmarshalerType) || p.Implements(textUnmarshalerType)
}
