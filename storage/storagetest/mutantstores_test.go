package storagetest

import (
	"fmt"
	"io"
	"slices"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/memstore"
)

// The broken stores of mutants(): each wraps memstore (base) and breaks
// one method.

type inclusiveStop struct{ base }

func (s inclusiveStop) GetLogEntries(start, stop raft.Index) ([]raft.Entry[Cmd], error) {
	return s.Store.GetLogEntries(start, stop+1)
}

type swappedRange struct{ base }

func (s swappedRange) GetLogEntries(start, stop raft.Index) ([]raft.Entry[Cmd], error) {
	return s.Store.GetLogEntries(min(start, stop), max(start, stop))
}

type pointerHidden struct{ base }

func (s pointerHidden) GetLogEntries(start, stop raft.Index) ([]raft.Entry[Cmd], error) {
	es, err := s.Store.GetLogEntries(start, stop)
	return slices.DeleteFunc(es, func(e raft.Entry[Cmd]) bool { return e.Kind == raft.EntrySnapshotPointer }), err
}

type deleteIgnoresStop struct{ base }

func (s deleteIgnoresStop) DeleteLogsFrom(start raft.Index, _ *raft.Index) error {
	return s.Store.DeleteLogsFrom(start, nil)
}

type replicateAppends struct{ base }

func (s replicateAppends) ReplicateToLog(entries []raft.Entry[Cmd]) error {
	st, err := s.Store.GetInitialState()
	if err != nil {
		return err
	}
	es := cloneEntries(entries)
	for k := range es {
		es[k].Index = st.LastLogIndex + 1 + raft.Index(k)
	}
	return s.Store.ReplicateToLog(es)
}

// ghosts are entries a broken store still shows though it no longer holds
// them; the entries it holds win.
type ghosts []raft.Entry[Cmd]

func (g ghosts) merge(held []raft.Entry[Cmd], start, stop raft.Index) []raft.Entry[Cmd] {
	out := slices.Clone(held)
	for _, e := range g {
		if e.Index >= start && e.Index < stop && !slices.ContainsFunc(held, func(h raft.Entry[Cmd]) bool { return h.Index == e.Index }) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b raft.Entry[Cmd]) int { return int(a.Index) - int(b.Index) })
	return out
}

// staleTail keeps, as ghosts, the entries a conflicting batch truncated
// beyond its end.
type staleTail struct {
	base
	ghosts ghosts
}

func (s *staleTail) ReplicateToLog(entries []raft.Entry[Cmd]) error {
	if len(entries) == 0 {
		return s.Store.ReplicateToLog(entries)
	}
	tail, err := s.Store.GetLogEntries(entries[len(entries)-1].Index+1, 1<<20)
	if err != nil {
		return err
	}
	if err := s.Store.ReplicateToLog(entries); err != nil {
		return err
	}
	s.ghosts = append(s.ghosts, tail...)
	return nil
}

func (s *staleTail) GetLogEntries(start, stop raft.Index) ([]raft.Entry[Cmd], error) {
	es, err := s.Store.GetLogEntries(start, stop)
	return s.ghosts.merge(es, start, stop), err
}

// ghostEntries keeps, as ghosts, the entries compaction purged.
type ghostEntries struct {
	base
	ghosts ghosts
}

func (s *ghostEntries) DoLogCompaction(through raft.Index) (raft.CurrentSnapshot, error) {
	before, err := s.Store.GetLogEntries(0, through)
	if err != nil {
		return raft.CurrentSnapshot{}, err
	}
	cs, err := s.Store.DoLogCompaction(through)
	if err == nil {
		s.ghosts = append(s.ghosts, slices.DeleteFunc(before, func(e raft.Entry[Cmd]) bool { return e.Kind == raft.EntrySnapshotPointer })...)
	}
	return cs, err
}

func (s *ghostEntries) GetLogEntries(start, stop raft.Index) ([]raft.Entry[Cmd], error) {
	es, err := s.Store.GetLogEntries(start, stop)
	return s.ghosts.merge(es, start, stop), err
}

// scanMutant finds the membership by a broken scan of the log.
type scanMutant struct {
	base
	forward      bool // scan from the first entry, not the last
	skipPointers bool // ignore snapshot pointers
}

func (s *scanMutant) GetMembershipConfig() (raft.Membership, error) {
	st, err := s.Store.GetInitialState()
	if err != nil {
		return raft.Membership{}, err
	}
	es, err := s.Store.GetLogEntries(0, st.LastLogIndex+1)
	if err != nil {
		return raft.Membership{}, err
	}
	if !s.forward {
		slices.Reverse(es)
	}
	for _, e := range es {
		if e.Membership != nil && !(s.skipPointers && e.Kind == raft.EntrySnapshotPointer) {
			return *e.Membership, nil
		}
	}
	return raft.NewInitialMembership(s.id), nil
}

