package harness

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// runSeeds runs seeds [from, to) of cfg on every core and returns the
// results in seed order.
func runSeeds(t *testing.T, cfg Config, from, to int) []Result {
	t.Helper()
	results := make([]Result, to-from)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res, err := Run(cfg, sim.Seed(from+i))
				if err != nil {
					panic(err)
				}
				results[i] = res
			}
		}()
	}
	for i := range results {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

func TestSameSeedSameTrace(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Duration = 3e9
	first := runSeeds(t, cfg, 1, 21)
	second := runSeeds(t, cfg, 1, 21)
	seen := map[uint64]int{}
	for i := range first {
		require.Equal(t, first[i].TraceHash, second[i].TraceHash, "seed %d ran differently twice", first[i].Seed)
		require.Equal(t, first[i].Stats, second[i].Stats, "seed %d", first[i].Seed)
		if prev, dup := seen[first[i].TraceHash]; dup {
			t.Fatalf("seeds %d and %d gave the same trace", prev, first[i].Seed)
		}
		seen[first[i].TraceHash] = int(first[i].Seed)
	}
}

// TestStepHashesNameTheDivergence: two runs that differ are told apart step
// by step, and the first differing step is found.
func TestStepHashesNameTheDivergence(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Duration = 1e9
	cfg.KeepStepHashes = true
	a, err := Run(cfg, 7)
	require.NoError(t, err)
	b, err := Run(cfg, 7)
	require.NoError(t, err)
	_, differ := sim.FirstDivergence(a.StepHashes, b.StepHashes)
	assert.False(t, differ, "the same seed never diverges")

	cfg.Workload.Clients++ // a different world from the first client send on
	c, err := Run(cfg, 7)
	require.NoError(t, err)
	step, differ := sim.FirstDivergence(a.StepHashes, c.StepHashes)
	require.True(t, differ)
	assert.Less(t, step, 20, "the runs part early")
}

// TestSmoke runs 200 seeds with crashes, restarts and message loss: every
// run must be linearizable with no invariant broken.
func TestSmoke(t *testing.T) {
	seeds := 200
	if testing.Short() {
		seeds = 40
	}
	cfg := DefaultConfig()
	var ops, crashes, leaders int
	for _, res := range runSeeds(t, cfg, 1, seeds+1) {
		require.Nil(t, res.Failure, "seed %d: %v", res.Seed, res.Failure)
		assert.Equal(t, "ok", res.Linearizability.Verdict.String(), "seed %d", res.Seed)
		ops += res.Stats.OpsCompleted
		crashes += res.Stats.Crashes
		leaders += res.Stats.LeaderChanges
	}
	t.Logf("%d seeds: %d operations, %d crashes, %d leader changes", seeds, ops, crashes, leaders)
	assert.Greater(t, crashes, seeds, "the smoke test crashes nodes")
	assert.Greater(t, leaders, seeds, "and leaders change")
}

// TestCheckerCatchesStaleReads switches the servers to a wrong read path
// (any node answers Get from its local state) and requires the checker to
// report a linearizability failure for some seed.
func TestCheckerCatchesStaleReads(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Workload.ReadPath = ReadLocalUnsafe
	for _, res := range runSeeds(t, cfg, 1, 101) {
		if res.Failure == nil {
			continue
		}
		require.Equal(t, ClassLinearizability, res.Failure.Class, "seed %d: %v", res.Seed, res.Failure)
		assert.Equal(t, "illegal", res.Failure.Check)
		assert.NotEmpty(t, res.Linearizability.FailingKeys)
		return
	}
	t.Fatal("100 seeds of stale local reads, and the checker found nothing")
}

func TestStepBudgetEndsTheRun(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxSteps = 500
	res, err := Run(cfg, 1)
	require.NoError(t, err)
	require.NotNil(t, res.Failure)
	assert.Equal(t, ClassBudget, res.Failure.Class)
	assert.Equal(t, uint64(500), res.Stats.Steps)
}

func TestConfigErrorsNameTheField(t *testing.T) {
	for _, tt := range []struct {
		edit func(*Config)
		msg  string
	}{
		{func(c *Config) { c.Nodes = 0 }, "nodes 0"},
		{func(c *Config) { c.Duration = 0 }, "duration"},
		{func(c *Config) { c.MaxSteps = 0 }, "maxSteps"},
		{func(c *Config) { c.Workload.Keys = 0 }, "workload.keys"},
		{func(c *Config) { c.Workload.Mix = Mix{} }, "workload.mix"},
		{func(c *Config) { c.Crashes.DownMin = 0 }, "crashes.downMin"},
		{func(c *Config) { c.Network.Loss = sim.Ratio{Num: 2, Den: 1} }, "Loss"},
		{func(c *Config) { c.Raft.HeartbeatInterval = 0 }, "HeartbeatInterval"},
	} {
		cfg := DefaultConfig()
		tt.edit(&cfg)
		_, err := Run(cfg, 1)
		require.ErrorContains(t, err, tt.msg, fmt.Sprintf("%+v", tt))
	}
}

type lines struct {
	filter TraceFilter
	out    []string
}

func (l *lines) Trace(e *TraceEvent) {
	if l.filter.Keep(e) {
		l.out = append(l.out, e.Line())
	}
}

// Tracing shows every event without changing the run.
func TestTraceDoesNotChangeTheRun(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Duration = 2e9
	plain, err := Run(cfg, 5)
	require.NoError(t, err)
	var all lines
	traced, err := RunWith(cfg, 5, Options{Tracer: &all})
	require.NoError(t, err)
	assert.Equal(t, plain.TraceHash, traced.TraceHash)
	require.NotEmpty(t, all.out)
	joined := strings.Join(all.out, "\n")
	for _, want := range []string{" deliver n", " send n", " role leader term", " timer tick", " request from client", " reply client"} {
		assert.Contains(t, joined, want)
	}

	only := lines{filter: TraceFilter{Nodes: []raft.NodeID{2}, FromStep: 100, ToStep: 200}}
	_, err = RunWith(cfg, 5, Options{Tracer: &only})
	require.NoError(t, err)
	require.NotEmpty(t, only.out)
	for _, l := range only.out {
		assert.Contains(t, l, "n2", "filtered to n2: %s", l)
	}
}

// A script of exactly the commands a run drew replays the same run, and a
// shorter script runs fewer commands.
func TestScriptReplaysTheDrawnWorkload(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Duration = 2e9
	drawn, err := Run(cfg, 11)
	require.NoError(t, err)
	scripted := cfg
	scripted.Workload.Script = drawn.Script
	require.Equal(t, len(drawn.History.Ops), scripted.Workload.Operations())
	again, err := Run(scripted, 11)
	require.NoError(t, err)
	assert.Equal(t, drawn.TraceHash, again.TraceHash)

	for i := range scripted.Workload.Script {
		scripted.Workload.Script[i] = scripted.Workload.Script[i][:min(3, len(scripted.Workload.Script[i]))]
	}
	short, err := Run(scripted, 11)
	require.NoError(t, err)
	assert.Nil(t, short.Failure)
	assert.LessOrEqual(t, short.Stats.OpsCompleted, 3*cfg.Workload.Clients)
}
