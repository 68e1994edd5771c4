package checker

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/raftsim/raftsim/internal/strictjson"
)

// History file format, version 1.
//
// A recorded history is one JSON object. WriteHistory puts one operation on
// each line so files diff well; readers accept any JSON layout.
//
//	{"format":"raftsim-history","version":1,"ops":[
//	{"client":1,"seq":3,"op":"put","key":"x","value":"1","call":1000,"return":2000,"outcome":"ok","output":{"value":"","swapped":false}},
//	{"client":2,"seq":1,"op":"cas","key":"x","value":"2","expected":"1","call":1500,"return":9223372036854775807,"outcome":"unknown","output":{"value":"","swapped":false}}
//	]}
//
// Top level (all required):
//
//	format   "raftsim-history"
//	version  1; a reader names any other version and refuses it
//	ops      the operations in invocation order (call never decreases)
//
// Each operation:
//
//	client    integer >= 0, required: the client id
//	seq       integer >= 0, required: the client's sequence number; the pair
//	          (client, seq) identifies the command and appears once
//	op        "get", "put", "append" or "cas", required
//	key       string, required ("" is a key like any other)
//	value     put and append: the value; cas: the new value; get: unused
//	expected  cas only: the value the key must hold for the swap (a missing
//	          key holds ""); omitted when empty
//	call      integer, required: virtual nanoseconds at invocation
//	return    integer: virtual nanoseconds at the reply; required and not
//	          before call when outcome is "ok"; for "unknown" it is not
//	          meaningful and may be omitted (a write that History.Resolve
//	          left unresolved holds 9223372036854775807, Never)
//	outcome   "ok" (the client learned the result) or "unknown" (it did not:
//	          timeout, crash, lost reply), required
//	output    {"value": string, "swapped": bool}, optional: for "ok", value
//	          is what a get read and swapped whether a cas swapped; the other
//	          field, and the whole output of an "unknown" op, are unused
//
// Integers are exact JSON integers (no fractions or exponents). The reader
// is strict ([strictjson]): strings are UTF-8 with no lone surrogate
// escape, field names match exactly (case included), a field appears once
// per object, and a field the format does not define is an error anywhere,
// so a typo does not silently lose data. Errors name the line and column,
// and the op (counted from 0) when it is about one:
// "history: line 14, column 1: op 12: unknown op kind \"pot\"". An empty
// "ops" is a valid history; what to make of it is the caller's business
// (raftsim check says "nothing to check").
const (
	HistoryFormat  = "raftsim-history" // the "format" of a history file
	HistoryVersion = 1                 // the version this package reads and writes
)

type fileHistory struct {
	Format  *string           `json:"format"`
	Version *int              `json:"version"`
	Ops     []json.RawMessage `json:"ops"`
}

type fileOutput struct {
	Value   string `json:"value"`
	Swapped bool   `json:"swapped"`
}

// fileOp is one operation on disk. Pointers tell a missing field from a zero
// one where the format requires the field.
type fileOp struct {
	Client   *int        `json:"client"`
	Seq      *uint64     `json:"seq"`
	Op       *string     `json:"op"`
	Key      *string     `json:"key"`
	Value    string      `json:"value"`
	Expected string      `json:"expected,omitempty"`
	Call     *int64      `json:"call"`
	Return   *int64      `json:"return,omitempty"`
	Outcome  *string     `json:"outcome"`
	Output   *fileOutput `json:"output,omitempty"`
}

func badHistory(format string, args ...any) error {
	return &historyError{msg: "history: " + fmt.Sprintf(format, args...), op: -1}
}

// historyKeys are the keys of each object of a history file, exactly.
var historyKeys = map[string][]string{
	"":             {"format", "version", "ops"},
	"ops[]":        {"client", "seq", "op", "key", "value", "expected", "call", "return", "outcome", "output"},
	"ops[].output": {"value", "swapped"},
}

func knownHistoryKey(path, key string) bool { return slices.Contains(historyKeys[path], key) }

// placed puts the line and column of op i before a message about it:
// "history: line 4, column 1: op 2: missing \"seq\"".
func placed(err error, data []byte, offsets []int64) error {
	var he *historyError
	if !errors.As(err, &he) || he.op < 0 || he.op >= len(offsets) {
		return err
	}
	l, c := strictjson.Position(data, offsets[he.op])
	return &historyError{msg: fmt.Sprintf("history: line %d, column %d: %s", l, c,
		strings.TrimPrefix(he.msg, "history: ")), op: he.op}
}

