package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/raftsim/raftsim/checker"
)

const checkExamples = `  raftsim check history.json                     ok, illegal or inconclusive
  raftsim check history.json --html history.html  with porcupine's picture
  raftsim check --format porcupine-kv c01-bad.txt --steps 200000000
  raftsim check history.json --json               the verdict for programs
`

// checkOptions is a parsed `raftsim check` command line.
type checkOptions struct {
	file    string // "-" for stdin
	format  string
	html    string
	limit   checker.Limit
	timeout time.Duration
	json    bool
}

func parseCheck(args []string, stderr io.Writer) (o checkOptions, code int, done bool) {
	fs := newFlagSet("check", `Usage: raftsim check [flags] HISTORY

Checks a recorded key-value history for linearizability and prints ok,
illegal or inconclusive. The search is bounded by --steps and --memo-mib,
counts rather than a clock, so a verdict is the same on every machine. The
history format is in docs/history-format.md; - reads standard input.

Exit status:
  0  ok: the history is linearizable
  1  illegal: some key's history is not linearizable
  2  bad flags, or a malformed file (the message says where: line and column)
  3  no verdict: the check reached --steps or --memo-mib (inconclusive), or
     the history holds no operation to check ("nothing to check")
  4  out of time: --timeout (wall time) ran out before the command ended
Neither 3 nor 4 is a pass.`, checkExamples, stderr)
	format := fs.String("format", "raftsim", "raftsim (docs/history-format.md) or porcupine-kv (porcupine's test_data/kv lines)")
	html := fs.String("html", "", "write porcupine's HTML picture of the history to FILE")
	steps := fs.Uint64("steps", checker.DefaultLimit.Steps, "search steps the check may take before it is inconclusive")
	memo := fs.Uint64("memo-mib", checker.DefaultLimit.MemoryBytes>>20, "MiB of memo the search may hold before it is inconclusive")
	timeout := fs.Duration("timeout", 10*time.Minute, "wall time the whole command may take before it gives up (exit 4)")
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
	case *steps == 0:
		return o, usageError(stderr, fs, "--steps 0: must be positive"), true
	case *memo == 0 || *memo > 1<<20:
		return o, usageError(stderr, fs, "--memo-mib %d: want 1 to %d", *memo, 1<<20), true
	}
	o.format, o.html, o.timeout, o.json = *format, *html, *timeout, *asJSON
	o.limit = checker.Limit{Steps: *steps, MemoryBytes: *memo << 20}
	return o, 0, false
}

// checkJSON is `raftsim check --json`.
type checkJSON struct {
	File string `json:"file"`
	// Verdict is ok, illegal, inconclusive, empty (nothing to check) or
	// out-of-time.
	Verdict       string   `json:"verdict"`
	Ops           int      `json:"ops"`
	Keys          int      `json:"keys"`
	FailingKeys   []string `json:"failingKeys,omitempty"`
	UndecidedKeys []string `json:"undecidedKeys,omitempty"`
	Steps         uint64   `json:"steps"`
	MemoBytes     uint64   `json:"memoBytes"`
	WallMs        int64    `json:"wallMs"`
}

// checkCmd checks a history file within --timeout: the work runs on its
// own goroutine with its output buffered, so that running out of time
// prints one clear line and nothing of the unfinished check.
func checkCmd(args []string, stdout, stderr io.Writer) int {
	o, code, done := parseCheck(args, stderr)
	if done {
		return code
	}
	start := time.Now()
	type outcome struct {
		code        int
		out, errOut bytes.Buffer
	}
	finished := make(chan *outcome, 1)
	go func() {
		res := &outcome{}
		res.code = runCheck(o, start, &res.out, &res.errOut)
		finished <- res
	}()
	timer := time.NewTimer(o.timeout)
	defer timer.Stop()
	select {
	case res := <-finished:
		stdout.Write(res.out.Bytes())
		stderr.Write(res.errOut.Bytes())
		return res.code
	case <-timer.C:
		if o.json {
			writeJSON(stdout, checkJSON{File: o.file, Verdict: "out-of-time", WallMs: time.Since(start).Milliseconds()})
		}
		fmt.Fprintf(stderr, "raftsim check: %s: out of time: --timeout %v ran out before the check ended; "+
			"this is neither a verdict nor a pass\n", o.file, o.timeout)
		return exitOutOfTime
	}
}

// runCheck reads, checks and reports; checkCmd bounds its wall time.
func runCheck(o checkOptions, start time.Time, stdout, stderr io.Writer) int {
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
	r := checker.CheckLinearizable(h, o.limit)
	if r.Ops == 0 {
		if o.json {
			writeJSON(stdout, checkJSON{File: o.file, Verdict: "empty", WallMs: time.Since(start).Milliseconds()})
		} else {
			fmt.Fprintf(stdout, "nothing to check: %d ops read, none left to check\n", len(h.Ops))
		}
		fmt.Fprintf(stderr, "raftsim check: %s: nothing to check (no operation, or only reads whose outcome is unknown); "+
			"this is not a pass\n", o.file)
		return exitInconclusive
	}
	if o.html != "" {
		err := writePage(o.html, func(w io.Writer) error { return checker.WriteVisualization(w, h, r, nil) })
		if err != nil {
			fmt.Fprintf(stderr, "raftsim check: --html: %v\n", err)
			return exitUsage
		}
	}
	wall := time.Since(start)
	if o.json {
		writeJSON(stdout, checkJSON{File: o.file, Verdict: r.Verdict.String(), Ops: r.Ops, Keys: r.Keys,
			FailingKeys: r.FailingKeys, UndecidedKeys: r.UndecidedKeys, Steps: r.Steps, MemoBytes: r.MemoryBytes,
			WallMs: wall.Milliseconds()})
	} else {
		fmt.Fprintf(stdout, "%s (%d steps, %v)\n", r, r.Steps, wall.Round(time.Millisecond))
	}
	switch r.Verdict {
	case checker.Linearizable:
		return exitPass
	case checker.Inconclusive:
		fmt.Fprintf(stderr, "raftsim check: inconclusive: the search reached its limit (%v); this is not a pass\n", r.Limit)
		return exitInconclusive
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
