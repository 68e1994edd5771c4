package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const historyCorpus = "../testdata/histories"

// TestCheckCorpus runs raftsim check on every file of testdata/histories:
// the exit code follows the outcome in the file's name, and the output
// holds the sidecar's text (see testdata/histories/README.md).
func TestCheckCorpus(t *testing.T) {
	codes := map[string]int{"ok": exitPass, "illegal": exitFailure, "bad": exitUsage,
		"inconclusive": exitInconclusive, "empty": exitInconclusive}
	files, err := filepath.Glob(filepath.Join(historyCorpus, "*.*.*"))
	require.NoError(t, err)
	n := 0
	for _, path := range files {
		name := filepath.Base(path)
		if strings.HasSuffix(name, ".want") {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			parts := strings.Split(name, ".")
			outcome, ext := parts[len(parts)-2], parts[len(parts)-1]
			want, ok := codes[outcome]
			require.True(t, ok, "outcome %q in the name is not one of ok, illegal, bad, inconclusive, empty", outcome)
			args := []string{"check", path}
			if ext == "txt" {
				args = append(args, "--format", "porcupine-kv")
			}
			if outcome == "inconclusive" {
				args = append(args, "--steps", "1000")
			}
			code, out, errs := raftsim(args...)
			assert.Equal(t, want, code, "%s%s", out, errs)
			if outcome == "bad" {
				assert.Regexp(t, `line \d+, column \d+: `, errs, "every reader error names line and column")
			}
			if text, err := os.ReadFile(path + ".want"); err == nil {
				assert.Contains(t, out+errs, strings.TrimSpace(string(text)))
			}
		})
	}
	assert.GreaterOrEqual(t, n, 15, "the corpus lost files")
}

// The same history decides the same way at each run, and a step limit too
// small gives exit 3 with inconclusive, never ok.
func TestCheckStepLimit(t *testing.T) {
	path := filepath.Join(historyCorpus, "eight-concurrent-appends.inconclusive.json")
	code, out, _ := raftsim("check", path, "--steps", "1000", "--json")
	require.Equal(t, exitInconclusive, code)
	var j checkJSON
	require.NoError(t, json.Unmarshal([]byte(out), &j))
	assert.Equal(t, "inconclusive", j.Verdict)
	assert.Equal(t, []string{"x"}, j.UndecidedKeys)
	assert.Equal(t, uint64(1000), j.Steps)

	code, out, _ = raftsim("check", path, "--json")
	require.Equal(t, exitFailure, code, "with the default limit the history is decided: %s", out)
	require.NoError(t, json.Unmarshal([]byte(out), &j))
	assert.Equal(t, "illegal", j.Verdict)
	first := j.Steps
	raftsim("check", path, "--json")
	_, out, _ = raftsim("check", path, "--json")
	require.NoError(t, json.Unmarshal([]byte(out), &j))
	assert.Equal(t, first, j.Steps, "steps are counted, not timed")
}
