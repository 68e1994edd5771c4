package memstore

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// readAll reads a snapshot handle from where it stands.
func readAll(t *testing.T, h raft.SnapshotHandle) []byte {
	t.Helper()
	b, err := io.ReadAll(h)
	require.NoError(t, err)
	return b
}

func TestDoLogCompaction(t *testing.T) {
	s, sm := newStore()
	mustAppend(t, s, blank(1, 1), config(1, 2, 1, 2, 3), normal(2, 3, "a"), normal(2, 4, "b"), normal(2, 5, "c"))
	mustApply(t, s, 4)

	snap, err := s.DoLogCompaction(4)
	require.NoError(t, err)
	assert.Equal(t, raft.Index(4), snap.Index)
	assert.Equal(t, raft.Term(2), snap.Term)
	assert.Equal(t, raft.NewMembership(1, 2, 3), snap.Membership)
	assert.Equal(t, "snap-2-4-1", snap.ID)
	assert.Equal(t, []string{"2/4p", "2/5"}, logIDs(t, s), "the pointer replaces the log through 4; 5 stays")

	es, err := s.GetLogEntries(4, 5)
	require.NoError(t, err)
	assert.Equal(t, raft.NewSnapshotPointer[string](4, 2, "snap-2-4-1", raft.NewMembership(1, 2, 3)), es[0])

	meta, state, err := raft.DecodeSnapshot(readAll(t, snap.Snapshot))
	require.NoError(t, err)
	assert.Equal(t, raft.SnapshotMeta{Index: 4, Term: 2, Membership: raft.NewMembership(1, 2, 3)}, meta)
	restored := &listSM{}
	require.NoError(t, restored.Restore(state))
	assert.Equal(t, sm.Items, restored.Items)

	st, err := s.GetInitialState()
	require.NoError(t, err)
	assert.Equal(t, raft.InitialState{LastLogIndex: 5, LastLogTerm: 2, LastAppliedLog: 4, Membership: raft.NewMembership(1, 2, 3), MembershipIndex: 4}, st)
}

func TestDoLogCompactionTrailingWindow(t *testing.T) {
	s, _ := newStore()
	mustAppend(t, s, blank(1, 1), config(1, 2, 1, 2), normal(1, 3, "a"), config(2, 4, 1, 2, 3), normal(3, 5, "b"), normal(3, 6, "c"))
	mustApply(t, s, 5)

	snap, err := s.DoLogCompaction(3)
	require.NoError(t, err)
	assert.Equal(t, raft.Index(5), snap.Index, "the snapshot is of the state machine: at last applied")
	assert.Equal(t, raft.Term(3), snap.Term)
	assert.Equal(t, raft.NewMembership(1, 2, 3), snap.Membership, "membership in force at the snapshot's index")
	assert.Equal(t, []string{"1/3p", "2/4", "3/5", "3/6"}, logIDs(t, s), "4..5 stay as a window, the pointer anchors them")

	es, err := s.GetLogEntries(3, 4)
	require.NoError(t, err)
	assert.Equal(t, raft.NewMembership(1, 2), *es[0].Membership, "the pointer holds the membership at its own index")
	assert.Equal(t, snap.ID, es[0].SnapshotID)

	require.NoError(t, s.DeleteLogsFrom(6, nil))
	require.NoError(t, s.ReplicateToLog([]raft.Entry[string]{config(3, 6, 1, 2, 3, 4)}))
	m, err := s.GetMembershipConfig()
	require.NoError(t, err)
	assert.Equal(t, raft.NewMembership(1, 2, 3, 4), m)
}

