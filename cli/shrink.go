package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/shrink"
)

const shrinkExamples = `  raftsim shrink failure.json                       writes failure.min.json
  raftsim shrink failures/x.json --out minimized --time 2m   writes minimized/x.min.json
  raftsim shrink failure.json --max-runs 500 --json  the sizes for programs
`

// shrinkOptions is a parsed `raftsim shrink` command line.
type shrinkOptions struct {
	file    string
	out     string
	maxRuns int
	time    time.Duration
	json    bool
	quiet   bool
}

func parseShrink(args []string, stderr io.Writer) (o shrinkOptions, code int, done bool) {
	fs := newFlagSet("shrink", `Usage: raftsim shrink [flags] FAILURE

Minimizes a failure while keeping its signature (failure class and check):
it removes fault-plan steps and client commands by delta debugging, drops
clients and nodes, shortens the run and simplifies the network, keeping a
cut only when the failure still reproduces. Deterministic for a given file
and flags. Writes the smaller failure file and prints what it removed.

Exit status: 0 shrunk (or nothing could be cut); 1 the failure does not
reproduce; 2 bad flags or a bad file.`, shrinkExamples, stderr)
	out := fs.String("out", "", "directory for the shrunk failure file, named FAILURE's name with .min.json (default: FAILURE's directory)")
	maxRuns := fs.Int("max-runs", shrink.DefaultMaxRuns, "at most this many simulations")
	budget := fs.Duration("time", 0, "stop after this much wall time, keeping what was cut (0: no limit)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	quiet := fs.Bool("quiet", false, "no progress lines")
	pos, code, done := parseArgs(fs, args)
	if done {
		return o, code, true
	}
	var ok bool
	if o.file, ok = oneArg(fs, pos, "FAILURE file"); !ok {
		return o, exitUsage, true
	}
	switch {
	case *maxRuns < 1:
		return o, usageError(stderr, fs, "--max-runs %d: must be at least 1", *maxRuns), true
	case *budget < 0:
		return o, usageError(stderr, fs, "--time %v: must not be negative", *budget), true
	}
	o.out, o.maxRuns, o.time, o.json, o.quiet = *out, *maxRuns, *budget, *asJSON, *quiet
	// --out is a directory, as for run and fuzz.
	dir := o.out
	if dir == "" {
		dir = filepath.Dir(o.file)
	}
	o.out = filepath.Join(dir, strings.TrimSuffix(filepath.Base(o.file), ".json")+".min.json")
	return o, 0, false
}

// shrinkJSON is `raftsim shrink --json`.
type shrinkJSON struct {
	File   string      `json:"file"`
	Out    string      `json:"out"`
	Before shrink.Size `json:"before"`
	After  shrink.Size `json:"after"`
	Runs   int         `json:"runs"`
	WallMs int64       `json:"wallMs"`
}

// shrinkCmd minimizes a failure file.
func shrinkCmd(args []string, stdout, stderr io.Writer) int {
	o, code, done := parseShrink(args, stderr)
	if done {
		return code
	}
	f, err := failfile.Read(o.file)
	if err != nil {
		fmt.Fprintf(stderr, "raftsim shrink: %v\n", err)
		return exitUsage
	}
	start := time.Now()
	opts := shrink.Options{MaxRuns: o.maxRuns}
	if o.time > 0 {
		opts.Stop = func() bool { return time.Since(start) > o.time }
	}
	if !o.quiet && !o.json {
		opts.Progress = func(p shrink.Progress) {
			fmt.Fprintf(stderr, "shrink: run %d, cut %s: %v\n", p.Runs, p.Pass, p.Size)
		}
	}
	res, err := shrink.Shrink(f, opts)
	switch {
	case errors.Is(err, shrink.ErrNotReproduced):
		fmt.Fprintf(stderr, "raftsim shrink: %s: %v\n", o.file, err)
		return exitFailure
	case err != nil:
		fmt.Fprintf(stderr, "raftsim shrink: %s: %v\n", o.file, err)
		return exitUsage
	}
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		fmt.Fprintf(stderr, "raftsim shrink: --out: %v\n", err)
		return exitUsage
	}
	if err := failfile.Write(o.out, res.File); err != nil {
		fmt.Fprintf(stderr, "raftsim shrink: --out: %v\n", err)
		return exitUsage
	}
	wall := time.Since(start)
	if o.json {
		writeJSON(stdout, shrinkJSON{File: o.file, Out: o.out, Before: res.Before, After: res.After, Runs: res.Runs, WallMs: wall.Milliseconds()})
		return exitPass
	}
	fmt.Fprintf(stdout, "shrunk    %s\n", res.Summary())
	fmt.Fprintf(stdout, "failure   %v\n", res.File.Failure.Signature())
	fmt.Fprintf(stdout, "wrote     %s (%v)\n", o.out, wall.Round(time.Millisecond))
	fmt.Fprintf(stdout, "replay    raftsim replay %s --trace -\n", o.out)
	return exitPass
}
