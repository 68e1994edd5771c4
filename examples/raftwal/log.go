package raftwal

import (
	"encoding/json"

	hraft "github.com/hashicorp/raft"

	"github.com/raftsim/raftsim/raft"
)

// The log methods. Each checks its input as the contract (and memstore,
// its reference) does, then writes to raft-wal, then updates the index.

func (s *Store[D, R]) firstIndex() raft.Index {
	if len(s.log) == 0 {
		return 1
	}
	return s.first
}

func (s *Store[D, R]) lastIndex() raft.Index {
	if len(s.log) == 0 {
		return 0
	}
	return s.first + raft.Index(len(s.log)) - 1
}

func (s *Store[D, R]) lastTerm() raft.Term {
	if len(s.log) == 0 {
		return 0
	}
	return s.log[len(s.log)-1].Term
}

func (s *Store[D, R]) slotAt(i raft.Index) *slot {
	if len(s.log) == 0 || i < s.first || i > s.lastIndex() {
		return nil
	}
	return &s.log[i-s.first]
}

// membershipAt is the latest membership at or before i, by a reverse scan
// of the index.
func (s *Store[D, R]) membershipAt(i raft.Index) raft.Membership {
	for j := min(i, s.lastIndex()); j >= s.first && len(s.log) > 0; j-- {
		if sl := s.slotAt(j); sl.Membership != nil {
			return sl.Membership.Clone()
		}
		if j == 0 {
			break
		}
	}
	return raft.NewInitialMembership(s.id)
}

func (s *Store[D, R]) GetMembershipConfig() (raft.Membership, error) {
	if s.poisoned != nil {
		return raft.Membership{}, s.poisoned
	}
	return s.membershipAt(s.lastIndex()), nil
}

func (s *Store[D, R]) GetInitialState() (raft.InitialState, error) {
	if s.poisoned != nil {
		return raft.InitialState{}, s.poisoned
	}
	st := raft.InitialState{LastAppliedLog: s.lastApplied, HardState: s.hs, Membership: s.membershipAt(s.lastIndex())}
	st.LastLogIndex, st.LastLogTerm = s.lastIndex(), s.lastTerm()
	return st, nil
}

func (s *Store[D, R]) SaveHardState(hs raft.HardState) error {
	if s.poisoned != nil {
		return s.poisoned
	}
	if hs.CurrentTerm < s.hs.CurrentTerm {
		return s.inconsistent("save hard state: term %d is before %d", hs.CurrentTerm, s.hs.CurrentTerm)
	}
	if hs.CurrentTerm == s.hs.CurrentTerm && s.hs.VotedFor != raft.None && hs.VotedFor != s.hs.VotedFor {
		return s.inconsistent("save hard state: vote in term %d changes from %v to %v", hs.CurrentTerm, s.hs.VotedFor, hs.VotedFor)
	}
	b, _ := json.Marshal(hs)
	if err := s.w.Set(keyHard, b); err != nil {
		return s.poison(err, "save hard state")
	}
	s.hs = hs
	return nil
}

func (s *Store[D, R]) GetLogEntries(start, stop raft.Index) ([]raft.Entry[D], error) {
	if s.poisoned != nil {
		return nil, s.poisoned
	}
	lo, hi := max(start, s.firstIndex()), min(stop, s.lastIndex()+1)
	if lo >= hi {
		return nil, nil
	}
	out := make([]raft.Entry[D], 0, hi-lo)
	for i := lo; i < hi; i++ {
		sl := s.slotAt(i)
		if sl.Kind == raft.EntrySnapshotPointer {
			out = append(out, raft.NewSnapshotPointer[D](i, sl.Term, sl.SnapshotID, sl.Membership.Clone()))
			continue
		}
		e, err := s.read(i)
		if err != nil {
			return nil, s.poison(err, "get entries %d..%d", lo, hi-1)
		}
		if e.Term != sl.Term || e.Kind != sl.Kind {
			return nil, s.poison(raft.ErrCorrupt, "entry %d: raft-wal holds %d/%v, the index %d/%v", i, e.Term, e.Kind, sl.Term, sl.Kind)
		}
		out = append(out, e)
	}
	return out, nil
}

func (s *Store[D, R]) DeleteLogsFrom(start raft.Index, stop *raft.Index) error {
	if s.poisoned != nil {
		return s.poisoned
	}
	hi := s.lastIndex() + 1
	if stop != nil {
		hi = min(*stop, hi)
	}
	lo := max(start, s.firstIndex())
	if lo >= hi {
		return nil
	}
	if hi <= s.lastIndex() {
		return s.inconsistent("delete %d..%d: would leave a hole before %d", lo, hi-1, hi)
	}
	if lo <= s.lastApplied {
		return s.inconsistent("delete %d..%d: would delete applied entry %d", lo, hi-1, lo)
	}
	return s.truncateSuffix(lo)
}

// truncateSuffix deletes the entries from i on (i is after the pointer).
func (s *Store[D, R]) truncateSuffix(i raft.Index) error {
	if i > s.lastIndex() {
		return nil
	}
	if err := s.w.DeleteRange(uint64(i), uint64(s.lastIndex())); err != nil {
		return s.poison(err, "delete from %d", i)
	}
	s.log = s.log[:i-s.first]
	return nil
}

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