func TestDoLogCompactionAgain(t *testing.T) {
	s, _ := newStore()
	mustAppend(t, s, blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"), normal(2, 4, "c"), normal(2, 5, "d"))
	mustApply(t, s, 3)
	first, err := s.DoLogCompaction(3)
	require.NoError(t, err)
	mustApply(t, s, 5)

	second, err := s.DoLogCompaction(2)
	require.NoError(t, err)
	assert.Equal(t, raft.Index(5), second.Index)
	assert.Equal(t, []string{"1/3p", "2/4", "2/5"}, logIDs(t, s), "through below the pointer: the log stays")
	es, err := s.GetLogEntries(3, 4)
	require.NoError(t, err)
	assert.Equal(t, second.ID, es[0].SnapshotID, "the pointer names the live snapshot")
	assert.NotEqual(t, first.ID, second.ID)

	third, err := s.DoLogCompaction(5)
	require.NoError(t, err)
	assert.Equal(t, []string{"2/5p"}, logIDs(t, s))
	cur, err := s.GetCurrentSnapshot()
	require.NoError(t, err)
	assert.Equal(t, third.ID, cur.ID, "the newest snapshot replaces the older ones")
}

func TestDoLogCompactionRefusals(t *testing.T) {
	tests := []struct {
		name    string
		through raft.Index
		msg     string
	}{
		{"beyond applied", 3, "memstore: n1: compact through 3: beyond last applied 2: storage inconsistent"},
		{"zero", 0, "memstore: n1: compact through 0: nothing to compact: storage inconsistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, sm := newStore()
			mustAppend(t, s, blank(1, 1), normal(1, 2, "a"), normal(1, 3, "b"))
			mustApply(t, s, 2)
			before := dumpStore(s, sm)
			_, err := s.DoLogCompaction(tt.through)
			require.ErrorIs(t, err, raft.ErrInconsistent)
			assert.EqualError(t, err, tt.msg)
			assert.Equal(t, before, dumpStore(s, sm))
		})
	}
	t.Run("pristine", func(t *testing.T) {
		s, _ := newStore()
		_, err := s.DoLogCompaction(1)
		assert.ErrorIs(t, err, raft.ErrInconsistent)
	})
	t.Run("state machine fails", func(t *testing.T) {
		s, sm := newStore()
		mustAppend(t, s, blank(1, 1), normal(1, 2, "a"))
		mustApply(t, s, 2)
		sm.FailSnapshot = errTest
		before := dumpStore(s, sm)
		_, err := s.DoLogCompaction(2)
		require.ErrorIs(t, err, errTest)
		assert.EqualError(t, err, "memstore: n1: compact through 2: snapshot the state machine: test failure")
		assert.Equal(t, before, dumpStore(s, sm))
	})
}

func TestCreateSnapshot(t *testing.T) {
	s, _ := newStore()
	id1, h1, err := s.CreateSnapshot()
	require.NoError(t, err)
	id2, h2, err := s.CreateSnapshot()
	require.NoError(t, err)
	assert.Equal(t, "snap-recv-1", id1)
	assert.Equal(t, "snap-recv-2", id2)

	_, err = h1.Write([]byte("hello"))
	require.NoError(t, err)
	assert.Empty(t, readAll(t, h2), "handles are independent")
	_, err = h1.Seek(0, io.SeekStart)
	require.NoError(t, err)
	assert.Equal(t, []byte("hello"), readAll(t, h1))
}

// leaderSnapshot returns a snapshot of a store that applied "a", "b", "c"
// at 2..4 with membership {n1,n2,n3}: 2/4.
func leaderSnapshot(t *testing.T) raft.CurrentSnapshot {
	leader, _ := newStore()
	mustAppend(t, leader, config(1, 1, 1, 2, 3), normal(1, 2, "a"), normal(2, 3, "b"), normal(2, 4, "c"))
	mustApply(t, leader, 4)
	snap, err := leader.DoLogCompaction(4)
	require.NoError(t, err)
	return snap
}

// stream copies a snapshot into a handle of s, as the core does chunk by
// chunk, and closes it.
func stream(t *testing.T, s *Store[string, int], snap raft.CurrentSnapshot) (string, raft.SnapshotHandle) {
	t.Helper()
	id, h, err := s.CreateSnapshot()
	require.NoError(t, err)
	_, err = io.CopyBuffer(h, snap.Snapshot, make([]byte, 7))
	require.NoError(t, err)
	require.NoError(t, h.Close())
	return id, h
}