// jsonProblem turns a decoding error of data into the words after
// "history: ...:". Syntax errors are caught earlier by strictjson, with
// their line and column; what is left are type errors, which name the field.
func jsonProblem(err error, data []byte) string {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		l, c := strictjson.Position(data, syntax.Offset)
		return fmt.Sprintf("line %d, column %d: invalid JSON: %s", l, c, strings.TrimPrefix(err.Error(), "json: "))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "truncated JSON"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// ReadHistory reads a history in the format of [HistoryFormat] and validates it (see
// [History.Validate]). Every format error wraps [ErrBadHistory]; an error of
// r itself is returned wrapped as it is.
func ReadHistory(r io.Reader) (History, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return History{}, fmt.Errorf("history: read: %w", err)
	}
	offsets, err := strictjson.CheckOffsets(data, knownHistoryKey, "ops[]")
	if err != nil {
		return History{}, badHistory("%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var file fileHistory
	if err := dec.Decode(&file); err != nil {
		return History{}, badHistory("%s", jsonProblem(err, data))
	}
	l, c := strictjson.Position(data, int64(len(data)-len(bytes.TrimLeft(data, " \t\r\n"))))
	top := func(format string, args ...any) error {
		return badHistory("line %d, column %d: %s", l, c, fmt.Sprintf(format, args...))
	}
	switch {
	case file.Format == nil:
		return History{}, top("missing \"format\": not a raftsim history")
	case *file.Format != HistoryFormat:
		return History{}, top("format %q, want %q", *file.Format, HistoryFormat)
	case file.Version == nil:
		return History{}, top("missing \"version\"")
	case *file.Version != HistoryVersion:
		return History{}, top("version %d is not supported (this reader knows version %d)",
			*file.Version, HistoryVersion)
	case file.Ops == nil:
		return History{}, top("missing \"ops\"")
	}
	h := History{Ops: make([]Operation, 0, len(file.Ops))}
	for i, raw := range file.Ops {
		op, err := decodeOp(i, raw)
		if err != nil {
			return History{}, placed(err, data, offsets)
		}
		h.Ops = append(h.Ops, op)
	}
	if err := h.Validate(); err != nil {
		return History{}, placed(err, data, offsets)
	}
	return h, nil
}

func decodeOp(i int, raw json.RawMessage) (Operation, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f fileOp
	if err := dec.Decode(&f); err != nil {
		return Operation{}, badOp(i, "%s", jsonProblem(err, raw))
	}
	for _, req := range []struct {
		name    string
		missing bool
	}{
		{"client", f.Client == nil}, {"seq", f.Seq == nil}, {"op", f.Op == nil},
		{"key", f.Key == nil}, {"call", f.Call == nil}, {"outcome", f.Outcome == nil},
	} {
		if req.missing {
			return Operation{}, badOp(i, "missing %q", req.name)
		}
	}
	kind, err := ParseOpKind(*f.Op)
	if err != nil {
		return Operation{}, badOp(i, "%v", err)
	}
	outcome, err := parseOutcome(*f.Outcome)
	if err != nil {
		return Operation{}, badOp(i, "%v", err)
	}
	op := Operation{
		Client:  *f.Client,
		Seq:     *f.Seq,
		Input:   Input{Kind: kind, Key: *f.Key, Value: f.Value, Expected: f.Expected},
		Call:    *f.Call,
		Outcome: outcome,
	}
	switch {
	case f.Return != nil:
		op.Return = *f.Return
	case outcome == OutcomeOK:
		return Operation{}, badOp(i, "missing \"return\" for an ok op")
	}
	if f.Output != nil {
		op.Output = Output{Value: f.Output.Value, Swapped: f.Output.Swapped}
	}
	return op, nil
}

// WriteHistory writes h in the format of [HistoryFormat]. It refuses a history that
// [ReadHistory] would refuse: one that fails [History.Validate] or holds a
// string that is not UTF-8 (JSON would silently replace its bytes).
func WriteHistory(w io.Writer, h History) error {
	if err := h.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "{\"format\":%q,\"version\":%d,\"ops\":[", HistoryFormat, HistoryVersion)
	var line bytes.Buffer
	enc := json.NewEncoder(&line)
	enc.SetEscapeHTML(false)
	for i, op := range h.Ops {
		for _, s := range []struct{ name, v string }{
			{"key", op.Input.Key}, {"value", op.Input.Value},
			{"expected", op.Input.Expected}, {"output value", op.Output.Value},
		} {
			if !utf8.ValidString(s.v) {
				return badOp(i, "%s %q is not valid UTF-8", s.name, s.v)
			}
		}
		line.Reset()
		if err := enc.Encode(toFileOp(op)); err != nil {
			return fmt.Errorf("history: op %d: %w", i, err)
		}
		sep := ","
		if i == 0 {
			sep = ""
		}
		bw.WriteString(sep + "\n")
		bw.Write(bytes.TrimSuffix(line.Bytes(), []byte("\n")))
	}
	bw.WriteString("\n]}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("history: write: %w", err)
	}
	return nil
}

func toFileOp(op Operation) fileOp {
	kind := op.Input.Kind.String()
	outcome := op.Outcome.String()
	return fileOp{
		Client:   &op.Client,
		Seq:      &op.Seq,
		Op:       &kind,
		Key:      &op.Input.Key,
		Value:    op.Input.Value,
		Expected: op.Input.Expected,
		Call:     &op.Call,
		Return:   &op.Return,
		Outcome:  &outcome,
		Output:   &fileOutput{Value: op.Output.Value, Swapped: op.Output.Swapped},
	}
}

// ReadPorcupineKV reads a key-value history in the EDN-like line format of
// porcupine's test_data/kv (after Jepsen), one event per line:
//
//	{:process 0, :type :invoke, :f :get, :key "6", :value nil}
//	{:process 0, :type :ok, :f :get, :key "6", :value "x 0 3 y"}
//
// :f is :get, :put, :append or :cas (whose :value is [expected new]). :type
// is :invoke, then for the same process :ok (the client learned the result;
// for a get, :value is what it read, nil reading as ""), :fail (the
// operation certainly did not take effect, so it is dropped) or :info
// (indeterminate, like an invocation still pending at the end: the outcome
// is unknown). Events of a process named by a keyword (:nemesis) are
// skipped, and so are fields other than these; any other process must be
// an integer from 0 to 2^63-1 (an integer out of range is an error, not a
// nemesis). Lines must be UTF-8. Errors name the line and column.
//
// The process is the client; each client's operations get Seq 1, 2, ...; the
// line number (from 1) of an event is its virtual time, so the order of the
// lines is the real-time order.
func ReadPorcupineKV(r io.Reader) (History, error) {
	p := kvLogReader{pending: make(map[int]int)}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024) // a line holds one event; 16 MiB is far beyond any
	for sc.Scan() {
		p.line++
		raw := sc.Text()
		text := strings.TrimLeft(raw, " \t\r")
		indent := len(raw) - len(text)
		text = strings.TrimRight(text, " \t\r")
		if text == "" {
			continue
		}
		if !utf8.ValidString(text) {
			col := indent + 1
			for i, r := range text {
				if r == utf8.RuneError {
					col += i
					break
				}
			}
			return History{}, &historyError{msg: fmt.Sprintf("porcupine kv: line %d, column %d: invalid UTF-8", p.line, col), op: -1}
		}
		if err := p.event(text); err != nil {
			col := 1
			var ce *columnError
			if errors.As(err, &ce) {
				col = ce.pos + 1
			}
			return History{}, &historyError{msg: fmt.Sprintf("porcupine kv: line %d, column %d: %v", p.line, indent+col, err), op: -1}
		}
	}
	if err := sc.Err(); err != nil {
		return History{}, fmt.Errorf("porcupine kv: line %d: read: %w", p.line+1, err)
	}
	h := History{Ops: make([]Operation, 0, len(p.ops))}
	for i, op := range p.ops {
		if !p.dropped[i] {
			h.Ops = append(h.Ops, op)
		}
	}
	if err := h.Validate(); err != nil {
		var he *historyError
		if errors.As(err, &he) && he.op >= 0 { // an op's call is its line
			return History{}, &historyError{msg: fmt.Sprintf("porcupine kv: line %d, column 1: %s",
				h.Ops[he.op].Call, strings.TrimPrefix(he.msg, "history: ")), op: he.op}
		}
		return History{}, err
	}
	return h, nil
}

