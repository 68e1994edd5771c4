package storagetest

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/memstore"
)

// journal is a reopenable store for the tests: memstore, whose medium is a
// journal of the calls that changed it. Reopen replays the journal into a
// fresh memstore and a fresh machine, as a store on a disk recovers. The
// factory's knobs break the medium in the ways the persistence mutants
// need; with none set it is correct and passes the whole suite.
type journal struct {
	// skipHardState: hard states never reach the medium.
	skipHardState bool
	// splitHardState: a hard state reaches the medium as the new term with
	// the old vote; the vote follows with the next call that writes.
	splitHardState bool
	// dropLastApply: the replay misses the last apply, unless a
	// compaction or installation followed it: the restart recovers an
	// older last applied index with a machine to match, as a store that
	// persists the index lazily does (simdisk). Legal.
	dropLastApply bool
	// claimDropped: with dropLastApply, the reopened store still counts the
	// apply it lost in its last applied index: its machine misses an
	// entry the index says it holds.
	claimDropped bool
	// forgetID: the medium does not keep the node ID; a reopened store is
	// node 1's.
	forgetID bool
}

// medium is what survives a restart: the node ID and the calls.
type medium struct {
	id    raft.NodeID
	calls []replayed
	// pending is a write the medium holds back (splitHardState).
	pending *replayed
}

// replayed is one recorded call, and its kind for dropLastApply.
type replayed struct {
	kind callKind
	run  func(s *memstore.Store[Cmd, Resp]) error
}

type callKind uint8

const (
	callOther callKind = iota
	callApply
	callSnapshot // a compaction or an installation
)

type journalStore struct {
	*memstore.Store[Cmd, Resp]
	m *medium
	j journal
	// claimed is how many applies GetInitialState counts that the
	// machine lost (claimDropped).
	claimed raft.Index
}

func (j journal) New(_ TB, id raft.NodeID, sm raft.StateMachine[Cmd, Resp]) Store {
	return &journalStore{Store: memstore.New(id, sm), m: &medium{id: id}, j: j}
}

func (j journal) Reopen(t TB, old Store, sm raft.StateMachine[Cmd, Resp]) Store {
	t.Helper()
	m := old.(*journalStore).m
	m.pending = nil // held back, never written
	id := m.id
	if j.forgetID {
		id = 1
	}
	s := &journalStore{Store: memstore.New(id, sm), m: m, j: j}
	calls := m.calls
	if j.dropLastApply {
		if k := lastApply(calls); k >= 0 {
			calls = append(calls[:k:k], calls[k+1:]...)
			m.calls = calls // it never reached the medium
			if j.claimDropped {
				s.claimed = 1
			}
		}
	}
	for k, c := range calls {
		if err := c.run(s.Store); err != nil {
			t.Fatalf("journal: replay call %d: %v", k, err)
		}
	}
	return s
}

// lastApply returns the position of the last apply no compaction or
// installation followed, or -1.
func lastApply(calls []replayed) int {
	for k := len(calls) - 1; k >= 0 && calls[k].kind != callSnapshot; k-- {
		if calls[k].kind == callApply {
			return k
		}
	}
	return -1
}

func (s *journalStore) GetInitialState() (raft.InitialState, error) {
	st, err := s.Store.GetInitialState()
	st.LastAppliedLog += s.claimed
	return st, err
}

// record keeps a call that succeeded; a held-back write goes first.
func (s *journalStore) record(kind callKind, run func(*memstore.Store[Cmd, Resp]) error) {
	if s.m.pending != nil {
		s.m.calls = append(s.m.calls, *s.m.pending)
		s.m.pending = nil
	}
	s.m.calls = append(s.m.calls, replayed{kind: kind, run: run})
}

func (s *journalStore) SaveHardState(hs raft.HardState) error {
	old, err := s.Store.GetInitialState() // memstore's: claimed does not count
	if err != nil {
		return err
	}
	if err := s.Store.SaveHardState(hs); err != nil || s.j.skipHardState {
		return err
	}
	if s.j.splitHardState && hs.VotedFor != old.HardState.VotedFor {
		half := raft.HardState{CurrentTerm: hs.CurrentTerm, VotedFor: old.HardState.VotedFor}
		if hs.CurrentTerm == old.HardState.CurrentTerm {
			half.VotedFor = raft.None
		}
		s.record(callOther, func(r *memstore.Store[Cmd, Resp]) error { return r.SaveHardState(half) })
		s.m.pending = &replayed{run: func(r *memstore.Store[Cmd, Resp]) error { return r.SaveHardState(hs) }}
		return nil
	}
	s.record(callOther, func(r *memstore.Store[Cmd, Resp]) error { return r.SaveHardState(hs) })
	return nil
}

