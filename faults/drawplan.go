package faults

import (
	"fmt"
	"slices"
	"time"

	"github.com/raftsim/raftsim/sim"
)

// DrawPlan draws a random plan for a chaos phase of length chaos from the
// shape: every step is at a time in (0, chaos), the plan is valid for
// s.Nodes nodes, and it stays within s.Budget. Each fault family draws on
// its own stream, split from r up front (one value per family), so changing
// one family's rates does not move another family's faults. Panics if s is
// invalid or chaos is not positive.
//
// Families run side by side: crashes and pauses may overlap each other and
// everything else; cuts come one at a time, each ended by a heal; link
// faults one at a time, each ended by a reset-links (a clog ends by
// itself); disk windows one at a time, each ended by a disk-heal;
// membership changes one at a time, a removed node added back after a
// while. A fault whose end would fall at or after chaos is left for the
// liveness phase to end.
func (s Shape) DrawPlan(r *sim.Rand, chaos time.Duration) Plan {
	if err := s.Validate(); err != nil {
		panic(fmt.Sprintf("faults: DrawPlan: %v", err))
	}
	if chaos <= 0 {
		panic(fmt.Sprintf("faults: DrawPlan: chaos %v must be positive", chaos))
	}
	var streams [7]*sim.Rand
	for i := range streams {
		streams[i] = sim.NewRand(r.Uint64())
	}
	l := lane{s: s, chaos: chaos}
	l.r = drawer{streams[0]}
	l.cuts()
	l.r = drawer{streams[1]}
	l.links()
	l.r = drawer{streams[2]}
	l.nodeFaults(s.Crash, Crash, Restart)
	l.r = drawer{streams[3]}
	l.nodeFaults(s.Pause, Pause, Resume)
	l.r = drawer{streams[4]}
	l.clock()
	l.r = drawer{streams[5]}
	damaged := l.disk()
	l.r = drawer{streams[6]}
	l.membership(damaged)
	slices.SortStableFunc(l.steps, func(a, b Step) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
	return Plan{Steps: l.steps}
}

// lane draws one family's steps into a shared list.
type lane struct {
	s     Shape
	chaos time.Duration
	r     drawer
	steps []Step
}

// add appends st if it falls within the chaos phase and its kind is on.
func (l *lane) add(st Step) {
	if st.At < l.chaos && !l.s.off(st.Kind) {
		l.steps = append(l.steps, st)
	}
}

// nodeFaults draws crashes (undone by restart) or pauses (by resume).
func (l *lane) nodeFaults(f NodeFaultShape, fault, undo Kind) {
	if f.Every == 0 || l.s.off(fault) {
		return
	}
	for t := l.r.gap(f.Every); t < l.chaos; t += l.r.gap(f.Every) {
		leader, id, d := l.r.r.Chance(f.Leader), l.r.node(l.s.Nodes), l.r.lasting(f.For)
		separate := l.r.r.Chance(f.Undo) && !l.s.off(undo)
		switch {
		case leader:
			l.add(Step{At: t, Kind: fault, Node: Leader, For: d})
		case separate:
			l.add(Step{At: t, Kind: fault, Node: NodeRef(id)})
			l.add(Step{At: t + d, Kind: undo, Node: NodeRef(id)})
		default:
			l.add(Step{At: t, Kind: fault, Node: NodeRef(id), For: d})
		}
	}
}

// cuts draws partitions of every enabled mode, one at a time.
func (l *lane) cuts() {
	c := l.s.Cuts
	modes := l.cutModes()
	if c.Every == 0 || sum(modes) == 0 {
		return
	}
	for t := l.r.gap(c.Every); t < l.chaos; {
		d := l.r.lasting(c.For)
		st := l.cut(pick(l.r, modes))
		st.At = t
		l.add(st)
		l.add(Step{At: t + d, Kind: Heal})
		t += d + l.r.gap(c.Every)
	}
}

// Cut modes, in CutWeights order.
const (
	modePartition = iota
	modeOneWay
	modeIsolate
	modeIsolateLeader
	modeSplit
	modeBridge
	modeFlap
)

// cutModes returns the weights of the modes this cluster can have.
func (l *lane) cutModes() []int {
	w, n := l.s.Cuts.Weights, l.s.Nodes
	modes := []int{w.Partition, w.OneWay, w.Isolate, w.IsolateLeader, w.Split, w.Bridge, w.Flap}
	kinds := []Kind{Partition, PartitionOneWay, Isolate, Isolate, Split, Bridge, Flap}
	for i, k := range kinds {
		if n < 2 || (n < 3 && (i == modeSplit || i == modeBridge)) || l.s.off(k) {
			modes[i] = 0
		}
	}
	return modes
}

// pick draws an index with probability proportional to its weight (one
// value); the weights must add up to more than 0.
func pick(d drawer, weights []int) int {
	x := d.intIn(0, sum(weights)-1)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	panic("faults: pick: weights add up to 0")
}

// cut draws one cut of the given mode, without its time.
func (l *lane) cut(mode int) Step {
	n := l.s.Nodes
	p := l.r.perm(n)
	switch mode {
	case modePartition, modeFlap:
		groups := 2
		if n >= 3 && mode == modePartition && l.r.coin() {
			groups = 3
		}
		st := Step{Kind: Partition, Groups: l.groups(p, groups)}
		if mode == modeFlap {
			st.Kind, st.Interval = Flap, l.s.Cuts.FlapInterval
		}
		return st
	case modeOneWay:
		a := l.r.intIn(1, n-1)
		b := l.r.intIn(1, n-a)
		return Step{Kind: PartitionOneWay, From: sorted(p[:a]), To: sorted(p[a : a+b])}
	case modeIsolate:
		return Step{Kind: Isolate, Node: NodeRef(p[0])}
	case modeIsolateLeader:
		return Step{Kind: Isolate, Node: Leader}
	case modeSplit:
		return Step{Kind: Split, Nodes: DrawMinority(l.r.r, n)}
	}
	side := l.r.intIn(1, n-2) // bridge: p[0] sees both sides
	return Step{Kind: Bridge, Node: NodeRef(p[0]), Groups: [][]int{sorted(p[1 : 1+side]), sorted(p[1+side:])}}
}

// groups cuts the order p into k non-empty groups at random points.
func (l *lane) groups(p []int, k int) [][]int {
	n := len(p)
	first := l.r.intIn(1, n-k+1)
	if k == 2 {
		return [][]int{sorted(p[:first]), sorted(p[first:])}
	}
	second := l.r.intIn(first+1, n-1)
	return [][]int{sorted(p[:first]), sorted(p[first:second]), sorted(p[second:])}
}

// links draws link, capacity and clog faults, one at a time.
func (l *lane) links() {
	ls := l.s.Links
	if ls.Every == 0 {
		return
	}
	weights := []int{ls.Weights.Link, ls.Weights.Capacity, ls.Weights.Clog}
	for t := l.r.gap(ls.Every); t < l.chaos; {
		d := l.r.lasting(ls.For)
		st := Step{At: t}
		l.linkScope(&st)
		switch pick(l.r, weights) {
		case 0:
			st.Kind = Link
			l.linkChanges(&st)
		case 1:
			st.Kind, st.BytesPerSecond = Capacity, ls.BytesPerSecond
		default:
			st.Kind, st.For = Clog, d
		}
		l.add(st)
		if st.Kind != Clog {
			l.add(Step{At: t + d, Kind: ResetLinks})
		}
		t += d + l.r.gap(ls.Every)
	}
}

// linkScope draws which links a link fault touches (7 values): the
// client links (LinkShape.Clients: one node's, the leader's or every
// node's replies, or the requests to them), the leader's links one way
// (LinkShape.Leader: every peer -> leader, or leader -> every peer), or
// else all node links, one node's outgoing or incoming links, or one link.
func (l *lane) linkScope(st *Step) {
	scope, a, b := l.r.intIn(0, 3), l.r.node(l.s.Nodes), l.r.node(l.s.Nodes)
	ls := l.s.Links
	clients, leader, inbound := chance(l.r, ls.Clients), chance(l.r, ls.Leader), l.r.coin()
	switch {
	case clients:
		st.Clients = ClientReplies
		if inbound {
			st.Clients = ClientRequests
		}
		switch scope {
		case 1:
			st.Node = NodeRef(a)
		case 2, 3:
			st.Node = Leader
		}
	case leader:
		st.Node = Leader
		if inbound {
			st.From = allIDs(l.s.Nodes)
		} else {
			st.To = allIDs(l.s.Nodes)
		}
	case scope == 1:
		st.From = []int{a}
	case scope == 2:
		st.To = []int{a}
	case scope == 3 && a != b:
		st.From, st.To = []int{a}, []int{b}
	}
}

// chance draws one value: true with probability r, never when r is unset.
func chance(d drawer, r sim.Ratio) bool {
	if r == (sim.Ratio{}) {
		d.r.Uint64()
		return false
	}
	return d.r.Chance(r)
}

// allIDs is 1..n.
func allIDs(n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i + 1
	}
	return ids
}