// columnError is a problem at a byte position (from 0) of a line.
type columnError struct {
	pos int
	msg string
}

func (e *columnError) Error() string { return e.msg }

func errAt(pos int, format string, args ...any) error {
	return &columnError{pos: pos, msg: fmt.Sprintf(format, args...)}
}

type kvLogReader struct {
	line    int
	ops     []Operation
	dropped []bool         // parallel to ops: failed invocations
	pending map[int]int    // process -> index in ops; lookups only
	seqs    map[int]uint64 // process -> last seq; lookups only
}

func (p *kvLogReader) event(text string) error {
	fields, err := parseEDNMap(text)
	if err != nil {
		return err
	}
	proc, ok := fields["process"]
	switch {
	case !ok:
		return errors.New("missing :process")
	case proc.kind == ednKeyword:
		return nil // a nemesis or other non-client process
	case proc.kind != ednInt:
		return errAt(proc.pos, ":process must be an integer client id or a keyword such as :nemesis")
	}
	process, err := strconv.Atoi(proc.text)
	if err != nil || process < 0 {
		return errAt(proc.pos, ":process %s is not a client id (want 0 to %d)", proc.text, math.MaxInt64)
	}
	typ, err := fields.keyword("type")
	if err != nil {
		return err
	}
	f, err := fields.keyword("f")
	if err != nil {
		return err
	}
	kind, err := ParseOpKind(f)
	if err != nil {
		return errAt(fields["f"].pos, ":f %v", err)
	}
	switch typ {
	case "invoke":
		return p.invoke(process, kind, fields)
	case "ok", "fail", "info":
		return p.complete(process, kind, typ, fields)
	}
	return errAt(fields["type"].pos, "unknown :type :%s", typ)
}

