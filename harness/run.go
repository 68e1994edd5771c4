package harness

import (
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// Failure classes: what kind of check a failing run broke.
const (
	ClassLinearizability = "linearizability"
	ClassInvariant       = "invariant"
	ClassPanic           = "panic"
	ClassStorage         = "storage"
	ClassBudget          = "budget"
	ClassLiveness        = "liveness"
	ClassHarness         = "harness"
	// ClassAvailability: an availability mechanism missed its bound during
	// the run (availability.go).
	ClassAvailability = "availability"
)

// Failure says what a failing run broke, and where.
type Failure struct {
	// Class is one of the Class* constants.
	Class string `json:"class"`
	// Check names the invariant or check within the class.
	Check string `json:"check,omitempty"`
	// Message is a one-line description naming nodes, terms and indexes.
	Message string `json:"message"`
	// Step and Time locate the failure in the run.
	Step uint64   `json:"step"`
	Time sim.Time `json:"time"`
	// Stack is the goroutine stack of a panic.
	Stack string `json:"stack,omitempty"`
}

// Signature identifies a failure for deduplication (see signature.go):
// the one definition campaigns, shrink, the corpus and emitted tests use.
func (f *Failure) Signature() string { return signature(f) }

func (f *Failure) String() string {
	return fmt.Sprintf("%s %s at step %d (%v): %s", f.Class, f.Check, f.Step, f.Time, f.Message)
}

// Stats counts what happened in a run.
type Stats struct {
	Steps           uint64   `json:"steps"`
	VirtualTime     sim.Time `json:"virtualTime"`
	OpsCompleted    int      `json:"opsCompleted"`
	OpsUnknown      int      `json:"opsUnknown"`
	CommandsApplied int      `json:"commandsApplied"`
	LeaderChanges   int      `json:"leaderChanges"`
	Messages        uint64   `json:"messages"`
	Crashes         int      `json:"crashes"`
	Pauses          int      `json:"pauses"`
	Restarts        int      `json:"restarts"`
	// MembershipChanges counts completed admin operations (adds, removes,
	// transfers); AdminAbandoned those given up on.
	MembershipChanges int `json:"membershipChanges"`
	AdminAbandoned    int `json:"adminAbandoned"`
	// Faults counts the plan steps applied, by kind; FaultsSkipped those
	// that found nothing to act on (no leader, a node already down).
	Faults        map[string]int `json:"faults,omitempty"`
	FaultsSkipped int            `json:"faultsSkipped"`
	// StorageStops counts nodes that stopped on a storage error (a faulty
	// disk), CorruptionsDetected those of them that found corrupt data.
	StorageStops        int `json:"storageStops"`
	CorruptionsDetected int `json:"corruptionsDetected"`
	// RecoveryTime is how long the healed cluster took to converge in the
	// liveness phase.
	RecoveryTime time.Duration `json:"recoveryTime"`
	// LivenessBound is the time the liveness phase gave the healed cluster
	// (derived at the heal from the work left, see livebound.go).
	LivenessBound time.Duration `json:"livenessBound,omitempty"`
	// Outside lists the healed nodes outside the leader's committed
	// configuration at the end of the liveness phase: Raft owes them
	// nothing, so they are reported, not failed.
	Outside []raft.NodeID `json:"outside,omitempty"`
}

// Result is the outcome of one run.
type Result struct {
	Seed    sim.Seed `json:"seed"`
	Failure *Failure `json:"failure,omitempty"`
	// Inconclusive, when not empty, says why the run's verdict is undecided (the
	// linearizability search reached its deterministic bound). Such a run is neither a
	// pass nor a failure of the system under test.
	Inconclusive string `json:"inconclusive,omitempty"`
	Stats        Stats  `json:"stats"`
	// TraceHash is a hash of every event of the run: the same config and
	// seed always give the same hash.
	TraceHash uint64 `json:"traceHash"`
	// StepHashes is the hash after each step, when the config asked for it.
	StepHashes []uint64 `json:"-"`
	// Abandoned: Options.Stop ended the run early; it checked nothing.
	Abandoned bool `json:"abandoned,omitempty"`
	// History is what the clients saw (resolved for checking).
	History checker.History `json:"-"`
	// Script is the commands each client issued, in order, unresolved
	// (reads never answered included): the run's workload as data, which
	// Workload.Script replays exactly.
	Script          [][]checker.Input             `json:"-"`
	Linearizability checker.LinearizabilityResult `json:"-"`
	Stop            sim.StopReason                `json:"-"`
	// Probes counts the coverage probes the run hit (probes.go).
	Probes Probes `json:"-"`
}

// Passed reports whether the run found nothing wrong and every check
// decided: an inconclusive run has not passed (nor failed).
func (r *Result) Passed() bool { return r.Failure == nil && r.Inconclusive == "" }

// Options are what a run does besides simulating: they never change the
// run itself (the trace hash is the same with or without them).
type Options struct {
	// Tracer sees every event as it happens.
	Tracer Tracer
	// Stop, if set, is asked every few thousand steps; true abandons the
	// run (Result.Abandoned), for a campaign that gives up on a seed. It
	// is the caller's clock, not the world's: an abandoned run proves
	// nothing and its trace hash means nothing.
	Stop func() bool
}

// stopEvery is how many steps pass between asks of Options.Stop.
const stopEvery = 4096

// Run runs one world for a seed and checks it. A config error is returned
// as an error; everything that goes wrong inside the world, a panic
// included, is a Failure in the Result.
func Run(cfg Config, seed sim.Seed) (Result, error) {
	return RunWith(cfg, seed, Options{})
}

// RunWith is Run with options.
func RunWith(cfg Config, seed sim.Seed, opts Options) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	w := newWorld(cfg, seed)
	w.tracer = opts.Tracer
	w.stop = opts.Stop
	res := Result{Seed: seed}
	res.Stop = w.runSafely()
	w.finish(&res)
	return res, nil
}

