package memstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

func TestApplyEntryToStateMachine(t *testing.T) {
	s, sm := newStore()
	entries := []raft.Entry[string]{blank(1, 1), normal(1, 2, "a"), config(1, 3, 1, 2), normal(1, 4, "b")}
	mustAppend(t, s, entries...)

	var responses []int
	for k := range entries {
		r, err := s.ApplyEntryToStateMachine(&entries[k])
		require.NoError(t, err)
		responses = append(responses, r)
	}
	assert.Equal(t, []int{0, 1, 0, 2}, responses, "normal entries answer; blank and config answer the zero value")
	assert.Equal(t, []string{"a", "b"}, sm.Items)
	assert.Equal(t, []raft.Index{2, 4}, sm.Indices, "Apply gets the entry's index")

	st, err := s.GetInitialState()
	require.NoError(t, err)
	assert.Equal(t, raft.Index(4), st.LastAppliedLog, "blank and config entries advance last applied too")
}

func TestApplyEntryToStateMachineRefusals(t *testing.T) {
	tests := []struct {
		name string
		e    raft.Entry[string]
		msg  string
	}{
		{"again", normal(1, 2, "a"), "memstore: n1: apply 2: already applied (next to apply is 3): storage inconsistent"},
		{"skips", normal(1, 4, "c"), "memstore: n1: apply 4: skips entries (next to apply is 3): storage inconsistent"},
		{"not in the log", normal(1, 3, "b"), "memstore: n1: apply 3: not in the log (last index 2): storage inconsistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, sm := newStore()
			mustAppend(t, s, blank(1, 1), normal(1, 2, "a"))
			mustApply(t, s, 2)
			before := dumpStore(s, sm)

			r, err := s.ApplyEntryToStateMachine(&tt.e)
			require.ErrorIs(t, err, raft.ErrInconsistent)
			assert.EqualError(t, err, tt.msg)
			assert.Zero(t, r)
			assert.Equal(t, before, dumpStore(s, sm), "the state machine is not called")
		})
	}
	t.Run("another term at that index", func(t *testing.T) {
		s, _ := newStore()
		mustAppend(t, s, blank(1, 1), normal(1, 2, "a"))
		e := normal(2, 1, "x")
		_, err := s.ApplyEntryToStateMachine(&e)
		assert.EqualError(t, err, "memstore: n1: apply 2/1 normal: the log holds 1/1 blank at that index: storage inconsistent")
	})
	t.Run("nil", func(t *testing.T) {
		s, _ := newStore()
		_, err := s.ApplyEntryToStateMachine(nil)
		assert.ErrorIs(t, err, raft.ErrInconsistent)
	})
}

func TestReplicateToStateMachine(t *testing.T) {
	s, sm := newStore()
	entries := []raft.Entry[string]{blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"), normal(2, 4, "c")}
	mustAppend(t, s, entries...)

	require.NoError(t, s.ReplicateToStateMachine(entries[:2]))
	require.NoError(t, s.ReplicateToStateMachine(nil), "an empty batch is a no-op")
	require.NoError(t, s.ReplicateToStateMachine(entries[2:]))
	assert.Equal(t, []string{"a", "b", "c"}, sm.Items)
	assert.Equal(t, raft.Index(4), s.lastApplied)
}

func TestReplicateToStateMachineIsAtomic(t *testing.T) {
	s, sm := newStore()
	mustAppend(t, s, blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"))
	before := dumpStore(s, sm)

	err := s.ReplicateToStateMachine([]raft.Entry[string]{blank(1, 1), normal(1, 2, "a"), normal(1, 4, "x")})
	require.ErrorIs(t, err, raft.ErrInconsistent)
	assert.EqualError(t, err, "memstore: n1: apply 4: skips entries (next to apply is 3): storage inconsistent")
	assert.Equal(t, before, dumpStore(s, sm), "nothing of a refused batch is applied")

	err = s.ReplicateToStateMachine([]raft.Entry[string]{blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"), normal(1, 4, "c")})
	assert.EqualError(t, err, "memstore: n1: apply 4: not in the log (last index 3): storage inconsistent")
	assert.Equal(t, before, dumpStore(s, sm))
}

func TestApplyAfterSnapshotInstall(t *testing.T) {
	leader, _ := newStore()
	mustAppend(t, leader, blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"))
	mustApply(t, leader, 3)
	snap, err := leader.DoLogCompaction(3)
	require.NoError(t, err)

	s, sm := newStore()
	require.NoError(t, s.FinalizeSnapshotInstallation(snap.Index, snap.Term, nil, snap.ID, snap.Snapshot))
	require.NoError(t, s.ReplicateToLog([]raft.Entry[string]{normal(1, 3, "b"), normal(2, 4, "c")}))

	e := normal(2, 4, "c")
	r, err := s.ApplyEntryToStateMachine(&e)
	require.NoError(t, err)
	assert.Equal(t, 3, r)
	assert.Equal(t, []string{"a", "b", "c"}, sm.Items)
}
