package checker

import (
	"github.com/raftsim/raftsim/raft"
)

// Storage observations. A wrapper around each node's raft.Storage calls
// these after the store accepted a write (returned nil), with the call's
// arguments: what they report is what the store now holds. Reads are not
// reported.

// SavedHardState reports SaveHardState(hs) on id's store.
func (w *Watch) SavedHardState(id raft.NodeID, hs raft.HardState) *Violation {
	n, v := w.live(id, "save hard state")
	if v != nil {
		return v
	}
	old := n.hs
	switch {
	case hs.CurrentTerm < old.CurrentTerm:
		return violate(TermVoteMonotonic, nodes(id), hs.CurrentTerm, 0,
			"%v saved term %d after term %d", id, hs.CurrentTerm, old.CurrentTerm)
	case hs.CurrentTerm == old.CurrentTerm && old.VotedFor != raft.None && hs.VotedFor == raft.None:
		return violate(TermVoteMonotonic, nodes(id, old.VotedFor), hs.CurrentTerm, 0,
			"%v withdrew its vote for %v in term %d", id, old.VotedFor, hs.CurrentTerm)
	case hs.CurrentTerm == old.CurrentTerm && old.VotedFor != raft.None && hs.VotedFor != old.VotedFor:
		return violate(OneVotePerTerm, nodes(id, old.VotedFor, hs.VotedFor), hs.CurrentTerm, 0,
			"%v changed its vote in term %d from %v to %v", id, hs.CurrentTerm, old.VotedFor, hs.VotedFor)
	}
	// A vote counts once it is durable or has left the node (Sent): one
	// that a crash loses before either was never cast.
	if !w.cfg.LaggingDurability {
		if v := n.noteVote(hs.CurrentTerm, hs.VotedFor); v != nil {
			return v
		}
	}
	n.write(&writeOp{kind: opHardState, hs: hs}, w.cfg.LaggingDurability)
	return nil
}

// Appended reports AppendEntryToLog(e) on id's store: a leader appending
// an entry of its own.
func (w *Watch) Appended(id raft.NodeID, e EntryRef) *Violation {
	n, v := w.live(id, "append")
	if v != nil {
		return v
	}
	if last := n.log.lastID(); e.Index <= last.Index {
		held, _ := n.log.at(e.Index)
		return violate(LeaderAppendOnly, nodes(id), e.Term, e.Index,
			"%v appends %v over its own %d/%d (its log ends at %v): a leader only appends",
			id, e.ID(), held.term, e.Index, last)
	}
	return w.put(n, e)
}

// Replicated reports ReplicateToLog(es) on id's store. Each entry's index
// decides where it lands, as the storage contract says: below the snapshot
// pointer it is skipped, at an index held with the same term it changes
// nothing, at an index held with another term it replaces that entry and
// everything after it.
func (w *Watch) Replicated(id raft.NodeID, es []EntryRef) *Violation {
	n, v := w.live(id, "replicate")
	if v != nil {
		return v
	}
	for i := range es {
		if v := w.put(n, es[i]); v != nil {
			return v
		}
	}
	return nil
}

// put writes one entry into n's log by the storage contract's placement
// rules, checking log matching for what it adds and the removal rules for
// what it replaces.
func (w *Watch) put(n *nodeState, e EntryRef) *Violation {
	l := &n.log
	last := l.last()
	switch {
	case e.Index == 0 || e.Term == 0:
		return violate(InvalidObservation, nodes(n.id), e.Term, e.Index, "%v wrote entry %v: index and term start at 1", n.id, e.ID())
	case e.Index > last+1:
		return violate(InvalidObservation, nodes(n.id), e.Term, e.Index,
			"%v wrote %v after its last entry %v, leaving a hole", n.id, e.ID(), l.lastID())
	case e.Index < l.purged:
		return nil // covered by the snapshot: the store skips it
	case e.Index <= last:
		if l.slots[e.Index-l.base].term == e.Term {
			return nil // the same entry (log matching; the table guards it)
		}
		if v := w.removing(n, e.Index); v != nil {
			return v
		}
	}
	prev := l.slots[e.Index-1-l.base]
	s := slot{term: e.Term, chain: chainHash(prev.chain, e.Index, e.Term, e.Digest)}
	if !w.cfg.LaggingDurability {
		if v := w.holds(n, e.Index, s); v != nil {
			return v
		}
	}
	op := writeOp{kind: opPut, index: e.Index, s: s}
	if e.Membership != nil {
		op.cfg, op.hasCfg = configAt{index: e.Index, m: e.Membership.Clone()}, true
		w.noteMembers(e.Membership)
	}
	n.write(&op, w.cfg.LaggingDurability)
	return nil
}