func (s *Store[D, R]) AppendEntryToLog(e *raft.Entry[D]) error {
	if s.poisoned != nil {
		return s.poisoned
	}
	if e == nil {
		return s.inconsistent("append: nil entry")
	}
	if err := s.checkIncoming("append", e); err != nil {
		return err
	}
	if last := s.lastIndex(); e.Index != last+1 {
		return s.inconsistent("append %d: not contiguous with last index %d", e.Index, last)
	}
	if e.Term < s.lastTerm() {
		return s.inconsistent("append %d: term %d is before the last entry's term %d", e.Index, e.Term, s.lastTerm())
	}
	return s.store([]raft.Entry[D]{*e})
}

// store appends entries (contiguous after the last index) to raft-wal and
// the index.
func (s *Store[D, R]) store(es []raft.Entry[D]) error {
	if s.snap != nil && es[0].Index <= s.snap.Drop {
		// An installation wiped raft-wal through Drop; entries written
		// there now are live: the record must say so first.
		rec := *s.snap
		rec.Drop = es[0].Index - 1
		if err := s.putRecord(&rec); err != nil {
			return err
		}
	}
	logs := make([]*hraft.Log, len(es))
	for k := range es {
		l, err := s.encode(&es[k])
		if err != nil {
			return s.poison(err, "encode entry %d", es[k].Index)
		}
		logs[k] = l
	}
	if err := s.w.StoreLogs(logs); err != nil {
		return s.poison(err, "store entries %d..%d", es[0].Index, es[len(es)-1].Index)
	}
	if len(s.log) == 0 {
		s.first = es[0].Index
	}
	for k := range es {
		var m *raft.Membership
		if es[k].Membership != nil {
			c := es[k].Membership.Clone()
			m = &c
		}
		s.log = append(s.log, slot{Term: es[k].Term, Kind: es[k].Kind, Membership: m})
	}
	return nil
}

func (s *Store[D, R]) ReplicateToLog(entries []raft.Entry[D]) error {
	if s.poisoned != nil {
		return s.poisoned
	}
	if len(entries) == 0 {
		return nil
	}
	for k := range entries {
		e := &entries[k]
		if err := s.checkIncoming("replicate", e); err != nil {
			return err
		}
		if k > 0 && e.Index != entries[k-1].Index+1 {
			return s.inconsistent("replicate %d: batch not contiguous after %d", e.Index, entries[k-1].Index)
		}
		if k > 0 && e.Term < entries[k-1].Term {
			return s.inconsistent("replicate %d: term %d is before the previous entry's term %d", e.Index, e.Term, entries[k-1].Term)
		}
	}
	if first, last := entries[0].Index, s.lastIndex(); first > last+1 {
		return s.inconsistent("replicate %d: not contiguous with last index %d", first, last)
	}
	for k := range entries {
		e := &entries[k]
		if e.Index < s.firstIndex() {
			continue
		}
		if held := s.slotAt(e.Index); held != nil {
			if held.Term == e.Term {
				continue
			}
			if e.Index <= s.lastApplied {
				return s.inconsistent("replicate %d: term %d would replace an applied entry", e.Index, e.Term)
			}
		}
		if prev := s.slotAt(e.Index - 1); prev != nil && e.Term < prev.Term {
			return s.inconsistent("replicate %d: term %d is before the previous entry's term %d", e.Index, e.Term, prev.Term)
		}
		if err := s.truncateSuffix(e.Index); err != nil {
			return err
		}
		return s.store(entries[k:])
	}
	return nil
}

func (s *Store[D, R]) ApplyEntryToStateMachine(e *raft.Entry[D]) (R, error) {
	var zero R
	if s.poisoned != nil {
		return zero, s.poisoned
	}
	if e == nil {
		return zero, s.inconsistent("apply: nil entry")
	}
	if err := s.checkApply(e, s.lastApplied+1); err != nil {
		return zero, err
	}
	return s.apply(e), nil
}

func (s *Store[D, R]) ReplicateToStateMachine(entries []raft.Entry[D]) error {
	if s.poisoned != nil {
		return s.poisoned
	}
	for k := range entries {
		if err := s.checkApply(&entries[k], s.lastApplied+1+raft.Index(k)); err != nil {
			return err
		}
	}
	for k := range entries {
		s.apply(&entries[k])
	}
	return nil
}

func (s *Store[D, R]) apply(e *raft.Entry[D]) R {
	var r R
	if e.Kind == raft.EntryNormal {
		r = s.sm.Apply(e.Index, e.Data)
	}
	s.lastApplied = e.Index
	return r
}

// checkApply refuses an entry that is not the next one the log holds.
func (s *Store[D, R]) checkApply(e *raft.Entry[D], want raft.Index) error {
	if e.Index != want {
		return s.inconsistent("apply %d: the next entry to apply is %d", e.Index, want)
	}
	held := s.slotAt(e.Index)
	if held == nil {
		return s.inconsistent("apply %d: not in the log", e.Index)
	}
	if held.Term != e.Term || held.Kind != e.Kind {
		return s.inconsistent("apply %d: the log holds %d/%v, not %d/%v", e.Index, held.Term, held.Kind, e.Term, e.Kind)
	}
	return nil
}
