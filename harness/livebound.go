package harness

import (
	"fmt"
	"strings"
	"time"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// The liveness bound is derived at the heal from the work that remains, so
// that a run with a long way to go (a follower thousands of entries behind,
// a large snapshot in small chunks) is given the time that work takes, and
// a run with little to do is not given minutes to hide a stuck election.
// Every term is a bound on one kind of work at the pace the healed cluster
// allows: links reliable with the scenario's latency (no loss, no
// duplication, no capacity limit), disks with their own latency and no
// faults. The terms add up; the catch-up term, where the estimate is least
// exact, is doubled.
//
//	elections  electionRounds x (ElectionTimeoutMax + 2 round trips) + ElectionTimeoutMax
//	           (split votes, each round a pre-vote and a vote; one more timeout for a
//	           check-quorum lease or a deposed leader to lapse)
//	membership 2 round trips (a joint configuration in flight commits its second half)
//	catch-up   2 x the slowest node's work: entries in AppendEntries of MaxEntriesPerAppend,
//	           MaxInflightAppends in flight per round trip, one disk write per append; probes
//	           for a conflicting suffix; snapshots in chunks of SnapshotChunkSize, one chunk per
//	           round trip
//	clients    a client pending at the heal tries every node once (a timeout each), backs
//	           off, and its command commits (a round trip)
//	drain      the longest a message sent during the chaos phase can still be on its way
//
// A round trip is two maximum one-way delays and a disk write and sync at
// the receiver. Disk and link latencies count their body's maximum, plus a
// long tail's expected share: the bound covers many operations, and the
// doubling of the catch-up covers their spread.

// electionRounds is how many election rounds the bound allows: with
// randomized timeouts a split vote repeats with a probability well under
// one half per round.
const electionRounds = 10

// snapshotOverhead covers what a snapshot holds besides the state machine
// (its configuration, the store's framing).
const snapshotOverhead = 1 << 10

// livenessBound is the time the healed cluster has to converge, and how it
// was derived.
type livenessBound struct {
	// fixed is Config.LivenessBound, when set: the bound, not derived.
	fixed time.Duration
	// oneWay is a message's one-way delay, disk a write and sync, rtt a
	// round trip (2 oneWay + disk), read a storage read.
	oneWay, disk, rtt, read time.Duration

	elections, membership, catchUp, clients, drain time.Duration
	// slowest is the node with the most catch-up work.
	slowest catchUpWork
}

// catchUpWork is what one healed node may have to receive.
type catchUpWork struct {
	node raft.NodeID
	// entries it may have to receive (from its commit index to the
	// longest log, plus the entries the liveness phase itself appends),
	// in appends messages over rounds round trips.
	entries, appends, rounds uint64
	// probes are round trips to find where its log matches the leader's.
	probes uint64
	// snapshots it may have to take, each of snapBytes in chunks chunks.
	snapshots, snapBytes, chunks uint64
	time                         time.Duration
}

// total is the bound.
func (b livenessBound) total() time.Duration {
	if b.fixed > 0 {
		return b.fixed
	}
	return b.elections + b.membership + 2*b.catchUp + b.clients + b.drain
}

// String states the bound and its derivation, for failure messages.
func (b livenessBound) String() string {
	if b.fixed > 0 {
		return fmt.Sprintf("bound %v, set by the config's livenessBound", b.fixed)
	}
	s := b.slowest
	var work []string
	if s.entries > 0 {
		work = append(work, fmt.Sprintf("%d entries in %d appends over %d round trips", s.entries, s.appends, s.rounds))
	}
	if s.probes > 0 {
		work = append(work, fmt.Sprintf("%d probes", s.probes))
	}
	if s.snapshots > 0 {
		work = append(work, fmt.Sprintf("%d snapshots of up to %d B in %d chunks", s.snapshots, s.snapBytes, s.chunks))
	}
	if len(work) == 0 {
		work = append(work, "nothing")
	}
	return fmt.Sprintf("bound %v derived at the heal: elections %v + membership %v + catch-up 2x%v (%v: %s) + clients %v + drain %v; "+
		"round trip %v = 2x%v one-way (no loss after the heal) + %v disk",
		b.total(), b.elections, b.membership, b.catchUp, s.node, strings.Join(work, ", "), b.clients, b.drain,
		b.rtt, b.oneWay, b.disk)
}

// deriveLivenessBound computes the bound for the healed nodes as they are
// at the heal.
func (w *World) deriveLivenessBound(healed []*node) livenessBound {
	cfg := w.cfg
	b := livenessBound{fixed: cfg.LivenessBound, oneWay: paceOf(cfg.Network.Latency)}
	if cfg.Storage == StorageDisk {
		d := cfg.Disk.Device
		b.disk = paceOf(d.WriteLatency) + paceOf(d.SyncLatency)
		b.read = paceOf(d.ReadLatency)
	}
	b.rtt = 2*b.oneWay + b.disk
	rc := cfg.Raft
	b.elections = electionRounds*(rc.ElectionTimeoutMax+2*b.rtt) + rc.ElectionTimeoutMax
	b.membership = 2 * b.rtt
	nodes := time.Duration(len(w.nodes))
	b.clients = nodes*cfg.Workload.Timeout + noLeaderBackoff + b.rtt
	b.drain = planDrain(cfg.Plan)
	c := clusterAtHeal(healed, uint64(len(w.clients)+2))
	for _, n := range healed {
		if work := c.catchUpOf(n, rc, b); work.time > b.catchUp || b.slowest.node == raft.None {
			b.catchUp, b.slowest = work.time, work
		}
	}
	return b
}

// healCluster is what the healed nodes hold at the heal, taken together:
// the most any of them could become leader with.
type healCluster struct {
	maxLast, maxCommit, maxSnap raft.Index
	maxTerm                     raft.Term
	stateBytes                  uint64
	// extra counts the entries the liveness phase itself may append: the
	// commands still pending, a leader's no-op, a configuration's second
	// half.
	extra uint64
}

func clusterAtHeal(healed []*node, extra uint64) healCluster {
	c := healCluster{extra: extra}
	for _, o := range healed {
		st := o.raft.Status()
		c.maxLast, c.maxCommit, c.maxSnap = max(c.maxLast, st.Last.Index), max(c.maxCommit, st.Commit), max(c.maxSnap, st.SnapshotIndex)
		c.maxTerm = max(c.maxTerm, st.Last.Term)
		if data, err := o.kv.Snapshot(); err == nil {
			c.stateBytes = max(c.stateBytes, uint64(len(data)))
		}
	}
	return c
}

// catchUpOf bounds the work node n may have left to catch up with
// whichever healed node leads.
func (c healCluster) catchUpOf(n *node, rc raft.Config, b livenessBound) catchUpWork {
	maxLast, maxCommit, maxSnap, maxTerm, extra := c.maxLast, c.maxCommit, c.maxSnap, c.maxTerm, c.extra
	st := n.raft.Status()
	work := catchUpWork{node: n.id}
	target := uint64(maxLast) + extra
	work.entries = target - min(uint64(st.Commit), target)
	e, inflight := uint64(rc.MaxEntriesPerAppend), uint64(rc.MaxInflightAppends)
	work.appends = ceilDiv(work.entries, e)
	work.rounds = ceilDiv(work.appends, inflight)
	// Fast backtracking skips a term per probe, on either side: at most
	// two per uncommitted entry and per term.
	work.probes = 2*min(uint64(st.Last.Index-min(st.Last.Index, st.Commit)), uint64(maxTerm)) + 2
	if rc.SnapshotThreshold > 0 {
		// A leader may compact again by applying what is committed and what
		// the liveness phase appends; then every node behind the new
		// snapshot needs it.
		further := uint64(maxCommit)+extra >= uint64(maxSnap)+rc.SnapshotThreshold
		snapAt := uint64(maxSnap)
		if further {
			snapAt = uint64(maxCommit) + extra
		}
		if uint64(st.Commit) < snapAt {
			// One may be under way from before the heal, stale by the time
			// it lands; then the current one; then one taken since.
			work.snapshots = 2
			if further {
				work.snapshots++
			}
			work.snapBytes = c.stateBytes + extra*maxCommandBytes + snapshotOverhead
			work.chunks = work.snapshots * ceilDiv(work.snapBytes, uint64(rc.SnapshotChunkSize))
		}
	}
	type d = time.Duration
	work.time = d(work.rounds+work.probes)*b.rtt + d(work.appends)*(b.disk+b.read) +
		d(work.chunks)*b.rtt + d(work.snapshots)*(4*b.disk+b.read)
	return work
}

// maxCommandBytes bounds a drawn command's effect on a state machine's
// size: a key, a value, and a session entry.
const maxCommandBytes = 64

// paceOf is the latency a bound counts per operation for d: the body's
// maximum, plus a long tail's expected share (its maximum times its
// probability, in integer arithmetic).
func paceOf(d sim.Dist) time.Duration {
	if d.Kind == sim.Fixed {
		return d.Min
	}
	pace := d.Max
	if d.Kind == sim.LongTail && !d.Tail.IsZero() && d.Tail.Den > 0 {
		pace += d.TailMax / time.Duration(d.Tail.Den) * time.Duration(d.Tail.Num)
	}
	return pace
}

// planDrain is the longest a message sent during the chaos phase may still
// be in flight after the heal: the slowest latency a link step set, or a
// clog's length.
func planDrain(p faults.Plan) time.Duration {
	var drain time.Duration
	for _, s := range p.Steps {
		switch s.Kind {
		case faults.Link:
			if s.Latency != (sim.Dist{}) {
				drain = max(drain, s.Latency.MaxDelay())
			}
		case faults.Clog:
			drain = max(drain, s.For)
		}
	}
	return drain
}

func ceilDiv(a, b uint64) uint64 {
	if b == 0 {
		return a
	}
	return (a + b - 1) / b
}
