package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/raftsim/raftsim/internal/zoo"
	"github.com/raftsim/raftsim/raft"
)

// newFlagSet makes a command's flag set. Its --help prints the synopsis,
// the flags and the examples, and parse errors go to stderr, where flag
// says what was wrong with which flag. (Asked for, the help goes to
// stdout: dispatch passes stdout as the command's stderr then.)
func newFlagSet(name, synopsis, examples string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("raftsim "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "%s\n\nFlags:\n", strings.TrimSpace(synopsis))
		printFlags(stderr, fs)
		fmt.Fprintf(stderr, "\nExamples:\n%s", examples)
	}
	return fs
}

// printFlags is flag.PrintDefaults with the double dashes the help text
// and the examples use (flag accepts both). A usage string's first
// back-quoted word is the value's placeholder, as in flag; one that is not
// a single word is prose, not a placeholder, and names the value by type.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if strings.ContainsAny(name, " \t") {
			name, usage = placeholder(f), f.Usage
		}
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		line += "\n    \t" + strings.ReplaceAll(usage, "\n", "\n    \t")
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && f.DefValue != "0s" {
			if placeholder(f) == "string" {
				line += fmt.Sprintf(" (default %q)", f.DefValue)
			} else {
				line += fmt.Sprintf(" (default %v)", f.DefValue)
			}
		}
		fmt.Fprintln(w, line)
	})
}

// placeholder names a flag's value by its type, as flag does; "" for a
// boolean flag, which takes none.
func placeholder(f *flag.Flag) string {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return ""
	}
	switch fmt.Sprintf("%T", f.Value) {
	case "*flag.durationValue":
		return "duration"
	case "*flag.intValue", "*flag.int64Value", "*flag.uintValue", "*flag.uint64Value":
		return "int"
	case "*flag.stringValue":
		return "string"
	case "*flag.float64Value":
		return "float"
	}
	return "value"
}

// parseArgs parses flags and positional arguments in any order, so that
// `replay FILE --trace -` works as well as `replay --trace - FILE`; after
// "--" everything is positional. done says the caller should return code:
// 0 after --help, 2 after an error (already printed).
func parseArgs(fs *flag.FlagSet, args []string) (pos []string, code int, done bool) {
	for {
		err := fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			return nil, exitPass, true
		case err != nil:
			return nil, exitUsage, true // flag printed what and where
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, false
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), 0, false
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseFlags parses a command that takes no positional argument.
func parseFlags(fs *flag.FlagSet, args []string) (code int, done bool) {
	pos, code, done := parseArgs(fs, args)
	if done {
		return code, true
	}
	if len(pos) > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), pos[0])
		return exitUsage, true
	}
	return 0, false
}

// oneArg checks that exactly one positional argument, what, was given.
func oneArg(fs *flag.FlagSet, pos []string, what string) (string, bool) {
	switch len(pos) {
	case 0:
		fmt.Fprintf(fs.Output(), "%s: missing %s (see --help)\n", fs.Name(), what)
		return "", false
	case 1:
		return pos[0], true
	}
	fmt.Fprintf(fs.Output(), "%s: want one %s, got %d arguments: %q\n", fs.Name(), what, len(pos), pos)
	return "", false
}

// setFlags names the flags given on the command line, so that an explicit
// zero is not mistaken for "use the default".
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// usageError prints a usage error for a command and returns exitUsage.
func usageError(stderr io.Writer, fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(stderr, "%s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	return exitUsage
}

// parseBugs reads --bugs, a comma-separated list of the bug zoo's knobs.
func parseBugs(list string) (zoo.Bugs, error) {
	b, err := zoo.Parse(list)
	if err != nil {
		return zoo.Bugs{}, fmt.Errorf("--bugs: %w", err)
	}
	return b, nil
}

// withBugs switches on the knobs of extra in addition to those of base.
func withBugs(base, extra zoo.Bugs) zoo.Bugs { return base.Union(extra) }

// parseNodes reads a node list such as "n2,n3" or "2,3" (repeatable flag
// values are joined with commas first).
func parseNodes(list string) ([]raft.NodeID, error) {
	var out []raft.NodeID
	for _, part := range strings.Split(list, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimPrefix(part, "n"), 10, 32)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("--node %q: want a node such as n2 or 2 (nodes count from 1)", part)
		}
		out = append(out, raft.NodeID(n))
	}
	return out, nil
}

// listFlag is a repeatable string flag whose values may also be
// comma-separated: --node n1 --node n2 or --node n1,n2.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}
