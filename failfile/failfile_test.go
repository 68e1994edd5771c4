package failfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftsim/raftsim/harness"
)

func failingRun(t *testing.T) (harness.Config, harness.Result) {
	t.Helper()
	cfg := harness.DefaultConfig()
	cfg.Duration = 2e9
	cfg.Bugs.PreVoteNeverGrants = true
	cfg.KeepStepHashes = true
	res, err := harness.Run(cfg, 3)
	require.NoError(t, err)
	require.NotNil(t, res.Failure)
	return cfg, res
}

// A failure file round-trips, and replaying its config and seed gives the
// same failure and trace hash.
func TestFailureFileReproduces(t *testing.T) {
	cfg, res := failingRun(t)
	path := filepath.Join(t.TempDir(), "f.json")
	require.NoError(t, Write(path, New("default", cfg, res)))
	f, err := Read(path)
	require.NoError(t, err)
	saved := cfg
	saved.KeepStepHashes = false // a run option, not part of the file
	assert.Equal(t, saved, f.Config)
	replay := f.Config
	replay.KeepStepHashes = true // not saved: a replay asks for it
	again, err := harness.Run(replay, f.Seed)
	require.NoError(t, err)
	assert.Equal(t, f.TraceHash, FormatHash(again.TraceHash))
	assert.Equal(t, f.Failure, *again.Failure)
	require.Len(t, f.StepHashes, int(f.Steps))
	_, differ := f.StepHashes.FirstDivergence(again.StepHashes)
	assert.False(t, differ)
	other, err := harness.Run(replay, f.Seed+1)
	require.NoError(t, err)
	step, differ := f.StepHashes.FirstDivergence(other.StepHashes)
	assert.True(t, differ)
	assert.Less(t, step, 10, "another seed parts at once")
	entries, _ := os.ReadDir(filepath.Dir(path))
	assert.Len(t, entries, 1, "no temporary file left behind")
}

func TestFailureFileErrorsSayWhatAndWhere(t *testing.T) {
	cfg, res := failingRun(t)
	good := New("default", cfg, res)
	path := filepath.Join(t.TempDir(), "f.json")
	require.NoError(t, Write(path, good))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, tt := range []struct{ edit, want string }{
		{`{"format": "raftsim-failure",`, "truncated"},
		{"{\n  \"format\": \"raftsim-failure\",,}", "line 2, column 31"},
		{strings.Replace(string(raw), `"version": 1`, `"version": 9`, 1), "version 9"},
		{strings.Replace(string(raw), `"format": "raftsim-failure"`, `"format": "x"`, 1), `format "x"`},
		{strings.Replace(string(raw), `"nodes": 3`, `"nodes": "three"`, 1), "field config.nodes"},
		{strings.Replace(string(raw), `"nodes": 3`, `"nodes": 0`, 1), "config: harness: config: nodes 0"},
		{strings.Replace(string(raw), `"scenario"`, `"scenery"`, 1), `unknown key "scenery"`},
		{strings.Replace(string(raw), `"traceHash": "`, `"traceHash": "zz`, 1), "traceHash"},
		{string(raw) + "{}", "unexpected data after the document"},
	} {
		p := filepath.Join(t.TempDir(), "bad.json")
		require.NoError(t, os.WriteFile(p, []byte(tt.edit), 0o644))
		_, err := Read(p)
		require.ErrorIs(t, err, ErrBad, tt.want)
		assert.Contains(t, err.Error(), tt.want)
		assert.Contains(t, err.Error(), p, "the error names the file")
	}
}

// strictEdits turns a good file into one of each kind the strict reader
// refuses, with the byte offset the error must point at. anchor is a
// top-level `"key": "value"` pair of the file, nested one inside an object.
func strictEdits(t *testing.T, raw []byte, anchor, nested string) []struct {
	name, data, want string
	at               int
} {
	t.Helper()
	s := string(raw)
	a := strings.Index(s, anchor)
	n := strings.Index(s, nested)
	require.True(t, a > 0 && n > 0, "anchors %q and %q in the file", anchor, nested)
	key, val, _ := strings.Cut(anchor, ": ")
	val = strings.Trim(val, `"`)
	upper := `"` + strings.ToUpper(key[1:2]) + key[2:]
	nkey, _, _ := strings.Cut(nested, ": ")
	nupper := `"` + strings.ToUpper(nkey[1:2]) + nkey[2:]
	return []struct {
		name, data, want string
		at               int
	}{
		{"repeated field", s[:a] + anchor + ", " + anchor + s[a+len(anchor):], "repeated key", a + len(anchor) + 2},
		{"case-mismatched field", s[:a] + upper + s[a+len(key):], "unknown key", a},
		{"case-mismatched nested field", s[:n] + nupper + s[n+len(nkey):], "unknown key", n},
		{"invalid UTF-8", s[:a] + key + `: "` + val[:1] + "\xff" + val[1:] + `"` + s[a+len(anchor):], "invalid UTF-8", a + len(key) + 4},
		{"lone surrogate", s[:a] + key + `: "` + val[:1] + `\ud800` + val[1:] + `"` + s[a+len(anchor):], "lone surrogate", a + len(key) + 4},
	}
}

// lineColAt is the "line L, column C" of offset in data.
func lineColAt(data string, offset int) string {
	before := data[:offset]
	return fmt.Sprintf("line %d, column %d", 1+strings.Count(before, "\n"), offset-strings.LastIndexByte(before, '\n'))
}

// The failure file reader is strict: a repeated field, a field spelled in
// another case (which encoding/json would take), invalid UTF-8 and a lone
// surrogate escape (which it would turn into U+FFFD) are refused, with the
// line and column of the offending byte.
func TestFailureFileIsReadStrictly(t *testing.T) {
	cfg, res := failingRun(t)
	path := filepath.Join(t.TempDir(), "f.json")
	require.NoError(t, Write(path, New("default", cfg, res)))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, tt := range strictEdits(t, raw, `"scenario": "default"`, `"nodes": 3`) {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bad.json")
			require.NoError(t, os.WriteFile(p, []byte(tt.data), 0o644))
			_, err := Read(p)
			require.ErrorIs(t, err, ErrBad)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), lineColAt(tt.data, tt.at)+": ", "the error names the line and column")
		})
	}
}
