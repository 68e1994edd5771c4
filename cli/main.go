package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/raftsim/raftsim/harness"
)

// Exit codes, the same for every command.
const (
	exitPass    = 0 // nothing wrong found
	exitFailure = 1 // a failure was found
	exitUsage   = 2 // bad usage or bad input
	// exitInconclusive: no verdict, deterministically: a linearizability
	// check reached its step or memory bound (run, replay, check), or a
	// history held no operation to check. Never a pass, and never a
	// failure of the system under test.
	exitInconclusive = 3
	// exitOutOfTime: raftsim check's --timeout, wall time, ran out before
	// the command finished; it says nothing about the history.
	exitOutOfTime = 4
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

// Main runs the command line on os.Args and exits with its code. Options
// add what a Go binary cannot load at run time, such as a user's store:
//
//	func main() { cli.Main(cli.WithStore(harness.Store{Name: "mystore", Open: open})) }
func Main(opts ...Option) {
	os.Exit(Run(os.Args[1:], os.Stdout, os.Stderr, opts...))
}

// Run runs the command line args (without the program name) and returns
// the exit code: 0 pass, 1 a failure was found, 2 bad usage or input.
func Run(args []string, stdout, stderr io.Writer, opts ...Option) int {
	for _, o := range opts {
		o()
	}
	return dispatch(args, stdout, stderr)
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

// Option adds to the command line what only code can: see WithStore.
type Option func()

// WithStore makes a user's store available to every command of this
// binary: `raftsim run --store NAME`, `raftsim fuzz --store NAME`, and
// scenario and failure files whose config says "storage": NAME. It panics
// on a store harness.RegisterStore refuses, which is a bug in the binary.
func WithStore(s harness.Store) Option {
	return func() {
		if err := harness.RegisterStore(s); err != nil {
			panic(fmt.Sprintf("raftsim: %v", err))
		}
	}
}

// storeNames lists the stores --store accepts, for the flags' help.
func storeNames() string { return strings.Join(harness.StoreNames(), ", ") }
