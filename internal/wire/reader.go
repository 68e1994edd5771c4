// Package wire is the one reader of the project's binary encodings: the
// snapshot header (raft), the simulated disk's records (storage/simdisk),
// the state machines' snapshots and commands (harness, storage/storagetest).
// They all write unsigned varints with encoding/binary's AppendUvarint,
// single bytes, big-endian uint64s and counted strings; a Reader reads
// them back. It imports nothing of the project, so every layer can use it.
//
// A Reader never panics on bad input and never allocates beyond its input:
// the first failure sticks (Err), every later read returns a zero value,
// and a count is refused when it exceeds the bytes left, since every item
// it counts takes at least one byte.
package wire

import (
	"encoding/binary"
	"fmt"
)

// Reader reads fields from the front of a byte slice.
type Reader struct {
	b   []byte
	err error
}

// NewReader reads b (which it does not copy).
func NewReader(b []byte) Reader { return Reader{b: b} }

// Err is the first failure, or nil.
func (r *Reader) Err() error { return r.err }

// Len is the number of bytes left (0 after a failure).
func (r *Reader) Len() int { return len(r.b) }

// Rest returns the bytes left and consumes them.
func (r *Reader) Rest() []byte {
	b := r.b
	r.b = nil
	return b
}

// Fail records a failure unless one is recorded already, and stops the
// reading: every later read returns a zero value.
func (r *Reader) Fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
	r.b = nil
}

// Done fails when bytes are left over, and returns Err.
func (r *Reader) Done() error {
	if r.err == nil && len(r.b) != 0 {
		r.Fail("%d trailing bytes", len(r.b))
	}
	return r.err
}

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.Fail("truncated or overlong varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if len(r.b) == 0 {
		r.Fail("truncated")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// Uint64 reads a big-endian uint64.
func (r *Reader) Uint64() uint64 {
	if len(r.b) < 8 {
		r.Fail("truncated")
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

// Bytes reads n bytes (not copied).
func (r *Reader) Bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.Fail("%d bytes wanted, %d left", n, len(r.b))
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// Count reads a varint count of items that take at least one byte each,
// refusing one larger than the bytes left, so that a corrupt count can make
// no caller loop or allocate beyond the input.
func (r *Reader) Count() uint64 {
	n := r.Uvarint()
	if n > uint64(len(r.b)) {
		r.Fail("%d items in %d bytes", n, len(r.b))
		return 0
	}
	return n
}

// PeekCount returns the next Count without consuming it (0 when there is
// none), for a capacity hint.
func (r *Reader) PeekCount() uint64 {
	saved := *r
	n := r.Count()
	*r = saved
	return n
}

// Text reads a counted string: a varint length, then the bytes.
func (r *Reader) Text() string {
	return string(r.Bytes(r.Count()))
}

// AppendText appends s as Text reads it.
func AppendText(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
