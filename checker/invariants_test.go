package checker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// One test per invariant: a good history that passes, then crafted bad
// observations that each report exactly that invariant.

var memory = WatchConfig{}                         // the in-memory store
var lagging = WatchConfig{LaggingDurability: true} // the simulated disk

func TestElectionSafety(t *testing.T) {
	t.Run("leaders of different terms", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.elect(2, 2, 1, 3)
	})
	t.Run("two leaders in one term", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.role[2] = raft.Leader
		v := r.expect(r.observe(2), ElectionSafety)
		assert.Equal(t, "election-safety: n1 and n2 both lead term 1", v.Error())
		assert.Equal(t, []raft.NodeID{1, 2}, v.Nodes)
		assert.Equal(t, raft.Term(1), v.Term)
	})
	t.Run("legacy Leader", func(t *testing.T) {
		w := NewWatch()
		require.Nil(t, w.Leader(1, 3))
		require.Nil(t, w.Leader(1, 3))
		assert.Equal(t, ElectionSafety, w.Leader(2, 3).Invariant)
	})
}

func TestLeaderAppendOnly(t *testing.T) {
	t.Run("a deposed leader's log is overwritten", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.lead(1, r.ent(4, 1))
		r.elect(2, 2, 1, 3)
		blank := r.ent(4, 2)
		r.lead(2, blank)
		r.replicate(2, 1, blank) // replaces n1's 1/4: n1 leads no more
	})
	t.Run("leader deletes", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.lead(1, r.ent(4, 1))
		v := r.expect(r.w.Deleted(1, 4, nil), LeaderAppendOnly)
		assert.Equal(t, raft.Index(4), v.Index)
	})
	t.Run("leader appends over its log", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.lead(1, r.ent(4, 1))
		r.expect(r.w.Appended(1, r.ent(4, 1, 9)), LeaderAppendOnly)
	})
	t.Run("leader's entry replaced by replication", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.lead(1, r.ent(4, 1))
		r.expect(r.w.Replicated(1, []EntryRef{r.ent(4, 2)}), LeaderAppendOnly)
	})
	t.Run("leader that stepped down keeps its term's log", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.lead(1, r.ent(4, 1))
		r.role[1] = raft.Follower // check-quorum: still term 1
		r.ok(r.observe(1))
		r.expect(r.w.Deleted(1, 4, nil), LeaderAppendOnly)
	})
}

func TestLogMatching(t *testing.T) {
	t.Run("same entry on two logs", func(t *testing.T) {
		r := goodCluster(t, memory)
		e := r.ent(4, 1)
		r.lead(1, e)
		r.replicate(1, 2, e)
	})
	t.Run("same index and term, different entry", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.lead(1, r.ent(4, 1))
		v := r.expect(r.w.Replicated(2, []EntryRef{r.ent(4, 1, 7)}), LogMatching)
		assert.Equal(t, "log-matching: n1 and n2 hold 1/4 with different histories", v.Error())
	})
	t.Run("same entry after different histories", func(t *testing.T) {
		r := newRig(t, memory, 1, 2, 3)
		r.elect(1, 1, 2, 3)
		es := []EntryRef{r.cfgEnt(1, 1, members3), r.ent(2, 1)}
		r.lead(1, es...)
		r.replicate(1, 2, es[0])
		r.replicate(1, 3, es...)
		r.elect(2, 2, 3)
		r.lead(2, r.ent(2, 2), r.ent(3, 2))
		// n3 takes 2/3 without checking the entry before it: it holds 1/2
		// where n2 holds 2/2, so the same 2/3 follows different histories.
		v := r.expect(r.w.Replicated(3, []EntryRef{r.ent(3, 2)}), LogMatching)
		assert.Equal(t, "log-matching: n2 and n3 hold 2/3 with different histories", v.Error())
	})
}