func (s *journalStore) AppendEntryToLog(e *raft.Entry[Cmd]) error {
	if err := s.Store.AppendEntryToLog(e); err != nil {
		return err
	}
	c := cloneEntries([]raft.Entry[Cmd]{*e})
	s.record(callOther, func(r *memstore.Store[Cmd, Resp]) error { return r.AppendEntryToLog(&c[0]) })
	return nil
}

func (s *journalStore) ReplicateToLog(entries []raft.Entry[Cmd]) error {
	if err := s.Store.ReplicateToLog(entries); err != nil {
		return err
	}
	c := cloneEntries(entries)
	s.record(callOther, func(r *memstore.Store[Cmd, Resp]) error { return r.ReplicateToLog(c) })
	return nil
}

func (s *journalStore) DeleteLogsFrom(start raft.Index, stop *raft.Index) error {
	if err := s.Store.DeleteLogsFrom(start, stop); err != nil {
		return err
	}
	s.record(callOther, func(r *memstore.Store[Cmd, Resp]) error { return r.DeleteLogsFrom(start, stop) })
	return nil
}

func (s *journalStore) ApplyEntryToStateMachine(e *raft.Entry[Cmd]) (Resp, error) {
	resp, err := s.Store.ApplyEntryToStateMachine(e)
	if err != nil {
		return resp, err
	}
	c := cloneEntries([]raft.Entry[Cmd]{*e})
	s.record(callApply, func(r *memstore.Store[Cmd, Resp]) error {
		_, err := r.ApplyEntryToStateMachine(&c[0])
		return err
	})
	return resp, nil
}

func (s *journalStore) ReplicateToStateMachine(entries []raft.Entry[Cmd]) error {
	if err := s.Store.ReplicateToStateMachine(entries); err != nil {
		return err
	}
	for _, e := range cloneEntries(entries) {
		s.record(callApply, func(r *memstore.Store[Cmd, Resp]) error { return r.ReplicateToStateMachine([]raft.Entry[Cmd]{e}) })
	}
	return nil
}

func (s *journalStore) DoLogCompaction(through raft.Index) (raft.CurrentSnapshot, error) {
	cs, err := s.Store.DoLogCompaction(through)
	if err != nil {
		return cs, err
	}
	s.record(callSnapshot, func(r *memstore.Store[Cmd, Resp]) error {
		_, err := r.DoLogCompaction(through)
		return err
	})
	return cs, nil
}

func (s *journalStore) CreateSnapshot() (string, raft.SnapshotHandle, error) {
	id, h, err := s.Store.CreateSnapshot()
	if err == nil {
		s.record(callOther, func(r *memstore.Store[Cmd, Resp]) error {
			_, _, err := r.CreateSnapshot()
			return err
		})
	}
	return id, h, err
}

func (s *journalStore) FinalizeSnapshotInstallation(index raft.Index, term raft.Term, deleteThrough *raft.Index, id string, snap raft.SnapshotHandle) error {
	data, err := readAll(snap)
	if err != nil {
		return err
	}
	if err := s.Store.FinalizeSnapshotInstallation(index, term, deleteThrough, id, &handle{data: data}); err != nil {
		return err
	}
	s.record(callSnapshot, func(r *memstore.Store[Cmd, Resp]) error {
		return r.FinalizeSnapshotInstallation(index, term, deleteThrough, id, &handle{data: data})
	})
	return nil
}

func readAll(h raft.SnapshotHandle) ([]byte, error) {
	if h == nil {
		return nil, errors.New("nil handle")
	}
	if _, err := h.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(h)
}

// handle is a snapshot handle over bytes, with a file's semantics.
type handle struct {
	data []byte
	off  int
}

func (h *handle) Read(p []byte) (int, error) {
	if h.off >= len(h.data) {
		return 0, io.EOF
	}
	n := copy(p, h.data[h.off:])
	h.off += n
	return n, nil
}

func (h *handle) Write(p []byte) (int, error) {
	if end := h.off + len(p); end > len(h.data) {
		h.data = append(h.data, make([]byte, end-len(h.data))...)
	}
	h.off += copy(h.data[h.off:], p)
	return len(p), nil
}

func (h *handle) Seek(offset int64, whence int) (int64, error) {
	base := 0
	switch whence {
	case io.SeekCurrent:
		base = h.off
	case io.SeekEnd:
		base = len(h.data)
	}
	if base+int(offset) < 0 {
		return int64(h.off), fmt.Errorf("seek to %d", base+int(offset))
	}
	h.off = base + int(offset)
	return int64(h.off), nil
}

func (h *handle) Close() error { return nil }

// TestJournal: the correct journal store passes the whole suite, restarts
// included, so the persistence mutants differ from it only by their knob;
// so does one that recovers an older last applied index.
func TestJournal(t *testing.T) {
	t.Run("durable-apply", func(t *testing.T) { Run(t, journal{}) })
	t.Run("lazy-apply", func(t *testing.T) { Run(t, journal{dropLastApply: true}) })
}
