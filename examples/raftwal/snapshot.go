package raftwal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/raftsim/raftsim/raft"
)

// Snapshots: the bytes go to a new file snap-N, synced with its name; then
// one write of the stable store names it (with the pointer, and the raft-wal
// entries that are dead); then raft-wal's dead entries and the old file go.

func (s *Store[D, R]) DoLogCompaction(through raft.Index) (raft.CurrentSnapshot, error) {
	if s.poisoned != nil {
		return raft.CurrentSnapshot{}, s.poisoned
	}
	if through == 0 {
		return raft.CurrentSnapshot{}, s.inconsistent("compact through 0: nothing to compact")
	}
	if through > s.lastApplied {
		return raft.CurrentSnapshot{}, s.inconsistent("compact through %d: beyond last applied %d", through, s.lastApplied)
	}
	applied := s.slotAt(s.lastApplied)
	if applied == nil {
		return raft.CurrentSnapshot{}, s.inconsistent("compact through %d: last applied %d is not in the log", through, s.lastApplied)
	}
	state, err := s.sm.Snapshot()
	if err != nil {
		return raft.CurrentSnapshot{}, s.poison(err, "compact through %d: snapshot the state machine", through)
	}
	meta := raft.SnapshotMeta{Index: s.lastApplied, Term: applied.Term, Membership: s.membershipAt(s.lastApplied)}
	cut := max(through, s.firstIndex())
	rec := snapRecord{Ptr: cut, PtrTerm: s.slotAt(cut).Term, PtrM: s.membershipAt(cut), Meta: meta, Drop: cut}
	if err := s.writeSnapshot(&rec, raft.EncodeSnapshot(meta, state)); err != nil {
		return raft.CurrentSnapshot{}, err
	}
	rec.PtrID = rec.ID
	if err := s.commitSnapshot(&rec); err != nil {
		return raft.CurrentSnapshot{}, err
	}
	return *s.current(), nil
}

// writeSnapshot writes data to a new snapshot file, durably, and names it
// in rec.
func (s *Store[D, R]) writeSnapshot(rec *snapRecord, data []byte) error {
	s.seq++
	seq, _ := json.Marshal(s.seq)
	if err := s.meta.SetStable([]byte(keySeq), seq); err != nil {
		return s.poison(err, "snapshot sequence")
	}
	rec.File = fmt.Sprintf("snap-%d", s.seq)
	if rec.ID == "" {
		rec.ID = fmt.Sprintf("snap-%d-%d-%d", rec.Meta.Term, rec.Meta.Index, s.seq)
	}
	if err := writeFile(s.fs, rec.File, data); err != nil {
		return s.poison(err, "write %s", rec.File)
	}
	if err := s.fs.SyncDir(); err != nil {
		return s.poison(err, "write %s", rec.File)
	}
	return nil
}

// commitSnapshot makes rec the live snapshot: the record, then raft-wal's
// dead entries and the old file are deleted, then the index follows.
func (s *Store[D, R]) commitSnapshot(rec *snapRecord) error {
	old := s.snap
	if err := s.putRecord(rec); err != nil {
		return err
	}
	if first, err := s.w.FirstIndex(); err != nil {
		return s.poison(err, "first index")
	} else if first != 0 && first <= uint64(rec.Drop) {
		if err := s.w.DeleteRange(first, uint64(rec.Drop)); err != nil {
			return s.poison(err, "delete through %d", rec.Drop)
		}
	}
	if old != nil && old.File != rec.File {
		if err := s.fs.Remove(old.File); err != nil {
			return s.poison(err, "remove %s", old.File)
		}
	}
	m := rec.PtrM.Clone()
	ptr := slot{Term: rec.PtrTerm, Kind: raft.EntrySnapshotPointer, Membership: &m, SnapshotID: rec.PtrID}
	if rec.Drop > rec.Ptr || rec.Ptr > s.lastIndex() {
		s.log = []slot{ptr}
	} else {
		s.log = append([]slot{ptr}, s.log[rec.Ptr+1-s.firstIndex():]...)
	}
	s.first = rec.Ptr
	return nil
}

