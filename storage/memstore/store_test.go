package memstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

func TestPristine(t *testing.T) {
	s, _ := newStore()

	st, err := s.GetInitialState()
	require.NoError(t, err)
	assert.Equal(t, raft.NewInitialState(1), st)

	m, err := s.GetMembershipConfig()
	require.NoError(t, err)
	assert.Equal(t, raft.NewInitialMembership(1), m)

	es, err := s.GetLogEntries(0, 100)
	require.NoError(t, err)
	assert.Empty(t, es)

	snap, err := s.GetCurrentSnapshot()
	require.NoError(t, err)
	assert.Nil(t, snap)
}

func TestNewRejectsNodeZero(t *testing.T) {
	assert.PanicsWithValue(t, "memstore: New: node id 0 is reserved for none (number nodes from 1)", func() {
		New[string, int](raft.None, &listSM{})
	})
}

func TestMembershipReverseScan(t *testing.T) {
	s, _ := newStore()
	mustAppend(t, s, blank(1, 1), config(1, 2, 1, 2), normal(1, 3, "a"), config(2, 4, 1, 2, 3), normal(2, 5, "b"))

	m, err := s.GetMembershipConfig()
	require.NoError(t, err)
	assert.Equal(t, raft.NewMembership(1, 2, 3), m, "latest config wins, not the first")
}

func TestMembershipJoint(t *testing.T) {
	s, _ := newStore()
	joint := raft.Membership{Members: []raft.NodeID{1, 2, 3}, MembersAfterConsensus: []raft.NodeID{2, 3, 4}}
	mustAppend(t, s, blank(1, 1), raft.Entry[string]{Term: 1, Index: 2, Kind: raft.EntryConfigChange, Membership: &joint})

	m, err := s.GetMembershipConfig()
	require.NoError(t, err)
	assert.True(t, m.Equal(joint), "got %v", m)
}

func TestMembershipAfterTruncation(t *testing.T) {
	s, _ := newStore()
	mustAppend(t, s, blank(1, 1), config(1, 2, 1, 2), normal(1, 3, "a"), config(2, 4, 1, 2, 3), normal(2, 5, "b"))

	require.NoError(t, s.DeleteLogsFrom(4, nil))
	m, err := s.GetMembershipConfig()
	require.NoError(t, err)
	assert.Equal(t, raft.NewMembership(1, 2), m, "truncating the latest config makes the previous one current")

	require.NoError(t, s.DeleteLogsFrom(2, nil))
	m, err = s.GetMembershipConfig()
	require.NoError(t, err)
	assert.Equal(t, raft.NewInitialMembership(1), m, "no config left: the initial membership")

	require.NoError(t, s.ReplicateToLog([]raft.Entry[string]{config(3, 2, 1, 5)}))
	m, err = s.GetMembershipConfig()
	require.NoError(t, err)
	assert.Equal(t, raft.NewMembership(1, 5), m)
}

func TestMembershipFromSnapshotPointer(t *testing.T) {
	s, _ := newStore()
	mustAppend(t, s, blank(1, 1), config(1, 2, 1, 2, 3), normal(1, 3, "a"), normal(1, 4, "b"))
	mustApply(t, s, 4)
	_, err := s.DoLogCompaction(4)
	require.NoError(t, err)
	require.Equal(t, []string{"1/4p"}, logIDs(t, s))

	m, err := s.GetMembershipConfig()
	require.NoError(t, err)
	assert.Equal(t, raft.NewMembership(1, 2, 3), m, "the pointer carries the config it covers")

	mustAppend(t, s, normal(2, 5, "c"))
	m, err = s.GetMembershipConfig()
	require.NoError(t, err)
	assert.Equal(t, raft.NewMembership(1, 2, 3), m, "the scan passes normal entries down to the pointer")

	mustAppend(t, s, config(2, 6, 1, 2))
	m, err = s.GetMembershipConfig()
	require.NoError(t, err)
	assert.Equal(t, raft.NewMembership(1, 2), m, "a config after the pointer is reached first")
}

func TestMembershipIsACopy(t *testing.T) {
	s, _ := newStore()
	mustAppend(t, s, config(1, 1, 1, 2, 3))

	m, err := s.GetMembershipConfig()
	require.NoError(t, err)
	m.Members[0] = 9

	m, err = s.GetMembershipConfig()
	require.NoError(t, err)
	assert.Equal(t, raft.NewMembership(1, 2, 3), m)
}

