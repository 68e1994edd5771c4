package campaign

import (
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/internal/cpuclock"
	"github.com/raftsim/raftsim/sim"
)

// Outcome is one seed's result as a worker reports it.
type Outcome struct {
	Index    uint64
	Seed     sim.Seed
	Scenario string
	Config   harness.Config
	// Result is the run's; its History and linearizability details are
	// dropped, since a campaign does not keep them.
	Result harness.Result
	// Perturbed: in a guided campaign (guided.go), the run perturbs the
	// run of seed index Parent: Config and Seed are its own, and only its
	// failure file reproduces it, not its scenario and seed.
	Perturbed bool
	Parent    uint64
	// Abandoned: the campaign was stopped before the seed finished.
	Abandoned bool
	// Wall is the wall time the seed took: for reports only, never for a
	// verdict.
	Wall time.Duration
}

// Verdict is what an outcome counts as in a summary.
type Verdict uint8

const (
	Passed Verdict = iota
	Failed
	// Inconclusive: the run's verdict is undecided (harness.Result.Inconclusive):
	// neither a pass nor a failure of the system under test.
	Inconclusive
	Abandoned
)

func (v Verdict) String() string {
	return [...]string{"passed", "failed", "inconclusive", "abandoned"}[v]
}

// Verdict classifies the outcome. A real failure wins over an undecided
// linearizability check; a linearizability check that gave up in a build
// that reports it as a failure counts as inconclusive too.
func (o *Outcome) Verdict() Verdict {
	f := o.Result.Failure
	switch {
	case o.Abandoned:
		return Abandoned
	case f != nil && !(f.Class == harness.ClassLinearizability && f.Check == checker.Inconclusive.String()):
		return Failed
	case f != nil || o.Result.Inconclusive != "":
		return Inconclusive
	}
	return Passed
}

// Runner runs a campaign's seeds on its workers and streams their
// outcomes. Stop and Abandon end it early; the outcome channel closes when
// every worker has returned.
type Runner struct {
	spec    Spec
	start   time.Time
	cpu0    time.Duration
	next    atomic.Uint64 // the shard's next position
	guide   *guide        // a guided campaign's schedule; nil for a plain one
	failed  atomic.Int64  // seeds failed, for Spec.MaxFailures
	stopped chan struct{} // closed: take no new seed
	quit    chan struct{} // closed: abandon running seeds
	stopMu  sync.Once
	quitMu  sync.Once
	out     chan Outcome
}

// Start validates the spec and starts its workers.
func Start(spec Spec) (*Runner, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	r := &Runner{spec: spec.withDefaults(), stopped: make(chan struct{}), quit: make(chan struct{})}
	r.start, r.cpu0 = time.Now(), cpuclock.Process()
	r.next.Store(r.spec.Skip)
	if r.spec.Guided {
		r.guide = newGuide(&r.spec)
	}
	r.out = make(chan Outcome, r.spec.Workers)
	var wg sync.WaitGroup
	for i := 0; i < r.spec.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work()
		}()
	}
	go func() {
		wg.Wait()
		close(r.out)
	}()
	return r, nil
}

// Outcomes streams each seed's outcome as it finishes, in no fixed order.
// The consumer must drain it: workers wait for it.
func (r *Runner) Outcomes() <-chan Outcome { return r.out }

// Stop lets running seeds finish and starts no new one.
func (r *Runner) Stop() { r.stopMu.Do(func() { close(r.stopped) }) }

// Abandon gives up on running seeds too: each is reported Abandoned.
func (r *Runner) Abandon() {
	r.Stop()
	r.quitMu.Do(func() { close(r.quit) })
}

func (r *Runner) work() {
	for {
		j, ok := r.take()
		if !ok {
			return
		}
		o := r.runOne(j)
		if r.guide != nil && !o.Abandoned {
			r.guide.finish(j, o)
		}
		if r.spec.MaxFailures > 0 && o.Verdict() == Failed && r.failed.Add(1) >= int64(r.spec.MaxFailures) {
			r.Stop()
		}
		r.out <- o
		if o.Abandoned {
			return
		}
	}
}

// take returns the next run of the shard, or false when a budget is spent
// or the campaign stopped. In a guided campaign it waits, when the current
// generation's runs are all out, for the generation to finish.
func (r *Runner) take() (job, bool) {
	for {
		select {
		case <-r.stopped:
			return job{}, false
		default:
		}
		s := &r.spec
		if (s.Time > 0 && time.Since(r.start) >= s.Time) || (s.CPU > 0 && cpuclock.Process()-r.cpu0 >= s.CPU) {
			r.Stop()
			return job{}, false
		}
		if r.guide == nil {
			k := s.Shard.nth(r.next.Add(1) - 1)
			if s.Seeds > 0 && k >= uint64(s.Seeds) {
				return job{}, false
			}
			return job{index: k}, true
		}
		j, wait, ok := r.guide.take()
		if !ok || wait == nil {
			return j, ok
		}
		select {
		case <-wait:
		case <-r.stopped:
			return job{}, false
		}
	}
}

