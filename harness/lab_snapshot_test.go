package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// Part D of the lab: log compaction.

// labSnapshotInterval is how often the lab's service snapshots: every ten
// applied entries.
const labSnapshotInterval = 10

// labMaxLogSize bounds LogSize (entries beyond the snapshot) once an
// agreement completed: under labSnapshotInterval applied entries not yet
// compacted, plus what is not applied yet. It stands for the lab's 2000
// bytes of persisted Raft state; a log that is never compacted grows past
// it within a few rounds.
const labMaxLogSize = 2 * labSnapshotInterval

// checkLogSize fails the test if some up node keeps too long a log.
func checkLogSize(t *testing.T, l *Lab) {
	t.Helper()
	for i := 1; i <= len(l.connected); i++ {
		if l.Up(i) {
			require.LessOrEqual(t, l.LogSize(i), raft.Index(labMaxLogSize), "n%d's log is too large: not compacted?", i)
		}
	}
}

// caughtUpBySnapshot reports whether node i, whose log ended at last when
// it left, skipped indices that others applied commands at: it caught up
// by installing a snapshot, not by appending entries.
func caughtUpBySnapshot(t *testing.T, l *Lab, i int, last raft.Index) bool {
	t.Helper()
	mine := l.AppliedLog(i)
	for index := last + 1; index <= l.Status(i).Applied; index++ {
		n, _, err := l.NCommitted(index)
		require.NoError(t, err)
		if n > 0 && (raft.Index(len(mine)) <= index || mine[index] == 0) {
			return true
		}
	}
	return false
}

// labSnapshotCommon is the lab's snapcommon: 30 rounds in which a victim
// (the leader every third round, a follower otherwise) is disconnected or
// crashed, or neither, while a sender offers enough commands for a
// snapshot; the log stays small, and the victim catches up on return.
func labSnapshotCommon(t *testing.T, disconnect, reliable, crashes bool) {
	const servers, iters = 3, 30
	l := newLabT(t, LabConfig{Nodes: servers, Unreliable: !reliable, SnapshotThreshold: labSnapshotInterval})
	r := l.Rand("snapshot")
	one(t, l, value(r), servers, true)
	leader1 := oneLeader(t, l)
	installs := 0
	for iter := 0; iter < iters; iter++ {
		victim, sender := ring(leader1, 1, servers), leader1
		if iter%3 == 1 {
			victim, sender = leader1, ring(leader1, 1, servers)
		}
		left := l.Status(victim).Last.Index
		if disconnect {
			l.Disconnect(victim)
			one(t, l, value(r), servers-1, true)
		}
		if crashes {
			crash(l, victim)
			one(t, l, value(r), servers-1, true)
		}

		// Perhaps enough for a snapshot; the sender may not lead.
		nn := labSnapshotInterval/2 + r.Intn(labSnapshotInterval)
		for k := 0; k < nn; k++ {
			l.Start(sender, value(r))
		}
		if !disconnect && !crashes {
			// Everyone keeps up, so no snapshot needs installing.
			one(t, l, value(r), servers, true)
		} else {
			one(t, l, value(r), servers-1, true)
		}
		checkLogSize(t, l)

		// The victim returns, maybe far enough behind to need the
		// leader's snapshot.
		if disconnect || crashes {
			if crashes {
				l.Restart(victim)
			}
			l.Connect(victim)
			one(t, l, value(r), servers, true)
			if caughtUpBySnapshot(t, l, victim, left) {
				installs++
			}
			leader1 = oneLeader(t, l)
		}
	}
	for i := 1; i <= servers; i++ {
		assert.Positive(t, l.Status(i).SnapshotIndex, "n%d never compacted its log", i)
	}
	if disconnect || crashes {
		t.Logf("the victim caught up by snapshot in %d of %d rounds", installs, iters)
		assert.Positive(t, installs, "no victim ever needed a snapshot: the test did not test installing one")
	}
}

