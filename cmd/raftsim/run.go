package main

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

const runExamples = `
Examples:
  raftsim run                          a random seed of the default scenario
  raftsim run --seed 42                reproduce seed 42 exactly
  raftsim run --seed 42 --nodes 5 --duration 30s
  raftsim run --seed 42 --json         the summary as JSON
`

// runCmd runs one seed and prints the drawn parameters, then a summary.
func runCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("raftsim run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seedFlag := fs.String("seed", "", "the seed (decimal or 0x-hex); random when absent")
	nodes := fs.Int("nodes", 0, "cluster size (default: the scenario's)")
	duration := fs.Duration("duration", 0, "chaos phase in virtual time, e.g. 10s (default: the scenario's)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: raftsim run [flags]\n\nRuns one seed of the default scenario, checks every invariant and\nlinearizability, and prints a summary.\n\nFlags:")
		fs.PrintDefaults()
		fmt.Fprint(stderr, runExamples)
	}
	if code, done := parseFlags(fs, args); done {
		return code
	}
	seed, err := chooseSeed(*seedFlag)
	if err != nil {
		fmt.Fprintf(stderr, "raftsim run: --seed: %v\n", err)
		return exitUsage
	}
	set := setFlags(fs)
	cfg := harness.DefaultConfig()
	if set["nodes"] {
		cfg.Nodes = *nodes
	}
	if set["duration"] {
		cfg.Duration = *duration
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "raftsim run: %v\n", err)
		return exitUsage
	}
	if !*asJSON {
		printParams(stdout, seed, cfg)
	}
	start := time.Now()
	res, err := harness.Run(cfg, seed)
	wall := time.Since(start)
	if err != nil {
		fmt.Fprintf(stderr, "raftsim run: %v\n", err)
		return exitUsage
	}
	repro := reproduce(seed, cfg, set["nodes"], set["duration"])
	if *asJSON {
		printJSON(stdout, res, wall, repro)
	} else {
		printSummary(stdout, res, wall, repro)
	}
	if !res.Passed() {
		return exitFailure
	}
	return exitPass
}

// parseFlags parses args, handling --help and errors. done says the caller
// should return code.
func parseFlags(fs *flag.FlagSet, args []string) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case err == flag.ErrHelp:
		return exitPass, true
	case err != nil:
		return exitUsage, true // flag already printed what and where
	case fs.NArg() > 0:
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, true
	}
	return 0, false
}

// setFlags names the flags given on the command line, so that an explicit
// zero is not mistaken for "use the default".
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
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

func printParams(w io.Writer, seed sim.Seed, cfg harness.Config) {
	wl := cfg.Workload
	fmt.Fprintf(w, "seed      %v\n", seed)
	fmt.Fprintf(w, "scenario  default\n")
	fmt.Fprintf(w, "cluster   %d nodes, election %v-%v, heartbeat %v, pre-vote %v, check-quorum %v\n",
		cfg.Nodes, cfg.Raft.ElectionTimeoutMin, cfg.Raft.ElectionTimeoutMax, cfg.Raft.HeartbeatInterval, cfg.Raft.PreVote, cfg.Raft.CheckQuorum)
	fmt.Fprintf(w, "network   %v\n", cfg.Network)
	if cfg.Crashes.Interval > 0 {
		fmt.Fprintf(w, "crashes   every ~%v, down %v-%v\n", cfg.Crashes.Interval, cfg.Crashes.DownMin, cfg.Crashes.DownMax)
	}
	fmt.Fprintf(w, "workload  %d clients, %d keys, mix get %d put %d append %d cas %d, timeout %v, reads %v\n",
		wl.Clients, wl.Keys, wl.Mix.Get, wl.Mix.Put, wl.Mix.Append, wl.Mix.CAS, wl.Timeout, wl.ReadPath)
	fmt.Fprintf(w, "time      chaos %v, then liveness within %v (virtual)\n\n", cfg.Duration, cfg.LivenessBoundOrDefault())
}

func printSummary(w io.Writer, res harness.Result, wall time.Duration, repro string) {
	s := res.Stats
	fmt.Fprintf(w, "operations  %d completed, %d unknown\n", s.OpsCompleted, s.OpsUnknown)
	fmt.Fprintf(w, "leaders     %d changes\n", s.LeaderChanges)
	fmt.Fprintf(w, "faults      %d crashes, %d restarts, %d pauses\n", s.Crashes, s.Restarts, s.Pauses)
	fmt.Fprintf(w, "recovery    converged %v after healing\n", s.RecoveryTime)
	fmt.Fprintf(w, "events      %d (%d messages)\n", s.Steps, s.Messages)
	fmt.Fprintf(w, "time        %v virtual, %v wall, %.0fx\n", s.VirtualTime, wall.Round(time.Millisecond), ratio(s.VirtualTime, wall))
	fmt.Fprintf(w, "trace       %016x\n", res.TraceHash)
	if res.Passed() {
		fmt.Fprintf(w, "verdict     PASS (linearizable: %v)\n", res.Linearizability.Verdict)
		return
	}
	fmt.Fprintf(w, "verdict     FAIL %v\n", res.Failure)
	fmt.Fprintf(w, "reproduce   %s\n", repro)
}

type jsonSummary struct {
	Seed      sim.Seed         `json:"seed"`
	Verdict   string           `json:"verdict"`
	Failure   *harness.Failure `json:"failure,omitempty"`
	Stats     harness.Stats    `json:"stats"`
	TraceHash string           `json:"traceHash"`
	WallMs    int64            `json:"wallMs"`
	Reproduce string           `json:"reproduce,omitempty"`
}

func printJSON(w io.Writer, res harness.Result, wall time.Duration, repro string) {
	out := jsonSummary{Seed: res.Seed, Verdict: "pass", Failure: res.Failure, Stats: res.Stats,
		TraceHash: fmt.Sprintf("%016x", res.TraceHash), WallMs: wall.Milliseconds()}
	if !res.Passed() {
		out.Verdict = "fail"
		out.Reproduce = repro
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}

func ratio(v sim.Time, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return float64(v) / float64(wall)
}

// reproduce is the command line that reruns exactly this run.
func reproduce(seed sim.Seed, cfg harness.Config, nodes, duration bool) string {
	parts := []string{"raftsim run --seed", seed.String()}
	if nodes {
		parts = append(parts, fmt.Sprintf("--nodes %d", cfg.Nodes))
	}
	if duration {
		parts = append(parts, "--duration", cfg.Duration.String())
	}
	return strings.Join(parts, " ")
}
