package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A core whose pre-vote never grants elects nobody: the run must end in a
// liveness failure that says what is missing, within its budget, not hang.
func TestLivenessCatchesBrokenElection(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Duration = 2e9
	cfg.Bugs.PreVoteNeverGrants = true
	res, err := Run(cfg, 1)
	require.NoError(t, err)
	require.NotNil(t, res.Failure)
	assert.Equal(t, ClassLiveness, res.Failure.Class)
	assert.Equal(t, "leader", res.Failure.Check)
	assert.Contains(t, res.Failure.Message, "no leader among [n1")
	assert.Contains(t, res.Failure.Message, "bound")
	assert.Contains(t, res.Failure.Message, "derived at the heal: elections", "the message states the derivation")
	assert.Contains(t, res.Failure.Message, "round trip")
}

// Every healthy run converges, and says how fast.
func TestLivenessPassesAndMeasuresRecovery(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Duration = 3e9
	for _, res := range runSeeds(t, cfg, 1, 21) {
		require.Nil(t, res.Failure, "seed %d", res.Seed)
		assert.Less(t, res.Stats.RecoveryTime, res.Stats.LivenessBound)
	}
}
