package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/raftsim/raftsim/campaign"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/scenarios"
)

const fuzzExamples = `  raftsim fuzz --seeds 1000 --short                 1000 seeds, each of a scenario it picks, all cores
  raftsim fuzz --seeds 1000 --scenario swarm        the swarm scenario: each seed draws its whole shape
  raftsim fuzz --time 10m --scenario default         ten minutes of one scenario
  raftsim fuzz --campaign-seed 7 --seeds 300 --short --bugs prevote-never-grants --out failures
                                                     plant a bug: every seed fails, one file per signature
  raftsim fuzz --campaign-seed 7 --seeds 30000 --shard 2/3 --summary s2.json --junit s2.xml
                                                     the second third of a campaign, for CI
  JOB_COMPLETION_INDEX=1 raftsim fuzz --campaign-seed 7 --seeds 30000 --shard /3
                                                     the same shard, index from a Kubernetes indexed Job
`

// fuzzOptions is a parsed `raftsim fuzz` command line.
type fuzzOptions struct {
	spec     campaign.Spec
	out      string // failure files; "" for none
	summary  string
	junit    string
	json     bool
	probes   bool // print the probe table before the report
	progress progressMode
	every    time.Duration
	grace    time.Duration
}

// fuzzFlags are the raw flag values of `raftsim fuzz`.
type fuzzFlags struct {
	seed, scenario, bugs, store, out, summary, junit, shard, shardEnv, progress string
	seeds, workers, maxFailures                                                 int
	time, cpu, every, seedTimeout, grace                                        time.Duration
	short, json, probes, guided                                                 bool
}

func (f *fuzzFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.seed, "campaign-seed", "", "the campaign seed (decimal or 0x-hex); random when absent (required with --shard)")
	fs.IntVar(&f.seeds, "seeds", 0, "budget: run seeds 0..N-1 of the campaign (default 1000 when --time is absent)")
	fs.DurationVar(&f.time, "time", 0, "budget: start no seed after this wall time, e.g. 10m (with --seeds: whichever ends first)")
	fs.DurationVar(&f.cpu, "cpu", 0, "budget: start no seed after the process used this much CPU time, e.g. 20m")
	fs.IntVar(&f.workers, "workers", runtime.GOMAXPROCS(0), "worlds run in parallel, one per goroutine (default: GOMAXPROCS, which follows a container's CPU limit)")
	fs.StringVar(&f.scenario, "scenario", allScenarios, "a scenario name or file, or all: each seed picks one of the built-in scenarios (raftsim scenarios lists them)")
	fs.BoolVar(&f.short, "short", false, "the scenarios' short mode: same shapes, shorter chaos phase")
	fs.StringVar(&f.bugs, "bugs", "", "comma-separated raft bug knobs to switch on, e.g. prevote-never-grants")
	fs.StringVar(&f.store, "store", "", "run every seed on this store instead of the scenario's: "+storeNames())
	fs.StringVar(&f.out, "out", "raftsim-failures", "directory for failure files (created at the first failure); empty for none")
	fs.StringVar(&f.summary, "summary", "", "write the JSON summary to this file (rewritten while running, atomically)")
	fs.StringVar(&f.junit, "junit", "", "write a JUnit XML report to this file")
	fs.BoolVar(&f.json, "json", false, "print the JSON summary on stdout instead of the text report")
	fs.BoolVar(&f.probes, "probes", false, "print the coverage probe table (seeds that hit each probe) before the text report")
	fs.BoolVar(&f.guided, "guided", false, "guided: perturb (plan and workload) the seeds that hit rare probes, in generations of 32; per shard (docs/design.md)")
	fs.StringVar(&f.shard, "shard", "1/1", "run slice i of n (seed k belongs to shard k mod n + 1); /n takes i from --shard-index-env")
	fs.StringVar(&f.shardEnv, "shard-index-env", campaign.DefaultShardEnv, "environment variable with the 0-based shard index, for --shard /n")
	fs.StringVar(&f.progress, "progress", "auto", "auto (a bar on a terminal, else plain lines), bar, plain or none")
	fs.DurationVar(&f.every, "progress-every", 10*time.Second, "time between plain progress lines")
	fs.DurationVar(&f.seedTimeout, "seed-timeout", 5*time.Minute, "wall time one seed may take before it is a failure (0: no limit)")
	fs.IntVar(&f.maxFailures, "max-failures", 0, "stop starting seeds after N seeds failed (0: no limit), e.g. 1 to stop at the first failure")
	fs.DurationVar(&f.grace, "grace", 10*time.Second, "after Ctrl-C, how long running seeds may finish before they are abandoned")
}

