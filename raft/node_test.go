package raft_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

func TestElectsOneLeader(t *testing.T) {
	r := newRig(t, 3, nil)
	l := r.leader()
	leaders := 0
	for _, id := range r.ids {
		st := r.nodes[id].node.Status()
		if st.Role == raft.Leader {
			leaders++
		}
		assert.Equal(t, r.nodes[l].node.Status().Term, st.Term, "everyone is in the leader's term")
	}
	assert.Equal(t, 1, leaders)
}

func TestReplicatesAndApplies(t *testing.T) {
	r := newRig(t, 3, nil)
	r.leader()
	var ids []raft.ProposalID
	for i := 0; i < 20; i++ {
		ids = append(ids, r.propose(fmt.Sprintf("cmd%d", i)))
	}
	r.advance(200 * time.Millisecond) // heartbeats carry the commit index
	l := r.nodes[r.leader()]
	for _, id := range ids {
		assert.Contains(t, l.results, id)
	}
	want := r.nodes[r.ids[0]].sm.applied
	require.Len(t, want, 20)
	for _, id := range r.ids {
		assert.Equal(t, want, r.nodes[id].sm.applied, "node %v", id)
	}
}

func TestLeaderIsolatedIsReplaced(t *testing.T) {
	r := newRig(t, 3, nil)
	old := r.leader()
	oldTerm := r.nodes[old].node.Status().Term
	r.isolate(old)
	r.advance(2 * time.Second)
	assert.NotEqual(t, raft.Leader, r.nodes[old].node.Status().Role, "check-quorum made the isolated leader step down")
	var newLeader raft.NodeID
	for _, id := range r.ids {
		if st := r.nodes[id].node.Status(); st.Role == raft.Leader {
			newLeader = id
			assert.Greater(t, st.Term, oldTerm)
		}
	}
	require.NotEqual(t, raft.None, newLeader)
	require.NotEqual(t, old, newLeader)

	// The old leader comes back and follows; its log converges.
	r.heal()
	r.propose("after")
	r.advance(time.Second)
	assert.Equal(t, r.nodes[newLeader].sm.applied, r.nodes[old].sm.applied)
}

func TestPreVoteKeepsPartitionedFollowerFromDisrupting(t *testing.T) {
	r := newRig(t, 3, nil)
	l := r.leader()
	term := r.nodes[l].node.Status().Term
	var f raft.NodeID
	for _, id := range r.ids {
		if id != l {
			f = id
			break
		}
	}
	r.isolate(f)
	r.advance(5 * time.Second) // many election timeouts: pre-votes fail
	assert.Equal(t, term, r.nodes[f].node.Status().Term, "pre-vote kept the isolated node's term")
	r.heal()
	r.advance(time.Second)
	assert.Equal(t, l, r.currentLeader())
	assert.Equal(t, term, r.nodes[l].node.Status().Term, "the healthy leader was not deposed")
}

func TestRestartKeepsState(t *testing.T) {
	r := newRig(t, 3, nil)
	r.leader()
	for i := 0; i < 5; i++ {
		r.propose(fmt.Sprintf("a%d", i))
	}
	r.advance(200 * time.Millisecond)
	for _, id := range r.ids {
		before := r.nodes[id].node.Status()
		r.restart(id)
		after := r.nodes[id].node.Status()
		assert.Equal(t, before.Term, after.Term)
		assert.Equal(t, before.Vote, after.Vote)
		assert.Equal(t, before.Last, after.Last)
		assert.Equal(t, before.Applied, after.Applied)
	}
	r.leader()
	r.propose("b")
	r.advance(200 * time.Millisecond)
	for _, id := range r.ids {
		assert.Len(t, r.nodes[id].sm.applied, 6)
	}
}

