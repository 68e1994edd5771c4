package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/harness"
)

func TestLoadExampleFileAndRunIt(t *testing.T) {
	s, err := Load("testdata/slow-followers.json")
	require.NoError(t, err)
	assert.Equal(t, "slow-followers", s.Name)
	cfg := s.Config(3, false)
	assert.Equal(t, 5, cfg.Nodes)
	assert.Equal(t, 8*time.Second, cfg.Duration)
	assert.Equal(t, 300*time.Millisecond, cfg.Raft.ElectionTimeoutMin)
	require.Len(t, cfg.Plan.Steps, 2)
	res, err := harness.Run(cfg, 3)
	require.NoError(t, err)
	assert.Nil(t, res.Failure)
	assert.True(t, IsFile("testdata/slow-followers.json"))
	assert.False(t, IsFile("leader-isolation"))
}

func TestScenarioFileErrorsSayWhatAndWhere(t *testing.T) {
	good, err := os.ReadFile("testdata/slow-followers.json")
	require.NoError(t, err)
	for _, tt := range []struct{ edit, want string }{
		{`{"name": "x"`, "truncated"},
		{strings.Replace(string(good), `"slow-followers"`, `"Slow Followers"`, 1), `name "Slow Followers"`},
		{strings.Replace(string(good), `"base": "baseline"`, `"base": "nope"`, 1), `base: scenarios: unknown scenario "nope"`},
		{strings.Replace(string(good), `"summary"`, `"sumary"`, 1), `unknown field "sumary"`},
		{strings.Replace(string(good), `"electionTimeoutMin": "300ms"`, `"electionTimeoutMin": "fast"`, 1), `config.raft.electionTimeoutMin: "fast" is not a duration`},
		{strings.Replace(string(good), `"nodes": 5`, `"nodez": 5`, 1), "config.nodez: unknown field"},
		{strings.Replace(string(good), `"to": [4, 5]`, `"to": [4, 9]`, 1), "node 9 is not in a cluster of 5"},
		{strings.Replace(string(good), `"nodes": 5`, `"nodes": 0`, 1), "config: harness: config: nodes 0"},
		{string(good) + "[]", "trailing data"},
	} {
		p := filepath.Join(t.TempDir(), "s.json")
		require.NoError(t, os.WriteFile(p, []byte(tt.edit), 0o644))
		_, err := Load(p)
		require.ErrorIs(t, err, ErrBadScenarioFile, tt.want)
		assert.Contains(t, err.Error(), tt.want)
		assert.Contains(t, err.Error(), p, "names the file")
	}
}
