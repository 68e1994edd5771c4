package checker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

func TestDigestsKeepKindsApart(t *testing.T) {
	joint := raft.Membership{Members: []raft.NodeID{1, 2, 3}, MembersAfterConsensus: []raft.NodeID{1, 2, 3}}
	ds := []uint64{
		DigestBlank(), DigestNormal(0), DigestNormal(1),
		DigestConfig(raft.NewMembership(1, 2, 3)), DigestConfig(raft.NewMembership(1, 2)), DigestConfig(joint),
	}
	for i := range ds {
		for j := i + 1; j < len(ds); j++ {
			assert.NotEqual(t, ds[i], ds[j], "digests %d and %d collide", i, j)
		}
	}
	assert.Equal(t, DigestConfig(raft.NewMembership(3, 1, 2)), DigestConfig(raft.NewMembership(1, 2, 3)))
	assert.NotEqual(t, HashBytes([]byte("ab")), HashBytes([]byte("ba")))
}

func TestRefOf(t *testing.T) {
	data := func(s string) uint64 { return HashBytes([]byte(s)) }
	blank := raft.Entry[string]{Term: 2, Index: 5, Kind: raft.EntryBlank}
	assert.Equal(t, EntryRef{Index: 5, Term: 2, Digest: DigestBlank()}, RefOf(&blank, data))
	normal := raft.Entry[string]{Term: 2, Index: 6, Kind: raft.EntryNormal, Data: "x"}
	assert.Equal(t, DigestNormal(data("x")), RefOf(&normal, data).Digest)
	m := raft.NewMembership(1, 2)
	cfg := raft.Entry[string]{Term: 2, Index: 7, Kind: raft.EntryConfigChange, Membership: &m}
	r := RefOf(&cfg, data)
	assert.Equal(t, DigestConfig(m), r.Digest)
	assert.Same(t, &m, r.Membership)
	ptr := raft.NewSnapshotPointer[string](8, 2, "snap-1", m)
	assert.Panics(t, func() { RefOf(&ptr, data) })
}

func TestOutgoingOf(t *testing.T) {
	m := raft.Message[string]{Type: raft.MsgAppResp, From: 2, To: 1, Term: 3, Index: 9, Reject: true, Commit: 4}
	assert.Equal(t, Outgoing{From: 2, To: 1, Type: raft.MsgAppResp, Term: 3, Index: 9, Reject: true}, OutgoingOf(&m))
}

func TestWatchConfigInitial(t *testing.T) {
	assert.NoError(t, WatchConfig{}.Validate())
	assert.Error(t, WatchConfig{Initial: raft.Membership{Members: []raft.NodeID{2, 1}}}.Validate())
	assert.Panics(t, func() { NewWatchConfig(WatchConfig{Initial: raft.Membership{Members: []raft.NodeID{0}}}) })

	// A cluster whose first entry is not a configuration commits by the
	// initial one, and cannot commit without it.
	run := func(cfg WatchConfig) *Violation {
		r := newRig(t, cfg, 1, 2, 3)
		r.elect(1, 1, 2)
		e := r.ent(1, 1)
		r.lead(1, e)
		r.replicate(1, 2, e)
		r.commit[1] = 1
		r.apply(1, 1)
		return r.observe(1)
	}
	require.Nil(t, run(WatchConfig{Initial: members3}))
	assert.Equal(t, InvalidObservation, run(WatchConfig{}).Invariant)
}