// runSafely runs the world, turning a panic into a failure with its stack.
func (w *World) runSafely() (stop sim.StopReason) {
	defer func() {
		if r := recover(); r != nil {
			w.failure = nil // the panic is the first thing that went wrong
			w.fail(Failure{Class: ClassPanic, Check: panicCheck(r), Message: fmt.Sprint(r), Stack: string(debug.Stack())})
			stop = sim.Stopped
		}
	}()
	return w.run()
}

// panicCheck names a panic by its message up to the first colon, which in
// this module is the place that panicked ("raft: n2: ...").
func panicCheck(r any) string {
	s := fmt.Sprint(r)
	if i := strings.Index(s, ": "); i > 0 && i < 40 {
		return s[:i]
	}
	return "panic"
}

// finish closes the history, runs the end-of-run checks and fills res.
func (w *World) finish(res *Result) {
	if w.failure == nil && w.kernel.Budget().MaxSteps > 0 && w.kernel.Steps() >= w.kernel.Budget().MaxSteps && !w.done {
		w.fail(Failure{Class: ClassBudget, Check: "steps", Message: fmt.Sprintf("step budget %d exhausted at %v", w.cfg.MaxSteps, w.kernel.Now())})
	}
	if w.abandoned {
		res.Abandoned = true
		res.Stats = w.stats
		res.Seed = w.seed
		return
	}
	for _, c := range w.clients {
		c.abandon()
	}
	raw := w.rec.History()
	res.Script = ScriptFromHistory(raw, len(w.clients))
	h := raw.Resolve(w.firstApplied)
	res.History = h
	if w.failure == nil && w.cfg.CheckLinearizability {
		lin := checker.CheckLinearizable(h, w.cfg.CheckLimit)
		res.Linearizability = lin
		switch lin.Verdict {
		case checker.Linearizable:
		case checker.Inconclusive:
			// The search's bound, not the system under test: no failure.
			res.Inconclusive = lin.String()
		default:
			w.fail(Failure{Class: ClassLinearizability, Check: lin.Verdict.String(), Message: lin.String()})
		}
	}
	w.stats.Steps = w.kernel.Steps()
	w.stats.VirtualTime = w.kernel.Now()
	res.Stats = w.stats
	res.Failure = w.failure
	res.TraceHash = w.trace.Sum()
	res.StepHashes = w.trace.StepSums()
	res.Probes = w.collectProbes()
}
