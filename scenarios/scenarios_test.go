package scenarios

import (
	"regexp"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

// runAll runs seeds 1..n of a scenario on every core, in short mode or not.
func runAll(t *testing.T, s Scenario, n int, short bool) []harness.Result {
	t.Helper()
	out := make([]harness.Result, n)
	var wg sync.WaitGroup
	seeds := make(chan int)
	for w := 0; w < runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range seeds {
				seed := sim.Seed(i + 1)
				res, err := harness.Run(s.Config(seed, short), seed)
				if err != nil {
					panic(s.Name + ": " + err.Error())
				}
				out[i] = res
			}
		}()
	}
	for i := 0; i < n; i++ {
		seeds <- i
	}
	close(seeds)
	wg.Wait()
	return out
}

func TestLibraryIsDocumented(t *testing.T) {
	names := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	require.GreaterOrEqual(t, len(All()), 15)
	for _, s := range All() {
		assert.Regexp(t, names, s.Name)
		assert.Greater(t, len(s.Doc), 200, "%s: the header says what it tests and why", s.Name)
		assert.NotEmpty(t, s.Summary)
		assert.NoError(t, s.Config(1, false).Validate(), s.Name)
		assert.Equal(t, s.Config(7, false), s.Config(7, false), "%s: deterministic", s.Name)
	}
	assert.Equal(t, DefaultName, Default().Name)
	_, err := Get("no-such")
	assert.ErrorContains(t, err, "known: ")
}

// Every scenario passes 100 seeds (20 with -short). CI runs the whole
// library in short mode: every run's chaos phase is cut to 3s.
func TestEveryScenarioPasses(t *testing.T) {
	seeds := 100
	if testing.Short() {
		seeds = 20
	}
	for _, s := range Every() { // short mode: the hour-soak runs 3s too
		t.Run(s.Name, func(t *testing.T) {
			for _, res := range runAll(t, s, seeds, true) {
				require.Nil(t, res.Failure, "%s seed %d: %v", s.Name, res.Seed, res.Failure)
			}
		})
	}
}

// TestSwarmFiresEveryFaultKind runs 300 swarm seeds and shows that each
// fault kind the harness can execute actually fired in a stated share of
// runs (a fault that never fires is a silent bug), and that the liveness
// phase passed on each run.
func TestSwarmFiresEveryFaultKind(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 60
	}
	s, err := Get("swarm")
	require.NoError(t, err)
	fired := map[string]int{}
	recovered := 0
	for _, res := range runAll(t, s, n, true) {
		require.Nil(t, res.Failure, "seed %d: %v", res.Seed, res.Failure)
		for kind, c := range res.Stats.Faults {
			if c > 0 {
				fired[kind]++
			}
		}
		if res.Stats.RecoveryTime > 0 || res.Stats.OpsCompleted > 0 {
			recovered++
		}
	}
	var kinds []string
	for _, k := range faults.Kinds() {
		kinds = append(kinds, k.String())
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		share := fired[k] * 100 / n
		t.Logf("%-18s fired in %3d of %d runs (%d%%)", k, fired[k], n, share)
		assert.GreaterOrEqual(t, fired[k]*25, n, "%s must fire in at least 4%% of runs", k)
	}
	assert.Equal(t, n, recovered)
}

// everything is the mix in one scenario: crashes, partitions
// (symmetric, isolation, splits), loss, duplication and membership changes,
// with snapshots every 20 entries.
var everything = Scenario{
	Name: "test-everything", Summary: "crashes, partitions, loss, duplication, membership, snapshots", Doc: "test only",
	Build: func(seed sim.Seed) harness.Config {
		cfg := base(5)
		cfg.Network.Loss = sim.Percent(5)
		cfg.Network.Duplicate = sim.Percent(5)
		cfg.Raft.SnapshotThreshold = 20
		cfg.Raft.SnapshotChunkSize = 512
		return drawn(seed, cfg, func(s *faults.Shape) {
			s.Crash = faults.NodeFaultShape{Every: 700 * time.Millisecond, For: 300 * time.Millisecond, Leader: sim.Ratio{Num: 1, Den: 3}, Undo: sim.Never}
			s.Cuts = faults.CutShape{Every: time.Second, For: 600 * time.Millisecond, Weights: faults.CutWeights{Partition: 1, Isolate: 1, IsolateLeader: 1, Split: 1}}
			s.Membership = faults.MemberShape{Every: 1200 * time.Millisecond, For: time.Second, Transfer: sim.Ratio{Num: 1, Den: 4}}
		})
	},
}

// TestThousandSeedsOfEverything: 1,000 seeds (100 with -short) of crashes,
// partitions, loss, duplication and membership changes with snapshots on:
// zero invariant violations, every history linearizable, every run live.
func TestThousandSeedsOfEverything(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	var crashes, changes, faultsFired int
	for _, res := range runAll(t, everything, n, true) {
		require.Nil(t, res.Failure, "seed %d: %v", res.Seed, res.Failure)
		require.Equal(t, "ok", res.Linearizability.Verdict.String(), "seed %d", res.Seed)
		crashes += res.Stats.Crashes
		changes += res.Stats.MembershipChanges
		for _, c := range res.Stats.Faults {
			faultsFired += c
		}
	}
	t.Logf("%d seeds: %d crashes, %d membership changes done, %d fault steps applied", n, crashes, changes, faultsFired)
	assert.Greater(t, crashes, n)
	assert.Greater(t, changes, n/2)
}

// The hour-soak is an hour long, left out of All (campaigns over every
// scenario) and found by name.
func TestHourSoakIsLongAndLeftOutOfAll(t *testing.T) {
	s, err := Get("hour-soak")
	require.NoError(t, err)
	require.True(t, s.Long)
	require.Equal(t, time.Hour, s.Config(1, false).Duration)
	for _, a := range All() {
		require.False(t, a.Long, a.Name)
	}
	require.Len(t, Every(), len(All())+1)
}