// check rejects values that make no campaign; set names the flags given.
func (f *fuzzFlags) check(set map[string]bool) error {
	switch {
	case f.seeds < 0:
		return fmt.Errorf("--seeds %d: must not be negative", f.seeds)
	case f.time < 0 || f.cpu < 0:
		return fmt.Errorf("--time %v, --cpu %v: must not be negative", f.time, f.cpu)
	case f.seeds == 0 && f.time == 0 && f.cpu == 0 && (set["seeds"] || set["time"] || set["cpu"]):
		return errors.New("--seeds 0 and no --time or --cpu: the campaign would run nothing")
	case f.workers < 1 || f.workers > campaign.MaxWorkers:
		return fmt.Errorf("--workers %d: want 1 to %d", f.workers, campaign.MaxWorkers)
	case f.every <= 0:
		return fmt.Errorf("--progress-every %v: must be positive", f.every)
	case f.seedTimeout < 0 || f.grace < 0:
		return errors.New("--seed-timeout and --grace must not be negative")
	}
	return nil
}

// spec turns the flags into the campaign's spec.
func (f *fuzzFlags) spec(set map[string]bool, getenv func(string) string) (p campaign.Spec, err error) {
	if p.Shard, err = campaign.ParseShard(f.shard, f.shardEnv, getenv); err != nil {
		return p, err
	}
	if p.Shard.Count > 1 && !set["campaign-seed"] {
		return p, fmt.Errorf("--shard %s needs --campaign-seed, so that every shard runs the same campaign", p.Shard)
	}
	if p.Seed, err = chooseSeed(f.seed); err != nil {
		return p, fmt.Errorf("--campaign-seed: %w", err)
	}
	if p.Bugs, err = parseBugs(f.bugs); err != nil {
		return p, err
	}
	if f.store != "" {
		if _, err = harness.LookupStore(f.store); err != nil {
			return p, fmt.Errorf("--store: %w", err)
		}
		p.Store = harness.Store{Name: f.store} // registered: the spec finds it by name
	}
	if f.scenario == allScenarios {
		p.Scenarios = scenarios.All()
	} else {
		sc, err := lookupScenario(f.scenario)
		if err != nil {
			return p, err
		}
		p.Scenarios = []scenarios.Scenario{sc}
	}
	if f.seeds == 0 && f.time == 0 && f.cpu == 0 {
		f.seeds = campaign.DefaultSeeds
	}
	p.Name, p.Short = f.scenario, f.short
	p.Seeds, p.Time, p.CPU = f.seeds, f.time, f.cpu
	p.Workers, p.SeedTimeout, p.MaxFailures = f.workers, f.seedTimeout, f.maxFailures
	p.Guided = f.guided
	return p, p.Validate()
}

// parseFuzz parses the flags of `raftsim fuzz`. getenv reads the shard
// index of an indexed Job; stream is where progress goes (to decide
// whether it is a terminal).
func parseFuzz(args []string, stderr io.Writer, getenv func(string) string, stream *os.File) (o fuzzOptions, code int, done bool) {
	fs := newFlagSet("fuzz", `Usage: raftsim fuzz [flags]

Runs a campaign: many seeds, each a world of its own, on all cores. Seed k
of the campaign is derived from --campaign-seed and k; with --scenario all
(the default) each seed also picks its scenario. Each failing seed is
written as a failure file the moment it is found, one per signature (the
lowest seed index wins; see docs/ci.md), and a summary closes the campaign,
also after Ctrl-C.`, fuzzExamples, stderr)
	var f fuzzFlags
	f.define(fs)
	if code, done := parseFlags(fs, args); done {
		return o, code, true
	}
	set := setFlags(fs)
	err := f.check(set)
	if err == nil {
		o.spec, err = f.spec(set, getenv)
	}
	if err == nil {
		o.progress, err = parseProgress(f.progress, stream)
	}
	if err != nil {
		return o, usageError(stderr, fs, "%v", err), true
	}
	o.out, o.summary, o.junit, o.json, o.every, o.grace = f.out, f.summary, f.junit, f.json, f.every, f.grace
	o.probes = f.probes
	return o, 0, false
}

