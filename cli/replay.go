package cli

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/internal/atomicfile"
	"github.com/raftsim/raftsim/sim"
)

const replayExamples = `  raftsim replay failures/liveness-leader-1a2b3c4d.json          reproduce, and say whether it matches
  raftsim replay FILE --trace - --node n2 --from-step 100 --to-step 200
                                                    the events of n2 (and its messages) in steps 100..200
  raftsim replay FILE --trace trace.txt --history-html history.html --timeline timeline.html
  raftsim replay FILE --history h.json && raftsim check h.json
                                                    the client history, for raftsim check or other tools
  raftsim replay FILE --json                        the verdict for programs
  raftsim replay FILE --emit go-test                a Go regression test reproducing it
  raftsim replay FILE --emit scenario > s.json      a scenario file re-creating the run
`

// replayOptions is a parsed `raftsim replay` command line.
type replayOptions struct {
	file        string
	trace       string // "" for none, "-" for stdout
	filter      harness.TraceFilter
	historyHTML string
	history     string // "" for none: where to write the history file
	timeline    string
	maxMessages int // the timeline's cap on messages
	json        bool
	emit        string // "go-test" or "scenario": print that instead of replaying
}

func parseReplay(args []string, stderr io.Writer) (o replayOptions, code int, done bool) {
	fs := newFlagSet("replay", `Usage: raftsim replay [flags] FILE

Re-runs the failure file's config and seed and checks that the run fails
the same way with the same trace hash (for a file whose expect is "fail"),
or now passes (expect "pass", or no expect: a fixed bug). When the trace
differs it names the first step where the runs part. It can also write a
readable trace, porcupine's picture of the history (faults as annotations)
and a timeline page.

Exit status: 0 when the file's expectation holds, 1 when it does not, 2 for
a bad file or bad flags, 3 when the replay's verdict is inconclusive (the
linearizability search reached its bound: neither expectation is shown).`, replayExamples, stderr)
	trace := fs.String("trace", "", "write the trace, one line per event, to FILE (- for stdout)")
	var nodes listFlag
	fs.Var(&nodes, "node", "trace only these nodes and their messages: n2 or 2; repeatable or comma-separated")
	from := fs.Uint64("from-step", 0, "trace from this step on (the #N of trace lines)")
	to := fs.Uint64("to-step", 0, "trace up to this step, inclusive (0: to the end)")
	history := fs.String("history", "", "write the client history to FILE in the format of docs/history-format.md (raftsim check reads it)")
	hist := fs.String("history-html", "", "write porcupine's HTML picture of the history to FILE")
	timeline := fs.String("timeline", "", "write the timeline page (lanes, messages, faults, the violation) to FILE")
	maxMessages := fs.Int("timeline-messages", 5000, "the timeline shows at most this many messages, the last ones (0: all)")
	asJSON := fs.Bool("json", false, "print the verdict as JSON")
	emit := fs.String("emit", "", "print, instead of replaying, a Go test function (go-test) or a scenario file (scenario) that reproduces the failure")
	pos, code, done := parseArgs(fs, args)
	if done {
		return o, code, true
	}
	if *emit != "" && *emit != "go-test" && *emit != "scenario" {
		return o, usageError(stderr, fs, "--emit %q: want go-test or scenario", *emit), true
	}
	o.emit = *emit
	var ok bool
	if o.file, ok = oneArg(fs, pos, "failure FILE"); !ok {
		return o, exitUsage, true
	}
	ids, err := parseNodes(nodes.String())
	if err != nil {
		return o, usageError(stderr, fs, "%v", err), true
	}
	if *to != 0 && *to < *from {
		return o, usageError(stderr, fs, "--to-step %d is before --from-step %d", *to, *from), true
	}
	if *maxMessages < 0 {
		return o, usageError(stderr, fs, "--timeline-messages %d: must not be negative", *maxMessages), true
	}
	if *asJSON && *trace == "-" {
		return o, usageError(stderr, fs, "--json and --trace - both want stdout: write the trace to a file"), true
	}
	o.history = *history
	o.trace, o.historyHTML, o.timeline, o.maxMessages, o.json = *trace, *hist, *timeline, *maxMessages, *asJSON
	o.filter = harness.TraceFilter{Nodes: ids, FromStep: *from, ToStep: *to}
	return o, 0, false
}

// replayCmd reproduces a failure file.
func replayCmd(args []string, stdout, stderr io.Writer) int {
	o, code, done := parseReplay(args, stderr)
	if done {
		return code
	}
	f, err := failfile.Read(o.file)
	if err != nil {
		fmt.Fprintf(stderr, "raftsim replay: %v\n", err)
		return exitUsage
	}
	if o.emit != "" {
		if err := emitFor(stdout, o.emit, o.file, f); err != nil {
			fmt.Fprintf(stderr, "raftsim replay: %v\n", err)
			return exitUsage
		}
		return exitPass
	}
	rec, closeTrace, err := newTraceRecorder(o, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "raftsim replay: --trace: %v\n", err)
		return exitUsage
	}
	cfg := f.Config
	cfg.KeepStepHashes = true
	start := time.Now()
	ct := newClientTracer(rec)
	res, err := safeRun(cfg, f.Seed, harness.Options{Tracer: ct})
	wall := time.Since(start)
	if cerr := closeTrace(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stderr, "raftsim replay: %v\n", err)
		return exitUsage
	}
	v := compareReplay(o.file, f, res)
	v.WallMs = wall.Milliseconds()
	if o.history != "" {
		if err := writeHistoryFile(o.history, res.History); err != nil {
			fmt.Fprintf(stderr, "raftsim replay: --history: %v\n", err)
			return exitUsage
		}
		v.Written = append(v.Written, o.history)
	}
	located, err := locateViolation(f.Config, res, ct)
	if err != nil {
		fmt.Fprintf(stderr, "raftsim replay: locating the violation: %v\n", err)
	}
	if err := writePages(o, f, res, rec.events, located, &v); err != nil {
		fmt.Fprintf(stderr, "raftsim replay: %v\n", err)
		return exitUsage
	}
	if o.json {
		writeJSON(stdout, v)
	} else {
		printReplay(stdout, v)
		if located != nil {
			printLocated(stdout, o.file, located)
		}
	}
	switch {
	case v.Verdict == "inconclusive":
		return exitInconclusive
	case !v.OK:
		return exitFailure
	}
	return exitPass
}

// safeRun is harness.RunWith for a config read from a file: the harness
// turns a panic inside the world into a failure, and a panic outside it
// (while building the world from a config that validated but makes no
// sense) becomes an error here, so a strange file never crashes raftsim.
func safeRun(cfg harness.Config, seed sim.Seed, opts harness.Options) (res harness.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the harness panicked on this file's config: %v", r)
		}
	}()
	return harness.RunWith(cfg, seed, opts)
}

// writeHistoryFile writes a run's client history (as the checker saw it:
// unknown outcomes resolved where the cluster applied them) in the
// documented history format, atomically, so that `raftsim check FILE`
// gives the verdict the run gave.
func writeHistoryFile(path string, h checker.History) error {
	var b bytes.Buffer
	if err := checker.WriteHistory(&b, h); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b.Bytes())
}
