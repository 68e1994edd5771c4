package campaign

import (
	"cmp"
	"slices"
	"time"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

// Perturbing a run of a guided campaign (guided.go): small edits of its
// fault plan and workload, so that the perturbed run stays near the
// situation its parent reached. Every draw comes from the perturbed run's
// own seed (a stream apart from the world's), so a perturbation is a
// function of its parent's config and its own seed index.

// maxPerturbTries bounds the edit sets tried before a perturbation keeps
// its parent's plan and workload (and differs by its world seed alone).
const maxPerturbTries = 8

// maxShift bounds how far a step moves in time.
const maxShift = 200 * time.Millisecond

// perturbConfig returns the config of a perturbation run with world seed
// seed: one or two plan edits and, one time in three, a workload edit, on
// p's materialized config. An edit set that leaves the config invalid (the
// plan outside the survivable budget, say) is drawn again.
func perturbConfig(p *perturbation, seed sim.Seed) harness.Config {
	r := seed.Stream("campaign/perturb")
	for range maxPerturbTries {
		c := p.config
		c.Plan.Steps = slices.Clone(p.config.Plan.Steps)
		for range 1 + r.Intn(2) {
			editPlan(&c, r)
		}
		if r.Intn(3) == 0 {
			editWorkload(&c.Workload, r)
		}
		slices.SortStableFunc(c.Plan.Steps, func(a, b faults.Step) int { return cmp.Compare(a.At, b.At) })
		if c.Validate() == nil {
			return c
		}
	}
	return p.config
}

// editPlan makes one edit of c's plan: shift a step in time, drop it,
// duplicate it a little later, retarget it to another node, or stretch
// or shrink how long it lasts. Clock steps are only shifted or dropped:
// moving a clock jump to another node, or doubling it, could take a
// lease past its drift allowance, which Raft does not promise to survive.
// Membership steps take every edit: a removal down to one voter is a
// change the core finishes (a removed node campaigns to commit its own
// removal, raft.canCampaign); Config.Validate keeps the plan in budget.
func editPlan(c *harness.Config, r *sim.Rand) {
	steps := c.Plan.Steps
	if len(steps) == 0 {
		return
	}
	i := r.Intn(len(steps))
	s := &steps[i]
	clock := s.Kind == faults.ClockSkew || s.Kind == faults.ClockJump || s.Kind == faults.ClockDrift
	edit := r.Intn(5)
	switch {
	case edit == 0 || clock && edit != 1:
		s.At = shifted(s.At, r.Duration(-maxShift, maxShift), c.Duration)
	case edit == 1:
		c.Plan.Steps = slices.Delete(steps, i, i+1)
	case edit == 2:
		d := *s
		d.At = shifted(s.At, r.Duration(10*time.Millisecond, maxShift), c.Duration)
		c.Plan.Steps = append(steps, d)
	case edit == 3 && s.Node > 0:
		s.Node = faults.NodeRef(1 + r.Intn(c.Nodes+c.Spares))
	case s.For > 0:
		s.For = s.For * time.Duration(1+r.Intn(4)) / 2 // x0.5 to x2
	default:
		s.At = shifted(s.At, r.Duration(-maxShift, maxShift), c.Duration)
	}
}

// shifted moves at by d within the chaos phase. A step at 0 stays there
// (it applies before the nodes boot: an initial clock offset, a node that
// never boots), and no other step moves to 0.
func shifted(at, d, chaos time.Duration) time.Duration {
	if at == 0 {
		return 0
	}
	return min(max(at+d, time.Millisecond), chaos-time.Millisecond)
}

// editWorkload nudges the client count or the key space by one. A
// scripted workload is data of its own and stays as it is.
func editWorkload(w *harness.Workload, r *sim.Rand) {
	if w.Script != nil || w.Clients == 0 {
		return
	}
	step := 1 - 2*r.Intn(2) // +1 or -1
	if r.Intn(2) == 0 {
		w.Clients = max(1, w.Clients+step)
	} else {
		w.Keys = max(1, w.Keys+step)
	}
}
