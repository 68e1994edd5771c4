package harness

import (
	"fmt"
	"math/bits"
	"time"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// The healed-majority property. Raft promises progress to a majority of
// the configuration that can talk among itself and is left alone: its most
// up-to-date voter wins an election within a few randomized timeouts,
// stays leader while its heartbeats arrive, and commits what it is given
// once a quorum holds it. So, during the chaos phase:
//
//	When a set M of nodes has been, continuously for the bound B_lead, a
//	healthy majority (below), some node of M leads at some time within the
//	window; and a client command a leader in M accepted within the window
//	(Propose or Read returned nil) ends (applied, or dropped because the
//	leader lost leadership) within its bound B_cmd, unless the window ends
//	first.
//
// M is a healthy majority when:
//   - every node of M is up, not paused, not stopped, and its disk has had
//     no disk fault or slow-disk step since its last heal;
//   - every link between two nodes of M is not cut, not clogged, lossless,
//     of unlimited capacity (its latency may be anything bounded; duplicates
//     are harmless to Raft);
//   - every other node that is up is cut off from every node of M (so no
//     outsider can take part in an election: a flaky node winning and losing
//     leadership is not a bug), or down;
//   - M holds a quorum (of each half, when joint) of the configuration of
//     every non-pristine node of M, and has one: an uncommitted
//     configuration in some log of M can need nodes outside M, and then no
//     leader is owed (its holder may be the only electable node);
//   - the timing lets a leader keep its followers: HeartbeatInterval on the
//     slowest clock of M plus two round trips is below ElectionTimeoutMin on
//     the fastest one (else followers may time out under a live leader).
//
// The window restarts whenever M, its links' latencies, its nodes' clock
// rates or offsets, or the plan's drain change. It only exists in plans
// without capacity-limited links (their backlogs have no drain bound).
//
// The bounds are those of livebound.go, with the window's own latencies
// (the maximum delay of the links of M, the disks' maximum latencies) and
// every timer stretched by the slowest clock of M:
//
//	B_lead = drain + electionRounds x (ElectionTimeoutMax + 2 round trips) + ElectionTimeoutMax
//	B_cmd  = 2 x the catch-up work of M's slowest node toward the leader's last entry
//	         + HeartbeatInterval + 2 round trips (a read's confirming round)
//
// where drain is the longest a message sent before the window may still be
// in flight (planDrain, or the network's maximum delay).

// majorityWatch is the healed-majority window, if one is open.
type majorityWatch struct {
	active bool
	// members is M, by node index bit; sig what restarts the window.
	members uint64
	sig     majoritySig
	since   sim.Time
	bound   majorityBound
	// led: a node of M led within the window.
	led bool
	// pending are the commands leaders of M accepted in the window.
	pending []pendingCmd
	// Per node index: a disk step since the last heal.
	diskTouched []bool
	// clogUntil[from*n+to] mirrors the network's clogs between nodes.
	clogUntil []sim.Time
	// cfgIndex is each node's MembershipIndex when the window was last
	// evaluated: a member whose configuration changes re-evaluates it.
	cfgIndex []raft.Index
	// disabled says why the property is off for the whole run.
	disabled string
}

// majoritySig is what a window is valid for: its members, their links'
// maximum delay, their clocks' rates and offsets.
type majoritySig struct {
	members  uint64
	oneWay   time.Duration
	drift    [maxWatched]int64
	skew     [maxWatched]time.Duration
	ok       bool
	timingOK bool
}

// maxWatched bounds the nodes the window watches (Config allows 9).
const maxWatched = 16

type pendingCmd struct {
	node     int
	read     bool
	id       uint64
	accepted sim.Time
	deadline sim.Time
	why      string
}

// majorityBound is the window's bounds and their ingredients.
type majorityBound struct {
	oneWay, disk, read, rtt time.Duration
	stretch                 [2]int64 // the slowest clock: timers x stretch[0] / stretch[1]
	drain, elections        time.Duration
	heartbeat, etMinFast    time.Duration
}

func (b majorityBound) lead() time.Duration { return b.drain + b.elections }

func newMajorityWatch(nodes int) majorityWatch {
	return majorityWatch{diskTouched: make([]bool, nodes), clogUntil: make([]sim.Time, nodes*nodes), cfgIndex: make([]raft.Index, nodes)}
}

// availPlanChecks decides once, from the plan, whether the property can be
// checked at all.
func (w *World) availPlanChecks() {
	mw := &w.avail.majority
	switch {
	case len(w.nodes) > maxWatched:
		mw.disabled = "more nodes than the window watches"
	case w.cfg.Network.BytesPerSecond > 0:
		mw.disabled = "capacity-limited links"
	}
	for _, s := range w.cfg.Plan.Steps {
		if s.Kind == faults.Capacity {
			mw.disabled = "a capacity step: backlogs have no drain bound"
		}
	}
}

// availRecompute re-evaluates the window after anything that can change
// it: a fault step, a flap, a crash, restart, pause or resume, a
// configuration change of a member.
func (w *World) availRecompute() {
	mw := &w.avail.majority
	if mw.disabled != "" {
		return
	}
	if !w.chaos {
		w.closeWindow()
		return
	}
	sig := w.majorityNow()
	if !sig.ok || !sig.timingOK {
		w.closeWindow()
		return
	}
	if mw.active && sig == mw.sig {
		return
	}
	w.closeWindow()
	mw.active, mw.sig, mw.members, mw.since = true, sig, sig.members, w.kernel.Now()
	mw.bound = w.deriveMajorityBound(sig)
}

func (w *World) closeWindow() {
	mw := &w.avail.majority
	mw.active, mw.led, mw.pending = false, false, mw.pending[:0]
}

// healthy reports whether node n may belong to M.
func (w *World) healthy(n *node) bool {
	return n.up && !n.paused && n.raft != nil && n.raft.Err() == nil && !w.avail.majority.diskTouched[n.idx]
}

// linkGood reports whether the link a -> b (node indexes) delivers
// everything within a bounded delay.
func (w *World) linkGood(a, b int) bool {
	if w.net.Blocked(a, b) || w.avail.majority.clogUntil[a*len(w.nodes)+b] > w.kernel.Now() {
		return false
	}
	c := w.net.Link(a, b)
	return c.Loss.IsZero() && c.BytesPerSecond == 0
}

// majorityNow finds the largest healthy, mutually connected set of nodes
// (lowest indexes first among equals) and says whether it is a healthy
// majority.
func (w *World) majorityNow() majoritySig {
	var healthy uint64
	for _, n := range w.nodes {
		if w.healthy(n) {
			healthy |= 1 << uint(n.idx)
		}
	}
	best := uint64(0)
	for set := healthy; set != 0; set = (set - 1) & healthy {
		if bits.OnesCount64(set) > bits.OnesCount64(best) || (bits.OnesCount64(set) == bits.OnesCount64(best) && set < best) {
			if w.connected(set) {
				best = set
			}
		}
	}
	sig := majoritySig{members: best}
	if best == 0 || !w.outsidersCut(best) || !w.coversConfigs(best) {
		return sig
	}
	sig.ok = true
	for _, n := range w.nodes {
		if best&(1<<uint(n.idx)) == 0 {
			continue
		}
		sig.drift[n.idx], sig.skew[n.idx] = n.clock.drift, n.skew
		for _, o := range w.nodes {
			if o != n && best&(1<<uint(o.idx)) != 0 {
				sig.oneWay = max(sig.oneWay, w.net.Link(n.idx, o.idx).Latency.MaxDelay())
			}
		}
	}
	b := w.deriveMajorityBound(sig)
	sig.timingOK = b.heartbeat+2*b.rtt < b.etMinFast
	return sig
}

func (w *World) connected(set uint64) bool {
	for a := range w.nodes {
		for b := range w.nodes {
			if a != b && set&(1<<uint(a)) != 0 && set&(1<<uint(b)) != 0 && !w.linkGood(a, b) {
				return false
			}
		}
	}
	return true
}

// outsidersCut: every up node outside set reaches no node of set.
func (w *World) outsidersCut(set uint64) bool {
	for _, x := range w.nodes {
		if set&(1<<uint(x.idx)) != 0 || !x.up {
			continue
		}
		for _, m := range w.nodes {
			if set&(1<<uint(m.idx)) != 0 && !w.net.Blocked(x.idx, m.idx) {
				return false
			}
		}
	}
	return true
}

// coversConfigs: set holds a quorum of every non-pristine member's
// configuration, and there is one.
func (w *World) coversConfigs(set uint64) bool {
	in := func(id raft.NodeID) bool {
		i := int(id) - 1
		return i >= 0 && i < len(w.nodes) && set&(1<<uint(i)) != 0
	}
	seen := false
	for _, n := range w.nodes {
		if set&(1<<uint(n.idx)) == 0 || n.raft.Status().Pristine {
			continue
		}
		seen = true
		m, idx := n.raft.Membership()
		w.avail.majority.cfgIndex[n.idx] = idx
		if !quorumIn(m.Members, in) || (m.IsJoint() && !quorumIn(m.MembersAfterConsensus, in)) {
			return false
		}
	}
	return seen
}

func quorumIn(members []raft.NodeID, in func(raft.NodeID) bool) bool {
	k := 0
	for _, id := range members {
		if in(id) {
			k++
		}
	}
	return k >= len(members)/2+1
}

// deriveMajorityBound computes the window's bounds.
func (w *World) deriveMajorityBound(sig majoritySig) majorityBound {
	cfg := w.cfg
	b := majorityBound{oneWay: sig.oneWay, stretch: [2]int64{1, 1}}
	if cfg.Storage.UsesDevice() {
		d := cfg.Disk.Device
		b.disk = d.WriteLatency.MaxDelay() + d.SyncLatency.MaxDelay()
		b.read = d.ReadLatency.MaxDelay()
	}
	b.rtt = 2*b.oneWay + b.disk
	minDrift, maxDrift := int64(0), int64(0)
	for i := range w.nodes {
		if sig.members&(1<<uint(i)) != 0 {
			minDrift, maxDrift = min(minDrift, sig.drift[i]), max(maxDrift, sig.drift[i])
		}
	}
	// A local duration d takes d x ppm / (ppm + drift) of global time.
	b.stretch = [2]int64{ppm, ppm + minDrift}
	slow := func(d time.Duration) time.Duration { return time.Duration(ceilScale(int64(d), ppm, ppm+minDrift)) }
	etMax := slow(cfg.Raft.ElectionTimeoutMax)
	b.heartbeat = slow(cfg.Raft.HeartbeatInterval)
	b.etMinFast = time.Duration(scaleRate(int64(cfg.Raft.ElectionTimeoutMin), ppm, ppm+maxDrift))
	b.elections = electionRounds*(etMax+2*b.rtt) + etMax
	b.drain = max(cfg.Network.Latency.MaxDelay(), planDrain(cfg.Plan))
	return b
}

func (b majorityBound) String() string {
	return fmt.Sprintf("drain %v + elections %v (%d rounds x (ElectionTimeoutMax + 2 round trips) + ElectionTimeoutMax, timers x %d/%d for the slowest clock); "+
		"round trip %v = 2x%v one-way (the slowest link of M, at its maximum) + %v disk (write and sync at their maximum)",
		b.drain, b.elections, electionRounds, b.stretch[0], b.stretch[1], b.rtt, b.oneWay, b.disk)
}

// availMajorityObserve runs the leader half of the property after a step
// of n.
func (w *World) availMajorityObserve(n *node, st raft.Status) {
	mw := &w.avail.majority
	if !mw.active {
		return
	}
	member := mw.members&(1<<uint(n.idx)) != 0
	if member && n.raft.MembershipIndex() != mw.cfgIndex[n.idx] {
		if w.availRecompute(); !mw.active {
			return
		}
	}
	if st.Role == raft.Leader && member {
		mw.led = true
	}
	now := w.kernel.Now()
	if !mw.led && now.Sub(mw.since) > mw.bound.lead() {
		for _, o := range w.nodes {
			if mw.members&(1<<uint(o.idx)) != 0 && o.raft.Status().Role == raft.Leader {
				mw.led = true
				return
			}
		}
		w.failAvailability(CheckHealedMajority, fmt.Sprintf(
			"no node of %v led in the %v since it became a healthy majority (up, unpaused, healthy disks, lossless links among it, outsiders cut off, a quorum of its configurations); "+
				"bound %v: %v", w.memberIDs(mw.members), now.Sub(mw.since), mw.bound.lead(), mw.bound))
		return
	}
	for _, p := range mw.pending {
		if p.node == n.idx && now > p.deadline {
			w.failAvailability(CheckHealedMajority, fmt.Sprintf(
				"leader %v accepted a client %s at %v while %v was a healthy majority and has not finished it after %v; bound %v: %s; the window's %v",
				n.id, map[bool]string{true: "read", false: "command"}[p.read], p.accepted, w.memberIDs(mw.members), now.Sub(p.accepted),
				p.deadline.Sub(p.accepted), p.why, mw.bound))
			return
		}
	}
}

// availAccepted notes a client command leader n accepted.
func (w *World) availAccepted(n *node, read bool, id uint64) {
	mw := &w.avail.majority
	if !mw.active || mw.members&(1<<uint(n.idx)) == 0 {
		return
	}
	b := mw.bound
	var healed []*node
	for _, o := range w.nodes {
		if mw.members&(1<<uint(o.idx)) != 0 {
			healed = append(healed, o)
		}
	}
	c := w.clusterOf(healed, uint64(len(w.clients)+2))
	lb := livenessBound{oneWay: b.oneWay, disk: b.disk, rtt: b.rtt, read: b.read}
	slowest := catchUpWork{}
	for _, o := range healed {
		if work := c.catchUpOf(o, w.cfg.Raft, lb); work.time > slowest.time || slowest.node == raft.None {
			slowest = work
		}
	}
	d := 2*slowest.time + b.heartbeat + 2*b.rtt
	now := w.kernel.Now()
	why := fmt.Sprintf("2 x catch-up %v (%v: %d entries in %d appends over %d round trips, %d probes, %d snapshot chunks) + heartbeat %v + 2 round trips",
		slowest.time, slowest.node, slowest.entries, slowest.appends, slowest.rounds, slowest.probes, slowest.chunks, b.heartbeat)
	mw.pending = append(mw.pending, pendingCmd{node: n.idx, read: read, id: id, accepted: now, deadline: now.Add(d), why: why})
}

// availEnded notes that a command of n ended (answered, dropped, failed).
func (w *World) availEnded(n *node, read bool, id uint64) {
	mw := &w.avail.majority
	for i, p := range mw.pending {
		if p.node == n.idx && p.read == read && p.id == id {
			mw.pending = append(mw.pending[:i], mw.pending[i+1:]...)
			return
		}
	}
}

// availNodeChanged drops what a crashed or stopped node accepted and
// re-evaluates the window.
func (w *World) availNodeChanged(n *node) {
	mw := &w.avail.majority
	k := 0
	for _, p := range mw.pending {
		if p.node != n.idx || n.up {
			mw.pending[k] = p
			k++
		}
	}
	mw.pending = mw.pending[:k]
	w.availRecompute()
}

func (w *World) memberIDs(set uint64) []raft.NodeID {
	var ids []raft.NodeID
	for _, n := range w.nodes {
		if set&(1<<uint(n.idx)) != 0 {
			ids = append(ids, n.id)
		}
	}
	return ids
}

// availClogged mirrors a clog of the link a -> b (node indexes), which the
// network does not report.
func (w *World) availClogged(a, b int, until sim.Time) {
	mw := &w.avail.majority
	if a < len(w.nodes) && b < len(w.nodes) {
		mw.clogUntil[a*len(w.nodes)+b] = max(mw.clogUntil[a*len(w.nodes)+b], until)
	}
}

// clusterOf is clusterAtHeal without the cost of sizing every state
// machine at every accepted command: the state's size matters only when
// some node may need a snapshot (the same condition as catchUpOf's).
func (w *World) clusterOf(nodes []*node, extra uint64) healCluster {
	c := healCluster{extra: extra}
	minCommit := ^raft.Index(0)
	for _, o := range nodes {
		st := o.raft.Status()
		c.maxLast, c.maxCommit, c.maxSnap = max(c.maxLast, st.Last.Index), max(c.maxCommit, st.Commit), max(c.maxSnap, st.SnapshotIndex)
		c.maxTerm = max(c.maxTerm, st.Last.Term)
		minCommit = min(minCommit, st.Commit)
	}
	rc := w.cfg.Raft
	snapAt := uint64(c.maxSnap)
	if uint64(c.maxCommit)+extra >= uint64(c.maxSnap)+rc.SnapshotThreshold {
		snapAt = uint64(c.maxCommit) + extra
	}
	if rc.SnapshotThreshold > 0 && uint64(minCommit) < snapAt {
		for _, o := range nodes {
			if data, err := o.kv.Snapshot(); err == nil {
				c.stateBytes = max(c.stateBytes, uint64(len(data)))
			}
		}
	}
	return c
}