// putRecord writes rec to the stable store and adopts it.
func (s *Store[D, R]) putRecord(rec *snapRecord) error {
	b, _ := json.Marshal(rec)
	if err := s.meta.SetStable([]byte(keySnap), b); err != nil {
		return s.poison(err, "snapshot record")
	}
	s.snap = rec
	return nil
}

func (s *Store[D, R]) CreateSnapshot() (string, raft.SnapshotHandle, error) {
	if s.poisoned != nil {
		return "", nil, s.poisoned
	}
	s.seq++
	seq, _ := json.Marshal(s.seq)
	if err := s.meta.SetStable([]byte(keySeq), seq); err != nil {
		return "", nil, s.poison(err, "snapshot sequence")
	}
	return fmt.Sprintf("recv-%d", s.seq), &handle{}, nil
}

func (s *Store[D, R]) FinalizeSnapshotInstallation(index raft.Index, term raft.Term, deleteThrough *raft.Index, id string, snap raft.SnapshotHandle) error {
	if s.poisoned != nil {
		return s.poisoned
	}
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
	if _, err := snap.Seek(0, io.SeekStart); err != nil {
		return s.poison(err, "install snapshot %d/%d: seek", term, index)
	}
	data, err := io.ReadAll(snap)
	if err != nil {
		return s.poison(err, "install snapshot %d/%d: read", term, index)
	}
	meta, state, err := raft.DecodeSnapshot(data)
	if err != nil {
		return s.poison(err, "install snapshot %d/%d", term, index)
	}
	if meta.Index != index || meta.Term != term {
		return s.inconsistent("install snapshot %d/%d: its header says %d/%d", term, index, meta.Term, meta.Index)
	}
	if err := s.sm.Restore(bytes.Clone(state)); err != nil {
		return s.poison(err, "install snapshot %d/%d: restore the state machine", term, index)
	}
	rec := snapRecord{Ptr: index, PtrTerm: term, PtrID: id, PtrM: meta.Membership.Clone(), Meta: meta, ID: id, Drop: index}
	if held := s.slotAt(index); deleteThrough == nil || held == nil || held.Term != term {
		rec.Drop = max(index, s.lastIndex()) // the whole log goes
	}
	if err := s.writeSnapshot(&rec, data); err != nil {
		return err
	}
	if err := s.commitSnapshot(&rec); err != nil {
		return err
	}
	s.lastApplied = index
	return nil
}

func (s *Store[D, R]) GetCurrentSnapshot() (*raft.CurrentSnapshot, error) {
	if s.poisoned != nil {
		return nil, s.poisoned
	}
	return s.current(), nil
}

func (s *Store[D, R]) current() *raft.CurrentSnapshot {
	if s.snap == nil {
		return nil
	}
	data, err := readAll(s.fs, s.snap.File)
	h := &handle{data: data}
	if err != nil {
		h.err = err
	}
	return &raft.CurrentSnapshot{Term: s.snap.Meta.Term, Index: s.snap.Meta.Index, Membership: s.snap.Meta.Membership.Clone(), ID: s.snap.ID, Snapshot: h}
}

// handle is an in-memory snapshot stream.
type handle struct {
	data []byte
	off  int64
	err  error
}

func (h *handle) Read(p []byte) (int, error) {
	if h.err != nil {
		return 0, h.err
	}
	if h.off >= int64(len(h.data)) {
		return 0, io.EOF
	}
	n := copy(p, h.data[h.off:])
	h.off += int64(n)
	return n, nil
}

func (h *handle) Write(p []byte) (int, error) {
	end := h.off + int64(len(p))
	if end > int64(len(h.data)) {
		h.data = append(h.data, make([]byte, end-int64(len(h.data)))...)
	}
	copy(h.data[h.off:], p)
	h.off = end
	return len(p), nil
}

func (h *handle) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += h.off
	case io.SeekEnd:
		off += int64(len(h.data))
	}
	if off < 0 {
		return 0, errors.New("raftwal: seek before the start")
	}
	h.off = off
	return off, nil
}

func (h *handle) Close() error { return nil }
