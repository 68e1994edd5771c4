package storagetest

import (
	"fmt"
	"slices"

	"github.com/raftsim/raftsim/raft"
)

// possibleOutcomes returns the states a crash during o may leave, given
// the model's state before it; it leaves the model after o. An
// acknowledged o must have taken effect. Otherwise o may have taken effect
// or not; a batch apply may have applied any prefix of its entries; a call
// that writes only the log (append, replicate, delete) may have left any
// log between the two that a crash of sequential writes can: a prefix of
// the old log or of the new one, no shorter than what they share.
func possibleOutcomes(m *model, o *op, before state, acked bool) []state {
	switch {
	case acked:
		o.run(m.s)
		return []state{m.state()}
	case o.kind == opApplyBatch:
		out := []state{before}
		for k := range o.entries {
			if err := m.s.ReplicateToStateMachine(cloneEntries(o.entries[k : k+1])); err != nil {
				panic(fmt.Sprintf("storagetest: the model refused %v: %v", o.entries[k].ID(), err))
			}
			out = append(out, m.state())
		}
		return out
	case o.kind == opAppend || o.kind == opReplicate || o.kind == opDelete:
		o.run(m.s)
		return logPrefixes(before, m.state(), m.id)
	}
	o.run(m.s)
	return []state{before, m.state()}
}

// logPrefixes returns before with its log replaced by each prefix of
// before's or after's log that is at least as long as their common part.
func logPrefixes(before, after state, id raft.NodeID) []state {
	common := 0
	for common < min(len(before.Log), len(after.Log)) &&
		fmtEntry(&before.Log[common]) == fmtEntry(&after.Log[common]) {
		common++
	}
	var out []state
	for _, log := range [][]raft.Entry[Cmd]{before.Log, after.Log} {
		for k := common; k <= len(log); k++ {
			out = append(out, withLog(before, log[:k], id))
		}
	}
	return out
}

// withLog returns st with log in place of its own, and what derives from
// the log (the last entry, the membership) updated.
func withLog(st state, log []raft.Entry[Cmd], id raft.NodeID) state {
	st.Log = slices.Clone(log)
	st.Initial.LastLogIndex, st.Initial.LastLogTerm = 0, 0
	if n := len(log); n > 0 {
		st.Initial.LastLogIndex, st.Initial.LastLogTerm = log[n-1].Index, log[n-1].Term
	}
	st.Membership = scanMembership(log, id)
	st.Initial.Membership = st.Membership
	return st
}

// witness remembers what the calls before a crash wrote: every entry,
// every hard state saved, and the state machine's digest at every last
// applied index the calls passed through.
type witness struct {
	entries map[string]bool // fmtEntry of each entry written
	saved   []raft.HardState
	digests map[raft.Index]uint64
}

// saw records the digest of the model's machine in st. A last applied
// index maps to one digest: applies never change an applied entry, and an
// installed snapshot only moves the index forward.
func (w *witness) saw(st state) {
	w.digests[st.Initial.LastAppliedLog] = st.Digest
}

// fellBack reports whether got is want with the last applied index taken
// back, as a store that persists it lazily may: to an earlier index, at or
// after the snapshot, with the machine exactly as it was at that index.
func (w *witness) fellBack(got, want *state) bool {
	applied := got.Initial.LastAppliedLog
	if applied >= want.Initial.LastAppliedLog {
		return false
	}
	if want.Snapshot != nil && applied < want.Snapshot.Meta.Index {
		return false
	}
	if d, ok := w.digests[applied]; !ok || d != got.Digest {
		return false
	}
	back := *want
	back.Initial.LastAppliedLog, back.Digest = applied, got.Digest
	return back.String() == got.String()
}

func (w *witness) note(o *op, m *model) {
	switch o.kind {
	case opApply, opApplyBatch:
		// A lazy store may recover any index of a batch: note each.
		sm := NewSM()
		if b, err := m.sm.Snapshot(); err != nil || sm.Restore(b) != nil {
			panic("storagetest: the kit's state machine cannot copy itself")
		}
		for _, e := range o.entries {
			if e.Kind == raft.EntryNormal {
				sm.Apply(e.Index, e.Data)
			}
			w.digests[e.Index] = sm.Digest()
		}
	case opAppend, opReplicate:
		if w.entries == nil {
			w.entries = map[string]bool{}
		}
		for k := range o.entries {
			w.entries[fmtEntry(&o.entries[k])] = true
		}
	case opSave:
		w.saved = append(w.saved, o.hs)
	}
}

// check finds an entry never written, a state machine out of step with
// the last applied index, or a hard state never saved, in a recovered
// state. Pointers are the store's own; the outcomes check them.
func (w *witness) check(got *state) error {
	for k := range got.Log {
		e := &got.Log[k]
		if e.Kind != raft.EntrySnapshotPointer && !w.entries[fmtEntry(e)] {
			return fmt.Errorf("the recovered log holds %s, an entry never written", fmtEntry(e))
		}
	}
	if d, ok := w.digests[got.Initial.LastAppliedLog]; ok && d != got.Digest {
		return fmt.Errorf("the recovered state machine is not the one at last applied %d: an entry skipped or applied twice", got.Initial.LastAppliedLog)
	}
	hs := got.Initial.HardState
	if hs == (raft.HardState{}) || slices.Contains(w.saved, hs) {
		return nil
	}
	for _, s := range w.saved {
		if s.CurrentTerm == hs.CurrentTerm {
			return fmt.Errorf("the recovered hard state %v mixes term %d with a vote never saved with it (saved: %v)", hs, hs.CurrentTerm, w.saved)
		}
	}
	return fmt.Errorf("the recovered hard state %v was never saved (saved: %v)", hs, w.saved)
}
