package simdisk

import (
	"bytes"
	"fmt"

	"github.com/raftsim/raftsim/raft"
)

// DoLogCompaction snapshots the state machine and compacts the log through
// index through, with memstore's rules (see memstore.Store.DoLogCompaction):
// through must be in [1, last applied]; the snapshot is always at the last
// applied index; the log through `through` is replaced by a pointer there
// (or, when through is at or below the pointer, the pointer stays and
// names the new snapshot); its ID is "snap-<term>-<index>-<seq>".
//
// On the device: the snapshot file is written, synced, read back and its
// creation synced; then one pointer record makes it live; then the
// previous snapshot file and the segments the log no longer needs are
// deleted (a crash that brings them back is harmless: Open deletes them).
func (s *Store[D, R]) DoLogCompaction(through raft.Index) (raft.CurrentSnapshot, error) {
	if s.poisoned != nil {
		return raft.CurrentSnapshot{}, s.poisoned
	}
	if through == 0 {
		return raft.CurrentSnapshot{}, s.errs.inconsistent("compact through 0: nothing to compact")
	}
	if through > s.lastApplied {
		return raft.CurrentSnapshot{}, s.errs.inconsistent("compact through %d: beyond last applied %d", through, s.lastApplied)
	}
	applied := s.slotAt(s.lastApplied)
	if applied == nil {
		return raft.CurrentSnapshot{}, s.errs.inconsistent("compact through %d: last applied %d is not in the log", through, s.lastApplied)
	}
	state, err := s.sm.Snapshot()
	if err != nil {
		return raft.CurrentSnapshot{}, s.errs.wrap(err, "compact through %d: snapshot the state machine", through)
	}
	meta := raft.SnapshotMeta{Index: applied.index, Term: applied.term, Membership: s.membershipAt(applied.index).Clone()}
	s.seq++
	cut := max(through, s.firstIndex())
	ptr := pointerRec{
		index: cut, term: s.slotAt(cut).term, last: s.lastIndex(), file: s.seq,
		id: fmt.Sprintf("snap-%d-%d-%d", meta.Term, meta.Index, s.seq), membership: s.membershipAt(cut).Clone(),
	}
	data := raft.EncodeSnapshot(meta, state)
	what := fmt.Sprintf("compact through %d", through)
	if err := s.writeSnapshotFile(what, ptr.file, data); err != nil {
		return raft.CurrentSnapshot{}, err
	}
	if err := s.writePointer(what, &ptr, meta); err != nil {
		return raft.CurrentSnapshot{}, err
	}
	return *s.current(data), nil
}

// CreateSnapshot returns an empty in-memory handle for a snapshot a leader
// streams in, named "snap-recv-<seq>". The bytes reach the device when
// FinalizeSnapshotInstallation checks and installs them (the core holds a
// whole snapshot in memory anyway); a handle never finalized is garbage.
func (s *Store[D, R]) CreateSnapshot() (string, raft.SnapshotHandle, error) {
	if s.poisoned != nil {
		return "", nil, s.poisoned
	}
	s.seq++
	return fmt.Sprintf("snap-recv-%d", s.seq), &handle{}, nil
}

// FinalizeSnapshotInstallation installs a snapshot that finished
// streaming, with memstore's rules (see
// memstore.Store.FinalizeSnapshotInstallation): at or below the last
// applied index it changes nothing and returns nil; the bytes must decode
// (raft.ErrCorrupt) with the header naming index and term, deleteThrough
// must be nil or index, and id must not be empty (raft.ErrInconsistent);
// the entries after index stay only when deleteThrough is index and the
// log holds index with the snapshot's term (dissertation §5.3).
//
// On the device: the snapshot file is written, synced and read back, the
// state machine restored, then one pointer record makes the snapshot live
// and cuts the log; then the previous snapshot and the segments no longer
// needed are deleted. A failing Restore leaves the log as it was.
func (s *Store[D, R]) FinalizeSnapshotInstallation(index raft.Index, term raft.Term, deleteThrough *raft.Index, id string, snap raft.SnapshotHandle) error {
	if s.poisoned != nil {
		return s.poisoned
	}
	if index <= s.lastApplied {
		return nil
	}
	if id == "" {
		return s.errs.inconsistent("install snapshot %d/%d: empty snapshot id", term, index)
	}
	if deleteThrough != nil && *deleteThrough != index {
		return s.errs.inconsistent("install snapshot %d/%d: delete through %d is not the snapshot's index", term, index, *deleteThrough)
	}
	if snap == nil {
		return s.errs.inconsistent("install snapshot %d/%d: nil handle", term, index)
	}
	data, err := readHandle(snap)
	if err != nil {
		return s.errs.wrap(err, "install snapshot %d/%d: read", term, index)
	}
	meta, state, err := raft.DecodeSnapshot(data)
	if err != nil {
		return s.errs.wrap(err, "install snapshot %d/%d", term, index)
	}
	if meta.Index != index || meta.Term != term {
		return s.errs.inconsistent("install snapshot %d/%d: its header says %d/%d", term, index, meta.Term, meta.Index)
	}
	return s.install(meta, state, data, id, deleteThrough != nil)
}

