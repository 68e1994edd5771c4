package memstore

import (
	"github.com/raftsim/raftsim/raft"
)

// firstIndex is the index of the first entry held, or 1 for an empty log
// (an empty log is never a compacted one: compaction leaves a pointer).
func (s *Store[D, R]) firstIndex() raft.Index {
	if len(s.log) == 0 {
		return 1
	}
	return s.log[0].Index
}

// lastIndex is the index of the last entry held, pointer included, or 0.
func (s *Store[D, R]) lastIndex() raft.Index {
	if len(s.log) == 0 {
		return 0
	}
	return s.log[len(s.log)-1].Index
}

// lastTerm is the term of the last entry held, or 0.
func (s *Store[D, R]) lastTerm() raft.Term {
	if len(s.log) == 0 {
		return 0
	}
	return s.log[len(s.log)-1].Term
}

// entry returns the entry held at index i, or nil when the log does not hold
// it (compacted behind the pointer, or beyond the end).
func (s *Store[D, R]) entry(i raft.Index) *raft.Entry[D] {
	if len(s.log) == 0 || i < s.log[0].Index || i > s.lastIndex() {
		return nil
	}
	return &s.log[i-s.log[0].Index]
}

// membershipAt returns the membership in force at index i: the latest
// config-change entry or snapshot pointer at or before i, else the initial
// membership. The result aliases the log; callers clone it.
func (s *Store[D, R]) membershipAt(i raft.Index) raft.Membership {
	if k := s.configIndexAt(i); k > 0 {
		return *s.entry(k).Membership
	}
	return raft.NewInitialMembership(s.id)
}

// configIndexAt returns the index of the latest config-change entry or
// snapshot pointer at or before i, 0 when there is none. It scans back
// from i; compaction puts a pointer at the front of the log, so the scan
// never passes the last snapshot.
func (s *Store[D, R]) configIndexAt(i raft.Index) raft.Index {
	if len(s.log) > 0 && i >= s.log[0].Index {
		for k := min(i-s.log[0].Index, raft.Index(len(s.log)-1)) + 1; k > 0; k-- {
			e := &s.log[k-1]
			if e.Kind == raft.EntryConfigChange || e.Kind == raft.EntrySnapshotPointer {
				return e.Index
			}
		}
	}
	return 0
}

// GetLogEntries returns copies of the entries held in [start, stop), in
// order; it never fails. Indices compacted behind the snapshot pointer or
// beyond the last entry are simply absent, and an empty or inverted range
// returns nil. A range that includes the pointer's index returns the pointer
// as an entry (Kind EntrySnapshotPointer): a leader must send the snapshot
// rather than replicate it.
//
// The result is the caller's: memberships are deep-copied, so changing a
// returned entry never changes the store. Command data D is copied by value.
func (s *Store[D, R]) GetLogEntries(start, stop raft.Index) ([]raft.Entry[D], error) {
	lo := max(start, s.firstIndex())
	hi := min(stop, s.lastIndex()+1)
	if lo >= hi {
		return nil, nil
	}
	first := s.log[0].Index
	out := make([]raft.Entry[D], hi-lo)
	copy(out, s.log[lo-first:hi-first])
	for k := range out {
		if out[k].Membership != nil {
			out[k].Membership = cloneMembership(out[k].Membership)
		}
	}
	return out, nil
}

// DeleteLogsFrom deletes the entries held in [start, stop), or from start to
// the end of the log when stop is nil. The part of the range the log does not
// hold is ignored: a range beyond the end, below the first entry, empty or
// inverted (stop <= start) deletes nothing and is not an error.
//
// The log stays contiguous and anchored, so two deletions are refused with an
// error wrapping raft.ErrInconsistent, leaving the log unchanged:
//   - one that stops before the end of the log, leaving entries after it:
//     deleting the middle leaves a hole, and deleting a prefix leaves a log
//     whose first entry has neither index 1 nor a snapshot pointer before it
//     (no term for its predecessor, no membership). The core deletes only
//     suffixes (a conflicting tail); the prefixes that compaction and
//     snapshot installation remove go inside DoLogCompaction and
//     FinalizeSnapshotInstallation, which write the pointer in the same call.
//   - one that reaches an applied index (the snapshot pointer included): an
//     applied entry is committed, and a committed entry never conflicts.
func (s *Store[D, R]) DeleteLogsFrom(start raft.Index, stop *raft.Index) error {
	hi := s.lastIndex() + 1
	if stop != nil {
		hi = min(*stop, hi)
	}
	lo := max(start, s.firstIndex())
	if lo >= hi {
		return nil
	}
	if hi <= s.lastIndex() {
		return s.inconsistent("delete %d..%d: would leave a hole before %d (log %d..%d)", lo, hi-1, hi, s.firstIndex(), s.lastIndex())
	}
	if lo <= s.lastApplied {
		return s.inconsistent("delete %d..%d: would delete applied entry %d (last applied %d)", lo, hi-1, lo, s.lastApplied)
	}
	s.truncateSuffix(lo)
	return nil
}