// A follower holding 60 entries of a term no leader kept catches up in a
// few round trips thanks to the conflict hints, not one per entry. The
// shape is the paper's Figure 7: a fresh leader's next index for the
// follower starts beyond the end of the follower's conflicting run.
func TestFastBacktracking(t *testing.T) {
	r := newRig(t, 3, nil)
	old := r.leader()
	r.propose("base")
	r.advance(100 * time.Millisecond)
	// The old leader, cut off, appends 60 entries no one else gets.
	r.isolate(old)
	for i := 0; i < 60; i++ {
		require.NoError(t, r.nodes[old].node.Propose(fmt.Sprintf("lost%d", i), raft.ProposalID(1000+i)))
	}
	r.queue = nil
	r.advance(2 * time.Second)
	second := r.currentLeader()
	require.NotEqual(t, old, second)
	for i := 0; i < 70; i++ {
		require.NoError(t, r.nodes[second].node.Propose(fmt.Sprintf("new%d", i), raft.ProposalID(2000+i)))
		r.deliver()
	}
	// Hand leadership to the third node: its next index for the old
	// leader starts past everything.
	var third raft.NodeID
	for _, id := range r.ids {
		if id != old && id != second {
			third = id
		}
	}
	require.NoError(t, r.nodes[second].node.TransferLeadership(third))
	r.deliver()
	require.Equal(t, third, r.currentLeader())
	require.Greater(t, r.nodes[third].node.Status().Last.Index, r.nodes[old].node.Status().Last.Index)

	r.heal()
	rejectsBefore := countRejects(r)
	r.advance(time.Second)
	rejects := countRejects(r) - rejectsBefore
	t.Logf("%d rejects", rejects)
	assert.LessOrEqual(t, rejects, 3, "conflict hints skip whole terms")
	assert.Positive(t, rejects, "the old leader had conflicting entries")
	assert.Equal(t, r.nodes[third].sm.applied, r.nodes[old].sm.applied)
	assert.Equal(t, r.nodes[third].node.Status().Last, r.nodes[old].node.Status().Last)
}

func countRejects(r *rig) int { return r.rejects }

func TestSnapshotCatchUp(t *testing.T) {
	r := newRig(t, 3, func(id raft.NodeID) raft.Config {
		c := raft.DefaultConfig(id)
		c.SnapshotThreshold = 10
		c.SnapshotChunkSize = 64 // several chunks
		return c
	})
	l := r.leader()
	var lagging raft.NodeID
	for _, id := range r.ids {
		if id != l {
			lagging = id
			break
		}
	}
	r.isolate(lagging)
	for i := 0; i < 50; i++ {
		r.propose(fmt.Sprintf("c%02d", i))
	}
	r.advance(100 * time.Millisecond)
	require.Greater(t, uint64(r.nodes[l].node.Status().SnapshotIndex), uint64(40), "the leader compacted")
	snapsBefore := r.sent[raft.MsgSnap]
	r.heal()
	r.advance(2 * time.Second)
	assert.Greater(t, r.sent[raft.MsgSnap]-snapsBefore, 1, "caught up by a chunked snapshot")
	l = r.leader()
	assert.Equal(t, r.nodes[l].sm.applied, r.nodes[lagging].sm.applied)
	st := r.nodes[lagging].node.Status()
	assert.Equal(t, r.nodes[l].node.Status().Last, st.Last)
	assert.Equal(t, st.Commit, st.Applied)
}