func TestLeaderCompleteness(t *testing.T) {
	setup := func(t *testing.T) *rig {
		r := newRig(t, memory, 1, 2, 3)
		r.elect(1, 1, 2, 3)
		es := []EntryRef{r.cfgEnt(1, 1, members3), r.ent(2, 1), r.ent(3, 1)}
		r.lead(1, es...)
		r.replicate(1, 2, es...)
		r.replicate(1, 3, es[0])
		r.commitTo(1, 3)
		return r
	}
	t.Run("up-to-date leader", func(t *testing.T) {
		r := setup(t)
		r.elect(2, 2, 3)
	})
	t.Run("a late leader of an old term lacks only later terms' entries", func(t *testing.T) {
		// Found by a swarm campaign: vote answers delayed in the network
		// can elect a candidate of a term the cluster has moved past.
		r := setup(t)
		r.elect(3, 2, 2, 3)
		e4 := r.ent(4, 3)
		r.lead(2, e4)
		r.replicate(2, 3, r.ent(2, 1), r.ent(3, 1), e4)
		r.commitTo(2, 4)
		r.campaign(2, 1)
		r.role[1] = raft.Leader
		r.ok(r.observe(1)) // it holds 1/3, all that earlier terms committed
	})
	t.Run("a late leader of an old term lacks an earlier term's entry that a later term committed", func(t *testing.T) {
		// Found by a 3,000-seed campaign (long-soak seed
		// 105206070505675449): 1/4 is older than the late leader's term,
		// but a leader of term 3 committed it, after that term began.
		r := setup(t)
		r.replicate(1, 3, r.ent(2, 1), r.ent(3, 1))
		e4 := r.ent(4, 1)
		r.lead(1, e4)
		r.replicate(1, 2, e4)
		r.campaign(2, 3)
		r.elect(3, 2, 2, 1)
		blank := r.ent(5, 3)
		r.lead(2, blank)
		r.replicate(2, 1, blank)
		r.commitTo(2, 5)
		r.role[3] = raft.Leader
		r.ok(r.observe(3)) // it holds 1/3, all that terms before 2 committed
	})
	t.Run("leader without committed entries", func(t *testing.T) {
		r := setup(t)
		r.campaign(2, 3, 1)
		r.role[3] = raft.Leader
		v := r.expect(r.observe(3), LeaderCompleteness)
		assert.Equal(t, "leader-completeness: n3 leads term 2 without committed entry 1/3 (its log ends at 1/1)", v.Error())
	})
}

func TestStateMachineSafety(t *testing.T) {
	// stale leaves n3 holding 1/4, never committed, while 2/4 commits.
	stale := func(t *testing.T) *rig {
		r := goodCluster(t, memory)
		e := r.ent(4, 1)
		r.lead(1, e)
		r.replicate(1, 3, e)
		r.elect(2, 2, 1)
		blank := r.ent(4, 2)
		r.lead(2, blank)
		r.replicate(2, 1, blank)
		r.commitTo(2, 4)
		return r
	}
	t.Run("applies the committed entry", func(t *testing.T) {
		r := stale(t)
		r.commitTo(1, 4)
	})
	t.Run("applies a stale entry", func(t *testing.T) {
		r := stale(t)
		r.expect(r.w.AppliedEntry(3, r.ent(4, 1)), StateMachineSafety)
	})
	t.Run("applies what its log does not hold", func(t *testing.T) {
		r := goodCluster(t, memory)
		e := r.ent(4, 1)
		r.lead(1, e)
		r.replicate(1, 2, e)
		r.expect(r.w.AppliedEntry(2, r.ent(4, 1, 3)), StateMachineSafety)
	})
	t.Run("applies twice", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.expect(r.w.AppliedEntry(2, r.ent(3, 1)), StateMachineSafety)
	})
	t.Run("installs a snapshot beyond the committed log", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.lead(1, r.ent(4, 1))
		r.expect(r.w.InstalledSnapshot(2, 4, 1, false), StateMachineSafety)
	})
	t.Run("installs a snapshot of another history", func(t *testing.T) {
		r := stale(t)
		r.expect(r.w.InstalledSnapshot(3, 4, 1, true), StateMachineSafety)
	})
	t.Run("legacy Applied", func(t *testing.T) {
		w := NewWatch()
		require.Nil(t, w.Applied(1, 1, 10))
		require.Nil(t, w.Applied(2, 1, 10))
		assert.Equal(t, StateMachineSafety, w.Applied(3, 1, 11).Invariant)
		assert.Equal(t, StateMachineSafety, w.Applied(3, 0, 11).Invariant)
	})
}

