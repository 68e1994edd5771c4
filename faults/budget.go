package faults

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/raftsim/raftsim/sim"
)

// Budget says how much a plan may break. The package comment states the
// survivable budget's rules and why each holds.
type Budget uint8

const (
	// Survivable (the default) keeps faults within what Raft promises to
	// survive: at the end of the chaos phase a majority of every
	// configuration the cluster can be in can be healed into a working
	// cluster, and no node's storage ever lies. The harness checks safety
	// and liveness.
	Survivable Budget = iota
	// Unbounded allows anything Validate accepts: damage on a majority,
	// writes that silently vanish, clocks that step back. The harness
	// checks safety only; a safety failure under it shows what the damage
	// does and is not by itself a bug in the core.
	Unbounded
	budgetEnd
)

var budgetNames = [...]string{"survivable", "unbounded"}

// ErrBudget is wrapped by every error of a plan that exceeds its budget.
var ErrBudget = errors.New("fault plan exceeds its budget")

// String returns the budget's JSON name.
func (b Budget) String() string {
	if b < budgetEnd {
		return budgetNames[b]
	}
	return fmt.Sprintf("Budget(%d)", uint8(b))
}

// MarshalText writes the budget's name.
func (b Budget) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText reads a budget's name.
func (b *Budget) UnmarshalText(text []byte) error {
	for i, n := range budgetNames {
		if n == string(text) {
			*b = Budget(i)
			return nil
		}
	}
	return fmt.Errorf("unknown budget %q (want survivable or unbounded)", text)
}

// WithinBudget validates p for a cluster of nodes nodes, then reports the
// first step that takes it outside budget b, and why:
//
//	faults: plan: step 4 (at 2s, disk-faults): outside the survivable budget: ...
//
// Every valid plan is within Unbounded.
func (p Plan) WithinBudget(nodes int, b Budget) error {
	if err := p.Validate(nodes); err != nil {
		return err
	}
	switch b {
	case Unbounded:
		return nil
	case Survivable:
		_, err := p.exposure(nodes)
		return err
	}
	return fmt.Errorf("faults: plan: unknown budget %d: %w", uint8(b), ErrBudget)
}

// exposure walks a valid plan under the survivable rules. It returns what
// the liveness phase needs to know, or the first step that breaks a rule.
func (p Plan) exposure(nodes int) (exposure, error) {
	e := exposure{
		damaged: make([]bool, nodes+1),
		removed: make([]bool, nodes+1),
	}
	// offset[id] bounds node id's clock offset from above. A node whose
	// clock a leader-targeted step moved has an offset that is only known
	// to be at most this.
	offset := make([]time.Duration, nodes+1)
	for i, s := range p.Steps {
		why := ""
		switch s.Kind {
		case DiskFaults:
			why = e.disk(s)
		case RemoveMember:
			if s.Node == Leader {
				e.leaderRemovals++
			} else {
				e.removed[s.Node] = true
			}
			why = e.check()
		case ClockSkew, ClockJump:
			why = clockStep(s, offset)
		}
		if why != "" {
			return exposure{}, stepError(i, s, "outside the survivable budget: "+why, ErrBudget)
		}
	}
	return e, nil
}

// exposure is what a plan may cost the cluster for good, by node ID.
type exposure struct {
	// damaged nodes had damaging disk faults switched on: their synced
	// data may be damaged, and they may have to stop for good.
	damaged []bool
	// removed nodes are removed by some step; the executor may or may
	// not manage to add them back.
	removed []bool
	// leaderRemovals counts remove-member steps aimed at the leader: each
	// may remove any one node.
	leaderRemovals int
}

// disk applies a disk-faults step.
func (e *exposure) disk(s Step) string {
	switch {
	case s.Disk.Silent():
		return "lostWrite and misdirectedWrite silently undo an acknowledged write " +
			"(a vote, an appended entry), which Raft's stable-storage assumption rules out even on one node; " +
			"use the unbounded budget"
	case !s.Disk.Damaging():
		return ""
	case s.Node <= 0:
		return fmt.Sprintf("damaging disk faults (corrupt, latentSector) on %q may reach any node; name one node", s.Node.String())
	}
	e.damaged[s.Node] = true
	return e.check()
}

// check is the survivable rule for damage and membership: the nodes that
// may be lost for good (damaged) must be fewer than the healthy nodes that
// stay voters for sure (never removed, not damaged, less one per removal of
// the leader). Then in any configuration the cluster can reach, the
// healthy voters are a majority, since the worst such configuration is
// every damaged node plus the sure healthy ones.
func (e *exposure) check() string {
	lost, sure := e.counts(nil)
	if lost < sure {
		return ""
	}
	return fmt.Sprintf("nodes that may be lost for good (damaged: %v) must be fewer than the healthy voters "+
		"that are never removed (%v%s), or no majority is left to heal", nodeSet(e.ids(e.damaged)),
		nodeSet(e.sure()), e.leaderRemovalNote())
}

// counts returns how many nodes may be lost for good (damaged, or in
// faulty) and how many healthy voters are sure to remain, as check means.
func (e *exposure) counts(faulty []bool) (lost, sure int) {
	for id := 1; id < len(e.damaged); id++ {
		out := e.damaged[id] || (faulty != nil && faulty[id])
		switch {
		case out:
			lost++
		case !e.removed[id]:
			sure++
		}
	}
	return lost, sure - e.leaderRemovals
}

