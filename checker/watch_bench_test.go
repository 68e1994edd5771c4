package checker

import (
	"testing"

	"github.com/raftsim/raftsim/raft"
)

// benchCluster feeds a Watch what a 3-node cluster in steady state makes
// the host and the storage wrappers report, one committed entry per round,
// in the order the core does it: the leader appends and sends; each
// follower writes the entry, applies what the append's commit index
// covers, acknowledges and is observed; the leader commits and applies on
// the first acknowledgement. Every node compacts every compactEvery
// entries, as SnapshotThreshold would.
type benchCluster struct {
	b    *testing.B
	w    *Watch
	st   [4]raft.Status
	buf  [1]EntryRef
	last raft.Index
	obs  int // observations made
}

const compactEvery = 1024

func (c *benchCluster) ok(v *Violation) {
	c.obs++
	if v != nil {
		c.b.Fatal(v)
	}
}

func benchRef(i raft.Index) EntryRef {
	return EntryRef{Index: i, Term: 1, Digest: DigestNormal(uint64(i))}
}

func newBenchCluster(b *testing.B, cfg WatchConfig) *benchCluster {
	c := &benchCluster{b: b, w: NewWatchConfig(cfg)}
	for id := raft.NodeID(1); id <= 3; id++ {
		c.st[id] = raft.Status{ID: id}
		c.ok(c.w.Started(c.st[id]))
	}
	hs := raft.HardState{CurrentTerm: 1, VotedFor: 1}
	for id := raft.NodeID(1); id <= 3; id++ {
		c.ok(c.w.SavedHardState(id, hs))
		c.ok(c.w.Synced(id))
		c.st[id].Term, c.st[id].Vote = 1, 1
	}
	c.ok(c.w.Sent(Outgoing{From: 1, To: 2, Type: raft.MsgVote, Term: 1}))
	c.ok(c.w.Sent(Outgoing{From: 2, To: 1, Type: raft.MsgVoteResp, Term: 1}))
	c.st[1].Role = raft.Leader
	m := raft.NewMembership(1, 2, 3)
	cfg1 := EntryRef{Index: 1, Term: 1, Digest: DigestConfig(m), Membership: &m}
	c.ok(c.w.Appended(1, cfg1))
	c.ok(c.w.Synced(1))
	for id := raft.NodeID(2); id <= 3; id++ {
		c.ok(c.w.Replicated(id, []EntryRef{cfg1}))
		c.ok(c.w.Synced(id))
		c.st[id].Last = cfg1.ID()
		c.ok(c.w.Observe(c.st[id]))
	}
	c.st[1].Last, c.st[1].Commit, c.st[1].Applied = cfg1.ID(), 1, 1
	c.ok(c.w.AppliedEntry(1, cfg1))
	c.ok(c.w.Observe(c.st[1]))
	for id := raft.NodeID(2); id <= 3; id++ {
		c.ok(c.w.AppliedEntry(id, cfg1))
		c.st[id].Commit, c.st[id].Applied = 1, 1
		c.ok(c.w.Observe(c.st[id]))
	}
	c.last = 1
	return c
}

// round commits one entry: 14 observations (16 with lagging durability).
func (c *benchCluster) round(lagging bool) {
	w := c.w
	i := c.last + 1
	e := benchRef(i)
	id := raft.EntryID{Term: 1, Index: i}
	commit := c.st[1].Commit

	c.ok(w.Appended(1, e))
	if lagging {
		c.ok(w.Synced(1))
	}
	c.st[1].Last = id
	c.ok(w.Sent(Outgoing{From: 1, To: 2, Type: raft.MsgApp, Term: 1, Index: i - 1}))
	c.ok(w.Sent(Outgoing{From: 1, To: 3, Type: raft.MsgApp, Term: 1, Index: i - 1}))
	c.ok(w.Observe(c.st[1]))

	for f := raft.NodeID(2); f <= 3; f++ {
		st := &c.st[f]
		c.buf[0] = e
		c.ok(w.Replicated(f, c.buf[:]))
		if lagging && f == 2 {
			c.ok(w.Synced(f))
		}
		st.Last = id
		for st.Applied < commit {
			st.Applied++
			c.ok(w.AppliedEntry(f, benchRef(st.Applied)))
		}
		st.Commit = commit
		if lagging && f == 3 {
			c.ok(w.Synced(f))
		}
		c.ok(w.Sent(Outgoing{From: f, To: 1, Type: raft.MsgAppResp, Term: 1, Index: i}))
		c.ok(w.Observe(*st))
		if f == 2 {
			c.ok(w.AppliedEntry(1, e))
			c.st[1].Commit, c.st[1].Applied = i, i
		}
		c.ok(w.Observe(c.st[1]))
	}
	c.last = i
	if i%compactEvery == 0 {
		for n := raft.NodeID(1); n <= 3; n++ {
			a := c.st[n].Applied
			c.ok(w.Compacted(n, a, raft.EntryID{Term: 1, Index: a}))
			c.st[n].SnapshotIndex = a
		}
	}
}

// BenchmarkWatch measures the Watch on the hot path: ns/obs is the cost of
// one observation (a storage write, an apply, a message or a status),
// averaged over a steady stream of appends, commits and applies.
func BenchmarkWatch(b *testing.B) {
	for _, mode := range []struct {
		name string
		cfg  WatchConfig
	}{{"memory", WatchConfig{}}, {"lagging", WatchConfig{LaggingDurability: true}}} {
		b.Run(mode.name, func(b *testing.B) {
			c := newBenchCluster(b, mode.cfg)
			b.ReportAllocs()
			b.ResetTimer()
			c.obs = 0
			for range b.N {
				c.round(mode.cfg.LaggingDurability)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(c.obs), "ns/obs")
			b.ReportMetric(float64(c.obs)/float64(b.N), "obs/op")
		})
	}
}
