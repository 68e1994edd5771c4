package harness

import (
	"slices"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// The executor applies a faults.Plan to the world, with the semantics the
// faults package documents kind by kind: this file schedules the steps,
// dispatches each by kind and resolves its targets; plan_network.go holds
// the cuts and links, plan_node.go the steps that act on one node (crash,
// pause, clock, disk, membership).

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
	w.availRecompute()
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
		return w.changeLinks(s)
	default:
		return w.executeNode(i, s)
	}
	w.applyCuts()
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
