package cli

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/failfile"
)

const specimen = "../testdata/failures/zoo-vote-without-log-check.json"

func TestShrinkWritesASmallerFileThatReproduces(t *testing.T) {
	dir := t.TempDir()
	code, stdout := 0, ""
	for seed := 1; seed <= 60 && code != exitFailure; seed++ {
		code, stdout, _ = raftsim("run", "--scenario", "crash-restart-storm", "--short", "--bugs", "vote-without-log-check",
			"--seed", strconv.Itoa(seed), "--out", dir, "--json")
	}
	require.Equal(t, exitFailure, code, "some seed fails: %s", stdout)
	found, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.Len(t, found, 1)
	outDir := filepath.Join(dir, "minimized") // --out is a directory, as for run and fuzz
	code, stdout, stderr := raftsim("shrink", "--max-runs", "100", "--out", outDir, found[0])
	out := filepath.Join(outDir, strings.TrimSuffix(filepath.Base(found[0]), ".json")+".min.json")
	require.Equal(t, exitPass, code, stderr)
	assert.Contains(t, stdout, "shrunk    plan steps")
	assert.Contains(t, stderr, "shrink: run", "progress lines")
	f, err := failfile.Read(out)
	require.NoError(t, err)
	assert.Equal(t, "fail", f.Expect)
	code, stdout, _ = raftsim("replay", out)
	assert.Equal(t, exitPass, code, stdout)
	assert.Contains(t, stdout, "REPRODUCED")
}

func TestShrinkBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"shrink"},
		{"shrink", "--max-runs", "0", specimen},
		{"shrink", "no-such-file.json"},
		{"shrink", "--time", "-1s", specimen},
	} {
		code, _, stderr := raftsim(args...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.NotEmpty(t, stderr)
	}
}

func TestReplayEmits(t *testing.T) {
	code, stdout, _ := raftsim("replay", "--emit", "go-test", specimen)
	require.Equal(t, exitPass, code)
	assert.Contains(t, stdout, "func TestRegressionZooVoteWithoutLogCheck(t *testing.T) {")
	assert.Contains(t, stdout, `const signature, traceHash = "invariant/leader-completeness", `)
	code, stdout, _ = raftsim("replay", "--emit", "scenario", specimen)
	require.Equal(t, exitPass, code)
	assert.Contains(t, stdout, `"name": "regression-zoo-vote-without-log-check"`)
	code, _, _ = raftsim("replay", "--emit", "pdf", specimen)
	assert.Equal(t, exitUsage, code)
}
