// Command raftsim runs deterministic simulations of a Raft cluster under
// faults and checks what clients saw. See `raftsim help`.
//
// The package is wiring: each command is a file (run.go, fuzz.go,
// replay.go, check.go, merge.go, scenarios.go) that parses its flags into
// an options struct, separately from running it, so that the parsing can be
// fuzzed on its own.
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes, the same for every command.
const (
	exitPass    = 0 // nothing wrong found
	exitFailure = 1 // a failure was found
	exitUsage   = 2 // bad usage or bad input
	// exitInconclusive: a run whose verdict is undecided (the
	// linearizability search reached its deterministic bound); neither a
	// pass nor a failure of the system under test.
	exitInconclusive = 3
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "run one seed of a scenario and check it", runCmd},
		{"fuzz", "run a campaign of many seeds on all cores", fuzzCmd},
		{"replay", "reproduce a failure file, with a trace and pictures", replayCmd},
		{"shrink", "minimize a failure file, keeping its failure", shrinkCmd},
		{"check", "check a recorded history for linearizability", checkCmd},
		{"merge", "combine the summaries of a sharded campaign", mergeCmd},
		{"scenarios", "list the built-in scenarios", scenariosCmd},
		{"bench", "measure speed and memory; bench zoo: time to find each zoo bug", benchCmd},
	}
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return exitPass
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "raftsim: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "raftsim: deterministic simulation and chaos testing for Raft.")
	fmt.Fprintln(w, "\nUsage: raftsim <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `raftsim <command> --help` for a command's flags and examples.")
	fmt.Fprintln(w, "Exit codes: 0 pass, 1 failure found, 2 bad usage or input.")
}
