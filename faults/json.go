package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// stepJSON is the wire form of a Step. Fields stay raw so that each is
// decoded on its own and an error names the field it came from.
type stepJSON struct {
	At             json.RawMessage `json:"at,omitempty"`
	Kind           json.RawMessage `json:"kind,omitempty"`
	Node           json.RawMessage `json:"node,omitempty"`
	Groups         json.RawMessage `json:"groups,omitempty"`
	Nodes          json.RawMessage `json:"nodes,omitempty"`
	From           json.RawMessage `json:"from,omitempty"`
	To             json.RawMessage `json:"to,omitempty"`
	Interval       json.RawMessage `json:"interval,omitempty"`
	For            json.RawMessage `json:"for,omitempty"`
	Latency        json.RawMessage `json:"latency,omitempty"`
	Loss           json.RawMessage `json:"loss,omitempty"`
	Duplicate      json.RawMessage `json:"duplicate,omitempty"`
	BytesPerSecond json.RawMessage `json:"bytesPerSecond,omitempty"`
	Offset         json.RawMessage `json:"offset,omitempty"`
	PPM            json.RawMessage `json:"ppm,omitempty"`
	Disk           json.RawMessage `json:"disk,omitempty"`
	Clients        json.RawMessage `json:"clients,omitempty"`
}

// wireField ties a field bit to its raw slot and to the Step value it
// decodes into, so that encoding and decoding walk one list.
type wireField struct {
	bit field
	raw *json.RawMessage
	val any // pointer into the Step
}

// wire lists the optional fields of s and w, in JSON order.
func wire(s *Step, w *stepJSON) []wireField {
	return []wireField{
		{fNode, &w.Node, &s.Node},
		{fGroups, &w.Groups, &s.Groups},
		{fNodes, &w.Nodes, &s.Nodes},
		{fFrom, &w.From, &s.From},
		{fTo, &w.To, &s.To},
		{fInterval, &w.Interval, (*jsonDuration)(&s.Interval)},
		{fFor, &w.For, (*jsonDuration)(&s.For)},
		{fLatency, &w.Latency, &s.Latency},
		{fLoss, &w.Loss, &s.Loss},
		{fDuplicate, &w.Duplicate, &s.Duplicate},
		{fBytesPerSecond, &w.BytesPerSecond, &s.BytesPerSecond},
		{fOffset, &w.Offset, (*jsonDuration)(&s.Offset)},
		{fPPM, &w.PPM, &s.PPM},
		{fDisk, &w.Disk, &s.Disk},
		{fClients, &w.Clients, &s.Clients},
	}
}

// MarshalJSON writes the step as an object with "at" and "kind", then
// every parameter that is set or that the kind needs, durations as strings
// ("1.5s"), ratios as "1/100" and nodes as 1-based IDs:
//
//	{"at":"1.5s","kind":"partition","groups":[[1,2],[3,4,5]]}
//	{"at":"3s","kind":"crash","node":"leader","for":"500ms"}
//
// Every step with a known (or unset) kind encodes, valid or not, and reads
// back equal, so a failure file can always be written.
func (s Step) MarshalJSON() ([]byte, error) {
	if s.Kind >= kindEnd {
		return nil, fmt.Errorf("faults: step (at %v): cannot encode unknown kind %d: %w", s.At, uint8(s.Kind), ErrPlan)
	}
	var w stepJSON
	w.At = quoteJSON(s.At.String())
	w.Kind = quoteJSON(s.Kind.String())
	write := s.setFields() | s.Kind.spec().needs
	for _, f := range wire(&s, &w) {
		if write&f.bit == 0 {
			continue
		}
		b, err := json.Marshal(f.val)
		if err != nil {
			return nil, fmt.Errorf("faults: step (at %v, %v): field %q: %v: %w", s.At, s.Kind, f.bit.name(), err, ErrPlan)
		}
		*f.raw = b
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON writes. It rejects unknown fields,
// wrong types and missing fields the kind needs, naming the field; it also
// reads "isolate-leader", "crash-leader" and "pause-leader" as shorthand
// for the kind with "node": "leader". Like every configuration decoder it
// checks form, not sense: Validate checks the values.
func (s *Step) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	v, where, err := decodeStep(b)
	if err != nil {
		return fmt.Errorf("faults: step%s: %v: %w", where, err, ErrPlan)
	}
	*s = v
	return nil
}

// MarshalJSON writes {"steps":[...]}, with [] for an empty plan.
func (p Plan) MarshalJSON() ([]byte, error) {
	steps := p.Steps
	if steps == nil {
		steps = []Step{}
	}
	out := make([]json.RawMessage, len(steps))
	for i, s := range steps {
		b, err := s.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("faults: plan: step %d: %w", i, err)
		}
		out[i] = b
	}
	return json.Marshal(struct {
		Steps []json.RawMessage `json:"steps"`
	}{out})
}