func TestCommittedOnQuorum(t *testing.T) {
	t.Run("commit without replicas", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.lead(1, r.ent(4, 1))
		r.commit[1] = 4
		r.apply(1, 4)
		v := r.expect(r.observe(1), CommittedOnQuorum)
		assert.Equal(t, "committed-on-quorum: n1, leader of term 1, commits 1/4 but only 1 of [n1 n2 n3] hold it durably", v.Error())
	})
	t.Run("commit an earlier term's entry (Figure 8)", func(t *testing.T) {
		r := goodCluster(t, memory)
		e := r.ent(4, 1)
		r.lead(1, e)
		r.replicate(1, 2, e)
		r.elect(2, 1, 2)
		r.commit[1] = 4
		r.apply(1, 4)
		r.expect(r.observe(1), CommittedOnQuorum)
	})
	t.Run("commit an earlier term's entry through one of its own", func(t *testing.T) {
		r := goodCluster(t, memory)
		e := r.ent(4, 1)
		r.lead(1, e)
		r.replicate(1, 2, e)
		r.elect(2, 1, 2)
		blank := r.ent(5, 2)
		r.lead(1, blank)
		r.replicate(1, 2, blank)
		r.commitTo(1, 5)
		r.commitTo(2, 5)
	})
	t.Run("leader steps down in the step that commits", func(t *testing.T) {
		r := goodCluster(t, memory)
		e := r.ent(4, 1)
		r.lead(1, e)
		r.replicate(1, 2, e)
		r.role[1] = raft.Follower // removed by the entry it just committed
		r.commitTo(1, 4)
	})
	t.Run("follower commits what no leader committed", func(t *testing.T) {
		r := goodCluster(t, memory)
		e := r.ent(4, 1)
		r.lead(1, e)
		r.replicate(1, 2, e)
		r.commit[2] = 4
		r.expect(r.observe(2), CommittedOnQuorum)
	})
	joint := func(t *testing.T) (*rig, EntryRef) {
		r := newRig(t, memory, 1, 2, 3, 4, 5)
		r.elect(1, 1, 2, 3)
		es := []EntryRef{r.cfgEnt(1, 1, members3), r.ent(2, 1)}
		r.lead(1, es...)
		for _, id := range []raft.NodeID{2, 3, 4} {
			r.replicate(1, id, es...)
		}
		r.commitTo(1, 2)
		j := r.cfgEnt(3, 1, raft.Membership{Members: []raft.NodeID{1, 2, 3}, MembersAfterConsensus: []raft.NodeID{3, 4, 5}})
		r.lead(1, j)
		r.replicate(1, 2, j)
		r.replicate(1, 3, j)
		return r, j
	}
	t.Run("joint configuration, both majorities", func(t *testing.T) {
		r, j := joint(t)
		r.replicate(1, 4, j)
		r.commitTo(1, 3)
	})
	t.Run("joint configuration, old majority only", func(t *testing.T) {
		r, _ := joint(t)
		r.commit[1] = 3
		r.apply(1, 3)
		v := r.expect(r.observe(1), CommittedOnQuorum)
		assert.Contains(t, v.Message, "only 1 of [n3 n4 n5]")
	})
}

func TestCommittedNeverChanges(t *testing.T) {
	t.Run("follower drops a stale entry", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.lead(1, r.ent(4, 1))
		r.replicate(1, 3, r.refs[raft.EntryID{Term: 1, Index: 4}])
		r.ok(r.w.Deleted(3, 4, nil))
	})
	t.Run("follower drops a committed entry", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.expect(r.w.Deleted(3, 3, nil), CommittedNeverChanges)
	})
	t.Run("follower commits another history", func(t *testing.T) {
		r := goodCluster(t, memory)
		e := r.ent(4, 1)
		r.lead(1, e)
		r.replicate(1, 3, e)
		r.elect(2, 2, 1)
		blank := r.ent(4, 2)
		r.lead(2, blank)
		r.replicate(2, 1, blank)
		r.commitTo(2, 4)
		// n3 still holds 1/4 and takes the leader's commit index without
		// capping it at what matched (UncappedFollowerCommit).
		r.commit[3] = 4
		r.expect(r.observe(3), CommittedNeverChanges)
	})
}

