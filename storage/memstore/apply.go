package memstore

import (
	"github.com/raftsim/raftsim/raft"
)

// ApplyEntryToStateMachine applies one committed entry and returns the state
// machine's response: sm.Apply(index, data) for a normal entry, R's zero
// value for a blank or config-change entry, which only advance the last
// applied index.
//
// The entry must be the next one, at exactly the last applied index plus
// one, and the log must hold it (same index and term). Applying an index
// again, skipping one, or applying an entry the log does not hold is an error
// wrapping raft.ErrInconsistent, and the state machine is not called: the
// core never does any of these, and re-applying a command would break
// exactly-once semantics. Requiring the entry in the log also keeps the last
// applied index from ever passing the end of the log.
func (s *Store[D, R]) ApplyEntryToStateMachine(e *raft.Entry[D]) (R, error) {
	var zero R
	if e == nil {
		return zero, s.inconsistent("apply: nil entry")
	}
	if err := s.checkApplicable(e, s.lastApplied+1); err != nil {
		return zero, err
	}
	return s.apply(e), nil
}

// ReplicateToStateMachine applies a batch of committed entries in order, as
// ApplyEntryToStateMachine does for each, and drops the responses. The whole
// batch is checked first: on error nothing is applied. An empty batch is a
// no-op.
func (s *Store[D, R]) ReplicateToStateMachine(entries []raft.Entry[D]) error {
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
		return s.inconsistent("apply %d: already applied (next to apply is %d)", e.Index, want)
	case e.Index > want:
		return s.inconsistent("apply %d: skips entries (next to apply is %d)", e.Index, want)
	}
	held := s.entry(e.Index)
	if held == nil {
		return s.inconsistent("apply %d: not in the log (last index %d)", e.Index, s.lastIndex())
	}
	if held.Term != e.Term || held.Kind != e.Kind {
		return s.inconsistent("apply %v %v: the log holds %v %v at that index", e.ID(), e.Kind, held.ID(), held.Kind)
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
