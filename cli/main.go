package cli

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/raftsim/raftsim/campaign"
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
	// exitInterrupted: stopped before its work was done, with no failure
	// found: a campaign interrupted (Ctrl-C, SIGTERM) before its budget was
	// spent, or raftsim check's --timeout ran out. Never a pass.
	exitInterrupted = 4
)

// campaignExit is the exit code of a campaign's summary (fuzz, merge).
func campaignExit(s *campaign.Summary) int {
	switch s.Verdict() {
	case campaign.VerdictFail:
		return exitFailure
	case campaign.VerdictInterrupted:
		return exitInterrupted
	case campaign.VerdictInconclusive:
		return exitInconclusive
	}
	return exitPass
}

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
	case "-h", "-help", "--help":
		usage(stdout)
		return exitPass
	case "help":
		return help(args[1:], stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, versionLine())
		return exitPass
	}
	c, ok := lookupCommand(args[0])
	if !ok {
		fmt.Fprintf(stderr, "raftsim: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	if wantsHelp(args[1:]) {
		// Help that was asked for is the output, not a diagnostic: the
		// flag set prints it to the command's stderr, so give it stdout.
		return c.run(args[1:], stdout, stdout)
	}
	return c.run(args[1:], stdout, stderr)
}

func lookupCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// help is `raftsim help [COMMAND...]`: the top-level help, or a command's
// (`raftsim help bench zoo` as `raftsim bench zoo --help`).
func help(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stdout)
		return exitPass
	}
	c, ok := lookupCommand(args[0])
	if !ok {
		fmt.Fprintf(stderr, "raftsim help: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return c.run(append(append([]string{}, args[1:]...), "--help"), stdout, stdout)
}

// wantsHelp reports whether a command's arguments ask for its help: -h,
// -help or --help before any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help", "-h=true", "-help=true", "--help=true":
			return true
		}
	}
	return false
}

// versionLine is `raftsim --version`: the module version and VCS revision
// the binary was built from (runtime/debug build info: a binary from go
// install says its release, one built in a clone its commit) and the Go
// toolchain.
func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "raftsim (no build information)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	line := "raftsim " + bi.Main.Version
	if rev != "" {
		line += " (rev " + rev + modified + ")"
	}
	return line + " " + bi.GoVersion
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "raftsim: deterministic simulation and chaos testing for Raft.")
	fmt.Fprintln(w, "\nUsage: raftsim <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `raftsim help <command>` (or `raftsim <command> --help`) for a command's")
	fmt.Fprintln(w, "flags and examples, `raftsim --version` for the build.")
	fmt.Fprintln(w, "Exit codes: 0 pass, 1 failure found, 2 bad usage or input,")
	fmt.Fprintln(w, "4 campaign interrupted before its budget was spent (no failure found).")
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
