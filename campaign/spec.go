package campaign

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/internal/zoo"
	"github.com/raftsim/raftsim/scenarios"
	"github.com/raftsim/raftsim/sim"
)

// AllScenarios is the Spec.Name of a campaign whose seeds each pick one of
// several scenarios.
const AllScenarios = "all"

// Spec describes a campaign: which seeds, which scenario for each, with
// which bugs and store, on how many workers, for how long. The zero value
// is usable: seeds of every built-in scenario from campaign seed 0, on
// GOMAXPROCS workers, for DefaultSeeds seeds. A Spec is read-only while a campaign
// runs, so every worker shares it without locks.
type Spec struct {
	// Seed is the campaign seed: seed k of the campaign is derived from it
	// and k alone (SeedAt), so any shard computes any seed.
	Seed sim.Seed
	// Scenarios are what each seed runs: with one, every seed runs it; with
	// several, each seed draws one from a stream of its own. Empty means
	// every built-in scenario (scenarios.All()).
	Scenarios []scenarios.Scenario
	// Name is how the summary names the scenario choice: a scenario's name
	// or file, or AllScenarios. Empty: the one scenario's name, else "all".
	Name string
	// Short is the scenarios' short mode: same shapes, shorter chaos.
	Short bool
	// Bugs are planted raft bug knobs, added to each scenario's own.
	Bugs zoo.Bugs
	// Store, when its Name is not empty, replaces every seed's store. A
	// store with Open set is registered under its name (RegisterStore),
	// so that failure files and replays find it; with Open nil the name
	// must be registered already ("disk", "memory", or a user's). A store
	// on the device runs on the scenario's disk: latency, durability
	// horizon, crash policy and faults (the default disk for a scenario
	// of the memory store).
	Store harness.Store

	// Seeds is the seed budget: run seed indexes 0..Seeds-1. Time and CPU
	// are budgets of wall time and process CPU time after which no new
	// seed starts. Whichever ends first ends the campaign; with none set,
	// the budget is DefaultSeeds.
	Seeds int
	Time  time.Duration
	CPU   time.Duration
	// Shard is the slice of the seed indexes this campaign runs; the zero
	// value is all of them.
	Shard Shard
	// Skip is how many of the shard's seeds to pass over before the first
	// one run: a campaign resumed where an earlier one stopped.
	Skip uint64
	// Workers run seeds in parallel, one world each; 0 is
	// runtime.GOMAXPROCS(0): the CPUs the process may use, which follows a
	// container's CPU limit, where runtime.NumCPU() counts the node's cores.
	Workers int
	// SeedTimeout is the wall time a seed may take before it counts as a
	// failure (class budget, check wall-time); 0 for no limit.
	SeedTimeout time.Duration
	// MaxFailures, when positive, stops the campaign from starting seeds
	// once that many seeds have failed (seeds already running finish).
	MaxFailures int
	// Reproduce is the command line that reruns a seed, for the summary;
	// nil gives RunCommand's `raftsim run` line.
	Reproduce func(Outcome) string
	// Guided perturbs the runs that hit rare probes, in generations, to
	// explore around them (guided.go); per shard.
	Guided bool
}

// DefaultSeeds is the seed budget of a Spec without one.
const DefaultSeeds = 1000

// MaxWorkers bounds Spec.Workers.
const MaxWorkers = 4096

// Validate reports what makes no campaign. It registers Spec.Store when
// the spec brings the store's code.
func (s *Spec) Validate() error {
	switch {
	case s.Seeds < 0 || s.Time < 0 || s.CPU < 0:
		return fmt.Errorf("campaign: budgets must not be negative (seeds %d, time %v, cpu %v)", s.Seeds, s.Time, s.CPU)
	case s.Workers < 0 || s.Workers > MaxWorkers:
		return fmt.Errorf("campaign: workers %d: want 1 to %d (0 for GOMAXPROCS)", s.Workers, MaxWorkers)
	case s.SeedTimeout < 0:
		return errors.New("campaign: the seed timeout must not be negative")
	case s.MaxFailures < 0:
		return fmt.Errorf("campaign: max failures %d: must not be negative", s.MaxFailures)
	}
	if s.Shard != (Shard{}) {
		if err := s.Shard.validate(); err != nil {
			return err
		}
	}
	switch {
	case s.Store.Name == "":
	case s.Store.Open != nil:
		if err := harness.RegisterStore(s.Store); err != nil {
			return fmt.Errorf("campaign: %w", err)
		}
	default:
		if _, err := harness.LookupStore(s.Store.Name); err != nil {
			return fmt.Errorf("campaign: %w", err)
		}
	}
	return nil
}

// withDefaults fills in what the zero value leaves open.
func (s Spec) withDefaults() Spec {
	if len(s.Scenarios) == 0 {
		s.Scenarios = scenarios.All()
		if s.Name == "" {
			s.Name = AllScenarios
		}
	}
	if s.Name == "" {
		s.Name = AllScenarios
		if len(s.Scenarios) == 1 {
			s.Name = s.Scenarios[0].Name
		}
	}
	if s.Shard == (Shard{}) {
		s.Shard = AllSeeds
	}
	if s.Workers == 0 {
		s.Workers = runtime.GOMAXPROCS(0)
	}
	if s.Seeds == 0 && s.Time == 0 && s.CPU == 0 {
		s.Seeds = DefaultSeeds
	}
	return s
}

// Campaign is what the summary records of the spec.
func (s *Spec) Campaign() Campaign {
	d := s.withDefaults()
	bugs := d.Bugs.Names()
	if bugs == nil {
		bugs = []string{}
	}
	return Campaign{Seed: d.Seed, Scenario: d.Name, Short: d.Short, Bugs: bugs, Store: d.Store.Name,
		SeedBudget: d.Seeds, TimeBudget: d.Time, CPUBudget: d.CPU, Shards: d.Shard.Count, Guided: d.Guided}
}

// SeedAt is the campaign's k-th seed: derived from the campaign seed by
// index, so any shard computes any seed without the ones before it.
func (s *Spec) SeedAt(k uint64) sim.Seed {
	return s.Seed.Derive("campaign/seed/" + strconv.FormatUint(k, 10))
}

// scenarioFor picks the seed's scenario. With several it is drawn from the
// seed (its own stream, so the draw shifts nothing in the world); adding a
// scenario changes the picks, which is harmless since a failure file holds
// the concrete scenario and config.
func (s *Spec) scenarioFor(seed sim.Seed) scenarios.Scenario {
	if len(s.Scenarios) == 1 {
		return s.Scenarios[0]
	}
	return s.Scenarios[seed.Stream("campaign/scenario").Intn(len(s.Scenarios))]
}

// config is the seed's concrete configuration, with the campaign's bugs
// and store. Per-step hashes are kept so a failure file can name where a
// replay parts; they do not change the run.
func (s *Spec) config(sc scenarios.Scenario, seed sim.Seed) harness.Config {
	cfg := sc.Config(seed, s.Short)
	cfg.Bugs = cfg.Bugs.Union(s.Bugs)
	if s.Store.Name != "" {
		if err := cfg.UseStore(s.Store.Name); err != nil {
			panic(fmt.Sprintf("campaign: %v (Validate found the store)", err))
		}
	}
	cfg.KeepStepHashes = true
	return cfg
}
