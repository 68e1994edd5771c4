package campaign

import (
	"path/filepath"
	"slices"
	"strconv"
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

// tinyChaos is a cheap scenario for the guided campaign's tests: half a
// second of crashes, partitions and transfers on 3 to 5 nodes, drawn per
// seed, so that seeds differ in the probes they hit.
var tinyChaos = scenarios.Scenario{
	Name: "tiny-chaos",
	Build: func(seed sim.Seed) harness.Config {
		cfg := harness.DefaultConfig()
		cfg.Nodes = 3 + seed.Stream("nodes").Intn(3)
		cfg.Duration = 500 * time.Millisecond
		cfg.Crashes = harness.Crashes{Interval: 150 * time.Millisecond, DownMin: 20 * time.Millisecond, DownMax: 200 * time.Millisecond}
		cfg.Raft.SnapshotThreshold = 16
		return cfg
	},
}

// runs lists a campaign's outcomes in index order.
func runs(t *testing.T, spec Spec) []Outcome {
	var out []Outcome
	_, err := Run(spec, "", func(o Outcome, _ Recorded) { out = append(out, o) })
	require.NoError(t, err)
	slices.SortFunc(out, func(a, b Outcome) int { return int(a.Index) - int(b.Index) })
	return out
}

// The schedule of a guided campaign is a function of its spec: the same
// runs, perturbations and verdicts with one worker or two.
func TestGuidedScheduleIndependentOfWorkers(t *testing.T) {
	spec := Spec{Seed: 5, Seeds: 3 * GuidedGeneration, Guided: true, Scenarios: []scenarios.Scenario{tinyChaos}}
	one := spec
	one.Workers = 1
	two := spec
	two.Workers = 2
	a, b := runs(t, one), runs(t, two)
	require.Len(t, a, spec.Seeds)
	require.Len(t, b, spec.Seeds)
	perturbed := 0
	for i := range a {
		require.Equal(t, uint64(i), a[i].Index, "every index runs once")
		assert.Equal(t, a[i].Perturbed, b[i].Perturbed, "run %d", i)
		assert.Equal(t, a[i].Parent, b[i].Parent, "run %d", i)
		assert.Equal(t, a[i].Seed, b[i].Seed, "run %d", i)
		assert.Equal(t, a[i].Result.TraceHash, b[i].Result.TraceHash, "run %d", i)
		assert.Equal(t, a[i].Verdict(), Passed, "run %d on the correct core: %v", i, a[i].Result.Failure)
		if a[i].Perturbed {
			perturbed++
			assert.Less(t, a[i].Parent, a[i].Index, "a parent runs before its perturbations")
			assert.GreaterOrEqual(t, a[i].Index, uint64(GuidedGeneration), "the first generation is plain")
		}
	}
	assert.Positive(t, perturbed, "some runs hit rare probes and were perturbed")
	t.Logf("%d of %d runs perturbed", perturbed, len(a))
}

// A perturbed run's failure file reproduces it exactly: its own config
// and seed, not its scenario and seed.
func TestPerturbedFailureReplays(t *testing.T) {
	bugs, err := zoo.Parse("vote-without-log-check")
	require.NoError(t, err)
	spec := Spec{Seed: 9, Seeds: 3 * GuidedGeneration, Guided: true, Workers: 1, Bugs: bugs,
		Scenarios: []scenarios.Scenario{tinyChaos}}
	var perturbed *Outcome
	all := runs(t, spec)
	for _, o := range all {
		if o.Perturbed && o.Verdict() == Failed {
			perturbed = &o
			break
		}
	}

	require.NotNil(t, perturbed, "a perturbed run failed with the planted bug")
	path := filepath.Join(t.TempDir(), "f.json")
	require.NoError(t, WriteFailureFile(path, *perturbed))
	f, err := failfile.Read(path)
	require.NoError(t, err)
	res, err := harness.Run(f.Config, f.Seed)
	require.NoError(t, err)
	assert.Equal(t, perturbed.Result.TraceHash, res.TraceHash, "the replay is the run")
	require.NotNil(t, res.Failure)
	assert.Equal(t, perturbed.Result.Failure.Signature(), res.Failure.Signature())

	plain := spec.RunSeed(perturbed.Index, nil)
	assert.NotEqual(t, perturbed.Result.TraceHash, plain.Result.TraceHash, "the scenario and seed of its index are another run")
}

// At the same number of runs, guidance spends more of them on the probes
// that are rare in a plain campaign. A measurement of a deterministic
// outcome: no wall time involved.
func TestGuidedHitsRareProbesMore(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two campaigns of 192 seeds")
	}
	spec := Spec{Seed: 1, Seeds: 6 * GuidedGeneration, Scenarios: []scenarios.Scenario{tinyChaos}}
	plain, err := Run(spec, "", nil)
	require.NoError(t, err)
	spec.Guided = true
	guided, err := Run(spec, "", nil)
	require.NoError(t, err)
	require.Zero(t, plain.Failed+guided.Failed, "no false alarm on the correct core")
	var rareP, rareG, hitP, hitG int
	for i, p := range plain.Probes {
		g := guided.Probes[i]
		require.Equal(t, p.Name, g.Name)
		if p.Seeds > 0 {
			hitP++
		}
		if g.Seeds > 0 {
			hitG++
		}
		if 100*p.Seeds < GuidedRarePercent*plain.Seeds {
			rareP += p.Seeds
			rareG += g.Seeds
			t.Logf("rare %-26s plain %3d guided %3d", p.Name, p.Seeds, g.Seeds)
		}
	}
	t.Logf("probes hit: plain %d, guided %d; seeds on rare probes: plain %d, guided %d", hitP, hitG, rareP, rareG)
	assert.Greater(t, rareG, rareP)
}

// A guided campaign's shards are guided each on its own: their summaries
// read back, merge, count the perturbations, and refuse to merge with a
// plain campaign's shard.
func TestGuidedShardsMerge(t *testing.T) {
	dir := t.TempDir()
	var parts []Part
	for i := 1; i <= 2; i++ {
		spec := Spec{Seed: 5, Seeds: 4 * GuidedGeneration, Guided: true, Shard: Shard{Index: i, Count: 2},
			Scenarios: []scenarios.Scenario{tinyChaos}}
		s, err := Run(spec, "", nil)
		require.NoError(t, err)
		path := filepath.Join(dir, "s"+strconv.Itoa(i)+".json")
		require.NoError(t, WriteSummaryFile(path, s))
		back, err := ReadSummaryFile(path)
		require.NoError(t, err)
		assert.True(t, back.Campaign.Guided)
		assert.Equal(t, 2*GuidedGeneration, back.Seeds)
		parts = append(parts, Part{path, back})
	}
	m, err := Merge(parts)
	require.NoError(t, err)
	assert.Empty(t, m.Problems)
	assert.Equal(t, 4*GuidedGeneration, m.Seeds)
	assert.Equal(t, parts[0].Summary.Perturbed+parts[1].Summary.Perturbed, m.Perturbed)
	assert.Positive(t, m.Perturbed)

	plain, err := Run(Spec{Seed: 5, Seeds: 4 * GuidedGeneration, Shard: Shard{Index: 2, Count: 2},
		Scenarios: []scenarios.Scenario{tinyChaos}}, "", nil)
	require.NoError(t, err)
	mixed, err := Merge([]Part{parts[0], {"plain.json", plain}})
	require.NoError(t, err)
	assert.NotEmpty(t, mixed.Problems, "a plain shard is of another campaign")
}
