package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/raft"
)

// Probe counts are a function of config and seed, like the trace: the
// same run twice counts the same, and probes never enter the trace hash
// (TestCorpus pins the hashes recorded before probes existed).
func TestProbesAreDeterministic(t *testing.T) {
	cfg := DefaultConfig()
	a, err := Run(cfg, 3)
	require.NoError(t, err)
	b, err := Run(cfg, 3)
	require.NoError(t, err)
	assert.Equal(t, a.Probes, b.Probes)
	assert.Equal(t, a.TraceHash, b.TraceHash)
	var sum uint32
	for _, n := range a.Probes {
		sum += n
	}
	assert.Positive(t, sum, "a default run meets some probe")
}

// Names are distinct, the core's first in raft.Probe order, so that
// reports list and merge probes by name.
func TestProbeNames(t *testing.T) {
	names := ProbeNames()
	require.Len(t, names, int(NumProbes))
	seen := map[string]bool{}
	for i, n := range names {
		assert.NotEqual(t, "probe(?)", n, "probe %d", i)
		assert.False(t, seen[n], "%q twice", n)
		seen[n] = true
	}
	assert.Equal(t, raft.ProbeTruncateMultiTerm.String(), names[0])
	assert.Equal(t, "leaders-overlap", ProbeLeadersOverlap.String())
}