// sure lists the healthy nodes that are never removed.
func (e *exposure) sure() []int {
	var out []int
	for id := 1; id < len(e.damaged); id++ {
		if !e.damaged[id] && !e.removed[id] {
			out = append(out, id)
		}
	}
	return out
}

func (e *exposure) leaderRemovalNote() string {
	switch e.leaderRemovals {
	case 0:
		return ""
	case 1:
		return ", less 1 removal of the leader"
	}
	return fmt.Sprintf(", less %d removals of the leader", e.leaderRemovals)
}

// removes reports whether the plan removes any member.
func (e *exposure) removes() bool {
	return e.leaderRemovals > 0 || slices.Contains(e.removed, true)
}

// ids lists the IDs whose flag is set.
func (e *exposure) ids(flags []bool) []int {
	var out []int
	for id := 1; id < len(flags); id++ {
		if flags[id] {
			out = append(out, id)
		}
	}
	return out
}

// clockStep applies a clock-skew or clock-jump step to the offsets' upper
// bounds and reports a clock stepped back. Under the survivable budget a
// clock never runs backward after the start, as a monotonic clock does
// not: a node's lease and timers measure time on its own clock alone.
// Offsets set at 0s are initial offsets, not steps.
func clockStep(s Step, offset []time.Duration) string {
	if s.Kind == ClockJump {
		for id := range offset {
			if s.Node == Leader || NodeRef(id) == s.Node {
				offset[id] += s.Offset
			}
		}
		return ""
	}
	if s.At == 0 {
		if s.Node > 0 {
			offset[s.Node] = s.Offset
		} // there is no leader before the nodes boot: a no-op
		return ""
	}
	if s.Node == Leader {
		top := slices.Max(offset[1:])
		if s.Offset < top {
			return fmt.Sprintf("offset %v on the leader may step a clock back (some node may be at %v); "+
				"skew the leader only forward of every node's offset", signed(s.Offset), signed(top))
		}
		for id := range offset {
			offset[id] = max(offset[id], s.Offset)
		}
		return ""
	}
	if s.Offset < offset[s.Node] {
		return fmt.Sprintf("steps %v's clock back from %v to %v; after the start a clock only moves forward "+
			"(set initial offsets at 0s)", s.Node, signed(offset[s.Node]), signed(s.Offset))
	}
	offset[s.Node] = s.Offset
	return ""
}

// StayFaulty picks the nodes that keep their faults during the liveness
// phase, sorted by ID; every other node is healed. The pick is a minority
// in every configuration the plan can lead to, possibly empty, and always
// includes the nodes whose disks may be damaged, since nothing heals them.
// A plan that removes members keeps only those faulty: a change in flight
// may need every healthy node to finish.
// It draws exactly nodes values from r (a shuffle and a count). It fails
// if p is not within the survivable budget, because then no healed
// majority can be promised (under Unbounded the harness checks safety
// only and needs no pick).
//
// What the liveness phase does with the pick (the harness implements it):
//
//   - Healed nodes: restarted if down, resumed if paused, disk faults and
//     slowness off (damage already done stays, but none of them is
//     damaged), clock drift 0 (the offset stays, since stepping it back
//     would be a backward jump); every cut and clog between two healed
//     nodes removed, flapping stopped, links between them reliable with
//     the scenario's latency (no loss, no duplication, no capacity limit).
//   - Faulty nodes: cut off from every other node, both ways, and
//     otherwise left as the chaos phase left them (down, paused, skewed,
//     faulty disk). The liveness bound must not depend on what a faulty
//     node does; Raft promises progress to a connected majority.
//   - Membership: a change in flight may finish; no new one starts.
//     Liveness is checked on the healed nodes that are voters of the
//     final configuration.
func (p Plan) StayFaulty(nodes int, r *sim.Rand) ([]int, error) {
	if err := p.WithinBudget(nodes, Survivable); err != nil {
		return nil, fmt.Errorf("faults: no healed majority can be promised: %w", err)
	}
	e, _ := p.exposure(nodes)
	order := make([]int, nodes)
	for i := range order {
		order[i] = i + 1
	}
	r.Shuffle(nodes, func(i, j int) { order[i], order[j] = order[j], order[i] })
	extra := r.Intn(nodes) // how many healthy nodes to add, at most
	if e.removes() {
		// A membership change in flight at the heal may need every
		// healthy node. Found by FuzzWorld: 4 nodes, n4 removed, the
		// joint configuration committed, the final one only on n1 (the
		// old leader, kept faulty) and n4; n4 did not campaign (it is no
		// voter there) and refused its vote to n2 and n3, whose logs
		// lacked it. The core has since been fixed (a node removed by an
		// uncommitted configuration campaigns to commit it, dissertation
		// 4.2.2), so this may be more cautious than the core needs now;
		// it stays because lifting it changes the trace of every plan
		// that removes a member, and no campaign has measured that the
		// liveness bound then holds.
		extra = 0
	}
	faulty := slices.Clone(e.damaged)
	for _, id := range order {
		if extra == 0 {
			break
		}
		if faulty[id] {
			continue
		}
		faulty[id] = true
		if lost, sure := e.counts(faulty); lost >= sure {
			faulty[id] = false
			break
		}
		extra--
	}
	return e.ids(faulty), nil
}
