// Package kv is the application raftsim replicates: a key-value state
// machine with client sessions, and the codec its commands travel in. It
// knows nothing of worlds or faults; the harness hosts one Store per node
// and feeds it committed entries.
package kv

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/internal/wire"
	"github.com/raftsim/raftsim/raft"
)

// Command is one client command in the Raft log. (Client, Seq) names it:
// a client retries a command with the same Seq, and the session table makes
// sure it applies once (dissertation §6.3).
type Command struct {
	Client int
	Seq    uint64
	Input  checker.Input
}

func (c Command) String() string {
	return fmt.Sprintf("c%d#%d %v", c.Client, c.Seq, describeInput(c.Input))
}

func describeInput(in checker.Input) string {
	switch in.Kind {
	case checker.OpGet:
		return "get " + in.Key
	case checker.OpCAS:
		return "cas " + in.Key + " " + strconv.Quote(in.Expected) + "->" + strconv.Quote(in.Value)
	}
	return in.Kind.String() + " " + in.Key + "=" + strconv.Quote(in.Value)
}

// Response is the state machine's answer to one command.
type Response struct {
	Output checker.Output
	// Duplicate: a retry of the session's latest command; Output is the
	// answer the first application gave.
	Duplicate bool
	// Stale: older than the session's latest command, so not applied and
	// not answerable. A closed-loop client never sees one.
	Stale bool
}

// session is what the state machine remembers about a client: its latest
// applied command and that command's answer.
type session struct {
	seq uint64
	out checker.Output
}

// Store is the replicated key-value state machine with client sessions.
// The session table is part of its state, so deduplication survives
// snapshots and restarts.
type Store struct {
	data     map[string]string
	sessions map[int]session
	// onApply, if set, sees every command this replica applies, with its
	// result (duplicates and stale retries included).
	onApply func(index raft.Index, c Command, r Response)
	// lastIndex is the last index applied in this machine's lifetime
	// (since New or the last Restore): the host's applied-once check
	// compares every apply with it, independently of the session dedup.
	lastIndex raft.Index
}

// New returns an empty store.
func New() *Store {
	return &Store{data: map[string]string{}, sessions: map[int]session{}}
}

// OnApply sets a function that sees every command this replica applies,
// with its result, duplicates and stale retries included: the host records
// applies in the trace through it.
func (kv *Store) OnApply(f func(index raft.Index, c Command, r Response)) { kv.onApply = f }

// LastIndex is the last index applied since New or the last Restore.
func (kv *Store) LastIndex() raft.Index { return kv.lastIndex }

// Apply applies one committed command.
func (kv *Store) Apply(index raft.Index, c Command) Response {
	r := kv.apply(c)
	if kv.onApply != nil {
		kv.onApply(index, c, r)
	}
	kv.lastIndex = max(kv.lastIndex, index)
	return r
}

func (kv *Store) apply(c Command) Response {
	s, seen := kv.sessions[c.Client]
	switch {
	case seen && c.Seq == s.seq:
		return Response{Output: s.out, Duplicate: true}
	case seen && c.Seq < s.seq:
		return Response{Stale: true}
	}
	out := kv.execute(c.Input)
	kv.sessions[c.Client] = session{seq: c.Seq, out: out}
	return Response{Output: out}
}

func (kv *Store) execute(in checker.Input) checker.Output {
	switch in.Kind {
	case checker.OpGet:
		return checker.Output{Value: kv.data[in.Key]}
	case checker.OpPut:
		kv.data[in.Key] = in.Value
	case checker.OpAppend:
		kv.data[in.Key] += in.Value
	case checker.OpCAS:
		if kv.data[in.Key] == in.Expected {
			kv.data[in.Key] = in.Value
			return checker.Output{Swapped: true}
		}
	default:
		panic(fmt.Sprintf("kv: unknown op kind %d: a command the codec should have refused", in.Kind))
	}
	return checker.Output{}
}

// Get reads a key from the local state (for reads confirmed by Raft).
func (kv *Store) Get(key string) string { return kv.data[key] }

// Snapshot serializes the whole state deterministically: keys and clients
// in sorted order.
func (kv *Store) Snapshot() ([]byte, error) {
	var b []byte
	keys := sortedKeys(kv.data)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = wire.AppendText(b, k)
		b = wire.AppendText(b, kv.data[k])
	}
	clients := sortedKeys(kv.sessions)
	b = binary.AppendUvarint(b, uint64(len(clients)))
	for _, c := range clients {
		s := kv.sessions[c]
		b = binary.AppendUvarint(b, uint64(c))
		b = binary.AppendUvarint(b, s.seq)
		b = wire.AppendText(b, s.out.Value)
		b = append(b, boolByte(s.out.Swapped))
	}
	return b, nil
}

// Restore replaces the state by a snapshot's.
func (kv *Store) Restore(data []byte) error {
	d := wire.NewReader(data)
	fresh := New()
	for n := d.Count(); n > 0 && d.Err() == nil; n-- {
		k := d.Text()
		fresh.data[k] = d.Text()
	}
	for n := d.Count(); n > 0 && d.Err() == nil; n-- {
		c := int(d.Uvarint())
		s := session{seq: d.Uvarint(), out: checker.Output{Value: d.Text(), Swapped: d.Byte() == 1}}
		fresh.sessions[c] = s
	}
	if err := d.Done(); err != nil {
		return fmt.Errorf("kv: restore: %w: %w", err, raft.ErrCorrupt)
	}
	kv.data, kv.sessions, kv.lastIndex = fresh.data, fresh.sessions, 0
	return nil
}

// Digest is a hash of the whole state, for convergence checks.
func (kv *Store) Digest() uint64 {
	b, _ := kv.Snapshot()
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

func sortedKeys[K string | int, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Codec encodes commands for stores that write them to a device and for
// counting message bytes.
type Codec struct{}

// AppendEncode appends c's encoding to dst.
func (Codec) AppendEncode(dst []byte, c Command) []byte {
	dst = binary.AppendUvarint(dst, uint64(c.Client))
	dst = binary.AppendUvarint(dst, c.Seq)
	dst = append(dst, byte(c.Input.Kind))
	dst = wire.AppendText(dst, c.Input.Key)
	dst = wire.AppendText(dst, c.Input.Value)
	return wire.AppendText(dst, c.Input.Expected)
}

// Decode parses an encoding made by AppendEncode.
func (Codec) Decode(src []byte) (Command, error) {
	d := wire.NewReader(src)
	c := Command{Client: int(d.Uvarint()), Seq: d.Uvarint()}
	c.Input.Kind = checker.OpKind(d.Byte())
	c.Input.Key = d.Text()
	c.Input.Value = d.Text()
	c.Input.Expected = d.Text()
	if d.Done() == nil && c.Input.Kind > checker.OpCAS {
		d.Fail("op kind %d", c.Input.Kind)
	}
	if err := d.Err(); err != nil {
		return Command{}, fmt.Errorf("kv: decode command: %w: %w", err, raft.ErrCorrupt)
	}
	return c, nil
}

// Size is the encoded size of a command, for message byte counts.
func (Codec) Size(c Command) int {
	return 12 + len(c.Input.Key) + len(c.Input.Value) + len(c.Input.Expected)
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}
