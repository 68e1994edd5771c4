package storagetest

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/memstore"
	"github.com/raftsim/raftsim/storage/simdisk"
	"github.com/raftsim/raftsim/storage/vfs"
)

// A user's application: a counter machine with its own command and
// response types, and the kit run on stores of those types.

type counterCmd struct {
	Name  string
	Delta int64
}

type counterResp struct {
	Name  string
	Total int64
}

// counterSM sums deltas per name.
type counterSM struct{ totals map[string]int64 }

func newCounterSM() raft.StateMachine[counterCmd, counterResp] {
	return &counterSM{totals: map[string]int64{}}
}

func (m *counterSM) Apply(_ raft.Index, c counterCmd) counterResp {
	m.totals[c.Name] += c.Delta
	return counterResp{Name: c.Name, Total: m.totals[c.Name]}
}

func (m *counterSM) Snapshot() ([]byte, error) { return nil, fmt.Errorf("unused: the kit snapshots") }
func (m *counterSM) Restore([]byte) error      { return fmt.Errorf("unused: the kit restores") }

// counterCodec encodes a counter command: the delta, then the name.
type counterCodec struct{}

func (counterCodec) AppendEncode(dst []byte, c counterCmd) []byte {
	return append(binary.AppendVarint(dst, c.Delta), c.Name...)
}

func (counterCodec) Decode(src []byte) (counterCmd, error) {
	d, n := binary.Varint(src)
	if n <= 0 {
		return counterCmd{}, fmt.Errorf("counter command: bad delta: %w", raft.ErrCorrupt)
	}
	return counterCmd{Name: string(src[n:]), Delta: d}, nil
}

var counterApp = App[counterCmd, counterResp]{
	// Distinct kit commands give distinct counter commands: the value
	// (unique per draw, padded in the deep workloads) is the name.
	Command: func(c Cmd) counterCmd { return counterCmd{Name: c.Key + "/" + c.Value, Delta: int64(len(c.Value))} },
	NewSM:   newCounterSM,
}

// TestTypedMemstore runs the kit on memstore of the counter's types.
func TestTypedMemstore(t *testing.T) {
	RunCases(t, Typed(counterApp, typedMemory{}))
	RunModel(t, Typed(counterApp, typedMemory{}))
}

type typedMemory struct{}

func (typedMemory) New(_ TB, id raft.NodeID, sm raft.StateMachine[counterCmd, counterResp]) raft.Storage[counterCmd, counterResp] {
	return memstore.New(id, sm)
}

func (typedMemory) Reopen(TB, raft.Storage[counterCmd, counterResp], raft.StateMachine[counterCmd, counterResp]) raft.Storage[counterCmd, counterResp] {
	return nil
}

// TestTypedDiskStore runs the whole kit, crash and faults included, on the
// disk store of the counter's types, through the file interface.
func TestTypedDiskStore(t *testing.T) {
	open := func(fsys vfs.FS, id raft.NodeID, sm raft.StateMachine[counterCmd, counterResp]) (raft.Storage[counterCmd, counterResp], error) {
		return simdisk.Open(simdisk.OnFS(fsys), id, sm, counterCodec{}, simdisk.Options{SegmentSize: 4096})
	}
	Run(t, Typed(counterApp, OnDisk(open, DiskOptions{})), WithTolerates(diskStoreTolerates))
}

// TestTypedSeesWrongResponse: a store that answers with its own response
// instead of the reference machine's fails the apply case.
func TestTypedSeesWrongResponse(t *testing.T) {
	f := Typed(counterApp, wrongResponse{})
	failed := false
	for _, r := range Check(f) {
		if r.Case == "apply-response" && r.Failure != "" {
			failed = true
		}
	}
	if !failed {
		t.Fatal("a typed store returning a wrong response passed apply-response")
	}
}

type wrongResponse struct{ typedMemory }

func (wrongResponse) New(t TB, id raft.NodeID, sm raft.StateMachine[counterCmd, counterResp]) raft.Storage[counterCmd, counterResp] {
	return wrongRespStore{memstore.New(id, sm)}
}

type wrongRespStore struct {
	*memstore.Store[counterCmd, counterResp]
}

func (s wrongRespStore) ApplyEntryToStateMachine(e *raft.Entry[counterCmd]) (counterResp, error) {
	r, err := s.Store.ApplyEntryToStateMachine(e)
	r.Total++
	return r, err
}
