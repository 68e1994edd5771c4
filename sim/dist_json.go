package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// distJSON is the wire form of a Dist. Fields stay raw so that each is
// decoded in a fixed order and an error names the field it came from.
type distJSON struct {
	Kind    json.RawMessage `json:"kind"`
	Min     json.RawMessage `json:"min,omitempty"`
	Max     json.RawMessage `json:"max,omitempty"`
	Tail    json.RawMessage `json:"tail,omitempty"`
	TailMin json.RawMessage `json:"tailMin,omitempty"`
	TailMax json.RawMessage `json:"tailMax,omitempty"`
}

// MarshalJSON writes the kind as a string and durations as strings ("1ms"),
// emitting the fields the kind uses plus any other non-zero field, so that
// every Dist, valid or not, reads back equal:
//
//	{"kind":"longtail","min":"1ms","max":"5ms","tail":"1/100","tailMin":"50ms","tailMax":"200ms"}
func (d Dist) MarshalJSON() ([]byte, error) {
	if int(d.Kind) >= len(distKindNames) {
		return nil, fmt.Errorf("sim: latency: cannot encode unknown kind %d: %w", uint8(d.Kind), ErrDist)
	}
	var out distJSON
	out.Kind = quoteJSON(d.Kind.String())
	uses := d.Kind != distUnset
	longtail := d.Kind == LongTail
	if uses || d.Min != 0 {
		out.Min = quoteJSON(d.Min.String())
	}
	impliedMax := time.Duration(0) // what UnmarshalJSON assumes when "max" is absent
	if d.Kind == Fixed {
		impliedMax = d.Min
	}
	if (uses && d.Kind != Fixed) || d.Max != impliedMax {
		out.Max = quoteJSON(d.Max.String())
	}
	if longtail || d.Tail != (Ratio{}) {
		out.Tail = quoteJSON(d.Tail.String())
	}
	if longtail || d.TailMin != 0 {
		out.TailMin = quoteJSON(d.TailMin.String())
	}
	if longtail || d.TailMax != 0 {
		out.TailMax = quoteJSON(d.TailMax.String())
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes. It rejects unknown fields,
// wrong types and fields the kind needs but lacks, naming the field; "max"
// may be left out for fixed. Like every configuration decoder it checks form,
// not sense: Validate checks the values.
func (d *Dist) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil // encoding/json convention: null leaves the value alone
	}
	var in distJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("sim: latency: %v: %w", err, ErrDist)
	}
	var out Dist
	kind, err := decodeKind(in.Kind)
	if err != nil {
		return err
	}
	out.Kind = kind
	needs := func(field string, raw json.RawMessage, need bool) error {
		if need && raw == nil {
			return fmt.Errorf("sim: latency: field %q: missing, and %v needs it: %w", field, kind, ErrDist)
		}
		return nil
	}
	uses, longtail := kind != distUnset, kind == LongTail
	fields := []struct {
		name string
		raw  json.RawMessage
		dst  *time.Duration
		need bool
	}{
		{"min", in.Min, &out.Min, uses},
		{"max", in.Max, &out.Max, uses && kind != Fixed},
		{"tailMin", in.TailMin, &out.TailMin, longtail},
		{"tailMax", in.TailMax, &out.TailMax, longtail},
	}
	for _, f := range fields {
		if err := needs(f.name, f.raw, f.need); err != nil {
			return err
		}
		if *f.dst, err = decodeDuration(f.name, f.raw); err != nil {
			return err
		}
	}
	if kind == Fixed && in.Max == nil {
		out.Max = out.Min
	}
	if err := needs("tail", in.Tail, longtail); err != nil {
		return err
	}
	if in.Tail != nil {
		if err := json.Unmarshal(in.Tail, &out.Tail); err != nil {
			return fmt.Errorf("sim: latency: field \"tail\": %v (want a string such as \"1/100\"): %w", err, ErrDist)
		}
	}
	*d = out
	return nil
}

// decodeKind reads the "kind" field.
func decodeKind(raw json.RawMessage) (DistKind, error) {
	var name string
	if raw == nil {
		return 0, fmt.Errorf("sim: latency: field \"kind\": missing: %w", ErrDist)
	}
	if err := json.Unmarshal(raw, &name); err != nil {
		return 0, fmt.Errorf("sim: latency: field \"kind\": want a string, got %s: %w", raw, ErrDist)
	}
	for k, n := range distKindNames {
		if n == name {
			return DistKind(k), nil
		}
	}
	return 0, fmt.Errorf("sim: latency: field \"kind\": unknown kind %q (want fixed, uniform, longtail or normalish): %w", name, ErrDist)
}

// decodeDuration reads a duration string field; absent is zero.
func decodeDuration(field string, raw json.RawMessage) (time.Duration, error) {
	if raw == nil {
		return 0, nil
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return 0, fmt.Errorf("sim: latency: field %q: want a duration string such as \"5ms\", got %s: %w", field, raw, ErrDist)
	}
	v, err := time.ParseDuration(text)
	if err != nil {
		return 0, fmt.Errorf("sim: latency: field %q: %v: %w", field, err, ErrDist)
	}
	return v, nil
}

// quoteJSON returns s as a JSON string.
func quoteJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a Go string always encodes
	return b
}
