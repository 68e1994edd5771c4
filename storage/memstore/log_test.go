package memstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

func idx(i raft.Index) *raft.Index { return &i }

// compactedStore holds a pointer at 3 (term 1) and entries 4..6, with 1..5
// applied.
func compactedStore(t *testing.T) (*Store[string, int], *listSM) {
	s, sm := newStore()
	mustAppend(t, s, blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"), normal(2, 4, "c"), normal(2, 5, "d"), normal(2, 6, "e"))
	mustApply(t, s, 5)
	_, err := s.DoLogCompaction(3)
	require.NoError(t, err)
	require.Equal(t, []string{"1/3p", "2/4", "2/5", "2/6"}, logIDs(t, s))
	return s, sm
}

func TestGetLogEntriesRanges(t *testing.T) {
	s, _ := compactedStore(t)
	tests := []struct {
		name        string
		start, stop raft.Index
		want        []raft.Index
	}{
		{"whole log", 3, 7, []raft.Index{3, 4, 5, 6}},
		{"half-open", 4, 6, []raft.Index{4, 5}},
		{"one entry", 5, 6, []raft.Index{5}},
		{"empty", 5, 5, nil},
		{"inverted", 6, 4, nil},
		{"compacted", 1, 3, nil},
		{"starts in the compacted part", 0, 5, []raft.Index{3, 4}},
		{"runs past the end", 5, 100, []raft.Index{5, 6}},
		{"beyond the end", 7, 10, nil},
		{"far beyond the end", 1000, 2000, nil},
		{"everything", 0, ^raft.Index(0), []raft.Index{3, 4, 5, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, err := s.GetLogEntries(tt.start, tt.stop)
			require.NoError(t, err)
			var got []raft.Index
			for _, e := range es {
				got = append(got, e.Index)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestGetLogEntriesReturnsPointer(t *testing.T) {
	s, _ := compactedStore(t)
	es, err := s.GetLogEntries(3, 4)
	require.NoError(t, err)
	require.Len(t, es, 1)
	assert.Equal(t, raft.EntrySnapshotPointer, es[0].Kind)
	assert.Equal(t, s.snapshot.id, es[0].SnapshotID)
	require.NoError(t, es[0].Validate())
}

func TestGetLogEntriesReturnsCopies(t *testing.T) {
	s, _ := newStore()
	mustAppend(t, s, config(1, 1, 1, 2, 3), normal(1, 2, "a"))

	es, err := s.GetLogEntries(1, 3)
	require.NoError(t, err)
	es[0].Membership.Members[0] = 9
	es[0].Membership = nil
	es[1].Data = "changed"
	es[1].Term = 7

	again, err := s.GetLogEntries(1, 3)
	require.NoError(t, err)
	assert.Equal(t, []raft.Entry[string]{config(1, 1, 1, 2, 3), normal(1, 2, "a")}, again)
}

func TestDeleteLogsFromSuffix(t *testing.T) {
	s, _ := newStore()
	mustAppend(t, s, blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"), normal(1, 4, "c"), normal(1, 5, "d"))

	require.NoError(t, s.DeleteLogsFrom(4, nil))
	assert.Equal(t, []string{"1/1", "1/2", "1/3"}, logIDs(t, s))

	require.NoError(t, s.DeleteLogsFrom(3, idx(100)), "a stop beyond the end deletes to the end")
	assert.Equal(t, []string{"1/1", "1/2"}, logIDs(t, s))

	require.NoError(t, s.DeleteLogsFrom(1, nil), "nothing applied: the whole log may go")
	assert.Empty(t, logIDs(t, s))
	mustAppend(t, s, blank(2, 1))
}

func TestDeleteLogsFromNoOps(t *testing.T) {
	tests := []struct {
		name  string
		start raft.Index
		stop  *raft.Index
	}{
		{"beyond the end", 7, nil},
		{"far beyond the end", 100, idx(200)},
		{"empty", 5, idx(5)},
		{"inverted", 6, idx(4)},
		{"compacted part only", 1, idx(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, sm := compactedStore(t)
			before := dumpStore(s, sm)
			require.NoError(t, s.DeleteLogsFrom(tt.start, tt.stop))
			assert.Equal(t, before, dumpStore(s, sm))
		})
	}
}

func TestDeleteLogsFromRefusals(t *testing.T) {
	tests := []struct {
		name  string
		start raft.Index
		stop  *raft.Index
		msg   string
	}{
		{"middle", 5, idx(6), "memstore: n1: delete 5..5: would leave a hole before 6 (log 3..6): storage inconsistent"},
		{"prefix", 0, idx(5), "memstore: n1: delete 3..4: would leave a hole before 5 (log 3..6): storage inconsistent"},
		{"applied suffix", 5, nil, "memstore: n1: delete 5..6: would delete applied entry 5 (last applied 5): storage inconsistent"},
		{"the pointer and all", 0, nil, "memstore: n1: delete 3..6: would delete applied entry 3 (last applied 5): storage inconsistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, sm := compactedStore(t)
			before := dumpStore(s, sm)
			err := s.DeleteLogsFrom(tt.start, tt.stop)
			require.ErrorIs(t, err, raft.ErrInconsistent)
			assert.EqualError(t, err, tt.msg)
			assert.Equal(t, before, dumpStore(s, sm), "a refused deletion changes nothing")
		})
	}
	t.Run("unapplied suffix after the window", func(t *testing.T) {
		s, _ := compactedStore(t)
		require.NoError(t, s.DeleteLogsFrom(6, nil))
		assert.Equal(t, []string{"1/3p", "2/4", "2/5"}, logIDs(t, s))
	})
}

func TestAppendEntryToLog(t *testing.T) {
	s, _ := newStore()
	mustAppend(t, s, blank(1, 1), normal(1, 2, "a"), config(2, 3, 1, 2))
	assert.Equal(t, []string{"1/1", "1/2", "2/3"}, logIDs(t, s))
	st, err := s.GetInitialState()
	require.NoError(t, err)
	assert.Equal(t, raft.Index(3), st.LastLogIndex)
	assert.Equal(t, raft.Term(2), st.LastLogTerm)
}

func TestAppendEntryToLogContiguity(t *testing.T) {
	pointer := raft.NewSnapshotPointer[string](4, 2, "x", raft.NewInitialMembership(1))
	bad := normal(2, 4, "a")
	bad.Membership = &raft.Membership{Members: []raft.NodeID{1}}
	tests := []struct {
		name string
		e    raft.Entry[string]
		msg  string
	}{
		{"gap", normal(2, 5, "a"), "memstore: n1: append 5: not contiguous with last index 3: storage inconsistent"},
		{"overlap", normal(2, 3, "a"), "memstore: n1: append 3: not contiguous with last index 3: storage inconsistent"},
		{"term goes back", normal(1, 4, "a"), "memstore: n1: append 4: term 1 is before the last entry's term 2: storage inconsistent"},
		{"term 0", blank(0, 4), "memstore: n1: append 4: term 0 is before any election: storage inconsistent"},
		{"snapshot pointer", pointer, "memstore: n1: append 4: a snapshot pointer is written only by the store: storage inconsistent"},
		{"invalid", bad, "memstore: n1: append 4: raft: entry 2/4: normal entry carries a membership: storage inconsistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, sm := newStore()
			mustAppend(t, s, blank(1, 1), normal(1, 2, "a"), normal(2, 3, "b"))
			before := dumpStore(s, sm)
			err := s.AppendEntryToLog(&tt.e)
			require.ErrorIs(t, err, raft.ErrInconsistent)
			assert.EqualError(t, err, tt.msg)
			assert.Equal(t, before, dumpStore(s, sm))
		})
	}
	t.Run("first entry must be 1", func(t *testing.T) {
		s, _ := newStore()
		e := blank(1, 2)
		err := s.AppendEntryToLog(&e)
		assert.EqualError(t, err, "memstore: n1: append 2: not contiguous with last index 0: storage inconsistent")
	})
	t.Run("nil", func(t *testing.T) {
		s, _ := newStore()
		assert.ErrorIs(t, s.AppendEntryToLog(nil), raft.ErrInconsistent)
	})
	t.Run("after the pointer", func(t *testing.T) {
		s, _ := compactedStore(t)
		require.NoError(t, s.DeleteLogsFrom(6, nil))
		mustAppend(t, s, normal(3, 6, "x"))
		assert.Equal(t, []string{"1/3p", "2/4", "2/5", "3/6"}, logIDs(t, s))
	})
}

func TestAppendEntryToLogKeepsItsOwnCopy(t *testing.T) {
	s, _ := newStore()
	e := config(1, 1, 1, 2, 3)
	mustAppend(t, s, e)
	e.Membership.Members[0] = 9
	e.Term = 5

	m, err := s.GetMembershipConfig()
	require.NoError(t, err)
	assert.Equal(t, raft.NewMembership(1, 2, 3), m)
	assert.Equal(t, []string{"1/1"}, logIDs(t, s))
}

func TestReplicateToLogAppends(t *testing.T) {
	s, _ := newStore()
	require.NoError(t, s.ReplicateToLog([]raft.Entry[string]{blank(1, 1), normal(1, 2, "a")}))
	require.NoError(t, s.ReplicateToLog([]raft.Entry[string]{normal(1, 3, "b"), normal(2, 4, "c")}))
	require.NoError(t, s.ReplicateToLog(nil), "an empty batch is a no-op")
	assert.Equal(t, []string{"1/1", "1/2", "1/3", "2/4"}, logIDs(t, s))
}

func TestReplicateToLogOverwriteConflict(t *testing.T) {
	s, _ := newStore()
	mustAppend(t, s, blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"), normal(1, 4, "c"), normal(1, 5, "d"))
	mustApply(t, s, 1)

	require.NoError(t, s.ReplicateToLog([]raft.Entry[string]{normal(1, 2, "a"), normal(2, 3, "x")}))
	assert.Equal(t, []string{"1/1", "1/2", "2/3"}, logIDs(t, s), "a different term at 3 replaces it and drops 4..5")

	es, err := s.GetLogEntries(3, 4)
	require.NoError(t, err)
	assert.Equal(t, "x", es[0].Data)
}

func TestReplicateToLogIdenticalIsNoOp(t *testing.T) {
	s, sm := newStore()
	mustAppend(t, s, blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"), normal(2, 4, "c"), normal(2, 5, "d"))
	before := dumpStore(s, sm)

	require.NoError(t, s.ReplicateToLog([]raft.Entry[string]{normal(1, 2, "a"), normal(1, 3, "b")}))
	assert.Equal(t, before, dumpStore(s, sm), "same index and term: the entries after the batch are kept")
}

func TestReplicateToLogIdenticalThenNew(t *testing.T) {
	s, _ := newStore()
	mustAppend(t, s, blank(1, 1), normal(1, 2, "a"))
	require.NoError(t, s.ReplicateToLog([]raft.Entry[string]{normal(1, 2, "a"), normal(1, 3, "b"), normal(2, 4, "c")}))
	assert.Equal(t, []string{"1/1", "1/2", "1/3", "2/4"}, logIDs(t, s))
}

func TestReplicateToLogSkipsCompacted(t *testing.T) {
	s, _ := compactedStore(t)
	batch := []raft.Entry[string]{normal(1, 2, "a"), normal(1, 3, "b"), normal(2, 4, "c"), normal(2, 5, "d"), normal(2, 6, "e"), normal(3, 7, "f")}
	require.NoError(t, s.ReplicateToLog(batch))
	assert.Equal(t, []string{"1/3p", "2/4", "2/5", "2/6", "3/7"}, logIDs(t, s))

	require.NoError(t, s.ReplicateToLog([]raft.Entry[string]{normal(1, 1, "a"), normal(1, 2, "b")}), "entirely compacted: nothing to do")
	assert.Equal(t, []string{"1/3p", "2/4", "2/5", "2/6", "3/7"}, logIDs(t, s))
}

func TestReplicateToLogRefusals(t *testing.T) {
	tests := []struct {
		name  string
		batch []raft.Entry[string]
		msg   string
	}{
		{"gap after the log", []raft.Entry[string]{normal(2, 8, "x")},
			"memstore: n1: replicate 8..8: not contiguous with last index 6: storage inconsistent"},
		{"batch with a gap", []raft.Entry[string]{normal(2, 7, "x"), normal(2, 9, "y")},
			"memstore: n1: replicate 9: batch not contiguous after 7: storage inconsistent"},
		{"batch going back", []raft.Entry[string]{normal(2, 7, "x"), normal(2, 6, "y")},
			"memstore: n1: replicate 6: batch not contiguous after 7: storage inconsistent"},
		{"terms go back in the batch", []raft.Entry[string]{normal(3, 7, "x"), normal(2, 8, "y")},
			"memstore: n1: replicate 8: term 2 is before the previous entry's term 3: storage inconsistent"},
		{"terms go back from the log", []raft.Entry[string]{normal(1, 7, "x")},
			"memstore: n1: replicate 7: term 1 is before the previous entry's term 2: storage inconsistent"},
		{"replaces an applied entry", []raft.Entry[string]{normal(3, 5, "x")},
			"memstore: n1: replicate 5: term 3 would replace applied entry 2/5: storage inconsistent"},
		{"replaces the pointer", []raft.Entry[string]{normal(2, 3, "x")},
			"memstore: n1: replicate 3: term 2 would replace applied entry 1/3: storage inconsistent"},
		{"snapshot pointer", []raft.Entry[string]{raft.NewSnapshotPointer[string](7, 2, "x", raft.NewInitialMembership(1))},
			"memstore: n1: replicate 7: a snapshot pointer is written only by the store: storage inconsistent"},
		{"invalid in the middle", []raft.Entry[string]{normal(2, 7, "x"), {Term: 2, Index: 8, Kind: raft.EntryConfigChange}},
			"memstore: n1: replicate 8: raft: entry 2/8: config entry without membership: storage inconsistent"},
		{"late conflict after a valid part", []raft.Entry[string]{normal(2, 6, "e"), normal(2, 7, "x"), normal(1, 8, "y")},
			"memstore: n1: replicate 8: term 1 is before the previous entry's term 2: storage inconsistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, sm := compactedStore(t)
			before := dumpStore(s, sm)
			err := s.ReplicateToLog(tt.batch)
			require.ErrorIs(t, err, raft.ErrInconsistent)
			assert.EqualError(t, err, tt.msg)
			assert.Equal(t, before, dumpStore(s, sm), "a refused batch changes nothing")
		})
	}
}
