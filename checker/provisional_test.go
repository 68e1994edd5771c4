package checker

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// A leader that commits on its own unsynced copy and crashes before the
// copy is durable committed nothing anybody saw: another leader may put
// another entry at that index. Found by FuzzWorld (a cluster shrunk to one
// voter by two remove-member steps, its leader crashed 2ms after a
// logged read committed on its own unsynced write).
func TestProvisionalCommit(t *testing.T) {
	// n1 commits 1/4 on its unsynced copy and n2's durable one, then
	// crashes; synced says whether its copy became durable first.
	crashAfterCommit := func(t *testing.T, synced bool) *rig {
		r := goodCluster(t, lagging)
		e := r.ent(4, 1)
		r.ok(r.w.Appended(1, e))
		r.replicate(1, 2, e)
		r.commit[1] = 4
		r.apply(1, 4)
		r.ok(r.observe(1))
		if synced {
			r.ok(r.w.Synced(1))
		}
		r.ok(r.w.Crashed(1))
		return r
	}
	t.Run("erased by the crash", func(t *testing.T) {
		r := crashAfterCommit(t, false)
		require.Equal(t, raft.EntryID{Term: 1, Index: 3}, r.w.Committed(), "only n2 holds 1/4 durably: not a majority")
		// n2 crashes too, losing nothing durable; n3 leads term 2 and
		// commits its own 2/4 with n1, restarted without 1/4.
		r.ok(r.w.Started(raft.Status{ID: 1, Term: 1, Vote: 1, Commit: 3, Applied: 3, Last: raft.EntryID{Term: 1, Index: 3}}))
		r.role[1], r.commit[1] = raft.Follower, 3
		r.elect(2, 3, 1)
		e := r.ent(4, 2)
		r.lead(3, e)
		r.replicate(3, 1, e)
		r.commitTo(3, 4)
		require.Equal(t, raft.EntryID{Term: 2, Index: 4}, r.w.Committed())
	})
	t.Run("kept once durable", func(t *testing.T) {
		r := crashAfterCommit(t, true)
		require.Equal(t, raft.EntryID{Term: 1, Index: 4}, r.w.Committed(), "n1 and n2 hold 1/4 durably")
	})
}
