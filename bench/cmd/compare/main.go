// Command compare runs raftsim and etcd-raft on workload (a) in one process,
// in interleaved rounds, and prints events/s, commands/s, virtual seconds per
// wall second for each, and the ratios raftsim/etcd-raft.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/raftsim/raftsim/bench"
	"github.com/raftsim/raftsim/sim"
)

const usage = `Usage: compare [flags]

Runs raftsim's throughput workload (a) (3 nodes, 1ms one-way latency, memory
storage, 16 closed-loop clients writing, until --commands completed; every
invariant checker on) and the same workload on etcd-raft driven by a minimal
seeded event loop, --rounds times each, interleaved, and prints a table.

Examples:
  go run ./cmd/compare                         # 3 rounds of 100,000 commands
  go run ./cmd/compare --rounds 5 --commands 20000
  GOMAXPROCS=1 go run ./cmd/compare            # everything on one core

Flags:
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the command; it returns the exit code: 0 done, 1 a run failed,
// 2 bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	rounds := fs.Int("rounds", 3, "runs per side, interleaved")
	commands := fs.Int("commands", 100_000, "commands per run")
	seed := fs.Uint64("seed", 1, "seed of the first round (round r runs seed+r on every side)")
	clientEvents := fs.Bool("client-events", true, "also run etcd-raft with raftsim's client events (the same work per command)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "compare: unexpected arguments %q\n", fs.Args())
		return 2
	}
	o := bench.Options{Rounds: *rounds, Commands: *commands, Seed: sim.Seed(*seed), ClientEvents: *clientEvents}
	if err := o.Validate(); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	fmt.Fprintf(stdout, "workload (a): 3 nodes, 1ms one-way latency, memory storage, 16 clients put-only, %d commands\n", o.Commands)
	fmt.Fprintf(stdout, "rounds %d interleaved, seeds %d..%d, %s, GOMAXPROCS %d, NumCPU %d\n",
		o.Rounds, o.Seed, o.Seed+sim.Seed(o.Rounds-1), runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Fprintf(stdout, "etcd-raft loop: %v\n", bench.EtcdConfig(o.Commands))
	fmt.Fprintf(stdout, "load average before: %s\n", loadAverage())
	rep, err := bench.Compare(o, stdout)
	fmt.Fprintf(stdout, "load average after:  %s\n\n", loadAverage())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := rep.WriteTable(stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// loadAverage is the 1, 5 and 15 minute load averages, where the system
// tells them.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}
