package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/internal/zoo"
	"github.com/raftsim/raftsim/sim"
)

// withBugs is a scenario with bug knobs switched on.
func withBugs(s Scenario, bugs zoo.Bugs) Scenario {
	build := s.Build
	s.Build = func(seed sim.Seed) harness.Config {
		cfg := build(seed)
		cfg.Bugs = bugs
		return cfg
	}
	return s
}

// TestZooBugsAreCaughtByTheirChecks: planted bugs are caught by the check
// meant for them, with a message, never by a panic of the harness or the
// checkers (a core that reads its compacted prefix back used to crash
// the checker's digest of entries).
func TestZooBugsAreCaughtByTheirChecks(t *testing.T) {
	cases := []struct {
		name     string
		scenario Scenario
		bugs     zoo.Bugs
		seeds    int
		checks   []string
	}{
		{"install-older-snapshot", snapshotUnderPartition, zoo.Bugs{InstallOlderSnapshot: true}, 40,
			// The node applies past what its store holds: an invariant sees
			// it, or the store refuses the read first.
			[]string{"invariant/invalid-observation", "invariant/commit-applied-monotonic", "invariant/state-machine-safety",
				"invariant/index-order", "invariant/status-matches-storage", "storage/step"}},
		{"split-term-vote-persist", figure8, zoo.Bugs{SplitTermVotePersist: true}, 60,
			[]string{"invariant/durable-before-ack"}},
		{"vote-before-persist", figure8, zoo.Bugs{VoteBeforePersist: true}, 60,
			[]string{"invariant/durable-before-ack"}},
		// The availability checks are the only ones that see these two: a
		// cut-off leader that never steps down, a transfer never abandoned.
		{"check-quorum-never-resets", leaderIsolation, zoo.Bugs{CheckQuorumNeverResets: true}, 10,
			[]string{"availability/check-quorum"}},
		{"transfer-never-abandoned", swarm, zoo.Bugs{TransferNeverAbandoned: true}, 40,
			[]string{"availability/transfer"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			caught := 0
			for _, res := range runAll(t, withBugs(c.scenario, c.bugs), c.seeds, true) {
				if res.Failure == nil {
					continue
				}
				caught++
				assert.Contains(t, c.checks, res.Failure.Class+"/"+res.Failure.Check, "seed %d: %v", res.Seed, res.Failure)
			}
			require.Positive(t, caught, "%d seeds caught nothing", c.seeds)
		})
	}
}
