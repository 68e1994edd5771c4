package memstore

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/internal/listsm"
	"github.com/raftsim/raftsim/raft"
)

// listSM is the tests' state machine (internal/listsm).
type listSM = listsm.SM

var errTest = errors.New("test failure")

// Entry builders. Terms and indices come first, as in "3/7".

func normal(term raft.Term, index raft.Index, data string) raft.Entry[string] {
	return raft.Entry[string]{Term: term, Index: index, Kind: raft.EntryNormal, Data: data}
}

func blank(term raft.Term, index raft.Index) raft.Entry[string] {
	return raft.Entry[string]{Term: term, Index: index, Kind: raft.EntryBlank}
}

func config(term raft.Term, index raft.Index, members ...raft.NodeID) raft.Entry[string] {
	m := raft.NewMembership(members...)
	return raft.Entry[string]{Term: term, Index: index, Kind: raft.EntryConfigChange, Membership: &m}
}

// newStore returns a pristine store of node n1 and its state machine.
func newStore() (*Store[string, int], *listSM) {
	sm := &listSM{}
	return New[string, int](1, sm), sm
}

// mustAppend appends entries as a leader would.
func mustAppend(t testing.TB, s *Store[string, int], entries ...raft.Entry[string]) {
	t.Helper()
	for k := range entries {
		require.NoError(t, s.AppendEntryToLog(&entries[k]))
	}
}

// mustApply applies the log through index i.
func mustApply(t testing.TB, s *Store[string, int], i raft.Index) {
	t.Helper()
	es, err := s.GetLogEntries(s.lastApplied+1, i+1)
	require.NoError(t, err)
	require.NoError(t, s.ReplicateToStateMachine(es))
	require.Equal(t, i, s.lastApplied)
}

// logIDs returns "term/index" of every entry held, pointers marked with "p".
func logIDs(t testing.TB, s *Store[string, int]) []string {
	t.Helper()
	es, err := s.GetLogEntries(0, s.lastIndex()+1)
	require.NoError(t, err)
	out := make([]string, len(es))
	for k := range es {
		out[k] = es[k].ID().String()
		if es[k].Kind == raft.EntrySnapshotPointer {
			out[k] += "p"
		}
	}
	return out
}

// dump is a deep copy of everything a store holds, to compare a store
// before and after a call.
type dump struct {
	HardState   raft.HardState
	Log         []raft.Entry[string]
	LastApplied raft.Index
	Snapshot    *liveSnapshot
	SM          listSM
}

func dumpStore(s *Store[string, int], sm *listSM) dump {
	d := dump{HardState: s.hardState, LastApplied: s.lastApplied, SM: sm.Clone()}
	for k := range s.log {
		d.Log = append(d.Log, ownedCopy(&s.log[k]))
	}
	if s.snapshot != nil {
		c := *s.snapshot
		c.data = slices.Clone(c.data)
		c.meta.Membership = c.meta.Membership.Clone()
		d.Snapshot = &c
	}
	return d
}
