package harness

import (
	"slices"
	"time"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// The network steps of the fault executor. Network cuts are kept here, not
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
	w.availRecompute()
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
	clear(w.avail.majority.clogUntil)
	w.applyCuts()
}

// linkPairs lists the directed links a step names, as network endpoints:
// node links From -> To (empty: every node), with Node as one end when
// set, or client links (Step.Clients) between the nodes (Node, or every
// node) and every client. It is empty when Node names the leader and
// there is none.
func (w *World) linkPairs(s faults.Step) [][2]int {
	all := make([]int, len(w.nodes))
	for i := range all {
		all[i] = i + 1
	}
	from, to := s.From, s.To
	if s.Node != 0 {
		n := w.resolve(s.Node)
		if n == nil {
			return nil
		}
		switch {
		case s.Clients == faults.ClientRequests || (s.Clients == faults.NoClientLinks && len(s.From) > 0):
			to = []int{int(n.id)}
		default:
			from = []int{int(n.id)}
		}
	}
	if len(from) == 0 {
		from = all
	}
	if len(to) == 0 {
		to = all
	}
	var out [][2]int
	clients := make([]int, len(w.clients))
	for i := range clients {
		clients[i] = len(w.nodes) + i
	}
	switch s.Clients {
	case faults.ClientReplies:
		for _, a := range from {
			for _, c := range clients {
				out = append(out, [2]int{a - 1, c})
			}
		}
		return out
	case faults.ClientRequests:
		for _, c := range clients {
			for _, b := range to {
				out = append(out, [2]int{c, b - 1})
			}
		}
		return out
	}
	for _, a := range from {
		for _, b := range to {
			out = append(out, [2]int{a - 1, b - 1})
		}
	}
	return out
}

func (w *World) changeLinks(s faults.Step) string {
	if s.Kind == faults.ResetLinks {
		w.net.ResetLinks()
		return ""
	}
	if s.Node != 0 && w.resolve(s.Node) == nil {
		return "no leader"
	}
	for _, p := range w.linkPairs(s) {
		switch s.Kind {
		case faults.Clog:
			w.net.Clog(p[0], p[1], w.kernel.Now().Add(s.For))
			w.availClogged(p[0], p[1], w.kernel.Now().Add(s.For))
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
	return ""
}
