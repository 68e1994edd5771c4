package memstore

import (
	"bytes"
	"fmt"

	"github.com/raftsim/raftsim/raft"
)

// DoLogCompaction snapshots the state machine and compacts the log through
// index through, which must be in [1, last applied]; otherwise it returns an
// error wrapping raft.ErrInconsistent.
//
// The state machine can only serialize its current state, so the snapshot
// always covers [1, last applied]: its metadata is the last applied index,
// that entry's term and the membership in force there. through says how much
// log goes: the entries through it are replaced by one snapshot pointer at
// index through (its term, the membership in force there, and the new
// snapshot's ID), and the entries after it stay. With through == last
// applied that is the seed's compaction; with through < last applied the
// entries in (through, last applied] stay as a trailing window for slow
// followers (dissertation §5.1), and the pointer still anchors the log: its
// term is the prevLogTerm of the first entry after it, and its membership is
// what a reverse scan past the window must find. Hence purged <= snapshot <=
// applied, with purged (the pointer's index) == snapshot only without a
// window. When through is at or below an existing pointer, no more log goes:
// the pointer stays where it is and takes the new snapshot's ID.
//
// The new snapshot replaces the previous one. Its ID is
// "snap-<term>-<index>-<seq>", seq counting the IDs this store handed out.
// The returned handle reads the snapshot (see raft.EncodeSnapshot) from its start.
func (s *Store[D, R]) DoLogCompaction(through raft.Index) (raft.CurrentSnapshot, error) {
	if through == 0 {
		return raft.CurrentSnapshot{}, s.inconsistent("compact through 0: nothing to compact")
	}
	if through > s.lastApplied {
		return raft.CurrentSnapshot{}, s.inconsistent("compact through %d: beyond last applied %d", through, s.lastApplied)
	}
	applied := s.entry(s.lastApplied)
	if applied == nil {
		return raft.CurrentSnapshot{}, s.inconsistent("compact through %d: last applied %d is not in the log", through, s.lastApplied)
	}
	state, err := s.sm.Snapshot()
	if err != nil {
		return raft.CurrentSnapshot{}, s.failed(err, "compact through %d: snapshot the state machine", through)
	}
	meta := raft.SnapshotMeta{Index: applied.Index, Term: applied.Term, Membership: s.membershipAt(applied.Index).Clone()}
	s.snapshotSeq++
	id := fmt.Sprintf("snap-%d-%d-%d", meta.Term, meta.Index, s.snapshotSeq)

	cut := max(through, s.firstIndex())
	ptr := raft.NewSnapshotPointer[D](cut, s.entry(cut).Term, id, s.membershipAt(cut))
	s.truncatePrefix(cut)
	s.log[0] = ptr
	s.snapshot = &liveSnapshot{meta: meta, id: id, data: raft.EncodeSnapshot(meta, state)}
	return *s.currentSnapshot(), nil
}

// CreateSnapshot returns an empty writable in-memory handle for a snapshot a
// leader streams in, named "snap-recv-<seq>". The store keeps no reference to
// it: FinalizeSnapshotInstallation reads whatever handle it is given, and a
// handle never finalized is simply garbage.
func (s *Store[D, R]) CreateSnapshot() (string, raft.SnapshotHandle, error) {
	s.snapshotSeq++
	return fmt.Sprintf("snap-recv-%d", s.snapshotSeq), &buffer{}, nil
}

// FinalizeSnapshotInstallation installs a snapshot that finished streaming.
//
// A snapshot at or below the last applied index is older than (or the same
// as) what the state machine holds: it is ignored, and the call returns nil
// without reading it and without touching the log, the pointer, the live
// snapshot or the state machine (dissertation §5.3; the newer state is kept,
// and so is the log that goes with it).
//
// Otherwise it reads snap from its start (any raft.SnapshotHandle will do)
// and decodes it (see raft.EncodeSnapshot; malformed bytes are an error wrapping
// raft.ErrCorrupt). The header must name the same index and term as the
// arguments, and deleteThrough must be nil or index (anything else would
// leave a hole or entries before the pointer); either mismatch is an error
// wrapping raft.ErrInconsistent. Then it restores the state machine, writes
// a snapshot pointer at index with the header's membership and ID id, sets
// the last applied index to index, and makes this snapshot the live one,
// dropping the previous one.
//
// The log after the pointer: with deleteThrough nil the whole log goes. With
// deleteThrough == index the entries after index stay, but only when the log
// holds an entry at index with the snapshot's term; otherwise the whole log
// goes anyway, since entries that do not follow the snapshot's last entry
// conflict with it (dissertation §5.3: "If existing log entry has same index
// and term as snapshot's last included entry, retain log entries following
// it"; the seed's core keeps them without comparing terms).
//
// The only failure that can leave a partly changed store is an error from
// sm.Restore, which is fail-stop for the node like every storage error.
func (s *Store[D, R]) FinalizeSnapshotInstallation(index raft.Index, term raft.Term, deleteThrough *raft.Index, id string, snap raft.SnapshotHandle) error {
	if index <= s.lastApplied {
		return nil
	}
	if id == "" {
		return s.inconsistent("install snapshot %d/%d: empty snapshot id", term, index)
	}
	if deleteThrough != nil && *deleteThrough != index {
		return s.inconsistent("install snapshot %d/%d: delete through %d is not the snapshot's index", term, index, *deleteThrough)
	}
	if snap == nil {
		return s.inconsistent("install snapshot %d/%d: nil handle", term, index)
	}
	data, err := readSnapshot(snap)
	if err != nil {
		return s.failed(err, "install snapshot %d/%d: read", term, index)
	}
	meta, state, err := raft.DecodeSnapshot(data)
	if err != nil {
		return s.failed(err, "install snapshot %d/%d", term, index)
	}
	if meta.Index != index || meta.Term != term {
		return s.inconsistent("install snapshot %d/%d: its header says %d/%d", term, index, meta.Term, meta.Index)
	}
	// The state machine gets its own copy: state aliases the live
	// snapshot's bytes, which must never change.
	if err := s.sm.Restore(bytes.Clone(state)); err != nil {
		return s.failed(err, "install snapshot %d/%d: restore the state machine", term, index)
	}
	ptr := raft.NewSnapshotPointer[D](index, term, id, meta.Membership)
	if held := s.entry(index); deleteThrough != nil && held != nil && held.Term == term {
		s.truncatePrefix(index)
		s.log[0] = ptr
	} else {
		clear(s.log)
		s.log = append(s.log[:0], ptr)
	}
	s.lastApplied = index
	s.snapshot = &liveSnapshot{meta: meta, id: id, data: data}
	return nil
}

// GetCurrentSnapshot returns the live snapshot's metadata and a read-only
// handle positioned at its start, or nil when there is none. Each call
// returns a new handle with its own offset; writing to it is an error.
func (s *Store[D, R]) GetCurrentSnapshot() (*raft.CurrentSnapshot, error) {
	return s.currentSnapshot(), nil
}

func (s *Store[D, R]) currentSnapshot() *raft.CurrentSnapshot {
	if s.snapshot == nil {
		return nil
	}
	return &raft.CurrentSnapshot{
		Term:       s.snapshot.meta.Term,
		Index:      s.snapshot.meta.Index,
		Membership: s.snapshot.meta.Membership.Clone(),
		ID:         s.snapshot.id,
		Snapshot:   &buffer{data: s.snapshot.data, readOnly: true},
	}
}
