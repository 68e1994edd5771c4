// Package strictjson checks a JSON document for what encoding/json lets
// through silently, before it is decoded: bytes that are not UTF-8 and
// lone surrogate escapes (which become U+FFFD, so two distinct keys can
// become one), object keys that are not spelled exactly as the schema
// spells them (encoding/json matches "VALUE" and "\u212aey" to value and
// key), and repeated keys (the last silently wins). Every error names the
// place as line and column (from 1, columns in bytes).
//
// It is deterministic and keeps no state between calls. Usage:
//
//	err := strictjson.Check(data, func(path, key string) bool {
//		return allowed[path][key] // path: "", "ops[]", "ops[].output"
//	})
//	if err != nil { ... }           // "line 3, column 14: repeated key \"value\""
//	json.Unmarshal(data, &v)        // now safe to decode
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Error is a problem at a place in the document.
type Error struct {
	Line, Column int // from 1
	Offset       int64
	Msg          string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg) }

// Position converts a byte offset of data to a line and a column, both
// from 1.
func Position(data []byte, offset int64) (line, column int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line = 1 + bytes.Count(before, []byte("\n"))
	column = int(offset) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, column
}

// At makes an Error at offset of data.
func At(data []byte, offset int64, format string, args ...any) *Error {
	l, c := Position(data, offset)
	return &Error{Line: l, Column: c, Offset: offset, Msg: fmt.Sprintf(format, args...)}
}

// Check reports the first problem of data: invalid UTF-8, a lone surrogate
// escape, a JSON syntax error, a repeated key, or a key that known rejects.
// known gets the path of the object ("" for the top level, a field name per
// level, "[]" for an array element: "ops[].output") and the key as
// written, decoded. A nil known accepts every key. Trailing data after the
// first value is an error.
func Check(data []byte, known func(path, key string) bool) error {
	_, err := CheckOffsets(data, known, "")
	return err
}

// CheckOffsets is Check, and also returns the offset at which each value
// at path elems begins ("ops[]": each element of the top-level "ops"), so
// that a later error about the third op can name its line.
func CheckOffsets(data []byte, known func(path, key string) bool, elems string) ([]int64, error) {
	if err := checkText(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	w := walker{data: data, dec: dec, known: known, elems: elems}
	if err := w.value("", 0); err != nil {
		return nil, err
	}
	at := w.start(dec.InputOffset())
	if _, err := dec.Token(); err != io.EOF {
		return nil, At(data, at, "unexpected data after the document")
	}
	return w.offsets, nil
}

// checkText rejects bytes that are not UTF-8 and \u escapes of a lone
// surrogate, which encoding/json would both turn into U+FFFD.
func checkText(data []byte) error {
	inString := false
	for i := 0; i < len(data); {
		c := data[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				return At(data, int64(i), "invalid UTF-8 (byte 0x%02x)", c)
			}
			i += size
			continue
		}
		switch {
		case c == '"':
			inString = !inString
		case c == '\\' && inString && i+1 < len(data):
			if data[i+1] == 'u' {
				n, err := checkEscape(data, i)
				if err != nil {
					return err
				}
				i += n
				continue
			}
			i += 2
			continue
		}
		i++
	}
	return nil
}

// checkEscape checks the \u escape at data[i] and returns its length: a
// high surrogate must be followed by a low one (the pair is one character,
// 12 bytes), and a low one must not come alone. The scan moves forward
// escape by escape, so "\\ud800" (an escaped backslash, then text) is no
// escape at all.
func checkEscape(data []byte, i int) (int, error) {
	r, ok := hex4(data, i+2)
	if !ok {
		return 2, nil // a syntax error: the decoder names it
	}
	if !utf16.IsSurrogate(rune(r)) {
		return 6, nil
	}
	if r < 0xdc00 && i+12 <= len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
		if low, ok := hex4(data, i+8); ok && low >= 0xdc00 && low <= 0xdfff {
			return 12, nil
		}
	}
	return 0, At(data, int64(i), "lone surrogate escape \\u%04x (not a character)", r)
}

func hex4(data []byte, i int) (uint64, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(data[i:i+4]), 16, 32)
	return v, err == nil
}

// walker walks the document's tokens, checking object keys.
type walker struct {
	data    []byte
	dec     *json.Decoder
	known   func(path, key string) bool
	elems   string  // the path whose values' offsets are kept
	offsets []int64 // where each value at elems begins
}

// depthMax bounds nesting, so a hostile document cannot exhaust the stack.
const depthMax = 64

// start skips whitespace and separators from offset to the next token.
func (w *walker) start(offset int64) int64 {
	for offset < int64(len(w.data)) && bytes.IndexByte([]byte(" \t\r\n,:"), w.data[offset]) >= 0 {
		offset++
	}
	return offset
}

func (w *walker) token() (json.Token, int64, error) {
	at := w.start(w.dec.InputOffset())
	tok, err := w.dec.Token()
	if err != nil {
		var syntax *json.SyntaxError
		switch {
		case errors.As(err, &syntax):
			return nil, at, At(w.data, syntax.Offset, "invalid JSON: %v", syntax)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return nil, at, At(w.data, int64(len(w.data)), "truncated JSON")
		}
		return nil, at, At(w.data, at, "invalid JSON: %v", err)
	}
	return tok, at, nil
}

func (w *walker) value(path string, depth int) error {
	if depth > depthMax {
		return At(w.data, w.start(w.dec.InputOffset()), "nested deeper than %d", depthMax)
	}
	tok, at, err := w.token()
	if err != nil {
		return err
	}
	if w.elems != "" && path == w.elems {
		w.offsets = append(w.offsets, at)
	}
	switch tok {
	case json.Delim('{'):
		return w.object(path, depth)
	case json.Delim('['):
		for w.dec.More() {
			if err := w.value(path+"[]", depth+1); err != nil {
				return err
			}
		}
		_, _, err := w.token()
		return err
	}
	return nil
}

func (w *walker) object(path string, depth int) error {
	seen := map[string]bool{} // lookups only
	for w.dec.More() {
		tok, at, err := w.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if seen[key] {
			return At(w.data, at, "repeated key %q", key)
		}
		seen[key] = true
		if w.known != nil && !w.known(path, key) {
			where := path
			if where == "" {
				where = "the top level"
			}
			return At(w.data, at, "unknown key %q in %s (keys are matched exactly, case included)", key, where)
		}
		child := key
		if path != "" {
			child = path + "." + key
		}
		if err := w.value(child, depth+1); err != nil {
			return err
		}
	}
	_, _, err := w.token()
	return err
}
