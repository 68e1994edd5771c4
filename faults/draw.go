package faults

import (
	"fmt"
	"slices"
	"time"

	"github.com/raftsim/raftsim/sim"
)

// half is the swarm-testing coin: each feature of a shape is on with
// probability 1/2, as in Groce et al., "Swarm Testing" (ISSTA 2012), so that
// a campaign runs many seeds where a feature that masks a bug is absent.
var half = sim.Ratio{Num: 1, Den: 2}

// drawer wraps a stream with the few draws shapes and plans need. Each
// method draws a fixed number of values whatever the outcome, so that a
// feature switched off does not shift the draws after it.
type drawer struct{ r *sim.Rand }

// coin draws one value.
func (d drawer) coin() bool { return d.r.Chance(half) }

// intIn draws one value in [lo, hi].
func (d drawer) intIn(lo, hi int) int { return int(d.r.Int64Range(int64(lo), int64(hi))) }

// durIn draws one value in [lo, hi], in whole milliseconds when the range
// holds one, so that shapes and plans print as people write them ("1.25s",
// not "1.249731882s").
func (d drawer) durIn(lo, hi time.Duration) time.Duration {
	const ms = time.Millisecond
	loMs, hiMs := (lo+ms-1)/ms, hi/ms
	if lo < 0 || loMs > hiMs {
		return d.r.Duration(lo, hi)
	}
	return d.r.Duration(loMs, hiMs) * ms
}

// ratioIn draws one ratio num/den with num in [lo, hi].
func (d drawer) ratioIn(lo, hi, den uint32) sim.Ratio {
	return sim.Ratio{Num: uint32(d.intIn(int(lo), int(hi))), Den: den}
}

// maybeRatio draws two values: a coin, then a ratio; off is what it returns
// when the coin says no.
func (d drawer) maybeRatio(lo, hi, den uint32, off sim.Ratio) sim.Ratio {
	on, r := d.coin(), d.ratioIn(lo, hi, den)
	if !on {
		return off
	}
	return r
}

// weight draws two values: 0 with probability 1/2, else 1 to 4.
func (d drawer) weight() int {
	on, w := d.coin(), d.intIn(1, 4)
	if !on {
		return 0
	}
	return w
}

// gap draws the time to a family's next fault: [every/2, 3*every/2].
func (d drawer) gap(every time.Duration) time.Duration { return d.durIn(every/2, every+every/2) }

// lasting draws how long a fault lasts: [forMax/4, forMax].
func (d drawer) lasting(forMax time.Duration) time.Duration { return d.durIn(forMax/4, forMax) }

// node draws a node ID.
func (d drawer) node(nodes int) int { return d.intIn(1, nodes) }

