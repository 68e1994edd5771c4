package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/checker"
	"github.com/raftsim/raftsim/failfile"
	"github.com/raftsim/raftsim/scenarios"
)

func TestEveryCommandHasHelpWithExamples(t *testing.T) {
	for _, c := range commands() {
		code, out, errs := raftsim(c.name, "--help")
		assert.Equal(t, exitPass, code, c.name)
		assert.Contains(t, out, "Examples:\n  raftsim "+c.name, c.name)
		assert.Contains(t, out, "Usage: raftsim "+c.name, c.name)
		assert.Empty(t, errs, "%s: help asked for goes to stdout", c.name)
	}
}

// Malformed flags and arguments exit 2 with a message that names the
// problem, for every command.
func TestBadUsageExitsTwoAndSaysWhat(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--scenario", "nope"}, `unknown scenario "nope" (known: `},
		{[]string{"run", "--scenario", "no/such/file.json"}, `no/such/file.json`},
		{[]string{"run", "--bugs", "no-such-bug"}, `unknown bug "no-such-bug"`},
		{[]string{"fuzz", "--seeds", "-3"}, "--seeds -3"},
		{[]string{"fuzz", "--seeds", "0"}, "would run nothing"},
		{[]string{"fuzz", "--workers", "0"}, "--workers 0"},
		{[]string{"fuzz", "--shard", "4/3", "--campaign-seed", "1"}, "shard index"},
		{[]string{"fuzz", "--shard", "1/3"}, "needs --campaign-seed"},
		{[]string{"fuzz", "--shard", "x", "--campaign-seed", "1"}, "want i/n"},
		{[]string{"fuzz", "--shard", "/3", "--campaign-seed", "1", "--shard-index-env", "RAFTSIM_TEST_UNSET"}, "$RAFTSIM_TEST_UNSET is not set"},
		{[]string{"fuzz", "--progress", "fancy"}, "--progress"},
		{[]string{"fuzz", "--scenario", "nope"}, "unknown scenario"},
		{[]string{"fuzz", "--campaign-seed", "-1"}, "--campaign-seed"},
		{[]string{"fuzz", "extra"}, "unexpected argument"},
		{[]string{"check"}, "missing HISTORY"},
		{[]string{"check", "h.json", "--format", "edn"}, "--format"},
		{[]string{"check", "h.json", "--timeout", "0s"}, "--timeout"},
		{[]string{"check", "/no/such/history.json"}, "no such file"},
		{[]string{"merge"}, "missing SUMMARY"},
		{[]string{"merge", "/no/such/summary.json"}, "no such file"},
		{[]string{"scenarios", "nope"}, "unknown scenario"},
		{[]string{"scenarios", "a", "b"}, "at most one"},
		{[]string{"fuzz", "--seeds"}, "flag needs an argument"},
	} {
		code, _, errs := raftsim(tt.args...)
		assert.Equal(t, exitUsage, code, "%v", tt.args)
		assert.Contains(t, errs, tt.want, "%v", tt.args)
	}
}

func TestRunWithScenarioBugsAndOut(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := raftsim("run", "--scenario", "default", "--seed", "4", "--short", "--bugs", "prevote-never-grants", "--out", dir)
	require.Equal(t, exitFailure, code, out)
	assert.Contains(t, out, "bugs      prevote-never-grants")
	assert.Contains(t, out, "reproduce   raftsim run --seed 4 --short --bugs prevote-never-grants")
	path := filepath.Join(dir, "default-seed-4.json")
	assert.Contains(t, out, "replay      raftsim replay "+path)
	f, err := failfile.Read(path)
	require.NoError(t, err)
	assert.True(t, f.Config.Bugs.PreVoteNeverGrants)
	assert.Equal(t, "default", f.Scenario)
	// A passing run writes nothing.
	code, _, _ = raftsim("run", "--seed", "4", "--short", "--out", filepath.Join(dir, "pass"))
	require.Equal(t, exitPass, code)
	_, err = os.Stat(filepath.Join(dir, "pass"))
	assert.True(t, os.IsNotExist(err))
}

func TestScenariosLists(t *testing.T) {
	code, out, _ := raftsim("scenarios")
	require.Equal(t, exitPass, code)
	for _, s := range scenarios.Every() {
		assert.Contains(t, out, s.Name)
	}
	code, out, _ = raftsim("scenarios", "--json")
	require.Equal(t, exitPass, code)
	var list []scenarioJSON
	require.NoError(t, json.Unmarshal([]byte(out), &list))
	require.Len(t, list, len(scenarios.Every()))
	assert.NotEmpty(t, list[0].Doc)
	code, out, _ = raftsim("scenarios", scenarios.DefaultName)
	require.Equal(t, exitPass, code)
	assert.Contains(t, out, scenarios.Default().Summary)
}