func TestTermVoteMonotonic(t *testing.T) {
	t.Run("term goes back", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.expect(r.w.SavedHardState(2, raft.HardState{}), TermVoteMonotonic)
	})
	t.Run("vote withdrawn", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.expect(r.w.SavedHardState(2, raft.HardState{CurrentTerm: 1}), TermVoteMonotonic)
	})
	t.Run("restart at an older term", func(t *testing.T) {
		r := goodCluster(t, memory)
		st := r.status(2)
		r.ok(r.w.Crashed(2))
		st.Term, st.Vote = 0, raft.None
		r.expect(r.w.Started(st), TermVoteMonotonic)
	})
	t.Run("restart without the durable vote", func(t *testing.T) {
		r := goodCluster(t, memory)
		st := r.status(2)
		r.ok(r.w.Crashed(2))
		st.Vote = raft.None
		r.expect(r.w.Started(st), TermVoteMonotonic)
	})
	t.Run("restart in the durable term", func(t *testing.T) {
		r := goodCluster(t, memory)
		st := r.status(2)
		r.ok(r.w.Crashed(2))
		st.Role = raft.Follower
		r.ok(r.w.Started(st))
	})
}

func TestCommitAppliedMonotonic(t *testing.T) {
	behind := func(t *testing.T) *rig {
		r := goodCluster(t, memory)
		e := r.ent(4, 1)
		r.lead(1, e)
		r.replicate(1, 2, e)
		r.commitTo(1, 4)
		r.commit[2] = 4 // learned, not yet applied
		r.ok(r.observe(2))
		return r
	}
	t.Run("commit goes back", func(t *testing.T) {
		r := behind(t)
		r.commit[2] = 3
		r.expect(r.observe(2), CommitAppliedMonotonic)
	})
	t.Run("restart with commit beyond applied", func(t *testing.T) {
		r := behind(t)
		st := r.status(2)
		r.ok(r.w.Crashed(2))
		st.Role = raft.Follower // commit 4 survives the crash: VolatileCommitRestart
		r.expect(r.w.Started(st), CommitAppliedMonotonic)
	})
	t.Run("restart from applied", func(t *testing.T) {
		r := behind(t)
		st := r.status(2)
		r.ok(r.w.Crashed(2))
		st.Role, st.Commit = raft.Follower, st.Applied
		r.ok(r.w.Started(st))
	})
}

func TestOneVotePerTerm(t *testing.T) {
	t.Run("vote changed in storage", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.expect(r.w.SavedHardState(2, raft.HardState{CurrentTerm: 1, VotedFor: 3}), OneVotePerTerm)
	})
	t.Run("second grant after a restart", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.campaign(2, 3, 2)
		st := r.status(2)
		r.ok(r.w.Crashed(2))
		r.ok(r.w.Started(st))
		v := r.expect(r.w.Sent(Outgoing{From: 2, To: 1, Type: raft.MsgVoteResp, Term: 2}), OneVotePerTerm)
		assert.Equal(t, "one-vote-per-term: n2 voted for n3 and for n1 in term 2", v.Error())
	})
	t.Run("restart with another vote", func(t *testing.T) {
		r := goodCluster(t, memory)
		st := r.status(2)
		r.ok(r.w.Crashed(2))
		st.Vote = 3
		r.expect(r.w.Started(st), OneVotePerTerm)
	})
}

func TestIndexOrder(t *testing.T) {
	t.Run("compaction", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.ok(r.w.Compacted(2, 3, raft.EntryID{Term: 1, Index: 3}))
		r.ok(r.observe(2))
	})
	t.Run("commit beyond last", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.commit[2] = 9
		r.expect(r.observe(2), IndexOrder)
	})
	t.Run("snapshot beyond applied", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.lead(1, r.ent(4, 1))
		r.expect(r.w.Compacted(1, 3, raft.EntryID{Term: 1, Index: 4}), IndexOrder)
	})
	t.Run("purged beyond snapshot", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.expect(r.w.Compacted(1, 3, raft.EntryID{Term: 1, Index: 2}), IndexOrder)
	})
}