// holds records that n holds the entry s at i, and checks log matching
// against every other holder. With lagging durability it runs when the
// entry becomes durable (promote, or a restart that finds it), not when it
// is written: like a vote, an entry a crash loses before it was durable
// was never held (it cannot have left the node, since messages wait for
// durability). A sole voter whose campaign and entries a crash loses may
// lead that term again and write other entries at the same indexes; only
// the lost copy would disagree.
func (w *Watch) holds(n *nodeState, i raft.Index, s slot) *Violation {
	if other, bad := w.entries.record(i, s.term, s.chain, n.id); bad {
		return violate(LogMatching, nodes(other, n.id), s.term, i,
			"%v and %v hold %v with different histories", other, n.id, raft.EntryID{Term: s.term, Index: i})
	}
	return nil
}

// removing checks that n's log may lose [from, last]: not while it leads
// its term, never a committed entry, never an applied one.
func (w *Watch) removing(n *nodeState, from raft.Index) *Violation {
	l := &n.log
	held, ok := l.at(from)
	if !ok {
		return nil
	}
	id := raft.EntryID{Term: held.term, Index: from}
	if n.leading() {
		return violate(LeaderAppendOnly, nodes(n.id), n.ledTerm, from,
			"%v, leader of term %d, removes %v and what follows from its log", n.id, n.ledTerm, id)
	}
	if from <= w.commitIndex() && w.committed.has(int(from)) && w.committedAt(from).chain == held.chain {
		return violate(CommittedNeverChanges, nodes(n.id), held.term, from,
			"%v removes committed entry %v from its log", n.id, id)
	}
	if from <= n.applied || from <= l.purged {
		return violate(StateMachineSafety, nodes(n.id), held.term, from,
			"%v removes %v from its log, which it already applied (applied %d, snapshot pointer %d)", n.id, id, n.applied, l.purged)
	}
	return nil
}

// Deleted reports DeleteLogsFrom(start, stop) on id's store.
func (w *Watch) Deleted(id raft.NodeID, start raft.Index, stop *raft.Index) *Violation {
	n, v := w.live(id, "delete")
	if v != nil {
		return v
	}
	l := &n.log
	lo := max(start, l.purged, 1)
	hi := l.last() + 1
	if stop != nil {
		hi = min(hi, *stop)
	}
	if lo >= hi {
		return nil
	}
	if hi <= l.last() {
		return violate(InvalidObservation, nodes(id), 0, lo,
			"%v deleted [%d, %d) from a log ending at %v, leaving a hole", id, lo, hi, l.lastID())
	}
	if v := w.removing(n, lo); v != nil {
		return v
	}
	n.write(&writeOp{kind: opTruncate, index: lo}, w.cfg.LaggingDurability)
	return nil
}

