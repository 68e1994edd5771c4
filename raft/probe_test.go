package raft_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/raftsim/raftsim/raft"
)

// Probe names are distinct: reports list and merge probes by name.
func TestProbeNames(t *testing.T) {
	seen := map[string]bool{}
	for p := range raft.NumProbes {
		name := p.String()
		assert.NotEmpty(t, name, "probe %d has no name", p)
		assert.False(t, seen[name], "probe name %q given twice", name)
		seen[name] = true
	}
	assert.Equal(t, "probe(?)", raft.NumProbes.String())
}
