package harness

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Part A of the lab: leader election.

// Initial election: a leader is elected, terms agree, and with no failures
// the leader and term stay put.
func TestLabInitialElection(t *testing.T) {
	l := newLabT(t, LabConfig{Nodes: 3})
	oneLeader(t, l)
	l.Run(50 * time.Millisecond)
	term1, err := l.CheckTerms()
	require.NoError(t, err)
	require.GreaterOrEqual(t, int(term1), 1)
	l.Run(2 * labElectionTimeout)
	term2, err := l.CheckTerms()
	require.NoError(t, err)
	assert.Equal(t, term1, term2, "the term changed with no failures")
	oneLeader(t, l)
}

// Re-election: a new leader is elected when the leader disconnects; the
// old leader's return does not disturb it; no leader is elected without a
// quorum, and one is as soon as a quorum is back.
func TestLabReElection(t *testing.T) {
	const servers = 3
	l := newLabT(t, LabConfig{Nodes: servers})
	leader1 := oneLeader(t, l)

	l.Disconnect(leader1)
	leader2 := oneLeader(t, l)
	require.NotEqual(t, leader1, leader2)

	// Beyond the lab: with pre-vote and check-quorum, the old leader
	// rejoining does not even depose the new one.
	l.Connect(leader1)
	assert.Equal(t, leader2, oneLeader(t, l), "the old leader's return deposed the new leader")

	l.Disconnect(leader2)
	l.Disconnect(ring(leader2, 1, servers))
	l.Run(2 * labElectionTimeout)
	require.NoError(t, l.CheckNoLeader(), "a leader without a quorum")

	l.Connect(ring(leader2, 1, servers))
	oneLeader(t, l)

	l.Connect(leader2)
	oneLeader(t, l)
}

// Many elections: in a cluster of seven, any three may disconnect and the
// other four still elect a leader, time after time.
func TestLabManyElections(t *testing.T) {
	const servers, iters = 7, 10
	l := newLabT(t, LabConfig{Nodes: servers})
	r := l.Rand("many-elections")
	oneLeader(t, l)
	for iter := 0; iter < iters; iter++ {
		// As the lab, three draws that may repeat: one to three servers.
		i1, i2, i3 := 1+r.Intn(servers), 1+r.Intn(servers), 1+r.Intn(servers)
		l.Disconnect(i1)
		l.Disconnect(i2)
		l.Disconnect(i3)
		// The others must elect a leader, or keep the one they have.
		oneLeader(t, l)
		l.Connect(i1)
		l.Connect(i2)
		l.Connect(i3)
	}
	oneLeader(t, l)
}