func TestDurableBeforeAck(t *testing.T) {
	t.Run("acknowledge before writing", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.lead(1, r.ent(4, 1))
		v := r.expect(r.w.Sent(Outgoing{From: 2, To: 1, Type: raft.MsgAppResp, Term: 1, Index: 4}), DurableBeforeAck)
		assert.Equal(t, "durable-before-ack: n2 acknowledges entries through 4 but its log ends at 1/3", v.Error())
	})
	t.Run("acknowledge before sync", func(t *testing.T) {
		r := goodCluster(t, lagging)
		e := r.ent(4, 1)
		r.lead(1, e)
		r.ok(r.w.Replicated(2, []EntryRef{e}))
		r.expect(r.w.Sent(Outgoing{From: 2, To: 1, Type: raft.MsgAppResp, Term: 1, Index: 4}), DurableBeforeAck)
	})
	t.Run("synced through a mark, not beyond it", func(t *testing.T) {
		r := goodCluster(t, lagging)
		e4, e5 := r.ent(4, 1), r.ent(5, 1)
		r.lead(1, e4, e5)
		r.ok(r.w.Replicated(2, []EntryRef{e4}))
		mark := r.w.WriteMark(2)
		r.ok(r.w.Replicated(2, []EntryRef{e5}))
		r.ok(r.w.SyncedThrough(2, mark))
		r.ok(r.w.Sent(Outgoing{From: 2, To: 1, Type: raft.MsgAppResp, Term: 1, Index: 4}))
		r.expect(r.w.Sent(Outgoing{From: 2, To: 1, Type: raft.MsgAppResp, Term: 1, Index: 5}), DurableBeforeAck)
		r.ok(r.w.SyncedThrough(2, r.w.WriteMark(2)))
		r.ok(r.w.Sent(Outgoing{From: 2, To: 1, Type: raft.MsgAppResp, Term: 1, Index: 5}))
	})
	t.Run("acknowledge after sync", func(t *testing.T) {
		r := goodCluster(t, lagging)
		e := r.ent(4, 1)
		r.lead(1, e)
		r.replicate(1, 2, e)
		r.commitTo(1, 4)
	})
	t.Run("commit counts an unsynced follower", func(t *testing.T) {
		r := goodCluster(t, lagging)
		e := r.ent(4, 1)
		r.ok(r.w.Appended(1, e))
		r.ok(r.w.Replicated(2, []EntryRef{e})) // written, never synced
		r.commit[1] = 4
		r.apply(1, 4)
		r.expect(r.observe(1), CommittedOnQuorum)
	})
	t.Run("the leader's own unsynced copy counts", func(t *testing.T) {
		// Its messages wait for its durability, so nobody sees the
		// commitment before the copy is durable.
		r := goodCluster(t, lagging)
		e := r.ent(4, 1)
		r.ok(r.w.Appended(1, e))
		r.replicate(1, 2, e)
		r.commit[1] = 4
		r.apply(1, 4)
		r.ok(r.observe(1))
	})
	t.Run("grant before the vote is durable", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.ok(r.w.SavedHardState(2, raft.HardState{CurrentTerm: 2}))
		// VoteBeforePersist: the grant leaves, then the vote is saved.
		r.expect(r.w.Sent(Outgoing{From: 2, To: 3, Type: raft.MsgVoteResp, Term: 2}), DurableBeforeAck)
	})
	t.Run("a grant held until a later term is durable", func(t *testing.T) {
		// Found by raftsim bench zoo (swarm seed 10832265065303434686): the
		// grant for term 2 waits for durability while the node moves on to
		// term 3; once term 3 is durable it can never vote in term 2 again.
		r := goodCluster(t, lagging)
		r.ok(r.w.SavedHardState(2, raft.HardState{CurrentTerm: 2, VotedFor: 3}))
		r.ok(r.w.SavedHardState(2, raft.HardState{CurrentTerm: 3, VotedFor: 1}))
		r.ok(r.w.Synced(2))
		r.ok(r.w.Sent(Outgoing{From: 2, To: 3, Type: raft.MsgVoteResp, Term: 2}))
	})
	t.Run("message of a term not yet durable", func(t *testing.T) {
		r := goodCluster(t, lagging)
		r.ok(r.w.SavedHardState(2, raft.HardState{CurrentTerm: 2}))
		r.expect(r.w.Sent(Outgoing{From: 2, To: 1, Type: raft.MsgAppResp, Term: 2, Reject: true}), DurableBeforeAck)
	})
	t.Run("vote request before the self-vote is durable", func(t *testing.T) {
		r := goodCluster(t, lagging)
		r.ok(r.w.SavedHardState(3, raft.HardState{CurrentTerm: 2, VotedFor: 3}))
		r.expect(r.w.Sent(Outgoing{From: 3, To: 1, Type: raft.MsgVote, Term: 2}), DurableBeforeAck)
	})
	t.Run("snapshot acknowledged before sync", func(t *testing.T) {
		r := goodCluster(t, lagging)
		es := []EntryRef{r.ent(4, 1), r.ent(5, 1)}
		r.lead(1, es...)
		r.replicate(1, 2, es...)
		r.commitTo(1, 5)
		r.ok(r.w.Compacted(1, 5, raft.EntryID{Term: 1, Index: 5}))
		r.ok(r.w.InstalledSnapshot(3, 5, 1, false))
		r.expect(r.w.Sent(Outgoing{From: 3, To: 1, Type: raft.MsgSnapResp, Term: 1, Index: 5}), DurableBeforeAck)
		r.ok(r.w.Synced(3))
		r.ok(r.w.Sent(Outgoing{From: 3, To: 1, Type: raft.MsgSnapResp, Term: 1, Index: 5}))
	})
}

