package campaign

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/harness"
)

// Flags of a test binary that calls Test, after -args:
//
//	go test -run '^TestX$' -args -raftsim.replay=testdata/raftsim/TestX/liveness-leader-c0-1a2b3c4d.json
//	go test -run '^TestX$' -args -raftsim.index=17
//	go test -run '^TestX$' -args -raftsim.seeds=5000
//
// They are defined only in test binaries (testing.Testing), so that a
// program importing the package keeps its flag set to itself.
var testFlags struct {
	replay *string
	index  *int64
	seeds  *int
}

func init() {
	if !testing.Testing() {
		return
	}
	testFlags.replay = flag.String("raftsim.replay", "", "campaign.Test: replay this failure file instead of running the campaign")
	testFlags.index = flag.Int64("raftsim.index", -1, "campaign.Test: run only this seed index of the campaign")
	testFlags.seeds = flag.Int("raftsim.seeds", 0, "campaign.Test: the seed budget, replacing the test's")
}

// TestDir is where Test keeps failure files, under the test's package
// directory, one directory per test, as go test -fuzz keeps failing
// inputs under testdata/fuzz: commit one to keep it as a regression.
const TestDir = "testdata/raftsim"

// Test runs the spec's campaign from a test and reports each failure
// signature as an error, with the failure file it wrote and the command
// that replays it (with the test's store: the command reruns this test).
// Inconclusive seeds are logged, never errors. It returns the summary.
//
// With -raftsim.replay=FILE it replays that failure file instead, and with
// -raftsim.index=K it runs seed index K alone: an error when it fails.
func Test(t testing.TB, spec Spec) *Summary {
	t.Helper()
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
		return nil
	}
	if testFlags.replay != nil && *testFlags.replay != "" {
		replayFile(t, *testFlags.replay)
		return nil
	}
	if testFlags.seeds != nil && *testFlags.seeds > 0 {
		spec.Seeds = *testFlags.seeds
	}
	if testFlags.index != nil && *testFlags.index >= 0 {
		runIndex(t, spec, uint64(*testFlags.index))
		return nil
	}
	dir := filepath.Join(TestDir, safeTestName(t.Name()))
	rerun := rerunCommand(t)
	spec.Reproduce = func(o Outcome) string { return fmt.Sprintf("%s -raftsim.index=%d", rerun, o.Index) }
	sum, err := Run(spec, dir, func(o Outcome, r Recorded) {
		switch {
		case r.Verdict == Inconclusive:
			t.Logf("seed index %d (seed %v, %s) is inconclusive: %s", o.Index, o.Seed, o.Scenario, oneLine(r.Ref.Message))
		case r.Verdict == Failed && r.Err != nil:
			t.Errorf("writing the failure file of seed index %d: %v", o.Index, r.Err)
		}
	})
	if err != nil {
		t.Fatal(err)
		return nil
	}
	for _, f := range sum.Failures {
		how := f.First.Reproduce
		if f.First.File != "" {
			how = fmt.Sprintf("%s -raftsim.replay=%s", rerun, f.First.File)
		}
		t.Errorf("campaign: %s: %d of %d seeds, first index %d (seed %v, scenario %s): %s\n\treplay: %s",
			f.Signature, f.Count, sum.Seeds, f.First.Index, f.First.Seed, f.First.Scenario, oneLine(f.First.Message), how)
	}
	c := sum.Campaign
	t.Logf("campaign seed %v, scenario %s, store %s: %d seeds, %d passed, %d failed (%d signatures), %d inconclusive",
		c.Seed, c.Scenario, storeName(c.Store), sum.Seeds, sum.Passed, sum.Failed, sum.Distinct(), sum.Inconclusive)
	return sum
}

// rerunCommand is the go test command line that reruns this test, from
// the package's directory (where go test runs it), with the test binary's
// own flags as they were set (a flag that chose the store must be there).
func rerunCommand(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		dir = "."
	}
	top := strings.SplitN(t.Name(), "/", 2)[0]
	var own []string
	flag.Visit(func(f *flag.Flag) {
		if !strings.HasPrefix(f.Name, "test.") && !strings.HasPrefix(f.Name, "raftsim.") {
			own = append(own, fmt.Sprintf("-%s=%s", f.Name, f.Value))
		}
	})
	cmd := fmt.Sprintf("cd %s && go test -run '^%s$' -args", dir, top)
	if len(own) > 0 {
		cmd += " " + strings.Join(own, " ")
	}
	return cmd
}

// runIndex runs one seed of the campaign, as the summary's rerun line asks.
func runIndex(t testing.TB, spec Spec, k uint64) {
	t.Helper()
	o := spec.RunSeed(k, nil)
	switch o.Verdict() {
	case Failed:
		t.Errorf("seed index %d (seed %v, scenario %s) fails: %s: %s\n%s", k, o.Seed, o.Scenario,
			o.Result.Failure.Signature(), o.Result.Failure.Message, o.Result.Failure.Stack)
	case Inconclusive:
		t.Logf("seed index %d (seed %v, scenario %s) is inconclusive: %s", k, o.Seed, o.Scenario, inconclusiveReason(o.Result))
	default:
		t.Logf("seed index %d (seed %v, scenario %s) passes, trace hash %s", k, o.Seed, o.Scenario, failfile.FormatHash(o.Result.TraceHash))
	}
}

// replayFile reruns a failure file: an error when it still fails, with
// whether the trace hash is the recorded one.
func replayFile(t testing.TB, path string) {
	t.Helper()
	f, err := failfile.Read(path)
	if err != nil {
		t.Fatal(err)
		return
	}
	res, err := harness.Run(f.Config, f.Seed)
	if err != nil {
		t.Fatalf("%s: the config does not run: %v", path, err)
		return
	}
	same := "the same trace hash"
	if got := failfile.FormatHash(res.TraceHash); got != f.TraceHash {
		same = fmt.Sprintf("trace hash %s, recorded %s: the code or the store changed since", got, f.TraceHash)
	}
	if res.Failure == nil {
		t.Logf("%s passes now (%s); it failed with %s: %s", path, same, f.Failure.Signature(), f.Failure.Message)
		return
	}
	t.Errorf("%s reproduces %s at step %d (%s): %s\n%s", path, res.Failure.Signature(), res.Failure.Step, same, res.Failure.Message, res.Failure.Stack)
}

func storeName(s string) string {
	if s == "" {
		return "the scenarios' own"
	}
	return s
}

// safeTestName turns a test's name into one path element.
func safeTestName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r == ' ' {
			return '_'
		}
		return r
	}, name)
}
