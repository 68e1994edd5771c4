package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

// crashesWithDiskFaults is crash-persistence-points with in-model disk
// faults switched on a minority of nodes as well: read and write errors,
// failed syncs, latent sectors and bit rot.
var crashesWithDiskFaults = Scenario{
	Name: "test-crashes-with-disk-faults", Summary: "power cuts plus disk faults", Doc: "test only",
	Build: func(seed sim.Seed) harness.Config {
		cfg := crashPersistencePoints.Build(seed)
		r := seed.Stream("disk-rates")
		damaged := 1 + r.Intn(cfg.Nodes/2)
		for id := 1; id <= cfg.Nodes; id++ {
			rates := faults.DiskRates{ReadError: sim.OneIn(200), WriteError: sim.OneIn(200), SyncFail: sim.OneIn(200)}
			if id <= damaged {
				rates.LatentSector, rates.Corrupt = sim.OneIn(100), sim.OneIn(100)
			}
			cfg.Plan.Steps = append([]faults.Step{{At: 0, Kind: faults.DiskFaults, Node: faults.NodeRef(id), Disk: rates}}, cfg.Plan.Steps...)
		}
		return cfg
	},
}

// TestCrashesAtPersistencePointsWithDiskFaults: 1,000 seeds (100 with
// -short) of power cuts inside storage calls, under every crash policy,
// with the in-model disk faults on: no invariant broken, every history
// linearizable, every run live.
func TestCrashesAtPersistencePointsWithDiskFaults(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	var crashes, stops, corrupt int
	for _, res := range runAll(t, crashesWithDiskFaults, n, true) {
		require.Nil(t, res.Failure, "seed %d: %v", res.Seed, res.Failure)
		require.Equal(t, "ok", res.Linearizability.Verdict.String(), "seed %d", res.Seed)
		crashes += res.Stats.Crashes
		stops += res.Stats.StorageStops
		corrupt += res.Stats.CorruptionsDetected
	}
	t.Logf("%d seeds: %d crashes, %d nodes stopped by disk faults, %d by detected corruption", n, crashes, stops, corrupt)
	assert.Greater(t, crashes, n, "crashes happened")
	assert.Positive(t, stops, "disk faults stopped nodes")
	assert.Positive(t, corrupt, "corruption was detected, not returned")
}

// TestHarnessCatchesAStoreThatSkipsSync: a store whose syncs never reach
// the disk acknowledges writes that a crash loses; the harness must
// report it.
func TestHarnessCatchesAStoreThatSkipsSync(t *testing.T) {
	lying := crashPersistencePoints
	lying.Build = func(seed sim.Seed) harness.Config {
		cfg := crashPersistencePoints.Build(seed)
		cfg.Disk.SkipSync = true
		return cfg
	}
	caught := 0
	for _, res := range runAll(t, lying, 50, true) {
		if res.Failure != nil {
			caught++
			if caught == 1 {
				t.Logf("seed %d: %v", res.Seed, res.Failure)
			}
		}
	}
	assert.Greater(t, caught, 10, "a lying sync is caught in many seeds")
}
