package raftwal

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/hashicorp/go-hclog"
	hraft "github.com/hashicorp/raft"
	wal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/segment"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/storage/vfs"
)

// Options tune a Store.
type Options struct {
	// SegmentSize is raft-wal's segment size in bytes; raft-wal's default
	// (64 MiB) when 0.
	SegmentSize int
}

// Store is raft.Storage on raft-wal. The log's entries live in raft-wal;
// an index of their terms, kinds and memberships is kept in memory and
// rebuilt on Open. The snapshot pointer, the live snapshot's metadata, the
// hard state and the node ID live in raft-wal's stable store, the
// snapshot's bytes in a file. The state machine is in memory: Open restores
// it from the snapshot, so the recovered last applied index is the
// snapshot's (the contract allows an earlier one than before the crash).
// A device failure poisons the store: every later call returns it.
type Store[D, R any] struct {
	fs    vfs.FS
	w     *wal.WAL
	meta  *metaStore
	id    raft.NodeID
	sm    raft.StateMachine[D, R]
	codec raft.Codec[D]

	hs raft.HardState
	// log indexes the entries: log[k] is the entry at first+k; log[0] is
	// the snapshot pointer when there is one (it is not in raft-wal).
	first raft.Index
	log   []slot
	// walFirst is the first index raft-wal holds (0 when empty).
	lastApplied raft.Index
	snap        *snapRecord
	seq         uint64
	poisoned    error
}

type slot struct {
	Term       raft.Term
	Kind       raft.EntryKind
	Membership *raft.Membership
	SnapshotID string
}

// snapRecord is the stable store's record of the pointer and the live
// snapshot; Drop is the last index whose raft-wal entries are dead (below
// the pointer, or wiped by an installation).
type snapRecord struct {
	Ptr     raft.Index
	PtrTerm raft.Term
	PtrID   string
	PtrM    raft.Membership
	Meta    raft.SnapshotMeta
	ID      string
	File    string
	Drop    raft.Index
}

// walEntry is an entry's encoding in a raft-wal log's Data.
type walEntry struct {
	Kind       raft.EntryKind
	Membership *raft.Membership `json:",omitempty"`
	Data       []byte           `json:",omitempty"`
}

const walDir = "."

var (
	keyNode = []byte("node")
	keyHard = []byte("hardstate")
	keySnap = "snapshot"
	keySeq  = "seq"
)

// Open opens (or creates) the store of node id on fsys, applying to sm, a
// fresh machine.
func Open[D, R any](fsys vfs.FS, id raft.NodeID, sm raft.StateMachine[D, R], codec raft.Codec[D], opts Options) (*Store[D, R], error) {
	meta := &metaStore{fs: fsys}
	filer := segment.NewFiler(walDir, VFS(fsys, walDir))
	var w *wal.WAL
	var err error
	// raft-wal logs the errors it swallows (a failed delete of an old
	// segment) and returns the others; the store reports what it returns.
	quiet := wal.WithLogger(hclog.NewNullLogger())
	if opts.SegmentSize > 0 {
		w, err = wal.Open(walDir, wal.WithMetaStore(meta), wal.WithSegmentFiler(filer), quiet, wal.WithSegmentSize(opts.SegmentSize))
	} else {
		w, err = wal.Open(walDir, wal.WithMetaStore(meta), wal.WithSegmentFiler(filer), quiet)
	}
	if err != nil {
		return nil, fmt.Errorf("raftwal: open: %w", err)
	}
	s := &Store[D, R]{fs: fsys, w: w, meta: meta, id: id, sm: sm, codec: codec, first: 1}
	if err := s.recover(); err != nil {
		w.Close()
		return nil, fmt.Errorf("raftwal: open n%d: %w", id, err)
	}
	return s, nil
}

// recover rebuilds the index, the hard state and the state machine from
// what raft-wal and the snapshot file hold.
func (s *Store[D, R]) recover() error {
	if err := s.checkNode(); err != nil {
		return err
	}
	if b, _ := s.w.Get(keyHard); b != nil {
		if err := json.Unmarshal(b, &s.hs); err != nil {
			return fmt.Errorf("hard state: %v: %w", err, raft.ErrCorrupt)
		}
	}
	if b, _ := s.meta.GetStable([]byte(keySeq)); b != nil {
		if err := json.Unmarshal(b, &s.seq); err != nil {
			return fmt.Errorf("snapshot sequence: %v: %w", err, raft.ErrCorrupt)
		}
	}
	if b, _ := s.meta.GetStable([]byte(keySnap)); b != nil {
		s.snap = &snapRecord{}
		if err := json.Unmarshal(b, s.snap); err != nil {
			return fmt.Errorf("snapshot record: %v: %w", err, raft.ErrCorrupt)
		}
		if err := s.loadSnapshot(); err != nil {
			return err
		}
	}
	if err := s.dropDead(); err != nil {
		return err
	}
	return s.indexWAL()
}

// checkNode persists the node ID on a pristine store and checks it after.
func (s *Store[D, R]) checkNode() error {
	b, _ := s.w.Get(keyNode)
	if b == nil {
		enc, _ := json.Marshal(s.id)
		return s.w.Set(keyNode, enc)
	}
	var id raft.NodeID
	if err := json.Unmarshal(b, &id); err != nil {
		return fmt.Errorf("node id: %v: %w", err, raft.ErrCorrupt)
	}
	if id != s.id {
		return fmt.Errorf("the store is node %d's, opened as node %d: %w", id, s.id, raft.ErrInconsistent)
	}
	return nil
}

