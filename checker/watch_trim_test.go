package checker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// runCompacting extends goodCluster's log to last in batches, committing,
// applying and compacting every node through each batch's end, as a long
// run with compaction does.
func runCompacting(r *rig, last raft.Index, voters ...raft.NodeID) {
	r.t.Helper()
	const batch = 512
	for next := r.w.commitIndex() + 1; next <= last; next += batch {
		var es []EntryRef
		for i := next; i < next+batch && i <= last; i++ {
			es = append(es, r.ent(i, 1))
		}
		end := es[len(es)-1].Index
		r.lead(1, es...)
		for _, v := range voters {
			r.replicate(1, v, es...)
		}
		r.commitTo(1, end)
		for _, v := range voters {
			r.commitTo(v, end)
		}
		for _, id := range append([]raft.NodeID{1}, voters...) {
			r.ok(r.w.Compacted(id, end, raft.EntryID{Term: 1, Index: end}))
		}
	}
}

func TestWatchTrimsWhatEveryNodeCompacted(t *testing.T) {
	r := goodCluster(t, WatchConfig{})
	runCompacting(r, 5*(1<<pageBits), 2, 3)
	floor := r.w.committed.floor()
	assert.GreaterOrEqual(t, floor, 4<<pageBits, "whole pages below every node's base are freed")
	assert.Equal(t, floor, r.w.entries.first.floor())
	for k := 0; k < floor>>pageBits; k++ {
		assert.Nil(t, r.w.committed.p[k])
		assert.Nil(t, r.w.entries.first.p[k])
	}

	// The checks above the floor still fire: log matching on the newest
	// entry, and state machine safety on an entry applied at the newest
	// committed index with other content.
	last := r.w.commitIndex()
	e := r.ent(last+1, 1)
	r.lead(1, e)
	r.expect(r.w.Replicated(2, []EntryRef{r.ent(last+1, 1, 7)}), LogMatching)

	r = goodCluster(t, WatchConfig{})
	runCompacting(r, 5*(1<<pageBits), 2, 3)
	last = r.w.commitIndex()
	r.expect(r.w.AppliedEntry(2, r.ent(last+1, 1)), StateMachineSafety)
}

func TestWatchKeepsAllWhileAConfiguredNodeNeverStarted(t *testing.T) {
	r := goodCluster(t, WatchConfig{})
	m := raft.NewMembership(1, 2, 3, 4) // n4 is named, never started
	last := r.w.commitIndex()
	e := r.cfgEnt(last+1, 1, m)
	r.lead(1, e)
	r.replicate(1, 2, e)
	r.replicate(1, 3, e)
	r.commitTo(1, last+1)
	r.commitTo(2, last+1)
	r.commitTo(3, last+1)
	runCompacting(r, 3*(1<<pageBits), 2, 3)
	require.Equal(t, 0, r.w.committed.floor(), "n4 could still be sent entries from below any floor")
	require.Equal(t, 0, r.w.entries.first.floor())
}
