package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func failingRun(t *testing.T) (Config, Result) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Duration = 2e9
	cfg.Bugs.PreVoteNeverGrants = true
	cfg.KeepStepHashes = true
	res, err := Run(cfg, 3)
	require.NoError(t, err)
	require.NotNil(t, res.Failure)
	return cfg, res
}

// A failure file round-trips, and replaying its config and seed gives the
// same failure and trace hash.
func TestFailureFileReproduces(t *testing.T) {
	cfg, res := failingRun(t)
	path := filepath.Join(t.TempDir(), "f.json")
	require.NoError(t, WriteFailureFile(path, NewFailureFile("default", cfg, res)))
	f, err := ReadFailureFile(path)
	require.NoError(t, err)
	saved := cfg
	saved.KeepStepHashes = false // a run option, not part of the file
	assert.Equal(t, saved, f.Config)
	replay := f.Config
	replay.KeepStepHashes = true // not saved: a replay asks for it
	again, err := Run(replay, f.Seed)
	require.NoError(t, err)
	assert.Equal(t, f.TraceHash, FormatHash(again.TraceHash))
	assert.Equal(t, f.Failure, *again.Failure)
	require.Len(t, f.StepHashes, int(f.Steps))
	_, differ := f.StepHashes.FirstDivergence(again.StepHashes)
	assert.False(t, differ)
	other, err := Run(replay, f.Seed+1)
	require.NoError(t, err)
	step, differ := f.StepHashes.FirstDivergence(other.StepHashes)
	assert.True(t, differ)
	assert.Less(t, step, 10, "another seed parts at once")
	entries, _ := os.ReadDir(filepath.Dir(path))
	assert.Len(t, entries, 1, "no temporary file left behind")
}

func TestFailureFileErrorsSayWhatAndWhere(t *testing.T) {
	cfg, res := failingRun(t)
	good := NewFailureFile("default", cfg, res)
	path := filepath.Join(t.TempDir(), "f.json")
	require.NoError(t, WriteFailureFile(path, good))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, tt := range []struct{ edit, want string }{
		{`{"format": "raftsim-failure",`, "truncated"},
		{"{\n  \"format\": \"raftsim-failure\",,}", "line 2, column 31"},
		{strings.Replace(string(raw), `"version": 1`, `"version": 9`, 1), "version 9"},
		{strings.Replace(string(raw), `"format": "raftsim-failure"`, `"format": "x"`, 1), `format "x"`},
		{strings.Replace(string(raw), `"nodes": 3`, `"nodes": "three"`, 1), "field config.nodes"},
		{strings.Replace(string(raw), `"nodes": 3`, `"nodes": 0`, 1), "config: harness: config: nodes 0"},
		{strings.Replace(string(raw), `"scenario"`, `"scenery"`, 1), `unknown field "scenery"`},
		{strings.Replace(string(raw), `"traceHash": "`, `"traceHash": "zz`, 1), "traceHash"},
		{string(raw) + "{}", "trailing data"},
	} {
		p := filepath.Join(t.TempDir(), "bad.json")
		require.NoError(t, os.WriteFile(p, []byte(tt.edit), 0o644))
		_, err := ReadFailureFile(p)
		require.ErrorIs(t, err, ErrBadFailureFile, tt.want)
		assert.Contains(t, err.Error(), tt.want)
		assert.Contains(t, err.Error(), p, "the error names the file")
	}
}
