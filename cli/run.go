package cli

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/scenarios"
	"github.com/raftsim/raftsim/sim"
)

const runExamples = `  raftsim run                          a random seed of the default scenario
  raftsim run --seed 42                reproduce seed 42 exactly
  raftsim run --seed 42 --nodes 5 --duration 30s
  raftsim run --seed 42 --json         the summary as JSON
  raftsim run --scenario default --seed 7 --short --bugs prevote-never-grants --out failures
                                       plant a bug; a failing run leaves a failure file
`

// runOptions is a parsed `raftsim run` command line.
type runOptions struct {
	seed     sim.Seed
	scenario scenarios.Scenario
	cfg      harness.Config // the scenario's config for the seed, with the flags applied
	json     bool
	out      string // directory for a failure file; "" for none
	history  string // where to write the client history; "" for none
	timeline string // where to write the timeline page with its plots; "" for none
	repro    string // the command line that reruns exactly this run
}

// parseRun parses the flags of `raftsim run`. done says the caller should
// return code (0 after --help, 2 on bad usage, already explained).
func parseRun(args []string, stderr io.Writer) (o runOptions, code int, done bool) {
	fs := newFlagSet("run", `Usage: raftsim run [flags]

Runs one seed of a scenario (the default one unless --scenario names
another), checks every invariant, liveness and linearizability, and prints
the drawn parameters first, then a summary.

Exit codes: 0 pass; 1 a failure was found; 2 bad usage; 3 inconclusive (the
linearizability search reached its deterministic bound: neither a pass nor
a failure of the system under test).`, runExamples, stderr)
	seedFlag := fs.String("seed", "", "the seed (decimal or 0x-hex); random when absent")
	scenario := fs.String("scenario", scenarios.DefaultName, "a built-in scenario (raftsim scenarios lists them) or a scenario file")
	short := fs.Bool("short", false, "the scenario's short mode: same shape, shorter chaos phase")
	bugs := fs.String("bugs", "", "comma-separated raft bug knobs to switch on, e.g. prevote-never-grants")
	nodes := fs.Int("nodes", 0, "cluster size (default: the scenario's)")
	duration := fs.Duration("duration", 0, "chaos phase in virtual time, e.g. 10s (default: the scenario's)")
	out := fs.String("out", "", "directory to write a failure file to when the run fails")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	history := fs.String("history", "", "write the client history to FILE (docs/history-format.md; raftsim check reads it)")
	timeline := fs.String("timeline", "", "write the timeline page (lanes, faults, latency and throughput plots) to FILE")
	store := fs.String("store", "", "persist through this store instead of the scenario's: "+storeNames())
	if code, done := parseFlags(fs, args); done {
		return o, code, true
	}
	var err error
	if o.seed, err = chooseSeed(*seedFlag); err != nil {
		return o, usageError(stderr, fs, "--seed: %v", err), true
	}
	if o.scenario, err = lookupScenario(*scenario); err != nil {
		return o, usageError(stderr, fs, "%v", err), true
	}
	b, err := parseBugs(*bugs)
	if err != nil {
		return o, usageError(stderr, fs, "%v", err), true
	}
	set := setFlags(fs)
	o.cfg = o.scenario.Config(o.seed, *short)
	o.cfg.Bugs = withBugs(o.cfg.Bugs, b)
	if set["nodes"] {
		o.cfg.Nodes = *nodes
	}
	if set["duration"] {
		o.cfg.Duration = *duration
	}
	if set["store"] {
		if err := o.cfg.UseStore(*store); err != nil {
			return o, usageError(stderr, fs, "--store: %v", err), true
		}
	}
	if err := o.cfg.Validate(); err != nil {
		return o, usageError(stderr, fs, "%v", err), true
	}
	o.cfg.KeepStepHashes = *out != "" // a failure file names the step where a replay parts
	o.json, o.out, o.history, o.timeline = *asJSON, *out, *history, *timeline
	named := o.scenario.Name
	if scenarios.IsFile(*scenario) {
		named = *scenario // a file reproduces by its path, not its name
	}
	o.repro = runCommandLine(o.seed, named, *short, b.Names(), set, o.cfg)
	return o, 0, false
}

// runCmd runs one seed and prints the drawn parameters, then a summary.
func runCmd(args []string, stdout, stderr io.Writer) int {
	o, code, done := parseRun(args, stderr)
	if done {
		return code
	}
	if !o.json {
		printParams(stdout, o.seed, o.scenario.Name, o.cfg)
	}
	start := time.Now()
	var opts harness.Options
	rec := &traceRecorder{keep: true}
	if o.timeline != "" {
		opts.Tracer = rec // only then: tracing costs time
	}
	res, err := harness.RunWith(o.cfg, o.seed, opts)
	wall := time.Since(start)
	if err != nil {
		fmt.Fprintf(stderr, "raftsim run: %v\n", err)
		return exitUsage
	}
	if o.history != "" {
		if err := writeHistoryFile(o.history, res.History); err != nil {
			fmt.Fprintf(stderr, "raftsim run: --history: %v\n", err)
			return exitUsage
		}
	}
	if o.timeline != "" {
		if err := writeRunTimeline(o.timeline, o.repro, o.cfg, res, rec.events); err != nil {
			fmt.Fprintf(stderr, "raftsim run: --timeline: %v\n", err)
			return exitUsage
		}
	}
	file := ""
	if res.Failure != nil && o.out != "" {
		if file, err = writeRunFailure(o, res); err != nil {
			fmt.Fprintf(stderr, "raftsim run: writing the failure file: %v\n", err)
		}
	}
	if o.json {
		printRunJSON(stdout, o.scenario.Name, res, wall, o.repro, file)
	} else {
		printSummary(stdout, res, wall, o.repro, file)
	}
	switch {
	case res.Failure != nil:
		return exitFailure
	case res.Inconclusive != "":
		return exitInconclusive
	}
	return exitPass
}

// writeRunFailure saves a failing run as <out>/<scenario>-seed-<seed>.json.
func writeRunFailure(o runOptions, res harness.Result) (string, error) {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(o.out, fmt.Sprintf("%s-seed-%v.json", o.scenario.Name, o.seed))
	f := failfile.New(o.scenario.Name, o.cfg, res)
	f.Expect = "fail"
	return path, failfile.Write(path, f)
}

// chooseSeed parses the seed flag, or draws a random seed (outside any
// simulated world: it is printed first, so the run can be reproduced).
func chooseSeed(s string) (sim.Seed, error) {
	if s != "" {
		return sim.ParseSeed(s)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return sim.Seed(binary.LittleEndian.Uint64(b[:]) >> 1), nil
}

// runCommandLine is the command line that reruns exactly this run: the
// scenario, the seed and every flag that changed the config.
func runCommandLine(seed sim.Seed, scenario string, short bool, bugs []string, set map[string]bool, cfg harness.Config) string {
	parts := []string{"raftsim run"}
	if scenario != scenarios.DefaultName {
		parts = append(parts, "--scenario", scenario)
	}
	parts = append(parts, "--seed", seed.String())
	if short {
		parts = append(parts, "--short")
	}
	if len(bugs) > 0 {
		parts = append(parts, "--bugs", strings.Join(bugs, ","))
	}
	if set["nodes"] {
		parts = append(parts, fmt.Sprintf("--nodes %d", cfg.Nodes))
	}
	if set["duration"] {
		parts = append(parts, "--duration", cfg.Duration.String())
	}
	if set["store"] {
		parts = append(parts, "--store", cfg.Storage.String())
	}
	return strings.Join(parts, " ")
}
