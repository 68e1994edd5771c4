package harness

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// The classic Raft lab's tests, ported to the simulator. Each asserts what
// the original asserts; time is virtual, so the whole list runs in seconds.

func newLabT(t *testing.T, cfg LabConfig) *Lab {
	t.Helper()
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	l, err := NewLab(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, l.Err(), "an invariant broke") })
	return l
}

// Initial election: a leader is elected, terms agree, and with no failures
// the leader and term stay put.
func TestLabInitialElection(t *testing.T) {
	l := newLabT(t, LabConfig{Nodes: 3})
	_, err := l.CheckOneLeader()
	require.NoError(t, err)
	l.Run(50 * time.Millisecond)
	term1, err := l.CheckTerms()
	require.NoError(t, err)
	require.GreaterOrEqual(t, int(term1), 1)
	l.Run(2 * 300 * time.Millisecond)
	term2, err := l.CheckTerms()
	require.NoError(t, err)
	assert.Equal(t, term1, term2, "the term changed with no failures")
	_, err = l.CheckOneLeader()
	require.NoError(t, err)
}

// Basic agreement: nothing is committed before Start, each command commits
// on every server at the next index.
func TestLabBasicAgree(t *testing.T) {
	l := newLabT(t, LabConfig{Nodes: 3})
	_, err := l.CheckOneLeader()
	require.NoError(t, err)
	for i := 1; i <= 3; i++ {
		idx := 1 + i // index 1 holds the first leader's entry: the membership
		n, _, err := l.NCommitted(raftIndex(idx))
		require.NoError(t, err)
		require.Zero(t, n, "committed before Start")
		got, err := l.One(i*100, 3, false)
		require.NoError(t, err)
		assert.EqualValues(t, idx, got)
	}
}

func raftIndex(i int) raft.Index { return raft.Index(i) }
