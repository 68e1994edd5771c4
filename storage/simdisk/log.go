package simdisk

import (
	"slices"

	"github.com/raftsim/raftsim/raft"
)

// firstIndex is the index of the first entry held, or 1 for an empty log.
func (s *Store[D, R]) firstIndex() raft.Index {
	if len(s.log) == 0 {
		return 1
	}
	return s.log[0].index
}

// lastIndex is the index of the last entry held, pointer included, or 0.
func (s *Store[D, R]) lastIndex() raft.Index {
	if len(s.log) == 0 {
		return 0
	}
	return s.log[len(s.log)-1].index
}

// lastTerm is the term of the last entry held, or 0.
func (s *Store[D, R]) lastTerm() raft.Term {
	if len(s.log) == 0 {
		return 0
	}
	return s.log[len(s.log)-1].term
}

// slotAt returns the slot of index i, or nil when the log does not hold it.
func (s *Store[D, R]) slotAt(i raft.Index) *slot {
	if len(s.log) == 0 || i < s.log[0].index || i > s.lastIndex() {
		return nil
	}
	return &s.log[i-s.log[0].index]
}

// membershipAt returns the membership in force at index i (the latest
// config entry or pointer at or before it), else the initial one. The
// result aliases the index; callers clone it.
func (s *Store[D, R]) membershipAt(i raft.Index) raft.Membership {
	if k := s.configIndexAt(i); k > 0 {
		return *s.slotAt(k).membership
	}
	return raft.NewInitialMembership(s.id)
}

// configIndexAt returns the index of the latest config entry or pointer at
// or before i, 0 when there is none: a scan of the in-memory index back
// from i, which never passes the snapshot pointer at the log's front.
func (s *Store[D, R]) configIndexAt(i raft.Index) raft.Index {
	if len(s.log) > 0 && i >= s.log[0].index {
		for k := min(i-s.log[0].index, raft.Index(len(s.log)-1)) + 1; k > 0; k-- {
			if s.log[k-1].membership != nil {
				return s.log[k-1].index
			}
		}
	}
	return 0
}

// placeEntry puts sl in the index as an entry record lands: it replaces
// the entry at its index and drops everything after. Recovery replays
// records from the first segment present, whose first entries may not
// follow what came before (older segments were deleted): an entry that
// does not fit the log starts it afresh, and a later pointer record
// anchors it (see recovery.go). The store's own appends always fit.
func (s *Store[D, R]) placeEntry(sl slot) {
	if len(s.log) == 0 || sl.index < s.log[0].index || sl.index > s.lastIndex()+1 {
		clear(s.log)
		s.log = append(s.log[:0], sl)
		return
	}
	s.truncateSuffix(sl.index)
	s.log = append(s.log, sl)
}

// truncateSuffix drops the entries from index i on.
func (s *Store[D, R]) truncateSuffix(i raft.Index) {
	if len(s.log) == 0 || i > s.lastIndex() {
		return
	}
	k := max(i, s.log[0].index) - s.log[0].index
	clear(s.log[k:])
	s.log = s.log[:k]
}

// placePointer makes the log a snapshot pointer followed by the entries
// (p.index, p.last] it holds, and returns the lowest segment the new log
// still needs (recSeg holds the pointer record itself). An entry missing
// from that range is corruption: the pointer record says the log held it.
func (s *Store[D, R]) placePointer(p *pointerRec, recSeg uint64) (uint64, error) {
	floor := recSeg
	for i := p.index + 1; i <= p.last; i++ {
		sl := s.slotAt(i)
		if sl == nil {
			return 0, s.errs.corrupt("wal segment %d: snapshot pointer at %d keeps the log through %d, but entry %d is missing", recSeg, p.index, p.last, i)
		}
		floor = min(floor, sl.seg)
	}
	m := p.membership.Clone()
	ptr := slot{index: p.index, term: p.term, kind: raft.EntrySnapshotPointer, membership: &m}
	n := int(p.last - p.index) // entries kept after the pointer
	if n > 0 && s.log[0].index > p.index {
		// The kept entries start the log: no room in front of them.
		clear(s.log[n:])
		s.log = slices.Insert(s.log[:n], 0, ptr)
		return floor, nil
	}
	// In place: the kept entries move down behind the pointer.
	if n > 0 {
		from := int(p.index + 1 - s.log[0].index)
		copy(s.log[1:], s.log[from:from+n])
	}
	if len(s.log) == 0 {
		s.log = append(s.log, slot{})
	}
	clear(s.log[1+n:])
	s.log = s.log[:1+n]
	s.log[0] = ptr
	return floor, nil
}

// writeRecords writes, in one durable append, an applied record when the
// marker is behind, then the records build appends. It returns the
// segment and the stream offset of the batch; build's records start at
// offset + the length of the batch before build ran (the head). what
// names the call in an error (a function, so that the name costs nothing
// when all goes well).
func (s *Store[D, R]) writeRecords(what func() string, build func(b []byte) []byte) (seg uint64, off int64, head int, err error) {
	b := s.batch[:0]
	applied := s.lastApplied
	if applied > s.appliedLogged {
		b = appendAppliedRecord(b, applied)
	}
	head = len(b)
	b = build(b)
	s.batch = b[:0]
	seg, off, err = s.wal.append(b)
	if err != nil {
		return 0, 0, 0, s.poison(err, "%s", what())
	}
	s.appliedLogged = max(s.appliedLogged, applied)
	return seg, off, head, nil
}

// slotOf makes the index slot of entry e, written at (seg, off, size).
func slotOf[D any](e *raft.Entry[D], seg uint64, off, size int64) slot {
	sl := slot{index: e.Index, term: e.Term, kind: e.Kind, seg: seg, off: off, size: size}
	if e.Membership != nil {
		m := e.Membership.Clone()
		sl.membership = &m
	}
	return sl
}

// entryOf returns, from the index alone, an entry other than a normal one;
// a pointer names the live snapshot.
func (s *Store[D, R]) entryOf(sl *slot) raft.Entry[D] {
	e := raft.Entry[D]{Term: sl.term, Index: sl.index, Kind: sl.kind}
	if sl.kind == raft.EntrySnapshotPointer && s.snapshot != nil {
		e.SnapshotID = s.snapshot.id
	}
	if sl.membership != nil {
		m := sl.membership.Clone()
		e.Membership = &m
	}
	return e
}