// UnmarshalJSON reads what MarshalJSON writes, rejecting unknown fields,
// and names the step and field of any error:
//
//	faults: plan: step 2 (at 1s, partition): field "groups": want [[1,2],[3]] ...
//
// A plan with no steps reads back with nil Steps.
func (p *Plan) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	var in struct {
		Steps []json.RawMessage `json:"steps"`
	}
	if err := strictUnmarshal(b, &in); err != nil {
		return fmt.Errorf("faults: plan: %v: %w", err, ErrPlan)
	}
	var out Plan
	for i, raw := range in.Steps {
		s, where, err := decodeStep(raw)
		if err != nil {
			return fmt.Errorf("faults: plan: step %d%s: %v: %w", i, where, err, ErrPlan)
		}
		out.Steps = append(out.Steps, s)
	}
	*p = out
	return nil
}

// decodeStep decodes one step. where is " (at 1s, crash)" once the time and
// kind are known, for error messages; the error itself has no prefix.
func decodeStep(b []byte) (s Step, where string, err error) {
	var w stepJSON
	if err := strictUnmarshal(b, &w); err != nil {
		return Step{}, lenientWhere(b), err
	}
	if w.At == nil {
		return Step{}, "", fmt.Errorf(`field "at": missing (write "0s" for the start)`)
	}
	if err := json.Unmarshal(w.At, (*jsonDuration)(&s.At)); err != nil {
		return Step{}, "", fmt.Errorf(`field "at": %v`, err)
	}
	if w.Kind == nil {
		return Step{}, "", fmt.Errorf(`field "kind": missing`)
	}
	var name string
	if err := json.Unmarshal(w.Kind, &name); err != nil {
		return Step{}, "", fmt.Errorf(`field "kind": want a string such as "partition", got %s`, w.Kind)
	}
	alias := false
	for _, a := range leaderAliases {
		if a.name == name {
			s.Kind, alias = a.kind, true
		}
	}
	if !alias {
		if s.Kind, err = ParseKind(name); err != nil {
			return Step{}, "", fmt.Errorf(`field "kind": %v`, err)
		}
	}
	where = fmt.Sprintf(" (at %v, %s)", s.At, name)
	spec := s.Kind.spec()
	for _, f := range wire(&s, &w) {
		if *f.raw == nil {
			if spec.needs&f.bit != 0 && !(alias && f.bit == fNode) {
				return Step{}, where, fmt.Errorf("field %q: missing, and %v needs it", f.bit.name(), s.Kind)
			}
			continue
		}
		if alias && f.bit == fNode {
			return Step{}, where, fmt.Errorf(`field "node": %q already names the leader; write kind %q to name a node`, name, s.Kind)
		}
		if err := strictUnmarshal(*f.raw, f.val); err != nil {
			return Step{}, where, fmt.Errorf("field %q: %v", f.bit.name(), err)
		}
	}
	if alias {
		s.Node = Leader
	}
	return s, where, nil
}

// lenientWhere finds a step's time and kind for an error message when the
// step as a whole does not decode, or returns "".
func lenientWhere(b []byte) string {
	var w struct {
		At   *jsonDuration `json:"at"`
		Kind string        `json:"kind"`
	}
	if json.Unmarshal(b, &w) != nil || w.At == nil || w.Kind == "" {
		return ""
	}
	return fmt.Sprintf(" (at %v, %s)", time.Duration(*w.At), w.Kind)
}

// strictUnmarshal decodes b into v, rejecting unknown fields and trailing
// data.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the value")
	}
	return nil
}

// MarshalJSON writes a node ID as a number and a target as a string
// ("leader", "any", "all").
func (r NodeRef) MarshalJSON() ([]byte, error) {
	switch r {
	case Leader, AnyVoter, AllNodes:
		return quoteJSON(r.String()), nil
	}
	return strconv.AppendInt(nil, int64(r), 10), nil
}

// UnmarshalJSON reads a node ID (3) or a target ("leader", "any", "all").
func (r *NodeRef) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		for _, t := range []NodeRef{Leader, AnyVoter, AllNodes} {
			if t.String() == name {
				*r = t
				return nil
			}
		}
		return fmt.Errorf(`unknown node target %q (want a node ID such as 3, or "leader", "any" or "all")`, name)
	}
	var id int
	if err := json.Unmarshal(b, &id); err != nil {
		return fmt.Errorf(`want a node ID such as 3, or "leader", "any" or "all", got %s`, b)
	}
	*r = NodeRef(id)
	return nil
}

// jsonDuration is a time.Duration that is a string in JSON ("1.5s").
type jsonDuration time.Duration

func (d jsonDuration) MarshalJSON() ([]byte, error) {
	return quoteJSON(time.Duration(d).String()), nil
}

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var text string
	if err := json.Unmarshal(b, &text); err != nil {
		return fmt.Errorf(`want a duration string such as "1.5s", got %s`, b)
	}
	v, err := time.ParseDuration(text)
	if err != nil {
		return err
	}
	*d = jsonDuration(v)
	return nil
}

// quoteJSON returns s as a JSON string.
func quoteJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a Go string always encodes
	return b
}
