package cli

import (
	"fmt"
	"io"

	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

// replayVerdict is what a replay found; `raftsim replay --json` prints it.
type replayVerdict struct {
	File     string   `json:"file"`
	Seed     sim.Seed `json:"seed"`
	Scenario string   `json:"scenario"`
	// Expect is what the file asks of the replay: "fail" (the same
	// failure, the same trace) or "pass" (a fixed bug).
	Expect string `json:"expect"`
	// RecordedVersion is the raftsim that wrote the file; Version is this
	// one. A difference is reported, not an error.
	RecordedVersion string     `json:"recordedVersion"`
	Version         string     `json:"version"`
	VersionDiffers  bool       `json:"versionDiffers"`
	Recorded        replaySide `json:"recorded"`
	Replayed        replaySide `json:"replayed"`
	SameFailure     bool       `json:"sameFailure"`
	SameTrace       bool       `json:"sameTrace"`
	// FirstDivergence is the first step (as trace lines number them,
	// from 1) where the replay's trace parts from the recorded one, when
	// the traces differ and the file holds per-step hashes.
	FirstDivergence uint64 `json:"firstDivergence,omitempty"`
	// Verdict is "reproduced", "fixed", "differs", "passes", "still
	// fails" or "inconclusive"; OK says whether the file's expectation
	// holds (never for an inconclusive replay).
	Verdict string   `json:"verdict"`
	OK      bool     `json:"ok"`
	Notes   []string `json:"notes,omitempty"`
	Written []string `json:"written,omitempty"` // files written: trace, pages
	WallMs  int64    `json:"wallMs"`
}

// replaySide is one side of the comparison.
type replaySide struct {
	Failure *harness.Failure `json:"failure,omitempty"`
	// Inconclusive says why the replayed verdict is undecided, when it is.
	Inconclusive string `json:"inconclusive,omitempty"`
	TraceHash    string `json:"traceHash"`
	Steps        uint64 `json:"steps"`
}

// compareReplay judges a replay of f.
func compareReplay(path string, f failfile.File, res harness.Result) replayVerdict {
	v := replayVerdict{File: path, Seed: f.Seed, Scenario: f.Scenario, Expect: f.Expect,
		RecordedVersion: f.Raftsim, Version: harness.Version(),
		Recorded: replaySide{Failure: &f.Failure, TraceHash: f.TraceHash, Steps: f.Steps},
		Replayed: replaySide{Failure: res.Failure, Inconclusive: res.Inconclusive, TraceHash: failfile.FormatHash(res.TraceHash), Steps: res.Stats.Steps},
	}
	if v.Expect == "" {
		v.Expect = "pass"
		v.Notes = append(v.Notes, `the file has no "expect": it is taken as a fixed bug that must now pass`)
	}
	v.VersionDiffers = v.RecordedVersion != v.Version
	if v.VersionDiffers {
		v.Notes = append(v.Notes, fmt.Sprintf("the file was written by raftsim %s; this is %s", v.RecordedVersion, v.Version))
	}
	v.SameFailure = res.Failure != nil && sameFailure(f.Failure, *res.Failure)
	v.SameTrace = v.Recorded.TraceHash == v.Replayed.TraceHash
	if !v.SameTrace {
		v.Notes = append(v.Notes, divergence(f, res, &v))
	}
	switch {
	case res.Failure == nil && res.Inconclusive != "":
		v.Verdict = "inconclusive" // neither expectation is shown to hold
	case v.Expect == "pass" && res.Passed():
		v.Verdict, v.OK = "fixed", true
	case v.Expect == "pass":
		v.Verdict = "still fails"
	case v.SameFailure && v.SameTrace:
		v.Verdict, v.OK = "reproduced", true
	case res.Passed():
		v.Verdict = "passes"
	default:
		v.Verdict = "differs"
	}
	return v
}

// sameFailure compares what broke and where; the stack of a panic holds
// goroutine numbers and addresses, which differ between processes.
func sameFailure(a, b harness.Failure) bool {
	return a.Class == b.Class && a.Check == b.Check && a.Message == b.Message && a.Step == b.Step && a.Time == b.Time
}

// divergence names the first step where the traces part.
func divergence(f failfile.File, res harness.Result, v *replayVerdict) string {
	if len(f.StepHashes) == 0 {
		return "the traces differ; the file keeps no per-step hashes (the run was longer than failfile.MaxStepHashes steps), so the step where they part is unknown"
	}
	i, differ := f.StepHashes.FirstDivergence(res.StepHashes)
	if !differ {
		return "the traces differ in their full hashes, but not in the per-step hashes the file keeps"
	}
	v.FirstDivergence = uint64(i) + 1
	return fmt.Sprintf("the traces part at step #%d (of %d recorded, %d replayed): see it with --trace - --from-step %d",
		v.FirstDivergence, len(f.StepHashes), len(res.StepHashes), max(v.FirstDivergence, 10)-9)
}

func printReplay(w io.Writer, v replayVerdict) {
	fmt.Fprintf(w, "file      %s\n", v.File)
	fmt.Fprintf(w, "seed      %v (scenario %s)\n", v.Seed, v.Scenario)
	fmt.Fprintf(w, "recorded  %s, trace %s, %d steps\n", describeFailure(v.Recorded.Failure), v.Recorded.TraceHash, v.Recorded.Steps)
	fmt.Fprintf(w, "replayed  %s, trace %s, %d steps\n", describeFailure(v.Replayed.Failure), v.Replayed.TraceHash, v.Replayed.Steps)
	for _, n := range v.Notes {
		fmt.Fprintf(w, "note      %s\n", n)
	}
	for _, path := range v.Written {
		fmt.Fprintf(w, "wrote     %s\n", path)
	}
	verdicts := map[string]string{
		"reproduced":   "REPRODUCED: the same failure with the same trace",
		"fixed":        "FIXED: the run now passes, as the file expects",
		"still fails":  "STILL FAILS: the file expects a pass",
		"passes":       "NOT REPRODUCED: the run passes now",
		"differs":      "NOT REPRODUCED: the run differs from the recording",
		"inconclusive": "INCONCLUSIVE: the linearizability search reached its bound (" + oneLine(v.Replayed.Inconclusive) + ")",
	}
	fmt.Fprintf(w, "verdict   %s\n", verdicts[v.Verdict])
}

func describeFailure(f *harness.Failure) string {
	if f == nil {
		return "pass"
	}
	return oneLine(f.String())
}