// linkChanges sets a random non-empty subset of the shape's link changes.
func (l *lane) linkChanges(st *Step) {
	ls := l.s.Links
	lat, loss, dup := l.r.coin(), l.r.coin(), l.r.coin()
	if lat || !(loss || dup) {
		st.Latency = ls.Latency
	}
	if loss {
		st.Loss = ls.Loss
	}
	if dup {
		st.Duplicate = ls.Duplicate
	}
	if st.Latency == (sim.Dist{}) && st.Loss == (sim.Ratio{}) && st.Duplicate == (sim.Ratio{}) {
		// The drawn subset was all unset in the shape: use what is set.
		st.Latency, st.Loss, st.Duplicate = ls.Latency, ls.Loss, ls.Duplicate
	}
}

// clock draws skews, jumps and drifts. Skews only move a clock forward
// under the survivable budget; offset tracks each node's offset from above
// as WithinBudget does.
func (l *lane) clock() {
	c := l.s.Clock
	var kinds []Kind
	for _, k := range []struct {
		kind Kind
		on   bool
	}{{ClockSkew, c.SkewMax > 0}, {ClockJump, c.JumpMax > 0}, {ClockDrift, c.DriftMaxPPM > 0}} {
		if k.on && !l.s.off(k.kind) {
			kinds = append(kinds, k.kind)
		}
	}
	if c.Every == 0 || len(kinds) == 0 {
		return
	}
	offset := make([]time.Duration, l.s.Nodes+1)
	for t := l.r.gap(c.Every); t < l.chaos; t += l.r.gap(c.Every) {
		kind := kinds[l.r.intIn(0, len(kinds)-1)]
		id, leader := l.r.node(l.s.Nodes), l.r.r.Chance(sim.OneIn(4))
		st := Step{At: t, Kind: kind, Node: NodeRef(id)}
		switch kind {
		case ClockSkew:
			lo := time.Duration(0)
			if l.s.Budget == Unbounded {
				lo = -c.SkewMax
			}
			offset[id] += l.r.durIn(lo, c.SkewMax)
			st.Offset = offset[id]
		case ClockJump:
			st.Offset = l.r.durIn(max(c.JumpMax/10, 1), c.JumpMax)
			if leader {
				st.Node = Leader
			}
			for i := range offset {
				if leader || i == id {
					offset[i] += st.Offset
				}
			}
		case ClockDrift:
			st.PPM = l.r.r.Int64Range(-c.DriftMaxPPM, c.DriftMaxPPM)
			if leader {
				st.Node = Leader
			}
		}
		l.add(st)
	}
}

