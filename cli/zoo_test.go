package cli

import (
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/campaign"
	"github.com/raftsim/raftsim/internal/zoo"
	"github.com/raftsim/raftsim/scenarios"
)

// Every knob has exactly one row, naming a built-in scenario and why.
func TestZooTableCoversEveryKnob(t *testing.T) {
	var bugs []string
	for _, e := range zooTable {
		bugs = append(bugs, e.bug)
		_, err := scenarios.Get(e.scenario)
		assert.NoError(t, err, "%s", e.bug)
		assert.NotEmpty(t, e.why, "%s: say why this scenario", e.bug)
	}
	slices.Sort(bugs)
	assert.Equal(t, zoo.AllNames(), bugs, "the zoo table and zoo.Bugs disagree: add or remove a row in zooTable")
}

// The cheap bugs are found by --quick, and the correct core finds nothing
// on the same budget: the zoo's CI form.
func TestZooQuickFindsCheapBugs(t *testing.T) {
	cheap := []string{"ack-before-durable", "prevote-never-grants", "truncate-on-stale-append", "vote-before-persist"}
	code, out, errs := raftsim("bench", "zoo", "--quick", "--budget", "2s", "--json", "--bugs", strings.Join(cheap, ","))
	require.Equal(t, exitPass, code, out+errs)
	var rep zooReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Rows, len(cheap))
	for _, row := range rep.Rows {
		assert.Equal(t, row.Found, len(row.Campaigns), "%s found in every campaign", row.Bug)
		assert.NotNil(t, row.MedianCPUSeconds, row.Bug)
		assert.NotEmpty(t, row.Signature, row.Bug)
		assert.NotEmpty(t, row.Why, row.Bug)
	}
	assert.Zero(t, rep.Control.Found, "the correct core found %s", rep.Control.Signature)
	assert.Positive(t, rep.Control.SeedsRun)
	for _, c := range rep.Control.Campaigns {
		assert.Equal(t, "cpu", c.Exhausted, "the correct core spends its budget")
		assert.GreaterOrEqual(t, c.CPUSeconds, 2.0)
	}
	assert.Equal(t, "PASS", rep.Verdict)
	assert.Empty(t, rep.NotFound)
}

// A knob not found makes the zoo fail, and the verdict names it. The
// seed cap, not the CPU budget, keeps it unfound: campaign seed 1 finds
// this knob at its fourth seed.
func TestZooReportsWhatWasNotFound(t *testing.T) {
	code, out, _ := raftsim("bench", "zoo", "--bugs", "config-change-without-term-commit", "--campaigns", "1",
		"--budget", "300ms", "--max-seeds", "3", "--short", "--workers", "2")
	require.Equal(t, exitFailure, code, out)
	assert.Contains(t, out, "verdict    FAIL: not found: config-change-without-term-commit")
	assert.Contains(t, out, "(correct core: no knob)")
	assert.Contains(t, out, "goal       median under 60 CPU-s: 0 of 1 knobs")
}

// A zoo campaign is the fuzz campaign of its campaign seed: the same
// seeds in the same order, so raftsim fuzz finds the same first failure.
func TestZooCampaignIsAFuzzCampaign(t *testing.T) {
	o := zooOptions{campaigns: 1, budget: time.Minute, maxSeeds: 200, workers: 1, seed: 3, short: true,
		bugs: []string{"vote-before-persist"}}
	p := zooPlan(o, "vote-before-persist", 0)
	runtime.LockOSThread()
	c := runZooCampaign(p, o.budget, o.maxSeeds)
	runtime.UnlockOSThread()
	require.True(t, c.Found)
	require.NotNil(t, c.First)
	require.Equal(t, uint64(c.Seeds-1), c.First.SeedIndex)
	require.Greater(t, c.Seeds, 1, "pick a zoo seed whose campaign passes a seed first")

	e, _ := zooScenarioFor("vote-before-persist")
	code, out, errs := raftsim("fuzz", "--campaign-seed", c.CampaignSeed.String(), "--scenario", e.scenario,
		"--short", "--bugs", "vote-before-persist", "--seeds", strconv.Itoa(c.Seeds), "--workers", "1", "--out", "", "--json", "--progress", "none")
	require.Equal(t, exitFailure, code, errs)
	var s campaign.Summary
	require.NoError(t, json.Unmarshal([]byte(out), &s))
	require.Len(t, s.Failures, 1)
	assert.Equal(t, c.First.SeedIndex, s.Failures[0].First.Index)
	assert.Equal(t, c.Signature, s.Failures[0].Signature)
	assert.Equal(t, 1, s.Failed, "the seeds before the zoo's first failure pass")
}

func TestZooBadUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--campaigns", "0"}, "--campaigns 0"},
		{[]string{"--budget", "0s"}, "--budget 0s"},
		{[]string{"--max-seeds", "0"}, "--max-seeds 0"},
		{[]string{"--workers", "0"}, "--workers 0"},
		{[]string{"--bugs", "no-such-bug"}, `unknown bug "no-such-bug"`},
		{[]string{"--scenario", "nope"}, "unknown scenario"},
		{[]string{"--seed", "x"}, "seed"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		code, _, errs := raftsim(append([]string{"bench", "zoo"}, tt.args...)...)
		assert.Equal(t, exitUsage, code, "%v", tt.args)
		assert.Contains(t, errs, tt.want, "%v", tt.args)
	}
	code, help, _ := raftsim("bench", "zoo", "--help")
	assert.Equal(t, exitPass, code)
	assert.Contains(t, help, "Examples:\n  raftsim bench zoo")
	assert.Contains(t, help, "RUSAGE_THREAD")
}

// --quick takes its sizes only for the flags not given.
func TestZooQuickKeepsExplicitFlags(t *testing.T) {
	o, code, done := parseZoo([]string{"--quick", "--campaigns", "3"}, io.Discard)
	require.False(t, done, code)
	assert.Equal(t, 3, o.campaigns)
	assert.Equal(t, zooQuick.budget, o.budget)
	assert.True(t, o.short)
	assert.Equal(t, zoo.AllNames(), o.bugs)
}

// A campaign that found nothing counts as longer than any: the median is
// defined only when more than half the campaigns found the bug.
func TestFiniteMedian(t *testing.T) {
	inf := math.Inf(1)
	assert.Equal(t, 2.0, *finiteMedian([]float64{3, 1, 2}))
	assert.Equal(t, 5.0, *finiteMedian([]float64{inf, 1, 3, 5, inf}), "misses sort last")
	assert.Nil(t, finiteMedian([]float64{inf, 1, inf}))
	assert.Nil(t, finiteMedian([]float64{1, inf}), "an even count averages the middle two")
	assert.Equal(t, 1.5, *finiteMedian([]float64{1, 2}))
	assert.Nil(t, finiteMedian(nil))
	assert.Equal(t, "a", mostCommon(map[string]int{"b": 2, "a": 2, "c": 1}))
}

// The thread clock counts the calling thread's work, not its sleep.
func TestThreadCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the thread clock is wall time off Linux")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU()
	time.Sleep(100 * time.Millisecond)
	assert.Less(t, threadCPU()-start, 50*time.Millisecond, "a sleeping thread uses (almost) no CPU")
	start = threadCPU()
	deadline := time.Now().Add(30 * time.Second) // a bound, not a timing: spinning must move the clock
	x := 0
	for threadCPU()-start < 10*time.Millisecond && time.Now().Before(deadline) {
		x++
	}
	assert.GreaterOrEqual(t, threadCPU()-start, 10*time.Millisecond, "spinning %d times", x)
}

// A seed that fails without the knob too proves nothing about the knob:
// the campaign goes on past it, and the zoo fails because the correct core
// does. Here the scenario itself carries a bug, so every seed fails both
// ways.
func TestZooSeedsFailingWithoutTheKnobAreTheCoresFailures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stuck.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"name": "stuck", "summary": "no elections", "doc": "Every seed fails.",
  "base": "baseline", "config": {"bugs": {"prevote-never-grants": true}}}`), 0o644))
	code, out, errs := raftsim("bench", "zoo", "--scenario", path, "--bugs", "vote-before-persist", "--short",
		"--campaigns", "1", "--max-seeds", "2", "--workers", "2", "--json")
	require.Equal(t, exitFailure, code, errs)
	var rep zooReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Rows, 1)
	c := rep.Rows[0].Campaigns[0]
	assert.False(t, c.Found, "a failure the correct core shares is not the knob's")
	assert.Equal(t, 2, c.Seeds)
	require.Len(t, c.CoreFailures, 2)
	assert.Equal(t, "liveness/leader", c.CoreFailures[0].Signature)
	assert.Equal(t, 1, rep.Control.Found)
	assert.Len(t, rep.CoreFailures, 2, "the knob's campaign and the correct core's share their seeds: each counted once")
	assert.Contains(t, rep.Verdict, "not found: vote-before-persist")
	assert.Contains(t, rep.Verdict, "the correct core fails 2 seeds")
}