func guidedNote(guided bool) string {
	if guided {
		return ", guided"
	}
	return ""
}

// fuzzCmd runs a campaign.
func fuzzCmd(args []string, stdout, stderr io.Writer) int {
	o, code, done := parseFuzz(args, stderr, os.Getenv, os.Stderr)
	if done {
		return code
	}
	c := &collector{opts: &o, rec: campaign.NewRecorder(o.spec, o.out)}
	c.prog = &progress{w: stderr, mode: o.progress, every: o.every, width: func() int { return terminalWidth(os.Stderr) }}
	camp := c.rec.Summary.Campaign
	c.prog.printf("raftsim fuzz: campaign seed %v, scenario %s%s%s, shard %v, %s, %d workers\n",
		camp.Seed, camp.Scenario, shortNote(camp.Short), guidedNote(camp.Guided), o.spec.Shard, budgetNote(camp), o.spec.Workers)
	if err := c.runCampaign(); err != nil {
		fmt.Fprintf(stderr, "raftsim fuzz: %v\n", err)
		return exitUsage
	}
	return c.report(stdout, stderr)
}

func shortNote(short bool) string {
	if short {
		return " (short)"
	}
	return ""
}

func budgetNote(c campaign.Campaign) string {
	var parts []string
	if c.SeedBudget > 0 {
		parts = append(parts, fmt.Sprintf("seeds 0..%d", c.SeedBudget-1))
	}
	if c.TimeBudget > 0 {
		parts = append(parts, fmt.Sprintf("for %v", c.TimeBudget))
	}
	if c.CPUBudget > 0 {
		parts = append(parts, fmt.Sprintf("for %v of CPU", c.CPUBudget))
	}
	return strings.Join(parts, " ")
}

// runCampaign runs the workers and collects their outcomes until the
// budget is spent or a signal stops it. A first SIGINT or SIGTERM stops
// taking seeds and gives the running ones --grace to finish; a second one,
// or the end of the grace, abandons them.
func (c *collector) runCampaign() error {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	r, err := campaign.Start(c.opts.spec)
	if err != nil {
		return err
	}
	start := time.Now()
	c.rec.Begin(start, c.opts.spec.Workers)
	c.prog.start, c.prog.lastPlain = start, start
	camp := c.rec.Summary.Campaign
	if camp.SeedBudget > 0 {
		c.prog.total = c.opts.spec.Shard.Size(uint64(camp.SeedBudget))
	}
	if camp.TimeBudget > 0 {
		c.prog.deadline = start.Add(camp.TimeBudget)
	}
	ticker := time.NewTicker(c.prog.tickEvery())
	defer ticker.Stop()
	var graceEnd <-chan time.Time
	results := r.Outcomes()
	for {
		select {
		case o, ok := <-results:
			if !ok {
				c.prog.finish()
				return nil
			}
			c.record(o)
		case now := <-ticker.C:
			c.prog.tick(c.rec.Summary, now)
			c.checkpoint(now)
		case <-sigs:
			if c.rec.Summary.Interrupted {
				c.prog.printf("raftsim fuzz: abandoning the running seeds\n")
				r.Abandon()
				continue
			}
			c.rec.Summary.Interrupted = true
			c.prog.printf("raftsim fuzz: interrupted: letting running seeds finish for up to %v (again to abandon them)\n", c.opts.grace)
			r.Stop()
			graceEnd = time.After(c.opts.grace)
		case <-graceEnd:
			r.Abandon()
		}
	}
}
