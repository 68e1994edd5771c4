package groupcommit_test

import (
	"flag"
	"testing"

	"example.com/groupcommit"
	"github.com/raftsim/raftsim/campaign"
	"github.com/raftsim/raftsim/scenarios"
)

var buggy = flag.Bool("buggy", false, "run TestGroupCommitInTheCluster on the store with the batching bug")

// The store in the cluster under power cuts at persistence points: it
// passes, and with -buggy it fails, printing each failure's file and the
// command that replays it.
func TestGroupCommitInTheCluster(t *testing.T) {
	store := groupcommit.Correct
	if *buggy {
		store = groupcommit.Buggy
	}
	sc, err := scenarios.Get("crash-persistence-points")
	if err != nil {
		t.Fatal(err)
	}
	campaign.Test(t, campaign.Spec{Store: store, Scenarios: []scenarios.Scenario{sc}, Seeds: 40, Short: true})
}

// The campaign finds the batching bug: the same campaign, on the buggy
// store, fails seeds, and the harness names what broke.
func TestCampaignFindsTheBatchingBug(t *testing.T) {
	sc, err := scenarios.Get("crash-persistence-points")
	if err != nil {
		t.Fatal(err)
	}
	spec := campaign.Spec{Store: groupcommit.Buggy, Scenarios: []scenarios.Scenario{sc}, Seeds: 40, Short: true}
	sum, err := campaign.Run(spec, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed == 0 {
		t.Fatalf("the campaign did not find the batching bug in %d seeds", sum.Seeds)
	}
	for _, f := range sum.Failures {
		t.Logf("found: %s in %d of %d seeds, e.g. %s", f.Signature, f.Count, sum.Seeds, f.First.Reproduce)
	}
}