func (p *kvLogReader) invoke(process int, kind OpKind, fields ednMap) error {
	if i, busy := p.pending[process]; busy {
		return fmt.Errorf("process %d invokes while its op from line %d is pending", process, p.ops[i].Call)
	}
	key, err := fields.scalar("key")
	if err != nil {
		return err
	}
	in := Input{Kind: kind, Key: key}
	switch kind {
	case OpPut, OpAppend:
		if in.Value, err = fields.scalar("value"); err != nil {
			return err
		}
	case OpCAS:
		v := fields["value"]
		if v.kind != ednVector || len(v.items) != 2 {
			return errAt(v.pos, "cas :value must be [expected new]")
		}
		var okExpected, okNew bool
		in.Expected, okExpected = v.items[0].scalar()
		in.Value, okNew = v.items[1].scalar()
		if !okExpected || !okNew {
			return errAt(v.pos, "cas :value must be [expected new] of strings, integers or nil")
		}
	}
	if p.seqs == nil {
		p.seqs = make(map[int]uint64)
	}
	p.seqs[process]++
	p.pending[process] = len(p.ops)
	p.ops = append(p.ops, Operation{
		Client: process, Seq: p.seqs[process], Input: in,
		Call: int64(p.line), Return: Never, Outcome: OutcomeUnknown,
	})
	p.dropped = append(p.dropped, false)
	return nil
}

func (p *kvLogReader) complete(process int, kind OpKind, typ string, fields ednMap) error {
	i, busy := p.pending[process]
	if !busy {
		return fmt.Errorf(":%s for process %d, which has no pending op", typ, process)
	}
	op := &p.ops[i]
	if op.Input.Kind != kind {
		return fmt.Errorf(":%s :%v for process %d, whose pending op from line %d is :%v",
			typ, kind, process, op.Call, op.Input.Kind)
	}
	delete(p.pending, process)
	switch typ {
	case "fail":
		p.dropped[i] = true
	case "ok":
		op.Outcome = OutcomeOK
		op.Return = int64(p.line)
		switch kind {
		case OpGet:
			v, err := fields.scalar("value")
			if err != nil {
				return err
			}
			op.Output.Value = v
		case OpCAS:
			op.Output.Swapped = true // a cas that did not swap is reported as :fail
		}
	}
	return nil
}

// The subset of EDN that Jepsen-style history lines use: a map of keywords
// to nil, strings, integers, keywords, symbols, vectors and nested maps.

type ednKind uint8

const (
	ednNil ednKind = iota
	ednString
	ednInt
	ednKeyword
	ednSymbol
	ednVector
	ednNested
)

type ednValue struct {
	pos   int // where it begins in the line, from 0
	kind  ednKind
	text  string     // string contents, integer digits, keyword or symbol name
	items []ednValue // vector items
}

type ednMap map[string]ednValue

func (m ednMap) keyword(name string) (string, error) {
	v, ok := m[name]
	if !ok || v.kind != ednKeyword {
		return "", errAt(v.pos, "want a keyword for :%s", name)
	}
	return v.text, nil
}

// scalar returns a field's string, integer digits, or "" for nil: a key
// that was never written reads as nil in Jepsen and as "" here.
func (m ednMap) scalar(name string) (string, error) {
	v, ok := m[name]
	if !ok {
		return "", fmt.Errorf("missing :%s", name)
	}
	s, ok := v.scalar()
	if !ok {
		return "", errAt(v.pos, "want a string, an integer or nil for :%s", name)
	}
	return s, nil
}

func (v ednValue) scalar() (string, bool) {
	switch v.kind {
	case ednNil, ednString, ednInt:
		return v.text, true
	}
	return "", false
}

// ednDepthMax bounds nesting: history lines nest a vector or two deep.
const ednDepthMax = 16

