package harness

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
)

// Config's JSON form is for people as much as programs: failure files and
// scenario files are read and edited by hand. So every time.Duration in it,
// at any depth (the Raft config's timeouts included), is a string such as
// "150ms", and decoding rejects unknown fields by their path
// ("raft.electionTimeoutMn"). Types with their own JSON or text form
// (ratios, distributions, plans) keep it. Decoding accepts a number of
// nanoseconds for a duration too.

var (
	durationType  = reflect.TypeOf(time.Duration(0))
	marshalerType = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	textType      = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
)

// ConfigError is a problem decoding a Config, at a path of JSON field
// names ("raft.electionTimeoutMin"; empty for the whole config).
type ConfigError struct {
	Path string
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.Path == "" {
		return "config: " + e.Msg
	}
	return e.Path + ": " + e.Msg
}

func configErr(path, format string, args ...any) error {
	return &ConfigError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// MarshalJSON writes c with durations as strings.
func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config // no methods: no recursion
	v, err := toJSONValue(reflect.ValueOf(plain(c)))
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads c, with durations as strings or nanoseconds. Fields
// left out keep their current value, so a scenario can override a base.
func (c *Config) UnmarshalJSON(b []byte) error {
	type plain Config
	p := plain(*c)
	if err := fromJSON(b, reflect.ValueOf(&p).Elem(), ""); err != nil {
		return err
	}
	*c = Config(p)
	return nil
}

// toJSONValue converts v to something encoding/json writes the way we want.
func toJSONValue(v reflect.Value) (any, error) {
	t := v.Type()
	switch {
	case t == durationType:
		return time.Duration(v.Int()).String(), nil
	case t.Kind() == reflect.Pointer:
		if v.IsNil() {
			return nil, nil
		}
		return toJSONValue(v.Elem())
	case t.Implements(marshalerType) || t.Implements(textType):
		return v.Interface(), nil
	case t.Kind() == reflect.Struct:
		out := map[string]any{} // encoding/json sorts the keys
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, omitEmpty, skip := jsonName(f)
			if skip || !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			if omitEmpty && fv.IsZero() {
				continue
			}
			x, err := toJSONValue(fv)
			if err != nil {
				return nil, err
			}
			out[name] = x
		}
		return out, nil
	}
	return v.Interface(), nil
}

// fromJSON decodes b into v; path names v in error messages.
func fromJSON(b []byte, v reflect.Value, path string) error {
	t := v.Type()
	switch {
	case t == durationType:
		return decodeDuration(b, v, path)
	case t.Kind() == reflect.Pointer:
		if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
			v.Set(reflect.Zero(t))
			return nil
		}
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return fromJSON(b, v.Elem(), path)
	case reflect.PointerTo(t).Implements(reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()),
		reflect.PointerTo(t).Implements(reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()),
		t.Kind() != reflect.Struct:
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v.Addr().Interface()); err != nil {
			return configErr(path, "%v", err)
		}
		return nil
	}
	return decodeStruct(b, v, path)
}

func decodeStruct(b []byte, v reflect.Value, path string) error {
	fields, err := objectFields(b)
	if err != nil {
		return configErr(path, "%v", err)
	}
	t := v.Type()
	known := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		if name, _, skip := jsonName(t.Field(i)); !skip && t.Field(i).IsExported() {
			known[name] = i
		}
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names) // the first error is the same every time
	for _, name := range names {
		i, ok := known[name]
		if !ok {
			return configErr(join(path, name), "unknown field")
		}
		if err := fromJSON(fields[name], v.Field(i), join(path, name)); err != nil {
			return err
		}
	}
	return nil
}

// objectFields splits a JSON object into its fields. Unlike decoding into
// a map, it refuses a repeated field instead of keeping the last; null is
// an object with no fields, as encoding/json has it.
func objectFields(b []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("want an object, got %v", tok)
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		if _, dup := fields[name]; dup {
			return nil, fmt.Errorf("repeated field %q", name)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		fields[name] = raw
	}
	return fields, nil
}

func decodeDuration(b []byte, v reflect.Value, path string) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		d, err := time.ParseDuration(s)
		if err != nil {
			return configErr(path, "%q is not a duration (write e.g. \"150ms\" or \"2s\")", s)
		}
		v.SetInt(int64(d))
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return configErr(path, "want a duration such as \"150ms\", got %s", bytes.TrimSpace(b))
	}
	v.SetInt(n)
	return nil
}

// jsonName reads a field's json tag: its name, omitempty, and "-".
func jsonName(f reflect.StructField) (name string, omitEmpty, skip bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false, true
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, strings.Contains(opts, "omitempty"), false
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
