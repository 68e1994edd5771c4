package storagetest

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"

	"github.com/raftsim/raftsim/internal/wire"
	"github.com/raftsim/raftsim/raft"
)

// Cmd is the kit's test command: append Value to the list named Key.
type Cmd struct {
	Key   string
	Value string
}

func (c Cmd) String() string { return c.Key + "+=" + strconv.Quote(c.Value) }

// Resp is SM's answer to one command. Every field depends on the whole
// history of applied commands, so a response shows an entry that was applied
// twice, skipped, reordered or given the wrong index.
type Resp struct {
	// Index is the index Apply was called with.
	Index raft.Index
	// Len is the length of the command's list after the append.
	Len int
	// Digest is the machine's digest after the command (see SM.Digest).
	Digest uint64
}

// SM is the kit's deterministic state machine: named lists of strings, and a
// running digest folded over every command applied and its index. Two
// machines have the same digest exactly when they applied the same commands
// at the same indices in the same order (up to hash collisions).
//
// The zero value is not ready; use NewSM.
type SM struct {
	lists   map[string][]string
	applied uint64     // commands applied
	last    raft.Index // index of the last command applied
	digest  uint64
}

var _ raft.StateMachine[Cmd, Resp] = (*SM)(nil)

// NewSM returns an empty machine.
func NewSM() *SM { return &SM{lists: map[string][]string{}} }

// Apply appends c.Value to the list c.Key and answers with the new length
// and digest.
func (m *SM) Apply(index raft.Index, c Cmd) Resp {
	m.lists[c.Key] = append(m.lists[c.Key], c.Value)
	m.applied++
	m.last = index
	h := fnv.New64a()
	var b []byte
	b = binary.BigEndian.AppendUint64(b, m.digest)
	b = binary.AppendUvarint(b, uint64(index))
	b = wire.AppendText(b, c.Key)
	b = wire.AppendText(b, c.Value)
	_, _ = h.Write(b)
	m.digest = h.Sum64()
	return Resp{Index: index, Len: len(m.lists[c.Key]), Digest: m.digest}
}

// Digest identifies the machine's state: the running hash of every command
// applied.
func (m *SM) Digest() uint64 { return m.digest }

// Applied returns how many commands the machine applied, and the index of
// the last one.
func (m *SM) Applied() (uint64, raft.Index) { return m.applied, m.last }

// Snapshot serializes the state deterministically (keys in order):
// applied, last, digest, then each key with its values, all uvarints and
// length-prefixed strings.
func (m *SM) Snapshot() ([]byte, error) {
	b := binary.AppendUvarint(nil, m.applied)
	b = binary.AppendUvarint(b, uint64(m.last))
	b = binary.BigEndian.AppendUint64(b, m.digest)
	keys := make([]string, 0, len(m.lists))
	for k := range m.lists {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = wire.AppendText(b, k)
		b = binary.AppendUvarint(b, uint64(len(m.lists[k])))
		for _, v := range m.lists[k] {
			b = wire.AppendText(b, v)
		}
	}
	return b, nil
}

// Restore replaces the state by one Snapshot produced. Malformed bytes are
// an error wrapping raft.ErrCorrupt, and leave the machine unchanged.
func (m *SM) Restore(data []byte) error {
	d := wire.NewReader(data)
	applied, last := d.Uvarint(), raft.Index(d.Uvarint())
	digest := d.Uint64()
	lists := map[string][]string{}
	for range d.Count() {
		k := d.Text()
		vals := make([]string, 0, min(d.PeekCount(), 1024))
		for range d.Count() {
			vals = append(vals, d.Text())
		}
		lists[k] = vals
	}
	if err := d.Done(); err != nil {
		return fmt.Errorf("storagetest: restore state machine: %w: %w", err, raft.ErrCorrupt)
	}
	m.lists, m.applied, m.last, m.digest = lists, applied, last, digest
	return nil
}

// Codec encodes Cmd for stores that write commands to a device: a
// length-prefixed key, then a length-prefixed value.
type Codec struct{}

var _ raft.Codec[Cmd] = Codec{}

// AppendEncode appends the encoding of c to dst.
func (Codec) AppendEncode(dst []byte, c Cmd) []byte {
	return wire.AppendText(wire.AppendText(dst, c.Key), c.Value)
}

// Decode parses one encoding made by AppendEncode; anything else is an
// error wrapping raft.ErrCorrupt.
func (Codec) Decode(src []byte) (Cmd, error) {
	d := wire.NewReader(src)
	c := Cmd{Key: d.Text(), Value: d.Text()}
	if err := d.Done(); err != nil {
		return Cmd{}, fmt.Errorf("storagetest: decode command: %w: %w", err, raft.ErrCorrupt)
	}
	return c, nil
}