// loadSnapshot restores the machine from the live snapshot's file and
// puts the pointer first in the index.
func (s *Store[D, R]) loadSnapshot() error {
	data, err := readAll(s.fs, s.snap.File)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", s.snap.File, err)
	}
	meta, state, err := raft.DecodeSnapshot(data)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", s.snap.File, err)
	}
	if meta.Index != s.snap.Meta.Index || meta.Term != s.snap.Meta.Term {
		return fmt.Errorf("snapshot %s holds %d/%d, the record says %d/%d: %w", s.snap.File, meta.Term, meta.Index, s.snap.Meta.Term, s.snap.Meta.Index, raft.ErrCorrupt)
	}
	if err := s.sm.Restore(state); err != nil {
		return fmt.Errorf("snapshot %s: restore: %w", s.snap.File, err)
	}
	s.lastApplied = meta.Index
	m := s.snap.PtrM.Clone()
	s.first = s.snap.Ptr
	s.log = []slot{{Term: s.snap.PtrTerm, Kind: raft.EntrySnapshotPointer, Membership: &m, SnapshotID: s.snap.PtrID}}
	return nil
}

// dropDead deletes raft-wal's entries at or below the record's Drop (a
// crash may have come between the record and the deletion).
func (s *Store[D, R]) dropDead() error {
	if s.snap == nil {
		return nil
	}
	first, err := s.w.FirstIndex()
	if err != nil {
		return err
	}
	if first == 0 || first > uint64(s.snap.Drop) {
		return nil
	}
	return s.w.DeleteRange(first, uint64(s.snap.Drop))
}

// indexWAL reads every entry raft-wal holds into the index.
func (s *Store[D, R]) indexWAL() error {
	first, err := s.w.FirstIndex()
	if err != nil {
		return err
	}
	last, err := s.w.LastIndex()
	if err != nil {
		return err
	}
	if first == 0 || last < first {
		return nil
	}
	if len(s.log) == 0 {
		s.first = raft.Index(first)
	} else if raft.Index(first) != s.first+raft.Index(len(s.log)) {
		return fmt.Errorf("the log starts at %d after the pointer at %d: %w", first, s.first, raft.ErrCorrupt)
	}
	for i := first; i <= last; i++ {
		e, err := s.read(raft.Index(i))
		if err != nil {
			return err
		}
		s.log = append(s.log, slot{Term: e.Term, Kind: e.Kind, Membership: e.Membership})
	}
	return nil
}

// read reads entry i from raft-wal.
func (s *Store[D, R]) read(i raft.Index) (raft.Entry[D], error) {
	var l hraft.Log
	if err := s.w.GetLog(uint64(i), &l); err != nil {
		return raft.Entry[D]{}, fmt.Errorf("read entry %d: %w", i, err)
	}
	if len(l.Data) < 4 || entrySum(l.Index, l.Term, l.Data[4:]) != binary.BigEndian.Uint32(l.Data) {
		return raft.Entry[D]{}, fmt.Errorf("entry %d: checksum mismatch: %w", i, raft.ErrCorrupt)
	}
	var we walEntry
	if err := json.Unmarshal(l.Data[4:], &we); err != nil {
		return raft.Entry[D]{}, fmt.Errorf("entry %d: %v: %w", i, err, raft.ErrCorrupt)
	}
	if l.Index != uint64(i) {
		return raft.Entry[D]{}, fmt.Errorf("entry %d: raft-wal returned index %d: %w", i, l.Index, raft.ErrCorrupt)
	}
	e := raft.Entry[D]{Term: raft.Term(l.Term), Index: i, Kind: we.Kind, Membership: we.Membership}
	if we.Kind == raft.EntryNormal {
		d, err := s.codec.Decode(we.Data)
		if err != nil {
			return raft.Entry[D]{}, fmt.Errorf("entry %d: %w", i, err)
		}
		e.Data = d
	}
	return e, nil
}

// encode makes the raft-wal record of e.
func (s *Store[D, R]) encode(e *raft.Entry[D]) (*hraft.Log, error) {
	we := walEntry{Kind: e.Kind, Membership: e.Membership}
	if e.Kind == raft.EntryNormal {
		we.Data = s.codec.AppendEncode(nil, e.Data)
	}
	b, err := json.Marshal(we)
	if err != nil {
		return nil, err
	}
	sum := entrySum(uint64(e.Index), uint64(e.Term), b)
	return &hraft.Log{Index: uint64(e.Index), Term: uint64(e.Term), Type: hraft.LogCommand, Data: append(binary.BigEndian.AppendUint32(nil, sum), b...)}, nil
}

// entrySum is the CRC-32C of an entry's index, term and encoding. raft-wal
// checks its own CRCs only when it recovers the tail segment at open, not
// on reads (its README: "we don't validate checksums on every record
// read"), so without this a flipped bit in the log is returned as data:
// the storage kit's bit-rot check showed it.
func entrySum(index, term uint64, b []byte) uint32 {
	h := binary.BigEndian.AppendUint64(nil, index)
	h = binary.BigEndian.AppendUint64(h, term)
	return crc32.Update(crc32.Checksum(h, castagnoli), castagnoli, b)
}

// Close closes raft-wal.
func (s *Store[D, R]) Close() error { return s.w.Close() }

// poison records a device failure; every later call returns it.
func (s *Store[D, R]) poison(err error, format string, args ...any) error {
	s.poisoned = fmt.Errorf("raftwal: n%d: %s: %w", s.id, fmt.Sprintf(format, args...), err)
	return s.poisoned
}

func (s *Store[D, R]) inconsistent(format string, args ...any) error {
	return fmt.Errorf("raftwal: n%d: %s: %w", s.id, fmt.Sprintf(format, args...), raft.ErrInconsistent)
}

var errPoisoned = errors.New("poisoned")