func (s *scanMutant) GetInitialState() (raft.InitialState, error) {
	st, err := s.Store.GetInitialState()
	if err == nil {
		st.Membership, err = s.GetMembershipConfig()
	}
	return st, err
}

// anyHardState keeps a hard state of its own, without the contract's
// checks.
type anyHardState struct {
	base
	hs raft.HardState
}

func (s *anyHardState) SaveHardState(hs raft.HardState) error {
	s.hs = hs
	return nil
}

func (s *anyHardState) GetInitialState() (raft.InitialState, error) {
	st, err := s.Store.GetInitialState()
	st.HardState = s.hs
	return st, err
}

type zeroResponse struct{ base }

func (s zeroResponse) ApplyEntryToStateMachine(e *raft.Entry[Cmd]) (Resp, error) {
	_, err := s.Store.ApplyEntryToStateMachine(e)
	return Resp{}, err
}

type batchDropsLast struct{ base }

func (s batchDropsLast) ReplicateToStateMachine(entries []raft.Entry[Cmd]) error {
	return s.Store.ReplicateToStateMachine(entries[:max(len(entries)-1, 0)])
}

type snapshotAtThrough struct{ base }

func (s snapshotAtThrough) DoLogCompaction(through raft.Index) (raft.CurrentSnapshot, error) {
	cs, err := s.Store.DoLogCompaction(through)
	cs.Index = through
	return cs, err
}

// oldSnapshotKept keeps the first snapshot and keeps returning it.
type oldSnapshotKept struct {
	base
	first *raft.CurrentSnapshot
	data  []byte
}

func (s *oldSnapshotKept) keepFirst() error {
	if s.first != nil {
		return nil
	}
	cs, err := s.Store.GetCurrentSnapshot()
	if err != nil || cs == nil {
		return err
	}
	s.data, err = io.ReadAll(cs.Snapshot)
	s.first = cs
	return err
}

func (s *oldSnapshotKept) DoLogCompaction(through raft.Index) (raft.CurrentSnapshot, error) {
	cs, err := s.Store.DoLogCompaction(through)
	if err == nil {
		err = s.keepFirst()
	}
	return cs, err
}

func (s *oldSnapshotKept) FinalizeSnapshotInstallation(index raft.Index, term raft.Term, deleteThrough *raft.Index, id string, snap raft.SnapshotHandle) error {
	err := s.Store.FinalizeSnapshotInstallation(index, term, deleteThrough, id, snap)
	if err == nil {
		err = s.keepFirst()
	}
	return err
}

func (s *oldSnapshotKept) GetCurrentSnapshot() (*raft.CurrentSnapshot, error) {
	if s.first == nil {
		return s.Store.GetCurrentSnapshot()
	}
	cs := *s.first
	cs.Snapshot = &handle{data: s.data}
	return &cs, nil
}

type sameID struct{ base }

func (s sameID) CreateSnapshot() (string, raft.SnapshotHandle, error) {
	_, h, err := s.Store.CreateSnapshot()
	return "snap", h, err
}

type wipeOnInstall struct{ base }

func (s wipeOnInstall) FinalizeSnapshotInstallation(index raft.Index, term raft.Term, _ *raft.Index, id string, snap raft.SnapshotHandle) error {
	return s.Store.FinalizeSnapshotInstallation(index, term, nil, id, snap)
}

// installsOlder installs a snapshot below the last applied index by
// starting over on a fresh memstore (and the same machine), keeping only
// the hard state.
type installsOlder struct{ base }

func (s *installsOlder) FinalizeSnapshotInstallation(index raft.Index, term raft.Term, deleteThrough *raft.Index, id string, snap raft.SnapshotHandle) error {
	st, err := s.Store.GetInitialState()
	if err != nil || index > st.LastAppliedLog {
		return s.Store.FinalizeSnapshotInstallation(index, term, deleteThrough, id, snap)
	}
	fresh := memstore.New(s.id, s.sm)
	if err := fresh.SaveHardState(st.HardState); err != nil {
		return err
	}
	s.Store = fresh
	return fresh.FinalizeSnapshotInstallation(index, term, nil, id, snap)
}

type refusesOlder struct{ base }

func (s refusesOlder) FinalizeSnapshotInstallation(index raft.Index, term raft.Term, deleteThrough *raft.Index, id string, snap raft.SnapshotHandle) error {
	st, err := s.Store.GetInitialState()
	if err == nil && index <= st.LastAppliedLog {
		return fmt.Errorf("refuses older snapshot %d/%d: %w", term, index, raft.ErrInconsistent)
	}
	return s.Store.FinalizeSnapshotInstallation(index, term, deleteThrough, id, snap)
}
