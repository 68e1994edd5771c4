package simdisk

import (
	"github.com/raftsim/raftsim/raft"
)

// ApplyEntryToStateMachine applies one committed entry, with memstore's
// rules: it must be the next one (last applied + 1) and the log must hold
// it (same index, term and kind), else raft.ErrInconsistent and the state
// machine is not called. A normal entry's data goes to sm.Apply; blank and
// config entries only advance the last applied index and answer R's zero
// value.
//
// Apply writes nothing: the new last applied index is written with the
// next log append (see the package doc), so after a crash the store may
// recover an older one, and the core applies the entries after it again,
// to a state machine rebuilt without them.
func (s *Store[D, R]) ApplyEntryToStateMachine(e *raft.Entry[D]) (R, error) {
	var zero R
	if s.poisoned != nil {
		return zero, s.poisoned
	}
	if e == nil {
		return zero, s.errs.inconsistent("apply: nil entry")
	}
	if err := s.checkApplicable(e, s.lastApplied+1); err != nil {
		return zero, err
	}
	return s.apply(e), nil
}

// ReplicateToStateMachine applies a batch of committed entries in order,
// checking the whole batch first: on error nothing is applied.
func (s *Store[D, R]) ReplicateToStateMachine(entries []raft.Entry[D]) error {
	if s.poisoned != nil {
		return s.poisoned
	}
	for k := range entries {
		if err := s.checkApplicable(&entries[k], s.lastApplied+1+raft.Index(k)); err != nil {
			return err
		}
	}
	for k := range entries {
		s.apply(&entries[k])
	}
	return nil
}

// checkApplicable checks that e is the entry at index want in the log.
func (s *Store[D, R]) checkApplicable(e *raft.Entry[D], want raft.Index) error {
	switch {
	case e.Index < want:
		return s.errs.inconsistent("apply %d: already applied (next to apply is %d)", e.Index, want)
	case e.Index > want:
		return s.errs.inconsistent("apply %d: skips entries (next to apply is %d)", e.Index, want)
	}
	held := s.slotAt(e.Index)
	if held == nil {
		return s.errs.inconsistent("apply %d: not in the log (last index %d)", e.Index, s.lastIndex())
	}
	if held.term != e.Term || held.kind != e.Kind {
		return s.errs.inconsistent("apply %v %v: the log holds %d/%d %v at that index", e.ID(), e.Kind, held.term, held.index, held.kind)
	}
	return nil
}

// apply applies a checked entry.
func (s *Store[D, R]) apply(e *raft.Entry[D]) R {
	var r R
	if e.Kind == raft.EntryNormal {
		r = s.sm.Apply(e.Index, e.Data)
	}
	s.lastApplied = e.Index
	return r
}