// install writes a checked snapshot, restores the state machine from it,
// and makes it live.
func (s *Store[D, R]) install(meta raft.SnapshotMeta, state, data []byte, id string, keepAfter bool) error {
	what := fmt.Sprintf("install snapshot %d/%d", meta.Term, meta.Index)
	s.seq++
	ptr := pointerRec{index: meta.Index, term: meta.Term, last: meta.Index, file: s.seq, id: id, membership: meta.Membership}
	if held := s.slotAt(meta.Index); keepAfter && held != nil && held.term == meta.Term {
		ptr.last = s.lastIndex()
	}
	if err := s.writeSnapshotFile(what, ptr.file, data); err != nil {
		return err
	}
	if err := s.sm.Restore(bytes.Clone(state)); err != nil {
		_ = s.dev.Remove(snapName(ptr.file)) // an orphan; Open would delete it too
		return s.errs.wrap(err, "%s: restore the state machine", what)
	}
	if err := s.writePointer(what, &ptr, meta); err != nil {
		return err
	}
	s.lastApplied = meta.Index
	s.appliedLogged = max(s.appliedLogged, meta.Index)
	return nil
}

// writeSnapshotFile writes snapshot file number file durably, creation
// included, before any pointer record names it.
func (s *Store[D, R]) writeSnapshotFile(what string, file uint64, data []byte) error {
	if err := writeFile(s.dev, snapName(file), data, &s.wal.scratch); err != nil {
		return s.poison(err, "%s: write %s", what, snapName(file))
	}
	if err := s.dev.SyncDir(); err != nil {
		return s.poison(err, "%s: write %s", what, snapName(file))
	}
	return nil
}

// writePointer writes the pointer record p, makes the snapshot it names
// (with metadata meta) live, and deletes what it made obsolete.
func (s *Store[D, R]) writePointer(what string, p *pointerRec, meta raft.SnapshotMeta) error {
	seg, _, _, err := s.writeRecords(func() string { return what }, func(b []byte) []byte { return appendPointerRecord(b, p) })
	if err != nil {
		return err
	}
	floor, err := s.placePointer(p, seg)
	if err != nil {
		return s.poison(err, "%s", what)
	}
	old := s.snapshot
	s.snapshot = &liveSnapshot{meta: meta, id: p.id, file: p.file}
	s.pointerFloor = floor
	if old != nil && old.file != p.file {
		if err := s.dev.Remove(snapName(old.file)); err != nil {
			return s.poison(err, "%s: remove %s", what, snapName(old.file))
		}
	}
	if err := s.wal.removeBelow(floor); err != nil {
		return s.poison(err, "%s: remove old segments", what)
	}
	return nil
}

// GetCurrentSnapshot returns the live snapshot's metadata and a read-only
// handle at its start, or nil when there is none. The file is read and
// checked on every call (raft.ErrCorrupt on a mismatch), so a leader never
// streams a snapshot its disk corrupted.
func (s *Store[D, R]) GetCurrentSnapshot() (*raft.CurrentSnapshot, error) {
	if s.poisoned != nil {
		return nil, s.poisoned
	}
	if s.snapshot == nil {
		return nil, nil
	}
	data, err := s.readSnapshotFile(s.snapshot)
	if err != nil {
		return nil, err
	}
	return s.current(data), nil
}

// readSnapshotFile reads a snapshot file and checks it against live.
func (s *Store[D, R]) readSnapshotFile(live *liveSnapshot) ([]byte, error) {
	name := snapName(live.file)
	data, err := readFile(s.dev, name)
	if err != nil {
		return nil, s.errs.wrap(err, "snapshot %s: read %s", live.id, name)
	}
	meta, _, err := raft.DecodeSnapshot(data)
	if err != nil {
		return nil, s.errs.wrap(err, "snapshot %s: %s", live.id, name)
	}
	if meta.Index != live.meta.Index || meta.Term != live.meta.Term || !meta.Membership.Equal(live.meta.Membership) {
		return nil, s.errs.corrupt("snapshot %s: %s holds %v, want %v", live.id, name, meta, live.meta)
	}
	return data, nil
}

func (s *Store[D, R]) current(data []byte) *raft.CurrentSnapshot {
	return &raft.CurrentSnapshot{
		Term:       s.snapshot.meta.Term,
		Index:      s.snapshot.meta.Index,
		Membership: s.snapshot.meta.Membership.Clone(),
		ID:         s.snapshot.id,
		Snapshot:   &handle{data: data, readOnly: true},
	}
}
