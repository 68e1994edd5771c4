package cli

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/raftsim/raftsim/internal/zoo"
	"github.com/raftsim/raftsim/sim"
)

// `raftsim bench zoo` measures how fast the harness finds each bug of the
// zoo (internal/zoo): per knob, several campaigns run seeds one after another
// until the first failure or a CPU budget, and the report gives the median
// seeds and CPU-seconds to the first detection and the check that caught
// it. The same budget on the correct core must find nothing.

// zooEntry is the scenario the zoo runs a bug under, and why that one.
type zooEntry struct {
	bug      string
	scenario string
	why      string
}

// zooTable chooses, per knob, the built-in scenario most likely to expose
// it. The choices come from campaigns of 1,000 to 3,000 seeds with the knob
// on over every scenario (raftsim fuzz --scenario all --bugs KNOB): the
// rates below are failing seeds per seeds run in that scenario, full
// length unless "short". They guided the choice and are not kept current:
// most were measured before followers learned the commit index only with
// the next append (commit b574ce6), which moved some. docs/performance.md
// has the zoo's figures, which `raftsim bench zoo` reproduces.
var zooTable = []zooEntry{
	{"ack-before-durable", "crash-persistence-points",
		"durable-before-ack sees the acknowledgement leave before the entry is durable, in any scenario with appends (every seed of every scenario fails); " +
			"power cuts inside storage calls are where the lost entry also breaks the log"},
	{"check-quorum-never-resets", "leader-isolation",
		"the availability check sees a leader cut off from its quorum still leading two check-quorum intervals later: the scenario isolates the leader every 1.5s (60/60 seeds)"},
	{"commit-previous-term", "swarm",
		"the watch sees a leader commit an earlier term's entry once a quorum matches it before the leader's own blank: swarm draws one entry per append " +
			"(11/70; long-soak 26/83 but six times the cost; figure-8 0/77, where one append carries both)"},
	{"compacted-prev-is-conflict", "swarm",
		"a duplicated or overtaking append whose previous entry the follower compacted is rejected, which committed-prefix-matches sees; " +
			"swarm draws the most compaction, loss and duplication (69/300 full seeds; the stalled follower itself shows in 1 of 5 campaigns)"},
	{"config-change-without-term-commit", "membership-churn",
		"half of its seeds change one voter at a time; the single-server-change rule sees a change appended before the new leader's first entry commits, " +
			"which needs a change requested in the few milliseconds after an election (7/300 full seeds, 1/300 short)"},
	{"count-learners-in-quorum", "membership-churn",
		"learners exist only while a removed node is added back; crashes of voters let a learner's acknowledgement complete a quorum (106/1000; 2/173 short)"},
	{"count-stale-votes", "lossy-duplicating-network",
		"a duplicated vote grant counted twice elects a second leader in a term: needs duplication and five nodes (11/1000, at a tenth of the others' cost)"},
	{"election-timeout-not-random", "swarm",
		"equal timeouts split votes forever only when candidates start together: swarm's symmetric faults and even cluster sizes (8/70; long-soak 3/83)"},
	{"install-older-snapshot", "snapshot-install-under-partition",
		"snapshots every 20 entries in 256-byte chunks over flapping links: an old snapshot arrives after newer entries were applied (728/1000)"},
	{"prevote-never-grants", "baseline",
		"no leader is ever elected, so the liveness phase fails the first seed of any scenario; the fault-free one has nothing else to blame"},
	{"split-term-vote-persist", "figure-8",
		"the grant leaves once the term alone is durable, so durable-before-ack sees it leave ahead of the vote; figure-8 holds the most elections " +
			"(19/100 short; crash-restart-storm 17/100, crash-persistence-points 8/100)"},
	{"transfer-never-abandoned", "swarm",
		"the availability check sees a leader still refusing proposals for a transfer an election timeout old; a transfer fails only when its TimeoutNow or the target is lost: " +
			"swarm's transfers under loss, crashes and pauses (8/60; membership-churn 4/60 at twice the cost)"},
	{"truncate-on-stale-append", "lossy-duplicating-network",
		"a duplicated or overtaking append truncates acknowledged entries: links of 1-30ms that duplicate 10% (every seed fails)"},
	{"uncapped-follower-commit", "leader-isolation",
		"a heartbeat carries the leader's whole commit index to a deposed leader that still holds its unreplicated suffix, which it applies (90/100 short; figure-8 20/100)"},
	{"unconfirmed-leader-reads", "membership-churn",
		"a leader that hands leadership over (a transfer) or is removed serves reads until it hears the new term, while clients write to the new leader " +
			"(34/3000; long-pauses 7/3000, leader-isolation 0/1000: there the clients stay with the old leader until it steps down)"},
	{"volatile-commit-restart", "crash-restart-storm",
		"a restarted node takes its last index as committed: every seed of a scenario with restarts fails"},
	{"vote-before-persist", "figure-8",
		"durable-before-ack sees a vote sent before the term and vote are durable: the more elections the sooner " +
			"(35/77; crash-restart-storm 34/79 at twice the cost; crash-persistence-points 13/79)"},
	{"vote-without-log-check", "figure-8",
		"a node missing committed entries must win an election: leaders crash right after appending, on five nodes (43/77; crash-restart-storm 27/79)"},
}

