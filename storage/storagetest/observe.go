package storagetest

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/raftsim/raftsim/raft"
)

// state is everything a store shows through the raft.Storage API, with the
// snapshot IDs the store chose left out, so that two stores that took the
// same calls have the same state.
type state struct {
	Initial    raft.InitialState
	Membership raft.Membership
	// Log is every entry held, read with GetLogEntries from 0 to a few
	// indices past the last.
	Log      []raft.Entry[Cmd]
	Snapshot *snapshotState
	// Digest is the digest of the store's state machine.
	Digest uint64
}

// snapshotState is the current snapshot: its metadata and the digest of a
// machine restored from its bytes.
type snapshotState struct {
	Meta   raft.SnapshotMeta
	Digest uint64
}

// observe reads the state of s (applying to sm, node id) and checks that
// the store agrees with itself: the initial state with the log, the
// membership with a reverse scan of the log, the snapshot pointer with the
// current snapshot, the log's shape. A contradiction is an error.
func observe(s Store, sm *SM, id raft.NodeID) (state, error) {
	var st state
	var err error
	if st.Initial, err = s.GetInitialState(); err != nil {
		return st, fmt.Errorf("GetInitialState: %w", err)
	}
	if st.Membership, err = s.GetMembershipConfig(); err != nil {
		return st, fmt.Errorf("GetMembershipConfig: %w", err)
	}
	if st.Log, err = s.GetLogEntries(0, st.Initial.LastLogIndex+8); err != nil {
		return st, fmt.Errorf("GetLogEntries(0, %d): %w", st.Initial.LastLogIndex+8, err)
	}
	ptrID, err := readSnapshotState(s, &st)
	if err != nil {
		return st, err
	}
	st.Digest = sm.Digest()
	if err := sm.AppliedTwice(); err != nil {
		return st, err
	}
	if err := st.consistent(id, ptrID); err != nil {
		return st, fmt.Errorf("the store contradicts itself: %w\n%v", err, st)
	}
	return st, nil
}

// readSnapshotState reads the current snapshot into st and returns its ID.
func readSnapshotState(s Store, st *state) (string, error) {
	cs, err := s.GetCurrentSnapshot()
	if err != nil {
		return "", fmt.Errorf("GetCurrentSnapshot: %w", err)
	}
	if cs == nil {
		return "", nil
	}
	if cs.Snapshot == nil {
		return "", fmt.Errorf("GetCurrentSnapshot: snapshot %s without a handle", cs.ID)
	}
	b, err := io.ReadAll(cs.Snapshot)
	if err != nil {
		return "", fmt.Errorf("GetCurrentSnapshot: read %s: %w", cs.ID, err)
	}
	meta, data, err := raft.DecodeSnapshot(b)
	if err != nil {
		return "", fmt.Errorf("GetCurrentSnapshot: %s: %w", cs.ID, err)
	}
	if meta.Index != cs.Index || meta.Term != cs.Term || !meta.Membership.Equal(cs.Membership) {
		return "", fmt.Errorf("GetCurrentSnapshot: %s says %v, its bytes say %v", cs.ID,
			raft.SnapshotMeta{Index: cs.Index, Term: cs.Term, Membership: cs.Membership}, meta)
	}
	if cs.ID == "" {
		return "", fmt.Errorf("GetCurrentSnapshot: snapshot %v without an id", meta)
	}
	sm := NewSM()
	if err := sm.Restore(bytes.Clone(data)); err != nil {
		return "", fmt.Errorf("GetCurrentSnapshot: %s: %w", cs.ID, err)
	}
	st.Snapshot = &snapshotState{Meta: meta, Digest: sm.Digest()}
	return cs.ID, nil
}

