package campaign_test

import (
	"fmt"

	"github.com/raftsim/raftsim/campaign"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/internal/zoo"
	"github.com/raftsim/raftsim/scenarios"
)

// A campaign of four seeds of one scenario with a planted bug, on the
// memory store: every seed fails the same way, so there is one signature,
// first found at the lowest seed index.
func ExampleRun() {
	sc, err := scenarios.Get("baseline")
	if err != nil {
		panic(err)
	}
	bugs, err := zoo.Parse("prevote-never-grants")
	if err != nil {
		panic(err)
	}
	spec := campaign.Spec{Seed: 7, Seeds: 4, Short: true, Bugs: bugs, Workers: 2,
		Scenarios: []scenarios.Scenario{sc}, Store: harness.Store{Name: "memory"}}
	sum, err := campaign.Run(spec, "", nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d seeds: %d passed, %d failed\n", sum.Seeds, sum.Passed, sum.Failed)
	for _, f := range sum.Failures {
		fmt.Printf("%s: %d seeds, first index %d\n  %s\n", f.Signature, f.Count, f.First.Index, f.First.Reproduce)
	}
	// Output:
	// 4 seeds: 0 passed, 4 failed
	// liveness/leader: 4 seeds, first index 0
	//   raftsim run --scenario baseline --seed 7515938736702113505 --short --bugs prevote-never-grants --store memory
}
