package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/scenarios"
	"github.com/raftsim/raftsim/sim"
)

// `raftsim scenarios NAME --json` prints the scenario's full configuration
// as a scenario file, which loads back as the same configuration for that
// seed: the whole of a built-in scenario, written out to edit.
func TestScenariosJSONPrintsTheFullConfigAsAFile(t *testing.T) {
	for _, tt := range []struct {
		name, seed string
		short      bool
	}{{"baseline", "1", false}, {"swarm", "7", false}, {"flapping-partitions", "3", true}} {
		args := []string{"scenarios", tt.name, "--json", "--seed", tt.seed}
		if tt.short {
			args = append(args, "--short")
		}
		code, stdout, stderr := raftsim(args...)
		require.Equal(t, exitPass, code, stderr)
		path := filepath.Join(t.TempDir(), tt.name+".json")
		require.NoError(t, os.WriteFile(path, []byte(stdout), 0o644))
		loaded, err := scenarios.Load(path)
		require.NoError(t, err, tt.name)
		seed, err := sim.ParseSeed(tt.seed)
		require.NoError(t, err)
		builtin, err := scenarios.Get(tt.name)
		require.NoError(t, err)
		assert.Equal(t, builtin.Config(seed, tt.short), loaded.Config(seed, false), "%s: the file is the configuration", tt.name)
	}
	code, _, stderr := raftsim("scenarios", "baseline", "--json", "--seed", "x")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--seed")
}
