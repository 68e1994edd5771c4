package harness

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// leaderLab is a three-node lab with an elected leader, its index (1-based)
// and a follower's.
func leaderLab(t *testing.T) (l *Lab, leader, follower int) {
	t.Helper()
	l, err := NewLab(LabConfig{Nodes: 3, Seed: 1})
	require.NoError(t, err)
	leader, err = l.CheckOneLeader()
	require.NoError(t, err)
	return l, leader, leader%3 + 1
}

// app is an append from the leader's node carrying one entry at index i.
func app(l *Lab, leader, follower int, i raft.Index) *raft.Message[Command] {
	st := l.Status(leader)
	return &raft.Message[Command]{Type: raft.MsgApp, From: raft.NodeID(leader), To: raft.NodeID(follower), Term: st.Term,
		Index: i - 1, Entries: []raft.Entry[Command]{{Term: st.Term, Index: i, Kind: raft.EntryBlank}}}
}

// A leader that pipelines more than MaxInflightAppends entry-carrying
// appends to a follower it hears nothing from (here the test plays that
// leader, sending through the node's transport) fails the run at the one
// past the bound, naming leader, follower, count and bound.
func TestInflightAppendsCaught(t *testing.T) {
	l, leader, follower := leaderLab(t)
	l.Disconnect(follower) // nothing comes back from it
	n := l.w.nodes[leader-1]
	max := l.w.cfg.Raft.MaxInflightAppends
	base := l.Status(leader).Last.Index + 100
	for k := 0; k < max; k++ {
		n.Send(app(l, leader, follower, base+raft.Index(k)))
		require.NoError(t, l.Err(), "append %d of %d", k+1, max)
	}
	n.Send(app(l, leader, follower, base+raft.Index(max)))
	f := l.w.failure
	require.NotNil(t, f, "one append past the bound passed")
	assert.Equal(t, ClassInvariant+"/"+CheckInflightAppends, f.Signature())
	assert.Contains(t, f.Message, "sent n")
	assert.Contains(t, f.Message, "9 appends carrying entries")
	assert.Contains(t, f.Message, "the bound is MaxInflightAppends 8")
}

// Anything received from the follower frees the window; empty appends
// are not counted.
func TestInflightAppendsFreed(t *testing.T) {
	l, leader, follower := leaderLab(t)
	l.Disconnect(follower)
	n := l.w.nodes[leader-1]
	max := l.w.cfg.Raft.MaxInflightAppends
	base := l.Status(leader).Last.Index + 100
	for k := 0; k < 3*max; k++ {
		if k%max == 0 {
			n.heardFrom(raft.NodeID(follower))
		}
		n.Send(app(l, leader, follower, base+raft.Index(k)))
		empty := app(l, leader, follower, base)
		empty.Entries = nil
		n.Send(empty)
	}
	require.NoError(t, l.Err())
}

// The real core under a heavy write load with a small window, in the
// default world's chaos (crashes, partitions, lossy links): no alarm.
func TestInflightAppendsNoFalseAlarm(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Duration = 3 * time.Second
	cfg.Raft.MaxInflightAppends = 2
	cfg.Raft.MaxEntriesPerAppend = 1
	cfg.Workload.Clients = 8
	for _, res := range runSeeds(t, cfg, 1, 9) {
		assert.Nil(t, res.Failure, "seed %d: %v", res.Seed, res.Failure)
	}
}