// Snapshot basic: with every server keeping up, the logs are compacted
// and stay small.
func TestLabSnapshotBasic(t *testing.T) { labSnapshotCommon(t, false, true, false) }

// Install snapshot (disconnect): a follower, or the leader, cut off while
// the others compact catches up by snapshot when it returns.
func TestLabSnapshotInstall(t *testing.T) { labSnapshotCommon(t, true, true, false) }

// Install snapshot (disconnect, unreliable): the same over the unreliable
// network, so snapshot chunks are lost, delayed and reordered.
func TestLabSnapshotInstallUnreliable(t *testing.T) { labSnapshotCommon(t, true, false, false) }

// Install snapshot (crash): the victim crashes instead, and catches up
// from its own storage and the leader's snapshot.
func TestLabSnapshotInstallCrash(t *testing.T) { labSnapshotCommon(t, false, true, true) }

// Install snapshot (crash, unreliable): both.
func TestLabSnapshotInstallUnCrash(t *testing.T) { labSnapshotCommon(t, false, false, true) }

// Snapshot all crash (beyond the list in issue 3): every server crashes
// after compacting, and the cluster carries on at higher indices, never
// reusing one.
func TestLabSnapshotAllCrash(t *testing.T) {
	const servers, iters = 3, 5
	l := newLabT(t, LabConfig{Nodes: servers, SnapshotThreshold: labSnapshotInterval})
	r := l.Rand("snapshot-all-crash")
	one(t, l, value(r), servers, true)
	for iter := 0; iter < iters; iter++ {
		nn := labSnapshotInterval/2 + r.Intn(labSnapshotInterval)
		for k := 0; k < nn; k++ {
			one(t, l, value(r), servers, true)
		}
		index1 := one(t, l, value(r), servers, true)
		for i := 1; i <= servers; i++ {
			crash(l, i)
		}
		for i := 1; i <= servers; i++ {
			l.Restart(i)
			l.Connect(i)
		}
		index2 := one(t, l, value(r), servers, true)
		require.Greater(t, index2, index1, "the index went back after every server crashed")
	}
}

// Snapshot init: a server restarting from a snapshot starts from it (its
// applied index at the snapshot, not replaying what it compacted away),
// after one crash of every server and after a second one.
func TestLabSnapshotInit(t *testing.T) {
	const servers = 3
	l := newLabT(t, LabConfig{Nodes: servers, SnapshotThreshold: labSnapshotInterval})
	r := l.Rand("snapshot-init")
	one(t, l, value(r), servers, true)
	// Enough commands for a snapshot.
	for k := 0; k < labSnapshotInterval+1; k++ {
		one(t, l, value(r), servers, true)
	}
	crashAllAndRestart(t, l, servers)
	// One command to get the cluster going again.
	one(t, l, value(r), servers, true)
	crashAllAndRestart(t, l, servers)
	// One more, which would trip a server that restarted from the
	// snapshot with its applied index at 0.
	one(t, l, value(r), servers, true)
}

// crashAllAndRestart crashes every server and restarts it, checking that
// each comes back from its snapshot.
func crashAllAndRestart(t *testing.T, l *Lab, servers int) {
	t.Helper()
	before := make([]raft.Status, servers)
	for i := 1; i <= servers; i++ {
		before[i-1] = l.Status(i)
		crash(l, i)
	}
	for i := 1; i <= servers; i++ {
		l.Restart(i)
		l.Connect(i)
		st, was := l.Status(i), before[i-1]
		require.Positive(t, was.SnapshotIndex, "n%d had no snapshot before the crash", i)
		assert.Equal(t, was.SnapshotIndex, st.SnapshotIndex, "n%d lost its snapshot", i)
		assert.GreaterOrEqual(t, st.Applied, st.SnapshotIndex, "n%d restarted with applied below its snapshot", i)
		assert.Equal(t, was.Last, st.Last, "n%d lost log entries", i)
	}
}