// AppendEntryToLog appends one entry the leader created. Its index must be
// exactly the last index plus one (1 on an empty log) and its term at least
// the last entry's: anything else is a caller bug that the store reports with
// an error wrapping raft.ErrInconsistent instead of hiding. So are an entry
// that fails raft.Entry.Validate, one of term 0, and a snapshot pointer
// (pointers are written only by the store). The store keeps its own copy:
// the caller may reuse e afterwards.
func (s *Store[D, R]) AppendEntryToLog(e *raft.Entry[D]) error {
	if e == nil {
		return s.inconsistent("append: nil entry")
	}
	if err := s.checkIncoming("append", e); err != nil {
		return err
	}
	if last := s.lastIndex(); e.Index != last+1 {
		return s.inconsistent("append %d: not contiguous with last index %d", e.Index, last)
	}
	if last := s.lastTerm(); e.Term < last {
		return s.inconsistent("append %d: term %d is before the last entry's term %d", e.Index, e.Term, last)
	}
	s.reserve(1)
	s.log = append(s.log, ownedCopy(e))
	return nil
}

// ReplicateToLog writes a batch a follower received. The batch must be
// contiguous (each index one more than the previous), with non-decreasing
// terms, and start no later than the last index plus one; each entry must
// pass the checks of AppendEntryToLog. Each entry's own index decides where
// it lands:
//   - below the first entry held (compacted behind the snapshot pointer): it
//     is covered by the snapshot and skipped;
//   - at an index held with the same term: it is the same entry (log
//     matching), nothing changes, and the entries after it are kept;
//   - at an index held with a different term: it replaces that entry and
//     everything after it is dropped (log matching: what followed the old
//     entry cannot follow the new one), then the rest of the batch is
//     appended. Replacing an applied entry (the pointer included) is an
//     error wrapping raft.ErrInconsistent: it is committed;
//   - at the last index plus one: it and the rest of the batch are appended.
//
// The seed asks the caller to truncate a conflicting suffix first; the store
// drops it itself when it sees the conflict, so a batch never leaves stale
// entries behind it either way. An empty batch is a no-op. On error nothing
// changes.
func (s *Store[D, R]) ReplicateToLog(entries []raft.Entry[D]) error {
	if len(entries) == 0 {
		return nil
	}
	for k := range entries {
		e := &entries[k]
		if err := s.checkIncoming("replicate", e); err != nil {
			return err
		}
		if k == 0 {
			continue
		}
		if prev := &entries[k-1]; e.Index != prev.Index+1 {
			return s.inconsistent("replicate %d: batch not contiguous after %d", e.Index, prev.Index)
		} else if e.Term < prev.Term {
			return s.inconsistent("replicate %d: term %d is before the previous entry's term %d", e.Index, e.Term, prev.Term)
		}
	}
	if first, last := entries[0].Index, s.lastIndex(); first > last+1 {
		return s.inconsistent("replicate %d..%d: not contiguous with last index %d", first, entries[len(entries)-1].Index, last)
	}
	// Find the first batch entry that changes the log; the batch is checked
	// whole before anything is written.
	for k := range entries {
		e := &entries[k]
		if e.Index < s.firstIndex() {
			continue
		}
		if held := s.entry(e.Index); held != nil {
			if held.Term == e.Term {
				continue
			}
			if e.Index <= s.lastApplied {
				return s.inconsistent("replicate %d: term %d would replace applied entry %v", e.Index, e.Term, held.ID())
			}
		}
		if prev := s.entry(e.Index - 1); prev != nil && e.Term < prev.Term {
			return s.inconsistent("replicate %d: term %d is before the previous entry's term %d", e.Index, e.Term, prev.Term)
		}
		s.truncateSuffix(e.Index)
		s.reserve(len(entries) - k)
		for j := k; j < len(entries); j++ {
			s.log = append(s.log, ownedCopy(&entries[j]))
		}
		return nil
	}
	return nil
}

// checkIncoming checks one entry arriving from the caller.
func (s *Store[D, R]) checkIncoming(op string, e *raft.Entry[D]) error {
	if err := e.Validate(); err != nil {
		return s.inconsistent("%s %d: %v", op, e.Index, err)
	}
	if e.Kind == raft.EntrySnapshotPointer {
		return s.inconsistent("%s %d: a snapshot pointer is written only by the store", op, e.Index)
	}
	if e.Term == 0 {
		return s.inconsistent("%s %d: term 0 is before any election", op, e.Index)
	}
	return nil
}

// truncateSuffix drops the entries from index i on. The dropped slots are
// zeroed so that their data can be collected.
func (s *Store[D, R]) truncateSuffix(i raft.Index) {
	if len(s.log) == 0 || i > s.lastIndex() {
		return
	}
	k := max(i, s.log[0].Index) - s.log[0].Index
	clear(s.log[k:])
	s.log = s.log[:k]
}

// truncatePrefix drops the entries before index i, which must be held. The
// backing array is kept; the next growth of the log reallocates it.
func (s *Store[D, R]) truncatePrefix(i raft.Index) {
	k := i - s.log[0].Index
	clear(s.log[:k])
	s.log = s.log[k:]
}

// ownedCopy returns a copy of e that shares nothing mutable with it.
func ownedCopy[D any](e *raft.Entry[D]) raft.Entry[D] {
	c := *e
	if c.Membership != nil {
		c.Membership = cloneMembership(c.Membership)
	}
	return c
}

func cloneMembership(m *raft.Membership) *raft.Membership {
	c := m.Clone()
	return &c
}

// reserve makes room for n more entries, doubling the capacity when it
// grows: append alone grows a long slice by a quarter at a time, which
// copies a long log several times over.
func (s *Store[D, R]) reserve(n int) {
	if len(s.log)+n <= cap(s.log) {
		return
	}
	grown := make([]raft.Entry[D], len(s.log), max(2*cap(s.log), len(s.log)+n, 64))
	copy(grown, s.log)
	s.log = grown
}