func TestMembershipChangeByJointConsensus(t *testing.T) {
	r := newRig(t, 3, nil)
	l := r.leader()
	for i := 0; i < 5; i++ {
		r.propose(fmt.Sprintf("c%d", i))
	}
	r.add(4) // pristine: waits for the leader
	ln := r.nodes[l].node
	err := ln.ChangeMembership([]raft.NodeID{1, 2, 4})
	require.ErrorIs(t, err, raft.ErrMembershipChange, "n4 is not a caught-up non-voter yet")
	require.NoError(t, ln.AddNonVoter(4))
	r.advance(200 * time.Millisecond)
	require.True(t, ln.CaughtUp(4))
	assert.Equal(t, r.nodes[l].sm.applied, r.nodes[4].sm.applied, "the non-voter replicated everything")

	var target []raft.NodeID
	for _, id := range []raft.NodeID{1, 2, 3, 4} {
		if id != l || l == 4 {
			target = append(target, id)
		}
	}
	target = target[len(target)-3:] // remove the leader if it is among 1..3
	require.NoError(t, ln.ChangeMembership(target))
	r.advance(time.Second)
	nl := r.leader()
	m, _ := r.nodes[nl].node.Membership()
	assert.Equal(t, raft.NewMembership(target...), m, "joint then final configuration committed")
	if !contains(target, l) {
		assert.NotEqual(t, l, nl, "the removed leader stepped down")
	}
	r.propose("after-change")
	r.advance(500 * time.Millisecond)
	for _, id := range target {
		assert.Equal(t, r.nodes[nl].sm.applied, r.nodes[id].sm.applied, "node %v", id)
	}
}

