package campaign

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/sim"
)

// Membership steps take the same edits as other steps now that the core
// finishes a removal down to one voter: over many edits a removal is
// shifted, doubled and retargeted, not only dropped.
func TestEditPlanEditsMembershipSteps(t *testing.T) {
	r := sim.NewRand(1)
	var shifted, doubled, retargeted bool
	for range 200 {
		c := harness.Config{Nodes: 3, Duration: 10 * time.Second}
		c.Plan.Steps = []faults.Step{{At: 2 * time.Second, Kind: faults.RemoveMember, Node: 3}}
		editPlan(&c, r)
		switch {
		case len(c.Plan.Steps) == 2:
			doubled = true
		case len(c.Plan.Steps) == 1 && c.Plan.Steps[0].At != 2*time.Second:
			shifted = true
		case len(c.Plan.Steps) == 1 && c.Plan.Steps[0].Node != 3:
			retargeted = true
		}
		for _, s := range c.Plan.Steps {
			require.Equal(t, faults.RemoveMember, s.Kind)
		}
	}
	assert.True(t, shifted, "a removal is shifted in time")
	assert.True(t, doubled, "a removal is doubled")
	assert.True(t, retargeted, "a removal is retargeted")
}
