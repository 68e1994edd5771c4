package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/sim"
)

// TestAppliedOnceCheck: an index applied again in one state-machine
// lifetime fails the run, though the session dedup hides the command's
// effect; a restore starts a new lifetime.
func TestAppliedOnceCheck(t *testing.T) {
	w := newWorld(DefaultConfig(), sim.Seed(1))
	n := w.nodes[0]
	n.setKV()
	put := Command{Client: 0, Seq: 1, Input: checker.Input{Kind: checker.OpPut, Key: "k", Value: "v"}}
	n.kv.Apply(1, put)
	n.kv.Apply(2, Command{Client: 0, Seq: 2, Input: put.Input})
	require.Nil(t, w.failure, "two indices in order")

	snap, err := n.kv.Snapshot()
	require.NoError(t, err)
	require.NoError(t, n.kv.Restore(snap))
	n.kv.Apply(2, Command{Client: 0, Seq: 3, Input: put.Input})
	require.Nil(t, w.failure, "a restore starts a new lifetime")

	r := n.kv.Apply(2, Command{Client: 0, Seq: 3, Input: put.Input})
	assert.True(t, r.Duplicate, "the session dedup hides the repeat")
	require.NotNil(t, w.failure, "index 2 applied twice in one lifetime")
	assert.Equal(t, "applied-once", w.failure.Check)
	assert.Equal(t, ClassInvariant, w.failure.Class)
}
