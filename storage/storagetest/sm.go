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

	// seen holds every index applied in this lifetime (since NewSM or the
	// last Restore); again, the first index applied a second time in it.
	// Applied once: the contract applies each committed entry to a state
	// machine at most once per lifetime, whatever the command does.
	seen  map[raft.Index]bool
	again raft.Index

	// history is every command applied, with its index, in order (kept
	// in snapshots): Typed rebuilds a user's reference machine from it.
	history []Applied
}

// Applied is one command a machine applied, at its index.
type Applied struct {
	Index raft.Index
	Cmd   Cmd
}

// History returns every command the machine's state holds, with its
// index, in the order applied (through snapshots and restores).
func (m *SM) History() []Applied { return slices.Clone(m.history) }

var _ raft.StateMachine[Cmd, Resp] = (*SM)(nil)

// NewSM returns an empty machine.
func NewSM() *SM { return &SM{lists: map[string][]string{}, seen: map[raft.Index]bool{}} }

// AppliedTwice returns an error naming the first index applied twice in
// the machine's lifetime, or nil.
func (m *SM) AppliedTwice() error {
	if m.again == 0 {
		return nil
	}
	return fmt.Errorf("index %d was applied twice to one state machine (applied once: every committed entry "+
		"is applied at most once per state-machine lifetime; only a snapshot restore starts a new one)", m.again)
}

// Apply appends c.Value to the list c.Key and answers with the new length
// and digest.
func (m *SM) Apply(index raft.Index, c Cmd) Resp {
	if m.seen[index] && m.again == 0 {
		m.again = index
	}
	m.seen[index] = true
	m.lists[c.Key] = append(m.lists[c.Key], c.Value)
	m.history = append(m.history, Applied{Index: index, Cmd: c})
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
// applied, last, digest, then each key with its values, then the history
// (index, key, value of every command), all uvarints and length-prefixed
// strings.
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
	b = binary.AppendUvarint(b, uint64(len(m.history)))
	for _, a := range m.history {
		b = binary.AppendUvarint(b, uint64(a.Index))
		b = wire.AppendText(wire.AppendText(b, a.Cmd.Key), a.Cmd.Value)
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
	var history []Applied
	for range d.Count() {
		index := raft.Index(d.Uvarint())
		history = append(history, Applied{Index: index, Cmd: Cmd{Key: d.Text(), Value: d.Text()}})
	}
	if err := d.Done(); err != nil {
		return fmt.Errorf("storagetest: restore state machine: %w: %w", err, raft.ErrCorrupt)
	}
	m.lists, m.applied, m.last, m.digest = lists, applied, last, digest
	m.seen, m.again, m.history = map[raft.Index]bool{}, 0, history
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
