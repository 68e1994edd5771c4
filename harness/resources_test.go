package harness

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// compactedLab is a three-node lab whose nodes all hold a snapshot.
func compactedLab(t *testing.T) *Lab {
	t.Helper()
	l, err := NewLab(LabConfig{Nodes: 3, SnapshotThreshold: 5, Seed: 1})
	require.NoError(t, err)
	for i := 0; i < 12; i++ {
		_, err := l.One(100+i, 3, true)
		require.NoError(t, err)
	}
	l.Run(time.Second)
	for i := 1; i <= 3; i++ {
		require.Positive(t, l.Status(i).SnapshotIndex, "n%d never compacted", i)
	}
	require.NoError(t, l.Err())
	return l
}

// A core that obtains a snapshot handle and drops it without closing it
// (here the test plays that core: it reads the current snapshot through
// the node's store hook, as load and startSnapshot do, and forgets the
// handle) fails the run at the node's next step, naming the node, the
// count against the bound and where the handle came from.
func TestHandleLeakCaught(t *testing.T) {
	l := compactedLab(t)
	n := l.w.nodes[1]
	cs, err := n.store.GetCurrentSnapshot()
	require.NoError(t, err)
	require.NotNil(t, cs)
	n.afterStep()
	f := l.w.failure
	require.NotNil(t, f, "an unclosed handle passed")
	assert.Equal(t, ClassInvariant+"/"+CheckHandleLeak, f.Signature())
	assert.Contains(t, f.Message, "n2: 1 snapshot handles open after a step, the core holds 0")
	assert.Contains(t, f.Message, "the bound is 1")
	assert.Contains(t, f.Message, "GetCurrentSnapshot "+cs.ID)
}

// An incoming transfer's handle the core does not reference any more (a
// second CreateSnapshot replacing the first without closing it) is a leak
// even while the count is within the bound of one.
func TestHandleLeakOfReplacedTransfer(t *testing.T) {
	l := compactedLab(t)
	n := l.w.nodes[2]
	_, _, err := n.store.CreateSnapshot()
	require.NoError(t, err)
	n.afterStep()
	require.NotNil(t, l.w.failure)
	assert.Contains(t, l.w.failure.Message, "n3: 1 snapshot handles open after a step, the core holds 0")
	assert.Contains(t, l.w.failure.Message, "CreateSnapshot ")
}

// Closed handles, and handles of an incarnation a crash ended, are no
// leak; the store gets its own handle back at installation.
func TestHandleLeakNoFalseAlarm(t *testing.T) {
	l := compactedLab(t)
	n := l.w.nodes[0]
	cs, err := n.store.GetCurrentSnapshot()
	require.NoError(t, err)
	require.NoError(t, cs.Snapshot.Close())
	n.afterStep()
	require.NoError(t, l.Err())

	_, err = n.store.GetCurrentSnapshot()
	require.NoError(t, err)
	l.Crash(1)
	l.Restart(1) // load reads (and closes) the snapshot again
	l.Run(2 * time.Second)
	require.NoError(t, l.Err())
	assert.Empty(t, n.store.(*watchedStore).open)

	_, h, err := n.store.CreateSnapshot()
	require.NoError(t, err)
	assert.NotEqual(t, h, untracked(h), "the hook wraps handles")
	assert.Equal(t, untracked(h), untracked(untracked(h)))
}
