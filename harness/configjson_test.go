package harness

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/faults"
)

func TestConfigJSONRoundTripWithReadableDurations(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Plan = faults.Plan{Steps: []faults.Step{{At: time.Second, Kind: faults.Crash, Node: 2, For: 300 * time.Millisecond}}}
	cfg.Bugs.CommitPreviousTerm = true
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	s := string(b)
	assert.Contains(t, s, `"duration":"10s"`)
	assert.Contains(t, s, `"electionTimeoutMin":"150ms"`)
	assert.Contains(t, s, `"timeout":"500ms"`)
	assert.Contains(t, s, `"commit-previous-term":true`)
	assert.NotContains(t, s, "KeepStepHashes")

	var back Config
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, cfg, back)
}

// Fields left out keep their value, so a file can override a base config;
// a duration may be written as nanoseconds too.
func TestConfigJSONOverridesABase(t *testing.T) {
	cfg := DefaultConfig()
	require.NoError(t, json.Unmarshal([]byte(`{"nodes": 5, "raft": {"heartbeatInterval": 20000000}, "duration": "2s"}`), &cfg))
	assert.Equal(t, 5, cfg.Nodes)
	assert.Equal(t, 2*time.Second, cfg.Duration)
	assert.Equal(t, 20*time.Millisecond, cfg.Raft.HeartbeatInterval)
	assert.Equal(t, DefaultConfig().Raft.ElectionTimeoutMin, cfg.Raft.ElectionTimeoutMin, "untouched")
}

func TestConfigJSONErrorsNameThePath(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"raft": {"electionTimeoutMn": "1s"}}`, "raft.electionTimeoutMn: unknown field"},
		{`{"duration": "soon"}`, `duration: "soon" is not a duration`},
		{`{"duration": true}`, "duration: want a duration"},
		{`{"network": {"loss": "2/1x"}}`, "network"},
		{`{"nodes": "five"}`, "nodes:"},
		{`{"plan": {"steps": [{"at": "1s", "kind": "explode"}]}}`, "plan"},
	} {
		var cfg Config
		err := json.Unmarshal([]byte(tt.in), &cfg)
		require.Error(t, err, tt.in)
		assert.Contains(t, err.Error(), tt.want, tt.in)
	}
}

// Config decoding refuses a repeated field on its own too (a scenario
// file's override goes through it), and matches names exactly.
func TestConfigJSONRefusesRepeatedAndMiscasedFields(t *testing.T) {
	var c Config
	err := json.Unmarshal([]byte(`{"nodes": 3, "nodes": 5}`), &c)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `repeated field "nodes"`)
	err = json.Unmarshal([]byte(`{"raft": {"electionTimeoutMin": "1s", "electionTimeoutMin": "2s"}}`), &c)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "repeated field")
	err = json.Unmarshal([]byte(`{"Nodes": 3}`), &c)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Nodes: unknown field")
}