type ednParser struct {
	s   string
	pos int
}

func (p *ednParser) errorf(format string, args ...any) error {
	return p.errorAt(p.pos, format, args...)
}

func (p *ednParser) errorAt(pos int, format string, args ...any) error {
	return errAt(pos, format, args...)
}

// skip passes whitespace; EDN counts commas as whitespace.
func (p *ednParser) skip() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n,", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

func parseEDNMap(s string) (ednMap, error) {
	p := &ednParser{s: s}
	p.skip()
	if p.pos >= len(s) || s[p.pos] != '{' {
		return nil, p.errorf("want '{'")
	}
	p.pos++
	m := ednMap{}
	if err := p.pairs(m, 1); err != nil {
		return nil, err
	}
	p.skip()
	if p.pos != len(s) {
		return nil, p.errorf("unexpected text after the map")
	}
	return m, nil
}

// pairs reads keyword-value pairs up to the closing '}'; the opening brace
// is already read. m may be nil for a nested map that is not kept.
func (p *ednParser) pairs(m ednMap, depth int) error {
	for {
		p.skip()
		if p.pos >= len(p.s) {
			return p.errorf("unterminated map")
		}
		if p.s[p.pos] == '}' {
			p.pos++
			return nil
		}
		keyPos := p.pos
		k, err := p.value(depth)
		if err != nil {
			return err
		}
		if k.kind != ednKeyword {
			return p.errorAt(keyPos, "map key must be a keyword")
		}
		v, err := p.value(depth)
		if err != nil {
			return err
		}
		if m != nil {
			if _, dup := m[k.text]; dup {
				return p.errorAt(keyPos, "duplicate key :%s", k.text)
			}
			m[k.text] = v
		}
	}
}

// value reads one value and notes where it begins.
func (p *ednParser) value(depth int) (ednValue, error) {
	p.skip()
	start := p.pos
	v, err := p.valueHere(depth)
	v.pos = start
	return v, err
}

func (p *ednParser) valueHere(depth int) (ednValue, error) {
	if depth > ednDepthMax {
		return ednValue{}, p.errorf("nested deeper than %d", ednDepthMax)
	}
	if p.pos >= len(p.s) {
		return ednValue{}, p.errorf("want a value")
	}
	switch c := p.s[p.pos]; c {
	case '"':
		return p.str()
	case '[':
		p.pos++
		v := ednValue{kind: ednVector}
		for {
			p.skip()
			if p.pos < len(p.s) && p.s[p.pos] == ']' {
				p.pos++
				return v, nil
			}
			item, err := p.value(depth + 1)
			if err != nil {
				return ednValue{}, err
			}
			v.items = append(v.items, item)
		}
	case '{':
		p.pos++
		return ednValue{kind: ednNested}, p.pairs(nil, depth+1)
	case ']', '}':
		return ednValue{}, p.errorf("unexpected %q", c)
	}
	start := p.pos
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n,[]{}\"", p.s[p.pos]) < 0 {
		p.pos++
	}
	tok := p.s[start:p.pos]
	switch {
	case tok[0] == ':':
		if len(tok) == 1 {
			return ednValue{}, p.errorf("empty keyword")
		}
		return ednValue{kind: ednKeyword, text: tok[1:]}, nil
	case tok == "nil":
		return ednValue{kind: ednNil}, nil
	case isInteger(tok):
		if _, err := strconv.ParseInt(tok, 10, 64); err != nil {
			return ednValue{}, p.errorAt(start, "integer %s out of range (want -2^63 to 2^63-1)", tok)
		}
		return ednValue{kind: ednInt, text: strings.TrimPrefix(tok, "+")}, nil
	}
	return ednValue{kind: ednSymbol, text: tok}, nil
}

// isInteger reports whether tok is written as an integer: an optional sign,
// then decimal digits.
func isInteger(tok string) bool {
	digits := strings.TrimLeft(tok, "+-")
	if len(tok)-len(digits) > 1 || digits == "" {
		return false
	}
	return strings.Trim(digits, "0123456789") == ""
}

func (p *ednParser) str() (ednValue, error) {
	open := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		p.pos++
		switch c {
		case '"':
			return ednValue{kind: ednString, text: b.String()}, nil
		case '\\':
			if p.pos >= len(p.s) {
				return ednValue{}, p.errorAt(open, "unterminated string")
			}
			e := p.s[p.pos]
			p.pos++
			switch e {
			case '"', '\\':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				return ednValue{}, p.errorAt(p.pos-2, "unknown escape \\%c", e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return ednValue{}, p.errorAt(open, "unterminated string")
}