// zooScenarioFor is the bug's table entry; ok is false for an unknown bug.
func zooScenarioFor(bug string) (zooEntry, bool) {
	i := slices.IndexFunc(zooTable, func(e zooEntry) bool { return e.bug == bug })
	if i < 0 {
		return zooEntry{}, false
	}
	return zooTable[i], true
}

// zooScenarioNames are the distinct scenarios of the table: the correct
// core runs over all of them, so that it sees every exposure a bug got.
func zooScenarioNames() []string {
	var out []string
	for _, e := range zooTable {
		if !slices.Contains(out, e.scenario) {
			out = append(out, e.scenario)
		}
	}
	slices.Sort(out)
	return out
}

const zooExamples = `  raftsim bench zoo                                  every knob, 5 campaigns of up to 60 CPU-s each, all cores
  raftsim bench zoo --workers 2 --budget 60s --json > zoo.json
  raftsim bench zoo --quick                          2 campaigns of 5 CPU-s, short scenarios: for CI
  raftsim bench zoo --bugs count-stale-votes --scenario all --budget 5m
                                                     one knob over every scenario, a longer budget
`

// zooOptions is a parsed `raftsim bench zoo` command line.
type zooOptions struct {
	campaigns int
	budget    time.Duration // CPU time per campaign
	maxSeeds  int
	workers   int
	seed      sim.Seed // the zoo's seed: campaign i's seed derives from it
	// scenario overrides the table: "" keeps it, "all" picks a scenario
	// per seed, anything else is one scenario (name or file) for all.
	scenario string
	short    bool
	bugs     []string
	json     bool
}

// zooQuick is --quick: small enough for CI, big enough for the cheap bugs.
var zooQuick = zooOptions{campaigns: 2, budget: 5 * time.Second, maxSeeds: 500, short: true}

func parseZoo(args []string, stderr io.Writer) (o zooOptions, code int, done bool) {
	fs := newFlagSet("bench zoo", `Usage: raftsim bench zoo [flags]

Measures the time to find each bug of the zoo (the knobs of internal/zoo; see
internal/zoo/bugs.go). Per knob, --campaigns campaigns each run seeds one after
another, as raftsim fuzz derives them from a campaign seed, until the first
failure, --budget CPU-seconds or --max-seeds. Each knob runs under the
scenario most likely to expose it (a table in cli/zoo.go). A
failing seed counts only if the correct core passes it: one that fails
without the knob too is reported as the correct core's failure, and the
campaign goes on (the re-run's time is not counted); so does a seed whose
linearizability check ran out of time, which proves nothing. Then the correct core (no knob) gets the same campaigns
and budget over those scenarios, and must find nothing.

CPU time is each campaign's own OS thread's (getrusage RUSAGE_THREAD on
Linux; wall time elsewhere): campaigns run on --workers threads in
parallel, and work the Go runtime does on other threads (the garbage
collector's background marking, porcupine's parallel search) is not
counted; the report gives the process's total beside it.

Exit status: 0 when every knob was found in at least one campaign and the
correct core found nothing; 1 otherwise (the report says which); 2 for
bad flags.`, zooExamples, stderr)
	fs.IntVar(&o.campaigns, "campaigns", 5, "campaigns per knob, each from its own campaign seed")
	fs.DurationVar(&o.budget, "budget", 60*time.Second, "CPU time per campaign, e.g. 60s")
	fs.IntVar(&o.maxSeeds, "max-seeds", 1_000_000, "seeds per campaign at most")
	fs.IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "campaigns run in parallel, one OS thread each (default: GOMAXPROCS)")
	seed := fs.String("seed", "1", "the zoo's seed (decimal or 0x-hex): campaign i's seed is derived from it")
	fs.StringVar(&o.scenario, "scenario", "", "one scenario (name or file) for every knob instead of the table, or all: each seed picks one")
	fs.BoolVar(&o.short, "short", false, "the scenarios' short mode: same shapes, 3s chaos phase")
	bugs := fs.String("bugs", "", "comma-separated knobs to measure (default: every knob)")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	quick := fs.Bool("quick", false, "CI size: 2 campaigns of 5 CPU-s and 500 seeds, short scenarios (flags given win)")
	if code, done := parseFlags(fs, args); done {
		return o, code, true
	}
	if *quick {
		o.applyQuick(setFlags(fs))
	}
	err := o.check()
	if err == nil {
		o.seed, err = sim.ParseSeed(*seed)
	}
	if err == nil {
		o.bugs, err = zooBugs(*bugs)
	}
	if err == nil && o.scenario != "" && o.scenario != allScenarios {
		_, err = lookupScenario(o.scenario)
	}
	if err != nil {
		return o, usageError(stderr, fs, "%v", err), true
	}
	return o, 0, false
}