// "all" is the fuzz command's word for "every scenario": a scenario of
// that name could never be picked alone.
func TestAllIsNotAScenarioName(t *testing.T) {
	_, err := scenarios.Get(allScenarios)
	assert.Error(t, err, "a built-in scenario is named %q, which raftsim fuzz --scenario reserves: rename one", allScenarios)
}

// A scenario file works wherever a scenario name does, and its failure
// file replays without it.
func TestScenarioFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "stuck.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"name": "stuck", "summary": "no elections", "doc": "A planted liveness bug.",
  "base": "default", "config": {"bugs": {"prevote-never-grants": true}}}`), 0o644))
	code, out, errs := raftsim("run", "--scenario", path, "--seed", "3", "--short", "--out", dir, "--json")
	require.Equal(t, exitFailure, code, out+errs)
	var j runJSON
	require.NoError(t, json.Unmarshal([]byte(out), &j))
	assert.Equal(t, "stuck", j.Scenario)
	require.NoError(t, os.Remove(path))
	code, out, errs = raftsim("replay", j.FailureFile)
	assert.Equal(t, exitPass, code, out+errs)
	code, _, errs = raftsim("fuzz", "--scenario", path, "--seeds", "1")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "stuck.json")
}

// writeHistory saves h for `raftsim check`.
func writeHistory(t *testing.T, h checker.History) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, checker.WriteHistory(&b, h))
	path := filepath.Join(t.TempDir(), "history.json")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	return path
}

// staleRead is a history whose second read misses a completed write.
func staleRead(stale bool) checker.History {
	read := "1"
	if stale {
		read = ""
	}
	put := checker.Operation{Client: 1, Seq: 1, Input: checker.Input{Kind: checker.OpPut, Key: "x", Value: "1"},
		Call: 10, Return: 20, Outcome: checker.OutcomeOK}
	get := checker.Operation{Client: 2, Seq: 1, Input: checker.Input{Kind: checker.OpGet, Key: "x"},
		Call: 30, Return: 40, Outcome: checker.OutcomeOK, Output: checker.Output{Value: read}}
	return checker.History{Ops: []checker.Operation{put, get}}
}

func TestCheckVerdicts(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := raftsim("check", writeHistory(t, staleRead(false)))
	assert.Equal(t, exitPass, code)
	assert.True(t, strings.HasPrefix(out, "ok: 2 ops, 1 keys"), out)

	html := filepath.Join(dir, "h.html")
	code, out, _ = raftsim("check", writeHistory(t, staleRead(true)), "--html", html, "--json")
	assert.Equal(t, exitFailure, code)
	var j checkJSON
	require.NoError(t, json.Unmarshal([]byte(out), &j))
	assert.Equal(t, "illegal", j.Verdict)
	assert.Equal(t, []string{"x"}, j.FailingKeys)
	page, err := os.ReadFile(html)
	require.NoError(t, err)
	assert.Contains(t, string(page), "<html")

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"format":"raftsim-history","version":1,"ops":[{"client":1}]}`), 0o644))
	code, _, errs := raftsim("check", bad)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, `op 0: missing "seq"`)
}

// --store puts every node on a registered store; an unknown one is bad
// usage that names the stores there are.
func TestStoreFlag(t *testing.T) {
	code, out, errs := raftsim("run", "--seed", "3", "--duration", "2s", "--store", "memory")
	require.Equal(t, exitPass, code, out+errs)
	assert.Contains(t, out, "storage   memory\n")
	o, code, _ := parseRun([]string{"--seed", "3", "--store", "memory"}, io.Discard)
	require.Zero(t, code)
	assert.Contains(t, o.repro, "--store memory", "the rerun line keeps the store")
	code, _, errs = raftsim("run", "--store", "nope")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, `unknown store "nope" (registered: disk, memory`)
	code, _, errs = raftsim("fuzz", "--store", "nope", "--seeds", "1")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "--store: unknown store")
	code, out, errs = raftsim("fuzz", "--store", "memory", "--seeds", "2", "--short", "--scenario", "baseline", "--out", "", "--progress", "none")
	require.Equal(t, exitPass, code, out+errs)
	assert.Contains(t, out, "store memory")
}
