package storagetest

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/raftsim/raftsim/campaign"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/scenarios"
	"github.com/raftsim/raftsim/storage/simdisk"
	"github.com/raftsim/raftsim/storage/vfs"
)

// The cluster figure for the store mutants: each disk-store mutant of
// storeMutants() under every node of cluster campaigns, through the store
// hook on the node's device as the file interface (harness.StoreEnv.FS),
// on the disk scenarios. scripts/store-mutants-cluster.sh runs it and
// counts the mutants caught.

var (
	runClusterMutants = flag.Bool("storagetest.cluster", false, "run TestStoreMutantsInTheCluster: every disk-store mutant through cluster campaigns (each subtest must FAIL)")
	clusterSeeds      = flag.Int("storagetest.cluster.seeds", 40, "TestStoreMutantsInTheCluster: seeds per scenario per mutant")
	clusterSector     = flag.Int("storagetest.cluster.sector", 512, "TestStoreMutantsInTheCluster: the devices' sector size")
)

// clusterScenarios are the campaigns each mutant runs.
var clusterScenarios = []string{"crash-persistence-points", "disk-faults"}

type clusterOpen = func(fsys vfs.FS, e harness.StoreEnv) (raft.Storage[harness.Command, harness.Response], error)

// clusterOpens are the cluster versions of the mutants planted in the open
// function (storeMutant.open, typed for the kit's commands).
var clusterOpens = map[string]clusterOpen{
	"reapply-after-restart": func(fsys vfs.FS, e harness.StoreEnv) (raft.Storage[harness.Command, harness.Response], error) {
		return reapplyAfterRestart(fsys, e.ID, e.StateMachine, e.Codec)
	},
}

// clusterStore is the mutant as a harness store: the disk store, with the
// kit's segment size, on the node's device through the mutant's FS.
func (m storeMutant) clusterStore() (harness.Store, error) {
	open := func(fsys vfs.FS, e harness.StoreEnv) (raft.Storage[harness.Command, harness.Response], error) {
		return simdisk.Open(simdisk.OnFS(m.fs(fsys)), e.ID, e.StateMachine, e.Codec, simdisk.Options{SegmentSize: mutantSegmentSize})
	}
	if m.open != nil {
		if open = clusterOpens[m.name]; open == nil {
			return harness.Store{}, fmt.Errorf("mutant %s: no cluster version of its open (clusterOpens)", m.name)
		}
	}
	return harness.Store{Name: "mutant-" + m.name, Device: true, SectorSize: *clusterSector,
		Open: func(e harness.StoreEnv) (raft.Storage[harness.Command, harness.Response], error) {
			return open(e.FS, e)
		}}, nil
}

// controlMutant is the disk store with no bug, under the mutants' options:
// it must pass every seed, or a caught mutant proves nothing.
var controlMutant = storeMutant{name: "control", fs: func(r vfs.FS) vfs.FS { return r }}

// runInCluster runs the store's campaigns and returns the first failure of
// each scenario that failed ("" for a pass).
func runInCluster(t *testing.T, m storeMutant) []string {
	st, err := m.clusterStore()
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, name := range clusterScenarios {
		sc, err := scenarios.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := campaign.Run(campaign.Spec{Store: st, Scenarios: []scenarios.Scenario{sc}, Seeds: *clusterSeeds, Short: true, Workers: 1}, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d seeds, %d failed, %d inconclusive", name, sum.Seeds, sum.Failed, sum.Inconclusive)
		for _, f := range sum.Failures {
			found = append(found, fmt.Sprintf("%s: %s in %d seeds (seed index %d)", name, f.Signature, f.Count, f.First.Index))
		}
	}
	return found
}

// TestStoreMutantsInTheCluster runs every disk-store mutant through the
// cluster campaigns; each subtest must FAIL (the cluster caught the bug).
// The control, the store without a bug, runs first and must pass.
func TestStoreMutantsInTheCluster(t *testing.T) {
	if !*runClusterMutants {
		t.Skip("run with -storagetest.cluster (scripts/store-mutants-cluster.sh): each subtest is a broken store and must fail")
	}
	if found := runInCluster(t, controlMutant); len(found) > 0 {
		t.Fatalf("the disk store without a bug fails in the cluster, so no mutant's failure means anything:\n%s", strings.Join(found, "\n"))
	}
	for _, m := range storeMutants() {
		t.Run(m.name, func(t *testing.T) {
			t.Logf("bug: %s", m.bug)
			for _, f := range runInCluster(t, m) {
				t.Errorf("caught: %s", f)
			}
		})
	}
}

// Every mutant has a cluster version.
func TestStoreMutantsHaveClusterStores(t *testing.T) {
	for _, m := range storeMutants() {
		if _, err := m.clusterStore(); err != nil {
			t.Error(err)
		}
	}
}