func TestFinalizeSnapshotInstallation(t *testing.T) {
	snap := leaderSnapshot(t)
	s, sm := newStore()
	mustAppend(t, s, blank(1, 1), normal(1, 2, "x"))
	id, h := stream(t, s, snap)

	require.NoError(t, s.FinalizeSnapshotInstallation(4, 2, nil, id, h))
	assert.Equal(t, []string{"2/4p"}, logIDs(t, s), "deleteThrough nil: the whole log goes")
	assert.Equal(t, []string{"a", "b", "c"}, sm.Items, "the state machine is restored")

	st, err := s.GetInitialState()
	require.NoError(t, err)
	assert.Equal(t, raft.InitialState{LastLogIndex: 4, LastLogTerm: 2, LastAppliedLog: 4, Membership: raft.NewMembership(1, 2, 3), MembershipIndex: 4}, st,
		"the membership comes from the snapshot's header")

	cur, err := s.GetCurrentSnapshot()
	require.NoError(t, err)
	assert.Equal(t, id, cur.ID)
	assert.Equal(t, raft.Index(4), cur.Index)
	assert.Equal(t, raft.Term(2), cur.Term)
	assert.Equal(t, raft.NewMembership(1, 2, 3), cur.Membership)
	es, err := s.GetLogEntries(4, 5)
	require.NoError(t, err)
	assert.Equal(t, id, es[0].SnapshotID)
}

func TestFinalizeSnapshotInstallationKeepsMatchingSuffix(t *testing.T) {
	snap := leaderSnapshot(t)
	s, sm := newStore()
	mustAppend(t, s, config(1, 1, 1, 2, 3), normal(1, 2, "a"), normal(2, 3, "b"), normal(2, 4, "c"), normal(2, 5, "d"), normal(3, 6, "e"))
	mustApply(t, s, 1)
	id, h := stream(t, s, snap)

	require.NoError(t, s.FinalizeSnapshotInstallation(4, 2, idx(4), id, h))
	assert.Equal(t, []string{"2/4p", "2/5", "3/6"}, logIDs(t, s), "the entry at 4 matches: what follows it stays")
	assert.Equal(t, raft.Index(4), s.lastApplied)
	assert.Equal(t, []string{"a", "b", "c"}, sm.Items)
}

func TestFinalizeSnapshotInstallationDropsConflictingSuffix(t *testing.T) {
	snap := leaderSnapshot(t)
	s, _ := newStore()
	mustAppend(t, s, config(1, 1, 1, 2, 3), normal(1, 2, "a"), normal(1, 3, "x"), normal(1, 4, "y"), normal(1, 5, "z"))
	id, h := stream(t, s, snap)

	require.NoError(t, s.FinalizeSnapshotInstallation(4, 2, idx(4), id, h))
	assert.Equal(t, []string{"2/4p"}, logIDs(t, s), "the entry at 4 has another term: the whole log goes (dissertation §5.3)")
}

func TestFinalizeSnapshotInstallationOlderIgnored(t *testing.T) {
	snap := leaderSnapshot(t)
	s, sm := newStore()
	mustAppend(t, s, config(1, 1, 1, 2, 3), normal(1, 2, "a"), normal(2, 3, "b"), normal(2, 4, "c"), normal(2, 5, "d"), normal(2, 6, "e"))
	mustApply(t, s, 5)
	_, err := s.DoLogCompaction(5)
	require.NoError(t, err)
	before := dumpStore(s, sm)
	id, h := stream(t, s, snap)

	require.NoError(t, s.FinalizeSnapshotInstallation(4, 2, nil, id, h))
	assert.Equal(t, before, dumpStore(s, sm), "an older snapshot never moves the state back")

	_, h2, err := s.CreateSnapshot()
	require.NoError(t, err)
	require.NoError(t, s.FinalizeSnapshotInstallation(5, 2, nil, "whatever", h2), "same index: ignored unread")
	assert.Equal(t, before, dumpStore(s, sm))
}

