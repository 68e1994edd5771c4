package shrink

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/internal/zoo"
	"github.com/raftsim/raftsim/scenarios"
	"github.com/raftsim/raftsim/sim"
)

// failure finds the first seed (from 1) on which a scenario fails with a
// known bug switched on, and returns its failure file. Searching, rather
// than naming a seed, keeps the tests independent of exactly how the core
// schedules its messages.
func failure(t *testing.T, scenario, bug string) failfile.File {
	t.Helper()
	s, err := scenarios.Get(scenario)
	require.NoError(t, err)
	bugs, err := zoo.Parse(bug)
	require.NoError(t, err)
	for seed := sim.Seed(1); seed <= 100; seed++ {
		cfg := s.Config(seed, false)
		cfg.Bugs = bugs
		res, err := harness.Run(cfg, seed)
		require.NoError(t, err)
		if res.Failure != nil {
			return failfile.New(scenario, cfg, res)
		}
	}
	t.Fatalf("%s with %s: no failure in 100 seeds", scenario, bug)
	return failfile.File{}
}

// cutAtLeast requires that a measure went down to at most a fifth.
func cutAtLeast80(t *testing.T, what string, before, after int) {
	t.Helper()
	assert.LessOrEqual(t, 5*after, before, "%s: %d -> %d is less than an 80%% cut", what, before, after)
}

// TestShrinkBrokenCores: on failures of deliberately broken cores, the
// shrinker cuts plan steps and client operations by at least 80%, and the
// shrunk file still reproduces the same failure.
func TestShrinkBrokenCores(t *testing.T) {
	for _, c := range []struct{ scenario, bug string }{
		// Figure 8: commitment by counting replicas of an earlier term.
		{"swarm", "commit-previous-term"},
		// A vote granted without the up-to-date log check.
		{"figure-8", "vote-without-log-check"},
	} {
		t.Run(c.bug, func(t *testing.T) {
			f := failure(t, c.scenario, c.bug)
			var kept []Progress
			res, err := Shrink(f, Options{MaxRuns: 1500, Progress: func(p Progress) { kept = append(kept, p) }})
			require.NoError(t, err)
			t.Log(res.Summary())
			require.NotEmpty(t, kept, "progress is reported")
			requireNeverLarger(t, res, kept)
			cutAtLeast80(t, "plan steps", res.Before.PlanSteps, res.After.PlanSteps)
			// Operations are cut less: removing commands often makes the
			// failure happen later, and a cut that lengthens the run is
			// refused (requireNeverLarger).
			assert.Less(t, res.After.Operations, res.Before.Operations, "operations are cut")

			again, err := harness.Run(res.File.Config, res.File.Seed)
			require.NoError(t, err)
			require.NotNil(t, again.Failure, "the shrunk file reproduces")
			assert.Equal(t, f.Failure.Signature(), again.Failure.Signature())
			assert.Equal(t, res.File.TraceHash, failfile.FormatHash(again.TraceHash))
		})
	}
}

// requireNeverLarger: no kept cut grows any measure, virtual time and
// events included, and so the result is no larger than the input.
func requireNeverLarger(t *testing.T, res Result, kept []Progress) {
	t.Helper()
	prev := res.Before
	for _, p := range kept {
		require.True(t, p.Size.within(prev), "run %d, cut %s grew the failure: %v -> %v", p.Runs, p.Pass, prev, p.Size)
		prev = p.Size
	}
	require.True(t, res.After.within(res.Before), "the shrink grew the failure: %v -> %v", res.Before, res.After)
	again, err := harness.Run(res.File.Config, res.File.Seed)
	require.NoError(t, err)
	require.NotNil(t, again.Failure)
	assert.LessOrEqual(t, again.Stats.VirtualTime, sim.Time(res.Before.VirtualTime), "the shrunk file's run is no longer")
	assert.LessOrEqual(t, again.Stats.Steps, res.Before.Steps)
}

// TestShrinkNeverLarger: on failures of several broken cores, in
// scenarios where shorter plans often mean longer runs (crashes and
// pauses end a run's chaos early), no kept cut grows any measure.
func TestShrinkNeverLarger(t *testing.T) {
	for _, c := range []struct{ scenario, bug string }{
		{"crash-restart-storm", "vote-without-log-check"},
		{"crash-restart-storm", "volatile-commit-restart"},
		{"figure-8", "truncate-on-stale-append"},
	} {
		t.Run(c.bug, func(t *testing.T) {
			f := failure(t, c.scenario, c.bug)
			var kept []Progress
			res, err := Shrink(f, Options{MaxRuns: 150, Progress: func(p Progress) { kept = append(kept, p) }})
			require.NoError(t, err)
			t.Log(res.Summary())
			requireNeverLarger(t, res, kept)
		})
	}
}

func TestSizeWithin(t *testing.T) {
	base := Size{PlanSteps: 4, Operations: 10, Clients: 2, Nodes: 3, VirtualTime: 520 * time.Millisecond, Steps: 900}
	assert.True(t, base.within(base), "equal is within")
	smaller := base
	smaller.Operations = 3
	assert.True(t, smaller.within(base))
	for name, grow := range map[string]func(*Size){
		"plan steps":                   func(s *Size) { s.PlanSteps++ },
		"operations":                   func(s *Size) { s.Operations++ },
		"clients":                      func(s *Size) { s.Clients++ },
		"nodes":                        func(s *Size) { s.Nodes++ },
		"virtual time, 520ms -> 589ms": func(s *Size) { s.VirtualTime = 589 * time.Millisecond },
		"events":                       func(s *Size) { s.Steps++ },
	} {
		g := base
		grow(&g)
		assert.False(t, g.within(base), "%s grown is not within", name)
	}
}

// A shrink is deterministic: the same file and options give the same
// result.
func TestShrinkIsDeterministic(t *testing.T) {
	f := failure(t, "figure-8", "vote-without-log-check")
	a, err := Shrink(f, Options{MaxRuns: 150})
	require.NoError(t, err)
	b, err := Shrink(f, Options{MaxRuns: 150})
	require.NoError(t, err)
	assert.Equal(t, a.File.TraceHash, b.File.TraceHash)
	assert.Equal(t, a.After, b.After)
	assert.Equal(t, a.Runs, b.Runs)
}

func TestShrinkRefusesAFailureThatDoesNotReproduce(t *testing.T) {
	f := failure(t, "figure-8", "vote-without-log-check")
	f.Config.Bugs = zoo.Bugs{} // the bug is fixed: nothing fails
	_, err := Shrink(f, Options{MaxRuns: 10})
	require.ErrorIs(t, err, ErrNotReproduced)
}

func TestShrinkStopsWhenAsked(t *testing.T) {
	f := failure(t, "crash-restart-storm", "vote-without-log-check")
	calls := 0
	res, err := Shrink(f, Options{Stop: func() bool { calls++; return calls > 5 }})
	require.NoError(t, err)
	assert.LessOrEqual(t, res.Runs, 6)
	assert.Equal(t, f.Failure.Signature(), res.File.Failure.Signature(), "what it has still fails the same way")
}

func TestDdminFindsTheMinimalSubset(t *testing.T) {
	items := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	needs := func(s []int) bool {
		has := map[int]bool{}
		for _, x := range s {
			has[x] = true
		}
		return has[3] && has[8] && has[11]
	}
	budget := 1000
	got := ddmin(items, needs, func() bool { budget--; return budget > 0 })
	assert.Equal(t, []int{3, 8, 11}, got)
}