func TestInitialState(t *testing.T) {
	s, _ := newStore()
	hs := raft.HardState{CurrentTerm: 2, VotedFor: 3}
	require.NoError(t, s.SaveHardState(hs))
	mustAppend(t, s, blank(1, 1), config(1, 2, 1, 2, 3), normal(2, 3, "a"), normal(2, 4, "b"))
	mustApply(t, s, 3)

	st, err := s.GetInitialState()
	require.NoError(t, err)
	assert.Equal(t, raft.InitialState{
		LastLogIndex:    4,
		LastLogTerm:     2,
		LastAppliedLog:  3,
		HardState:       hs,
		Membership:      raft.NewMembership(1, 2, 3),
		MembershipIndex: 2,
	}, st)
}

func TestInitialStateAfterCompaction(t *testing.T) {
	s, _ := newStore()
	mustAppend(t, s, blank(1, 1), normal(1, 2, "a"), normal(2, 3, "b"))
	mustApply(t, s, 3)
	_, err := s.DoLogCompaction(3)
	require.NoError(t, err)

	st, err := s.GetInitialState()
	require.NoError(t, err)
	assert.Equal(t, raft.Index(3), st.LastLogIndex, "the pointer is the last entry")
	assert.Equal(t, raft.Term(2), st.LastLogTerm)
	assert.Equal(t, raft.Index(3), st.LastAppliedLog)
	assert.Equal(t, raft.NewInitialMembership(1), st.Membership)
}

// The store never builds these logs itself; a store on a disk could find
// them after a fault, so the check is exercised by breaking the fields.
func TestInitialStateInconsistent(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(s *Store[string, int])
		msg    string
	}{
		{"log ends before applied", func(s *Store[string, int]) { s.log = s.log[:2] },
			"memstore: n1: initial state: log ends at 2 before last applied 3: storage inconsistent"},
		{"empty log after applying", func(s *Store[string, int]) { s.log = nil },
			"memstore: n1: initial state: log is empty but last applied is 3: storage inconsistent"},
		{"hole before the first entry", func(s *Store[string, int]) { s.log = s.log[1:] },
			"memstore: n1: initial state: log starts at 2 without a snapshot pointer: storage inconsistent"},
		{"hole inside", func(s *Store[string, int]) { s.log = append(s.log[:1:1], s.log[2:]...) },
			"memstore: n1: initial state: log 1..4 holds 3 entries (a hole): storage inconsistent"},
		{"pointer beyond applied", func(s *Store[string, int]) {
			s.log[0] = raft.NewSnapshotPointer[string](1, 1, "x", raft.NewInitialMembership(1))
			s.lastApplied = 0
		}, "memstore: n1: initial state: snapshot pointer at 1 beyond last applied 0: storage inconsistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore()
			mustAppend(t, s, blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"), normal(1, 4, "c"))
			mustApply(t, s, 3)
			tt.mutate(s)

			_, err := s.GetInitialState()
			require.ErrorIs(t, err, raft.ErrInconsistent)
			assert.EqualError(t, err, tt.msg)
		})
	}
}

func TestSaveHardState(t *testing.T) {
	s, _ := newStore()
	require.NoError(t, s.SaveHardState(raft.HardState{CurrentTerm: 1}))
	require.NoError(t, s.SaveHardState(raft.HardState{CurrentTerm: 1, VotedFor: 2}), "first vote in a term")
	require.NoError(t, s.SaveHardState(raft.HardState{CurrentTerm: 1, VotedFor: 2}), "saving the same again")
	require.NoError(t, s.SaveHardState(raft.HardState{CurrentTerm: 3}), "a new term clears the vote")

	st, err := s.GetInitialState()
	require.NoError(t, err)
	assert.Equal(t, raft.HardState{CurrentTerm: 3}, st.HardState)
}

func TestSaveHardStateRefusesDoubleVote(t *testing.T) {
	s, _ := newStore()
	hs := raft.HardState{CurrentTerm: 3, VotedFor: 2}
	require.NoError(t, s.SaveHardState(hs))

	err := s.SaveHardState(raft.HardState{CurrentTerm: 2})
	require.ErrorIs(t, err, raft.ErrInconsistent)
	assert.EqualError(t, err, "memstore: n1: save hard state (term 2 vote none): term goes back from 3: storage inconsistent")

	err = s.SaveHardState(raft.HardState{CurrentTerm: 3, VotedFor: 3})
	require.ErrorIs(t, err, raft.ErrInconsistent)
	assert.EqualError(t, err, "memstore: n1: save hard state (term 3 vote n3): changes the vote of term 3 from n2: storage inconsistent")

	err = s.SaveHardState(raft.HardState{CurrentTerm: 3})
	require.ErrorIs(t, err, raft.ErrInconsistent, "withdrawing a vote lets the node vote again")

	st, err := s.GetInitialState()
	require.NoError(t, err)
	assert.Equal(t, hs, st.HardState, "refused saves change nothing")
}
