package memstore

import (
	"fmt"

	"github.com/raftsim/raftsim/raft"
)

// Store is the reference in-memory raft.Storage: a log held as a slice, the
// hard state, a state machine and its one live snapshot. Every method
// validates its whole input before it changes anything, so a method that
// returns an error leaves the store exactly as it was.
//
// A Store is not safe for concurrent use; a node calls it from one goroutine
// at a time, as raft.Storage requires. Everything a method returns is a copy
// the caller may keep and change, except command data D, which the store
// stores and returns by value and never changes: a D holding a pointer, a
// slice or a map must be treated as immutable by everyone.
type Store[D, R any] struct {
	id raft.NodeID
	sm raft.StateMachine[D, R]

	// hardState is the last value SaveHardState accepted.
	// Invariant: CurrentTerm never decreases; within one term a vote, once
	// cast, never changes.
	hardState raft.HardState

	// log holds the entries log[0].Index .. log[len(log)-1].Index, so the
	// entry at index i is log[i-log[0].Index].
	// Invariant: log[k].Index == log[0].Index+k (no holes).
	// Invariant: log[0].Index == 1, or log[0] is a snapshot pointer; a
	// snapshot pointer is never anywhere but log[0].
	// Invariant: terms never decrease along the log, and are never 0.
	// Invariant: the last index is >= lastApplied (the log never ends before
	// the state machine), and a snapshot pointer's index is <= lastApplied.
	// Entries are owned: memberships are deep-copied on the way in and out.
	log []raft.Entry[D]

	// lastApplied is the index of the last entry the state machine holds.
	lastApplied raft.Index

	// snapshot is the one live snapshot, nil until the first compaction or
	// installation.
	// Invariant: snapshot.meta.Index <= lastApplied; when log[0] is a
	// snapshot pointer, its SnapshotID is snapshot.id.
	snapshot *liveSnapshot

	// snapshotSeq numbers the snapshot IDs this store hands out, so that
	// they are unique within the store and the same in every run.
	snapshotSeq uint64
}

// liveSnapshot is the current snapshot. data is its encoding (see
// EncodeSnapshot); it is never changed once built, so read-only handles
// share it without copying.
type liveSnapshot struct {
	meta raft.SnapshotMeta
	id   string
	data []byte
}

var _ raft.Storage[int, int] = (*Store[int, int])(nil)

// New returns a pristine store for node id that applies committed commands
// to sm and snapshots it with sm.Snapshot and sm.Restore. sm must be in its
// initial (empty) state.
func New[D, R any](id raft.NodeID, sm raft.StateMachine[D, R]) *Store[D, R] {
	if id == raft.None {
		panic("memstore: New: node id 0 is reserved for none (number nodes from 1)")
	}
	if sm == nil {
		panic("memstore: New: nil state machine")
	}
	return &Store[D, R]{id: id, sm: sm}
}

// GetMembershipConfig returns the latest membership in the log: a reverse
// scan from the last entry stops at the first config-change entry or
// snapshot pointer. A log without either (including a pristine one) yields
// raft.NewInitialMembership(id). The scan is not cached, so a truncation
// that removes the latest config makes the previous one current again with
// no bookkeeping; it is short in practice because compaction leaves a
// pointer at the front of the log.
func (s *Store[D, R]) GetMembershipConfig() (raft.Membership, error) {
	return s.membershipAt(s.lastIndex()).Clone(), nil
}

// GetInitialState returns the last log entry's index and term (a snapshot
// pointer counts as an entry, so a log compacted down to its pointer reports
// the pointer's index and term), the last applied index, the hard state and
// the membership. A pristine store returns raft.NewInitialState(id).
//
// It checks the shape of the log first and returns an error wrapping
// raft.ErrInconsistent for a log that ends before the last applied index (a
// pointer counts: after compaction the log ends at or after the pointer,
// which is at or before the last applied index), a log that does not start
// at index 1 or with a snapshot pointer (a hole before its first entry) or a
// log with a hole inside. The store's methods never build such a log; the
// check is the one a store on a real disk needs at every start.
func (s *Store[D, R]) GetInitialState() (raft.InitialState, error) {
	if err := s.checkLog(); err != nil {
		return raft.InitialState{}, err
	}
	st := raft.InitialState{
		LastAppliedLog: s.lastApplied,
		HardState:      s.hardState,
		Membership:     s.membershipAt(s.lastIndex()).Clone(),
		// The node would otherwise read the log back to find it.
		MembershipIndex: s.configIndexAt(s.lastIndex()),
	}
	if n := len(s.log); n > 0 {
		st.LastLogIndex = s.log[n-1].Index
		st.LastLogTerm = s.log[n-1].Term
	}
	return st, nil
}

// checkLog verifies the invariants of the log in O(1), given that entries
// only ever enter through the checked paths.
func (s *Store[D, R]) checkLog() error {
	if len(s.log) == 0 {
		if s.lastApplied != 0 {
			return s.inconsistent("initial state: log is empty but last applied is %d", s.lastApplied)
		}
		return nil
	}
	first, last := &s.log[0], &s.log[len(s.log)-1]
	if first.Index != 1 && first.Kind != raft.EntrySnapshotPointer {
		return s.inconsistent("initial state: log starts at %d without a snapshot pointer", first.Index)
	}
	if uint64(last.Index-first.Index) != uint64(len(s.log)-1) {
		return s.inconsistent("initial state: log %d..%d holds %d entries (a hole)", first.Index, last.Index, len(s.log))
	}
	if last.Index < s.lastApplied {
		return s.inconsistent("initial state: log ends at %d before last applied %d", last.Index, s.lastApplied)
	}
	if first.Kind == raft.EntrySnapshotPointer && first.Index > s.lastApplied {
		return s.inconsistent("initial state: snapshot pointer at %d beyond last applied %d", first.Index, s.lastApplied)
	}
	return nil
}

// SaveHardState stores a copy of hs. Memory is this store's durable medium,
// so the write is durable and atomic when the method returns.
//
// Where the seed is silent, the dissertation (§3.4, Figure 3.2: "votedFor:
// candidateId that received vote in current term") decides: a term that
// goes back, or a vote that changes or is withdrawn within the same term, is
// an error wrapping raft.ErrInconsistent, since either could let the node
// vote twice in one term.
func (s *Store[D, R]) SaveHardState(hs raft.HardState) error {
	old := s.hardState
	if hs.CurrentTerm < old.CurrentTerm {
		return s.inconsistent("save hard state (%v): term goes back from %d", hs, old.CurrentTerm)
	}
	if hs.CurrentTerm == old.CurrentTerm && old.VotedFor != raft.None && hs.VotedFor != old.VotedFor {
		return s.inconsistent("save hard state (%v): changes the vote of term %d from %v", hs, old.CurrentTerm, old.VotedFor)
	}
	s.hardState = hs
	return nil
}

// inconsistent returns an error naming the store and wrapping
// raft.ErrInconsistent: "memstore: n2: append 7: ...: storage inconsistent".
func (s *Store[D, R]) inconsistent(format string, args ...any) error {
	return fmt.Errorf("memstore: %v: %s: %w", s.id, fmt.Sprintf(format, args...), raft.ErrInconsistent)
}

// failed returns an error naming the store and wrapping err.
func (s *Store[D, R]) failed(err error, format string, args ...any) error {
	return fmt.Errorf("memstore: %v: %s: %w", s.id, fmt.Sprintf(format, args...), err)
}
