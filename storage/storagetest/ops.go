package storagetest

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/raftsim/raftsim/raft"
)

// opKind names the write a random test makes.
type opKind uint8

const (
	opSave opKind = iota
	opAppend
	opReplicate
	opDelete
	opApply
	opApplyBatch
	opCompact
	opInstall
)

// op is one storage call of the random tests, as data: the model-based
// test runs it on the store and the model, the crash driver replays a list
// of them on fresh stores.
type op struct {
	kind opKind
	// refusable marks an op the contract requires the store to refuse
	// (ErrInconsistent): a deliberate caller error the guard reports.
	refusable bool

	hs      raft.HardState    // opSave
	entries []raft.Entry[Cmd] // opAppend (one), opReplicate, opApply (one), opApplyBatch
	start   raft.Index        // opDelete
	stop    *raft.Index       // opDelete
	through raft.Index        // opCompact

	// opInstall: the snapshot's bytes (their header names index and term),
	// deleteThrough, and the number of chunks they are streamed in.
	snap          []byte
	index         raft.Index
	term          raft.Term
	deleteThrough *raft.Index
	chunks        int
}

// result is what an op returned that the tests compare.
type result struct {
	resp Resp               // opApply
	meta *raft.SnapshotMeta // opCompact
	err  error
}

// GoString makes rapid's log of drawn ops readable.
func (o op) GoString() string { return o.String() }

func (o *op) String() string {
	switch o.kind {
	case opSave:
		return fmt.Sprintf("SaveHardState(%v)", o.hs)
	case opAppend:
		return "AppendEntryToLog(" + fmtEntry(&o.entries[0]) + ")"
	case opReplicate:
		return "ReplicateToLog[" + strings.Join(fmtEntries(o.entries), "; ") + "]"
	case opDelete:
		if o.stop == nil {
			return fmt.Sprintf("DeleteLogsFrom(%d, nil)", o.start)
		}
		return fmt.Sprintf("DeleteLogsFrom(%d, %d)", o.start, *o.stop)
	case opApply:
		return "ApplyEntryToStateMachine(" + o.entries[0].ID().String() + ")"
	case opApplyBatch:
		return fmt.Sprintf("ReplicateToStateMachine(%v..%v)", o.entries[0].ID(), o.entries[len(o.entries)-1].ID())
	case opCompact:
		return fmt.Sprintf("DoLogCompaction(%d)", o.through)
	case opInstall:
		dt := "nil"
		if o.deleteThrough != nil {
			dt = fmt.Sprint(*o.deleteThrough)
		}
		meta, _, _ := raft.DecodeSnapshot(o.snap)
		return fmt.Sprintf("FinalizeSnapshotInstallation(%d/%d, delete through %s, %v, %d chunks)", o.term, o.index, dt, meta.Membership, o.chunks)
	}
	return fmt.Sprintf("op(%d)", o.kind)
}

// run makes the op's calls on s.
func (o *op) run(s Store) result {
	switch o.kind {
	case opSave:
		return result{err: s.SaveHardState(o.hs)}
	case opAppend:
		e := o.entries[0]
		return result{err: s.AppendEntryToLog(&e)}
	case opReplicate:
		return result{err: s.ReplicateToLog(cloneEntries(o.entries))}
	case opDelete:
		return result{err: s.DeleteLogsFrom(o.start, o.stop)}
	case opApply:
		e := o.entries[0]
		resp, err := s.ApplyEntryToStateMachine(&e)
		return result{resp: resp, err: err}
	case opApplyBatch:
		return result{err: s.ReplicateToStateMachine(cloneEntries(o.entries))}
	case opCompact:
		cs, err := s.DoLogCompaction(o.through)
		if err != nil {
			return result{err: err}
		}
		return result{meta: &raft.SnapshotMeta{Index: cs.Index, Term: cs.Term, Membership: cs.Membership}}
	case opInstall:
		return result{err: o.install(s)}
	}
	panic(fmt.Sprintf("storagetest: unknown op kind %d", o.kind))
}

// install streams the snapshot into a handle from CreateSnapshot and
// finalizes it.
func (o *op) install(s Store) error {
	id, h, err := s.CreateSnapshot()
	if err != nil {
		return fmt.Errorf("CreateSnapshot: %w", err)
	}
	if h == nil {
		return errors.New("CreateSnapshot: nil handle")
	}
	size := max(1, (len(o.snap)+o.chunks-1)/max(o.chunks, 1))
	for off := 0; off < len(o.snap); off += size {
		if _, err := h.Write(o.snap[off:min(off+size, len(o.snap))]); err != nil {
			return fmt.Errorf("write snapshot %s at %d: %w", id, off, err)
		}
	}
	if err := h.Close(); err != nil {
		return fmt.Errorf("close snapshot %s: %w", id, err)
	}
	if _, err := h.Seek(0, io.SeekEnd); err != nil {
		return fmt.Errorf("seek snapshot %s: %w", id, err)
	}
	return s.FinalizeSnapshotInstallation(o.index, o.term, o.deleteThrough, id, h)
}

// cloneEntries copies entries so that a store keeping the caller's slice
// or memberships cannot change the op.
func cloneEntries(es []raft.Entry[Cmd]) []raft.Entry[Cmd] {
	out := make([]raft.Entry[Cmd], len(es))
	for k, e := range es {
		if e.Membership != nil {
			m := e.Membership.Clone()
			e.Membership = &m
		}
		out[k] = e
	}
	return out
}

// sameResult compares what the model and the store returned for one op.
func sameResult(o *op, model, store result) error {
	if (model.err == nil) != (store.err == nil) {
		return fmt.Errorf("%v: the model returned %v, the store %v", o, model.err, store.err)
	}
	if model.err != nil {
		if !errors.Is(store.err, raft.ErrInconsistent) {
			return fmt.Errorf("%v: refused with %q, which does not wrap raft.ErrInconsistent", o, store.err)
		}
		return nil
	}
	if model.resp != store.resp {
		return fmt.Errorf("%v: responded %+v, want %+v", o, store.resp, model.resp)
	}
	if model.meta != nil && (store.meta == nil || model.meta.String() != store.meta.String()) {
		return fmt.Errorf("%v: returned snapshot %v, want %v", o, store.meta, model.meta)
	}
	return nil
}