func TestDurableRecovery(t *testing.T) {
	unsynced := func(t *testing.T) (*rig, raft.Status) {
		r := goodCluster(t, lagging)
		es := []EntryRef{r.ent(4, 1), r.ent(5, 1)}
		r.lead(1, es...)
		r.ok(r.w.Replicated(2, es))
		st := r.status(2)
		r.ok(r.w.Crashed(2))
		st.Role, st.Commit = raft.Follower, st.Applied
		return r, st
	}
	t.Run("unsynced writes lost", func(t *testing.T) {
		r, st := unsynced(t)
		st.Last = raft.EntryID{Term: 1, Index: 3}
		r.ok(r.w.Started(st))
		r.ok(r.w.Replicated(2, []EntryRef{r.refs[raft.EntryID{Term: 1, Index: 4}]}))
	})
	t.Run("a prefix of unsynced writes survived", func(t *testing.T) {
		r, st := unsynced(t)
		st.Last = raft.EntryID{Term: 1, Index: 4}
		r.ok(r.w.Started(st))
	})
	t.Run("all unsynced writes survived", func(t *testing.T) {
		r, st := unsynced(t)
		r.ok(r.w.Started(st))
	})
	t.Run("durable entries lost", func(t *testing.T) {
		r, st := unsynced(t)
		st.Last = raft.EntryID{Term: 1, Index: 2}
		st.Applied, st.Commit = 2, 2
		r.expect(r.w.Started(st), DurableRecovery)
	})
	t.Run("entries never written", func(t *testing.T) {
		r := goodCluster(t, memory)
		st := r.status(3)
		r.ok(r.w.Crashed(3))
		st.Role, st.Last = raft.Follower, raft.EntryID{Term: 1, Index: 4}
		r.expect(r.w.Started(st), DurableRecovery)
	})
	t.Run("hard state never written", func(t *testing.T) {
		r := goodCluster(t, memory)
		st := r.status(3)
		r.ok(r.w.Crashed(3))
		st.Role, st.Term, st.Vote = raft.Follower, 7, raft.None
		r.expect(r.w.Started(st), DurableRecovery)
	})
}

func TestStatusMatchesStorage(t *testing.T) {
	r := goodCluster(t, memory)
	st := r.status(2)
	st.Last = raft.EntryID{Term: 1, Index: 4}
	r.expect(r.w.Observe(st), StatusMatchesStorage)
	st = r.status(2)
	st.Vote = raft.None
	r.expect(r.w.Observe(st), StatusMatchesStorage)
	st = r.status(2)
	st.Stopped = true
	st.Last = raft.EntryID{Term: 1, Index: 4} // a stopped node is not held to it
	r.ok(r.w.Observe(st))
}

func TestInvalidObservation(t *testing.T) {
	w := NewWatch()
	assert.Equal(t, InvalidObservation, w.Observe(raft.Status{ID: 1}).Invariant)
	assert.Equal(t, InvalidObservation, w.Started(raft.Status{ID: 0}).Invariant)
	require.Nil(t, w.Started(raft.Status{ID: 1}))
	assert.Equal(t, InvalidObservation, w.Started(raft.Status{ID: 1}).Invariant)
	assert.Equal(t, InvalidObservation, w.Replicated(1, []EntryRef{{Index: 2, Term: 1}}).Invariant)
	r := goodCluster(t, memory)
	stop := raft.Index(2)
	r.expect(r.w.Deleted(2, 1, &stop), InvalidObservation)
	r.ok(r.w.Crashed(2))
	r.expect(r.w.Sent(Outgoing{From: 2, To: 1, Type: raft.MsgHeartbeatResp, Term: 1}), InvalidObservation)
}

