package checker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// rig drives a Watch by hand, one observation at a time, the way a host
// and a storage wrapper would. Its helpers require every observation to
// pass; a test then makes one bad observation itself and expects it
// reported. The rig reads a node's storage-side state back from the Watch
// to build statuses, so only role and commit are its own.
type rig struct {
	t      *testing.T
	w      *Watch
	role   [8]raft.Role
	commit [8]raft.Index
	// refs remembers every entry by ID, to apply it later.
	refs map[raft.EntryID]EntryRef
}

var members3 = raft.NewMembership(1, 2, 3)

func newRig(t *testing.T, cfg WatchConfig, ids ...raft.NodeID) *rig {
	r := &rig{t: t, w: NewWatchConfig(cfg), refs: map[raft.EntryID]EntryRef{}}
	for _, id := range ids {
		r.ok(r.w.Started(raft.Status{ID: id, Pristine: true}))
	}
	return r
}

func (r *rig) ok(v *Violation) {
	r.t.Helper()
	if v != nil {
		r.t.Fatalf("unexpected violation: %v", v)
	}
}

// expect checks that v reports inv, and shows its message.
func (r *rig) expect(v *Violation, inv Invariant) *Violation {
	r.t.Helper()
	require.NotNil(r.t, v, "expected a %s violation", inv)
	assert.Equal(r.t, inv, v.Invariant, "got %v", v)
	r.t.Logf("reported: %v", v)
	return v
}

func (r *rig) status(id raft.NodeID) raft.Status {
	n := r.w.nodes[id]
	return raft.Status{
		ID: id, Role: r.role[id], Term: n.hs.CurrentTerm, Vote: n.hs.VotedFor,
		Commit: r.commit[id], Applied: n.applied, Last: n.log.lastID(), SnapshotIndex: n.log.snap.Index,
	}
}

func (r *rig) observe(id raft.NodeID) *Violation { return r.w.Observe(r.status(id)) }

// ent is a normal entry whose digest depends on its ID and a variant, so
// that entries differ only when a test wants them to.
func (r *rig) ent(index raft.Index, term raft.Term, variant ...uint64) EntryRef {
	h := uint64(index)<<32 | uint64(term)
	if len(variant) > 0 {
		h ^= variant[0] << 48
	}
	e := EntryRef{Index: index, Term: term, Digest: DigestNormal(h)}
	r.refs[e.ID()] = e
	return e
}

func (r *rig) cfgEnt(index raft.Index, term raft.Term, m raft.Membership) EntryRef {
	e := EntryRef{Index: index, Term: term, Digest: DigestConfig(m), Membership: &m}
	r.refs[e.ID()] = e
	return e
}

// elect makes leader win term with the given voters' grants.
func (r *rig) elect(term raft.Term, leader raft.NodeID, voters ...raft.NodeID) {
	r.t.Helper()
	r.campaign(term, leader, voters...)
	r.role[leader] = raft.Leader
	r.ok(r.observe(leader))
}

// campaign runs an election up to the candidate's win, which the caller
// observes.
func (r *rig) campaign(term raft.Term, leader raft.NodeID, voters ...raft.NodeID) {
	r.t.Helper()
	r.ok(r.w.SavedHardState(leader, raft.HardState{CurrentTerm: term, VotedFor: leader}))
	r.ok(r.w.Synced(leader))
	r.role[leader] = raft.Candidate
	for _, v := range voters {
		r.ok(r.w.Sent(Outgoing{From: leader, To: v, Type: raft.MsgVote, Term: term}))
		r.ok(r.w.SavedHardState(v, raft.HardState{CurrentTerm: term, VotedFor: leader}))
		r.ok(r.w.Synced(v))
		r.role[v] = raft.Follower
		r.ok(r.w.Sent(Outgoing{From: v, To: leader, Type: raft.MsgVoteResp, Term: term}))
		r.ok(r.observe(v))
	}
}

func (r *rig) lead(id raft.NodeID, es ...EntryRef) {
	r.t.Helper()
	for _, e := range es {
		r.ok(r.w.Appended(id, e))
	}
	r.ok(r.w.Synced(id))
	r.ok(r.observe(id))
}

// replicate writes es on id and acknowledges them to leader.
func (r *rig) replicate(leader, id raft.NodeID, es ...EntryRef) {
	r.t.Helper()
	r.ok(r.w.Replicated(id, es))
	r.ok(r.w.Synced(id))
	r.ok(r.w.Sent(Outgoing{From: id, To: leader, Type: raft.MsgAppResp, Term: r.w.nodes[id].hs.CurrentTerm, Index: es[len(es)-1].Index}))
	r.ok(r.observe(id))
}

// commitTo moves id's commit index and applies through it.
func (r *rig) commitTo(id raft.NodeID, c raft.Index) {
	r.t.Helper()
	r.commit[id] = c
	r.apply(id, c)
	r.ok(r.observe(id))
}

func (r *rig) apply(id raft.NodeID, through raft.Index) {
	r.t.Helper()
	n := r.w.nodes[id]
	for i := n.applied + 1; i <= through; i++ {
		s, ok := n.log.at(i)
		require.True(r.t, ok, "%v holds no entry at %d", id, i)
		r.ok(r.w.AppliedEntry(id, r.refs[raft.EntryID{Term: s.term, Index: i}]))
	}
}

// goodCluster is three nodes with n1 leading term 1 and entries 1..3
// committed and applied everywhere: the good prefix of most tests.
func goodCluster(t *testing.T, cfg WatchConfig) *rig {
	r := newRig(t, cfg, 1, 2, 3)
	r.elect(1, 1, 2, 3)
	es := []EntryRef{r.cfgEnt(1, 1, members3), r.ent(2, 1), r.ent(3, 1)}
	r.lead(1, es...)
	r.replicate(1, 2, es...)
	r.replicate(1, 3, es...)
	r.commitTo(1, 3)
	r.commitTo(2, 3)
	r.commitTo(3, 3)
	require.Equal(t, raft.EntryID{Term: 1, Index: 3}, r.w.Committed())
	return r
}