// runOne runs seed index k on a goroutine of its own, so that the worker
// can give up on it: when it outlives the seed timeout (a failure) or the
// campaign is abandoned. A seed given up on keeps running until it next
// asks whether to stop, and its result is dropped.
func (r *Runner) runOne(j job) Outcome {
	done := make(chan Outcome, 1) // buffered: a seed given up on never blocks
	var giveUp atomic.Bool        // tells the world to stop: nobody waits for it
	defer giveUp.Store(true)
	go func() { done <- r.spec.runJob(j, giveUp.Load) }()
	var timeout <-chan time.Time
	if r.spec.SeedTimeout > 0 {
		t := time.NewTimer(r.spec.SeedTimeout)
		defer t.Stop()
		timeout = t.C
	}
	o := Outcome{Index: j.index, Seed: r.spec.SeedAt(j.index), Wall: r.spec.SeedTimeout}
	o.Scenario = r.spec.scenarioFor(o.Seed).Name
	if p := j.perturb; p != nil {
		o.Seed, o.Scenario, o.Perturbed, o.Parent = r.spec.perturbedSeed(j.index), p.scenario, true, p.parent
		o.Config = perturbConfig(p, o.Seed)
	}
	select {
	case res := <-done:
		return res
	case <-timeout:
		o.Result = failed(o.Seed, harness.Failure{Class: harness.ClassBudget, Check: "wall-time",
			Message: fmt.Sprintf("still running after %v of wall time (--seed-timeout): the result is not reproducible by trace hash", r.spec.SeedTimeout)})
		return o
	case <-r.quit:
		o.Abandoned, o.Wall = true, 0
		return o
	}
}

// RunSeed runs seed index k of the campaign on the calling goroutine.
// stop, if not nil, is asked now and then whether to give up on the seed
// (harness.Options.Stop). A panic in the scenario or the world is the
// seed's failure, not the campaign's.
func (s *Spec) RunSeed(k uint64, stop func() bool) Outcome {
	start := time.Now()
	d := s.withDefaults()
	o := Outcome{Index: k, Seed: d.SeedAt(k)}
	if d.prepare(&o) {
		o = d.execute(o, stop)
	}
	o.Wall = time.Since(start)
	return o
}

// runJob runs one job of the campaign: a plain seed or a perturbation.
func (s *Spec) runJob(j job, stop func() bool) Outcome {
	p := j.perturb
	if p == nil {
		return s.RunSeed(j.index, stop)
	}
	start := time.Now()
	d := s.withDefaults()
	o := Outcome{Index: j.index, Seed: d.perturbedSeed(j.index), Scenario: p.scenario, Perturbed: true, Parent: p.parent}
	o.Config = perturbConfig(p, o.Seed)
	o = d.execute(o, stop)
	o.Wall = time.Since(start)
	return o
}

// prepare picks the scenario and builds the config.
func (s *Spec) prepare(o *Outcome) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			o.Result = failed(o.Seed, panicFailure("scenario", r))
			ok = false
		}
	}()
	sc := s.scenarioFor(o.Seed)
	o.Scenario = sc.Name
	o.Config = s.config(sc, o.Seed)
	return true
}

// execute runs one world. harness.Run turns a panic in the world into a
// failure; a panic that escapes it anyway is caught here.
func (s *Spec) execute(o Outcome, stop func() bool) (out Outcome) {
	defer func() {
		if r := recover(); r != nil {
			o.Result = failed(o.Seed, panicFailure("campaign", r))
			out = o
		}
	}()
	res, err := harness.RunWith(o.Config, o.Seed, harness.Options{Stop: stop})
	if err != nil {
		res = failed(o.Seed, harness.Failure{Class: harness.ClassHarness, Check: "config",
			Message: fmt.Sprintf("scenario %s built an invalid config: %v", o.Scenario, err)})
	}
	res.History = checker.History{}
	res.Linearizability = checker.LinearizabilityResult{}
	o.Result = res
	o.Abandoned = res.Abandoned
	return o
}

func failed(seed sim.Seed, f harness.Failure) harness.Result {
	return harness.Result{Seed: seed, Failure: &f}
}

func panicFailure(check string, r any) harness.Failure {
	return harness.Failure{Class: harness.ClassPanic, Check: check, Message: fmt.Sprint(r), Stack: string(debug.Stack())}
}
