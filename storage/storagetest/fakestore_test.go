package storagetest

import (
	"slices"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/memstore"
)

// fakeBug breaks the fake store in one way the crash driver must catch.
type fakeBug uint8

const (
	fakeCorrect fakeBug = iota
	// fakeAckBeforeSync returns before syncing; the sync comes with the
	// next call that writes.
	fakeAckBeforeSync
	// fakeIgnoreSyncError returns nil even when the sync failed.
	fakeIgnoreSyncError
	// fakeTornNotTruncated recovers a torn record as if it were whole,
	// with what it holds damaged, instead of discarding it and what
	// follows.
	fakeTornNotTruncated
	// fakeSplitHardState writes the term and the vote as two records.
	fakeSplitHardState
	// fakeBatchReversed writes a replicated batch's entries last first.
	fakeBatchReversed
	// fakePointerFirst writes a compaction as two records, the pointer
	// before the snapshot it names.
	fakePointerFirst
	// fakeLazyApply writes applied records only with the next records it
	// writes anyway, as simdisk does: a crash may take back the last
	// applied index, with the machine rebuilt to match. Correct.
	fakeLazyApply
	// fakeMachineBehind recovers the last applied index from the records,
	// but its machine misses the last command: an entry skipped.
	fakeMachineBehind
)

// fakeFactory makes fake stores: memstore for the semantics, a device
// record for each effect, and a recovery that replays the records the
// crash left.
type fakeFactory struct{ bug fakeBug }

// fakeStore is a live fake store.
type fakeStore struct {
	*memstore.Store[Cmd, Resp]
	*device
	bug fakeBug
	// owed: fakeAckBeforeSync has returned without syncing.
	owed bool
	// applied holds the applied records fakeLazyApply has not written.
	applied []record
}

func (f fakeFactory) New(t TB, id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) Store {
	t.Helper()
	s := &fakeStore{Store: memstore.New(id, sm), device: &device{}, bug: f.bug}
	if err := s.write(record{kind: recID, id: id}); err != nil {
		t.Fatalf("fake: format: %v", err)
	}
	if err := s.sync(); err != nil {
		t.Fatalf("fake: format: %v", err)
	}
	return s
}

// Reopen restarts the device (a clean stop loses what was not synced) and
// recovers a read-only store from its records.
func (f fakeFactory) Reopen(_ TB, old Store, sm raft.StateMachine[Cmd, Resp]) Store {
	var d *device
	switch s := old.(type) {
	case *fakeStore:
		d = s.device
	case *recovered:
		d = s.dev
	}
	d.crash()
	d.crashed, d.armed = false, false
	return recoverFrom(d, sm, f.bug)
}

// persist writes records and syncs them, or not, as the bug says.
func (s *fakeStore) persist(rs ...record) error {
	if s.bug == fakeLazyApply {
		rs = append(s.applied, rs...)
		s.applied = nil
	}
	if s.owed {
		if err := s.sync(); err != nil {
			return err
		}
		s.owed = false
	}
	for _, r := range rs {
		if err := s.write(r); err != nil {
			return err
		}
	}
	switch s.bug {
	case fakeAckBeforeSync:
		s.owed = true
		return nil
	case fakeIgnoreSyncError:
		_ = s.sync()
		return nil
	}
	return s.sync()
}

func (s *fakeStore) SaveHardState(hs raft.HardState) error {
	if err := s.Store.SaveHardState(hs); err != nil {
		return err
	}
	if s.bug == fakeSplitHardState {
		return s.persist(record{kind: recTerm, hs: hs}, record{kind: recVote, hs: hs})
	}
	return s.persist(record{kind: recHardState, hs: hs})
}

func (s *fakeStore) AppendEntryToLog(e *raft.Entry[Cmd]) error {
	if err := s.Store.AppendEntryToLog(e); err != nil {
		return err
	}
	return s.persist(record{kind: recEntry, entry: cloneEntries([]raft.Entry[Cmd]{*e})[0]})
}

func (s *fakeStore) ReplicateToLog(entries []raft.Entry[Cmd]) error {
	if err := s.Store.ReplicateToLog(entries); err != nil {
		return err
	}
	var rs []record
	for _, e := range cloneEntries(entries) {
		rs = append(rs, record{kind: recEntry, entry: e})
	}
	if s.bug == fakeBatchReversed {
		slices.Reverse(rs)
	}
	return s.persist(rs...)
}

func (s *fakeStore) DeleteLogsFrom(start raft.Index, stop *raft.Index) error {
	before, _ := s.Store.GetInitialState()
	if err := s.Store.DeleteLogsFrom(start, stop); err != nil {
		return err
	}
	after, _ := s.Store.GetInitialState()
	if after.LastLogIndex == before.LastLogIndex {
		return nil
	}
	return s.persist(record{kind: recTruncate, index: after.LastLogIndex + 1})
}

func (s *fakeStore) ApplyEntryToStateMachine(e *raft.Entry[Cmd]) (Resp, error) {
	resp, err := s.Store.ApplyEntryToStateMachine(e)
	if err != nil {
		return resp, err
	}
	return resp, s.persistApplied([]raft.Entry[Cmd]{*e})
}

// persistApplied writes applied records, or keeps them for the next write
// (fakeLazyApply).
func (s *fakeStore) persistApplied(entries []raft.Entry[Cmd]) error {
	var rs []record
	for _, e := range cloneEntries(entries) {
		rs = append(rs, record{kind: recApply, entry: e})
	}
	if s.bug == fakeLazyApply {
		s.applied = append(s.applied, rs...)
		return nil
	}
	return s.persist(rs...)
}

func (s *fakeStore) ReplicateToStateMachine(entries []raft.Entry[Cmd]) error {
	if err := s.Store.ReplicateToStateMachine(entries); err != nil {
		return err
	}
	return s.persistApplied(entries)
}

func (s *fakeStore) DoLogCompaction(through raft.Index) (raft.CurrentSnapshot, error) {
	cs, err := s.Store.DoLogCompaction(through)
	if err != nil {
		return cs, err
	}
	data, err := readAll(cs.Snapshot)
	if err != nil {
		return cs, err
	}
	cs.Snapshot = &handle{data: data}
	st, _ := s.Store.GetInitialState()
	es, _ := s.Store.GetLogEntries(0, st.LastLogIndex+1)
	ptr := es[0]
	if s.bug == fakePointerFirst {
		return cs, s.persist(record{kind: recPointer, entry: ptr}, record{kind: recSnapshot, snap: data, snapID: cs.ID})
	}
	return cs, s.persist(record{kind: recCompact, entry: ptr, snap: data, snapID: cs.ID})
}

func (s *fakeStore) FinalizeSnapshotInstallation(index raft.Index, term raft.Term, deleteThrough *raft.Index, id string, snap raft.SnapshotHandle) error {
	data, err := readAll(snap)
	if err != nil {
		return err
	}
	before, _ := s.Store.GetInitialState()
	if err := s.Store.FinalizeSnapshotInstallation(index, term, deleteThrough, id, &handle{data: data}); err != nil {
		return err
	}
	after, _ := s.Store.GetInitialState()
	if after.LastAppliedLog == before.LastAppliedLog {
		return nil // an older snapshot: nothing changed
	}
	keep := after.LastLogIndex > index
	return s.persist(record{kind: recInstall, index: index, term: term, keep: keep, snap: data, snapID: id})
}