// perm draws a random order of the node IDs (nodes-1 values).
func (d drawer) perm(nodes int) []int {
	ids := make([]int, nodes)
	for i := range ids {
		ids[i] = i + 1
	}
	d.r.Shuffle(nodes, func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

// sorted returns a sorted copy of ids, so that printed sets read in order.
func sorted(ids []int) []int {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// DrawMinority draws a random minority of a cluster of nodes nodes: between
// 1 and (nodes-1)/2 IDs, sorted; nil if the cluster has no minority (fewer
// than 3 nodes). It draws exactly nodes values. The executor uses it, on
// its fault stream, for a split step with no nodes.
func DrawMinority(r *sim.Rand, nodes int) []int {
	d := drawer{r}
	most := (nodes - 1) / 2
	size := d.intIn(1, max(most, 1))
	ids := d.perm(nodes)
	if most == 0 {
		return nil
	}
	return sorted(ids[:size])
}

// DrawShape draws the shape of one run within limits: each fault family and
// each partition mode is switched on with probability 1/2, then given drawn
// rates. The same stream state gives the same shape. Each part draws a
// fixed number of values, so changing limits changes what is drawn, not
// the draws after it. Panics if limits are invalid.
func DrawShape(r *sim.Rand, limits ShapeLimits) Shape {
	if err := limits.Validate(); err != nil {
		panic(fmt.Sprintf("faults: DrawShape: %v", err))
	}
	d := drawer{r}
	s := Shape{Budget: limits.Budget, Off: slices.Clone(limits.Off)}
	s.Nodes = d.intIn(limits.NodesMin, limits.NodesMax)
	s.Latency = d.latency(limits.LatencyMax)
	s.Loss = d.maybeRatio(1, 5, 100, sim.Never)
	s.Duplicate = d.maybeRatio(1, 5, 100, sim.Never)
	s.Workload = d.workload(limits)
	s.Crash = d.nodeFaults(10*time.Millisecond, 2*time.Second)
	s.Pause = d.nodeFaults(10*time.Millisecond, time.Second)
	s.Cuts = d.cuts()
	s.Links = d.links(limits.LatencyMax)
	s.Clock = d.clock(limits.DriftMaxPPM)
	s.Disk = d.disk(s.Nodes, s.Budget)
	s.Membership = d.membership()
	d.workloadShape(&s)
	d.linkAims(&s.Links)
	s.switchOff()
	return s
}

// workloadShape draws what clients do beyond their number, keys and mix
// (14 values), after every fault family so that the families' draws stay
// where they were: a read-heavy mix (half the shapes: 2 to 8 reads per
// write), open-loop clients (half: groups of 2 to 6 sessions, arrivals
// 1-5ms apart, faster than most commands take, so that groups keep
// several in flight), think time (half: up to 1-30ms; else none), stickiness
// (half: 1 to 4 resends to a silent node), reads sent anywhere (half: a
// quarter to three quarters), and the read path: read-index five times
// in eight, the log once (a harness path: the core sees a proposal), the
// lease twice when the clocks neither skew nor jump (drift alone stays
// within the lease's allowance by ShapeLimits.DriftMaxPPM), else
// read-index.
func (d drawer) workloadShape(s *Shape) {
	w := &s.Workload
	heavy, perWrite := d.coin(), d.intIn(2, 8)
	open, sessions, arrival := d.coin(), d.intIn(2, 6), d.durIn(time.Millisecond, 5*time.Millisecond)
	think, thinkMax := d.coin(), d.durIn(time.Millisecond, 30*time.Millisecond)
	sticky, resends := d.coin(), d.intIn(1, 4)
	anywhere, share := d.coin(), d.ratioIn(1, 3, 4)
	reads := d.intIn(0, 7)
	if writes := w.Mix.Put + w.Mix.Append + w.Mix.CAS; heavy {
		w.Mix.Get = max(perWrite*writes, 1)
	}
	if open {
		w.Sessions, w.Arrival = sessions, arrival
	}
	if think {
		w.ThinkMax = thinkMax
	}
	if sticky {
		w.Sticky = resends
	}
	if anywhere {
		w.ReadAnywhere = share
	}
	switch {
	case reads == 5:
		w.Reads = ReadLog
	case reads >= 6 && s.Clock.SkewMax == 0 && s.Clock.JumpMax == 0:
		w.Reads = ReadLease
	}
}

// linkAims draws the shares of link faults aimed at the leader's links one
// way and at client links (4 values); both stay unset when link faults are
// off.
func (d drawer) linkAims(l *LinkShape) {
	leader := d.maybeRatio(1, 4, 4, sim.Ratio{})
	clients := d.maybeRatio(1, 4, 4, sim.Ratio{})
	if l.Every > 0 {
		l.Leader, l.Clients = leader, clients
	}
}

// latency draws a default link latency (5 values).
func (d drawer) latency(most time.Duration) sim.Dist {
	kind := d.intIn(0, 3)
	lo := d.durIn(most/100, most/2)
	hi := d.durIn(lo, most)
	tail := d.ratioIn(1, 10, 100)
	tailHi := d.durIn(2*hi, 10*most)
	switch kind {
	case 0:
		return sim.FixedDist(lo)
	case 1:
		return sim.UniformDist(lo, hi)
	case 2:
		return sim.NormalishDist(lo, hi)
	}
	return sim.LongTailDist(lo, hi, tail, 2*hi, tailHi)
}

// workload draws clients, keys and a mix (14 values).
func (d drawer) workload(limits ShapeLimits) Workload {
	w := Workload{Clients: d.intIn(1, limits.ClientsMax), Keys: d.intIn(1, limits.KeysMax)}
	mix := make([]int, 4)
	for i := range mix {
		on, weight := d.coin(), d.intIn(1, 10)
		if on {
			mix[i] = weight
		}
	}
	if sum(mix) == 0 {
		mix[1] = 1 // a run with no operations tests nothing: put
	}
	w.Mix = Mix{Get: mix[0], Put: mix[1], Append: mix[2], CAS: mix[3]}
	return w
}

// nodeFaults draws a crash or pause family (5 values).
func (d drawer) nodeFaults(forLo, forHi time.Duration) NodeFaultShape {
	on := d.coin()
	f := NodeFaultShape{
		Every:  d.durIn(300*time.Millisecond, 3*time.Second),
		For:    d.durIn(forLo, forHi),
		Leader: d.ratioIn(0, 4, 4),
		Undo:   d.ratioIn(0, 4, 4),
	}
	if !on {
		return NodeFaultShape{}
	}
	return f
}

// cuts draws the partition family (18 values).
func (d drawer) cuts() CutShape {
	on := d.coin()
	c := CutShape{
		Every:        d.durIn(300*time.Millisecond, 3*time.Second),
		For:          d.durIn(100*time.Millisecond, 3*time.Second),
		FlapInterval: d.durIn(10*time.Millisecond, 300*time.Millisecond),
		Weights: CutWeights{
			Partition: d.weight(), OneWay: d.weight(), Isolate: d.weight(), IsolateLeader: d.weight(),
			Split: d.weight(), Bridge: d.weight(), Flap: d.weight(),
		},
	}
	if !on || c.Weights == (CutWeights{}) {
		return CutShape{}
	}
	return c
}

// links draws the link fault family (18 values).
func (d drawer) links(latencyMax time.Duration) LinkShape {
	on := d.coin()
	l := LinkShape{
		Every:   d.durIn(300*time.Millisecond, 3*time.Second),
		For:     d.durIn(100*time.Millisecond, 2*time.Second),
		Weights: LinkWeights{Link: d.weight(), Capacity: d.weight(), Clog: d.weight()},
	}
	slow, slowHi := d.coin(), d.durIn(2*latencyMax, 20*latencyMax)
	if slow {
		l.Latency = sim.UniformDist(latencyMax, slowHi)
	}
	l.Loss = d.maybeRatio(5, 50, 100, sim.Ratio{})
	l.Duplicate = d.maybeRatio(1, 20, 100, sim.Ratio{})
	l.BytesPerSecond = int64(d.intIn(16<<10, 1<<20))
	if l.Latency == (sim.Dist{}) && l.Loss == (sim.Ratio{}) && l.Duplicate == (sim.Ratio{}) {
		l.Loss = sim.Percent(20) // a link fault that changes nothing tests nothing
	}
	if !on || l.Weights == (LinkWeights{}) {
		return LinkShape{}
	}
	return l
}

// clock draws the clock family (7 values).
func (d drawer) clock(driftMax int64) ClockShape {
	on := d.coin()
	c := ClockShape{Every: d.durIn(300*time.Millisecond, 3*time.Second)}
	skew, skewMax := d.coin(), d.durIn(time.Millisecond, 200*time.Millisecond)
	jump, jumpMax := d.coin(), d.durIn(time.Millisecond, 500*time.Millisecond)
	drift, driftPPM := d.coin(), d.r.Int64Range(1, max(driftMax, 1))
	if skew {
		c.SkewMax = skewMax
	}
	if jump {
		c.JumpMax = jumpMax
	}
	if drift && driftMax > 0 {
		c.DriftMaxPPM = driftPPM
	}
	if !on || (c.SkewMax == 0 && c.JumpMax == 0 && c.DriftMaxPPM == 0) {
		return ClockShape{}
	}
	return c
}

// disk draws the disk family (22 values). Under the survivable budget the
// silent faults are never on and damage reaches a minority at most.
func (d drawer) disk(nodes int, b Budget) DiskShape {
	on := d.coin()
	ds := DiskShape{
		Every: d.durIn(300*time.Millisecond, 3*time.Second),
		For:   d.durIn(100*time.Millisecond, 3*time.Second),
	}
	for _, f := range diskRateFields {
		*f.get(&ds.Rates) = d.maybeRatio(1, 10, 1000, sim.Ratio{})
	}
	ds.Rates.CrashPolicy = CrashPolicy(d.intIn(0, drawnCrashPolicies-1))
	most := nodes
	if b == Survivable {
		most = (nodes - 1) / 2
		ds.Rates.LostWrite, ds.Rates.MisdirectedWrite = sim.Ratio{}, sim.Ratio{}
	}
	ds.Damaged = d.intIn(0, most)
	slow, slowHi := d.coin(), d.durIn(time.Millisecond, 100*time.Millisecond)
	if slow {
		ds.Slow = sim.UniformDist(100*time.Microsecond, slowHi)
	}
	if ds.Damaged == 0 {
		ds.Rates.Corrupt, ds.Rates.LatentSector = sim.Ratio{}, sim.Ratio{}
	}
	if !ds.Rates.Damaging() {
		ds.Damaged = 0
	}
	if !on || ds.problem(nodes, b) != "" {
		// Off, or nothing left to do; the crash policy is the disks'
		// either way.
		return DiskShape{Rates: DiskRates{CrashPolicy: ds.Rates.CrashPolicy}}
	}
	return ds
}

// membership draws the membership family (4 values).
func (d drawer) membership() MemberShape {
	on := d.coin()
	m := MemberShape{
		Every:    d.durIn(500*time.Millisecond, 4*time.Second),
		For:      d.durIn(100*time.Millisecond, 2*time.Second),
		Transfer: d.ratioIn(0, 4, 4),
	}
	if !on {
		return MemberShape{}
	}
	return m
}

// off reports whether DrawPlan must not emit kind k.
func (s Shape) off(k Kind) bool { return slices.Contains(s.Off, k) }

// switchOff turns off the parts of s whose kinds are off, so that the
// printed shape says what can happen.
func (s *Shape) switchOff() {
	if s.off(Crash) {
		s.Crash = NodeFaultShape{}
	}
	if s.off(Restart) && s.Crash.Every > 0 {
		s.Crash.Undo = sim.Never
	}
	if s.off(Pause) {
		s.Pause = NodeFaultShape{}
	}
	if s.off(Resume) && s.Pause.Every > 0 {
		s.Pause.Undo = sim.Never
	}
	w := &s.Cuts.Weights
	for _, m := range []struct {
		k Kind
		w *int
	}{
		{Partition, &w.Partition}, {PartitionOneWay, &w.OneWay}, {Isolate, &w.Isolate},
		{Isolate, &w.IsolateLeader}, {Split, &w.Split}, {Bridge, &w.Bridge}, {Flap, &w.Flap},
	} {
		if s.off(m.k) {
			*m.w = 0
		}
	}
	if *w == (CutWeights{}) {
		s.Cuts = CutShape{}
	}
	lw := &s.Links.Weights
	for _, m := range []struct {
		k Kind
		w *int
	}{{Link, &lw.Link}, {Capacity, &lw.Capacity}, {Clog, &lw.Clog}} {
		if s.off(m.k) {
			*m.w = 0
		}
	}
	if *lw == (LinkWeights{}) {
		s.Links = LinkShape{}
	}
	s.switchOffClockDiskMembers()
}

func (s *Shape) switchOffClockDiskMembers() {
	c := &s.Clock
	if s.off(ClockSkew) {
		c.SkewMax = 0
	}
	if s.off(ClockJump) {
		c.JumpMax = 0
	}
	if s.off(ClockDrift) {
		c.DriftMaxPPM = 0
	}
	if c.SkewMax == 0 && c.JumpMax == 0 && c.DriftMaxPPM == 0 {
		*c = ClockShape{}
	}
	if s.off(DiskFaults) {
		s.Disk.Rates = DiskRates{CrashPolicy: s.Disk.Rates.CrashPolicy}
		s.Disk.Damaged = 0
	}
	if s.off(DiskSlow) {
		s.Disk.Slow = sim.Dist{}
	}
	if s.Disk.Rates == (DiskRates{CrashPolicy: s.Disk.Rates.CrashPolicy}) && s.Disk.Slow == (sim.Dist{}) {
		s.Disk = DiskShape{Rates: DiskRates{CrashPolicy: s.Disk.Rates.CrashPolicy}}
	}
	m := &s.Membership
	switch {
	case s.off(RemoveMember) && s.off(TransferLeader):
		*m = MemberShape{}
	case s.off(RemoveMember) && m.Every > 0:
		m.Transfer = sim.Always
	case s.off(TransferLeader) && m.Every > 0:
		m.Transfer = sim.Never
	}
}
