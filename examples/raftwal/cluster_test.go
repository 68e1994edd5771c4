package raftwal

import (
	"flag"
	"testing"

	"github.com/raftsim/raftsim/campaign"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/scenarios"
	"github.com/raftsim/raftsim/sim"
)

var (
	clusterSeeds  = flag.Int("cluster.seeds", 0, "seeds per scenario of TestRaftWALInTheCluster (0: 10 with -short, 60 without)")
	clusterSector = flag.Int("cluster.sector", 0, "sector size of TestRaftWALInTheCluster's devices (0: the scenarios' 4096)")
	undeclared    = flag.Bool("cluster.undeclared", false, "TestRaftWALInTheCluster injects the faults raft-wal declares it does not survive (bit rot): what fails is its documented limit")
)

// clusterStore is the store in the cluster: every node opens it on its own
// simulated device through the file interface (StoreEnv.FS), anew at
// every start, as a process recovers from its files after a crash. It
// declares what the kit's tolerances declare (tolerates in
// store_test.go): raft-wal takes a corrupt last batch for a torn write and
// drops it silently, and reads nothing back after a write, so bit rot,
// lost and misdirected writes are its documented limits and the cluster
// does not inject them (the budget keeps the last two out of every
// scenario anyway).
var clusterStore = harness.Store{Name: "raft-wal", Device: true,
	Ignores: []string{"corrupt", "lostWrite", "misdirectedWrite"},
	Open: func(e harness.StoreEnv) (raft.Storage[harness.Command, harness.Response], error) {
		return Open(e.FS, e.ID, e.StateMachine, e.Codec, Options{SegmentSize: segmentSize, FixedTimes: true})
	}}

// TestRaftWALInTheCluster runs the store under every node of a cluster
// campaign on the disk scenarios: power cuts at persistence points under
// every crash policy, disk faults, and the default campaign (every
// built-in scenario; those of the memory store get the default disk).
// Every check holds: durable before acknowledged from the device's
// horizon, fail-stop on storage errors, the Raft invariants,
// linearizability, applied once, liveness after healing.
func TestRaftWALInTheCluster(t *testing.T) {
	seeds := *clusterSeeds
	if seeds == 0 {
		seeds = 60
		if testing.Short() {
			seeds = 10
		}
	}
	for _, name := range []string{"crash-persistence-points", "disk-faults", campaign.AllScenarios} {
		t.Run(name, func(t *testing.T) {
			var scs []scenarios.Scenario // every built-in scenario: the default campaign
			if name != campaign.AllScenarios {
				sc, err := scenarios.Get(name)
				if err != nil {
					t.Fatal(err)
				}
				scs = []scenarios.Scenario{sc}
			}
			st := clusterStore
			st.SectorSize = *clusterSector
			if *undeclared {
				st.Ignores = nil
			}
			sum := campaign.Test(t, campaign.Spec{Store: st, Scenarios: scs,
				Seeds: seeds, Short: true, Workers: 1})
			if sum != nil {
				t.Logf("%s: %d seeds, %d failed, %d inconclusive", name, sum.Seeds, sum.Failed, sum.Inconclusive)
			}
		})
	}
}

// The store keeps the cluster deterministic: a seed run twice gives the
// same trace.
func TestRaftWALInTheClusterIsDeterministic(t *testing.T) {
	if err := harness.RegisterStore(clusterStore); err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.Get("crash-persistence-points")
	if err != nil {
		t.Fatal(err)
	}
	for seed := sim.Seed(1); seed <= 3; seed++ {
		cfg := sc.Config(seed, true)
		if err := cfg.UseStore(clusterStore.Name); err != nil {
			t.Fatal(err)
		}
		a, err := harness.Run(cfg, seed)
		if err != nil {
			t.Fatal(err)
		}
		b, err := harness.Run(cfg, seed)
		if err != nil {
			t.Fatal(err)
		}
		if a.TraceHash != b.TraceHash {
			t.Errorf("seed %v: trace %x, then %x", seed, a.TraceHash, b.TraceHash)
		}
	}
}
