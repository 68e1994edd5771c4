package harness

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// A follower that campaigns while its leader's heartbeats keep coming
// (here the test plays that core: it sends pre-vote requests through the
// follower's transport a few milliseconds after a heartbeat) fails the run
// at the end of the step, naming the node, the time waited, what restarted
// its timer and the bound.
func TestElectionTimerCaught(t *testing.T) {
	l, leader, follower := leaderLab(t)
	l.Run(time.Second)
	require.NoError(t, l.Err())
	n := l.w.nodes[follower-1]
	st := l.Status(follower)
	require.Equal(t, raft.Follower, st.Role)
	n.Send(&raft.Message[Command]{Type: raft.MsgPreVote, From: raft.NodeID(follower), To: raft.NodeID(leader), Term: st.Term + 1})
	n.afterStep()
	f := l.w.failure
	require.NotNil(t, f, "an early election passed")
	assert.Equal(t, ClassInvariant+"/"+CheckElectionTimer, f.Signature())
	assert.Contains(t, f.Message, n.id.String()+": started an election")
	assert.Contains(t, f.Message, "after it last heard from leader "+raft.NodeID(leader).String())
	assert.Contains(t, f.Message, "the bound is ElectionTimeoutMin 150ms")
}

// A transfer's election is exempt, and so is a candidate's vote request
// after a won pre-vote; the same pre-vote once the timeout has run out on
// the follower's clock (its leader cut off) is no alarm.
func TestElectionTimerExemptions(t *testing.T) {
	l, leader, follower := leaderLab(t)
	l.Run(time.Second)
	n := l.w.nodes[follower-1]
	st := l.Status(follower)
	n.elect.vote, n.elect.forced = true, true // a transfer's vote requests
	n.afterStep()
	require.NoError(t, l.Err())

	n.elect.vote, n.elect.role = true, raft.PreCandidate // a won pre-vote
	n.afterStep()
	require.NoError(t, l.Err())

	n.elect.vote = true // the same requests from a follower: caught
	n.afterStep()
	require.NotNil(t, l.w.failure)
	l.w.failure = nil

	l.Disconnect(leader)
	l.Run(2 * time.Second) // the real core campaigns, after its timeouts
	require.NoError(t, l.Err())
	assert.Greater(t, l.Status(follower).Term, st.Term, "no election happened")
}

// An operator who starts a node and initializes it later: its first
// election comes an election timeout after Initialize, not at the timer
// it had running while pristine. The harness itself initializes at start,
// so only this test reaches the path (Initialize's resetElectionTimer).
func TestElectionTimerLateInitialize(t *testing.T) {
	for seed := 1; seed <= 20; seed++ {
		c := DefaultConfig()
		c.Nodes, c.Crashes, c.Workload.Clients = 1, Crashes{}, 0
		c.Storage, c.Duration = StorageMemory, time.Minute
		require.NoError(t, c.Validate())
		l := &Lab{w: newWorld(c, sim.Seed(seed))}
		n := l.w.nodes[0]
		n.start()
		n.afterStep()
		l.Run(time.Second + time.Duration(seed)*7*time.Millisecond)
		require.True(t, l.Status(1).Pristine)
		n.initializeIfPristine()
		n.afterStep()
		l.Run(time.Second)
		require.NoError(t, l.Err(), "seed %d", seed)
		require.Equal(t, raft.Leader, l.Status(1).Role, "seed %d", seed)
	}
}