// consistent checks the state against itself. snapID is the current
// snapshot's ID.
func (st *state) consistent(id raft.NodeID, snapID string) error {
	if err := logShape(st.Log); err != nil {
		return err
	}
	in := &st.Initial
	var last raft.EntryID
	if n := len(st.Log); n > 0 {
		last = st.Log[n-1].ID()
	}
	if last != (raft.EntryID{Term: in.LastLogTerm, Index: in.LastLogIndex}) {
		return fmt.Errorf("initial state says the last entry is %d/%d, the log ends at %v", in.LastLogTerm, in.LastLogIndex, last)
	}
	if in.LastAppliedLog > last.Index {
		return fmt.Errorf("the log ends at %d, before last applied %d", last.Index, in.LastAppliedLog)
	}
	want := scanMembership(st.Log, id)
	if !st.Membership.Equal(want) || !in.Membership.Equal(want) {
		return fmt.Errorf("membership %v, initial state's %v; the latest in the log is %v", st.Membership, in.Membership, want)
	}
	if len(st.Log) > 0 && st.Log[0].Kind == raft.EntrySnapshotPointer {
		if st.Snapshot == nil || st.Log[0].SnapshotID != snapID {
			return fmt.Errorf("snapshot pointer names snapshot %q, the current snapshot is %q", st.Log[0].SnapshotID, snapID)
		}
	}
	if st.Snapshot != nil && st.Snapshot.Meta.Index > in.LastAppliedLog {
		return fmt.Errorf("snapshot at %d is beyond last applied %d", st.Snapshot.Meta.Index, in.LastAppliedLog)
	}
	return nil
}

// logShape checks that a log is contiguous, starts at index 1 or with a
// snapshot pointer, and holds valid entries with no pointer but the first.
func logShape(log []raft.Entry[Cmd]) error {
	for k := range log {
		e := &log[k]
		if err := e.Validate(); err != nil {
			return err
		}
		if k > 0 && e.Index != log[k-1].Index+1 {
			return fmt.Errorf("a hole in the log: %v follows %v", e.ID(), log[k-1].ID())
		}
		if k > 0 && e.Kind == raft.EntrySnapshotPointer {
			return fmt.Errorf("snapshot pointer %v inside the log", e.ID())
		}
	}
	if len(log) > 0 && log[0].Index != 1 && log[0].Kind != raft.EntrySnapshotPointer {
		return fmt.Errorf("the log starts at %v without a snapshot pointer", log[0].ID())
	}
	return nil
}

// scanMembership is the membership by the contract: the newest
// config-change entry or snapshot pointer, else the node's alone.
func scanMembership(log []raft.Entry[Cmd], id raft.NodeID) raft.Membership {
	for k := len(log) - 1; k >= 0; k-- {
		if m := log[k].Membership; m != nil {
			return *m
		}
	}
	return raft.NewInitialMembership(id)
}

// String renders the state, one fact per line; two states are equal when
// their renderings are.
func (st state) String() string {
	var b strings.Builder
	in := &st.Initial
	fmt.Fprintf(&b, "hard state: %v\n", in.HardState)
	fmt.Fprintf(&b, "last entry: %d/%d, applied %d, membership %v\n", in.LastLogTerm, in.LastLogIndex, in.LastAppliedLog, in.Membership)
	fmt.Fprintf(&b, "membership: %v\n", st.Membership)
	b.WriteString("log:")
	for k := range st.Log {
		b.WriteString(" " + fmtEntry(&st.Log[k]) + ";")
	}
	if s := st.Snapshot; s != nil {
		fmt.Fprintf(&b, "\nsnapshot: %v state %016x", s.Meta, s.Digest)
	} else {
		b.WriteString("\nsnapshot: none")
	}
	fmt.Fprintf(&b, "\nmachine: %016x\n", st.Digest)
	return b.String()
}

// fmtEntry renders every field of an entry but a pointer's snapshot ID.
func fmtEntry(e *raft.Entry[Cmd]) string {
	s := e.ID().String() + " " + e.Kind.String()
	if e.Kind == raft.EntryNormal || e.Data != (Cmd{}) {
		s += " " + e.Data.String()
	}
	if e.Membership != nil {
		s += " " + e.Membership.String()
	}
	if e.Kind != raft.EntrySnapshotPointer && e.SnapshotID != "" {
		s += " id " + e.SnapshotID
	}
	return s
}
