package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/failfile"
)

// failureFile runs a failing seed in-process and saves its failure file in
// dir, as `raftsim run --out` does.
func failureFile(t *testing.T, dir string) (string, failfile.File) {
	t.Helper()
	code, out, errs := raftsim("run", "--seed", "9", "--short", "--bugs", "prevote-never-grants", "--out", dir, "--json")
	require.Equal(t, exitFailure, code, out+errs)
	var j runJSON
	require.NoError(t, json.Unmarshal([]byte(out), &j))
	require.NotEmpty(t, j.FailureFile)
	f, err := failfile.Read(j.FailureFile)
	require.NoError(t, err)
	return j.FailureFile, f
}

// rewrite saves an edited copy of a failure file.
func rewrite(t *testing.T, f failfile.File, edit func(*failfile.File)) string {
	t.Helper()
	edit(&f)
	path := filepath.Join(t.TempDir(), "edited.json")
	require.NoError(t, failfile.Write(path, f))
	return path
}

func replayJSON(t *testing.T, path string) (int, replayVerdict) {
	t.Helper()
	code, out, errs := raftsim("replay", path, "--json")
	var v replayVerdict
	require.NoError(t, json.Unmarshal([]byte(out), &v), out+errs)
	return code, v
}

func TestReplayReproducesRunOut(t *testing.T) {
	path, f := failureFile(t, t.TempDir())
	assert.Equal(t, "fail", f.Expect)
	assert.NotEmpty(t, f.StepHashes, "run --out keeps per-step hashes")
	code, out, _ := raftsim("replay", path)
	assert.Equal(t, exitPass, code, out)
	assert.Contains(t, out, "REPRODUCED")
}

// A file from another version says so, and still reproduces.
func TestReplayNotesAnotherVersion(t *testing.T) {
	_, f := failureFile(t, t.TempDir())
	code, v := replayJSON(t, rewrite(t, f, func(f *failfile.File) { f.Raftsim = "v0.0.1 (rev 1234567)" }))
	assert.Equal(t, exitPass, code)
	assert.True(t, v.VersionDiffers)
	assert.Contains(t, strings.Join(v.Notes, "\n"), "v0.0.1 (rev 1234567)")
}

// A recording whose trace differs from the replay names the step where
// they part; here the recorded hashes are altered from step 100 on.
func TestReplayNamesTheFirstDivergentStep(t *testing.T) {
	_, f := failureFile(t, t.TempDir())
	code, v := replayJSON(t, rewrite(t, f, func(f *failfile.File) {
		f.TraceHash = "0123456789abcdef"
		hashes := append(failfile.StepHashes(nil), f.StepHashes...)
		for i := 99; i < len(hashes); i++ {
			hashes[i] ^= 1
		}
		f.StepHashes = hashes
	}))
	assert.Equal(t, exitFailure, code)
	assert.Equal(t, "differs", v.Verdict)
	assert.True(t, v.SameFailure)
	assert.False(t, v.SameTrace)
	assert.Equal(t, uint64(100), v.FirstDivergence)
	assert.Contains(t, strings.Join(v.Notes, "\n"), "step #100")
}

func TestReplayExpectPass(t *testing.T) {
	_, f := failureFile(t, t.TempDir())
	// The bug is still planted, so a file that expects a pass fails.
	code, v := replayJSON(t, rewrite(t, f, func(f *failfile.File) { f.Expect = "pass" }))
	assert.Equal(t, exitFailure, code)
	assert.Equal(t, "still fails", v.Verdict)
	// With the bug fixed (switched off), the run passes as expected.
	code, v = replayJSON(t, rewrite(t, f, func(f *failfile.File) {
		f.Expect = "pass"
		f.Config.Bugs.PreVoteNeverGrants = false
	}))
	assert.Equal(t, exitPass, code)
	assert.Equal(t, "fixed", v.Verdict)
	// A file expecting the failure that now passes is not reproduced.
	code, v = replayJSON(t, rewrite(t, f, func(f *failfile.File) { f.Config.Bugs.PreVoteNeverGrants = false }))
	assert.Equal(t, exitFailure, code)
	assert.Equal(t, "passes", v.Verdict)
}

// The trace has one line per event and honours the node and step filters.
func TestReplayTraceFilters(t *testing.T) {
	dir := t.TempDir()
	path, _ := failureFile(t, dir)
	tracePath := filepath.Join(dir, "trace.txt")
	code, out, errs := raftsim("replay", path, "--trace", tracePath, "--node", "n2", "--from-step", "100", "--to-step", "300")
	require.Equal(t, exitPass, code, out+errs)
	b, err := os.ReadFile(tracePath)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.NotEmpty(t, lines)
	for _, l := range lines {
		var step int
		_, err := fmtSscanStep(l, &step)
		require.NoError(t, err, l)
		assert.True(t, step >= 100 && step <= 300, l)
		assert.True(t, strings.Contains(l, "n2"), "a line about n2 or its messages: %s", l)
	}
	code, out, _ = raftsim("replay", path, "--trace", "-", "--to-step", "20")
	assert.Equal(t, exitPass, code)
	traceText, report, ok := strings.Cut(out, "file      ")
	require.True(t, ok, "the report follows the trace:\n%s", out)
	assert.Contains(t, report, "REPRODUCED")
	for _, l := range strings.Split(strings.TrimSpace(traceText), "\n") {
		var step int
		_, err := fmtSscanStep(l, &step)
		require.NoError(t, err, l)
		assert.LessOrEqual(t, step, 20, l)
	}
}

func TestReplayBadInputExitsTwo(t *testing.T) {
	dir := t.TempDir()
	path, _ := failureFile(t, dir)
	garbage := filepath.Join(dir, "garbage.json")
	require.NoError(t, os.WriteFile(garbage, []byte(`{"format": "raftsim-failure", "version": 1,,}`), 0o644))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"replay"}, "missing failure FILE"},
		{[]string{"replay", "a.json", "b.json"}, "want one failure FILE"},
		{[]string{"replay", filepath.Join(dir, "nope.json")}, "no such file"},
		{[]string{"replay", garbage}, "line 1, column 44"},
		{[]string{"replay", path, "--node", "x7"}, `--node "x7"`},
		{[]string{"replay", path, "--from-step", "9", "--to-step", "3"}, "before --from-step"},
		{[]string{"replay", path, "--json", "--trace", "-"}, "both want stdout"},
		{[]string{"replay", path, "--trace", filepath.Join(dir, "no", "such", "dir.txt")}, "--trace"},
	} {
		code, _, errs := raftsim(tt.args...)
		assert.Equal(t, exitUsage, code, "%v", tt.args)
		assert.Contains(t, errs, tt.want, "%v", tt.args)
	}
}

// fmtSscanStep reads the step of a trace line, "#123 ...".
func fmtSscanStep(line string, step *int) (int, error) {
	return fmt.Sscanf(line, "#%d ", step)
}
