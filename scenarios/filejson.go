package scenarios

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/raftsim/raftsim/harness"
)

// How a scenario file is read: JSON with comments, strictly, with every
// error at a line and column. This strictness is local to scenario files
// (a shared strict reader, internal/strictjson, is on its way; this reader
// can move onto it).
//
// Comments (// to the end of the line, /* ... */) are blanked out with
// spaces, newlines kept, so every offset in the stripped text is the same
// offset in the file. A small hand-written pass rather than a JSON-with-
// comments library: the one well-known Go library (tailscale/hujson) has no
// tagged release, and blanking comments is twenty lines that keep offsets
// exact.

// stripComments blanks the comments of JSON text, outside strings. An
// unterminated block comment is an error at its start.
func stripComments(b []byte) ([]byte, error) {
	out := bytes.Clone(b)
	inString := false
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			end := bytes.Index(out[i+2:], []byte("*/"))
			if end < 0 {
				return nil, &posError{off: i, msg: "a /* comment is never closed"}
			}
			for j := i; j < i+2+end+2; j++ {
				if out[j] != '\n' {
					out[j] = ' '
				}
			}
			i += 2 + end + 1
		}
	}
	return out, nil
}

// posError is an error at a byte offset of the file; Parse turns the
// offset into a line and column.
type posError struct {
	off int
	msg string
}

func (e *posError) Error() string { return e.msg }

// lineCol is the 1-based line and column (in characters) of a byte offset.
func lineCol(b []byte, off int) (line, col int) {
	off = min(max(off, 0), len(b))
	line = 1 + bytes.Count(b[:off], []byte("\n"))
	start := bytes.LastIndexByte(b[:off], '\n') + 1
	return line, 1 + utf8.RuneCount(b[start:off])
}

// jnode is a JSON value and where it starts.
type jnode struct {
	off  int
	kind byte // '{', '[', '"', '0' (number), 't' (true/false), 'n' (null)
	keys []string
	kOff []int    // where each key starts
	vals []*jnode // an object's values, in keys' order
	elem []*jnode // an array's elements
}

// field is an object's value for key, or nil.
func (n *jnode) field(key string) *jnode {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// parseTree reads one JSON value with the offset of every value. It
// rejects invalid UTF-8, duplicate keys and trailing data.
func parseTree(b []byte) (*jnode, error) {
	if !utf8.Valid(b) {
		off := 0
		for off < len(b) {
			r, size := utf8.DecodeRune(b[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return nil, &posError{off: off, msg: "the file is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := readValue(dec, b)
	if err != nil {
		return nil, err
	}
	end := skipSpace(b, int(dec.InputOffset()))
	if _, err := dec.Token(); err != io.EOF {
		return nil, &posError{off: end, msg: "trailing data after the JSON object"}
	}
	return n, nil
}

// skipSpace moves past whitespace, colons and commas: from the end of one
// token to the start of the next value.
func skipSpace(b []byte, off int) int {
	for off < len(b) && strings.IndexByte(" \t\r\n:,", b[off]) >= 0 {
		off++
	}
	return off
}

func readValue(dec *json.Decoder, b []byte) (*jnode, error) {
	off := skipSpace(b, int(dec.InputOffset()))
	tok, err := dec.Token()
	if err != nil {
		return nil, tokenError(err, b, off)
	}
	n := &jnode{off: off}
	switch t := tok.(type) {
	case json.Delim:
		n.kind = byte(t)
		if t == '{' {
			return n, readObject(dec, b, n)
		}
		if t == '[' {
			for dec.More() {
				e, err := readValue(dec, b)
				if err != nil {
					return nil, err
				}
				n.elem = append(n.elem, e)
			}
		}
		_, err := dec.Token() // the closing delimiter
		return n, tokenError(err, b, off)
	case string:
		n.kind = '"'
	case json.Number:
		n.kind = '0'
	case bool:
		n.kind = 't'
	default:
		n.kind = 'n'
	}
	return n, nil
}

func readObject(dec *json.Decoder, b []byte, n *jnode) error {
	for dec.More() {
		keyOff := skipSpace(b, int(dec.InputOffset()))
		tok, err := dec.Token()
		if err != nil {
			return tokenError(err, b, keyOff)
		}
		key := tok.(string) // the decoder allows only strings here
		if n.field(key) != nil {
			return &posError{off: keyOff, msg: fmt.Sprintf("field %q appears twice", key)}
		}
		v, err := readValue(dec, b)
		if err != nil {
			return err
		}
		n.keys, n.kOff, n.vals = append(n.keys, key), append(n.kOff, keyOff), append(n.vals, v)
	}
	_, err := dec.Token()
	return tokenError(err, b, n.off)
}

// tokenError places a decoder error: a syntax error at its offset, the end
// of the text as "truncated".
func tokenError(err error, b []byte, off int) error {
	var se *json.SyntaxError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &posError{off: len(b), msg: "truncated: the JSON ends early"}
	case errors.As(err, &se):
		return &posError{off: int(se.Offset), msg: se.Error()}
	}
	return &posError{off: off, msg: err.Error()}
}

var (
	durationType    = reflect.TypeOf(time.Duration(0))
	configType      = reflect.TypeOf(harness.Config{})
	unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
	textType        = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

// checkTree walks a JSON value against the Go type it decodes into, and
// records where each field path ("raft.electionTimeoutMin") is. It rejects
// a duration written as a bare number (harness.Config's decoder reads one
// as nanoseconds, so "duration": 5 would be 5ns) and a field name that
// matches only in another case. Types with their own decoders (plans,
// latency distributions) check their own fields: theirs take strings only.
func checkTree(n *jnode, t reflect.Type, path string, where map[string]int) error {
	where[path] = n.off
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == durationType:
		if n.kind != '"' {
			return &posError{off: n.off, msg: fmt.Sprintf("%s: a duration is a string with a unit, such as \"5s\" or \"150ms\"; a bare number is not allowed", path)}
		}
		return nil
	case t != configType && (reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(textType)):
		return nil // harness.Config's own decoder is the one that reads bare numbers
	case t.Kind() == reflect.Struct && n.kind == '{':
		names := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			names[name] = f.Type
		}
		for i, key := range n.keys {
			ft, ok := names[key]
			if !ok {
				where[joinPath(path, key)] = n.kOff[i] // the config's decoder names it
				continue
			}
			if err := checkTree(n.vals[i], ft, joinPath(path, key), where); err != nil {
				return err
			}
		}
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && n.kind == '[':
		for i, e := range n.elem {
			if err := checkTree(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), where); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Map && n.kind == '{':
		for i, key := range n.keys {
			if err := checkTree(n.vals[i], t.Elem(), joinPath(path, key), where); err != nil {
				return err
			}
		}
	}
	return nil
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// placePath is the offset of the longest recorded prefix of path.
func placePath(where map[string]int, path string) (int, bool) {
	for p := path; ; {
		if off, ok := where[p]; ok {
			return off, true
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			off, ok := where[""]
			return off, ok
		}
		p = p[:i]
	}
}