func TestFinalizeSnapshotInstallationRefusals(t *testing.T) {
	good := raft.EncodeSnapshot(raft.SnapshotMeta{Index: 4, Term: 2, Membership: raft.NewMembership(1)}, []byte(`{}`))
	corrupted := append([]byte(nil), good...)
	corrupted[6] ^= 0x40
	tests := []struct {
		name          string
		index         raft.Index
		term          raft.Term
		deleteThrough *raft.Index
		id            string
		data          []byte
		is            error
		msg           string
	}{
		{"header names another entry", 4, 3, nil, "x", good, raft.ErrInconsistent,
			"memstore: n1: install snapshot 3/4: its header says 2/4: storage inconsistent"},
		{"delete through below the index", 4, 2, idx(3), "x", good, raft.ErrInconsistent,
			"memstore: n1: install snapshot 2/4: delete through 3 is not the snapshot's index: storage inconsistent"},
		{"delete through above the index", 4, 2, idx(5), "x", good, raft.ErrInconsistent,
			"memstore: n1: install snapshot 2/4: delete through 5 is not the snapshot's index: storage inconsistent"},
		{"empty id", 4, 2, nil, "", good, raft.ErrInconsistent,
			"memstore: n1: install snapshot 2/4: empty snapshot id: storage inconsistent"},
		{"corrupt bytes", 4, 2, nil, "x", corrupted, raft.ErrCorrupt, ""},
		{"empty stream", 4, 2, nil, "x", nil, raft.ErrCorrupt,
			"memstore: n1: install snapshot 2/4: raft: decode snapshot: 0 bytes is too short: storage corrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, sm := newStore()
			mustAppend(t, s, blank(1, 1), normal(1, 2, "a"), normal(2, 3, "b"))
			mustApply(t, s, 1)
			before := dumpStore(s, sm)
			err := s.FinalizeSnapshotInstallation(tt.index, tt.term, tt.deleteThrough, tt.id, &buffer{data: tt.data})
			require.ErrorIs(t, err, tt.is)
			if tt.msg != "" {
				assert.EqualError(t, err, tt.msg)
			}
			assert.Equal(t, before, dumpStore(s, sm), "a refused install changes nothing")
		})
	}
	t.Run("restore fails", func(t *testing.T) {
		s, sm := newStore()
		sm.FailRestore = errTest
		err := s.FinalizeSnapshotInstallation(4, 2, nil, "x", &buffer{data: good})
		require.ErrorIs(t, err, errTest)
		assert.EqualError(t, err, "memstore: n1: install snapshot 2/4: restore the state machine: test failure")
		assert.Empty(t, logIDs(t, s))
		assert.Zero(t, s.lastApplied)
	})
}

func TestFinalizeSnapshotInstallationReplacesLiveSnapshot(t *testing.T) {
	s, _ := newStore()
	mustAppend(t, s, blank(1, 1), normal(1, 2, "a"))
	mustApply(t, s, 2)
	_, err := s.DoLogCompaction(2)
	require.NoError(t, err)

	snap := leaderSnapshot(t)
	id, h := stream(t, s, snap)
	require.NoError(t, s.FinalizeSnapshotInstallation(4, 2, nil, id, h))

	cur, err := s.GetCurrentSnapshot()
	require.NoError(t, err)
	assert.Equal(t, id, cur.ID, "every other snapshot is gone")

	_, err = h.Write([]byte("scribble"))
	require.ErrorIs(t, err, errHandleClosed, "the streamed handle was closed for writing")
	_, err = snap.Snapshot.Seek(0, io.SeekStart)
	require.NoError(t, err)
	assert.Equal(t, readAll(t, snap.Snapshot), readAll(t, cur.Snapshot), "the follower serves the bytes it installed")
}

func TestGetCurrentSnapshot(t *testing.T) {
	s, _ := newStore()
	cur, err := s.GetCurrentSnapshot()
	require.NoError(t, err)
	assert.Nil(t, cur)

	mustAppend(t, s, config(1, 1, 1, 2), normal(1, 2, "a"))
	mustApply(t, s, 2)
	made, err := s.DoLogCompaction(2)
	require.NoError(t, err)
	want := readAll(t, made.Snapshot)

	a, err := s.GetCurrentSnapshot()
	require.NoError(t, err)
	b, err := s.GetCurrentSnapshot()
	require.NoError(t, err)
	assert.Equal(t, raft.CurrentSnapshot{Term: 1, Index: 2, Membership: raft.NewMembership(1, 2), ID: made.ID, Snapshot: a.Snapshot}, *a)

	head := make([]byte, 3)
	_, err = io.ReadFull(a.Snapshot, head)
	require.NoError(t, err)
	assert.Equal(t, want, readAll(t, b.Snapshot), "each handle starts at 0 with its own offset")
	assert.Equal(t, want[3:], readAll(t, a.Snapshot))

	_, err = a.Snapshot.Write([]byte("x"))
	require.ErrorIs(t, err, errHandleReadOnly, "the live snapshot cannot be changed through a handle")
	a.Membership.Members[0] = 9
	c, err := s.GetCurrentSnapshot()
	require.NoError(t, err)
	assert.Equal(t, raft.NewMembership(1, 2), c.Membership)
	assert.Equal(t, want, readAll(t, c.Snapshot))
}
