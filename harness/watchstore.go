package harness

import (
	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/raft"
)

// watchedStore wraps a node's storage and reports every write the store
// accepted to the invariant watch: the watch sees what storage holds, not
// what the node believes, so a node that lies to itself is still caught.
// A violation is the run's failure, never a storage error (the node must
// not be able to react to it).
type watchedStore struct {
	inner raft.Storage[Command, Response]
	n     *node
	refs  []checker.EntryRef
	enc   []byte
	// open are the snapshot handles handed to the core and not yet
	// closed (resources.go).
	open []*trackedHandle
}

func (s *watchedStore) watch() *checker.Watch { return s.n.w.safety.watch }

func (s *watchedStore) report(v *checker.Violation) { s.n.w.report(v) }

// wrote records when a completed call's writes become durable; an
// interrupted one never does (its node is crashing).
func (s *watchedStore) wrote(err error) {
	if err == nil {
		s.n.wrote()
	}
}

// landed reports whether a mutating call's writes may be on the storage:
// it succeeded, or it failed on the simulated disk, where a failure can
// come after some or all of the data reached the disk (a power cut in the
// middle, a read-back that fails after the sync). The watch then knows the
// write as written but not durable; the node stops at once (storage
// errors are fail-stop), so that only matters for what its restart may
// find. On the memory store a failure is a bug and changes nothing.
func (s *watchedStore) landed(err error) bool { return err == nil || s.n.disk != nil }

// ref reduces an entry the node passed to its store. A snapshot pointer is
// never passed (the store writes pointers itself): a core that reads its
// compacted prefix back and passes it on fails the run here, and the
// entry is digested as a blank so the watch goes on without a panic.
func (s *watchedStore) ref(e *raft.Entry[Command]) checker.EntryRef {
	if e.Kind == raft.EntrySnapshotPointer {
		s.report(checker.PointerPassed(s.n.id, e.ID()))
		return checker.EntryRef{Index: e.Index, Term: e.Term, Digest: checker.DigestBlank()}
	}
	return checker.RefOf(e, func(c Command) uint64 {
		s.enc = CommandCodec{}.AppendEncode(s.enc[:0], c)
		return checker.HashBytes(s.enc)
	})
}

func (s *watchedStore) GetMembershipConfig() (raft.Membership, error) {
	return s.inner.GetMembershipConfig()
}
func (s *watchedStore) GetInitialState() (raft.InitialState, error) { return s.inner.GetInitialState() }
func (s *watchedStore) SaveHardState(hs raft.HardState) error {
	err := s.inner.SaveHardState(hs)
	if s.landed(err) {
		s.report(s.watch().SavedHardState(s.n.id, hs))
		s.wrote(err)
	}
	return err
}
func (s *watchedStore) GetLogEntries(a, b raft.Index) ([]raft.Entry[Command], error) {
	return s.inner.GetLogEntries(a, b)
}
func (s *watchedStore) DeleteLogsFrom(start raft.Index, stop *raft.Index) error {
	err := s.inner.DeleteLogsFrom(start, stop)
	if s.landed(err) {
		s.report(s.watch().Deleted(s.n.id, start, stop))
		s.wrote(err)
	}
	return err
}
func (s *watchedStore) AppendEntryToLog(e *raft.Entry[Command]) error {
	err := s.inner.AppendEntryToLog(e)
	if s.landed(err) {
		s.report(s.watch().Appended(s.n.id, s.ref(e)))
		s.wrote(err)
	}
	return err
}
func (s *watchedStore) ReplicateToLog(es []raft.Entry[Command]) error {
	err := s.inner.ReplicateToLog(es)
	if s.landed(err) {
		s.refs = s.refs[:0]
		for i := range es {
			s.refs = append(s.refs, s.ref(&es[i]))
		}
		s.report(s.watch().Replicated(s.n.id, s.refs))
		s.wrote(err)
	}
	return err
}
func (s *watchedStore) ApplyEntryToStateMachine(e *raft.Entry[Command]) (Response, error) {
	r, err := s.inner.ApplyEntryToStateMachine(e)
	if err == nil {
		s.report(s.watch().AppliedEntry(s.n.id, s.ref(e)))
		s.wrote(err)
	}
	return r, err
}
func (s *watchedStore) ReplicateToStateMachine(es []raft.Entry[Command]) error {
	err := s.inner.ReplicateToStateMachine(es)
	if s.landed(err) {
		for i := range es {
			s.report(s.watch().AppliedEntry(s.n.id, s.ref(&es[i])))
		}
		s.wrote(err)
	}
	return err
}
func (s *watchedStore) DoLogCompaction(through raft.Index) (raft.CurrentSnapshot, error) {
	cs, err := s.inner.DoLogCompaction(through)
	cs.Snapshot = s.track(cs.Snapshot, "DoLogCompaction", "")
	if err == nil {
		s.report(s.watch().Compacted(s.n.id, through, raft.EntryID{Term: cs.Term, Index: cs.Index}))
		s.wrote(err)
	}
	return cs, err
}
func (s *watchedStore) CreateSnapshot() (string, raft.SnapshotHandle, error) {
	id, h, err := s.inner.CreateSnapshot()
	return id, s.track(h, "CreateSnapshot", id), err
}
func (s *watchedStore) FinalizeSnapshotInstallation(index raft.Index, term raft.Term, deleteThrough *raft.Index, id string, snap raft.SnapshotHandle) error {
	err := s.inner.FinalizeSnapshotInstallation(index, term, deleteThrough, id, untracked(snap))
	if s.landed(err) {
		s.report(s.watch().InstalledSnapshot(s.n.id, index, term, deleteThrough != nil))
		s.wrote(err)
	}
	return err
}
func (s *watchedStore) GetCurrentSnapshot() (*raft.CurrentSnapshot, error) {
	cs, err := s.inner.GetCurrentSnapshot()
	if cs != nil {
		c := *cs
		c.Snapshot = s.track(c.Snapshot, "GetCurrentSnapshot", c.ID)
		cs = &c
	}
	return cs, err
}