func TestInvariantsListed(t *testing.T) {
	names := map[Invariant]bool{}
	for _, inv := range Invariants() {
		assert.False(t, names[inv], "%s listed twice", inv)
		names[inv] = true
	}
	assert.Len(t, names, 17)
}

// A power cut inside a storage call stops a leader in the step that
// committed and applied: CommitReached checks the commitment no status
// showed, so that the applied entries found at restart are within the
// committed log (found by raftsim bench zoo, swarm seed
// 750977890229955460).
func TestCommitReachedInAStepAPowerCutEnded(t *testing.T) {
	setup := func(t *testing.T, holders ...raft.NodeID) *rig {
		r := goodCluster(t, lagging)
		e := r.ent(4, 1)
		r.lead(1, e)
		for _, id := range holders {
			r.replicate(1, id, e)
		}
		r.apply(1, 4) // applied in the step the cut ends: never observed
		return r
	}
	t.Run("a quorum holds it", func(t *testing.T) {
		r := setup(t, 2)
		r.ok(r.w.CommitReached(1, 1, 4))
		assert.Equal(t, raft.EntryID{Term: 1, Index: 4}, r.w.Committed())
		st := r.status(1)
		r.ok(r.w.Crashed(1))
		st.Role, st.Commit = raft.Follower, st.Applied
		r.ok(r.w.Started(st))
		r.commit[1] = 4
		r.ok(r.observe(1))
	})
	t.Run("no quorum holds it", func(t *testing.T) {
		r := setup(t)
		r.expect(r.w.CommitReached(1, 1, 4), CommittedOnQuorum)
	})
	t.Run("a follower claims nothing", func(t *testing.T) {
		r := setup(t, 2)
		r.ok(r.w.CommitReached(2, 1, 4))
		assert.Equal(t, raft.Index(3), r.w.Committed().Index)
	})
}

func TestSingleServerChange(t *testing.T) {
	four := raft.NewMembership(1, 2, 3, 4)
	t.Run("one voter added once the term has committed", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.lead(1, r.cfgEnt(4, 1, four))
	})
	t.Run("a joint change is not bound by the rule", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.elect(2, 2, 1, 3)
		r.lead(2, r.cfgEnt(4, 2, raft.Membership{Members: members3.Members, MembersAfterConsensus: four.Members}))
	})
	t.Run("one voter added before the new leader's term commits", func(t *testing.T) {
		// config-change-without-term-commit, the 2015 single-server bug.
		r := goodCluster(t, memory)
		r.elect(2, 2, 1, 3)
		r.ok(r.w.Appended(2, r.cfgEnt(4, 2, four)))
		v := r.expect(r.observe(2), SingleServerChange)
		assert.Equal(t, "single-server-change: n2, leader of term 2, appends configuration {n1,n2,n3,n4} at 4 before any entry of its term is committed (commit 3, its term starts at 4)", v.Error())
	})
	t.Run("a second change before the first commits", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.lead(1, r.cfgEnt(4, 1, four))
		r.ok(r.w.Appended(1, r.cfgEnt(5, 1, raft.NewMembership(1, 2, 4))))
		r.expect(r.observe(1), SingleServerChange)
	})
}

func TestCommittedPrefixMatches(t *testing.T) {
	t.Run("a rejection beyond what the follower committed", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.ok(r.w.Sent(Outgoing{From: 2, To: 1, Type: raft.MsgAppResp, Term: 1, Index: 4, Reject: true}))
	})
	t.Run("a term notice", func(t *testing.T) {
		r := goodCluster(t, memory)
		r.ok(r.w.Sent(Outgoing{From: 2, To: 1, Type: raft.MsgAppResp, Term: 1, Index: 0, Reject: true}))
	})
	t.Run("a rejection within the committed prefix", func(t *testing.T) {
		// compacted-prev-is-conflict: the follower takes a previous entry
		// it compacted (so committed) for a conflict.
		r := goodCluster(t, memory)
		v := r.expect(r.w.Sent(Outgoing{From: 2, To: 1, Type: raft.MsgAppResp, Term: 1, Index: 2, Reject: true}), CommittedPrefixMatches)
		assert.Equal(t, "committed-prefix-matches: n2 rejects an append from n1 at 2, within what it committed (through 3): a committed prefix matches every later leader's log", v.Error())
	})
}
