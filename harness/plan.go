package harness

import (
	"fmt"
	"slices"
	"time"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// The executor applies a faults.Plan to the world, with the semantics the
// faults package documents kind by kind. Network cuts are kept here, not
// only in sim.Network, because cuts from different steps add up and a
// flapping partition toggles its own cuts without touching the others':
// the network's blocked links are recomputed from both after every change.

// cutState is every active cut between nodes.
type cutState struct {
	n     int
	base  []bool // base[from*n+to]: cut by a partition-like step until a heal
	flaps []*flap
}

// flap is a flapping partition: its groups are cut while on.
type flap struct {
	step   int // the plan step that started it, naming its toggle events
	groups [][]int
	on     bool
	every  time.Duration
	active bool // false once a heal stopped it
}

func newCutState(n int) cutState { return cutState{n: n, base: make([]bool, n*n)} }

func (c *cutState) cut(from, to int) { c.base[(from-1)*c.n+(to-1)] = true }
func (c *cutState) cutBoth(a, b int) { c.cut(a, b); c.cut(b, a) }
func (c *cutState) blocked(from, to int) bool {
	if c.base[(from-1)*c.n+(to-1)] {
		return true
	}
	for _, f := range c.flaps {
		if f.active && f.on && splitBy(f.groups, from, to) {
			return true
		}
	}
	return false
}

// splitBy reports whether a and b are in different groups.
func splitBy(groups [][]int, a, b int) bool {
	ga, gb := -1, -1
	for i, g := range groups {
		if slices.Contains(g, a) {
			ga = i
		}
		if slices.Contains(g, b) {
			gb = i
		}
	}
	return ga >= 0 && gb >= 0 && ga != gb
}

// applyCuts makes the network's node links match the cut state. Client
// links are never cut: a client may well reach a node its peers cannot,
// which is how a deposed leader meets clients.
func (w *World) applyCuts() {
	c := &w.cuts
	for from := 1; from <= c.n; from++ {
		for to := 1; to <= c.n; to++ {
			if c.blocked(from, to) {
				w.net.Block(from-1, to-1)
			} else {
				w.net.Unblock(from-1, to-1)
			}
		}
	}
}

// schedulePlan queues every step of the plan that falls in the chaos phase;
// steps at 0 are applied at once, before the nodes boot.
func (w *World) schedulePlan() {
	for i, s := range w.cfg.Plan.Steps {
		switch {
		case s.At >= w.cfg.Duration:
			continue
		case s.At == 0:
			w.applyStep(i)
		default:
			w.kernel.At(sim.Time(s.At), event{kind: evFault, token: uint32(i)})
		}
	}
}

// applyStep applies plan step i, resolving run-time targets.
func (w *World) applyStep(i int) {
	if !w.chaos {
		return
	}
	s := w.cfg.Plan.Steps[i]
	note := w.execute(i, s)
	w.stats.countFault(s.Kind, note == "")
	if w.tracing() {
		text := s.String()
		if note != "" {
			text += " (" + note + ")"
		}
		w.emit(TraceEvent{Kind: TraceFault, Text: text, Nodes: w.stepNodes(s), For: s.For})
	}
}

// stepNodes lists the nodes a step acts on, for traces and timelines.
func (w *World) stepNodes(s faults.Step) []raft.NodeID {
	var ids []raft.NodeID
	add := func(id int) {
		if id >= 1 && id <= len(w.nodes) && !slices.Contains(ids, raft.NodeID(id)) {
			ids = append(ids, raft.NodeID(id))
		}
	}
	for _, g := range s.Groups {
		for _, id := range g {
			add(id)
		}
	}
	for _, list := range [][]int{s.Nodes, s.From, s.To} {
		for _, id := range list {
			add(id)
		}
	}
	if n := w.resolve(s.Node); n != nil {
		add(int(n.id))
	} else if s.Node == faults.AllNodes {
		for i := range w.nodes {
			add(i + 1)
		}
	}
	slices.Sort(ids)
	return ids
}

// execute performs one step and returns "" or why it was skipped.
func (w *World) execute(i int, s faults.Step) string {
	switch s.Kind {
	case faults.Partition, faults.Flap:
		return w.partition(i, s)
	case faults.PartitionOneWay:
		for _, a := range s.From {
			for _, b := range s.To {
				w.cuts.cut(a, b)
			}
		}
	case faults.Isolate:
		n := w.resolve(s.Node)
		if n == nil {
			return "no leader"
		}
		w.isolate(n.id)
	case faults.Split:
		minority := s.Nodes
		if len(minority) == 0 {
			minority = faults.DrawMinority(w.faultRand, w.cfg.Nodes)
		}
		for a := 1; a <= len(w.nodes); a++ {
			for b := 1; b <= len(w.nodes); b++ {
				if slices.Contains(minority, a) != slices.Contains(minority, b) {
					w.cuts.cut(a, b)
				}
			}
		}
	case faults.Bridge:
		for _, a := range s.Groups[0] {
			for _, b := range s.Groups[1] {
				w.cuts.cutBoth(a, b)
			}
		}
	case faults.Heal:
		w.healCuts()
	case faults.Link, faults.Capacity, faults.Clog, faults.ResetLinks:
		w.changeLinks(s)
		return ""
	default:
		return w.executeNode(i, s)
	}
	w.applyCuts()
	return ""
}

func (w *World) partition(i int, s faults.Step) string {
	if s.Kind == faults.Partition {
		for _, g := range s.Groups {
			for _, h := range s.Groups {
				if !slices.Equal(g, h) {
					for _, a := range g {
						for _, b := range h {
							w.cuts.cut(a, b)
						}
					}
				}
			}
		}
		w.applyCuts()
		return ""
	}
	f := &flap{step: i, groups: s.Groups, on: true, every: s.Interval, active: true}
	w.cuts.flaps = append(w.cuts.flaps, f)
	w.kernel.After(s.Interval, event{kind: evFlap, token: uint32(len(w.cuts.flaps) - 1)})
	w.applyCuts()
	return ""
}

// toggleFlap flips a flapping partition between cut and connected.
func (w *World) toggleFlap(k int) {
	f := w.cuts.flaps[k]
	if !f.active || !w.chaos {
		return
	}
	f.on = !f.on
	w.applyCuts()
	w.kernel.After(f.every, event{kind: evFlap, token: uint32(k)})
}

func (w *World) isolate(id raft.NodeID) {
	for o := 1; o <= len(w.nodes); o++ {
		if o != int(id) {
			w.cuts.cutBoth(int(id), o)
		}
	}
}

// healCuts removes every cut and clog and stops every flap.
func (w *World) healCuts() {
	clear(w.cuts.base)
	for _, f := range w.cuts.flaps {
		f.active = false
	}
	w.net.Heal()
	w.applyCuts()
}

// linkPairs lists the directed node links a step names (empty: every node).
func (w *World) linkPairs(s faults.Step) [][2]int {
	all := make([]int, len(w.nodes))
	for i := range all {
		all[i] = i + 1
	}
	from, to := s.From, s.To
	if len(from) == 0 {
		from = all
	}
	if len(to) == 0 {
		to = all
	}
	var out [][2]int
	for _, a := range from {
		for _, b := range to {
			out = append(out, [2]int{a - 1, b - 1})
		}
	}
	return out
}

func (w *World) changeLinks(s faults.Step) {
	if s.Kind == faults.ResetLinks {
		w.net.ResetLinks()
		return
	}
	for _, p := range w.linkPairs(s) {
		switch s.Kind {
		case faults.Clog:
			w.net.Clog(p[0], p[1], w.kernel.Now().Add(s.For))
		default:
			c := w.net.Link(p[0], p[1])
			if s.Latency.Kind != 0 {
				c.Latency = s.Latency
			}
			if s.Loss != (sim.Ratio{}) {
				c.Loss = s.Loss
			}
			if s.Duplicate != (sim.Ratio{}) {
				c.Duplicate = s.Duplicate
			}
			if s.Kind == faults.Capacity {
				c.BytesPerSecond = s.BytesPerSecond
			}
			w.net.SetLink(p[0], p[1], c)
		}
	}
}

// executeNode performs the steps that act on nodes.
func (w *World) executeNode(i int, s faults.Step) string {
	switch s.Kind {
	case faults.AddMember:
		w.requestAdmin(adminAdd, raft.NodeID(s.Node))
		return ""
	case faults.RemoveMember, faults.TransferLeader:
		return w.adminStepFor(s)
	case faults.Restart, faults.Resume:
		w.restartOrResume(s)
		return ""
	case faults.DiskFaults, faults.DiskSlow, faults.DiskHeal:
		return w.diskStep(s)
	}
	n := w.resolve(s.Node)
	if n == nil {
		return "no leader"
	}
	switch s.Kind {
	case faults.Crash:
		return w.crashNode(n, s)
	case faults.Pause:
		return w.pauseNode(n, s)
	case faults.ClockSkew, faults.ClockDrift, faults.ClockJump:
		return w.clockStep(n, s)
	}
	panic(fmt.Sprintf("harness: plan step %d: kind %v has no executor", i, s.Kind))
}

// restartOrResume brings the step's nodes back: from a crash (a no-op for
// a node that is up) or from a pause.
func (w *World) restartOrResume(s faults.Step) {
	for _, n := range w.targets(s.Node) {
		if s.Kind == faults.Restart {
			n.restart()
		} else {
			n.resume()
		}
	}
}

// diskStep changes the step's nodes' disks; it returns the last node's
// note on what could not be applied.
func (w *World) diskStep(s faults.Step) string {
	var notes string
	for _, n := range w.targets(s.Node) {
		switch s.Kind {
		case faults.DiskFaults:
			notes = n.setDiskFaults(s.Disk)
		case faults.DiskSlow:
			notes = n.setDiskLatency(s.Latency)
		case faults.DiskHeal:
			n.healDisk()
		}
	}
	return notes
}

// crashNode crashes n (a power cut when its disk's crash policy says so),
// and schedules its restart after s.For. A crash at 0s keeps the node from
// booting at all.
func (w *World) crashNode(n *node, s faults.Step) string {
	if !w.booted {
		n.crashedAtStart = true
		if s.For > 0 {
			w.kernel.After(s.For, event{kind: evRestart, target: int32(n.idx)})
		}
		return ""
	}
	if !n.up {
		return "already down"
	}
	if !n.cutPower() {
		n.crash()
	}
	if s.For > 0 {
		w.kernel.After(s.For, event{kind: evRestart, target: int32(n.idx)})
	}
	return ""
}

// pauseNode stalls n, as a long GC pause does, until a resume (after s.For
// when it is set).
func (w *World) pauseNode(n *node, s faults.Step) string {
	if !w.booted {
		return "pause at 0s: nothing runs yet"
	}
	if !n.up || n.paused {
		return "down or paused"
	}
	n.pause()
	if s.For > 0 {
		w.kernel.After(s.For, event{kind: evResume, target: int32(n.idx)})
	}
	return ""
}

// clockStep skews, drifts or jumps n's clock. Clocks never step back: a
// skew below the one already applied is refused.
func (w *World) clockStep(n *node, s faults.Step) string {
	now := w.kernel.Now()
	switch s.Kind {
	case faults.ClockSkew:
		if s.Offset < n.skew {
			return fmt.Sprintf("skew %v would step the clock back from %v", s.Offset, n.skew)
		}
		n.clock.jump(now, s.Offset-n.skew)
		n.skew = s.Offset
	case faults.ClockDrift:
		n.clock.setDrift(now, s.PPM)
	case faults.ClockJump:
		n.clock.jump(now, s.Offset)
		n.skew += s.Offset
	}
	n.afterStep()
	return ""
}

// adminStepFor queues a membership removal or a transfer.
func (w *World) adminStepFor(s faults.Step) string {
	kind := adminRemove
	if s.Kind == faults.TransferLeader {
		kind = adminTransfer
	}
	id := raft.NodeID(s.Node)
	switch s.Node {
	case faults.Leader:
		l := w.currentLeader()
		if l == nil {
			return "no leader"
		}
		id = l.id
	case faults.AnyVoter:
		id = raft.None
	}
	w.requestAdmin(kind, id)
	return ""
}

// resolve finds the node a reference names now: a node ID, or the leader.
func (w *World) resolve(r faults.NodeRef) *node {
	switch {
	case r == faults.Leader:
		return w.currentLeader()
	case r > 0 && int(r) <= len(w.nodes):
		return w.nodes[r-1]
	}
	return nil
}

// targets lists the nodes a reference names, AllNodes included.
func (w *World) targets(r faults.NodeRef) []*node {
	if r == faults.AllNodes {
		return w.nodes
	}
	if n := w.resolve(r); n != nil {
		return []*node{n}
	}
	return nil
}

// countFault tallies applied and skipped steps by kind.
func (s *Stats) countFault(k faults.Kind, applied bool) {
	if s.Faults == nil {
		s.Faults = map[string]int{}
	}
	if applied {
		s.Faults[k.String()]++
	} else {
		s.FaultsSkipped++
	}
}
