package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/harness"
)

func raftsim(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = dispatch(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunPrintsSeedFirstThenSummary(t *testing.T) {
	code, out, _ := raftsim("run", "--seed", "42", "--duration", "2s")
	require.Equal(t, exitPass, code, out)
	assert.True(t, strings.HasPrefix(out, "seed      42\n"), "the seed comes first:\n%s", out)
	for _, want := range []string{"network", "workload", "operations", "leaders", "events", "virtual", "wall", "verdict     PASS"} {
		assert.Contains(t, out, want)
	}
}

func TestRunIsReproducible(t *testing.T) {
	_, a, _ := raftsim("run", "--seed", "0x2a", "--duration", "1s", "--json")
	_, b, _ := raftsim("run", "--seed", "42", "--duration", "1s", "--json")
	var ja, jb map[string]any
	require.NoError(t, json.Unmarshal([]byte(a), &ja))
	require.NoError(t, json.Unmarshal([]byte(b), &jb))
	assert.Equal(t, ja["traceHash"], jb["traceHash"], "hex and decimal name the same seed")
	assert.Equal(t, "pass", ja["verdict"])
}

func TestRunBadUsageExitsTwo(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--seed", "forty-two"},
		{"run", "--nodes", "0"},
		{"run", "--nodes", "x"},
		{"run", "--duration", "-1s"},
		{"run", "--no-such-flag"},
		{"run", "stray"},
		{"no-such-command"},
		{},
	} {
		code, _, stderr := raftsim(args...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.NotEmpty(t, stderr, "%v says what is wrong", args)
	}
}

func TestHelpExitsZeroWithExamples(t *testing.T) {
	code, _, stderr := raftsim("run", "--help")
	assert.Equal(t, exitPass, code)
	assert.Contains(t, stderr, "Examples:")
	code, out, _ := raftsim("help")
	assert.Equal(t, exitPass, code)
	assert.Contains(t, out, "run")
}

// An inconclusive run is neither a pass nor a failure: its own verdict
// line, its own JSON verdict, its own exit code.
func TestRunPrintsInconclusiveApart(t *testing.T) {
	res := harness.Result{Seed: 7, Inconclusive: "unknown: 438 ops, 3 keys"}
	require.False(t, res.Passed())
	var out bytes.Buffer
	printSummary(&out, res, 0, "raftsim run --seed 7", "")
	assert.Contains(t, out.String(), "verdict     INCONCLUSIVE (unknown: 438 ops, 3 keys)")
	assert.NotContains(t, out.String(), "FAIL")
	assert.NotContains(t, out.String(), "PASS")
	out.Reset()
	printRunJSON(&out, "swarm", res, 0, "raftsim run --seed 7", "")
	var j map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &j))
	assert.Equal(t, "inconclusive", j["verdict"])
	assert.Equal(t, "unknown: 438 ops, 3 keys", j["inconclusive"])
	assert.Nil(t, j["failure"])
	assert.NotContains(t, []int{exitPass, exitFailure, exitUsage}, exitInconclusive)
}
