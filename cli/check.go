package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/raftsim/raftsim/checker"
)

const checkExamples = `  raftsim check history.json                     ok, illegal or unknown
  raftsim check history.json --html history.html  with porcupine's picture
  raftsim check --format porcupine-kv c01-bad.txt --timeout 1m
  raftsim check history.json --json               the verdict for programs
`

// checkOptions is a parsed `raftsim check` command line.
type checkOptions struct {
	file    string // "-" for stdin
	format  string
	html    string
	timeout time.Duration
	json    bool
}

func parseCheck(args []string, stderr io.Writer) (o checkOptions, code int, done bool) {
	fs := newFlagSet("check", `Usage: raftsim check [flags] HISTORY

Checks a recorded key-value history for linearizability with porcupine and
prints ok, illegal or unknown. The history format is in
docs/history-format.md; - reads standard input.

Exit status: 0 ok; 1 illegal, or unknown (the check ran out of time: an
inconclusive check is not a pass); 2 for a bad file or bad flags.`, checkExamples, stderr)
	format := fs.String("format", "raftsim", "raftsim (docs/history-format.md) or porcupine-kv (porcupine's test_data/kv lines)")
	html := fs.String("html", "", "write porcupine's HTML picture of the history to FILE")
	timeout := fs.Duration("timeout", 30*time.Second, "wall time the check may take before its verdict is unknown")
	asJSON := fs.Bool("json", false, "print the verdict as JSON")
	pos, code, done := parseArgs(fs, args)
	if done {
		return o, code, true
	}
	var ok bool
	if o.file, ok = oneArg(fs, pos, "HISTORY file"); !ok {
		return o, exitUsage, true
	}
	switch {
	case *format != "raftsim" && *format != "porcupine-kv":
		return o, usageError(stderr, fs, "--format %q: want raftsim or porcupine-kv", *format), true
	case *timeout <= 0:
		return o, usageError(stderr, fs, "--timeout %v: must be positive", *timeout), true
	}
	o.format, o.html, o.timeout, o.json = *format, *html, *timeout, *asJSON
	return o, 0, false
}

// checkJSON is `raftsim check --json`.
type checkJSON struct {
	File        string   `json:"file"`
	Verdict     string   `json:"verdict"` // ok, illegal or unknown
	Ops         int      `json:"ops"`
	Keys        int      `json:"keys"`
	FailingKeys []string `json:"failingKeys,omitempty"`
	WallMs      int64    `json:"wallMs"`
}

// checkCmd checks a history file.
func checkCmd(args []string, stdout, stderr io.Writer) int {
	o, code, done := parseCheck(args, stderr)
	if done {
		return code
	}
	h, err := readHistory(o.file, o.format)
	var pathErr *fs.PathError
	switch {
	case errors.As(err, &pathErr):
		fmt.Fprintf(stderr, "raftsim check: %v\n", err) // it names the file
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "raftsim check: %s: %v\n", o.file, err)
		return exitUsage
	}
	start := time.Now()
	r := checker.CheckLinearizable(h, o.timeout)
	wall := time.Since(start)
	if o.html != "" {
		err := writePage(o.html, func(w io.Writer) error { return checker.WriteVisualization(w, h, r, nil) })
		if err != nil {
			fmt.Fprintf(stderr, "raftsim check: --html: %v\n", err)
			return exitUsage
		}
	}
	if o.json {
		writeJSON(stdout, checkJSON{File: o.file, Verdict: r.Verdict.String(), Ops: r.Ops, Keys: r.Keys,
			FailingKeys: r.FailingKeys, WallMs: wall.Milliseconds()})
	} else {
		fmt.Fprintf(stdout, "%s (%v)\n", r, wall.Round(time.Millisecond))
	}
	switch r.Verdict {
	case checker.Linearizable:
		return exitPass
	case checker.Inconclusive:
		fmt.Fprintf(stderr, "raftsim check: inconclusive: porcupine ran out of time (--timeout %v); this is not a pass\n", o.timeout)
	}
	return exitFailure
}

// readHistory reads a history file, or stdin for "-".
func readHistory(path, format string) (checker.History, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return checker.History{}, err
		}
		defer f.Close()
		r = f
	}
	if format == "porcupine-kv" {
		return checker.ReadPorcupineKV(r)
	}
	return checker.ReadHistory(r)
}