// applyQuick takes --quick's sizes for the flags not given.
func (o *zooOptions) applyQuick(set map[string]bool) {
	if !set["campaigns"] {
		o.campaigns = zooQuick.campaigns
	}
	if !set["budget"] {
		o.budget = zooQuick.budget
	}
	if !set["max-seeds"] {
		o.maxSeeds = zooQuick.maxSeeds
	}
	if !set["short"] {
		o.short = zooQuick.short
	}
}

func (o *zooOptions) check() error {
	switch {
	case o.campaigns < 1 || o.campaigns > 1000:
		return fmt.Errorf("--campaigns %d: want 1 to 1000", o.campaigns)
	case o.budget <= 0:
		return fmt.Errorf("--budget %v: must be positive", o.budget)
	case o.maxSeeds < 1:
		return fmt.Errorf("--max-seeds %d: must be positive", o.maxSeeds)
	case o.workers < 1 || o.workers > 4096:
		return fmt.Errorf("--workers %d: want 1 to 4096", o.workers)
	}
	return nil
}

// zooBugs parses --bugs: every knob when empty, in the table's order.
func zooBugs(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return zoo.AllNames(), nil
	}
	b, err := parseBugs(list)
	if err != nil {
		return nil, err
	}
	return b.Names(), nil
}

// bench zoo's command; `raftsim bench` hands it the arguments after "zoo".
func zooCmd(args []string, stdout, stderr io.Writer) int {
	o, code, done := parseZoo(args, stderr)
	if done {
		return code
	}
	fmt.Fprintf(stderr, "raftsim bench zoo: %d knobs and the correct core, %d campaigns each of up to %v CPU and %d seeds, %d workers, seed %v%s\n",
		len(o.bugs), o.campaigns, o.budget, o.maxSeeds, o.workers, o.seed, shortNote(o.short))
	rep := runZoo(o, stderr)
	if o.json {
		writeJSON(stdout, rep)
	} else {
		printZoo(stdout, rep)
	}
	if rep.Verdict != "PASS" {
		return exitFailure
	}
	return exitPass
}

// printZoo is the text report: one row per knob, then the correct core.
func printZoo(w io.Writer, r *zooReport) {
	fmt.Fprintf(w, "zoo        %d campaigns per knob, budget %.0f CPU-s and %d seeds each, seed %v%s, %d workers\n",
		r.Campaigns, r.BudgetCPUSeconds, r.MaxSeeds, r.Seed, shortNote(r.Short), r.Workers)
	fmt.Fprintf(w, "clock      %s\n\n", r.Clock)
	fmt.Fprintf(w, "%-34s %-33s %-6s %12s %12s  %s\n", "knob", "scenario", "found", "median seeds", "median CPU-s", "caught by (most common signature)")
	for _, row := range r.Rows {
		printZooRow(w, row)
	}
	printZooRow(w, r.Control)
	fmt.Fprintf(w, "\ntime       %.1f CPU-s counted on campaign threads, %.1f CPU-s by the process, %.1fs wall\n",
		r.CountedCPUSeconds, r.ProcessCPUSeconds, r.WallSeconds)
	for _, row := range r.Rows {
		if c := firstFound(row); c != nil {
			fmt.Fprintf(w, "reproduce  %s\n", c.First.Reproduce)
		}
	}
	for _, f := range r.CoreFailures {
		fmt.Fprintf(w, "core fails %s: %s\n           %s\n", f.Signature, f.Message, f.Reproduce)
	}
	if r.Verdict == "PASS" {
		fmt.Fprintln(w, "verdict    PASS: every knob found, the correct core found nothing")
	} else {
		fmt.Fprintf(w, "verdict    %s\n", r.Verdict)
	}
	fmt.Fprintf(w, "goal       median under %d CPU-s: %d of %d knobs\n", zooGoalCPUSeconds, r.MediansUnderGoal, len(r.Rows))
}

func printZooRow(w io.Writer, row zooRow) {
	name := row.Bug
	if name == "" {
		name = "(correct core: no knob)"
	}
	seeds, cpu := "-", "-"
	if row.MedianSeeds != nil {
		seeds = fmt.Sprintf("%.0f", *row.MedianSeeds)
		cpu = fmt.Sprintf("%.2f", *row.MedianCPUSeconds)
	} else if row.Found > 0 {
		seeds, cpu = "> budget", "> budget"
	}
	sig := row.Signature
	if row.Bug == "" && row.Found == 0 {
		seeds, cpu = fmt.Sprintf("%d run", row.SeedsRun), fmt.Sprintf("%.1f used", row.CPUSeconds)
		sig = "nothing found"
	}
	fmt.Fprintf(w, "%-34s %-33s %-6s %12s %12s  %s\n", name, row.Scenario, fmt.Sprintf("%d/%d", row.Found, len(row.Campaigns)), seeds, cpu, sig)
}

// firstFound is the first campaign of a row that found its bug, or nil.
func firstFound(row zooRow) *zooCampaign {
	for i := range row.Campaigns {
		if row.Campaigns[i].Found {
			return &row.Campaigns[i]
		}
	}
	return nil
}
