package shrink

import (
	"errors"
	"fmt"
	"time"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

// Options bound a shrink.
type Options struct {
	// MaxRuns bounds the simulations a shrink may run (each cut tried is
	// one run). 0 means DefaultMaxRuns.
	MaxRuns int
	// Stop, if set, is asked before every run; true ends the shrink with
	// what it has (a wall-clock budget lives in the caller, not here).
	Stop func() bool
	// Progress, if set, sees every cut that was kept.
	Progress func(Progress)
}

// DefaultMaxRuns is the run budget when Options.MaxRuns is 0.
const DefaultMaxRuns = 2000

// Progress describes a kept cut.
type Progress struct {
	Pass string // which kind of cut: "plan", "operations", "clients", ...
	Runs int    // runs so far
	Size Size   // the failure's size now
}

// Size measures a failing run.
type Size struct {
	PlanSteps   int           `json:"planSteps"`
	Operations  int           `json:"operations"`
	Clients     int           `json:"clients"`
	Nodes       int           `json:"nodes"`
	VirtualTime time.Duration `json:"virtualTime"`
	Steps       uint64        `json:"steps"`
}

// within reports whether s is no larger than o on every measure. A cut is
// kept only when the failure it leaves is within the current one: a cut of
// operations or plan steps can make the failure happen later (a longer
// run, more events), and a shrink must never hand back a failure larger
// on any measure it reports (issue 17: 520 ms of virtual time became
// 589 ms). The price is that some cuts a looser rule would keep are
// refused; the run length is what a reader of the trace pays for.
func (s Size) within(o Size) bool {
	return s.PlanSteps <= o.PlanSteps && s.Operations <= o.Operations && s.Clients <= o.Clients &&
		s.Nodes <= o.Nodes && s.VirtualTime <= o.VirtualTime && s.Steps <= o.Steps
}

func (s Size) String() string {
	return fmt.Sprintf("plan steps %d, operations %d, clients %d, nodes %d, virtual time %v, events %d",
		s.PlanSteps, s.Operations, s.Clients, s.Nodes, s.VirtualTime, s.Steps)
}

// Result is a shrunk failure.
type Result struct {
	File   failfile.File
	Before Size
	After  Size
	Runs   int
}

// Summary says what the shrink removed, for people:
//
//	plan steps 183 -> 4, operations 2400 -> 11, nodes 5 -> 3, virtual time 10.5s -> 2.1s
func (r Result) Summary() string {
	return fmt.Sprintf("plan steps %d -> %d, operations %d -> %d, clients %d -> %d, nodes %d -> %d, virtual time %v -> %v, events %d -> %d (%d runs)",
		r.Before.PlanSteps, r.After.PlanSteps, r.Before.Operations, r.After.Operations,
		r.Before.Clients, r.After.Clients, r.Before.Nodes, r.After.Nodes,
		r.Before.VirtualTime, r.After.VirtualTime, r.Before.Steps, r.After.Steps, r.Runs)
}

// ErrNotReproduced: the file's failure does not reproduce, so there is
// nothing to shrink.
var ErrNotReproduced = errors.New("the failure does not reproduce")

// shrinker holds the state of one shrink.
type shrinker struct {
	seed   sim.Seed
	sig    string
	opts   Options
	budget int
	runs   int
	cfg    harness.Config // the smallest failing config so far
	last   harness.Result // its run
}

// Shrink minimizes a failure while keeping its signature (failure class
// and check): it removes fault-plan steps and client operations by delta
// debugging, drops clients, lowers the cluster size, shortens the run, and
// simplifies the network, keeping each cut only if the failure still
// happens. It is deterministic for a given file and options.
func Shrink(f failfile.File, opts Options) (Result, error) {
	s := &shrinker{seed: f.Seed, sig: f.Failure.Signature(), opts: opts, budget: opts.MaxRuns}
	if s.budget <= 0 {
		s.budget = DefaultMaxRuns
	}
	if err := s.start(f.Config); err != nil {
		return Result{}, err
	}
	before := s.size()
	// Cheap, large cuts first: the run's length, whole clients; then the
	// delta debugging of commands and plan steps; then the small stuff.
	for s.budget > 0 {
		was := s.size()
		s.duration()
		s.clients()
		s.operations()
		s.plan()
		s.nodes()
		s.network()
		if s.size() == was {
			break // a fixed point: no pass cut anything
		}
	}
	file := failfile.New(f.Scenario, s.cfg, s.last)
	file.Expect = f.Expect
	return Result{File: file, Before: before, After: s.size(), Runs: s.runs}, nil
}

// start materializes the failing config: generative faults become plan
// steps, drawn commands become a script. Both replay the same run; the
// failure must reproduce before anything is cut.
func (s *shrinker) start(cfg harness.Config) error {
	cfg = cfg.Materialize(s.seed)
	res, ok := s.try(cfg)
	if !ok {
		return fmt.Errorf("shrink: %w (seed %v, %s)", ErrNotReproduced, s.seed, s.sig)
	}
	if cfg.Workload.Script == nil && cfg.Workload.Clients > 0 {
		scripted := cfg
		scripted.Workload.Script = res.Script
		if _, ok := s.try(scripted); ok {
			cfg = scripted
		}
	}
	s.cfg = cfg
	s.last, _ = s.try(cfg)
	return nil
}

// try runs cfg and reports whether it fails the same way. Invalid configs
// (a cut that broke the plan's budget) do not fail the same way.
func (s *shrinker) try(cfg harness.Config) (harness.Result, bool) {
	if s.opts.Stop != nil && s.opts.Stop() {
		s.budget = 0
		return harness.Result{}, false
	}
	s.runs++
	res, err := harness.Run(cfg, s.seed)
	if err != nil || res.Failure == nil || res.Failure.Signature() != s.sig {
		return res, false
	}
	return res, true
}

// keep tries cfg and adopts it if it still fails the same way.
func (s *shrinker) keep(pass string, cfg harness.Config) bool {
	if s.budget <= 0 {
		return false
	}
	s.budget--
	res, ok := s.try(cfg)
	if !ok || !sizeOf(cfg, res).within(s.size()) {
		return false // not the same failure, or larger on some measure
	}
	s.cfg, s.last = cfg, res
	if s.opts.Progress != nil {
		s.opts.Progress(Progress{Pass: pass, Runs: s.runs, Size: s.size()})
	}
	return true
}

func (s *shrinker) size() Size { return sizeOf(s.cfg, s.last) }

// sizeOf measures a failing config by its run.
func sizeOf(cfg harness.Config, res harness.Result) Size {
	return Size{
		PlanSteps: len(cfg.Plan.Steps), Operations: cfg.Workload.Operations(), Clients: cfg.Workload.Clients,
		Nodes: cfg.Nodes + cfg.Spares, VirtualTime: time.Duration(res.Stats.VirtualTime), Steps: res.Stats.Steps,
	}
}

// plan removes fault-plan steps.
func (s *shrinker) plan() {
	ddmin(s.cfg.Plan.Steps, func(steps []faults.Step) bool {
		c := s.cfg
		c.Plan = faults.Plan{Steps: steps}
		return s.keep("plan", c)
	}, s.more)
}

// more reports whether the run budget allows another try.
func (s *shrinker) more() bool { return s.budget > 0 }

// operations removes commands from the clients' scripts, all clients'
// commands delta-debugged as one list (so whole runs of them go at once).
func (s *shrinker) operations() {
	type opRef struct{ client, index int }
	var all []opRef
	for c, ops := range s.cfg.Workload.Script {
		for i := range ops {
			all = append(all, opRef{c, i})
		}
	}
	script := s.cfg.Workload.Script
	ddmin(all, func(keep []opRef) bool {
		c := s.cfg
		c.Workload.Script = make([][]checker.Input, len(script))
		for i := range c.Workload.Script {
			c.Workload.Script[i] = []checker.Input{}
		}
		for _, r := range keep {
			c.Workload.Script[r.client] = append(c.Workload.Script[r.client], script[r.client][r.index])
		}
		return s.keep("operations", c)
	}, s.more)
}

// clients drops whole clients, trying each from the last (the others are
// renumbered down, so their scripts and streams shift).
func (s *shrinker) clients() {
	for i := s.cfg.Workload.Clients - 1; i >= 0 && s.budget > 0; i-- {
		if i >= s.cfg.Workload.Clients {
			continue
		}
		c := s.cfg
		c.Workload.Clients--
		if c.Workload.Script != nil {
			c.Workload.Script = append(append([][]checker.Input{}, c.Workload.Script[:i]...), c.Workload.Script[i+1:]...)
		}
		s.keep("clients", c)
	}
}

// nodes lowers the cluster size: spares first, then each initial node no
// plan step names, renumbering the nodes after it.
func (s *shrinker) nodes() {
	for s.cfg.Spares > 0 && s.budget > 0 {
		c := s.cfg
		c.Spares--
		if !s.keep("nodes", c) {
			break
		}
	}
	for id := s.cfg.Nodes; id >= 1 && s.cfg.Nodes > 1 && s.budget > 0; id-- {
		if id > s.cfg.Nodes {
			continue
		}
		plan, ok := withoutNode(s.cfg.Plan, id)
		if !ok {
			continue
		}
		c := s.cfg
		c.Nodes--
		c.Plan = plan
		if c.Plan.Validate(c.Nodes+c.Spares) == nil {
			s.keep("nodes", c)
		}
	}
}

// withoutNode renumbers a plan for a cluster without node id: nodes after
// it move down by one. It fails if a step names id itself.
func withoutNode(p faults.Plan, id int) (faults.Plan, bool) {
	shift := func(n int) (int, bool) {
		switch {
		case n == id:
			return 0, false
		case n > id:
			return n - 1, true
		}
		return n, true
	}
	list := func(ids []int) ([]int, bool) {
		if ids == nil {
			return nil, true
		}
		out := make([]int, 0, len(ids))
		for _, n := range ids {
			m, ok := shift(n)
			if !ok {
				return nil, false
			}
			out = append(out, m)
		}
		return out, true
	}
	steps := make([]faults.Step, len(p.Steps))
	for i, st := range p.Steps {
		var ok bool
		if st.Node > 0 {
			n, ok := shift(int(st.Node))
			if !ok {
				return faults.Plan{}, false
			}
			st.Node = faults.NodeRef(n)
		}
		groups := make([][]int, len(st.Groups))
		for g := range st.Groups {
			if groups[g], ok = list(st.Groups[g]); !ok {
				return faults.Plan{}, false
			}
		}
		if st.Groups != nil {
			st.Groups = groups
		}
		if st.Nodes, ok = list(st.Nodes); !ok {
			return faults.Plan{}, false
		}
		if st.From, ok = list(st.From); !ok {
			return faults.Plan{}, false
		}
		if st.To, ok = list(st.To); !ok {
			return faults.Plan{}, false
		}
		steps[i] = st
	}
	return faults.Plan{Steps: steps}, true
}

// duration shortens the chaos phase: straight to just past the failure
// when it happened in the chaos phase, then by halving what lies beyond
// the last plan step.
func (s *shrinker) duration() {
	if f := s.last.Failure; f != nil && time.Duration(f.Time) < s.cfg.Duration {
		c := s.cfg
		c.Duration = max(time.Duration(f.Time)+time.Millisecond, s.cfg.Plan.End()+time.Millisecond)
		if c.Duration < s.cfg.Duration {
			s.keep("duration", c)
		}
	}
	floor := s.cfg.Plan.End() + time.Millisecond
	for s.budget > 0 {
		d := s.cfg.Duration
		next := max(floor, (d+floor)/2, time.Millisecond)
		if next >= d {
			return
		}
		c := s.cfg
		c.Duration = next
		if !s.keep("duration", c) {
			return
		}
	}
}

// network makes the network as plain as the failure allows: fixed
// latency, no loss, no duplication, no capacity limit.
func (s *shrinker) network() {
	n := s.cfg.Network
	for _, change := range []func(*sim.LinkConfig){
		func(l *sim.LinkConfig) { l.Loss = sim.Never },
		func(l *sim.LinkConfig) { l.Duplicate = sim.Never },
		func(l *sim.LinkConfig) { l.BytesPerSecond = 0 },
		func(l *sim.LinkConfig) { l.Latency = sim.FixedDist(max(l.Latency.Min, time.Millisecond)) },
	} {
		c := s.cfg
		change(&c.Network)
		if c.Network != n {
			if s.keep("network", c) {
				n = s.cfg.Network
			}
		}
	}
}