// AppliedEntry reports that id's store applied e to its state machine
// (ApplyEntryToStateMachine, or each entry of ReplicateToStateMachine in
// order).
func (w *Watch) AppliedEntry(id raft.NodeID, e EntryRef) *Violation {
	n, v := w.live(id, "apply")
	if v != nil {
		return v
	}
	if e.Index != n.applied+1 {
		return violate(StateMachineSafety, nodes(id), e.Term, e.Index,
			"%v applies %v after applying through %d: entries are applied once each, in order", id, e.ID(), n.applied)
	}
	held, ok := n.log.at(e.Index)
	prev, okPrev := n.log.at(e.Index - 1)
	switch {
	case !ok || !okPrev:
		return violate(StateMachineSafety, nodes(id), e.Term, e.Index,
			"%v applies %v, which its log does not hold (it holds [%d, %v])", id, e.ID(), n.log.base, n.log.lastID())
	case held.term != e.Term:
		return violate(StateMachineSafety, nodes(id), e.Term, e.Index,
			"%v applies %v where its log holds %d/%d", id, e.ID(), held.term, e.Index)
	case chainHash(prev.chain, e.Index, e.Term, e.Digest) != held.chain:
		return violate(StateMachineSafety, nodes(id), e.Term, e.Index,
			"%v applies %v with other content than its log's %v", id, e.ID(), e.ID())
	}
	if e.Index <= w.commitIndex() {
		if c := w.committedAt(e.Index); !w.committedMatches(e.Index, held.chain) {
			return violate(StateMachineSafety, nodes(id), e.Term, e.Index,
				"%v applies %v but %d/%d is committed there (or the histories before differ)", id, e.ID(), c.term, e.Index)
		}
	} else {
		n.appliedAhead = true
	}
	n.applied = e.Index
	return nil
}

// Compacted reports DoLogCompaction(through) on id's store, which returned
// a snapshot at snap: the store's pointer is now at max(through, old
// pointer), and snap is the live snapshot.
func (w *Watch) Compacted(id raft.NodeID, through raft.Index, snap raft.EntryID) *Violation {
	n, v := w.live(id, "compact")
	if v != nil {
		return v
	}
	l := &n.log
	cut := max(through, l.purged)
	switch {
	case through == 0:
		return violate(InvalidObservation, nodes(id), 0, 0, "%v compacted through 0", id)
	case snap.Index > n.applied:
		return violate(IndexOrder, nodes(id), snap.Term, snap.Index,
			"%v snapshots at %v beyond its applied index %d", id, snap, n.applied)
	case cut > snap.Index:
		return violate(IndexOrder, nodes(id), snap.Term, cut,
			"%v purges its log through %d, beyond its snapshot %v", id, cut, snap)
	case snap.Index < l.snap.Index:
		return violate(IndexOrder, nodes(id), snap.Term, snap.Index,
			"%v replaces snapshot %v by an older one, %v", id, l.snap, snap)
	}
	if held, ok := l.at(snap.Index); ok && held.term != snap.Term {
		return violate(InvalidObservation, nodes(id), snap.Term, snap.Index,
			"%v's store snapshots at %v but its log holds %d/%d there", id, snap, held.term, snap.Index)
	}
	op := writeOp{kind: opCompact, index: cut, snap: snap, trimTo: max(l.base, min(cut, w.commitIndex()))}
	n.write(&op, w.cfg.LaggingDurability)
	return nil
}