func contains(ids []raft.NodeID, id raft.NodeID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func TestReadIndexNeedsQuorum(t *testing.T) {
	r := newRig(t, 3, nil)
	l := r.leader()
	r.propose("x")
	ln := r.nodes[l]
	require.NoError(t, ln.node.Read(1))
	r.deliver()
	assert.Contains(t, ln.reads, raft.ReadID(1), "a quorum confirmed the read")

	r.isolate(l)
	require.NoError(t, ln.node.Read(2))
	r.deliver()
	assert.NotContains(t, ln.reads, raft.ReadID(2), "an isolated leader cannot confirm a read")
}

func TestLeadershipTransfer(t *testing.T) {
	r := newRig(t, 3, nil)
	l := r.leader()
	r.propose("x")
	var to raft.NodeID
	for _, id := range r.ids {
		if id != l {
			to = id
		}
	}
	require.NoError(t, r.nodes[l].node.TransferLeadership(to))
	r.deliver()
	assert.Equal(t, to, r.currentLeader())
	r.propose("y")
	r.advance(200 * time.Millisecond)
	for _, id := range r.ids {
		assert.Equal(t, []string{"x", "y"}, r.nodes[id].sm.applied)
	}
}

// behindCompactedLog is a 3-node rig (compaction every 10 entries, 16-byte
// snapshot chunks) with a follower cut off while the leader committed and
// compacted 30 entries: it can only catch up by snapshot once healed.
func behindCompactedLog(t *testing.T) (r *rig, leader, lagging raft.NodeID) {
	r = newRig(t, 3, func(id raft.NodeID) raft.Config {
		c := raft.DefaultConfig(id)
		c.SnapshotThreshold = 10
		c.SnapshotChunkSize = 16
		return c
	})
	leader = r.leader()
	for _, id := range r.ids {
		if id != leader {
			lagging = id
			break
		}
	}
	r.isolate(lagging)
	for i := 0; i < 30; i++ {
		r.propose(fmt.Sprintf("c%02d", i))
	}
	r.advance(100 * time.Millisecond)
	return r, leader, lagging
}

// Regression (found by the swarm, seed 297): a duplicated first chunk of a
// snapshot, arriving after the transfer moved on, restarted the follower's
// transfer; the leader then took the follower's request for an earlier
// offset as a stale answer and resent the last chunk forever.
func TestSnapshotSurvivesADuplicatedFirstChunk(t *testing.T) {
	r, l, lagging := behindCompactedLog(t)
	var first *raft.Message[string]
	dups := 0
	r.tamper = func(m *raft.Message[string]) {
		if m.Type != raft.MsgSnap || m.To != lagging {
			return
		}
		switch {
		case m.Snapshot.Offset == 0 && first == nil:
			first = m
		case m.Snapshot.Offset > 16 && first != nil && dups < 3:
			r.queue = append(r.queue, first) // the first chunk again, late
			dups++
		}
	}
	r.heal()
	r.advance(2 * time.Second)
	require.Positive(t, dups, "the test duplicated chunks")
	assert.Equal(t, r.nodes[l].sm.applied, r.nodes[lagging].sm.applied, "the snapshot installed anyway")
	assert.NotZero(t, r.nodes[lagging].node.Probes()[raft.ProbeSnapshotChunkDuplicate], "the follower saw the duplicate")
}

// Regression (a 3,000-seed campaign, long-soak seed 13264122248594930066):
// the leader answered every snapshot answer with a chunk, so each answer
// the network duplicated added a message that never died, until the run
// spent its 50 million steps in one instant. Here every answer arrives
// twice: the transfer must finish with about one chunk per chunk.
func TestSnapshotAnswersDuplicatedDoNotMultiplyChunks(t *testing.T) {
	r, l, lagging := behindCompactedLog(t)
	chunks, offsets := 0, map[uint64]bool{}
	r.tamper = func(m *raft.Message[string]) {
		switch {
		case m.Type == raft.MsgSnap && m.To == lagging:
			chunks++
			offsets[m.Snapshot.Offset] = true
		case m.Type == raft.MsgSnapResp && m.From == lagging:
			dup := *m
			r.queue = append(r.queue, &dup)
		}
	}
	r.heal()
	r.advance(2 * time.Second)
	assert.Equal(t, r.nodes[l].sm.applied, r.nodes[lagging].sm.applied, "the snapshot installed")
	require.Greater(t, len(offsets), 3, "a transfer of several chunks")
	// Before the fix: 4,095 chunks for 12 offsets.
	assert.LessOrEqual(t, chunks, 2*len(offsets), "chunks sent for %d distinct offsets", len(offsets))
	assert.NotZero(t, r.nodes[l].node.Probes()[raft.ProbeSnapshotAnswerStale], "the leader saw the duplicated answers")
}

// Regression (lab SnapshotInstallUnreliable, seeds 19 and 49): a node that
// answered a stale append named the append's index, and a leader elected
// meanwhile in the answer's term took it for a rejection of its own probe
// and rewound to the start of its (compacted) log. The answer to a stale
// message is now a term notice, index 0, which leaders ignore.
func TestStaleAppendAnswerIsOnlyATermNotice(t *testing.T) {
	r := newRig(t, 3, nil)
	l := r.leader()
	for i := 0; i < 5; i++ {
		r.propose(fmt.Sprintf("c%d", i))
	}
	r.advance(100 * time.Millisecond)
	var f raft.NodeID
	for _, id := range r.ids {
		if id != l {
			f = id
			break
		}
	}
	term := r.nodes[l].node.Status().Term
	var answer *raft.Message[string]
	r.tamper = func(m *raft.Message[string]) {
		if m.From == f && m.Type == raft.MsgAppResp {
			answer = m
		}
	}
	stale := &raft.Message[string]{Type: raft.MsgApp, From: l, To: f, Term: term - 1, Index: 4, LogTerm: term - 1}
	require.NoError(t, r.nodes[f].node.Step(stale))
	require.NotNil(t, answer)
	assert.True(t, answer.Reject)
	assert.Equal(t, raft.Index(0), answer.Index, "a term notice, not a rejection of index 4")
	assert.Equal(t, term, answer.Term)

	// The leader of that term ignores the notice: nothing rewinds.
	r.queue, r.tamper = nil, nil
	var rewound bool
	r.tamper = func(m *raft.Message[string]) {
		if m.Type == raft.MsgApp && m.From == l && m.To == f && m.Index < 6 {
			rewound = true
		}
	}
	require.NoError(t, r.nodes[l].node.Step(answer))
	r.deliver()
	assert.False(t, rewound, "the leader rewound its follower's progress on a term notice")
}

// With SingleServerChanges, adding or removing one voter is one
// configuration entry, never joint; a change of two voters still is.
func TestSingleServerChanges(t *testing.T) {
	single := func(id raft.NodeID) raft.Config {
		c := defaultRigConfig(id)
		c.SingleServerChanges = true
		return c
	}
	r := newRig(t, 3, single)
	l := r.leader()
	r.propose("x")
	r.add(4)
	ln := r.nodes[l].node
	require.NoError(t, ln.AddNonVoter(4))
	r.advance(200 * time.Millisecond)
	require.True(t, ln.CaughtUp(4))

	require.NoError(t, ln.ChangeMembership([]raft.NodeID{1, 2, 3, 4}))
	m, _ := ln.Membership()
	assert.False(t, m.IsJoint(), "one voter added in one step")
	assert.Equal(t, raft.NewMembership(1, 2, 3, 4), m)
	require.ErrorIs(t, ln.ChangeMembership([]raft.NodeID{1, 2, 3}), raft.ErrMembershipChange, "one change at a time")
	r.advance(300 * time.Millisecond)

	var rest []raft.NodeID
	for _, id := range []raft.NodeID{1, 2, 3, 4} {
		if id != l {
			rest = append(rest, id)
		}
	}
	require.NoError(t, ln.ChangeMembership(rest))
	m, _ = ln.Membership()
	assert.False(t, m.IsJoint(), "one voter removed in one step")
	r.advance(time.Second)
	nl := r.leader()
	assert.NotEqual(t, l, nl, "the removed leader stepped down once the change committed")
	m, _ = r.nodes[nl].node.Membership()
	assert.Equal(t, raft.NewMembership(rest...), m)

	r.advance(300 * time.Millisecond)
	require.NoError(t, r.nodes[nl].node.ChangeMembership([]raft.NodeID{nl}))
	m, _ = r.nodes[nl].node.Membership()
	assert.True(t, m.IsJoint(), "a change of two voters goes joint")
}

// countingStore counts entry reads; hideIndex drops the store's
// MembershipIndex, as a store that does not keep one.
type countingStore struct {
	raft.Storage[string, string]
	reads     int
	hideIndex bool
}

func (s *countingStore) GetLogEntries(start, stop raft.Index) ([]raft.Entry[string], error) {
	s.reads++
	return s.Storage.GetLogEntries(start, stop)
}

func (s *countingStore) GetInitialState() (raft.InitialState, error) {
	st, err := s.Storage.GetInitialState()
	if s.hideIndex {
		st.MembershipIndex = 0
	}
	return st, err
}

// A restart takes its membership's index from the store when the store
// reports it, reading no entry; without it, the reverse scan finds the
// same index.
func TestRestartTakesMembershipIndexFromTheStore(t *testing.T) {
	r := newRig(t, 3, nil)
	r.leader()
	for i := 0; i < 20; i++ {
		r.propose(fmt.Sprintf("a%d", i))
	}
	r.advance(200 * time.Millisecond)
	for _, id := range r.ids {
		rn := r.nodes[id]
		want, wantIndex := rn.node.Membership()
		require.Positive(t, wantIndex)
		for _, hide := range []bool{false, true} {
			s := &countingStore{Storage: rn.store, hideIndex: hide}
			env := raft.Env[string, string]{Clock: &r.clock, Rand: &rigRand{x: 1}, Transport: rigTransport{r}, Events: rn}
			n, err := raft.NewNode(r.cfg(id), raft.Storage[string, string](s), env)
			require.NoError(t, err)
			got, gotIndex := n.Membership()
			assert.True(t, want.Equal(got), "%v hide=%v: membership %v, want %v", id, hide, got, want)
			assert.Equal(t, wantIndex, gotIndex, "%v hide=%v", id, hide)
			if !hide {
				assert.Zero(t, s.reads, "%v: entries read at a restart with the index known", id)
			} else {
				assert.Positive(t, s.reads, "%v: the scan reads the log", id)
			}
		}
	}
}
