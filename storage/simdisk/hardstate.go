package simdisk

import (
	"errors"
	"io/fs"

	"github.com/raftsim/raftsim/raft"
)

// SaveHardState makes hs durable before it returns, atomically (the file
// is replaced by rename: a crash leaves the old or the new term and vote,
// never a mix). Saving the hard state already held writes nothing.
//
// As in memstore (dissertation §3.4), a term that goes back, or a vote
// that changes or is withdrawn within a term, is refused with
// raft.ErrInconsistent, since either could let the node vote twice.
func (s *Store[D, R]) SaveHardState(hs raft.HardState) error {
	if s.poisoned != nil {
		return s.poisoned
	}
	old := s.hardState
	if hs.CurrentTerm < old.CurrentTerm {
		return s.errs.inconsistent("save hard state (%v): term goes back from %d", hs, old.CurrentTerm)
	}
	if hs.CurrentTerm == old.CurrentTerm && old.VotedFor != raft.None && hs.VotedFor != old.VotedFor {
		return s.errs.inconsistent("save hard state (%v): changes the vote of term %d from %v", hs, old.CurrentTerm, old.VotedFor)
	}
	if hs == old {
		return nil
	}
	data := encodeSmall(magicHardState, uint64(hs.CurrentTerm), uint64(hs.VotedFor))
	if err := replaceFile(s.dev, fileHardState, data, &s.wal.scratch); err != nil {
		return s.poison(err, "save hard state (%v)", hs)
	}
	s.hardState = hs
	return nil
}

// loadHardState reads the hard state file; none is the zero hard state.
func (s *Store[D, R]) loadHardState() error {
	b, err := readFile(s.dev, fileHardState)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return s.errs.wrap(err, "open: read hard state")
	}
	v, err := decodeSmall(magicHardState, b, 2)
	if err != nil {
		return s.errs.wrap(err, "open: hard state")
	}
	s.hardState = raft.HardState{CurrentTerm: raft.Term(v[0]), VotedFor: raft.NodeID(v[1])}
	return nil
}
