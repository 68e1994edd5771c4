package main

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/internal/zoo"
	"github.com/raftsim/raftsim/scenarios"
	"github.com/raftsim/raftsim/sim"
)

// plan is a campaign as the command line describes it: which seeds, which
// scenario for each, with which bugs. It is read-only once built, so every
// worker shares it without locks.
type plan struct {
	campaign Campaign
	bugs     zoo.Bugs
	// fixed is the scenario of every seed; nil for --scenario all, which
	// picks one from pool per seed.
	fixed *scenarios.Scenario
	pool  []scenarios.Scenario
	shard shard
	// workers run seeds in parallel, one world each.
	workers int
	// seedTimeout is the wall time a seed may take before it counts as a
	// failure (class budget, check wall-time); 0 for no limit.
	seedTimeout time.Duration
}

// seedAt is the campaign's k-th seed: derived from the campaign seed by
// index, so any shard computes any seed without the ones before it.
func (p *plan) seedAt(k uint64) sim.Seed {
	return p.campaign.Seed.Derive("campaign/seed/" + strconv.FormatUint(k, 10))
}

// scenarioFor picks the seed's scenario. With --scenario all it is drawn
// from the seed (its own stream, so the draw shifts nothing in the world);
// adding a scenario changes the picks, which is harmless since a failure
// file holds the concrete scenario and config.
func (p *plan) scenarioFor(seed sim.Seed) scenarios.Scenario {
	if p.fixed != nil {
		return *p.fixed
	}
	return p.pool[seed.Stream("campaign/scenario").Intn(len(p.pool))]
}

// config is the seed's concrete configuration, with the campaign's bugs.
// Per-step hashes are kept so a failure file can name where a replay parts;
// they do not change the run.
func (p *plan) config(sc scenarios.Scenario, seed sim.Seed) harness.Config {
	cfg := sc.Config(seed, p.campaign.Short)
	cfg.Bugs = withBugs(cfg.Bugs, p.bugs)
	cfg.KeepStepHashes = true
	return cfg
}

// outcome is one seed's result as a worker reports it.
type outcome struct {
	index    uint64
	seed     sim.Seed
	scenario string
	cfg      harness.Config
	res      harness.Result // History dropped: a campaign does not keep it
	// abandoned: the campaign was interrupted before the seed finished.
	abandoned bool
}

// runner hands seed indexes to workers and lets the command stop them.
type runner struct {
	plan    *plan
	next    atomic.Uint64 // the shard's next position
	stopped chan struct{} // closed: take no new seed
	quit    chan struct{} // closed: abandon running seeds
	stopMu  sync.Once
	quitMu  sync.Once
}

func newRunner(p *plan) *runner {
	return &runner{plan: p, stopped: make(chan struct{}), quit: make(chan struct{})}
}

// stop lets running seeds finish and starts no new one.
func (r *runner) stop() { r.stopMu.Do(func() { close(r.stopped) }) }

// abandon gives up on running seeds too.
func (r *runner) abandon() {
	r.stop()
	r.quitMu.Do(func() { close(r.quit) })
}

// start runs the workers; the channel closes when all have returned.
func (r *runner) start() <-chan outcome {
	out := make(chan outcome, r.plan.workers)
	var wg sync.WaitGroup
	for i := 0; i < r.plan.workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work(out)
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

func (r *runner) work(out chan<- outcome) {
	for {
		k, ok := r.take()
		if !ok {
			return
		}
		o := r.runOne(k)
		out <- o
		if o.abandoned {
			return
		}
	}
}

// take returns the next seed index of the shard, or false when the budget
// is spent or the campaign stopped.
func (r *runner) take() (uint64, bool) {
	select {
	case <-r.stopped:
		return 0, false
	default:
	}
	k := r.plan.shard.nth(r.next.Add(1) - 1)
	if b := r.plan.campaign.SeedBudget; b > 0 && k >= uint64(b) {
		return 0, false
	}
	return k, true
}

// runOne runs seed index k on a goroutine of its own, so that the worker
// can give up on it: when it outlives the seed timeout (a failure) or the
// campaign is abandoned. A seed given up on keeps running to its end, and
// its result is dropped.
func (r *runner) runOne(k uint64) outcome {
	o := outcome{index: k, seed: r.plan.seedAt(k)}
	if !r.plan.prepare(&o) {
		return o
	}
	done := make(chan outcome, 1) // buffered: a seed given up on never blocks
	var giveUp atomic.Bool        // tells the world to stop: nobody waits for it
	defer func() {
		select {
		case <-done:
		default:
			giveUp.Store(true)
		}
	}()
	go func() { done <- r.plan.execute(o, giveUp.Load) }()
	var timeout <-chan time.Time
	if r.plan.seedTimeout > 0 {
		t := time.NewTimer(r.plan.seedTimeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case res := <-done:
		return res
	case <-timeout:
		o.res = failed(o.seed, harness.Failure{Class: harness.ClassBudget, Check: "wall-time",
			Message: fmt.Sprintf("still running after %v of wall time (--seed-timeout): the result is not reproducible by trace hash", r.plan.seedTimeout)})
		return o
	case <-r.quit:
		o.abandoned = true
		return o
	}
}

// prepare picks the scenario and builds the config. A scenario that
// panics is a failure of the seed, not of the campaign.
func (p *plan) prepare(o *outcome) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			o.res = failed(o.seed, panicFailure("scenario", r))
			ok = false
		}
	}()
	sc := p.scenarioFor(o.seed)
	o.scenario = sc.Name
	o.cfg = p.config(sc, o.seed)
	return true
}

// execute runs one world. harness.Run turns a panic in the world into a
// failure; a panic that escapes it anyway is caught here, so the campaign
// goes on.
func (p *plan) execute(o outcome, stop func() bool) (out outcome) {
	defer func() {
		if r := recover(); r != nil {
			o.res = failed(o.seed, panicFailure("campaign", r))
			out = o
		}
	}()
	res, err := harness.RunWith(o.cfg, o.seed, harness.Options{Stop: stop})
	if err != nil {
		res = failed(o.seed, harness.Failure{Class: harness.ClassHarness, Check: "config",
			Message: fmt.Sprintf("scenario %s built an invalid config: %v", o.scenario, err)})
	}
	res.History = checker.History{}
	res.Linearizability = checker.LinearizabilityResult{}
	o.res = res
	return o
}

func failed(seed sim.Seed, f harness.Failure) harness.Result {
	return harness.Result{Seed: seed, Failure: &f}
}

func panicFailure(check string, r any) harness.Failure {
	return harness.Failure{Class: harness.ClassPanic, Check: check, Message: fmt.Sprint(r), Stack: string(debug.Stack())}
}