// InstalledSnapshot reports FinalizeSnapshotInstallation(index, term,
// deleteThrough, ...) on id's store, keepLog being deleteThrough != nil.
// As the contract says, a snapshot at or below the last applied index
// changes nothing; otherwise the log through index becomes a pointer, and
// what follows stays only with keepLog and an entry index/term in the log.
func (w *Watch) InstalledSnapshot(id raft.NodeID, index raft.Index, term raft.Term, keepLog bool) *Violation {
	n, v := w.live(id, "install snapshot")
	if v != nil {
		return v
	}
	if index <= n.applied {
		return nil
	}
	snap := raft.EntryID{Term: term, Index: index}
	if index > w.commitIndex() {
		return violate(StateMachineSafety, nodes(id), term, index,
			"%v installs snapshot %v beyond the committed log (committed through %v)", id, snap, w.Committed())
	}
	if !w.committed.has(int(index)) {
		// Unreachable: a started node's applied index is at or above
		// its shadow's base, and the Watch trims the committed log only
		// below every node's base (see trimCommitted).
		return violate(InvalidObservation, nodes(id), term, index,
			"%v installs snapshot %v below the Watch's trimmed committed log (from %d)", id, snap, w.committed.floor())
	}
	c := w.committedAt(index)
	if c.term != term {
		return violate(StateMachineSafety, nodes(id), term, index,
			"%v installs snapshot %v but %d/%d is committed", id, snap, c.term, index)
	}
	l := &n.log
	held, ok := l.at(index)
	if keepLog && ok && index >= l.purged && held.term == term {
		op := writeOp{kind: opCompact, index: index, snap: snap, trimTo: index}
		n.write(&op, w.cfg.LaggingDurability)
		n.applied = index
		return nil
	}
	if index < l.last() {
		if v := w.removing(n, index+1); v != nil {
			return v
		}
	}
	op := writeOp{kind: opReset, index: index, s: c, snap: snap}
	if cfg, ok := w.committedConfigAt(index); ok {
		op.cfg, op.hasCfg = cfg, true
	}
	n.write(&op, w.cfg.LaggingDurability)
	n.applied = index
	return nil
}

// committedConfigAt returns the committed configuration in force at i.
func (w *Watch) committedConfigAt(i raft.Index) (configAt, bool) {
	cs := w.committedConfigs
	k := len(cs)
	for k > 0 && cs[k-1].index > i {
		k--
	}
	if k == 0 {
		return configAt{}, false
	}
	return cs[k-1], true
}

// Synced reports that everything id's store wrote so far is durable. Only
// meaningful with LaggingDurability; otherwise writes are durable at once.
func (w *Watch) Synced(id raft.NodeID) *Violation {
	n := w.node(id)
	if n == nil {
		return violate(InvalidObservation, nodes(id), 0, 0, "sync on node %v: IDs must lie in [1, %d]", id, maxNodeID)
	}
	if !w.cfg.LaggingDurability {
		return nil
	}
	return w.promote(n, n.pendingBase+uint64(len(n.pending)))
}

// WriteMark names everything id's store has written so far: a later
// SyncedThrough(id, mark) makes exactly those writes durable, and not the
// ones written after the mark. A host whose device reports when each
// write became durable uses the pair instead of Synced.
func (w *Watch) WriteMark(id raft.NodeID) uint64 {
	n := w.node(id)
	if n == nil {
		return 0
	}
	return n.pendingBase + uint64(len(n.pending))
}

// SyncedThrough reports that the writes before mark (from WriteMark) are
// durable. Only meaningful with LaggingDurability.
func (w *Watch) SyncedThrough(id raft.NodeID, mark uint64) *Violation {
	n := w.node(id)
	if n == nil {
		return violate(InvalidObservation, nodes(id), 0, 0, "sync on node %v: IDs must lie in [1, %d]", id, maxNodeID)
	}
	if !w.cfg.LaggingDurability {
		return nil
	}
	return w.promote(n, mark)
}

// promote makes the pending writes before mark durable, in order.
func (w *Watch) promote(n *nodeState, mark uint64) *Violation {
	k := 0
	for k < len(n.pending) && n.pendingBase+uint64(k) < mark {
		op := &n.pending[k]
		if op.kind == opHardState {
			n.hsDurable = op.hs
			if v := n.noteVote(op.hs.CurrentTerm, op.hs.VotedFor); v != nil {
				return v
			}
		} else {
			if op.kind == opPut {
				if v := w.holds(n, op.index, op.s); v != nil {
					return v
				}
			}
			n.dlog.apply(op)
		}
		k++
	}
	rest := copy(n.pending, n.pending[k:])
	clear(n.pending[rest:])
	n.pending = n.pending[:rest]
	n.pendingBase += uint64(k)
	return nil
}
