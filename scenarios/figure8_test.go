package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/faults"
	"github.com/raftsim/raftsim/harness"
	"github.com/raftsim/raftsim/raft"
	"github.com/raftsim/raftsim/sim"
)

// figure-8-stacked exists to reach one situation no other scenario reaches
// reliably: a follower truncating an uncommitted suffix that spans several
// terms. Most of its seeds must reach it, and pass.
func TestFigure8StackedTruncatesSuffixesOfSeveralTerms(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 12 full-length seeds")
	}
	s, err := Get("figure-8-stacked")
	require.NoError(t, err)
	const seeds = 12
	hit := 0
	for i, res := range runAll(t, s, seeds, false) {
		require.Nil(t, res.Failure, "seed %d", i+1)
		if res.Probes[harness.Probe(raft.ProbeTruncateMultiTerm)] > 0 {
			hit++
		}
	}
	assert.GreaterOrEqual(t, hit, seeds/3, "seeds of %d that truncate a suffix of several terms", seeds)
}

// Its plans are drawn, not replayed: rounds of a partition with no quorum
// anywhere, one with exactly a quorum on one side, and the leader of the
// moment cut off, crashed or paused, at times that differ per seed.
func TestFigure8StackedPlansDifferPerSeed(t *testing.T) {
	s, err := Get("figure-8-stacked")
	require.NoError(t, err)
	a, b := s.Config(1, false), s.Config(2, false)
	require.NoError(t, a.Validate())
	assert.NotEqual(t, a.Plan, b.Plan)
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		cfg := s.Config(sim.Seed(seed), false)
		quorum := cfg.Nodes/2 + 1
		var noQuorum, oneQuorum, away int
		for _, st := range cfg.Plan.Steps {
			switch st.Kind {
			case faults.Partition:
				biggest := 0
				for _, g := range st.Groups {
					biggest = max(biggest, len(g))
				}
				switch {
				case biggest < quorum:
					noQuorum++
				case biggest == quorum && len(st.Groups) == 2:
					oneQuorum++
				default:
					t.Errorf("seed %d: partition %v is neither shape", seed, st)
				}
			case faults.Isolate, faults.Crash, faults.Pause:
				assert.Equal(t, faults.Leader, st.Node, "seed %d: %v", seed, st)
				away++
			}
		}
		assert.Positive(t, noQuorum, "seed %d", seed)
		assert.Equal(t, noQuorum, oneQuorum, "seed %d: each round has both partitions", seed)
		assert.Equal(t, noQuorum, away, "seed %d: each round cuts off a leader", seed)
	}
}