// disk draws disk fault and slowness windows, one at a time. It returns
// the damaged nodes: the only ones that get the damaging rates.
func (l *lane) disk() []bool {
	ds := l.s.Disk
	damaged := make([]bool, l.s.Nodes+1)
	for _, id := range l.r.perm(l.s.Nodes)[:ds.Damaged] {
		damaged[id] = true
	}
	noRates := ds.Rates == (DiskRates{CrashPolicy: ds.Rates.CrashPolicy}) || l.s.off(DiskFaults)
	noSlow := ds.Slow == (sim.Dist{}) || l.s.off(DiskSlow)
	if ds.Every == 0 || (noRates && noSlow) {
		return damaged
	}
	for t := l.r.gap(ds.Every); t < l.chaos; {
		d, id, slow := l.r.lasting(ds.For), l.r.node(l.s.Nodes), l.r.coin()
		st := Step{At: t, Node: NodeRef(id)}
		if noRates || (slow && !noSlow) {
			st.Kind, st.Latency = DiskSlow, ds.Slow
		} else {
			st.Kind, st.Disk = DiskFaults, ds.Rates
			if !damaged[id] {
				st.Disk.Corrupt, st.Disk.LatentSector = sim.Ratio{}, sim.Ratio{}
			}
		}
		l.add(st)
		l.add(Step{At: t + d, Kind: DiskHeal, Node: NodeRef(id)})
		t += d + l.r.gap(ds.Every)
	}
	return damaged
}

// membership draws removals (each followed by the node's return) and
// leadership transfers, one at a time. Under the survivable budget a
// removal is drawn only among nodes whose removal keeps the damaged nodes
// fewer than the healthy voters that are never removed.
func (l *lane) membership(damaged []bool) {
	m := l.s.Membership
	if m.Every == 0 {
		return
	}
	e := exposure{damaged: damaged, removed: make([]bool, l.s.Nodes+1)}
	for t := l.r.gap(m.Every); t < l.chaos; {
		d, id, transfer, anyVoter := l.r.lasting(m.For), l.r.node(l.s.Nodes), l.r.r.Chance(m.Transfer), l.r.coin()
		if transfer || l.s.off(RemoveMember) {
			st := Step{At: t, Kind: TransferLeader, Node: NodeRef(id)}
			if anyVoter {
				st.Node = AnyVoter
			}
			l.add(st)
			t += l.r.gap(m.Every)
			continue
		}
		candidates := l.removable(&e)
		if len(candidates) == 0 {
			t += l.r.gap(m.Every)
			continue
		}
		if !slices.Contains(candidates, id) {
			id = candidates[l.r.intIn(0, len(candidates)-1)]
		}
		e.removed[id] = true
		l.add(Step{At: t, Kind: RemoveMember, Node: NodeRef(id)})
		l.add(Step{At: t + d, Kind: AddMember, Node: NodeRef(id)})
		t += d + l.r.gap(m.Every)
	}
}

// removable lists the nodes whose removal keeps the plan within its
// budget: under Survivable, the damage rule; under Unbounded, at least one
// voter never removed.
func (l *lane) removable(e *exposure) []int {
	var out []int
	for id := 1; id <= l.s.Nodes; id++ {
		was := e.removed[id]
		e.removed[id] = true
		lost, sure := e.counts(nil)
		if l.s.Budget == Unbounded {
			lost, sure = 0, l.s.Nodes-len(e.ids(e.removed))
		}
		if lost < sure {
			out = append(out, id)
		}
		e.removed[id] = was
	}
	return out
}
